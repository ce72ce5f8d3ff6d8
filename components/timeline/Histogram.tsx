"use client";
// Events over the selected range as stacked bars (errors at the bottom, in red). Drag across the
// bars to zoom in (sets absolute from/to), click a bar to zoom to it, "Zoom out" doubles the range.
// Plain SVG: a few hundred rectangles need no chart library.
import { useRef, useState, type PointerEvent } from "react";
import type { Histogram as HistogramData } from "../../lib/query/histogram";
import { useUrlState } from "../../lib/view/navigation";
import { formatDuration, formatTime, isoParam } from "../../lib/view/time";
import { setTimeRange } from "../../lib/view/url";
import { useIsClient } from "../../lib/view/useIsClient";
import type { TimeZoneMode } from "../../lib/view/viewParams";

const W = 1000;
const H = 64;

export function Histogram({ data }: { data: HistogramData }) {
  const { params, navigate } = useUrlState();
  const client = useIsClient();
  const tz: TimeZoneMode = client && params.get("tz") === "local" ? "local" : "utc";
  const svgRef = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);

  const { buckets, stepMs } = data;
  const start = buckets[0]?.t ?? data.from;
  const end = (buckets[buckets.length - 1]?.t ?? data.to) + stepMs;
  const span = Math.max(end - start, 1);
  const max = Math.max(1, ...buckets.map((b) => b.total));
  const total = buckets.reduce((n, b) => n + b.total, 0);
  const errors = buckets.reduce((n, b) => n + b.errors, 0);
  // Free text searched only since `searchedFrom`: the part before it is shaded, not drawn as zeros.
  const unsearched = data.searchedFrom !== undefined ? Math.min(1, Math.max(0, (data.searchedFrom - start) / span)) : 0;
  const peak = buckets.reduce((p, b) => (b.total > p.total ? b : p), buckets[0] ?? { t: start, total: 0, errors: 0 });

  /** Pointer x → fraction of the plot width. */
  const frac = (e: PointerEvent) => {
    const r = svgRef.current!.getBoundingClientRect();
    return Math.min(1, Math.max(0, (e.clientX - r.left) / r.width));
  };
  const timeAt = (f: number) => start + f * span;
  const snapDown = (t: number) => start + Math.floor((t - start) / stepMs) * stepMs;
  const zoom = (from: number, to: number) => navigate(setTimeRange(params, isoParam(from), isoParam(to)));

  function onUp(e: PointerEvent) {
    if (!drag) return;
    const a = Math.min(drag.a, frac(e));
    const b = Math.max(drag.a, frac(e));
    setDrag(null);
    const r = svgRef.current!.getBoundingClientRect();
    if ((b - a) * r.width < 4) {
      // A click: zoom to the bucket under the pointer.
      const t0 = snapDown(timeAt(a));
      return zoom(t0, t0 + stepMs);
    }
    zoom(snapDown(timeAt(a)), Math.min(snapDown(timeAt(b)) + stepMs, end));
  }

  const zoomOut = () => {
    const from = Math.max(0, data.from - (data.to - data.from) / 2);
    const to = data.to + (data.to - data.from) / 2;
    navigate(setTimeRange(params, isoParam(from), to >= Date.now() ? null : isoParam(to)));
  };

  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => start + f * span);
  const precision = "m";
  return (
    <figure className="px-3 pt-2" aria-label="Events over time">
      <figcaption className="mb-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-[11px] text-zinc-500">
        <span>
          {formatDuration(stepMs)} buckets · {tz === "utc" ? "UTC" : "local time"}
        </span>
        <span className="inline-flex items-center gap-1">
          <span aria-hidden className="inline-block h-2 w-2 rounded-sm bg-sky-500" /> events
        </span>
        <span className="inline-flex items-center gap-1">
          <span aria-hidden className="inline-block h-2 w-2 rounded-sm bg-red-500" /> errors ({errors.toLocaleString("en-US")})
        </span>
        {data.searchedFrom !== undefined && (
          <span className="inline-flex items-center gap-1 text-amber-800 dark:text-amber-300" data-testid="histogram-searched-from">
            <span aria-hidden className="inline-block h-2 w-2 rounded-sm bg-zinc-300 dark:bg-zinc-700" /> not searched before {formatTime(data.searchedFrom, tz, "m")}
          </span>
        )}
        <span className="hidden sm:inline">Drag across the bars to zoom in; click a bar for its {formatDuration(stepMs)}.</span>
        <button type="button" onClick={zoomOut} className="ml-auto rounded border border-zinc-300 px-1.5 py-0.5 text-zinc-700 hover:bg-zinc-100 dark:border-zinc-700 dark:text-zinc-300 dark:hover:bg-zinc-800">
          Zoom out
        </button>
      </figcaption>
      <p className="sr-only">
        {total.toLocaleString("en-US")} events from {formatTime(start, tz, precision)} to {formatTime(end, tz, precision)}, peak {peak.total.toLocaleString("en-US")} at {formatTime(peak.t, tz, precision)}.
      </p>
      <svg
        ref={svgRef}
        data-testid="histogram"
        viewBox={`0 0 ${W} ${H}`}
        preserveAspectRatio="none"
        className="block h-16 w-full cursor-crosshair touch-none select-none"
        aria-hidden
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          const f = frac(e);
          setDrag({ a: f, b: f });
        }}
        onPointerMove={(e) => drag && setDrag({ a: drag.a, b: frac(e) })}
        onPointerUp={onUp}
        onPointerCancel={() => setDrag(null)}
      >
        <rect x={0} y={0} width={W} height={H} className="fill-zinc-50 dark:fill-zinc-900" />
        {unsearched > 0 && <rect data-testid="histogram-unsearched" x={0} y={0} width={unsearched * W} height={H} className="fill-zinc-200 dark:fill-zinc-800" />}
        {buckets.map((b) => {
          const x = ((b.t - start) / span) * W;
          const w = Math.max((stepMs / span) * W - (buckets.length > 200 ? 0 : 1), 0.5);
          const hAll = (b.total / max) * (H - 2);
          const hErr = (b.errors / max) * (H - 2);
          return (
            <g key={b.t}>
              <title>{`${formatTime(b.t, tz, "m")} — ${b.total.toLocaleString("en-US")} events, ${b.errors.toLocaleString("en-US")} errors`}</title>
              <rect x={x} y={0} width={w} height={H} fill="transparent" />
              {b.total > b.errors && <rect x={x} y={H - hAll} width={w} height={hAll - hErr} className="fill-sky-500 dark:fill-sky-400" />}
              {b.errors > 0 && <rect x={x} y={H - hErr} width={w} height={hErr} className="fill-red-500" />}
            </g>
          );
        })}
        {drag && <rect x={Math.min(drag.a, drag.b) * W} y={0} width={Math.abs(drag.b - drag.a) * W} height={H} className="fill-sky-500/20 stroke-sky-600" strokeWidth={1} vectorEffect="non-scaling-stroke" />}
      </svg>
      <div className="relative mt-0.5 h-4 text-[10px] tabular-nums text-zinc-500" aria-hidden>
        {ticks.map((t, i) => (
          <span key={i} className={`absolute whitespace-nowrap ${i % 2 ? "hidden md:block" : ""}`} style={i === 0 ? { left: 0 } : i === ticks.length - 1 ? { right: 0 } : { left: `${i * 25}%`, transform: "translateX(-50%)" }}>
            {formatTime(t, tz, "m")}
          </span>
        ))}
      </div>
    </figure>
  );
}

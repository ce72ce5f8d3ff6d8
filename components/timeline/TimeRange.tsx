"use client";
// Time range: relative presets (from=now-15m … , or none for all time) and an absolute range in
// the zone on screen (written to the URL as UTC instants).
import { useEffect, useState } from "react";
import { useUrlState } from "../../lib/view/navigation";
import { describeRange, fromInputValue, isoParam, RANGE_PRESETS, toInputValue } from "../../lib/view/time";
import { setTimeRange } from "../../lib/view/url";
import { useIsClient } from "../../lib/view/useIsClient";
import type { TimeZoneMode } from "../../lib/view/viewParams";
import { useWithinViewport } from "./useWithinViewport";

const btn =
  "rounded border border-zinc-300 px-2 py-1 text-xs text-zinc-700 hover:bg-zinc-100 dark:border-zinc-700 dark:text-zinc-200 dark:hover:bg-zinc-800";

export function TimeRange({ resolvedFrom, resolvedTo }: { resolvedFrom: string | null; resolvedTo: string | null }) {
  const { params, navigate } = useUrlState();
  const client = useIsClient();
  const from = params.get("from");
  const to = params.get("to");
  // Local times only once hydrated: the server cannot know the browser's zone.
  const tz = (client && params.get("tz") === "local" ? "local" : "utc") as TimeZoneMode;
  const active = to ? null : (RANGE_PRESETS.find((p) => p.from === from) ?? null);
  const [fromText, setFromText] = useState("");
  const [toText, setToText] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const panel = useWithinViewport<HTMLFormElement>();
  // The custom-range inputs start from the range on screen, in the zone on screen.
  useEffect(() => {
    setFromText(resolvedFrom ? toInputValue(Date.parse(resolvedFrom), tz) : "");
    setToText(resolvedTo ? toInputValue(Date.parse(resolvedTo), tz) : "");
  }, [resolvedFrom, resolvedTo, tz]);

  return (
    <div className="flex flex-wrap items-center gap-2">
      <div role="group" aria-label="Time range" className="inline-flex overflow-hidden rounded border border-zinc-300 dark:border-zinc-700">
        {RANGE_PRESETS.map((p) => (
          <button
            key={p.label}
            type="button"
            title={p.title}
            aria-pressed={active === p}
            onClick={() => navigate(setTimeRange(params, p.from, null))}
            className={`border-r border-zinc-300 px-2 py-1 text-xs last:border-r-0 dark:border-zinc-700 ${
              active === p ? "bg-sky-600 text-white" : "text-zinc-700 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-800"
            }`}
          >
            {p.label}
          </button>
        ))}
      </div>
      <details className="relative" data-dropdown>
        <summary className={`${btn} cursor-pointer list-none ${active ? "" : "border-sky-500 text-sky-800 dark:text-sky-300"}`} title="Set an absolute range">
          {active ? "Custom…" : describeRange(from, to, tz)}
        </summary>
        <form
          ref={panel}
          className="absolute left-0 z-30 mt-1 w-80 max-w-[calc(100vw-1rem)] space-y-2 rounded border border-zinc-300 bg-white p-3 text-xs shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
          onSubmit={(e) => {
            e.preventDefault();
            const f = fromText ? fromInputValue(fromText, tz) : null;
            const t = toText ? fromInputValue(toText, tz) : null;
            if ((fromText && !f) || (toText && !t)) return setProblem("Enter complete dates and times.");
            if (f && t && f.getTime() > t.getTime()) return setProblem("From must be before To.");
            setProblem(null);
            (e.currentTarget.closest("details") as HTMLDetailsElement).open = false;
            navigate(setTimeRange(params, f ? isoParam(f) : null, t ? isoParam(t) : null));
          }}
        >
          <p className="text-zinc-500">Times in {tz === "utc" ? "UTC" : "your local zone"}. From is inclusive, To exclusive; leave one empty for an open range.</p>
          <label className="flex items-center gap-2">
            <span className="w-10 shrink-0">From</span>
            <input type="datetime-local" step={1} value={fromText} onChange={(e) => setFromText(e.target.value)} className="min-w-0 flex-1 rounded border border-zinc-300 bg-white px-1 py-0.5 dark:border-zinc-700 dark:bg-zinc-950" />
          </label>
          <label className="flex items-center gap-2">
            <span className="w-10 shrink-0">To</span>
            <input type="datetime-local" step={1} value={toText} onChange={(e) => setToText(e.target.value)} className="min-w-0 flex-1 rounded border border-zinc-300 bg-white px-1 py-0.5 dark:border-zinc-700 dark:bg-zinc-950" />
          </label>
          {problem && <p role="alert" className="text-red-700 dark:text-red-400">{problem}</p>}
          <button type="submit" className="rounded bg-sky-600 px-3 py-1 font-medium text-white hover:bg-sky-700">
            Apply range
          </button>
        </form>
      </details>
    </div>
  );
}


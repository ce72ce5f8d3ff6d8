// Per-day (or per-bin) counts as small bars: where in the range a detection fired. Server-rendered
// SVG; each bar says its day and count on hover, and the whole says its total for screen readers.
const W = 120;
const H = 24;

export function Sparkline({ bins, start, widthMs, label }: { bins: number[]; start: number; widthMs: number; label: string }) {
  const max = Math.max(1, ...bins);
  const bw = W / bins.length;
  const total = bins.reduce((a, b) => a + b, 0);
  const day = (i: number) => new Date(start + i * widthMs).toISOString().slice(0, 10);
  return (
    <svg role="img" aria-label={`${label}: ${total.toLocaleString("en-US")} events over ${bins.length} ${widthMs > 86400_000 ? "periods" : "days"}`} data-testid="sparkline" width={W} height={H} viewBox={`0 0 ${W} ${H}`} className="shrink-0 overflow-visible">
      <line x1={0} x2={W} y1={H - 0.5} y2={H - 0.5} className="stroke-zinc-200 dark:stroke-zinc-800" />
      {bins.map((n, i) =>
        n > 0 ? (
          <rect key={i} x={i * bw + 0.15} width={Math.max(bw - 0.3, 0.8)} y={H - 1 - Math.max(2, (n / max) * (H - 2))} height={Math.max(2, (n / max) * (H - 2))} className="fill-sky-600 dark:fill-sky-400">
            <title>{`${day(i)}: ${n.toLocaleString("en-US")}`}</title>
          </rect>
        ) : null,
      )}
    </svg>
  );
}

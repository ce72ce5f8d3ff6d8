// The detections page's list: one card per detection — title, why it matters, severity, MITRE
// ATT&CK technique, where it comes from, its count over the range and a sparkline — linking to
// the timeline filtered by it over the same range. Cards rather than a table: they read the same
// at 390 px as at 1440.
import Link from "next/link";
import { WatchButton } from "../alerts/WatchButton";
import type { Detection, Severity } from "../../lib/detections/types";
import { Sparkline } from "./Sparkline";

export interface DetectionRow {
  detection: Detection & { view?: { id: string; ownerEmail: string | null; shared: boolean } };
  count: number | null;
  days?: number[];
  error?: string;
  /** The timeline filtered by the detection over the page's range. */
  href: string;
  /** The viewer may watch it (alerts: analyst, admin; a burst detection alerts on the bursts new events are part of). */
  canWatch?: boolean;
}

const SEVERITY_CLASS: Record<Severity, string> = {
  critical: "bg-red-700 text-white",
  high: "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
  medium: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  low: "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200",
  info: "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
};

function origin(d: DetectionRow["detection"]): string {
  if (d.origin === "cis") return `CIS AWS Foundations ${d.control}`;
  if (d.origin === "attack") return "Attack path";
  return d.view ? `Saved view${d.view.ownerEmail ? ` · ${d.view.ownerEmail}` : ""}${d.view.shared ? " · shared" : ""}` : "Saved view";
}

export function DetectionList({ rows, bins }: { rows: DetectionRow[]; bins: { start: number; width: number } }) {
  return (
    <ul className="divide-y divide-zinc-200 rounded border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800" aria-label="Detections">
      {rows.map((r) => {
        const d = r.detection;
        const fired = (r.count ?? 0) > 0;
        return (
          <li key={d.id} data-detection={d.id} className={`flex flex-col gap-2 p-3 sm:flex-row sm:items-center ${fired ? "" : "text-zinc-600 dark:text-zinc-400"}`}>
            <div className="min-w-0 flex-1 space-y-1">
              <div className="flex flex-wrap items-center gap-2">
                <span className={`rounded px-1.5 py-0.5 text-[11px] font-semibold uppercase tracking-wide ${SEVERITY_CLASS[d.severity]}`}>{d.severity}</span>
                <Link href={r.href} className="font-medium text-zinc-900 hover:underline dark:text-zinc-100">
                  {d.title}
                </Link>
              </div>
              <p className="text-xs">{d.why}</p>
              <p className="flex flex-wrap gap-x-3 text-[11px] text-zinc-500">
                {d.technique && (
                  <a href={`https://attack.mitre.org/techniques/${d.technique.replace(".", "/")}/`} className="font-mono hover:underline" rel="noreferrer" target="_blank" title="MITRE ATT&CK technique">
                    {d.technique}
                  </a>
                )}
                <span>{origin(d)}</span>
                {d.threshold && (
                  <span title="The count holds only bursts; the timeline link shows every matching event">
                    bursts: ≥ {d.threshold.atLeast} {d.threshold.distinct ? `different ${d.threshold.distinct}` : "events"} per {d.threshold.per} in {d.threshold.windowMinutes} min
                  </span>
                )}
                <code className="max-w-full truncate font-mono" title={d.query}>
                  {d.query}
                </code>
              </p>
            </div>
            <div className="flex items-center gap-3 sm:justify-end">
              {r.canWatch && !r.error && <WatchButton kind="detection" id={d.id} title={d.title} />}
              {r.days && <Sparkline bins={r.days} start={bins.start} widthMs={bins.width} label={d.title} />}
              {r.error ? (
                <span className="text-xs text-red-700 dark:text-red-400" title={r.error}>
                  query no longer valid
                </span>
              ) : (
                <Link href={r.href} data-testid="detection-count" className={`w-16 text-right tabular-nums ${fired ? "text-base font-semibold text-zinc-900 dark:text-zinc-100" : "text-sm"}`}>
                  {(r.count ?? 0).toLocaleString("en-US")}
                </Link>
              )}
            </div>
          </li>
        );
      })}
    </ul>
  );
}

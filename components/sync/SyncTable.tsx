// Sync status per source (lib/sync/status.ts): state, last run, progress, counts and the recent
// failures of the last run. Values are text; failure reasons come from files and are shown as such.
// With `configured` (lib/sync/sources-view.ts) each configured source says where it is configured,
// its URI and whether it is paused; with `manage` (admins) a last column holds its controls.
import type { SourceView } from "../../lib/sync/sources-view";
import type { SourceStatus } from "../../lib/sync/status";
import { SourceActions } from "./SourceActions";
import { isWritabilityCheck } from "../../lib/ingest/expected";
import { workItems } from "../../lib/ingest/progress";
import { visibleText } from "../../lib/view/text";
import { formatDuration, formatTime } from "../../lib/view/time";

const STATE_STYLE: Record<SourceStatus["state"], string> = {
  running: "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200",
  idle: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200",
  failed: "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
  interrupted: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  "never-run": "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
};

const STATE_WORDS: Record<SourceStatus["state"], string> = {
  running: "running",
  idle: "up to date",
  failed: "failed",
  interrupted: "interrupted",
  "never-run": "never run",
};

function ago(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso);
  if (ms < 60e3) return "just now";
  return `${formatDuration(Math.round(ms / 60e3) * 60e3)} ago`;
}

interface Failure {
  key: string;
  reason: string;
  /** Skipped as every trail bucket's (runs recorded before the flag: known by the key). */
  expected: boolean;
}

function failuresOf(v: unknown): Failure[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter((f): f is Record<string, unknown> => f !== null && typeof f === "object")
    .map((f) => {
      const key = String(f.key ?? "");
      return { key, reason: String(f.reason ?? ""), expected: f.expected === true || isWritabilityCheck(key) };
    });
}

/** The files a run skipped or could not read, with why; those every trail bucket holds apart, in grey. */
function RunProblems({ failures, colSpan }: { failures: Failure[]; colSpan: number }) {
  const problems = failures.filter((f) => !f.expected);
  const expected = failures.filter((f) => f.expected);
  return (
    <tr>
      <td colSpan={colSpan} className="space-y-1 px-2 pb-2">
        {problems.length > 0 && (
          <details data-testid="run-problems">
            <summary className="cursor-pointer text-zinc-600 dark:text-zinc-400">
              {problems.length} problem{problems.length === 1 ? "" : "s"} in the last run (files skipped or failed; the rest was read)
            </summary>
            <ul className="mt-1 space-y-0.5 rounded bg-zinc-50 p-2 font-mono dark:bg-zinc-900">
              {problems.map((f, i) => (
                <li key={i} className="break-all">
                  {visibleText(f.key)}: <span className="text-red-700 dark:text-red-400">{visibleText(f.reason)}</span>
                </li>
              ))}
            </ul>
          </details>
        )}
        {expected.length > 0 && (
          <details data-testid="run-expected">
            <summary className="cursor-pointer text-zinc-500">
              {expected.length} file{expected.length === 1 ? "" : "s"} skipped as expected: CloudTrail&apos;s bucket write check{expected.length === 1 ? "" : "s"} (ConfigWritabilityCheckFile), not a problem
            </summary>
            <ul className="mt-1 space-y-0.5 rounded bg-zinc-50 p-2 font-mono text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400">
              {expected.map((f, i) => (
                <li key={i} className="break-all">
                  {visibleText(f.key)}: <span className="font-sans">{visibleText(f.reason)}</span>
                </li>
              ))}
            </ul>
          </details>
        )}
      </td>
    </tr>
  );
}

/** A run's progress line; runs recorded before it named its work items said "units". */
function progressOf(source: string, text: string): string {
  return text.replace(/ units$/, () => ` ${source.startsWith("lookup://") ? "time windows of LookupEvents" : workItems(source, 2)}`);
}

const num = (n: number | undefined) => (n === undefined ? "—" : n.toLocaleString("en-US"));

function Origin({ status, view }: { status: SourceStatus; view: SourceView | undefined }) {
  if (!view) return status.configured ? null : <span className="ml-1 font-sans text-zinc-500">(not configured)</span>;
  return (
    <>
      {view.uri !== view.source && <span className="block text-zinc-500">{visibleText(view.uri)}</span>}
      <span className="block font-sans text-zinc-500">
        {view.origin === "environment" ? "from environment" : `added in the console${view.createdByEmail ? ` by ${visibleText(view.createdByEmail)}` : ""}`}
      </span>
    </>
  );
}

export function SyncTable({ sources, now, configured = [], manage = false }: { sources: SourceStatus[]; now: Date; configured?: SourceView[]; manage?: boolean }) {
  const views = new Map(configured.map((v) => [v.source, v]));
  const th = "px-2 py-1.5 font-medium text-zinc-600 dark:text-zinc-300";
  const td = "px-2 py-1.5 align-top";
  return (
    <table className="w-full border-collapse text-left text-xs">
      <caption className="sr-only">Sync sources with their state, last run, progress, counts and last error</caption>
      <thead className="border-b border-zinc-300 bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900">
        <tr>
          <th scope="col" className={th}>Source</th>
          <th scope="col" className={th}>State</th>
          <th scope="col" className={th}>Last run (UTC)</th>
          <th scope="col" className={th}>Progress</th>
          <th scope="col" className={`${th} text-right`}>
            <abbr title="Files of the last run: S3 objects of a bucket, files of a folder or an upload. Skipped: not CloudTrail logs (such as the bucket's write check); failed: unreadable. LookupEvents reads pages, not files." className="no-underline">
              Files read / skipped / failed
            </abbr>
          </th>
          <th scope="col" className={`${th} text-right`}>Events new / duplicate</th>
          <th scope="col" className={th}>Last success</th>
          <th scope="col" className={th}>Last error</th>
          {manage && (
            <th scope="col" className={th}>
              <span className="sr-only">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {sources.map((s) => {
          const r = s.lastRun;
          const view = views.get(s.source);
          const failures = failuresOf(r?.failures);
          const took = r?.finishedAt ? formatDuration(Math.max(1000, Math.round((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000) * 1000)) : null;
          return [
            <tr key={s.source} className="border-t border-zinc-200 dark:border-zinc-800" data-testid="source-row">
              <th scope="row" className={`${td} min-w-[14rem] break-all font-mono font-normal`}>
                {visibleText(s.source)}
                <Origin status={s} view={view} />
              </th>
              <td className={td}>
                <span className="flex flex-wrap gap-1">
                  <span className={`whitespace-nowrap rounded-full px-2 py-0.5 ${STATE_STYLE[s.state]}`}>{STATE_WORDS[s.state]}</span>
                  {view?.paused && <span className="whitespace-nowrap rounded-full bg-amber-100 px-2 py-0.5 text-amber-900 dark:bg-amber-950 dark:text-amber-200">paused</span>}
                  {view?.syncPending && <span className="whitespace-nowrap text-zinc-500">sync requested</span>}
                </span>
              </td>
              <td className={`${td} whitespace-nowrap font-mono`}>
                {r ? (
                  <>
                    {formatTime(r.startedAt, "utc")}
                    <span className="block font-sans text-zinc-500">
                      {ago(r.startedAt, now)}
                      {took ? `, took ${took}` : r.status === "running" ? ", still running" : ""}
                    </span>
                  </>
                ) : (
                  "—"
                )}
              </td>
              <td className={`${td} max-w-72 break-words`}>{r?.progress ? visibleText(progressOf(s.source, r.progress)) : "—"}</td>
              <td className={`${td} whitespace-nowrap text-right tabular-nums`}>
                {num(r?.objectsRead)} / {num(r?.objectsSkipped)} / <span className={r?.objectsFailed ? "text-red-700 dark:text-red-400" : ""}>{num(r?.objectsFailed)}</span>
              </td>
              <td className={`${td} whitespace-nowrap text-right tabular-nums`}>
                {num(r?.eventsNew)} / {num(r?.eventsDuplicate)}
              </td>
              <td className={`${td} whitespace-nowrap`}>{s.lastSuccessAt ? ago(s.lastSuccessAt, now) : "never"}</td>
              <td className={`${td} max-w-96 break-words text-red-700 dark:text-red-400`}>{s.lastError ? visibleText(s.lastError) : ""}</td>
              {manage && <td className={`${td} whitespace-nowrap`}>{view && <SourceActions source={view} />}</td>}
            </tr>,
            failures.length > 0 && <RunProblems key={`${s.source}-failures`} failures={failures} colSpan={manage ? 9 : 8} />,
          ];
        })}
      </tbody>
    </table>
  );
}

// Freshness (lib/sync/freshness.ts): the newest stored event of each account and region, how long
// ago that was, and which ones fall behind the rest (a trail or source that stopped delivering for
// them). Each region links to its events in the timeline.
import Link from "next/link";
import { exactValue } from "../../lib/query/filter-value";
import type { JudgedFreshness } from "../../lib/sync/freshness";
import { agoWords, spanWords } from "../../lib/view/age";
import { visibleText } from "../../lib/view/text";
import { formatTime } from "../../lib/view/time";
import { href } from "../../lib/view/url";

function timelineOf(r: JudgedFreshness): string | null {
  if (r.account === null || r.region === null) return null;
  return href("/events", new URLSearchParams({ accountId: exactValue(r.account), awsRegion: exactValue(r.region) }));
}

export function FreshnessTable({ rows, newest, now, staleAfterMs, scoped }: { rows: JudgedFreshness[]; newest: string | null; now: Date; staleAfterMs: number; scoped: boolean }) {
  const th = "px-2 py-1.5 font-medium text-zinc-600 dark:text-zinc-300";
  const td = "px-2 py-1.5 align-top";
  const stale = rows.filter((r) => r.stale).length;
  const groups = new Map<string | null, JudgedFreshness[]>();
  for (const r of rows) groups.set(r.account, [...(groups.get(r.account) ?? []), r]);
  return (
    <section aria-labelledby="freshness-title" className="space-y-2">
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <h2 id="freshness-title" className="text-sm font-semibold">
          Freshness: newest event per account and region
        </h2>
        <p className="text-xs text-zinc-500" data-testid="freshness-summary">
          {newest === null
            ? scoped
              ? "No events of your accounts are stored yet."
              : "No events are stored yet."
            : <>
                Newest event {agoWords(now.getTime() - Date.parse(newest))}.{" "}
                {stale
                  ? `${stale} of ${rows.length} account regions ${stale === 1 ? "is" : "are"} more than ${spanWords(staleAfterMs)} behind it (marked stale): check the trail or source that delivers ${stale === 1 ? "it" : "them"}.`
                  : `Every account and region is within ${spanWords(staleAfterMs)} of it.`}
              </>}
        </p>
      </div>
      {rows.length > 0 && (
        <table className="w-full max-w-2xl border-collapse text-left text-xs">
          <caption className="sr-only">Newest stored event per account and region, how long ago it was, and whether it falls behind the others</caption>
          <thead className="border-b border-zinc-300 bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900">
            <tr>
              <th scope="col" className={th}>Region</th>
              <th scope="col" className={th}>Newest event (UTC)</th>
            </tr>
          </thead>
          {[...groups].map(([account, regions]) => (
            <tbody key={account ?? ""} data-testid="freshness-account">
              <tr className="border-t border-zinc-300 dark:border-zinc-700">
                <th scope="colgroup" colSpan={2} className={`${td} font-normal text-zinc-600 dark:text-zinc-400`}>
                  Account{" "}
                  {account === null ? <span className="text-zinc-500">(none in the record)</span> : <span className="font-mono text-zinc-900 dark:text-zinc-100">{visibleText(account)}</span>}
                </th>
              </tr>
              {regions.map((r) => {
                const link = timelineOf(r);
                return (
                  <tr
                    key={`${account}/${r.region}`}
                    data-testid="freshness-row"
                    data-account={account ?? ""}
                    data-region={r.region ?? ""}
                    data-stale={r.stale ? "true" : "false"}
                    className={`border-t border-zinc-100 dark:border-zinc-900 ${r.stale ? "bg-amber-50 dark:bg-amber-950/40" : ""}`}
                  >
                    <th scope="row" className={`${td} whitespace-nowrap pl-4 font-mono font-normal`}>
                      {r.region === null ? (
                        <span className="font-sans text-zinc-500">(no region)</span>
                      ) : link ? (
                        <Link href={link} className="underline decoration-dotted hover:text-sky-700 dark:hover:text-sky-300" title="This account's events in this region, in the timeline">
                          {visibleText(r.region)}
                        </Link>
                      ) : (
                        visibleText(r.region)
                      )}
                    </th>
                    <td className={td}>
                      <span className="whitespace-nowrap font-mono">{formatTime(r.newest, "utc")}</span>{" "}
                      <span className="whitespace-nowrap text-zinc-600 dark:text-zinc-400" data-testid="freshness-age">
                        {agoWords(r.ageMs)}
                      </span>
                      {r.stale && (
                        <span className="ml-2 inline-block whitespace-nowrap rounded-full bg-amber-100 px-2 py-0.5 text-amber-900 dark:bg-amber-900 dark:text-amber-100" title={`Its newest event is ${spanWords(r.behindMs)} older than the newest of all`}>
                          stale: {spanWords(r.behindMs)} behind
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          ))}
        </table>
      )}
    </section>
  );
}

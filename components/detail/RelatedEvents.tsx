// Related events of the detail view (lib/query/related.ts): each group lists a few events and
// links to the timeline query that holds all of them.
import Link from "next/link";
import type { RelatedGroup } from "../../lib/query/related";
import { NavLink } from "../../lib/view/navigation";
import { cellText } from "../../lib/view/text";
import { formatTime } from "../../lib/view/time";

/** "+14s", "−3m": where a related event sits relative to the one being read. */
function offset(t: string, anchor: number): string {
  const d = Date.parse(t) - anchor;
  if (Number.isNaN(d)) return "";
  const a = Math.abs(d);
  const v = a < 60e3 ? `${Math.round(a / 1e3)}s` : a < 3600e3 ? `${Math.round(a / 60e3)}m` : `${Math.round(a / 3600e3)}h`;
  return d === 0 ? "same time" : `${d > 0 ? "+" : "−"}${v}`;
}

export function RelatedEvents({ groups, variant, onOpen, anchor }: { groups: RelatedGroup[]; variant: "page" | "panel"; onOpen?: (id: string) => void; anchor: number }) {
  return (
    <section aria-label="Related events" className="space-y-3">
      <h3 className="text-[11px] font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">Related events</h3>
      {groups.length === 0 && <p className="text-xs text-zinc-500">This event has no request ID, shared event ID, access key or principal to relate it by.</p>}
      {groups.map((g) => (
        <div key={g.id} className="text-xs">
          <div className="flex items-baseline gap-2">
            <h4 className="font-medium">{g.title}</h4>
            <span className="text-zinc-500">
              {g.events.length === 0 ? "none" : `${g.events.length}${g.more ? "+" : ""}`}
            </span>
            <NavLink href={`/events?${g.params}`} className="ml-auto text-sky-700 underline decoration-dotted dark:text-sky-400">
              Open in timeline
            </NavLink>
          </div>
          {g.events.length > 0 && (
            <ul className="mt-1 divide-y divide-zinc-100 rounded border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
              {g.events.map((e) => {
                const id = String(e.eventID);
                const line = (
                  <>
                    <span className="shrink-0 font-mono tabular-nums text-zinc-500">{formatTime(String(e.eventTime), "utc")}</span>
                    <span className="w-12 shrink-0 text-right tabular-nums text-zinc-400">{offset(String(e.eventTime), anchor)}</span>
                    <span className="truncate font-mono">{cellText(e.eventName) || "—"}</span>
                    <span className="truncate text-zinc-600 dark:text-zinc-400">{cellText(e.username)}</span>
                    {e.errorCode ? <span className="ml-auto shrink-0 font-mono text-red-700 dark:text-red-400">{cellText(e.errorCode)}</span> : null}
                  </>
                );
                const cls = "flex w-full items-center gap-2 px-2 py-1 text-left hover:bg-zinc-50 dark:hover:bg-zinc-900";
                return (
                  <li key={id}>
                    {variant === "panel" && onOpen ? (
                      <button type="button" className={cls} onClick={() => onOpen(id)} aria-label={`Open related event ${cellText(e.eventName)} at ${formatTime(String(e.eventTime), "utc")}`}>
                        {line}
                      </button>
                    ) : (
                      <Link className={cls} href={`/events/${encodeURIComponent(id)}`}>
                        {line}
                      </Link>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      ))}
    </section>
  );
}

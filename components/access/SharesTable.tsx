// /shares: share links made by this user (an admin: everyone's). A link's address was shown once,
// when it was made (only its hash is kept); here one can see what it shows, open that view as
// oneself, see how often it was opened, and revoke it.
import Link from "next/link";
import type { ShareView } from "../../lib/auth/shares";
import { summariseView } from "../../lib/view/frozen-link";
import { visibleText } from "../../lib/view/text";
import { ApiActionButton } from "./ApiActionButton";
import { utcTime } from "./format";
import { rowClass, tdClass, theadClass, thClass } from "./styles";

export type ShareRow = ShareView & { creator: string | null };
type ShareState = "active" | "expired" | "revoked";

export function shareState(s: Pick<ShareView, "revokedAt" | "expiresAt">, now: Date): ShareState {
  if (s.revokedAt) return "revoked";
  return s.expiresAt.getTime() <= now.getTime() ? "expired" : "active";
}

const STATE_STYLE: Record<ShareState, string> = {
  active: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200",
  expired: "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
  revoked: "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
};

function ViewSummary({ query }: { query: string }) {
  const s = summariseView(query);
  return (
    <div className="space-y-0.5">
      <div className="font-mono">{s.range}</div>
      {s.asOf && <div className="text-zinc-500">events stored by {s.asOf}</div>}
      <div className="break-words">{s.filters.length ? s.filters.map(visibleText).join(" · ") : <span className="text-zinc-500">no filters</span>}</div>
      <Link href={`/events?${query}`} className="text-sky-700 underline hover:no-underline dark:text-sky-400" title="Open the same frozen view as yourself (your own accounts apply)">
        open as me
      </Link>
    </div>
  );
}

export function SharesTable({ shares, showCreator, now }: { shares: ShareRow[]; showCreator: boolean; now: Date }) {
  return (
    <table className="w-full min-w-[52rem] border-collapse text-left text-xs">
      <caption className="sr-only">Share links with the view each shows, when it was made, when it expires, how often it was opened and its state</caption>
      <thead className={theadClass}>
        <tr>
          <th scope="col" className={thClass}>View</th>
          {showCreator && <th scope="col" className={thClass}>Made by</th>}
          <th scope="col" className={thClass}>Created</th>
          <th scope="col" className={thClass}>Expires</th>
          <th scope="col" className={`${thClass} text-right`}>Opens</th>
          <th scope="col" className={thClass}>Last opened</th>
          <th scope="col" className={thClass}>State</th>
          <th scope="col" className={thClass}><span className="sr-only">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {shares.map((s) => {
          const state = shareState(s, now);
          return (
            <tr key={s.id} className={rowClass} data-testid="share-row">
              <td className={`${tdClass} min-w-[16rem] max-w-xl`}>
                <ViewSummary query={s.query} />
              </td>
              {showCreator && <td className={`${tdClass} break-words`}>{s.creator ?? <span className="text-zinc-500">deleted user</span>}</td>}
              <td className={`${tdClass} whitespace-nowrap font-mono`}>{utcTime(s.createdAt)}</td>
              <td className={`${tdClass} whitespace-nowrap font-mono`}>{utcTime(s.expiresAt)}</td>
              <td className={`${tdClass} text-right tabular-nums`}>{s.opens.toLocaleString("en-US")}</td>
              <td className={`${tdClass} whitespace-nowrap font-mono`}>{s.lastOpenedAt ? utcTime(s.lastOpenedAt) : <span className="font-sans text-zinc-500">never</span>}</td>
              <td className={tdClass}>
                <span className={`whitespace-nowrap rounded-full px-2 py-0.5 ${STATE_STYLE[state]}`} title={state === "revoked" ? `Revoked ${utcTime(s.revokedAt)}` : undefined}>
                  {state}
                </span>
              </td>
              <td className={`${tdClass} whitespace-nowrap`}>
                {state === "active" && (
                  <ApiActionButton
                    label="Revoke"
                    danger
                    method="DELETE"
                    url={`/api/shares/${encodeURIComponent(s.id)}`}
                    confirm="Revoke this share link? Whoever holds it can no longer open the view, from their next request on."
                  />
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

// The audit trail's rows, newest first. Actor names, targets and details come from requests
// (an email typed at a failed sign-in, a share's query): shown as text with invisible characters
// made visible, never as markup.
import type { AuditRow } from "../../lib/auth/audit";
import { middleEllipsis, visibleText } from "../../lib/view/text";
import { formatTime } from "../../lib/view/time";
import { rowClass, tdClass, theadClass, thClass } from "./styles";

const DETAIL_CHARS = 200;

function detailText(detail: unknown): string {
  if (detail === null || detail === undefined) return "";
  return visibleText(typeof detail === "string" ? detail : JSON.stringify(detail));
}

const ACTION_STYLE: Record<string, string> = {
  "sign-in-failed": "text-red-700 dark:text-red-400",
  "user-disable": "text-red-700 dark:text-red-400",
  "token-revoke": "text-amber-800 dark:text-amber-300",
  "share-revoke": "text-amber-800 dark:text-amber-300",
};

export function AuditTable({ rows }: { rows: AuditRow[] }) {
  return (
    <table className="w-full min-w-[52rem] border-collapse text-left text-xs">
      <caption className="sr-only">Audit trail entries, newest first</caption>
      <thead className={theadClass}>
        <tr>
          <th scope="col" className={thClass}>Time (UTC)</th>
          <th scope="col" className={thClass}>Actor</th>
          <th scope="col" className={thClass}>Action</th>
          <th scope="col" className={thClass}>Target</th>
          <th scope="col" className={thClass}>IP</th>
          <th scope="col" className={thClass}>Detail</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const detail = detailText(r.detail);
          return (
            <tr key={r.id} className={rowClass} data-testid="audit-row">
              <td className={`${tdClass} whitespace-nowrap font-mono`}>{formatTime(r.at, "utc")}</td>
              <td className={`${tdClass} break-words`}>
                {visibleText(r.actorName ?? r.actorId ?? "")}
                <span className="block text-zinc-500">{r.actorKind}</span>
              </td>
              <td className={`${tdClass} whitespace-nowrap font-medium ${ACTION_STYLE[r.action] ?? ""}`}>{r.action}</td>
              <td className={`${tdClass} break-all`}>{r.target ? visibleText(r.target) : ""}</td>
              <td className={`${tdClass} whitespace-nowrap font-mono`}>{r.ip ? visibleText(r.ip) : ""}</td>
              <td className={`${tdClass} min-w-[16rem] max-w-xl break-all font-mono text-zinc-600 dark:text-zinc-400`} title={detail.length > DETAIL_CHARS ? detail : undefined}>
                {middleEllipsis(detail, DETAIL_CHARS)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

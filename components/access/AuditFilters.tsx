// /admin/audit's filters: a plain GET form, so the filters live in the URL (bookmarkable, and the
// CSV export takes the same query) and work before any script has loaded.
import Link from "next/link";
import { AUDIT_ACTIONS } from "../../lib/auth/audit";
import { buttonClass, inputClass, primaryButtonClass } from "./styles";

export interface AuditFilterValues {
  action: string;
  actor: string;
  from: string;
  to: string;
}

export function AuditFilters({ values, exportHref }: { values: AuditFilterValues; exportHref: string }) {
  return (
    <form method="get" action="/admin/audit" aria-label="Filter the audit trail" className="flex flex-wrap items-end gap-3 text-sm">
      <label className="flex flex-col gap-1">
        <span className="text-xs font-medium">Action</span>
        <select name="action" defaultValue={values.action} className={inputClass}>
          <option value="">any action</option>
          {AUDIT_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </label>
      <label className="flex flex-col gap-1">
        <span className="text-xs font-medium">Actor</span>
        <input type="search" name="actor" defaultValue={values.actor} placeholder="email or id" className={`${inputClass} w-48`} />
      </label>
      <label className="flex flex-col gap-1">
        <span className="text-xs font-medium">From (UTC)</span>
        <input type="text" name="from" defaultValue={values.from} placeholder="2026-05-01 or now-7d" aria-describedby="audit-time-hint" className={`${inputClass} w-48 font-mono`} />
      </label>
      <label className="flex flex-col gap-1">
        <span className="text-xs font-medium">To (UTC)</span>
        <input type="text" name="to" defaultValue={values.to} placeholder="now" aria-describedby="audit-time-hint" className={`${inputClass} w-48 font-mono`} />
      </label>
      <div className="flex flex-wrap items-center gap-2">
        <button type="submit" className={primaryButtonClass}>
          Filter
        </button>
        <Link href="/admin/audit" className={buttonClass}>
          Clear
        </Link>
        <a href={exportHref} className={buttonClass} title="The entries matching these filters as CSV (up to 10,000)">
          Export CSV
        </a>
      </div>
      <p id="audit-time-hint" className="basis-full text-xs text-zinc-500">
        Times: an ISO-8601 date or instant (UTC unless it names a zone), or now, now-15m, now-24h, now-7d. From is inclusive, To exclusive.
      </p>
    </form>
  );
}

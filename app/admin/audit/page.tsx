// /admin/audit: the console's own audit trail (sign-ins, exports, share links, user and token
// changes), filtered by action, actor and time through the URL, with the same filters as CSV.
import { AuditFilters, type AuditFilterValues } from "../../../components/access/AuditFilters";
import { AuditTable } from "../../../components/access/AuditTable";
import { AUDIT_ACTIONS, readAudit, type AuditRow } from "../../../lib/auth/audit";
import { pageAccess } from "../../../lib/auth/guard";
import { parseInstant, ParamError } from "../../../lib/query/params";

export const dynamic = "force-dynamic";

export const metadata = { title: "Audit trail · Trailscope" };

/** Entries shown on the page; the CSV export takes up to 10,000. */
const PAGE_ROWS = 500;

const one = (v: string | string[] | undefined) => (typeof v === "string" ? v.trim() : "");

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const values: AuditFilterValues = { action: one(sp.action), actor: one(sp.actor), from: one(sp.from), to: one(sp.to) };
  const self = new URLSearchParams(Object.entries(values).filter(([, v]) => v) as [string, string][]);
  const { db } = await pageAccess("admin", `/admin/audit${self.toString() ? `?${self}` : ""}`);

  const exportParams = new URLSearchParams(self);
  exportParams.set("format", "csv");
  let problem: string | null = null;
  let rows: AuditRow[] = [];
  try {
    if (values.action && !(AUDIT_ACTIONS as readonly string[]).includes(values.action)) throw new ParamError("action", `"${values.action}" is not an audited action`);
    const now = new Date();
    rows = await readAudit(db, {
      action: values.action || undefined,
      actor: values.actor || undefined,
      from: values.from ? parseInstant("from", values.from, now) : undefined,
      to: values.to ? parseInstant("to", values.to, now) : undefined,
      limit: PAGE_ROWS,
    });
  } catch (err) {
    if (!(err instanceof ParamError)) throw err;
    problem = err.message;
  }

  return (
    <div className="space-y-3 p-4">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-base font-semibold">Audit trail</h1>
        <p className="text-xs text-zinc-500">What people and tokens did in this console, newest first. Entries are never changed or removed.</p>
      </div>
      <AuditFilters values={values} exportHref={`/api/audit?${exportParams}`} />
      {problem ? (
        <p role="alert" className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
          Invalid filter: {problem}.
        </p>
      ) : rows.length === 0 ? (
        <p className="rounded border border-zinc-200 p-4 text-sm text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">No entries match these filters.</p>
      ) : (
        <>
          <p className="text-xs text-zinc-500" data-testid="audit-count">
            {rows.length === PAGE_ROWS ? `The newest ${PAGE_ROWS} entries: narrow the filters to see older ones, or export them as CSV.` : `${rows.length} entr${rows.length === 1 ? "y" : "ies"}.`}
          </p>
          <div className="overflow-x-auto">
            <AuditTable rows={rows} />
          </div>
        </>
      )}
    </div>
  );
}

// /views: the saved views this user may see (its own and shared ones; an admin every one), each
// with its count over its own range — a relative range (now-7d) evaluated now — counted in one
// SQL statement within the user's accounts. Opening one is its link, /views/<id>.
import Link from "next/link";
import { notFound } from "next/navigation";
import { ViewsTable, type ViewRow } from "../../components/views/ViewsTable";
import { AccessError, accessQuery, can } from "../../lib/auth/access";
import { pageAccess } from "../../lib/auth/guard";
import { countBranches, type CountBranch } from "../../lib/detections/count";
import { ParamError } from "../../lib/query/params";
import { describeRange } from "../../lib/view/time";
import { filterChips } from "../../lib/view/url";
import { listViews, viewJson } from "../../lib/views/store";

export const dynamic = "force-dynamic";

export const metadata = { title: "Saved views · Trailscope" };

export default async function ViewsPage() {
  const { access, db } = await pageAccess("read", "/views");
  if (access.share) notFound();
  const views = await listViews(db, access);
  const now = new Date();
  const branches: CountBranch[] = [];
  const branchOf = new Map<string, number>();
  const rows: ViewRow[] = views.map((v) => {
    const sp = new URLSearchParams(v.query);
    const filters = [...filterChips(sp).map((c) => c.label), ...sp.getAll("q").map((t) => `“${t}”`)].join(" · ");
    const row: ViewRow = { ...viewJson(v, access), filters, range: describeRange(sp.get("from"), sp.get("to"), "utc"), count: null, canWatch: can(access, "share") };
    try {
      branchOf.set(v.id, branches.push({ q: accessQuery(access, sp, { now }) }) - 1);
    } catch (err) {
      if (!(err instanceof ParamError || err instanceof AccessError)) throw err;
      row.error = err.message;
    }
    return row;
  });
  const counts = await countBranches(db.pool, branches);
  for (const r of rows) if (branchOf.has(r.id)) r.count = counts[branchOf.get(r.id)!].count;
  return (
    <div className="space-y-3 p-4">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-base font-semibold">Saved views</h1>
        <p className="text-xs text-zinc-500">
          {access.role === "admin" ? "Every saved view (yours, shared ones and other users' personal ones)." : "Your views and the ones shared with everyone."} Counts are over each view&apos;s own range, as of now
          {access.scope ? `, in accounts ${access.scope.join(", ")}` : ""}. Save a view with &quot;Save view…&quot; on the{" "}
          <Link href="/events" className="underline hover:no-underline">
            timeline
          </Link>
          ; views marked as detections are also on the{" "}
          <Link href="/detections" className="underline hover:no-underline">
            Detections
          </Link>{" "}
          page.
        </p>
      </div>
      {rows.length === 0 ? (
        <p className="max-w-2xl rounded border border-zinc-200 p-4 text-sm text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">No saved views yet.</p>
      ) : (
        <div className="overflow-x-auto">
          <ViewsTable rows={rows} />
        </div>
      )}
    </div>
  );
}

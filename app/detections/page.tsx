// /detections: every detection the user may see — the built-in library and saved views made
// detections — with its count and a per-day sparkline over the range (default the last 30 days;
// the timeline's from/to parameters, and any of its filters, narrow it), each linking to the
// timeline filtered by it. All counts and sparklines come from one SQL statement
// (lib/detections/count.ts).
import Link from "next/link";
import { notFound } from "next/navigation";
import { DetectionList, type DetectionRow } from "../../components/detections/DetectionList";
import { AccessError, can } from "../../lib/auth/access";
import { pageAccess } from "../../lib/auth/guard";
import { binsOf } from "../../lib/detections/count";
import { countDetections, listDetections } from "../../lib/detections";
import { ParamError, parseInstant } from "../../lib/query/params";
import { describeRange } from "../../lib/view/time";
import { toParams } from "../../lib/view/url";

export const dynamic = "force-dynamic";

export const metadata = { title: "Detections · Trailscope" };

const DEFAULT_FROM = "now-30d";
const PRESETS = [
  { label: "24h", from: "now-24h" },
  { label: "7d", from: "now-7d" },
  { label: "30d", from: "now-30d" },
  { label: "90d", from: "now-90d" },
];
const SEVERITY_RANK = { critical: 4, high: 3, medium: 2, low: 1, info: 0 } as const;

/** The timeline over the page's parameters and the detection's filters. */
function timelineHref(pageParams: URLSearchParams, query: string): string {
  const sp = new URLSearchParams(pageParams);
  for (const [k, v] of new URLSearchParams(query)) sp.append(k, v);
  return `/events?${sp}`;
}

export default async function DetectionsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = toParams(await searchParams);
  const { access, db } = await pageAccess("read", `/detections?${sp}`);
  if (access.share) notFound();
  if (!sp.has("from") && !sp.has("to")) sp.set("from", DEFAULT_FROM);
  const now = new Date();
  let rows: DetectionRow[];
  let bins: { start: number; width: number };
  try {
    const from = sp.get("from") ? parseInstant("from", sp.get("from")!, now) : new Date(now.getTime() - 30 * 86400_000);
    const to = sp.get("to") ? parseInstant("to", sp.get("to")!, now) : now;
    bins = binsOf({ from, to });
    const detections = await listDetections(db, access);
    const counted = await countDetections(db.pool, access, detections, sp, { now, days: { from, to } });
    const watcher = can(access, "share");
    rows = counted.map((c) => ({ ...c, href: timelineHref(sp, c.detection.query), canWatch: watcher }));
    // Fired ones first (most severe, then most events); quiet ones in library order.
    const order = new Map(counted.map((c, i) => [c.detection.id, i]));
    rows.sort((a, b) => {
      const fa = (a.count ?? 0) > 0 ? 1 : 0;
      const fb = (b.count ?? 0) > 0 ? 1 : 0;
      if (fa !== fb) return fb - fa;
      if (fa && a.detection.severity !== b.detection.severity) return SEVERITY_RANK[b.detection.severity] - SEVERITY_RANK[a.detection.severity];
      if (fa && a.count !== b.count) return (b.count ?? 0) - (a.count ?? 0);
      return order.get(a.detection.id)! - order.get(b.detection.id)!;
    });
  } catch (err) {
    if (err instanceof ParamError || err instanceof AccessError) {
      return (
        <div className="p-4">
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            {err.message}
          </p>
        </div>
      );
    }
    throw err;
  }
  const fired = rows.filter((r) => (r.count ?? 0) > 0).length;
  const current = sp.get("to") ? null : sp.get("from");
  const others = new URLSearchParams(sp);
  others.delete("from");
  others.delete("to");
  return (
    <div className="space-y-3 p-4">
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-2">
        <h1 className="text-base font-semibold">Detections</h1>
        <p className="text-xs text-zinc-500">
          <span data-testid="fired-summary">
            {fired} of {rows.length} fired
          </span>{" "}
          · {describeRange(sp.get("from"), sp.get("to"), "utc")}
          {scopeNote(access.scope)}. CIS AWS Foundations Benchmark monitoring controls, common attack paths, and saved views marked as detections (
          <Link href="/views" className="underline hover:no-underline">
            Views
          </Link>
          ).
        </p>
        <nav aria-label="Range" className="inline-flex overflow-hidden rounded border border-zinc-300 dark:border-zinc-700 sm:ml-auto">
          {PRESETS.map((p) => {
            const q = new URLSearchParams(others);
            q.set("from", p.from);
            return (
              <Link
                key={p.label}
                href={`/detections?${q}`}
                aria-current={current === p.from ? "page" : undefined}
                className={`border-r border-zinc-300 px-2 py-1 text-xs last:border-r-0 dark:border-zinc-700 ${current === p.from ? "bg-sky-600 text-white" : "text-zinc-700 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-800"}`}
              >
                {p.label}
              </Link>
            );
          })}
        </nav>
      </div>
      <DetectionList rows={rows} bins={bins} />
    </div>
  );
}

function scopeNote(scope: string[] | null): string {
  return scope ? ` · accounts ${scope.join(", ")}` : "";
}

import Link from "next/link";
import { EventTable } from "../../components/EventTable";
import { DEFAULT_COLUMNS } from "../../lib/fields";
import { countEvents, listEvents } from "../../lib/query/events";
import { ParamError, parseEventQuery } from "../../lib/query/params";
import { getDb } from "../../lib/store/db";

export const dynamic = "force-dynamic";

type SP = Record<string, string | string[] | undefined>;

function withParam(sp: SP, key: string, value: string | undefined): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(sp)) for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) if (k !== key) u.append(k, one);
  if (value !== undefined) u.set(key, value);
  return u.toString();
}

export default async function EventsPage({ searchParams }: { searchParams: Promise<SP> }) {
  const sp = await searchParams;
  let q;
  try {
    q = parseEventQuery(sp, { paging: true });
  } catch (err) {
    if (err instanceof ParamError) {
      return (
        <div role="alert" data-testid="param-error" className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
          Invalid parameter <code>{err.param}</code>: {err.detail}. <Link className="underline" href="/events">Clear all filters</Link>
        </div>
      );
    }
    throw err;
  }
  const db = getDb().pool;
  const [page, total] = await Promise.all([listEvents(db, q), countEvents(db, q)]);
  const exportQs = withParam(sp, "cursor", undefined);
  return (
    <div className="space-y-3">
      <div className="flex items-center gap-4 text-sm">
        <span>{total.toLocaleString("en-US")} events match</span>
        <a className="underline" href={`/api/export?${exportQs}`}>Export CSV</a>
        <a className="underline" href={`/api/export?${withParam(sp, "format", "ndjson")}`}>Export NDJSON</a>
      </div>
      {page.events.length === 0 ? (
        <p className="text-sm text-zinc-500">No events match. Widen the time range or remove a filter; to load events run <code>npm run sync -- &lt;source&gt;</code> or <code>npm run demo</code>.</p>
      ) : (
        <EventTable events={page.events} columns={DEFAULT_COLUMNS} />
      )}
      {page.nextCursor && (
        <Link className="text-sm underline" href={`/events?${withParam(sp, "cursor", page.nextCursor)}`}>Older events →</Link>
      )}
    </div>
  );
}

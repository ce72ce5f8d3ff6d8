// The timeline's data-bound parts, each streamed in its own Suspense boundary by page.tsx so the
// fast ones (the first page of rows) never wait for the slow ones (count, facets, histogram).
// All of them query through accessQuery + whereClauses: page, API and export always agree, and all
// of them see only what the principal may see (its accounts; a share link's view).
import Link from "next/link";
import { EventsTable } from "../../components/timeline/EventsTable";
import { FacetList } from "../../components/timeline/FacetList";
import { Histogram } from "../../components/timeline/Histogram";
import { DEFAULT_FACET_FIELDS, ON_DEMAND_FACET_FIELDS } from "../../lib/fields";
import { facetCounts, SAMPLE_LIMIT } from "../../lib/query/facets";
import { histogram } from "../../lib/query/histogram";
import { listEvents } from "../../lib/query/events";
import { SEARCH_WINDOW_EVENTS } from "../../lib/query/search";
import type pg from "pg";
import { accessQuery, type Access } from "../../lib/auth/access";
import { PAGING_PARAMS, ParamError, VIEW_PARAMS, type EventQuery } from "../../lib/query/params";
import { formatTime, isoParam } from "../../lib/view/time";
import { clearFilters, href, isFilterKey, setTimeRange, toParams } from "../../lib/view/url";
import { COUNT_CAP, matchCount } from "./_data/count";
import { loadEventDetail } from "./_data/detail";

/** "Invalid parameter from: …" naming the parameter (ParamError.param), with ways out. */
export function ParamErrorMessage({ err, sp }: { err: ParamError; sp: URLSearchParams }) {
  const without = toParams(sp);
  without.delete(err.param);
  return (
    <div role="alert" data-testid="param-error" className="m-3 rounded border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
      <p>
        Invalid parameter <code className="font-mono font-semibold">{err.param}</code>: {err.detail}.
      </p>
      <p className="mt-2 flex flex-wrap gap-3 text-xs">
        <Link className="underline" href={href("/events", without)}>
          Remove {err.param} and keep the rest
        </Link>
        <Link className="underline" href="/events">
          Clear all filters
        </Link>
        <span className="text-red-800/80 dark:text-red-300/80">Times: ISO-8601 (2026-11-20T13:00:00Z) or now-15m, now-24h, now-7d. Negate a value with a leading !.</span>
      </p>
    </div>
  );
}

/** A request a share link does not allow (it would widen the shared view). */
export function AccessErrorMessage({ message }: { message: string }) {
  return (
    <div role="alert" data-testid="access-error" className="m-3 rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
      <p>{message[0].toUpperCase() + message.slice(1)}.</p>
      <p className="mt-2 text-xs">
        <Link className="underline" href="/events">
          Back to the shared view
        </Link>
      </p>
    </div>
  );
}

export async function MatchCountSection({ q, db }: { q: EventQuery; db: pg.Pool }) {
  const n = await matchCount(db, q);
  const shown = n.value.toLocaleString("en-US");
  const words = n.value === 1 ? "event matches" : "events match";
  if (n.searchedFrom) {
    const since = `${formatTime(n.searchedFrom, "utc", "m")} UTC`;
    const title =
      `Free text found in too many events to count them all quickly is counted in the newest ${SEARCH_WINDOW_EVENTS.toLocaleString("en-US")} or so ` +
      `events of the range, since ${since}; older events were not searched for this count. The list and the CSV export search every event.`;
    return (
      <span className="tabular-nums" data-testid="match-count" data-searched-from={n.searchedFrom.toISOString()} title={title}>
        <span className="font-medium">
          {n.value < COUNT_CAP ? "at least" : "more than"} {shown} {words}
        </span>{" "}
        <span className="text-zinc-500">(searched since {since})</span>
      </span>
    );
  }
  return (
    <span className="font-medium tabular-nums" data-testid="match-count" title={n.exact ? "Exact count" : `Counting stopped at ${shown}; the export contains every matching event`}>
      {n.exact ? `${shown} ${words}` : `more than ${shown} events match`}
    </span>
  );
}

export async function HistogramSection({ q, now, db }: { q: EventQuery; now: Date; db: pg.Pool }) {
  const data = await histogram(db, q, now);
  if (!data) return <p className="px-3 py-6 text-center text-xs text-zinc-500">No events in this range to chart.</p>;
  return <Histogram data={data} />;
}

/** The default facets, counted here; the on-demand ones (lib/fields.ts) are counted by the browser when opened. */
export async function FacetSection({ q, sp, db }: { q: EventQuery; sp: URLSearchParams; db: pg.Pool }) {
  const facets = await facetCounts(db, q, DEFAULT_FACET_FIELDS);
  // What /api/facets is asked: the filters alone (no view, paging or order), times as this page used them.
  const query = pinTimes(toParams(sp), q);
  for (const k of [...VIEW_PARAMS, ...PAGING_PARAMS, "sort"]) query.delete(k);
  const onDemand = { fields: ON_DEMAND_FACET_FIELDS.map((f) => f.key), query: query.toString() };
  return <FacetList facets={facets} sample={SAMPLE_LIMIT} onDemand={onDemand} />;
}

/** Relative times (`now-7d`) pinned to the instants this page used. */
function pinTimes(out: URLSearchParams, q: EventQuery): URLSearchParams {
  if (q.from && out.get("from")?.startsWith("now")) out.set("from", isoParam(q.from));
  if (q.to && out.get("to")?.startsWith("now")) out.set("to", isoParam(q.to));
  return out;
}

/** Query parameters for "Load more": relative times pinned to the instants this page used. */
function pagingQuery(sp: URLSearchParams, q: EventQuery): string {
  const out = toParams(sp);
  for (const k of ["cursor", "event", "columns", "tz", "facets"]) out.delete(k);
  return pinTimes(out, q).toString();
}

async function EmptyState({ sp, db, access }: { sp: URLSearchParams; db: pg.Pool; access: Access }) {
  // "Nothing stored" as this principal sees it: a user scoped to other accounts learns nothing.
  const any = accessQuery(access, new URLSearchParams());
  any.limit = 1;
  const stored = (await listEvents(db, any)).events.length > 0;
  if (!stored) {
    return (
      <div className="m-3 max-w-2xl rounded border border-zinc-200 p-4 text-sm dark:border-zinc-800">
        <p className="font-medium">No events stored yet.</p>
        <p className="mt-1 text-zinc-600 dark:text-zinc-400">
          Load some with <code className="font-mono">npm run sync -- &lt;source&gt;</code> (a folder of trail logs, <code className="font-mono">s3://bucket/prefix</code> or{" "}
          <code className="font-mono">lookup://us-east-1</code>), or try <code className="font-mono">npm run demo</code>. Progress shows on the{" "}
          <Link className="underline" href="/sync">
            Sync
          </Link>{" "}
          page.
        </p>
      </div>
    );
  }
  const hasRange = sp.has("from") || sp.has("to");
  const hasFilters = [...sp.keys()].some((k) => isFilterKey(k) || k === "q");
  return (
    <div className="m-3 max-w-2xl rounded border border-zinc-200 p-4 text-sm dark:border-zinc-800" data-testid="empty-state">
      <p className="font-medium">No events match.</p>
      <p className="mt-1 text-zinc-600 dark:text-zinc-400">Widen the time range or remove a filter.</p>
      <p className="mt-2 flex flex-wrap gap-3 text-xs">
        {hasRange && (
          <Link className="underline" href={href("/events", setTimeRange(sp, null, null))}>
            Search all time
          </Link>
        )}
        {hasFilters && (
          <Link className="underline" href={href("/events", clearFilters(sp))}>
            Clear filters, keep the time range
          </Link>
        )}
      </p>
    </div>
  );
}

function withoutCursor(sp: URLSearchParams): URLSearchParams {
  const out = toParams(sp);
  out.delete("cursor");
  return out;
}

export async function EventsSection({ q, sp, openEvent, db, access }: { q: EventQuery; sp: URLSearchParams; openEvent: string | null; db: pg.Pool; access: Access }) {
  try {
    const [page, detail] = await Promise.all([listEvents(db, q), openEvent ? loadEventDetail(db, access, openEvent) : Promise.resolve(null)]);
    return (
      <>
        {sp.has("cursor") && (
          <p className="border-b border-amber-200 bg-amber-50 px-3 py-1 text-xs text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200">
            Showing a later page of results (this link holds a page cursor).{" "}
            <Link className="underline" href={href("/events", withoutCursor(sp))}>
              Back to the first page
            </Link>
          </p>
        )}
        <EventsTable initial={page} pageSize={q.limit} pagingQuery={pagingQuery(sp, q)} initialDetail={detail} empty={page.events.length === 0 ? <EmptyState sp={sp} db={db} access={access} /> : null} />
      </>
    );
  } catch (err) {
    // A cursor is only decoded here, at query time.
    if (err instanceof ParamError) return <ParamErrorMessage err={err} sp={sp} />;
    throw err;
  }
}

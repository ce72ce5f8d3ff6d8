// The timeline. Everything on it is decided by the URL (CONTRACT.md): this server component parses
// the parameters once (parseEventQuery: the same parser as /api/events and /api/export), then
// streams each data-bound part in its own Suspense boundary. The boundaries are keyed by the query,
// so changing a filter shows skeletons where data is coming, while changing columns, time zone or
// the open event (view-only parameters) re-queries nothing.
import { Suspense } from "react";
import { AsOfNote } from "../../components/access/AsOfNote";
import { FacetsDrawer } from "../../components/timeline/FacetsDrawer";
import { FilterBar } from "../../components/timeline/FilterBar";
import { Toolbar } from "../../components/timeline/Toolbar";
import { SectionBoundary } from "../../components/ui/SectionBoundary";
import { CountSkeleton, FacetSkeleton, HistogramSkeleton, TableSkeleton } from "../../components/ui/Skeletons";
import { AccessError, accessQuery, can } from "../../lib/auth/access";
import { pageAccess } from "../../lib/auth/guard";
import { freezeInstant } from "../../lib/auth/shares";
import { ParamError, type EventQuery } from "../../lib/query/params";
import { UrlStateProvider } from "../../lib/view/navigation";
import { describeRange, isoParam } from "../../lib/view/time";
import { dataKey, toParams } from "../../lib/view/url";
import { parseViewParams, type ViewParams } from "../../lib/view/viewParams";
import { AccessErrorMessage, EventsSection, FacetSection, HistogramSection, MatchCountSection, ParamErrorMessage } from "./_sections";

export const dynamic = "force-dynamic";

type SP = Record<string, string | string[] | undefined>;

function withoutOrder(sp: URLSearchParams): URLSearchParams {
  const out = toParams(sp);
  for (const k of ["sort", "cursor", "limit"]) out.delete(k);
  return out;
}

export default async function EventsPage({ searchParams }: { searchParams: Promise<SP> }) {
  const sp = toParams(await searchParams);
  const { access, db } = await pageAccess("read", `/events?${sp}`);
  const pool = db.pool;
  // One "now" for the whole page: relative ranges mean the same instant in every part.
  const now = new Date();
  let q: EventQuery;
  let view: ViewParams;
  try {
    q = accessQuery(access, sp, { paging: true, now });
    view = parseViewParams(sp);
  } catch (err) {
    if (err instanceof ParamError) return <ParamErrorMessage err={err} sp={sp} />;
    if (err instanceof AccessError) return <AccessErrorMessage message={err.message} />;
    throw err;
  }
  // "Copy link" freezes the view as of this instant: no sync still open can add events before it.
  const frozenAt = await freezeInstant(pool);
  const key = dataKey(sp);
  // Count, facets and histogram do not depend on order or paging: a new sort keeps them on screen.
  const aggregateKey = dataKey(withoutOrder(sp));
  const resolvedFrom = q.from ? isoParam(q.from) : null;
  const resolvedTo = isoParam(q.to ?? now);

  return (
    <UrlStateProvider>
      <div data-shell className="flex flex-col lg:min-h-0 lg:flex-1">
        <Toolbar resolvedFrom={resolvedFrom} resolvedTo={resolvedTo} asOf={isoParam(frozenAt)} canShare={can(access, "share")} sharedView={!!access.share} />
        <FilterBar />
        <div className="flex min-h-0 flex-1 flex-col lg:flex-row">
          <FacetsDrawer>
            <SectionBoundary what="facets">
              <Suspense key={aggregateKey} fallback={<FacetSkeleton />}>
                <FacetSection q={q} sp={sp} db={pool} />
              </Suspense>
            </SectionBoundary>
          </FacetsDrawer>
          <section aria-label="Timeline" className="flex min-h-0 min-w-0 flex-1 flex-col">
            <div className="flex flex-wrap items-baseline gap-x-3 px-3 pt-2 text-sm">
              <SectionBoundary what="count">
                <Suspense key={aggregateKey} fallback={<CountSkeleton />}>
                  <MatchCountSection q={q} db={pool} />
                </Suspense>
              </SectionBoundary>
              {/* The server knows no browser zone: the range is named in UTC here; the toolbar follows tz. */}
              <span className="text-xs text-zinc-500">{describeRange(sp.get("from"), sp.get("to"), "utc")}</span>
              {(q.asOf || q.storedAfter) && <AsOfNote asOf={q.asOf} storedAfter={q.storedAfter} />}
            </div>
            <SectionBoundary what="histogram">
              <Suspense key={aggregateKey} fallback={<HistogramSkeleton />}>
                <HistogramSection q={q} now={now} db={pool} />
              </Suspense>
            </SectionBoundary>
            <div className="mt-1 flex min-h-0 flex-1 flex-col border-t border-zinc-200 dark:border-zinc-800">
              <SectionBoundary what="events">
                <Suspense key={key} fallback={<TableSkeleton columns={view.columns.length} />}>
                  <EventsSection q={q} sp={sp} openEvent={view.event} db={pool} access={access} />
                </Suspense>
              </SectionBoundary>
            </div>
          </section>
        </div>
      </div>
    </UrlStateProvider>
  );
}

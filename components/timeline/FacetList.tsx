"use client";
// The facet sidebar. Counts are computed under all current filters except the facet's own field
// (lib/query/facets.ts), so an included value's siblings stay visible to switch or widen to; each
// facet's values are FacetValues, the on-demand ones OnDemandFacet.
import type { Facet } from "../../lib/query/facets";
import { formatTime } from "../../lib/view/time";
import { FacetHeading, FacetValues } from "./FacetValues";
import { OnDemandFacet } from "./OnDemandFacet";

/**
 * The sidebar: the default facets as counted on the server, then the on-demand ones (`onDemand`:
 * their field keys and the view's query, relative times pinned), each counted when opened.
 */
export function FacetList({ facets, sample, onDemand }: { facets: Facet[]; sample: number; onDemand?: { fields: string[]; query: string } }) {
  const searchedFrom = facets.find((f) => f.searchedFrom)?.searchedFrom;
  return (
    <div className="space-y-3">
      {searchedFrom ? (
        <p className="rounded bg-amber-50 px-1.5 py-1 text-[11px] text-amber-900 dark:bg-amber-950 dark:text-amber-200" data-testid="facets-searched-from">
          Counts from events since {formatTime(searchedFrom, "utc", "m")} UTC only: the text is in too many events to search them all here. Narrow the time range for exact counts.
        </p>
      ) : (
        facets.some((f) => f.sampled) && (
          <p className="rounded bg-amber-50 px-1.5 py-1 text-[11px] text-amber-900 dark:bg-amber-950 dark:text-amber-200">
            Counts from the newest {sample.toLocaleString("en-US")} matching events. Narrow the time range for exact counts.
          </p>
        )
      )}
      {facets.map((f) => (
        <section key={f.field} aria-labelledby={`facet-${f.field}`}>
          <FacetHeading field={f.field} />
          <FacetValues facet={f} />
        </section>
      ))}
      {onDemand?.fields.map((field) => <OnDemandFacet key={`${field}\u0000${onDemand.query}`} field={field} query={onDemand.query} sample={sample} />)}
    </div>
  );
}

"use client";
// Facet values with counts: the value includes it (again: removes it), "−" excludes it. Counts are
// computed under all current filters except the facet's own field (lib/query/facets.ts), so an
// included value's siblings stay visible to switch or widen to.
import { FIELD_BY_KEY } from "../../lib/fields";
import type { Facet } from "../../lib/query/facets";
import { NavLink, useUrlState } from "../../lib/view/navigation";
import { arnLabels, type ArnLabel } from "../../lib/view/arn";
import { cellText } from "../../lib/view/text";
import { ArnText } from "../ui/ArnText";
import { formatTime } from "../../lib/view/time";
import { exactValue } from "../../lib/query/filter-value";
import { addFilter, href, removeFilter } from "../../lib/view/url";

/** A missing value is filtered with `!*` ("has none") and excluded with `*` ("has one"); a value exactly. */
function rawFor(value: string | null, negate: boolean): { value: string; negate: boolean } {
  return value === null ? { value: "*", negate: !negate } : { value: exactValue(value), negate };
}

function FacetRow({ field, value, count, max, arn }: { field: string; value: string | null; count: number; max: number; arn?: ArnLabel }) {
  const { params } = useUrlState();
  const inc = rawFor(value, false);
  const exc = rawFor(value, true);
  const incRaw = (inc.negate ? "!" : "") + inc.value;
  const excRaw = (exc.negate ? "!" : "") + exc.value;
  const current = params.getAll(field);
  const state = current.includes(incRaw) ? "include" : current.includes(excRaw) ? "exclude" : null;
  const label = value === null ? "(none)" : cellText(value);
  const toggleIn = state === "include" ? removeFilter(params, field, incRaw) : addFilter(params, field, inc.value, inc.negate);
  const toggleOut = state === "exclude" ? removeFilter(params, field, excRaw) : addFilter(params, field, exc.value, exc.negate);
  const pct = max ? Math.max(2, Math.round((count / max) * 100)) : 0;
  return (
    <li className="group flex items-center gap-1">
      <NavLink
        href={href("/events", toggleIn)}
        aria-label={`${state === "include" ? "Remove" : "Include"} ${field} ${label} (${count.toLocaleString("en-US")} events)`}
        aria-current={state === "include" ? "true" : undefined}
        className={`relative flex min-w-0 flex-1 items-center gap-2 overflow-hidden rounded px-1 py-0.5 hover:bg-zinc-100 dark:hover:bg-zinc-800 ${
          state === "include" ? "font-semibold text-sky-800 dark:text-sky-300" : state === "exclude" ? "text-zinc-400 line-through" : ""
        }`}
      >
        <span aria-hidden className="absolute inset-y-0 left-0 bg-sky-500/10 dark:bg-sky-400/10" style={{ width: `${pct}%` }} />
        {value !== null && arn ? (
          <ArnText value={value} label={arn} className="relative" />
        ) : (
          <span className={`relative truncate ${value === null ? "italic text-zinc-500" : "font-mono"}`} title={label}>
            {label}
          </span>
        )}
        <span className="relative ml-auto tabular-nums text-zinc-500">{count.toLocaleString("en-US")}</span>
      </NavLink>
      <NavLink
        href={href("/events", toggleOut)}
        aria-label={`${state === "exclude" ? "Stop excluding" : "Exclude"} ${field} ${label}`}
        title={state === "exclude" ? "Stop excluding" : "Exclude this value"}
        className={`rounded px-1 text-zinc-400 hover:bg-red-100 hover:text-red-800 dark:hover:bg-red-950 dark:hover:text-red-300 ${state === "exclude" ? "text-red-700 dark:text-red-400" : "opacity-0 group-hover:opacity-100 focus:opacity-100"}`}
      >
        −
      </NavLink>
    </li>
  );
}

export function FacetList({ facets, sample }: { facets: Facet[]; sample: number }) {
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
      {facets.map((f) => {
        const max = Math.max(0, ...f.values.map((v) => v.count));
        const field = FIELD_BY_KEY.get(f.field);
        // ARNs read by what tells them apart among this facet's values (lib/view/arn.ts).
        const arns = field?.render === "arn" ? arnLabels(f.values.flatMap((v) => (v.value === null ? [] : [v.value]))) : null;
        return (
          <section key={f.field} aria-labelledby={`facet-${f.field}`}>
            <h3 id={`facet-${f.field}`} className="mb-0.5 px-1 text-[11px] font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400" title={field?.description}>
              {field?.label ?? f.field}
            </h3>
            {f.values.length === 0 ? (
              <p className="px-1 text-zinc-400">no values</p>
            ) : (
              <ul>
                {f.values.map((v) => (
                  <FacetRow key={v.value ?? "\u0000none"} field={f.field} value={v.value} count={v.count} max={max} arn={v.value === null ? undefined : arns?.get(v.value)} />
                ))}
              </ul>
            )}
          </section>
        );
      })}
    </div>
  );
}

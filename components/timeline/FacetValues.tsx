"use client";
// One facet's values with counts: the value includes it (again: removes it), "−" excludes it.
// Shared by the sidebar's facets (FacetList) and the ones counted when opened (OnDemandFacet).
import { FIELD_BY_KEY } from "../../lib/fields";
import type { Facet } from "../../lib/query/facets";
import { NavLink, useUrlState } from "../../lib/view/navigation";
import { arnLabels, type ArnLabel } from "../../lib/view/arn";
import { cellText } from "../../lib/view/text";
import { ArnText } from "../ui/ArnText";
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

/** One facet's values, or "no values". ARNs read by what tells them apart among its values (lib/view/arn.ts). */
export function FacetValues({ facet }: { facet: Facet }) {
  const max = Math.max(0, ...facet.values.map((v) => v.count));
  const arns = FIELD_BY_KEY.get(facet.field)?.render === "arn" ? arnLabels(facet.values.flatMap((v) => (v.value === null ? [] : [v.value]))) : null;
  if (facet.values.length === 0) return <p className="px-1 text-zinc-400">no values</p>;
  return (
    <ul>
      {facet.values.map((v) => (
        <FacetRow key={v.value ?? "\u0000none"} field={facet.field} value={v.value} count={v.count} max={max} arn={v.value === null ? undefined : arns?.get(v.value)} />
      ))}
    </ul>
  );
}

export function FacetHeading({ field, children }: { field: string; children?: React.ReactNode }) {
  const def = FIELD_BY_KEY.get(field);
  return (
    <h3 id={`facet-${field}`} className="mb-0.5 px-1 text-[11px] font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400" title={def?.description}>
      {children ?? def?.label ?? field}
    </h3>
  );
}


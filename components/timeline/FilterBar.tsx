"use client";
// The active filters as chips (click the sign to flip include/exclude, ✕ to remove) and a form to
// add one (AddFilter.tsx: a value with suggestions from the data).
import { useState } from "react";
import { useUrlState } from "../../lib/view/navigation";
import { cellText } from "../../lib/view/text";
import { clearFilters, filterChips, invertFilter, removeFilter, setParam } from "../../lib/view/url";
import { AddFilter } from "./AddFilter";

export function FilterBar() {
  const { params, navigate } = useUrlState();
  const [adding, setAdding] = useState(false);
  const chips = filterChips(params);
  const terms = params.getAll("q");
  return (
    <div className="flex flex-wrap items-center gap-1.5 border-b border-zinc-200 px-3 py-1.5 text-xs dark:border-zinc-800" aria-label="Filters" role="group">
      {chips.length === 0 && terms.length === 0 && !adding && <span className="text-zinc-500">No filters.</span>}
      {chips.map((c) => (
        <span
          key={`${c.key}\u0000${c.raw}`}
          data-testid="filter-chip"
          className={`inline-flex items-center overflow-hidden rounded-full border ${
            c.negate ? "border-red-300 bg-red-50 text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-200" : "border-sky-300 bg-sky-50 text-sky-900 dark:border-sky-800 dark:bg-sky-950 dark:text-sky-100"
          }`}
        >
          <button
            type="button"
            onClick={() => navigate(invertFilter(params, c.key, c.raw))}
            className="py-0.5 pl-2 pr-1 hover:underline"
            title={c.negate ? "Excluded: click to include instead" : "Included: click to exclude instead"}
            aria-label={`${c.label}: click to ${c.negate ? "include" : "exclude"} instead`}
          >
            <span className="font-mono">{cellText(c.label)}</span>
          </button>
          <button type="button" onClick={() => navigate(removeFilter(params, c.key, c.raw))} className="px-1.5 py-0.5 hover:bg-black/10" aria-label={`Remove filter ${c.label}`}>
            ✕
          </button>
        </span>
      ))}
      {terms.length > 1 &&
        terms.map((t, i) => (
          <span key={`q${i}`} className="inline-flex items-center rounded-full border border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
            <span className="py-0.5 pl-2 pr-1">text: {cellText(t)}</span>
            <button type="button" onClick={() => navigate(removeFilter(params, "q", t))} className="px-1.5 py-0.5 hover:bg-black/10" aria-label={`Remove search ${t}`}>
              ✕
            </button>
          </span>
        ))}
      {adding ? (
        <AddFilter onDone={() => setAdding(false)} />
      ) : (
        <button type="button" onClick={() => setAdding(true)} className="rounded-full border border-dashed border-zinc-400 px-2 py-0.5 text-zinc-700 hover:bg-zinc-100 dark:border-zinc-600 dark:text-zinc-300 dark:hover:bg-zinc-800">
          + Add filter
        </button>
      )}
      {(chips.length > 0 || terms.length > 0) && (
        <button type="button" onClick={() => navigate(setParam(clearFilters(params), "event", null))} className="ml-auto text-zinc-600 underline decoration-dotted hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-white">
          Clear all filters
        </button>
      )}
    </div>
  );
}

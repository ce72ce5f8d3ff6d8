"use client";
// The active filters as chips (click the sign to flip include/exclude, ✕ to remove) and a form to
// add one, with value suggestions from the data: the top values of the chosen field under the
// other current filters (GET /api/facets, the sidebar's own query).
import { useEffect, useId, useState } from "react";
import { FIELD_BY_KEY } from "../../lib/fields";
import { exactValue } from "../../lib/query/filter-value";
import { useUrlState } from "../../lib/view/navigation";
import { cellText } from "../../lib/view/text";
import { addFilter, clearFilters, filterChips, FILTER_FIELDS, invertFilter, removeFilter, setParam } from "../../lib/view/url";

interface Suggestion {
  value: string | null;
  count: number;
}

function useSuggestions(params: URLSearchParams, field: string, text: string): Suggestion[] {
  const [list, setList] = useState<Suggestion[]>([]);
  const base = params.toString();
  useEffect(() => {
    const ctrl = new AbortController();
    // Debounced: one request per pause in typing, not per key.
    const timer = setTimeout(async () => {
      try {
        const sp = new URLSearchParams(base);
        sp.delete(field); // suggestions for a field ignore its own filter, like the facets
        for (const k of ["event", "cursor", "columns", "tz", "facets"]) sp.delete(k);
        sp.set("field", field);
        sp.set("limit", "15");
        if (text) sp.set("contains", text);
        const res = await fetch(`/api/facets?${sp}`, { signal: ctrl.signal });
        if (!res.ok) return setList([]);
        const body = (await res.json()) as { facets: { field: string; values: Suggestion[] }[] };
        setList(body.facets[0]?.values ?? []);
      } catch {
        /* aborted or offline: keep the last list */
      }
    }, 180);
    return () => (clearTimeout(timer), ctrl.abort());
  }, [base, field, text]);
  return list;
}

function AddFilter({ onDone }: { onDone(): void }) {
  const { params, navigate } = useUrlState();
  const [field, setField] = useState("eventName");
  const [negate, setNegate] = useState(false);
  const [text, setText] = useState("");
  const ids = useId();
  const suggestions = useSuggestions(params, field, text.trim());
  const def = FIELD_BY_KEY.get(field);
  const add = (value: string, neg = negate) => {
    navigate(addFilter(params, field, value, neg));
    setText("");
    onDone();
  };
  return (
    <form
      aria-label="Add a filter"
      className="flex w-full flex-wrap items-start gap-2 rounded border border-zinc-300 bg-zinc-50 p-2 text-xs dark:border-zinc-700 dark:bg-zinc-900"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim()) add(text.trim());
      }}
    >
      <label className="flex items-center gap-1">
        <span className="sr-only">Field</span>
        <select id={`${ids}-field`} value={field} onChange={(e) => (setField(e.target.value), setText(""))} className="rounded border border-zinc-300 bg-white px-1 py-1 dark:border-zinc-700 dark:bg-zinc-950">
          {FILTER_FIELDS.map((f) => (
            <option key={f.key} value={f.key}>
              {f.label} ({f.key})
            </option>
          ))}
        </select>
      </label>
      <label className="flex items-center gap-1">
        <span className="sr-only">Match</span>
        <select value={negate ? "not" : "is"} onChange={(e) => setNegate(e.target.value === "not")} className="rounded border border-zinc-300 bg-white px-1 py-1 dark:border-zinc-700 dark:bg-zinc-950">
          <option value="is">is</option>
          <option value="not">is not</option>
        </select>
      </label>
      <div className="min-w-48 flex-1">
        <label htmlFor={`${ids}-value`} className="sr-only">
          Value
        </label>
        {def?.kind === "bool" ? (
          <select id={`${ids}-value`} value={text} onChange={(e) => setText(e.target.value)} className="w-full rounded border border-zinc-300 bg-white px-1 py-1 dark:border-zinc-700 dark:bg-zinc-950">
            <option value="">choose…</option>
            <option value="true">true</option>
            <option value="false">false</option>
          </select>
        ) : (
          <input
            id={`${ids}-value`}
            autoFocus
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="value; * is a wildcard"
            autoComplete="off"
            className="w-full rounded border border-zinc-300 bg-white px-2 py-1 font-mono dark:border-zinc-700 dark:bg-zinc-950"
          />
        )}
        {suggestions.length > 0 && (
          <ul aria-label={`Suggested values for ${def?.label ?? field}`} className="mt-1 max-h-48 overflow-y-auto rounded border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-950">
            {suggestions.map((s) => (
              <li key={s.value ?? "\u0000none"}>
                <button
                  type="button"
                  onClick={() => (s.value === null ? add("*", !negate) : add(exactValue(s.value)))}
                  className="flex w-full items-center gap-2 px-2 py-0.5 text-left hover:bg-sky-50 dark:hover:bg-sky-950"
                >
                  <span className="truncate font-mono">{s.value === null ? "(no value)" : cellText(s.value)}</span>
                  <span className="ml-auto tabular-nums text-zinc-500">{s.count.toLocaleString("en-US")}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <button type="submit" className="rounded bg-sky-600 px-3 py-1 font-medium text-white hover:bg-sky-700">
        Add filter
      </button>
      <button type="button" onClick={onDone} className="rounded px-2 py-1 text-zinc-600 hover:bg-zinc-200 dark:text-zinc-300 dark:hover:bg-zinc-800">
        Cancel
      </button>
    </form>
  );
}

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

"use client";
// "+ Add filter": a field, is / is not, and a value typed with suggestions from the data — the top
// values of the chosen field under the other current filters (GET /api/facets, the sidebar's own
// query, so a user scoped to some accounts is offered only their values). The value box is an ARIA
// combobox: arrow keys move through the suggestions, Enter takes the highlighted one (at first the
// best match, lib/view/suggest.ts), and the last option uses the text exactly as typed; Escape
// closes the list so that Enter, too, takes the text as typed.
import { useEffect, useId, useRef, useState } from "react";
import { FIELD_BY_KEY } from "../../lib/fields";
import { exactValue } from "../../lib/query/filter-value";
import { useUrlState } from "../../lib/view/navigation";
import { defaultOption, isPattern, rankSuggestions, type Suggestion } from "../../lib/view/suggest";
import { cellText } from "../../lib/view/text";
import { addFilter, FILTER_FIELDS } from "../../lib/view/url";

/** Values asked for: more than shown at once, so the ranking can bring exact matches up. */
const ASKED = 40;

/** The suggestions and the text they are for (`null` until the first answer). */
function useSuggestions(params: URLSearchParams, field: string, text: string): { list: Suggestion[]; forText: string | null } {
  const [state, setState] = useState<{ list: Suggestion[]; forText: string | null; key: string }>({ list: [], forText: null, key: "" });
  const base = params.toString();
  const key = `${field}\u0000${base}`;
  useEffect(() => {
    const ctrl = new AbortController();
    // Debounced: one request per pause in typing, not per key.
    const timer = setTimeout(async () => {
      try {
        const sp = new URLSearchParams(base);
        sp.delete(field); // suggestions for a field ignore its own filter, like the facets
        for (const k of ["event", "cursor", "columns", "tz", "facets", "panel", "sort", "limit"]) sp.delete(k);
        sp.set("field", field);
        sp.set("limit", String(ASKED));
        if (text) sp.set("contains", text);
        const res = await fetch(`/api/facets?${sp}`, { signal: ctrl.signal });
        const body = res.ok ? ((await res.json()) as { facets: { field: string; values: Suggestion[] }[] }) : null;
        setState({ list: body?.facets[0]?.values ?? [], forText: text, key });
      } catch {
        // Offline: nothing to suggest; Enter then takes the text as typed. Aborted: a newer one runs.
        if (!ctrl.signal.aborted) setState({ list: [], forText: text, key });
      }
    }, 180);
    return () => (clearTimeout(timer), ctrl.abort());
  }, [base, field, text, key]);
  // A list for another field or other filters is no answer at all.
  return state.key === key ? state : { list: [], forText: null };
}

type Option = { kind: "value"; s: Suggestion } | { kind: "typed"; text: string };

export function AddFilter({ onDone }: { onDone(): void }) {
  const { params, navigate } = useUrlState();
  const [field, setField] = useState("eventName");
  const [negate, setNegate] = useState(false);
  const [text, setText] = useState("");
  // The option moved to with the arrow keys (null: the default one); the list can be closed.
  const [moved, setMoved] = useState<number | null>(null);
  const [listOpen, setListOpen] = useState(true);
  // Enter pressed while the suggestions for the text were still on their way.
  const [waiting, setWaiting] = useState(false);
  const ids = useId();
  const typed = text.trim();
  const { list, forText } = useSuggestions(params, field, typed);
  const current = forText === typed;
  const ranked = rankSuggestions(current ? list : [], typed);
  const options: Option[] = [...ranked.map((s) => ({ kind: "value" as const, s })), ...(typed ? [{ kind: "typed" as const, text: typed }] : [])];
  const active = !listOpen ? null : moved !== null && moved < options.length ? moved : defaultOption(ranked, typed);
  const def = FIELD_BY_KEY.get(field);
  const listId = `${ids}-options`;
  const optionId = (i: number) => `${ids}-option-${i}`;
  const activeRef = useRef<HTMLLIElement | null>(null);

  // In braces: scrollIntoView returns a promise in newer browsers, and an effect must return none.
  useEffect(() => {
    activeRef.current?.scrollIntoView({ block: "nearest" });
  }, [active]);

  const add = (value: string, neg = negate) => {
    navigate(addFilter(params, field, value, neg));
    setText("");
    onDone();
  };
  const take = (o: Option) => {
    if (o.kind === "typed") return add(o.text);
    // A missing value: "has none" is `!*`, and "is not (no value)" is `*`.
    return o.s.value === null ? add("*", !negate) : add(exactValue(o.s.value));
  };
  const submit = () => {
    if (active !== null && options[active]) return take(options[active]);
    if (typed) add(typed);
  };
  // Enter or the button: what the open list highlights by default is only known once the
  // suggestions for the text are here; a pattern, a closed list or a chosen option is known now.
  const enter = () => (listOpen && moved === null && typed && !current && !isPattern(typed) ? setWaiting(true) : submit());

  // Enter came before the suggestions: take what Enter would have taken once they are here.
  useEffect(() => {
    if (waiting && current) {
      setWaiting(false);
      submit();
    }
  });

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    const n = options.length;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!n) return;
      const from = listOpen ? active : null;
      setListOpen(true);
      setMoved(e.key === "ArrowDown" ? (from === null ? 0 : (from + 1) % n) : from === null ? n - 1 : (from - 1 + n) % n);
    } else if (e.key === "Enter") {
      e.preventDefault();
      enter();
    } else if (e.key === "Escape") {
      if (listOpen && options.length) {
        // Close the list (Enter then takes the text as typed); keep the focus here.
        e.preventDefault();
        setListOpen(false);
        setMoved(null);
      } else onDone();
    }
  };

  return (
    <form
      aria-label="Add a filter"
      className="flex w-full flex-wrap items-start gap-2 rounded border border-zinc-300 bg-zinc-50 p-2 text-xs dark:border-zinc-700 dark:bg-zinc-900"
      onSubmit={(e) => {
        e.preventDefault();
        enter();
      }}
    >
      <label className="flex items-center gap-1">
        <span className="sr-only">Field</span>
        <select
          id={`${ids}-field`}
          value={field}
          onChange={(e) => (setField(e.target.value), setText(""), setMoved(null))}
          className="max-w-[11rem] rounded border border-zinc-300 bg-white px-1 py-1 dark:border-zinc-700 dark:bg-zinc-950"
        >
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
          <>
            <input
              id={`${ids}-value`}
              role="combobox"
              aria-expanded={listOpen && options.length > 0}
              aria-controls={listId}
              aria-autocomplete="list"
              aria-activedescendant={active !== null && options[active] ? optionId(active) : undefined}
              autoFocus
              value={text}
              onChange={(e) => (setText(e.target.value), setMoved(null), setListOpen(true))}
              onKeyDown={onKeyDown}
              placeholder="value; * is a wildcard"
              autoComplete="off"
              spellCheck={false}
              className="w-full rounded border border-zinc-300 bg-white px-2 py-1 font-mono dark:border-zinc-700 dark:bg-zinc-950"
            />
            {listOpen && options.length > 0 && (
              <ul
                id={listId}
                role="listbox"
                aria-label={`Suggested values for ${def?.label ?? field}`}
                className="mt-1 max-h-56 overflow-y-auto rounded border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-950"
              >
                {options.map((o, i) => (
                  <li
                    key={o.kind === "typed" ? "\u0000typed" : (o.s.value ?? "\u0000none")}
                    id={optionId(i)}
                    ref={i === active ? activeRef : undefined}
                    role="option"
                    aria-selected={i === active}
                    // Keep the focus in the box: a click chooses, like Enter.
                    onMouseDown={(e) => e.preventDefault()}
                    onClick={() => take(o)}
                    onMouseMove={() => moved !== i && setMoved(i)}
                    className={`flex cursor-pointer items-center gap-2 px-2 py-0.5 ${i === active ? "bg-sky-100 dark:bg-sky-900" : ""} ${o.kind === "typed" ? "border-t border-zinc-200 dark:border-zinc-800" : ""}`}
                  >
                    {o.kind === "typed" ? (
                      <span className="truncate text-zinc-600 dark:text-zinc-300">
                        Use “<span className="font-mono">{cellText(o.text)}</span>” {isPattern(o.text) ? "as a pattern" : "as typed"}
                      </span>
                    ) : (
                      <>
                        <span className="truncate font-mono">{o.s.value === null ? "(no value)" : cellText(o.s.value)}</span>
                        <span className="ml-auto tabular-nums text-zinc-500">{o.s.count.toLocaleString("en-US")}</span>
                      </>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </>
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

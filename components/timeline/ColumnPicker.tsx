"use client";
// Which catalog fields are columns, and in what order (`columns=a,b,c`). A view-only change:
// the URL changes in place and no query runs.
import { DEFAULT_COLUMNS, FIELD_BY_KEY, FIELDS } from "../../lib/fields";
import { useUrlState } from "../../lib/view/navigation";
import { setParam } from "../../lib/view/url";
import { parseColumns, serializeColumns } from "../../lib/view/viewParams";
import { useWithinViewport } from "./useWithinViewport";

export function ColumnPicker() {
  const { params, setView } = useUrlState();
  const panel = useWithinViewport<HTMLDivElement>();
  let chosen: string[];
  try {
    chosen = parseColumns(params.get("columns") ?? undefined);
  } catch {
    chosen = [...DEFAULT_COLUMNS];
  }
  const others = FIELDS.map((f) => f.key).filter((k) => !chosen.includes(k));
  const save = (keys: string[]) => keys.length && setView(setParam(params, "columns", serializeColumns(keys)));
  const move = (i: number, d: -1 | 1) => {
    const next = [...chosen];
    [next[i], next[i + d]] = [next[i + d], next[i]];
    save(next);
  };
  const small = "rounded px-1 text-zinc-500 hover:bg-zinc-200 hover:text-zinc-900 disabled:opacity-30 dark:hover:bg-zinc-800 dark:hover:text-white";
  return (
    <details className="relative" data-dropdown>
      <summary className="cursor-pointer list-none rounded border border-zinc-300 px-2 py-1 text-xs text-zinc-700 hover:bg-zinc-100 dark:border-zinc-700 dark:text-zinc-200 dark:hover:bg-zinc-800">
        Columns ({chosen.length})
      </summary>
      <div ref={panel} className="absolute right-0 z-30 mt-1 max-h-[70vh] w-72 max-w-[calc(100vw-1rem)] overflow-y-auto rounded border border-zinc-300 bg-white p-2 text-xs shadow-lg dark:border-zinc-700 dark:bg-zinc-900">
        <fieldset>
          <legend className="mb-1 font-medium text-zinc-600 dark:text-zinc-300">Shown, in order</legend>
          <ul>
            {chosen.map((k, i) => (
              <li key={k} className="flex items-center gap-1 py-0.5">
                <label className="flex flex-1 items-center gap-2">
                  <input type="checkbox" checked disabled={chosen.length === 1} onChange={() => save(chosen.filter((c) => c !== k))} />
                  {FIELD_BY_KEY.get(k)?.label ?? k}
                </label>
                <button type="button" className={small} disabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move ${FIELD_BY_KEY.get(k)?.label} left`}>
                  ↑
                </button>
                <button type="button" className={small} disabled={i === chosen.length - 1} onClick={() => move(i, 1)} aria-label={`Move ${FIELD_BY_KEY.get(k)?.label} right`}>
                  ↓
                </button>
              </li>
            ))}
          </ul>
        </fieldset>
        <fieldset className="mt-2 border-t border-zinc-200 pt-2 dark:border-zinc-800">
          <legend className="sr-only">Hidden</legend>
          <ul>
            {others.map((k) => (
              <li key={k} className="py-0.5">
                <label className="flex items-center gap-2" title={FIELD_BY_KEY.get(k)?.description}>
                  <input type="checkbox" checked={false} onChange={() => save([...chosen, k])} />
                  {FIELD_BY_KEY.get(k)?.label ?? k}
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
        <button type="button" className="mt-2 text-sky-700 underline decoration-dotted dark:text-sky-400" onClick={() => setView(setParam(params, "columns", null))}>
          Reset to default columns
        </button>
      </div>
    </details>
  );
}

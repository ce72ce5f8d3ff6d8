"use client";
// The facet sidebar: a column on wide screens that can be folded away (`facets=hide`, a view
// parameter, so a shared link keeps the reader's width), and a disclosure above the table on
// narrow screens.
import { useState } from "react";
import { useUrlState } from "../../lib/view/navigation";
import { setParam } from "../../lib/view/url";

export function FacetsDrawer({ children }: { children: React.ReactNode }) {
  const { params, setView } = useUrlState();
  const [open, setOpen] = useState(false);
  const folded = params.get("facets") === "hide";
  const fold = (hide: boolean) => setView(setParam(params, "facets", hide ? "hide" : null));
  return (
    <aside
      aria-label="Facets"
      className={`shrink-0 border-b border-zinc-200 text-xs lg:overflow-y-auto lg:border-r lg:border-b-0 dark:border-zinc-800 ${folded ? "lg:w-8" : "lg:w-64"}`}
    >
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)} className="flex w-full items-center justify-between px-3 py-1.5 text-left font-medium lg:hidden">
        Facets <span aria-hidden>{open ? "▴" : "▾"}</span>
      </button>
      <button
        type="button"
        onClick={() => fold(!folded)}
        aria-expanded={!folded}
        title={folded ? "Show facets" : "Hide facets (more room for columns)"}
        className={`hidden text-zinc-500 hover:text-zinc-900 lg:block dark:hover:text-white ${folded ? "h-full w-8 py-2 [writing-mode:vertical-rl]" : "w-full px-2 pt-1.5 text-right"}`}
      >
        {folded ? "Facets »" : "« Hide"}
      </button>
      <div className={`${open ? "block" : "hidden"} max-h-[60vh] overflow-y-auto px-2 pb-3 ${folded ? "lg:hidden" : "lg:block"} lg:max-h-none`}>{children}</div>
    </aside>
  );
}

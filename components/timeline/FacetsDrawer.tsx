"use client";
// The facet sidebar: a column on wide screens and a disclosure above the table on narrow ones.
// `facets=hide` folds it to a rail, `facets=show` keeps it open (view parameters: a shared link
// keeps the reader's layout). Without either it folds by itself while an event is open beside
// the table on screens narrower than 1536 px: facets, table and detail side by side left four
// columns at 1280 px, and while reading one event its rows matter more than the facets. Unfolded
// from the rail, it stays (facets=show).
import { useState } from "react";
import { useUrlState } from "../../lib/view/navigation";
import { setParam } from "../../lib/view/url";

/** Wide-screen classes of each part: always folded, folded below 2xl (auto), or open. */
const LAYOUT = {
  folded: { aside: "lg:w-8", rail: "lg:block", hide: "lg:hidden", body: "lg:hidden" },
  auto: { aside: "lg:w-8 2xl:w-64", rail: "lg:block 2xl:hidden", hide: "lg:hidden 2xl:block", body: "lg:hidden 2xl:block" },
  open: { aside: "lg:w-64", rail: "lg:hidden", hide: "lg:block", body: "lg:block" },
} as const;

export function FacetsDrawer({ children }: { children: React.ReactNode }) {
  const { params, setView } = useUrlState();
  const [open, setOpen] = useState(false);
  const facets = params.get("facets");
  const mode = facets === "hide" ? "folded" : facets === "show" || !params.get("event") ? "open" : "auto";
  const l = LAYOUT[mode];
  const show = (yes: boolean) => setView(setParam(params, "facets", yes ? "show" : "hide"));
  return (
    <aside aria-label="Facets" data-facets={mode} className={`shrink-0 border-b border-zinc-200 text-xs lg:overflow-y-auto lg:border-r lg:border-b-0 dark:border-zinc-800 ${l.aside}`}>
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)} className="flex w-full items-center justify-between px-3 py-1.5 text-left font-medium lg:hidden">
        Facets <span aria-hidden>{open ? "▴" : "▾"}</span>
      </button>
      <button
        type="button"
        onClick={() => show(true)}
        aria-expanded={false}
        title={mode === "auto" ? "Facets fold while an event is open: show them anyway" : "Show facets"}
        className={`hidden h-full w-8 py-2 text-zinc-500 [writing-mode:vertical-rl] hover:text-zinc-900 dark:hover:text-white ${l.rail}`}
      >
        Facets »
      </button>
      <button
        type="button"
        onClick={() => show(false)}
        aria-expanded
        title="Hide facets (more room for columns)"
        className={`hidden w-full px-2 pt-1.5 text-right text-zinc-500 hover:text-zinc-900 dark:hover:text-white ${l.hide}`}
      >
        « Hide
      </button>
      <div className={`${open ? "block" : "hidden"} max-h-[60vh] overflow-y-auto px-2 pb-3 ${l.body} lg:max-h-none`}>{children}</div>
    </aside>
  );
}

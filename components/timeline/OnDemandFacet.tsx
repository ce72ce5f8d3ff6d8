"use client";
// A facet the sidebar counts only when asked (the catalog's `facetOnDemand`: actor, session
// issuer, access key). The rollups cannot hold them, so counting them scans the matching events —
// as much work as every other facet together; the sidebar stays fast for everyone who does not
// open them. Open by itself when the view filters on the field: its siblings are then wanted.
import { useEffect, useState } from "react";
import { FIELD_BY_KEY } from "../../lib/fields";
import type { Facet } from "../../lib/query/facets";
import { useUrlState } from "../../lib/view/navigation";
import { FacetHeading, FacetValues } from "./FacetValues";

type State = { kind: "closed" } | { kind: "loading" } | { kind: "done"; facet: Facet } | { kind: "failed"; message: string };

export function OnDemandFacet({ field, query, sample }: { field: string; query: string; sample: number }) {
  const { params } = useUrlState();
  const filtered = params.getAll(field).length > 0;
  const [open, setOpen] = useState(filtered);
  const [state, setState] = useState<State>({ kind: "closed" });
  const label = FIELD_BY_KEY.get(field)?.label ?? field;

  useEffect(() => {
    if (!open) return;
    const ctrl = new AbortController();
    setState({ kind: "loading" });
    const sp = new URLSearchParams(query);
    sp.set("field", field);
    fetch(`/api/facets?${sp}`, { signal: ctrl.signal })
      .then(async (res) => {
        const body = (await res.json().catch(() => null)) as { facets?: Facet[]; error?: string } | null;
        if (!res.ok || !body?.facets?.[0]) throw new Error(body?.error ?? `the server answered ${res.status}`);
        setState({ kind: "done", facet: body.facets[0] });
      })
      .catch((err: unknown) => {
        if (!ctrl.signal.aborted) setState({ kind: "failed", message: err instanceof Error ? err.message : String(err) });
      });
    return () => ctrl.abort();
  }, [open, field, query]);

  return (
    <section aria-labelledby={`facet-${field}`} data-testid={`facet-on-demand-${field}`}>
      <FacetHeading field={field}>
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)} className="flex w-full items-center justify-between uppercase hover:text-zinc-900 dark:hover:text-white">
          {label} <span aria-hidden>{open ? "▴" : "▾"}</span>
        </button>
      </FacetHeading>
      {!open ? (
        <p className="px-1 text-zinc-400">Counted when opened</p>
      ) : state.kind === "done" ? (
        <>
          {state.facet.sampled && <p className="px-1 text-[11px] text-amber-800 dark:text-amber-300">From the newest {sample.toLocaleString("en-US")} matching events.</p>}
          <FacetValues facet={state.facet} />
        </>
      ) : state.kind === "failed" ? (
        <p role="alert" className="px-1 text-red-700 dark:text-red-400">
          Could not count {label.toLowerCase()}: {state.message}
        </p>
      ) : (
        <p className="px-1 text-zinc-400" aria-busy>
          Counting…
        </p>
      )}
    </section>
  );
}

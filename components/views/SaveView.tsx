"use client";
// The timeline toolbar's saved-view control: names the saved view the page shows (`view=<id>` in
// the URL, set by /views/<id>), says when the filters on screen have moved away from it (with
// "Update view" for whoever may edit it), and "Save view…" saves what is on screen (analysts and
// admins). The saved query is the URL's, without paging, the open event or the view marker.
import { useEffect, useRef, useState } from "react";
import { useUrlState } from "../../lib/view/navigation";
import { dataKey, setParam } from "../../lib/view/url";
import { sendJson } from "../access/send-json";
import { buttonClass, errorTextClass, primaryButtonClass } from "../access/styles";
import { draftBody, EMPTY_DRAFT, ViewFields, type ViewDraft } from "./ViewFields";

interface OpenView {
  id: string;
  name: string;
  query: string;
  canEdit: boolean;
  shared: boolean;
  detection: boolean;
}

/** The URL's query as a view stores it. */
function currentQuery(params: URLSearchParams): string {
  const sp = new URLSearchParams(params);
  for (const k of ["view", "cursor", "event", "limit"]) sp.delete(k);
  return sp.toString();
}

function useOpenView(id: string | null): [OpenView | null, (v: OpenView) => void] {
  const [view, setView] = useState<OpenView | null>(null);
  useEffect(() => {
    if (!id) return setView(null);
    let live = true;
    sendJson<{ view: OpenView }>("GET", `/api/views/${encodeURIComponent(id)}`).then((r) => live && setView(r.ok ? r.data.view : null));
    return () => {
      live = false;
    };
  }, [id]);
  return [view, setView];
}

export function SaveView({ canSave }: { canSave: boolean }) {
  const { params, setView: setViewParams } = useUrlState();
  const viewId = params.get("view");
  const [open, setOpen] = useOpenView(viewId);
  const dialog = useRef<HTMLDialogElement>(null);
  const [draft, setDraft] = useState<ViewDraft>(EMPTY_DRAFT);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const query = currentQuery(params);
  const changed = open !== null && dataKey(open.query) !== dataKey(query);

  // Keys typed in the dialog stay there (the timeline listens on the document for j/k/Esc).
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    const stop = (e: KeyboardEvent) => e.stopPropagation();
    d.addEventListener("keydown", stop);
    return () => d.removeEventListener("keydown", stop);
  }, []);

  function start() {
    setDraft(EMPTY_DRAFT);
    setError(null);
    dialog.current?.showModal();
  }

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    const r = await sendJson<{ view: OpenView }>("POST", "/api/views", { ...draftBody(draft), query });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    dialog.current?.close();
    setOpen(r.data.view);
    setViewParams(setParam(params, "view", r.data.view.id));
  }

  async function update() {
    if (!open) return;
    const r = await sendJson<{ view: OpenView }>("PATCH", `/api/views/${encodeURIComponent(open.id)}`, { query });
    if (r.ok) setOpen(r.data.view);
    else setError(r.error);
  }

  return (
    <div className="flex flex-wrap items-center gap-2 text-xs">
      {open && (
        <span data-testid="open-view" className="inline-flex items-center gap-1 rounded bg-sky-50 px-2 py-1 text-sky-900 dark:bg-sky-950 dark:text-sky-200" title={`Saved view ${open.name}: /views/${open.id}`}>
          <span className="text-sky-700 dark:text-sky-400">View:</span>
          <a href={`/views/${open.id}`} className="max-w-48 truncate font-medium underline-offset-2 hover:underline">
            {open.name}
          </a>
          {changed && <span className="text-amber-700 dark:text-amber-400">(changed)</span>}
          {changed && open.canEdit && (
            <button type="button" className="ml-1 underline hover:no-underline" onClick={update} title="Save the filters and range on screen into this view">
              Update view
            </button>
          )}
          <button type="button" aria-label="Close the saved view" className="ml-1 text-sky-700 hover:text-sky-950 dark:text-sky-400" onClick={() => setViewParams(setParam(params, "view", null))}>
            ×
          </button>
        </span>
      )}
      {canSave && (
        <button type="button" className={buttonClass} aria-haspopup="dialog" onClick={start} title="Save the filters, range, sort and columns on screen as a named view">
          Save view…
        </button>
      )}
      {error && !busy && !dialog.current?.open && (
        <span role="alert" className={errorTextClass}>
          {error}
        </span>
      )}
      <dialog
        ref={dialog}
        aria-labelledby="save-view-title"
        onClick={(e) => e.target === e.currentTarget && e.currentTarget.close()}
        className="m-auto w-[min(30rem,calc(100vw-2rem))] rounded-lg border border-zinc-300 bg-white p-0 text-sm text-zinc-900 shadow-xl backdrop:bg-black/40 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
      >
        <form onSubmit={save} className="space-y-3 p-4">
          <div className="flex items-start justify-between gap-3">
            <h2 id="save-view-title" className="text-base font-semibold">
              Save this view
            </h2>
            <button type="button" className="rounded px-1.5 text-lg leading-none text-zinc-500 hover:bg-zinc-100 dark:hover:bg-zinc-800" aria-label="Close" onClick={() => dialog.current?.close()}>
              ×
            </button>
          </div>
          <p className="text-xs text-zinc-600 dark:text-zinc-400">
            Saves the filters, the range as written (a relative range like &ldquo;last 7 days&rdquo; stays relative), the sort and the columns. Its link keeps working when you rename or edit it.
          </p>
          <ViewFields draft={draft} onChange={setDraft} autoFocus />
          {error && (
            <p role="alert" className={errorTextClass}>
              {error}
            </p>
          )}
          <div className="flex flex-wrap gap-3">
            <button type="submit" disabled={busy || !draft.name.trim()} className={primaryButtonClass}>
              {busy ? "Saving…" : "Save view"}
            </button>
            <button type="button" className={buttonClass} onClick={() => dialog.current?.close()}>
              Cancel
            </button>
          </div>
        </form>
      </dialog>
    </div>
  );
}

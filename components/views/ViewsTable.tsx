"use client";
// /views: the saved views a user may see, each with its count over its own range (relative ranges
// evaluated when the page was read), and — for the owner or an admin — edit and delete in place.
// Opening a view is its link /views/<id>, which follows whatever the view says now.
import Link from "next/link";
import { WatchButton } from "../alerts/WatchButton";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { Severity } from "../../lib/detections/types";
import { sendJson } from "../access/send-json";
import { buttonClass, dangerButtonClass, errorTextClass, primaryButtonClass, rowClass, tdClass, thClass, theadClass } from "../access/styles";
import { draftBody, ViewFields, type ViewDraft } from "./ViewFields";

export interface ViewRow {
  id: string;
  name: string;
  owner: string | null;
  mine: boolean;
  canEdit: boolean;
  /** The viewer may watch it (alerts: analyst, admin). */
  canWatch?: boolean;
  shared: boolean;
  detection: boolean;
  severity: Severity | null;
  technique: string | null;
  /** The view's filters in words. */
  filters: string;
  range: string;
  count: number | null;
  error?: string;
}

function Editor({ row, onDone }: { row: ViewRow; onDone(): void }) {
  const router = useRouter();
  const [draft, setDraft] = useState<ViewDraft>({ name: row.name, shared: row.shared, detection: row.detection, severity: row.severity ?? "medium", technique: row.technique ?? "" });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      aria-label={`Edit ${row.name}`}
      className="max-w-md space-y-2 py-2"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        const r = await sendJson("PATCH", `/api/views/${encodeURIComponent(row.id)}`, draftBody(draft));
        setBusy(false);
        if (!r.ok) return setError(r.error);
        onDone();
        router.refresh();
      }}
    >
      <ViewFields draft={draft} onChange={setDraft} autoFocus />
      {error && (
        <p role="alert" className={errorTextClass}>
          {error}
        </p>
      )}
      <div className="flex gap-2">
        <button type="submit" disabled={busy || !draft.name.trim()} className={primaryButtonClass}>
          {busy ? "Saving…" : "Save changes"}
        </button>
        <button type="button" className={buttonClass} onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Actions({ row, onEdit }: { row: ViewRow; onEdit(): void }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  if (!row.canEdit) return null;
  return (
    <div className="flex flex-wrap gap-2">
      <button type="button" className={buttonClass} onClick={onEdit} aria-label={`Edit ${row.name}`}>
        Edit
      </button>
      <button
        type="button"
        className={dangerButtonClass}
        aria-label={`Delete ${row.name}`}
        onClick={async () => {
          if (!window.confirm(`Delete the saved view "${row.name}"? Its link /views/${row.id} stops working.`)) return;
          const r = await sendJson("DELETE", `/api/views/${encodeURIComponent(row.id)}`);
          if (!r.ok) return setError(r.error);
          router.refresh();
        }}
      >
        Delete
      </button>
      {error && <span className={errorTextClass}>{error}</span>}
    </div>
  );
}

/** Who sees it and whether it is a detection, in words (a column on wide screens, a line on narrow ones). */
function sharing(r: ViewRow): string {
  return `${r.shared ? "Shared" : "Personal"}${!r.mine && r.owner ? ` · ${r.owner}` : ""}`;
}
function detectionText(r: ViewRow): string {
  return r.detection ? `${r.severity ?? "medium"}${r.technique ? ` · ${r.technique}` : ""}` : "—";
}

export function ViewsTable({ rows }: { rows: ViewRow[] }) {
  const [editing, setEditing] = useState<string | null>(null);
  const wide = "hidden md:table-cell";
  return (
    <table className="w-full border-collapse text-left text-sm">
      <thead className={theadClass}>
        <tr>
          <th className={thClass}>View</th>
          <th className={`${thClass} text-right`}>Events</th>
          <th className={`${thClass} ${wide}`}>Range</th>
          <th className={`${thClass} ${wide}`}>Who sees it</th>
          <th className={`${thClass} ${wide}`}>Detection</th>
          <th className={thClass}>
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} className={rowClass} data-view={r.id}>
            <td className={`${tdClass} max-w-md`}>
              <Link href={`/views/${r.id}`} className="font-medium text-sky-800 hover:underline dark:text-sky-300">
                {r.name}
              </Link>
              <div className="break-words font-mono text-[11px] text-zinc-500 md:truncate" title={r.filters}>
                {r.filters || "no filters"}
              </div>
              <div className="space-y-0.5 text-[11px] text-zinc-500 md:hidden">
                <div>{r.range}</div>
                <div>
                  {sharing(r)}
                  {r.detection ? ` · detection: ${detectionText(r)}` : ""}
                </div>
              </div>
              {editing === r.id && <Editor row={r} onDone={() => setEditing(null)} />}
            </td>
            <td className={`${tdClass} text-right tabular-nums`} data-testid="view-count">
              {r.error ? (
                <span className="text-xs text-red-700 dark:text-red-400" title={r.error}>
                  invalid
                </span>
              ) : (
                <Link href={`/views/${r.id}`} className="hover:underline">
                  {(r.count ?? 0).toLocaleString("en-US")}
                </Link>
              )}
            </td>
            <td className={`${tdClass} ${wide} text-xs`}>{r.range}</td>
            <td className={`${tdClass} ${wide} text-xs`}>{sharing(r)}</td>
            <td className={`${tdClass} ${wide} text-xs`}>{detectionText(r)}</td>
            <td className={tdClass}>
              <div className="flex flex-wrap items-start gap-2">
                {editing !== r.id && <Actions row={r} onEdit={() => setEditing(r.id)} />}
                {r.canWatch && !r.error && <WatchButton kind="view" id={r.id} title={r.name} />}
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

"use client";
// "Share…" on the timeline (analyst, admin): makes a share link of the view on screen
// (POST /api/shares with the URL's query) and shows its address once. The server freezes the view —
// absolute range and an asOf bound — and the dialog says what that means for whoever opens it.
// A native modal <dialog>: focus stays inside, Esc closes it, and focus returns to the button.
import { useEffect, useRef, useState } from "react";
import { frozenStart } from "../../lib/view/frozen-link";
import { CopyBox } from "./CopyBox";
import { utcTime } from "./format";
import { sendJson } from "./send-json";
import { buttonClass, errorTextClass, inputClass, primaryButtonClass } from "./styles";

const DEFAULT_DAYS = 30;
const MAX_DAYS = 365;

interface CreatedShare {
  url: string;
  expiresAt: string;
  query: string;
}

function frozenWords(query: string): string {
  const sp = new URLSearchParams(query);
  const from = frozenStart(sp.get("from"));
  const to = sp.get("to");
  const asOf = sp.get("asOf");
  return `Frozen: the range ${from ? utcTime(from, "s") : "from the first event"} – ${to ? utcTime(to, "s") : "now"} and events stored by ${asOf ? utcTime(asOf, "s") : "now"}; later syncs do not change it.`;
}

export function ShareDialog({ buttonClassName = buttonClass }: { buttonClassName?: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const daysInput = useRef<HTMLInputElement>(null);
  const [days, setDays] = useState(String(DEFAULT_DAYS));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedShare | null>(null);

  // The timeline's keys (j/k/Enter/Esc on the table behind) listen on the document: keys pressed
  // in the dialog stop at it. Esc still closes the dialog: that is the browser's default action.
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    const stop = (e: KeyboardEvent) => e.stopPropagation();
    d.addEventListener("keydown", stop);
    return () => d.removeEventListener("keydown", stop);
  }, []);

  useEffect(() => {
    if (created) document.getElementById("share-link-url")?.focus();
  }, [created]);

  function open() {
    setDays(String(DEFAULT_DAYS));
    setError(null);
    setCreated(null);
    setBusy(false);
    dialog.current?.showModal();
    daysInput.current?.focus();
    daysInput.current?.select();
  }

  async function create(e: React.FormEvent) {
    e.preventDefault();
    const n = Number(days);
    if (!Number.isInteger(n) || n < 1 || n > MAX_DAYS) return setError(`Expiry: a whole number of days from 1 to ${MAX_DAYS}.`);
    setBusy(true);
    setError(null);
    const r = await sendJson<CreatedShare>("POST", "/api/shares", { query: window.location.search.replace(/^\?/, ""), expiresInDays: n });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setCreated(r.data);
  }

  return (
    <>
      <button type="button" className={buttonClassName} aria-haspopup="dialog" onClick={open} title="Make a read-only link to this view for people without an account">
        Share…
      </button>
      <dialog
        ref={dialog}
        aria-labelledby="share-dialog-title"
        aria-describedby="share-dialog-about"
        onClick={(e) => {
          // A click on the backdrop (the dialog element itself, outside its content) closes it.
          if (e.target === e.currentTarget) e.currentTarget.close();
        }}
        className="m-auto w-[min(34rem,calc(100vw-2rem))] rounded-lg border border-zinc-300 bg-white p-0 text-sm text-zinc-900 shadow-xl backdrop:bg-black/40 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
      >
        <div className="space-y-3 p-4">
          <div className="flex items-start justify-between gap-3">
            <h2 id="share-dialog-title" className="text-base font-semibold">
              Share this view
            </h2>
            <button type="button" className="rounded px-1.5 text-lg leading-none text-zinc-500 hover:bg-zinc-100 dark:hover:bg-zinc-800" aria-label="Close" onClick={() => dialog.current?.close()}>
              ×
            </button>
          </div>
          <p id="share-dialog-about" className="text-xs text-zinc-600 dark:text-zinc-400">
            Anyone holding the link sees this view — its filters and range, read-only, with export — without signing in, until it expires or you revoke it on the Shares page. It shows only accounts you can see.
          </p>
          {!created ? (
            <form onSubmit={create} className="space-y-3">
              <label className="flex flex-wrap items-center gap-2">
                <span className="text-xs font-medium">Expires after</span>
                <input
                  ref={daysInput}
                  type="number"
                  inputMode="numeric"
                  min={1}
                  max={MAX_DAYS}
                  step={1}
                  required
                  value={days}
                  onChange={(e) => setDays(e.target.value)}
                  className={`${inputClass} w-24`}
                />
                <span className="text-xs">days (1–{MAX_DAYS})</span>
              </label>
              <div className="flex flex-wrap items-center gap-3">
                <button type="submit" disabled={busy} className={primaryButtonClass}>
                  {busy ? "Creating…" : "Create link"}
                </button>
                <button type="button" className={buttonClass} onClick={() => dialog.current?.close()}>
                  Cancel
                </button>
              </div>
              {error && (
                <p role="alert" className={errorTextClass}>
                  {error}
                </p>
              )}
            </form>
          ) : (
            <div className="space-y-3" data-testid="share-created">
              <CopyBox id="share-link-url" label="Share link (shown only now: copy it)" value={created.url} />
              <p className="text-xs">Expires {utcTime(created.expiresAt)}.</p>
              <p className="text-xs text-zinc-600 dark:text-zinc-400">{frozenWords(created.query)}</p>
              <div className="flex flex-wrap items-center gap-3">
                <button type="button" className={primaryButtonClass} onClick={() => dialog.current?.close()}>
                  Done
                </button>
                <a href="/shares" className="text-xs text-sky-700 underline hover:no-underline dark:text-sky-400">
                  Manage share links
                </a>
              </div>
            </div>
          )}
        </div>
      </dialog>
    </>
  );
}

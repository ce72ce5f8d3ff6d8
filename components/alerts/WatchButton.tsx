"use client";
// "Watch…" on a saved view or a detection: opens the channel form in place; once the watch exists,
// says so with a link to /alerts (its history, test message, disabling). Place it anywhere with
// <WatchButton kind="view" id={view.id} /> or kind="detection".
import Link from "next/link";
import { useId, useState } from "react";
import { buttonClass } from "../access/styles";
import { WatchFields } from "./WatchFields";

export function WatchButton({
  kind,
  id,
  title,
  emailAvailable = true,
  startOpen = false,
  onCreated,
}: {
  kind: "view" | "detection";
  id: string;
  title?: string;
  /** Whether the server can send email (TRAILSCOPE_SMTP_URL); unknown: the API says so if not. */
  emailAvailable?: boolean;
  /** The form shown at once (the add-watch form of /alerts, where the target was just chosen). */
  startOpen?: boolean;
  onCreated?: () => void;
}) {
  const [open, setOpen] = useState(startOpen);
  const [created, setCreated] = useState(false);
  const prefix = useId();
  if (created) {
    return (
      <span className="text-xs text-emerald-800 dark:text-emerald-300" role="status">
        Watching{title ? ` ${title}` : ""} — see <Link href="/alerts" className="underline hover:no-underline">Alerts</Link> for its history and a test message
      </span>
    );
  }
  return (
    <span className="inline-flex flex-col items-start gap-2">
      <button type="button" className={buttonClass} aria-expanded={open} onClick={() => setOpen((o) => !o)} title={`Get a message after each sync that stores new events matching ${title ? `"${title}"` : `this ${kind}`}`}>
        {open ? "Cancel" : "Watch…"}
      </button>
      {open && (
        <div className="w-full max-w-xl rounded border border-zinc-200 bg-white p-3 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
          <p className="mb-2 text-xs text-zinc-600 dark:text-zinc-400">
            After each sync, new events matching {title ? <strong>{title}</strong> : `this ${kind}`} are sent here: one message per sync, with the count and a link to exactly those events.
          </p>
          <WatchFields target={{ kind, id }} emailAvailable={emailAvailable} idPrefix={prefix} onCreated={() => (setCreated(true), onCreated?.())} />
        </div>
      )}
    </span>
  );
}

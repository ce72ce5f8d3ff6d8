"use client";
// The channels of a new watch — a webhook (Slack-compatible or generic JSON) and/or email
// recipients — and the request that creates it (POST /api/watches). Shared by the "Watch" button
// of a view or detection and the add-watch form of /alerts, which adds a target choice above it.
import { useState } from "react";
import { sendJson } from "../access/send-json";
import { errorTextClass, inputClass, primaryButtonClass } from "../access/styles";

export const labelClass = "text-xs text-zinc-600 dark:text-zinc-400";

export interface WatchTargetRef {
  kind: "view" | "detection";
  id: string;
}

export function WatchFields({
  target,
  emailAvailable = true,
  onCreated,
  idPrefix,
}: {
  /** null: the form above has not chosen one yet. */
  target: WatchTargetRef | null;
  /** Whether the server can send email (TRAILSCOPE_SMTP_URL); otherwise the field says so. */
  emailAvailable?: boolean;
  onCreated: (watch: { id: string }) => void;
  /** Keeps label ids unique when several forms are on one page. */
  idPrefix: string;
}) {
  const [url, setUrl] = useState("");
  const [format, setFormat] = useState<"slack" | "json">("slack");
  const [emails, setEmails] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = (s: string) => `${idPrefix}-${s}`;

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!target) return setError("choose a view or detection to watch");
    const email = emails.split(/[\s,;]+/).filter(Boolean);
    setBusy(true);
    setError(null);
    const r = await sendJson<{ watch: { id: string } }>("POST", "/api/watches", {
      target,
      ...(url.trim() ? { webhook: { url: url.trim(), format } } : {}),
      ...(email.length ? { email } : {}),
    });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setUrl("");
    setEmails("");
    onCreated(r.data.watch);
  }

  return (
    <form onSubmit={submit} className="space-y-2" aria-label="Watch channels">
      <div className="flex flex-wrap items-end gap-2">
        <div className="flex min-w-0 flex-1 basis-64 flex-col gap-0.5">
          <label htmlFor={id("url")} className={labelClass}>
            Webhook URL
          </label>
          <input id={id("url")} type="url" inputMode="url" autoComplete="off" placeholder="https://hooks.slack.com/services/…" value={url} onChange={(e) => setUrl(e.target.value)} className={inputClass} />
        </div>
        <div className="flex flex-col gap-0.5">
          <label htmlFor={id("format")} className={labelClass}>
            Body
          </label>
          <select id={id("format")} value={format} onChange={(e) => setFormat(e.target.value as "slack" | "json")} className={inputClass}>
            <option value="slack">Slack-compatible</option>
            <option value="json">Generic JSON</option>
          </select>
        </div>
      </div>
      <div className="flex min-w-0 flex-col gap-0.5">
        <label htmlFor={id("email")} className={labelClass}>
          Email recipients {emailAvailable ? "(comma-separated)" : "— not available: the server has no TRAILSCOPE_SMTP_URL"}
        </label>
        <input id={id("email")} type="text" autoComplete="off" disabled={!emailAvailable} placeholder={emailAvailable ? "oncall@example.com, secops@example.com" : ""} value={emails} onChange={(e) => setEmails(e.target.value)} className={`${inputClass} disabled:opacity-50`} />
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <button type="submit" disabled={busy} className={primaryButtonClass}>
          {busy ? "Saving…" : "Watch"}
        </button>
        {error && (
          <span role="alert" className={errorTextClass}>
            {error}
          </span>
        )}
      </div>
    </form>
  );
}

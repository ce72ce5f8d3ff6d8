"use client";
// One button, one API call: revoke a token or a share link, disable or enable a user, sign out.
// Asks first when `confirm` is given, shows the API's error beside the button, and on success
// re-reads the page (router.refresh) or goes to `then` (a full load, for sign-out: every part of
// the page, header included, must forget the session).
import { useRouter } from "next/navigation";
import { useState } from "react";
import { sendJson } from "./send-json";
import { buttonClass, dangerButtonClass, errorTextClass } from "./styles";

export function ApiActionButton({
  label,
  busyLabel,
  method,
  url,
  body,
  confirm,
  danger = false,
  then,
  title,
}: {
  label: string;
  busyLabel?: string;
  method: "POST" | "PATCH" | "DELETE";
  url: string;
  body?: unknown;
  confirm?: string;
  danger?: boolean;
  /** Where to go afterwards; none: stay and refresh the page's data. */
  then?: string;
  title?: string;
}) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <button
        type="button"
        title={title}
        disabled={busy}
        className={danger ? dangerButtonClass : buttonClass}
        onClick={async () => {
          if (confirm && !window.confirm(confirm)) return;
          setBusy(true);
          setError(null);
          const r = await sendJson(method, url, body);
          if (!r.ok) {
            setBusy(false);
            setError(r.error);
            return;
          }
          if (then) {
            window.location.assign(then);
            return;
          }
          setBusy(false);
          router.refresh();
        }}
      >
        {busy ? (busyLabel ?? "Working…") : label}
      </button>
      {error && (
        <span role="alert" className={errorTextClass}>
          {error}
        </span>
      )}
    </span>
  );
}

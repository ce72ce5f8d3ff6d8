"use client";
// Makes an API token (POST /api/tokens) and shows its key this once: only a hash is stored, so
// the key cannot be shown again. The list above refreshes; the key stays until the page is left.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { CopyBox } from "./CopyBox";
import { sendJson } from "./send-json";
import { errorTextClass, inputClass, primaryButtonClass } from "./styles";

export function CreateTokenForm() {
  const router = useRouter();
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ key: string; name: string | null } | null>(null);
  const [origin, setOrigin] = useState("");

  return (
    <div className="max-w-3xl space-y-3">
      <form
        aria-label="Create an API token"
        className="flex flex-wrap items-end gap-3"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          const r = await sendJson<{ key: string; token: { name: string | null } }>("POST", "/api/tokens", name.trim() ? { name: name.trim() } : {});
          setBusy(false);
          if (!r.ok) return setError(r.error);
          setOrigin(window.location.origin);
          setCreated({ key: r.data.key, name: r.data.token.name });
          setName("");
          router.refresh();
        }}
      >
        <label className="flex flex-col gap-1 text-sm">
          <span className="text-xs font-medium">
            Name <span className="font-normal text-zinc-500">(what uses it, e.g. "SIEM export")</span>
          </span>
          <input type="text" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} className={`${inputClass} w-64`} />
        </label>
        <button type="submit" disabled={busy} className={primaryButtonClass}>
          {busy ? "Creating…" : "Create token"}
        </button>
        {error && (
          <p role="alert" className={errorTextClass}>
            {error}
          </p>
        )}
      </form>
      {created && (
        <div role="status" className="space-y-2 rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100" data-testid="new-token">
          <p className="font-semibold">Copy this token now: it will not be shown again.</p>
          <CopyBox id="new-token-key" label={created.name ? `New token "${created.name}"` : "New token"} value={created.key} />
          <p className="text-xs">
            It acts as you — your role and your accounts — until you revoke it. Send it as{" "}
            <code className="break-all font-mono">Authorization: Bearer {created.key.slice(0, 6)}…</code>, e.g.{" "}
            <code className="break-all font-mono">curl -H &quot;Authorization: Bearer $TOKEN&quot; {origin}/api/events</code>
          </p>
          <button type="button" className="text-xs underline hover:no-underline" onClick={() => setCreated(null)}>
            I have copied it — hide it
          </button>
        </div>
      )}
    </div>
  );
}

"use client";
// Adds a source to the background sync (POST /api/sources; admins only). The examples fill the
// field; the API says what is wrong with a URI (an unknown option, a relative path, credentials in
// it), shown beside the button. The table above refreshes on success.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { sendJson } from "../access/send-json";
import { buttonClass, errorTextClass, inputClass, primaryButtonClass } from "../access/styles";

const EXAMPLES: { uri: string; what: string }[] = [
  { uri: "/var/log/cloudtrail", what: "a folder, log file or .tar.gz on the server (absolute path)" },
  { uri: "s3://my-trail-bucket/optional/prefix?region=eu-west-1", what: "a trail's bucket, read with the server's AWS credentials" },
  { uri: "s3://org-trail-bucket?roleArn=arn:aws:iam::123456789012:role/TrailscopeReader", what: "a bucket of another account, through a role assumed there" },
  { uri: "lookup://us-east-1?roleArn=arn:aws:iam::123456789012:role/TrailscopeReader", what: "LookupEvents of another account and region, through a role" },
  { uri: "lookup://eu-west-1?profile=audit", what: "LookupEvents with a named profile of the server" },
];

export function AddSourceForm({ schedule }: { schedule: string }) {
  const router = useRouter();
  const [uri, setUri] = useState("");
  const [paused, setPaused] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [added, setAdded] = useState<{ source: string; paused: boolean } | null>(null);

  return (
    <section aria-labelledby="add-source-title" className="max-w-4xl space-y-2 rounded border border-zinc-200 p-3 dark:border-zinc-800">
      <h2 id="add-source-title" className="text-sm font-semibold">
        Add source
      </h2>
      <form
        aria-label="Add a source"
        className="flex flex-wrap items-end gap-3"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          setAdded(null);
          const r = await sendJson<{ source: { source: string; paused: boolean } }>("POST", "/api/sources", { uri: uri.trim(), paused });
          setBusy(false);
          if (!r.ok) return setError(r.error);
          setAdded({ source: r.data.source.source, paused: r.data.source.paused });
          setUri("");
          setPaused(false);
          router.refresh();
        }}
      >
        <label className="flex min-w-[20rem] flex-1 flex-col gap-1 text-sm">
          <span className="text-xs font-medium">Source URI</span>
          <input
            type="text"
            name="uri"
            required
            maxLength={2048}
            spellCheck={false}
            autoComplete="off"
            placeholder="s3://bucket/prefix?roleArn=arn:aws:iam::123456789012:role/Reader"
            value={uri}
            onChange={(e) => setUri(e.target.value)}
            className={`${inputClass} w-full font-mono`}
          />
        </label>
        <label className="flex items-center gap-1.5 pb-1 text-xs">
          <input type="checkbox" checked={paused} onChange={(e) => setPaused(e.target.checked)} />
          Add paused
        </label>
        <button type="submit" disabled={busy || !uri.trim()} className={primaryButtonClass}>
          {busy ? "Adding…" : "Add source"}
        </button>
      </form>
      {error && (
        <p role="alert" className={`${errorTextClass} break-words`}>
          {error}
        </p>
      )}
      {added && (
        <p role="status" className="text-xs text-emerald-800 dark:text-emerald-300">
          Added <span className="break-all font-mono">{added.source}</span>: {added.paused ? "paused; resume it to sync it" : "its first sync starts within a few seconds"}.
        </p>
      )}
      <details className="text-xs text-zinc-600 dark:text-zinc-400">
        <summary className="cursor-pointer">Examples and options</summary>
        <ul className="mt-1 space-y-1">
          {EXAMPLES.map((ex) => (
            <li key={ex.uri} className="flex items-start gap-2">
              <button type="button" className={buttonClass} onClick={() => setUri(ex.uri)} aria-label={`Use the example ${ex.uri}`}>
                Use
              </button>
              <span>
                <code className="break-all font-mono text-zinc-800 dark:text-zinc-200">{ex.uri}</code>
                <span className="block">{ex.what}</span>
              </span>
            </li>
          ))}
        </ul>
        <p className="mt-2">
          S3 options: <code className="font-mono">region</code>, <code className="font-mono">forcePathStyle=true</code>, <code className="font-mono">lookback=1d</code>,{" "}
          <code className="font-mono">full=true</code>, <code className="font-mono">concurrency=8</code>, <code className="font-mono">roleArn</code>. LookupEvents options:{" "}
          <code className="font-mono">profile</code>, <code className="font-mono">roleArn</code>, <code className="font-mono">since=now-7d</code>, <code className="font-mono">overlap=30m</code>,{" "}
          <code className="font-mono">insights=false</code>, <code className="font-mono">rate=2</code>.
        </p>
        <p className="mt-1">
          No AWS secret is stored, and a URI holding one is refused: access comes from the server&apos;s AWS credentials (environment, shared files, instance or container role), a
          profile of the server, or a role to assume (<code className="font-mono">roleArn</code>; the role must trust the server&apos;s identity and allow reading the bucket or{" "}
          <code className="font-mono">cloudtrail:LookupEvents</code>).
        </p>
        <p className="mt-1">
          Sources are synced by the background sync of <code className="font-mono">npm start</code>, {schedule}; a new source and &quot;Sync now&quot; start within a few seconds.
        </p>
      </details>
    </section>
  );
}

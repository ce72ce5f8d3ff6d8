"use client";
// "Upload log files" on /sync (analysts and admins): files chosen or dropped here go to
// POST /api/uploads, which syncs them at once; the answer is the sync's summary, shown below with
// every file it could not read and why. The sync table above refreshes (an upload is a run too).
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { buttonClass, errorTextClass, primaryButtonClass } from "../access/styles";
import { UploadSummary, type UploadAnswer } from "./UploadSummary";

async function upload(files: File[]): Promise<{ ok: true; data: UploadAnswer } | { ok: false; error: string }> {
  const form = new FormData();
  for (const f of files) form.append("file", f, f.name);
  let res: Response;
  try {
    res = await fetch("/api/uploads", { method: "POST", body: form, credentials: "same-origin", cache: "no-store", headers: { accept: "application/json" } });
  } catch {
    return { ok: false, error: "the console could not be reached; check the connection and try again" };
  }
  const data = (await res.json().catch(() => null)) as (UploadAnswer & { error?: string }) | null;
  if (res.ok && data) return { ok: true, data };
  return { ok: false, error: data?.error ?? `upload failed (HTTP ${res.status})` };
}

export function UploadForm({ maxBytes }: { maxBytes: number }) {
  const router = useRouter();
  const input = useRef<HTMLInputElement>(null);
  const [files, setFiles] = useState<File[]>([]);
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<UploadAnswer | null>(null);
  const total = files.reduce((n, f) => n + f.size, 0);
  const mib = (n: number) => `${Number.isInteger(n / 2 ** 20) ? n / 2 ** 20 : (n / 2 ** 20).toFixed(n < 2 ** 20 ? 2 : 1)} MiB`;

  const choose = (list: FileList | null) => {
    setFiles(list ? [...list] : []);
    setError(null);
    setResult(null);
  };

  return (
    <section aria-labelledby="upload-title" className="max-w-4xl space-y-2 rounded border border-zinc-200 p-3 dark:border-zinc-800">
      <h2 id="upload-title" className="text-sm font-semibold">
        Upload log files
      </h2>
      <form
        aria-label="Upload log files"
        className="space-y-2"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!files.length) return;
          setBusy(true);
          setError(null);
          setResult(null);
          const r = await upload(files);
          setBusy(false);
          if (!r.ok) return setError(r.error);
          setResult(r.data);
          setFiles([]);
          if (input.current) input.current.value = "";
          router.refresh();
        }}
      >
        <div
          data-testid="upload-drop-zone"
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => {
            e.preventDefault();
            setOver(false);
            choose(e.dataTransfer.files);
          }}
          className={`flex flex-wrap items-center gap-3 rounded border border-dashed p-3 text-sm ${over ? "border-sky-500 bg-sky-50 dark:bg-sky-950" : "border-zinc-300 dark:border-zinc-700"}`}
        >
          <label className="flex flex-col gap-1">
            <span className="text-xs font-medium">Log files</span>
            <input ref={input} type="file" name="file" multiple onChange={(e) => choose(e.target.files)} className="text-xs" />
          </label>
          <span className="text-xs text-zinc-500">or drop them here</span>
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <button type="submit" disabled={busy || !files.length || total > maxBytes} className={primaryButtonClass}>
            {busy ? "Uploading…" : "Upload"}
          </button>
          {files.length > 0 && (
            <span className="text-xs text-zinc-600 dark:text-zinc-400">
              {files.length} file{files.length > 1 ? "s" : ""}, {mib(total)}
              {total > maxBytes && <span className={errorTextClass}> — over the {mib(maxBytes)} an upload may hold</span>}
            </span>
          )}
          {files.length > 0 && !busy && (
            <button type="button" className={buttonClass} onClick={() => choose(null)}>
              Clear
            </button>
          )}
        </div>
      </form>
      {error && (
        <p role="alert" className={`${errorTextClass} break-words`}>
          {error}
        </p>
      )}
      {result && <UploadSummary result={result} />}
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        CloudTrail log files ({"{"}&quot;Records&quot;: […]{"}"}), JSON arrays of events, NDJSON, single events and <code className="font-mono">aws cloudtrail lookup-events</code>{" "}
        output, each optionally gzipped, and .zip, .tar or .tar.gz archives of them — recognised by content. Up to {mib(maxBytes)} at once; larger collections are synced
        as a folder or bucket source.
      </p>
    </section>
  );
}

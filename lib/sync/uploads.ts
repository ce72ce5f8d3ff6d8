// A console upload, synced: the files run through the same engine as every source (an
// UploadSource), the summary goes back to the uploader and the audit trail records it.
import type { Access } from "../auth/access";
import { audit } from "../auth/audit";
import { UploadSource, type UploadedFile } from "../ingest/sources/upload";
import type { Db } from "../store/db";
import type { SyncSummary } from "../ingest/engine";

/** What POST /api/uploads answers: the sync's summary of the uploaded files. */
export type UploadResult = Pick<SyncSummary, "source" | "ok" | "objectsRead" | "objectsUnchanged" | "objectsSkipped" | "objectsFailed" | "eventsNew" | "eventsDuplicate" | "failures" | "error"> & {
  files: { name: string; bytes: number }[];
  /** The sync itself failed (the database, not the files): nothing may have been stored. */
  fatal: boolean;
};

/**
 * Uploads held in memory at once in this process. Each holds its files (up to the upload bound)
 * while they are decoded; beyond this the route answers 429. Kept on globalThis so every bundle of
 * the server counts in one place.
 */
export const MAX_CONCURRENT_UPLOADS = 2;
const shared = globalThis as unknown as { trailscopeUploads?: { running: number } };
const slots = (shared.trailscopeUploads ??= { running: 0 });

export function acquireUploadSlot(): (() => void) | null {
  if (slots.running >= MAX_CONCURRENT_UPLOADS) return null;
  slots.running++;
  let released = false;
  return () => {
    if (!released) (released = true), slots.running--;
  };
}

/**
 * The sync engine, loaded when an upload runs instead of bundled into the console: its decode pool
 * names its worker thread's file by URL, which Next's bundler would pull in with tsx and esbuild.
 * The console's server runs under tsx (scripts/serve.ts), which loads it as `npm run sync` does.
 * The URL is made by a function so the bundler neither follows nor copies the file; in the bundle,
 * import.meta.url is still this source file's URL.
 */
function beside(relative: string, base: string): string {
  return new URL(relative, base).href;
}

async function engine(): Promise<typeof import("../ingest/engine")> {
  return import(/* webpackIgnore: true */ /* turbopackIgnore: true */ beside("../ingest/engine.ts", import.meta.url));
}

export async function syncUpload(db: Db, files: UploadedFile[], access: Access, opts: { signal?: AbortSignal } = {}): Promise<UploadResult> {
  const plugin = new UploadSource(files);
  // Decoded on this thread: the console's bundle does not carry the decode workers' entry, and an
  // upload is bounded (TRAILSCOPE_MAX_UPLOAD_BYTES).
  const { runSync } = await engine();
  const s = await runSync(db, plugin, { decodeWorkers: 0, signal: opts.signal, log: (m) => console.error(`trailscope: upload: ${m}`) });
  const fatal = !!s.error && s.unreadable === 0;
  const error = fatal ? s.error : s.unreadable ? `${s.unreadable} part${s.unreadable > 1 ? "s" : ""} could not be read` : undefined;
  const result: UploadResult = {
    source: s.source,
    ok: s.ok,
    files: files.map((f) => ({ name: f.name, bytes: f.bytes.length })),
    objectsRead: s.objectsRead,
    objectsUnchanged: s.objectsUnchanged,
    objectsSkipped: s.objectsSkipped,
    objectsFailed: s.objectsFailed,
    eventsNew: s.eventsNew,
    eventsDuplicate: s.eventsDuplicate,
    // An upload is not read again by a later run: no "will retry" for its unreadable parts.
    failures: s.failures.map((f) => ({ ...f, reason: f.reason.replace(/ \(will retry next run\)$/, "") })),
    fatal,
    ...(error ? { error } : {}),
  };
  await audit(db, {
    actorKind: access.kind === "token" ? "token" : "user",
    actorId: access.userId,
    actorName: access.name,
    ip: access.ip,
    action: "upload",
    target: s.source,
    detail: {
      files: result.files,
      objects: { read: s.objectsRead, unchanged: s.objectsUnchanged, skipped: s.objectsSkipped, failed: s.objectsFailed },
      events: { new: s.eventsNew, duplicate: s.eventsDuplicate },
      ok: s.ok,
    },
  });
  return result;
}

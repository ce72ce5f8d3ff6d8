// Shared by the file-based sources (folder/tarball and S3): skip objects already recorded, read
// several at once, decode, and yield one chunk per object in listing order.
import type { DecodedObject } from "./decode";
import type { Chunk, KnownObject, SourceContext } from "./source";

export interface FileEntry {
  key: string;
  size: number | null;
  /** Change detector: S3 ETag, or "<size>-<mtimeMs>" for local files. */
  etag: string | null;
}

/** An object's bytes (with S3 metadata), or a local path the decoder reads itself. */
export type FileRead = { bytes: Uint8Array; metadata?: Record<string, string> } | { path: string };

export interface FileSourceSpec<E extends FileEntry> {
  /** Identity of the object store in ingested_objects ("s3://bucket", "file"). */
  objectSource: string;
  list(ctx: SourceContext): AsyncIterable<E>;
  read(entry: E, ctx: SourceContext): Promise<FileRead>;
  /** Objects fetched at once (S3 round trips overlap; local reads need few). */
  concurrency: number;
}

/** Unchanged since it was recorded: same ETag/size+mtime. Failed ones are not retried unless changed. */
export function isUnchanged(entry: FileEntry, known: KnownObject | undefined): boolean {
  return known !== undefined && known.etag === entry.etag;
}

export async function* fileChunks<E extends FileEntry>(spec: FileSourceSpec<E>, ctx: SourceContext): AsyncIterable<Chunk> {
  const known = await ctx.knownObjects(spec.objectSource);
  const p = ctx.progress;

  type Pending = Promise<Chunk>;
  const window: Pending[] = [];
  const readOne = async (e: E): Promise<Chunk> => {
    let got: FileRead;
    try {
      got = await spec.read(e, ctx);
    } catch (err) {
      return { error: { key: e.key, reason: `could not read: ${(err as Error).message}` } };
    }
    let d: DecodedObject;
    try {
      d = "path" in got ? await ctx.decodeFile(e.key, got.path) : await ctx.decode(e.key, got.bytes, got.metadata);
      p.bytes += "path" in got ? (e.size ?? 0) : got.bytes.length;
    } catch (err) {
      // decodeObject classifies bad content itself; this is a bug or resource limit, not the file.
      return { error: { key: e.key, reason: `could not read or decode: ${(err as Error).message}` } };
    }
    return {
      rows: d.rows,
      object: {
        source: spec.objectSource,
        key: e.key,
        size: e.size ?? ("bytes" in got ? got.bytes.length : null),
        etag: e.etag,
        sha256: d.sha256,
        kind: d.kind,
        records: d.records,
        status: d.status,
        reason: d.reason,
        meta: d.meta,
        checkOnly: d.checkOnly,
      },
    };
  };

  for await (const entry of spec.list(ctx)) {
    if (!p.totalFinal) p.total++; // sources that know their total up front set it themselves
    if (isUnchanged(entry, known.get(entry.key))) {
      p.objectsUnchanged++;
      p.done++;
      continue;
    }
    window.push(readOne(entry));
    if (window.length >= spec.concurrency) {
      p.done++;
      yield await window.shift()!;
    }
  }
  while (window.length) {
    p.done++;
    yield await window.shift()!;
  }
}

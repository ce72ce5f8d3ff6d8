// Which stored objects one source holds: the unit integrity validation works on. Objects are
// recorded per object store (ingested_objects.source: "s3://bucket" or "file") and key, so a
// source's objects are those of its store under its prefix.
import { realpath } from "node:fs/promises";
import path from "node:path";
import { layoutTail } from "./chain";

export interface IntegrityScope {
  /** "<object source>|<key prefix>": names the scope's findings and runs. */
  id: string;
  /** The source id as the sync names it. */
  source: string;
  objectSource: string;
  prefix: string;
  /** The bucket the objects were read from (a digest must name it); null for local files. */
  bucket: string | null;
  /** S3 object metadata holds the digests' signatures; a folder has none. */
  signatures: boolean;
}

/** The scope of a source id (lib/ingest/sources parseSource(uri).id); null: a source without files. */
export async function scopeOfSource(sourceId: string): Promise<IntegrityScope | null> {
  if (sourceId.startsWith("s3://")) {
    const rest = sourceId.slice("s3://".length);
    const slash = rest.indexOf("/");
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? "" : rest.slice(slash + 1);
    return { id: `s3://${bucket}|${prefix}`, source: sourceId, objectSource: `s3://${bucket}`, prefix, bucket, signatures: true };
  }
  if (sourceId.startsWith("file:")) {
    const given = path.resolve(sourceId.slice("file:".length));
    // The folder source keys files by their real path.
    const root = await realpath(given).catch(() => given);
    return { id: `file|${root}`, source: sourceId, objectSource: "file", prefix: root, bucket: null, signatures: false };
  }
  return null;
}

/**
 * SQL condition (on ingested_objects) for the scope's objects, its parameters starting at $first.
 * A folder's prefix matches itself (a single file or archive), its files and its archive members —
 * not a sibling folder sharing the name's start.
 */
export function scopeWhere(scope: IntegrityScope, first: number): { sql: string; params: unknown[] } {
  const src = `$${first}`;
  const pre = `$${first + 1}`;
  if (scope.objectSource === "file") {
    return {
      sql: `source = ${src} AND left(key, length(${pre})) = ${pre} AND (length(key) = length(${pre}) OR substr(key, length(${pre}) + 1, 1) IN ('/', '!'))`,
      params: [scope.objectSource, scope.prefix],
    };
  }
  return { sql: `source = ${src} AND left(key, length(${pre})) = ${pre}`, params: [scope.objectSource, scope.prefix] };
}

/**
 * A stored object's key as readers see it (an event's detail, a bundle's manifest): an S3 object
 * in full; a local file from `AWSLogs/` on — the server's own paths are not the reader's business.
 */
export function shownKey(objectSource: string, key: string): string {
  return objectSource.startsWith("s3://") ? `${objectSource}/${key}` : layoutTail(key);
}

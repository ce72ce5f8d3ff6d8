// Archives (.zip, .tar, .tar.gz), recognised by content, read into members in memory — never
// written to disk by their names — for the folder and upload sources alike. Members are keyed
// "<archive>!<member>"; an archive inside an archive is read too, to a bounded depth. Every refusal
// is recorded (ingested_objects: failed, with the reason) and the rest is still read.
import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";
import { constants as zlibConstants, gunzipSync } from "node:zlib";
import { GZIP_RATIO_FLOOR_BYTES, MAX_GZIP_RATIO, maxObjectBytes, objectTooLarge, refusedObject } from "./decode";
import { fileChunks, type FileEntry } from "./files";
import type { Chunk, KnownObject, SourceContext } from "./source";
import { ArchiveBombError, bytesTarStream, tarMembers, type TarMember } from "./tar";
import { bufferZipSource, entryData, inflateEntry, isEncrypted, maxCompressedSize, readZipDirectory, ZipError, zipDirectoryInfo, type ZipSource } from "./zip";

/**
 * Members one archive (nested ones included) may hold. An investigator's archive holds a trail's
 * files for some accounts and days — at most 288 five-minute files per account, region and day, so
 * a week of 45 account-regions (~91k) fits. Each member costs an ingested_objects row and a directory
 * entry in memory, while an empty zip entry costs ~100 bytes: without a bound, a 100 MB archive
 * would make a million rows. Larger collections are synced from their folder or bucket.
 */
export const MAX_ARCHIVE_ENTRIES = 100_000;
/** Archives inside archives are read down to this depth (a zip inside a tarball is depth 2). */
export const MAX_ARCHIVE_DEPTH = 2;
/**
 * All the zip entries of one archive together inflate to at most this many objects' bound (16 GiB
 * by default): past any honest archive of log files, while each entry of a bomb of many entries can
 * stay within its own bounds. (Archives also stop at MAX_GZIP_RATIO times their compressed size.)
 */
export const ARCHIVE_TOTAL_OBJECTS = 64;

export const maxArchiveBytes = () => ARCHIVE_TOTAL_OBJECTS * maxObjectBytes();

export type ArchiveKind = "zip" | "tar" | "tar.gz";

/** Bytes of a file's start that sniffArchive needs. */
export const SNIFF_BYTES = 4096;

/** A tar header block: its checksum (octal, at 148) is the sum of its bytes with that field as spaces. */
function isTarHeader(b: Uint8Array): boolean {
  if (b.length < 512 || b[0] === 0) return false;
  const field = Buffer.from(b.subarray(148, 156)).toString("latin1").replace(/[\0 ]+$/, "").trim();
  if (!/^[0-7]{1,7}$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : b[i];
  return sum === parseInt(field, 8);
}

/** What the first `input` bytes of a gzip inflate to (a partial stream is fine), or null when it is not one. */
function gunzipStart(head: Uint8Array, input: number): Buffer | null {
  try {
    return gunzipSync(head.subarray(0, input), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch {
    return null;
  }
}

/** JSON (or text with a byte-order mark) starts so; a tarball starts with a member's name. */
const TEXT_START = new Set([0x7b, 0x5b, 0x20, 0x09, 0x0a, 0x0d, 0xef, 0xfe, 0xff]);

/** What an object's first bytes say it is: an archive, or null (a file to decode). */
export function sniffArchive(head: Uint8Array): ArchiveKind | null {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))) return "zip";
  if (isTarHeader(head)) return "tar";
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    // Most gzips are log files: their first inflated byte settles it cheaply (every file of a
    // folder is sniffed). Only the others are inflated as far as a tar header's 512 bytes.
    const first = gunzipStart(head, 64);
    if (first && first.length > 0 && TEXT_START.has(first[0])) return null;
    const inner = gunzipStart(head, 1024);
    if (inner && isTarHeader(inner)) return "tar.gz";
  }
  return null;
}

/** Reads the file's first bytes; synchronous: a folder sniffs every file, and three awaited calls each cost more than the read. */
export function sniffFile(path: string): ArchiveKind | null {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const n = readSync(fd, buf, 0, SNIFF_BYTES, 0);
    return sniffArchive(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

/**
 * A member name that points outside the archive (`..`, an absolute or drive path, backslashes).
 * Nothing is written by its name, but no honest tool makes one: it marks a hostile archive.
 */
export function unsafeMemberName(name: string): string | null {
  const bad =
    name.includes("\\") || name.startsWith("/") || /^[A-Za-z]:/.test(name) || name.includes("\0") || name.split("/").some((part) => part === "..");
  return bad ? `unsafe entry name ${JSON.stringify(name.slice(0, 200))}: a path outside the archive (.., absolute, drive or backslash) marks a hostile archive; not read` : null;
}

/** One member to record: its bytes to decode, or the reason it is refused, or nothing (unchanged). */
export interface Member extends FileEntry {
  bytes?: Uint8Array;
  /** Recorded as failed with this reason, never decoded. */
  refused?: string;
  /** Could not be read this time: reported, and retried next run (nothing recorded). */
  unreadable?: string;
}

/** An archive to read: a local file, or bytes in memory (an upload, a member of another archive). */
export interface ArchiveInput {
  key: string;
  /** Change detector of the archive itself: a refusal of the whole is recorded under it. */
  etag: string | null;
  kind: ArchiveKind;
  path?: string;
  bytes?: Uint8Array;
}

interface Walk {
  known: Map<string, KnownObject>;
  depth: number;
  /** Shared by an archive and the archives inside it. */
  budget: { entries: number; inflated: number; compressed: number };
}

const refuse = (key: string, etag: string | null, size: number | null, reason: string): Member => ({ key, etag, size, refused: reason });

/** The members of an archive in archive order, the archives inside it read in place. */
export async function* archiveMembers(a: ArchiveInput, objectSource: string, ctx: SourceContext, compressedSize: number): AsyncIterable<Member> {
  const known = await ctx.knownObjects(objectSource);
  yield* expand(a, { known, depth: 1, budget: { entries: 0, inflated: 0, compressed: compressedSize } });
}

async function* expand(a: ArchiveInput, w: Walk): AsyncIterable<Member> {
  // Refused as a whole before and unchanged since: not read again.
  if (a.etag !== null && w.known.get(a.key)?.etag === a.etag) {
    yield { key: a.key, etag: a.etag, size: null };
    return;
  }
  if (w.depth > MAX_ARCHIVE_DEPTH) {
    yield refuse(a.key, a.etag, a.bytes?.length ?? null, `an archive inside ${MAX_ARCHIVE_DEPTH} levels of archives: not read (nesting is bounded)`);
    return;
  }
  if (a.kind === "zip") yield* zipMembers(a, w);
  else yield* tarArchiveMembers(a, w);
}

/** A member's bytes: decoded as they are, or read as the archive they turn out to be. */
async function* memberOrArchive(key: string, etag: string | null, bytes: Uint8Array, w: Walk): AsyncIterable<Member> {
  const kind = sniffArchive(bytes.subarray(0, SNIFF_BYTES));
  if (!kind) yield { key, etag, size: bytes.length, bytes };
  else yield* expand({ key, etag, kind, bytes }, { ...w, depth: w.depth + 1 });
}

async function openZip(a: ArchiveInput): Promise<{ src: ZipSource; close(): Promise<void> }> {
  if (a.bytes) return { src: bufferZipSource(a.bytes), close: async () => {} };
  const fh = await open(a.path!, "r");
  const { size } = await fh.stat();
  return {
    src: {
      size,
      async read(offset, length) {
        if (offset < 0 || offset + length > size) throw new ZipError("truncated: an entry or record lies past the end of the archive");
        const buf = Buffer.alloc(length);
        const { bytesRead } = await fh.read(buf, 0, length, offset);
        if (bytesRead !== length) throw new ZipError("truncated: the archive ended while it was read");
        return buf;
      },
    },
    close: () => fh.close(),
  };
}

async function* zipMembers(a: ArchiveInput, w: Walk): AsyncIterable<Member> {
  const limit = maxObjectBytes();
  const { src, close } = await openZip(a);
  try {
    let directory;
    let entries;
    try {
      directory = await zipDirectoryInfo(src);
      // Refused before the directory is even read: its size is what the bound protects.
      if (w.budget.entries + directory.count > MAX_ARCHIVE_ENTRIES) {
        yield refuse(a.key, a.etag, src.size, `${directory.count} entries: more than the ${MAX_ARCHIVE_ENTRIES} an archive may hold, refused as a likely hostile archive; no entry read`);
        return;
      }
      entries = await readZipDirectory(src, directory);
    } catch (err) {
      if (!(err instanceof ZipError)) throw err;
      yield refuse(a.key, a.etag, src.size, `${err.message}; not read`);
      return;
    }
    w.budget.entries += entries.length;
    const seen = new Set<string>();
    for (const e of entries) {
      if (e.name.endsWith("/") && e.size === 0) continue; // a folder
      const etag = `${e.size}-${e.crc.toString(16).padStart(8, "0")}`;
      let key = `${a.key}!${e.name}`;
      const no = (reason: string) => refuse(key, etag, e.size, reason);
      if (seen.has(e.name)) {
        // Recorded apart: the first entry of that name keeps its own record.
        key = `${key} (duplicate ${e.localOffset})`;
        yield no("a second entry of the same name marks a hostile archive; not read");
        continue;
      }
      seen.add(e.name);
      const unsafe = unsafeMemberName(e.name);
      if (unsafe) yield no(unsafe);
      else if (isEncrypted(e)) yield no("encrypted entry: not read (password-protected archives are not supported)");
      else if (e.method !== 0 && e.method !== 8) yield no(`compression method ${e.method}: not read (only stored and deflated entries are)`);
      else if (e.size > limit) yield no(`${objectTooLarge(key, e.size, limit).reason} (the size its archive declares)`);
      else if (e.size > GZIP_RATIO_FLOOR_BYTES && e.size > MAX_GZIP_RATIO * e.compressedSize) {
        yield no(`declares ${e.size} bytes from ${e.compressedSize}, more than ${MAX_GZIP_RATIO} times (past 32 MiB): refused as a likely decompression bomb; not inflated`);
      } else if (e.compressedSize > maxCompressedSize(e.size)) yield no(`corrupt zip entry: ${e.compressedSize} compressed bytes cannot make ${e.size}; not read`);
      else {
        const total = archiveBound(w, e.size);
        if (total) {
          yield refuse(a.key, a.etag, src.size, `${total}; the entries from ${JSON.stringify(e.name)} on were not read`);
          return;
        }
        if (w.known.get(key)?.etag === etag) {
          yield { key, etag, size: e.size }; // recorded and unchanged: fileChunks skips it unread
          continue;
        }
        let got;
        try {
          got = await entryData(src, e, directory.offset);
        } catch (err) {
          if (!(err instanceof ZipError)) throw err;
          got = { reason: err.message };
        }
        if ("reason" in got) yield no(got.reason);
        else if (got.flags & 1) yield no("encrypted entry: not read (password-protected archives are not supported)");
        else {
          const out = inflateEntry(got.data, e);
          w.budget.inflated += "bytes" in out ? out.bytes.length : out.inflated;
          if ("reason" in out) yield no(out.reason);
          else yield* memberOrArchive(key, etag, out.bytes, w);
        }
      }
    }
  } finally {
    await close();
  }
}

/** Why the archive may not inflate `next` more bytes, or null. */
function archiveBound(w: Walk, next: number): string | null {
  const after = w.budget.inflated + next;
  if (after > maxArchiveBytes()) {
    return `archive expands past ${ARCHIVE_TOTAL_OBJECTS} times one object's bound (${maxArchiveBytes()} bytes in all, TRAILSCOPE_MAX_OBJECT_BYTES): refused as a likely decompression bomb`;
  }
  if (after > Math.max(maxObjectBytes(), MAX_GZIP_RATIO * w.budget.compressed)) {
    return `archive expands more than ${MAX_GZIP_RATIO} times its compressed size (${after} bytes from ${w.budget.compressed}): refused as a likely decompression bomb`;
  }
  return null;
}

async function* tarArchiveMembers(a: ArchiveInput, w: Walk): AsyncIterable<Member> {
  const limit = maxObjectBytes();
  const source = a.bytes
    ? bytesTarStream(a.bytes)
    : () => {
        const stream = createReadStream(a.path!);
        return { stream, bytesRead: () => stream.bytesRead };
      };
  const members = tarMembers(source, a.kind === "tar.gz", limit)[Symbol.asyncIterator]();
  let read = 0;
  try {
    for (;;) {
      let next: IteratorResult<TarMember>;
      try {
        next = await members.next();
      } catch (err) {
        if (err instanceof ArchiveBombError) {
          // Reported for the tarball (retried next run, like an unreadable object); the members
          // yielded so far still commit.
          yield { key: a.key, size: null, etag: null, unreadable: err.message };
        } else yield refuse(a.key, a.etag, null, `corrupt tar: ${(err as Error).message}; the members before this point were read`);
        return;
      }
      if (next.done) return;
      const m = next.value;
      if (++w.budget.entries > MAX_ARCHIVE_ENTRIES) {
        yield refuse(a.key, a.etag, null, `more than the ${MAX_ARCHIVE_ENTRIES} entries an archive may hold: refused as a likely hostile archive; the first ${read} were read`);
        return;
      }
      read++;
      const key = `${a.key}!${m.name}`;
      const etag = `${m.size}-${m.mtime}`;
      const unsafe = unsafeMemberName(m.name);
      if (unsafe) yield refuse(key, etag, m.size, unsafe);
      else if (m.bytes === null) yield refuse(key, etag, m.size, objectTooLarge(key, m.size, limit).reason!);
      else yield* memberOrArchive(key, etag, m.bytes, w);
    }
  } finally {
    // Stops the tarball's stream when the reading ends early (a refusal, an aborted sync).
    await members.return?.();
  }
}

/**
 * Chunks of an archive's members, two at a time: the next member is inflated on this thread while
 * the decode worker parses the one before (one at a time, a zip of NDJSON ran at 0.90× the
 * Records folder's events/s; `npm run bench -- --only integrity`). Each is held in memory while
 * it is decoded, so at most two members' bytes are.
 * Refused members are recorded with their reason without being decoded.
 */
export async function* archiveChunks(objectSource: string, members: AsyncIterable<Member>, ctx: SourceContext): AsyncIterable<Chunk> {
  const refusals = new Map<string, string>();
  const noted = async function* () {
    for await (const m of members) {
      if (m.refused) refusals.set(m.key, m.refused);
      yield m;
    }
  };
  yield* fileChunks<Member>(
    {
      objectSource,
      concurrency: 2,
      list: noted,
      read: async (m) => {
        if (m.unreadable) throw new Error(m.unreadable);
        return { bytes: m.bytes ?? new Uint8Array(0) };
      },
    },
    refusing(ctx, refusals),
  );
}

/** A context whose decoding records the keys in `refusals` as failed with their reason, unread. */
export function refusing(ctx: SourceContext, refusals: Map<string, string>): SourceContext {
  return {
    ...ctx,
    decode: (key, bytes, metadata) => (refusals.has(key) ? Promise.resolve(refusedObject(key, refusals.get(key)!)) : ctx.decode(key, bytes, metadata)),
    decodeFile: (key, file) => (refusals.has(key) ? Promise.resolve(refusedObject(key, refusals.get(key)!)) : ctx.decodeFile(key, file)),
  };
}

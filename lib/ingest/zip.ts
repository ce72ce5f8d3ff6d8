// Reading .zip archives: the central directory, then one entry at a time, inflated within bounds
// (zlib's raw inflate, native, bounded by maxOutputLength). The directory is read here, strictly, because
// fflate's unzipSync neither exposes an entry's flags (encryption) nor bounds its inflation: it
// inflates into a buffer of the DECLARED size and keeps inflating past it, so a lying size costs
// the whole stream's CPU. Nothing is ever written to disk: entries are bytes in memory.
import { strFromU8 } from "fflate";
import { crc32, inflateRawSync } from "node:zlib";

/** Random access to the archive's bytes: a file on disk, or bytes in memory. */
export interface ZipSource {
  size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export function bufferZipSource(bytes: Uint8Array): ZipSource {
  return {
    size: bytes.length,
    read: async (offset, length) => {
      if (offset < 0 || offset + length > bytes.length) throw new ZipError("truncated: an entry or record lies past the end of the archive");
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** The archive itself is unreadable (truncated, corrupt): nothing more can be read from it. */
export class ZipError extends Error {}

export interface ZipEntry {
  /** The name as stored (UTF-8 when flagged so, else read as Latin-1). */
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  /** Uncompressed size as the central directory declares it (it may lie). */
  size: number;
  localOffset: number;
}

export const isEncrypted = (e: ZipEntry) => (e.flags & 1) !== 0;

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** The end record is 22 bytes plus a comment of at most 65535. */
const EOCD_SEARCH = 22 + 0xffff;
/** A central directory larger than this is not an archive anyone hands over (100k entries take ~15 MB). */
const MAX_DIRECTORY_BYTES = 64 * 2 ** 20;

const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
const u64 = (b: Uint8Array, o: number) => u32(b, o) + u32(b, o + 4) * 0x100000000;

/** Where the central directory is and how many entries it declares. */
export async function zipDirectoryInfo(src: ZipSource): Promise<{ count: number; offset: number; size: number }> {
  const tailLength = Math.min(src.size, EOCD_SEARCH);
  const tailStart = src.size - tailLength;
  const tail = await src.read(tailStart, tailLength);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (u32(tail, i) === EOCD && i + 22 + u16(tail, i + 20) <= tail.length) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new ZipError("truncated or corrupt zip: no end of central directory record");
  if (u16(tail, at + 4) !== 0 || u16(tail, at + 6) !== 0) throw new ZipError("split (multi-part) zip archives are not read");
  let count = u16(tail, at + 10);
  let size = u32(tail, at + 12);
  let offset = u32(tail, at + 16);
  let end = tailStart + at;
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    // ZIP64: the real figures are in the ZIP64 end record, found through the locator before this one.
    if (at < 20 || u32(tail, at - 20) !== ZIP64_LOCATOR) throw new ZipError("corrupt zip: ZIP64 sizes without a ZIP64 locator");
    const recAt = u64(tail, at - 12);
    if (recAt + 56 > end) throw new ZipError("corrupt zip: ZIP64 end record outside the archive");
    const rec = await src.read(recAt, 56);
    if (u32(rec, 0) !== ZIP64_EOCD) throw new ZipError("corrupt zip: no ZIP64 end record where the locator points");
    count = u64(rec, 32);
    size = u64(rec, 40);
    offset = u64(rec, 48);
    end = recAt;
  }
  if (offset + size > end) throw new ZipError("truncated or corrupt zip: the central directory lies outside the archive");
  return { count, offset, size };
}

/** The entries of the central directory, in its order. */
export async function readZipDirectory(src: ZipSource, info: { count: number; offset: number; size: number }): Promise<ZipEntry[]> {
  if (info.size > MAX_DIRECTORY_BYTES) throw new ZipError(`central directory of ${info.size} bytes: larger than any archive of log files needs; refused`);
  const cd = await src.read(info.offset, info.size);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < info.count; i++) {
    if (p + 46 > cd.length || u32(cd, p) !== CENTRAL) throw new ZipError(`corrupt zip: central directory record ${i + 1} of ${info.count} is missing or damaged`);
    const flags = u16(cd, p + 8);
    const nameLength = u16(cd, p + 28);
    const extraLength = u16(cd, p + 30);
    const commentLength = u16(cd, p + 32);
    const next = p + 46 + nameLength + extraLength + commentLength;
    if (next > cd.length) throw new ZipError(`corrupt zip: central directory record ${i + 1} runs past the directory`);
    const e: ZipEntry = {
      // Bit 11: the name is UTF-8; otherwise code page 437, read as Latin-1 (the names we care about are ASCII).
      name: strFromU8(cd.subarray(p + 46, p + 46 + nameLength), !(flags & 0x800)),
      flags,
      method: u16(cd, p + 10),
      crc: u32(cd, p + 16),
      compressedSize: u32(cd, p + 20),
      size: u32(cd, p + 24),
      localOffset: u32(cd, p + 42),
    };
    zip64Fields(e, cd.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength));
    entries.push(e);
    p = next;
  }
  return entries;
}

/** ZIP64 extra field (id 1): the 64-bit values of the fields that hold 0xffffffff, in this order. */
function zip64Fields(e: ZipEntry, extra: Uint8Array) {
  const wanted = (["size", "compressedSize", "localOffset"] as const).filter((k) => e[k] === 0xffffffff);
  if (!wanted.length) return;
  for (let q = 0; q + 4 <= extra.length; q += 4 + u16(extra, q + 2)) {
    if (u16(extra, q) !== 1) continue;
    const len = u16(extra, q + 2);
    if (len < wanted.length * 8 || q + 4 + len > extra.length) break;
    wanted.forEach((k, j) => (e[k] = u64(extra, q + 4 + j * 8)));
    return;
  }
  throw new ZipError(`corrupt zip: "${e.name}" has 64-bit sizes without a ZIP64 field`);
}

/** The entry's compressed bytes, after checking its local header agrees with the directory. */
export async function entryData(src: ZipSource, e: ZipEntry, directoryOffset: number): Promise<{ data: Uint8Array; flags: number } | { reason: string }> {
  if (e.localOffset + 30 > directoryOffset) return { reason: "corrupt zip entry: its local header lies outside the archive's data" };
  const head = await src.read(e.localOffset, 30);
  if (u32(head, 0) !== LOCAL) return { reason: "corrupt zip entry: no local header where the directory points" };
  const start = e.localOffset + 30 + u16(head, 26) + u16(head, 28);
  if (start + e.compressedSize > directoryOffset) return { reason: "truncated or corrupt zip entry: its data runs past the archive's data" };
  return { data: await src.read(start, e.compressedSize), flags: u16(head, 6) };
}

/**
 * Inflates a deflated entry to at most `e.size` bytes (the caller has bounded that), with zlib's
 * native raw inflate: `maxOutputLength` stops it as soon as the output would pass the declared
 * size, so a size that lies costs at most that much work, not the stream's. (fflate's inflate in
 * JavaScript, tried first, made a zip of NDJSON import at 0.92× a Records folder's events/s.)
 */
export function inflateEntry(data: Uint8Array, e: ZipEntry): { bytes: Uint8Array } | { reason: string; inflated: number } {
  if (e.method === 0) {
    if (data.length !== e.size) return { reason: `corrupt zip entry: stored ${data.length} bytes, declared ${e.size}`, inflated: 0 };
    return checked(data, e);
  }
  let out: Buffer;
  try {
    out = inflateRawSync(data, { maxOutputLength: Math.max(1, e.size) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      // zlib stops at the first output past the bound: what it kept is the declared size and a byte.
      return { reason: `inflates past its declared ${e.size} bytes: refused as a likely decompression bomb (inflation stopped after ${e.size + 1} bytes)`, inflated: e.size + 1 };
    }
    return { reason: `corrupt zip entry: ${(err as Error).message}`, inflated: 0 };
  }
  if (out.length !== e.size) return { reason: `corrupt zip entry: inflates to ${out.length} bytes, declared ${e.size}`, inflated: out.length };
  return checked(out, e);
}

function checked(bytes: Uint8Array, e: ZipEntry): { bytes: Uint8Array } | { reason: string; inflated: number } {
  if (crc32(bytes) !== e.crc) return { reason: "corrupt zip entry: CRC-32 does not match its content", inflated: bytes.length };
  return { bytes };
}

/**
 * The most deflate can make of `size` bytes: stored blocks add 5 bytes per 65535 (zlib's
 * deflateBound is about this). A larger compressed size is corrupt or hostile, and would have us
 * read that much for nothing.
 */
export function maxCompressedSize(size: number): number {
  return size + 5 * (Math.ceil(size / 16383) + 1) + 64;
}

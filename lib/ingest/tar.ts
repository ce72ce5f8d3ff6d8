// Reading tarballs (.tar, .tar.gz) in one streaming pass, from a file or from bytes in memory.
// Members are yielded with their bytes; those over one object's bound are drained, never kept.
import { Readable, Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import { MAX_GZIP_RATIO } from "./decode";

/** The archive's inflation broke the ratio bound: reported for the tarball, members read so far are kept. */
export class ArchiveBombError extends Error {}

/**
 * Counts what a tarball's gunzip puts out against what was read of the compressed bytes. Members
 * are bounded one by one, but a bomb of one huge member or many small ones would still be inflated
 * (and drained) whole: past one object's bound, the archive may expand at most MAX_GZIP_RATIO times.
 */
function inflationGuard(compressedRead: () => number, floor: number): Transform {
  let out = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      out += chunk.length;
      const read = compressedRead();
      if (out > floor && out > MAX_GZIP_RATIO * read) {
        done(new ArchiveBombError(`archive expands more than ${MAX_GZIP_RATIO} times its compressed size (${out} bytes from ${read}): refused as a likely decompression bomb; members before this point were read`));
      } else done(null, chunk);
    },
  });
}

export interface TarMember {
  name: string;
  size: number;
  mtime: number;
  /** The member's bytes, or null when it is larger than `limit` (drained unread). */
  bytes: Buffer | null;
}

/**
 * A tarball's regular files in archive order. `open` gives the raw stream and how many of its bytes
 * have been read so far (for the ratio bound of a gzipped one). Throws ArchiveBombError past the
 * bound, and tar-stream's error for a corrupt archive.
 */
export async function* tarMembers(open: () => { stream: Readable; bytesRead: () => number }, gzipped: boolean, limit: number): AsyncIterable<TarMember> {
  // Start the pipeline only when iteration begins: tar-stream drops entries emitted while no one
  // iterates, and then stalls waiting for them to be consumed.
  const extract = tar.extract();
  const { stream, bytesRead } = open();
  const stages: Readable[] = gzipped ? [stream, createGunzip(), inflationGuard(bytesRead, limit)] : [stream];
  for (const s of stages) s.on("error", (err) => extract.destroy(err));
  stages.reduce((from, to) => from.pipe(to as Transform)).pipe(extract);
  try {
    for await (const entry of extract) {
      const h = entry.header;
      if (h.type !== "file") {
        entry.resume();
        continue;
      }
      const size = h.size ?? 0;
      const mtime = h.mtime ? h.mtime.getTime() : 0;
      // tar-stream gives a member exactly the size its header declares.
      if (size > limit) {
        entry.resume(); // drained, never kept
        yield { name: h.name, size, mtime, bytes: null };
        continue;
      }
      const parts: Buffer[] = [];
      for await (const b of entry) parts.push(b as Buffer);
      yield { name: h.name, size, mtime, bytes: Buffer.concat(parts) };
    }
  } finally {
    for (const s of stages) s.destroy();
  }
}

/** A tarball in memory as a stream, counting what has been read of it. */
export function bytesTarStream(bytes: Uint8Array): () => { stream: Readable; bytesRead: () => number } {
  return () => {
    let read = 0;
    const CHUNK = 64 * 1024;
    const stream = Readable.from(
      (function* () {
        for (let at = 0; at < bytes.length; at += CHUNK) {
          const part = bytes.subarray(at, at + CHUNK);
          read += part.length;
          yield Buffer.from(part.buffer, part.byteOffset, part.byteLength);
        }
      })(),
    );
    return { stream, bytesRead: () => read };
  };
}

// Local source: a directory (recursive), one log file, or a .tar / .tar.gz of log files.
import { createReadStream } from "node:fs";
import { open, readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { createGunzip } from "node:zlib";
import { Readable, Transform } from "node:stream";
import tar from "tar-stream";
import { MAX_GZIP_RATIO, maxObjectBytes, objectTooLarge } from "../decode";
import { fileChunks, type FileEntry } from "../files";
import type { Chunk, SourceContext, SourcePlugin } from "../source";

/** Local objects of every folder sync share one identity, keyed by absolute path. */
export const LOCAL_OBJECT_SOURCE = "file";

const TAR_NAME = /\.(tar|tar\.gz|tgz)$/i;

async function* walk(dir: string): AsyncIterable<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  // Byte order, like an S3 listing, so runs are reproducible.
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(full);
    else if (e.isFile()) yield full;
  }
}

/**
 * A context whose decoding records the objects in `oversized` (key → size, or null when only
 * known to be over) as too large without reading them: their bytes never reach memory.
 */
function skippingOversized(ctx: SourceContext, oversized: Map<string, number | null>): SourceContext {
  return {
    ...ctx,
    decode: (key, bytes, metadata) => (oversized.has(key) ? Promise.resolve(objectTooLarge(key, oversized.get(key)!)) : ctx.decode(key, bytes, metadata)),
    decodeFile: (key, file) => (oversized.has(key) ? Promise.resolve(objectTooLarge(key, oversized.get(key)!)) : ctx.decodeFile(key, file)),
  };
}

/** The archive's inflation broke the ratio bound: reported for the tarball, members read so far are kept. */
class ArchiveBombError extends Error {}

/**
 * Counts what a tarball's gunzip puts out against what was read of the file. Members are bounded
 * one by one, but a bomb of one huge member or many small ones would still be inflated (and
 * drained) whole: past one object's bound, the archive may expand at most MAX_GZIP_RATIO times.
 */
function inflationGuard(file: { bytesRead: number }, floor: number): Transform {
  let out = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      out += chunk.length;
      if (out > floor && out > MAX_GZIP_RATIO * file.bytesRead) {
        done(new ArchiveBombError(`archive expands more than ${MAX_GZIP_RATIO} times its compressed size (${out} bytes from ${file.bytesRead}): refused as a likely decompression bomb; members before this point were read`));
      } else done(null, chunk);
    },
  });
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, "r");
  try {
    const buf = Buffer.alloc(2);
    await fh.read(buf, 0, 2, 0);
    return buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

export class FolderSource implements SourcePlugin {
  readonly id: string;

  constructor(private readonly root: string) {
    this.id = `file:${path.resolve(root)}`;
  }

  async *chunks(ctx: SourceContext): AsyncIterable<Chunk> {
    const root = await realpath(this.root).catch(() => {
      throw new Error(`${this.root}: no such file or directory`);
    });
    const st = await stat(root);
    if (st.isFile() && TAR_NAME.test(root)) {
      yield* this.tarChunks(root, ctx);
      return;
    }
    // A plain file over the bound is recorded as too large without reading it (a gzipped one is
    // bounded while it is inflated, lib/ingest/decode.ts).
    const oversized = new Map<string, number | null>();
    const limit = maxObjectBytes();
    yield* fileChunks(
      {
        objectSource: LOCAL_OBJECT_SOURCE,
        concurrency: 4,
        list: async function* () {
          // Walk the whole tree first (cheap next to reading the files) so progress has a true total.
          const entries: FileEntry[] = [];
          const files = st.isDirectory() ? walk(root) : (async function* () { yield root; })();
          for await (const f of files) {
            const s = await stat(f);
            if (s.size > limit) oversized.set(f, s.size);
            entries.push({ key: f, size: s.size, etag: `${s.size}-${Math.trunc(s.mtimeMs)}` });
          }
          ctx.progress.phase = "reading";
          ctx.progress.total += entries.length;
          ctx.progress.totalFinal = true;
          yield* entries;
        },
        read: async (e) => ({ path: e.key }), // read by the decoding worker
      },
      skippingOversized(ctx, oversized),
    );
  }

  /** Tarball members are read in one streaming pass; members are keyed "<tarball>!<member>". */
  private async *tarChunks(tarPath: string, ctx: SourceContext): AsyncIterable<Chunk> {
    ctx.progress.phase = "reading archive";
    const gzipped = await isGzip(tarPath);
    const limit = maxObjectBytes();
    // Members over the bound are drained, not kept, and recorded as too large.
    const oversized = new Map<string, number | null>();
    type Member = FileEntry & { bytes: Buffer; unreadable?: string };
    const members = async function* (): AsyncIterable<Member> {
      // Start the pipeline only when iteration begins: tar-stream drops entries emitted while no
      // one iterates, and then stalls waiting for them to be consumed.
      const extract = tar.extract();
      const file = createReadStream(tarPath);
      const stages: Readable[] = gzipped ? [file, createGunzip(), inflationGuard(file, limit)] : [file];
      for (const s of stages) s.on("error", (err) => extract.destroy(err));
      stages.reduce((from, to) => from.pipe(to as Transform)).pipe(extract);
      try {
        for await (const entry of extract) {
          const h = entry.header;
          if (h.type !== "file") {
            entry.resume();
            continue;
          }
          const key = `${tarPath}!${h.name}`;
          const mtime = h.mtime ? h.mtime.getTime() : 0;
          const etag = `${h.size}-${mtime}`;
          // tar-stream gives a member exactly the size its header declares.
          if ((h.size ?? 0) > limit) {
            oversized.set(key, h.size ?? null);
            entry.resume(); // drained, never kept
            yield { key, size: h.size ?? null, etag, bytes: Buffer.alloc(0) };
            continue;
          }
          const parts: Buffer[] = [];
          for await (const b of entry) parts.push(b as Buffer);
          yield { key, size: h.size ?? null, etag, bytes: Buffer.concat(parts) };
        }
      } catch (err) {
        if (!(err instanceof ArchiveBombError)) throw err;
        // Reported as the tarball's own failure (retried next run, like an unreadable object);
        // the members yielded so far still commit.
        for (const s of stages) s.destroy();
        yield { key: tarPath, size: null, etag: null, bytes: Buffer.alloc(0), unreadable: err.message };
      }
    };
    // Members arrive once, in archive order: "reading" one is taking the bytes already in hand.
    yield* fileChunks<Member>(
      {
        objectSource: LOCAL_OBJECT_SOURCE,
        concurrency: 1,
        list: members,
        read: async (e) => {
          if (e.unreadable) throw new Error(e.unreadable);
          return { bytes: e.bytes };
        },
      },
      skippingOversized(ctx, oversized),
    );
  }
}

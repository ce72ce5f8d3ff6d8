// Local source: a directory (recursive), one log file, or a .tar / .tar.gz of log files.
import { createReadStream } from "node:fs";
import { open, readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";
import tar from "tar-stream";
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
            entries.push({ key: f, size: s.size, etag: `${s.size}-${Math.trunc(s.mtimeMs)}` });
          }
          ctx.progress.phase = "reading";
          ctx.progress.total += entries.length;
          ctx.progress.totalFinal = true;
          yield* entries;
        },
        read: async (e) => ({ path: e.key }), // read by the decoding worker
      },
      ctx,
    );
  }

  /** Tarball members are read in one streaming pass; members are keyed "<tarball>!<member>". */
  private async *tarChunks(tarPath: string, ctx: SourceContext): AsyncIterable<Chunk> {
    ctx.progress.phase = "reading archive";
    const gzipped = await isGzip(tarPath);
    const members = async function* () {
      // Start the pipeline only when iteration begins: tar-stream drops entries emitted while no
      // one iterates, and then stalls waiting for them to be consumed.
      const extract = tar.extract();
      let input: Readable = createReadStream(tarPath);
      if (gzipped) input = input.pipe(createGunzip());
      input.on("error", (err) => extract.destroy(err));
      input.pipe(extract);
      for await (const entry of extract) {
        const h = entry.header;
        if (h.type !== "file") {
          entry.resume();
          continue;
        }
        const parts: Buffer[] = [];
        for await (const b of entry) parts.push(b as Buffer);
        const mtime = h.mtime ? h.mtime.getTime() : 0;
        yield { key: `${tarPath}!${h.name}`, size: h.size ?? null, etag: `${h.size}-${mtime}`, bytes: Buffer.concat(parts) };
      }
    };
    // Members arrive once, in archive order: "reading" one is taking the bytes already in hand.
    yield* fileChunks<FileEntry & { bytes: Buffer }>(
      {
        objectSource: LOCAL_OBJECT_SOURCE,
        concurrency: 1,
        list: members,
        read: async (e) => ({ bytes: e.bytes }),
      },
      ctx,
    );
  }
}

// Local source: a directory (recursive), one file, or an archive (.zip, .tar, .tar.gz) — every file
// recognised by content, not by name. Archives found in a directory are read like the source's own
// (lib/ingest/archive.ts), after its plain files.
import { readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { maxObjectBytes, objectTooLarge } from "../decode";
import { archiveChunks, archiveMembers, refusing, sniffFile, type ArchiveInput } from "../archive";
import { fileChunks, type FileEntry } from "../files";
import type { Chunk, SourceContext, SourcePlugin } from "../source";

/** Local objects of every folder sync share one identity, keyed by absolute path. */
export const LOCAL_OBJECT_SOURCE = "file";

/** No archive is smaller: a tar is two 512-byte blocks at least, an empty zip 22 bytes (and holds nothing). */
const MIN_ARCHIVE_BYTES = 64;

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

const etagOf = (s: { size: number; mtimeMs: number }) => `${s.size}-${Math.trunc(s.mtimeMs)}`;

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
    const archives: (ArchiveInput & { size: number })[] = [];
    // A plain file over the bound is recorded as too large without reading it (a gzipped one is
    // bounded while it is inflated, lib/ingest/decode.ts).
    const oversized = new Map<string, string>();
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
            const kind = s.size >= MIN_ARCHIVE_BYTES ? sniffFile(f) : null;
            if (kind) {
              archives.push({ key: f, etag: etagOf(s), kind, path: f, size: s.size });
              continue;
            }
            if (s.size > limit) oversized.set(f, objectTooLarge(f, s.size, limit).reason!);
            entries.push({ key: f, size: s.size, etag: etagOf(s) });
          }
          ctx.progress.phase = "reading";
          ctx.progress.total += entries.length;
          ctx.progress.totalFinal = true;
          yield* entries;
        },
        read: async (e) => ({ path: e.key }), // read by the decoding worker
      },
      refusing(ctx, oversized),
    );
    for (const a of archives) {
      // Members arrive as the archive is read: the total grows with them.
      ctx.progress.phase = "reading archive";
      ctx.progress.totalFinal = false;
      yield* archiveChunks(LOCAL_OBJECT_SOURCE, archiveMembers(a, LOCAL_OBJECT_SOURCE, ctx, a.size), ctx);
    }
  }
}

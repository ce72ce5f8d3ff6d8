// Files uploaded in the console (POST /api/uploads), synced by the same engine and read like a
// folder's files: each recognised by content, archives through lib/ingest/archive.ts. The bytes
// stay in memory; nothing is written to disk. Objects are recorded under the object source
// "upload", keyed "upload:<first 12 hex of the file's SHA-256>/<name>[!member]": the same file
// uploaded again is recognised (nothing read twice), and two files of one name never collide.
import { createHash } from "node:crypto";
import { archiveChunks, archiveMembers, sniffArchive, SNIFF_BYTES, type ArchiveInput } from "../archive";
import { fileChunks, type FileEntry } from "../files";
import type { Chunk, SourceContext, SourcePlugin } from "../source";

export const UPLOAD_OBJECT_SOURCE = "upload";

export interface UploadedFile {
  name: string;
  bytes: Uint8Array;
}

/** A client's file name as a key part: its last path segment, printable, at most 200 characters. */
export function uploadName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? "";
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, "").replace(/!/g, "_").slice(0, 200).trim();
  return clean || "upload";
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

interface Prepared {
  key: string;
  etag: string;
  bytes: Uint8Array;
}

export class UploadSource implements SourcePlugin {
  readonly id: string;
  private readonly files: Prepared[];

  constructor(files: UploadedFile[]) {
    if (files.length === 0) throw new Error("an upload holds at least one file");
    this.files = files.map((f) => {
      const hash = sha256(f.bytes);
      // "!" separates an archive from its members in a key: kept out of the name itself.
      return { key: `upload:${hash.slice(0, 12)}/${uploadName(f.name)}`, etag: hash, bytes: f.bytes };
    });
    // Names the run (and its lock): the same upload twice waits for the first, then reads nothing.
    const all = this.files.length === 1 ? this.files[0].etag : sha256(Buffer.from(this.files.map((f) => f.etag).join("\n")));
    const first = this.files[0].key.slice(this.files[0].key.indexOf("/") + 1);
    this.id = `upload:${all.slice(0, 12)}/${first}${this.files.length > 1 ? ` and ${this.files.length - 1} more` : ""}`;
  }

  async *chunks(ctx: SourceContext): AsyncIterable<Chunk> {
    const plain: (FileEntry & { bytes: Uint8Array })[] = [];
    const archives: (ArchiveInput & { bytes: Uint8Array })[] = [];
    for (const f of this.files) {
      const kind = sniffArchive(f.bytes.subarray(0, SNIFF_BYTES));
      if (kind) archives.push({ key: f.key, etag: f.etag, kind, bytes: f.bytes });
      else plain.push({ key: f.key, etag: f.etag, size: f.bytes.length, bytes: f.bytes });
    }
    ctx.progress.phase = "reading";
    yield* fileChunks(
      {
        objectSource: UPLOAD_OBJECT_SOURCE,
        concurrency: 2,
        list: async function* () {
          yield* plain;
        },
        read: async (e) => ({ bytes: e.bytes }),
      },
      ctx,
    );
    for (const a of archives) {
      ctx.progress.phase = "reading archive";
      yield* archiveChunks(UPLOAD_OBJECT_SOURCE, archiveMembers(a, UPLOAD_OBJECT_SOURCE, ctx, a.bytes.length), ctx);
    }
  }
}

// The evidence bundle: one zip of events.csv, events.ndjson, manifest.json and manifest.txt,
// streamed. The CSV and NDJSON are the plain exports' streams, byte for byte (copy-csv.ts,
// stream.ts), hashed and counted on their way into the zip; each file is read after the previous
// one ends, so the bundle holds one database connection and one chunk at a time. The two reads
// are two snapshots: the caller freezes the query (an asOf bound) so both hold the same set.
//
// Deflate runs in node:zlib (native, on the thread pool) behind fflate's Zip, which writes the
// archive structure: fflate's own deflater is pure JavaScript on the event loop, about half as
// fast. fflate writes no ZIP64, so an archive past 4 GiB is stopped with an error rather than
// sent corrupt.
import { createHash, type Hash } from "node:crypto";
import { createDeflateRaw, type DeflateRaw } from "node:zlib";
import { Zip, ZipPassThrough } from "fflate";
import type pg from "pg";
import { integrityOfQuery, type EvidenceIntegrity } from "../integrity/evidence";
import type { EventQuery } from "../query/params";
import { ExportConnection } from "./connection";
import { countingStream } from "./count-rows";
import type { CsvHeaderKind } from "./csv";
import { manifestText, type EvidenceManifest, type ManifestFile } from "./manifest";
import { exportStream } from "./stream";

/** The largest size or offset a ZIP without ZIP64 records (32 bits). */
export const ZIP32_LIMIT = 0xffffffff;
/** Source chunks are gathered to this size before one deflate call (one thread-pool round trip). */
const DEFLATE_INPUT = 256 * 1024;

export class BundleTooLargeError extends Error {
  constructor() {
    super("the evidence bundle would pass 4 GiB, more than a ZIP file without ZIP64 can hold: narrow the range or export CSV and NDJSON separately");
    this.name = "BundleTooLargeError";
  }
}

/** A zip entry deflated by node:zlib; fflate's ZipPassThrough keeps its CRC and size. */
class ZlibEntry extends ZipPassThrough {
  private readonly z: DeflateRaw;
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private failure: Error | null = null;

  constructor(name: string, mtime: Date) {
    super(name);
    this.compression = 8;
    this.mtime = mtime;
    this.z = createDeflateRaw({ level: 6 });
    this.z.on("data", (c: Buffer) => this.ondata(null, c as Uint8Array<ArrayBuffer>, false));
    this.z.on("error", (err) => (this.failure = err));
  }

  /** fflate calls this from push() after updating the CRC; output leaves through z's "data". */
  protected override process(): void {}

  /** Adds bytes; resolves once zlib has taken them (its output has then been handed on). */
  async write(chunk: Uint8Array): Promise<void> {
    this.push(chunk, false);
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes >= DEFLATE_INPUT) await this.flushHeld();
  }

  /** The last bytes: zlib ends, then the entry's data descriptor is written. */
  async finish(): Promise<void> {
    await this.flushHeld();
    this.push(new Uint8Array(0), true); // finalises the CRC
    await new Promise<void>((resolve, reject) => {
      this.z.once("end", resolve);
      this.z.once("error", reject);
      this.z.end();
    });
    this.ondata(null, new Uint8Array(0), true);
  }

  private async flushHeld(): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.heldBytes) return;
    const data = this.held.length === 1 ? this.held[0] : Buffer.concat(this.held, this.heldBytes);
    this.held = [];
    this.heldBytes = 0;
    await new Promise<void>((resolve, reject) => this.z.write(data, (err) => (err ? reject(err) : resolve())));
  }

  destroy(): void {
    this.z.destroy();
  }
}

export interface BundleOptions {
  pool: pg.Pool;
  /** The set, frozen (asOf set): the CSV and NDJSON are two reads of it. */
  query: EventQuery;
  header: CsvHeaderKind;
  /** The manifest but for what reading tells: rows, files, integrity. */
  manifest: Omit<EvidenceManifest, "rows" | "files" | "integrity">;
  /** Runs once, however the bundle ends. */
  onEnd: (r: { complete: boolean; rows: { csv: number; ndjson: number }; manifestSha256: string | null }) => void;
  /** The request's: a client gone before reading anything still stops the reads. */
  signal?: AbortSignal;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

export function evidenceBundle(opts: BundleOptions): ReadableStream<Uint8Array> {
  const { pool, query } = opts;
  const mtime = new Date(opts.manifest.generatedAt);
  const out: Uint8Array[] = []; // zip bytes waiting to be read
  let zipped = 0;
  let zipError: Error | null = null;
  const zip = new Zip((err, data) => {
    if (err) zipError = err;
    else if (data.length) {
      out.push(data);
      zipped += data.length;
    }
  });
  const rows = { csv: 0, ndjson: 0 };
  let stopped = false;
  let ended = false;
  // What cancel() must stop: the file being read, its entry, the integrity query.
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let entry: ZlibEntry | undefined;
  let integrityConn: ExportConnection | undefined;

  const end = (complete: boolean, manifestSha256: string | null) => {
    if (ended) return;
    ended = true;
    opts.onEnd({ complete, rows, manifestSha256 });
  };
  const stop = () => {
    if (stopped) return;
    stopped = true;
    reader?.cancel().catch(() => {});
    entry?.destroy();
    integrityConn?.cancel();
    end(false, null);
  };
  const checkSize = () => {
    if (zipError) throw zipError;
    if (zipped > ZIP32_LIMIT || (entry && entry.size > ZIP32_LIMIT)) throw new BundleTooLargeError();
  };

  /** One data file into the zip: streamed, hashed, counted. */
  async function* dataFile(name: string, format: "csv" | "ndjson", source: () => ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array, ManifestFile> {
    const hash: Hash = createHash("sha256");
    let bytes = 0;
    entry = new ZlibEntry(name, mtime);
    zip.add(entry);
    reader = countingStream(source(), format, (n) => (rows[format] = n)).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (stopped) return { name, bytes, sha256: "" };
      if (done) break;
      hash.update(value);
      bytes += value.length;
      await entry.write(value);
      checkSize();
      while (out.length) yield out.shift()!;
    }
    reader = undefined;
    await entry.finish();
    checkSize();
    while (out.length) yield out.shift()!;
    return { name, bytes, sha256: hash.digest("hex") };
  }

  async function* smallFile(name: string, data: Uint8Array): AsyncGenerator<Uint8Array> {
    entry = new ZlibEntry(name, mtime);
    zip.add(entry);
    await entry.write(data);
    await entry.finish();
    checkSize();
    while (out.length) yield out.shift()!;
  }

  async function readIntegrity(): Promise<EvidenceIntegrity | null> {
    // An export's connection: read-only, no statement time limit (the set may be millions of
    // events), cancelled with the bundle.
    integrityConn = new ExportConnection(pool);
    const client = await integrityConn.begin();
    if (!client) return null;
    try {
      const integrity = await integrityOfQuery(client, query);
      await integrityConn.commit();
      return integrity;
    } catch (err) {
      integrityConn.fail(err);
      throw err;
    }
  }

  async function* bundle(): AsyncGenerator<Uint8Array> {
    // Entries in name order; the manifest can only come after the files it describes.
    const csv = yield* dataFile("events.csv", "csv", () => exportStream(pool, query, "csv", { header: opts.header }));
    if (stopped) return;
    const ndjson = yield* dataFile("events.ndjson", "ndjson", () => exportStream(pool, query, "ndjson"));
    if (stopped) return;
    const integrity = await readIntegrity();
    if (stopped || !integrity) return;
    const manifest: EvidenceManifest = { ...opts.manifest, rows: { ...rows }, files: [csv, ndjson], integrity };
    const json = new TextEncoder().encode(JSON.stringify(manifest, null, 2) + "\n");
    const jsonSha = sha256(json);
    yield* smallFile("manifest.json", json);
    yield* smallFile("manifest.txt", new TextEncoder().encode(manifestText(manifest, jsonSha)));
    zip.end();
    checkSize();
    while (out.length) yield out.shift()!;
    end(true, jsonSha);
  }

  const it = bundle();
  if (opts.signal?.aborted) stop();
  else opts.signal?.addEventListener("abort", stop, { once: true });
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await it.next();
          if (stopped) return; // cancelled meanwhile: nobody reads any more
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (err) {
          if (stopped) return;
          stopped = true;
          reader?.cancel().catch(() => {});
          entry?.destroy();
          console.error("trailscope: evidence bundle failed:", err);
          end(false, null);
          controller.error(err);
        }
      },
      cancel() {
        stop();
      },
    },
    { highWaterMark: 0 },
  );
}

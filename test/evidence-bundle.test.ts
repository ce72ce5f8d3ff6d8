// The evidence bundle read back by an independent reader: the system's unzip (its CRC checks
// included) and sha256sum. Every hash and row count in the manifest is recomputed from the
// extracted files and compared with countEvents; the CSV and NDJSON are the plain exports' exact
// bytes; a sync that stores events in the range between the CSV and the NDJSON reads changes
// neither (the bundle is frozen by an asOf bound); a client that goes away frees everything.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freezeInstant } from "../lib/auth/shares";
import { writeAwsLogsCorpus } from "../lib/demo/corpus";
import { evidenceBundle } from "../lib/export/bundle";
import { exportStream } from "../lib/export/stream";
import { csvHeader, type CsvHeaderKind } from "../lib/export/csv";
import { MANIFEST_FORMAT, manifestQuery, trailscopeVersion, type EvidenceManifest } from "../lib/export/manifest";
import { runSync } from "../lib/ingest/engine";
import { FolderSource } from "../lib/ingest/sources/folder";
import { countEvents } from "../lib/query/events";
import { parseEventQuery, type EventQuery } from "../lib/query/params";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { parseCsv } from "./helpers/csv";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";
import { readAll } from "./helpers/stream";
import { run } from "./helpers/run";

let t: TestDatabase;
let db: Db;
let work: string;
const quiet = { log: () => {}, decodeWorkers: 0 };
const END = new Date("2026-11-20T00:00:00Z");
const START = new Date(END.getTime() - 2 * 86400e3);
const ACCOUNTS = ["111122223333", "444455556666"];
const REGIONS = ["us-east-1", "eu-west-1"];
/** A filtered view inside the corpus' range. */
const VIEW = "readOnly=false&awsRegion=us-east-1&from=2026-11-18T06:00:00Z&to=2026-11-19T18:00:00Z";


const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

interface Built {
  q: EventQuery;
  dir: string;
  names: string[];
  manifest: EvidenceManifest;
  file: (name: string) => Promise<Buffer>;
  ended: { complete: boolean; rows: { csv: number; ndjson: number }; manifestSha256: string | null } | undefined;
}

let seq = 0;

/** Builds a bundle as the route does (frozen query, manifest), writes it to disk and unzips it. */
async function buildBundle(qs: string, opts: { pool?: pg.Pool; header?: CsvHeaderKind } = {}): Promise<Built> {
  const now = new Date();
  const params = new URLSearchParams(qs);
  const q = parseEventQuery(params, { now });
  const frozen = await freezeInstant(db.pool);
  if (!q.asOf || q.asOf > frozen) q.asOf = frozen;
  const header = opts.header ?? "keys";
  const built: Partial<Built> = { q };
  const stream = evidenceBundle({
    pool: opts.pool ?? db.pool,
    query: q,
    header,
    manifest: {
      format: MANIFEST_FORMAT,
      generatedAt: now.toISOString(),
      trailscopeVersion: await trailscopeVersion(),
      exportedBy: { kind: "user", name: "auditor@example.com", id: "user-1" },
      query: manifestQuery({ given: qs, params, q, now, header, baseUrl: "https://trail.example.com" }),
      accountScope: null,
    },
    onEnd: (r) => (built.ended = r),
  });
  const dir = path.join(work, `bundle-${++seq}`);
  await mkdir(dir);
  const zip = path.join(dir, "bundle.zip");
  await pipeline(Readable.fromWeb(stream as NodeReadableStream<Uint8Array>), createWriteStream(zip));
  const out = path.join(dir, "x");
  const unzip = await run("unzip", ["-q", zip, "-d", out]);
  expect(unzip.code, unzip.stderr).toBe(0);
  const list = await run("unzip", ["-Z1", zip]);
  built.dir = out;
  built.names = list.stdout.split("\n").filter(Boolean);
  built.file = (name) => readFile(path.join(out, name));
  built.manifest = JSON.parse((await built.file("manifest.json")).toString("utf8"));
  return built as Built;
}

async function syncCorpus(name: string, count: number, seed: number) {
  const dir = path.join(work, name);
  await writeAwsLogsCorpus(dir, { count, seed, start: START, end: END, accounts: ACCOUNTS, regions: REGIONS, trailName: `trail-${name}` });
  const s = await runSync(db, new FolderSource(dir), quiet);
  expect(s.ok, s.error).toBe(true);
}

beforeAll(async () => {
  t = await createTestDatabase("ts_bundle");
  await migrate(t.url);
  db = openDb(t.url, { max: 6 });
  work = await mkdtemp(path.join(tmpdir(), "trailscope-bundle-"));
  await syncCorpus("corpus", 3000, 11);
}, 180_000);

afterAll(async () => {
  await db?.close();
  await t?.drop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("evidence bundle", () => {
  it("holds the CSV, NDJSON and manifests in name order, every hash and row count as the manifest says, equal to countEvents", async () => {
    const b = await buildBundle(VIEW);
    expect(b.names).toEqual(["events.csv", "events.ndjson", "manifest.json", "manifest.txt"]);
    const m = b.manifest;
    expect(m.format).toBe("trailscope-evidence-1");
    expect(m.trailscopeVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(m.exportedBy).toEqual({ kind: "user", name: "auditor@example.com", id: "user-1" });

    // Hashes and sizes, recomputed from the extracted files.
    expect(m.files.map((f) => f.name)).toEqual(["events.csv", "events.ndjson"]);
    for (const f of m.files) {
      const bytes = await b.file(f.name);
      expect(bytes.length, f.name).toBe(f.bytes);
      expect(sha256(bytes), f.name).toBe(f.sha256);
    }
    const manifestJson = await b.file("manifest.json");
    expect(b.ended).toEqual({ complete: true, rows: m.rows, manifestSha256: sha256(manifestJson) });

    // Row counts: CSV records after the header, NDJSON lines; the same as a count of the query.
    const csvText = (await b.file("events.csv")).toString("utf8");
    const table = parseCsv(csvText);
    const ndLines = (await b.file("events.ndjson")).toString("utf8").split("\n").filter(Boolean);
    const count = await countEvents(db.pool, b.q);
    expect(count).toBeGreaterThan(20);
    expect(count).toBeLessThan(3000);
    expect(table.length - 1).toBe(count);
    expect(ndLines.length).toBe(count);
    expect(m.rows).toEqual({ csv: count, ndjson: count });
    // The same events in the same order in both files.
    const idCol = table[0].indexOf("eventID");
    expect(ndLines.map((l) => JSON.parse(l).eventID)).toEqual(table.slice(1).map((r) => r[idCol]));
    for (const l of ndLines) expect(JSON.parse(l)).toMatchObject({ readOnly: false, awsRegion: "us-east-1" });

    // The plain exports of the same query are the same bytes.
    expect(await readAll(exportStream(db.pool, b.q, "csv"))).toBe(csvText);
    expect(await readAll(exportStream(db.pool, b.q, "ndjson"))).toBe((await b.file("events.ndjson")).toString("utf8"));

    // The query: as given, frozen, and as a link.
    expect(m.query.string).toBe(VIEW);
    expect(m.query.asOf).toBe(b.q.asOf!.toISOString());
    expect(m.query.from).toBe("2026-11-18T06:00:00.000Z");
    expect(m.query.to).toBe("2026-11-19T18:00:00.000Z");
    expect(m.query.filters).toEqual({ readOnly: ["false"], awsRegion: ["us-east-1"] });
    expect(m.query.url).toBe(`https://trail.example.com/events?${m.query.effective}`);
    expect(new URLSearchParams(m.query.effective).get("asOf")).toBe(m.query.asOf);
    expect(await countEvents(db.pool, parseEventQuery(new URLSearchParams(m.query.effective)))).toBe(count);

    // Integrity: every event accounted for; a folder has no signatures to check.
    const i = m.integrity;
    expect(i.events.verified + i.events.unverified + i.events.failed).toBe(count);
    expect(i.events.failed).toBe(0);
    expect(i.logFiles.total).toBeGreaterThan(0);
    expect(i.signaturesChecked).toBe("none");
    expect(i.validatedAt).not.toBeNull();
  }, 60_000);

  it("manifest.txt says it in words, and sha256sum -c checks the extracted folder with it", async () => {
    const b = await buildBundle(VIEW);
    const text = (await b.file("manifest.txt")).toString("utf8");
    const m = b.manifest;
    expect(text).toContain(`Query:       ${VIEW}`);
    expect(text).toContain(`As of:       ${m.query.asOf}`);
    expect(text).toContain(`Rows:        ${m.rows.csv.toLocaleString("en-US")} events`);
    expect(text).toContain("Signatures not checked: the digests had none to check");
    expect(text).toMatch(/Events: [\d,]+ verified, [\d,]+ unverified/);
    expect(text).toContain("Completeness:");
    for (const f of m.files) expect(text).toContain(`${f.sha256}  ${f.name}\n`);
    const check = await run("sha256sum", ["-c", "--strict", "manifest.txt"], b.dir);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout.trim().split("\n").sort()).toEqual(["events.csv: OK", "events.ndjson: OK", "manifest.json: OK"]);
    // And it notices a changed file.
    await run("sh", ["-c", "printf x >> events.csv"], b.dir);
    const bad = await run("sha256sum", ["-c", "--strict", "manifest.txt"], b.dir);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toContain("events.csv: FAILED");
  }, 60_000);

  it("headers=labels changes only the CSV's header row, in the bundle as in the plain export", async () => {
    const b = await buildBundle(VIEW, { header: "labels" });
    const csv = (await b.file("events.csv")).toString("utf8");
    expect(csv.startsWith(csvHeader("labels"))).toBe(true);
    expect(csv.startsWith('"Time","User name","Event name"')).toBe(true);
    expect(b.manifest.query.csvHeader).toBe("labels");
    const keys = await readAll(exportStream(db.pool, b.q, "csv"));
    expect(csv.slice(csvHeader("labels").length)).toBe(keys.slice(csvHeader("keys").length));
    expect(await readAll(exportStream(db.pool, b.q, "csv", { header: "labels" }))).toBe(csv);
  }, 60_000);

  it("an empty set is a valid bundle: the header alone, no lines, zero counts", async () => {
    const b = await buildBundle("eventName=NoSuchEventEver&from=2026-11-18T00:00:00Z&to=2026-11-19T00:00:00Z");
    expect((await b.file("events.csv")).toString("utf8")).toBe(csvHeader("keys"));
    expect((await b.file("events.ndjson")).length).toBe(0);
    expect(b.manifest.rows).toEqual({ csv: 0, ndjson: 0 });
    expect(b.manifest.files[1].sha256).toBe(sha256(Buffer.alloc(0)));
    expect(b.manifest.integrity.events).toEqual({ verified: 0, unverified: 0, failed: 0 });
    expect(b.manifest.integrity.logFiles.total).toBe(0);
  }, 60_000);

  it("a sync storing events in the range between the CSV and the NDJSON reads changes neither: the bundle is frozen", async () => {
    // The NDJSON read is the bundle's second connection: a sync of more events in the same range
    // runs to its end before that connection is handed over.
    let connects = 0;
    const pool = db.pool;
    const hooked = new Proxy(pool, {
      get(target, prop) {
        if (prop === "connect") {
          return async () => {
            if (++connects === 2) await syncCorpus("late", 600, 12);
            return target.connect();
          };
        }
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    }) as pg.Pool;
    const before = await countEvents(db.pool, parseEventQuery(new URLSearchParams(VIEW)));
    const b = await buildBundle(VIEW, { pool: hooked });
    expect(connects).toBeGreaterThanOrEqual(3); // CSV, NDJSON (after the sync), integrity

    // The sync did add events to the range, all stored after the bundle's asOf…
    const after = await countEvents(db.pool, parseEventQuery(new URLSearchParams(VIEW)));
    expect(after).toBeGreaterThan(before);
    const late = await db.pool.query<{ id: string }>(`SELECT id FROM events WHERE ingested_at > $1`, [b.q.asOf]);
    expect(late.rowCount).toBeGreaterThan(0);
    // …and neither file has them: both are the set as it was.
    const table = parseCsv((await b.file("events.csv")).toString("utf8"));
    const idCol = table[0].indexOf("eventID");
    const csvIds = table.slice(1).map((r) => r[idCol]);
    const ndIds = (await b.file("events.ndjson")).toString("utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l).eventID);
    expect(ndIds).toEqual(csvIds);
    expect(csvIds.length).toBe(before);
    expect(b.manifest.rows).toEqual({ csv: before, ndjson: before });
    const lateIds = new Set(late.rows.map((r) => r.id));
    expect(csvIds.some((id) => lateIds.has(id))).toBe(false);
    expect(await countEvents(db.pool, b.q)).toBe(before);
  }, 180_000);

  it("a client that goes away mid-bundle ends it as incomplete and gives every connection back", async () => {
    const q = parseEventQuery(new URLSearchParams(""), {});
    q.asOf = await freezeInstant(db.pool);
    let ended: { complete: boolean } | undefined;
    const now = new Date();
    const stream = evidenceBundle({
      pool: db.pool,
      query: q,
      header: "keys",
      manifest: {
        format: MANIFEST_FORMAT,
        generatedAt: now.toISOString(),
        trailscopeVersion: "test",
        exportedBy: { kind: "share", name: "share link x", id: "x" },
        query: manifestQuery({ given: "", params: new URLSearchParams(), q, now, header: "keys", baseUrl: "http://127.0.0.1:3000" }),
        accountScope: null,
      },
      onEnd: (r) => (ended = r),
    });
    const reader = stream.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    expect(Buffer.from(first.value!.subarray(0, 4)).toString("latin1")).toBe("PK\u0003\u0004"); // a zip's first local header
    await reader.cancel();
    expect(ended).toEqual(expect.objectContaining({ complete: false }));
    await expect.poll(() => db.pool.totalCount - db.pool.idleCount, { timeout: 20_000 }).toBe(0);
  }, 60_000);
});

// One set of events in every form an investigator is handed — CloudTrail log files (plain and
// gzipped), bare arrays, NDJSON (plain and gzipped), single-event files, lookup-events output (also
// as Windows PowerShell writes it), a zip of NDJSON files and a tarball holding a zip — in one
// folder, with names that say nothing of the content. Each event is stored once, with exactly the
// row (every catalog column and the record) the trail's own log file gives it; a zip of the files as
// the source, and the same files uploaded in the console, give the same rows again.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { strToU8, zipSync } from "fflate";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRecords } from "../lib/demo/generate";
import { runSync } from "../lib/ingest/engine";
import { COPY_COLUMNS } from "../lib/ingest/normalize";
import { parseSource } from "../lib/ingest/sources";
import { UploadSource } from "../lib/ingest/sources/upload";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";

const quiet = { log: () => {} };
const RECORDS = [...generateRecords({ count: 48, seed: 21, start: new Date("2025-03-01T00:00:00Z"), end: new Date("2025-03-03T00:00:00Z") })];
const N = RECORDS.length;

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const ndjson = (recs: unknown[], eol = "\n") => Buffer.from(recs.map((r) => JSON.stringify(r)).join(eol) + eol);
const lookupOutput = (recs: Record<string, unknown>[], nextToken?: string) => ({
  Events: recs.map((r) => ({
    EventId: r.eventID,
    EventName: r.eventName,
    ReadOnly: String(r.readOnly ?? "false"),
    EventTime: r.eventTime,
    EventSource: r.eventSource,
    Resources: [],
    CloudTrailEvent: JSON.stringify(r),
  })),
  ...(nextToken ? { NextToken: nextToken } : {}),
});

async function tarOf(members: [string, Buffer][]): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, body] of members) pack.entry({ name, size: body.length, mtime: new Date("2025-03-04T00:00:00Z") }, body);
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const b of pack) parts.push(b as Buffer);
  return Buffer.concat(parts);
}

interface Form {
  /** Path under the folder (archive members after "!"), its expected form and records. */
  key: string;
  form: string | null;
  records: number;
}

/** The files of every form, and the objects a sync records for them. */
async function writeForms(dir: string): Promise<{ files: { name: string; bytes: Buffer }[]; objects: Form[]; copies: number }> {
  const files: { name: string; bytes: Buffer }[] = [];
  const objects: Form[] = [];
  const half = Math.floor(N / 2);
  const put = (name: string, bytes: Buffer, form: string | null, records = N) => {
    files.push({ name, bytes });
    if (form !== "archive") objects.push({ key: name, form, records });
  };
  put("01-trail-file", json({ Records: RECORDS }), null);
  put("02.log", gzipSync(json({ Records: RECORDS })), null);
  put("03-array.txt", Buffer.from(JSON.stringify(RECORDS, null, 2)), "array");
  // CRLF line ends and a blank line, as Windows tools leave them.
  put("04-events.data", Buffer.from(ndjson(RECORDS.slice(0, half), "\r\n").toString() + "\r\n" + ndjson(RECORDS.slice(half), "\r\n").toString()), "ndjson");
  put("05-events.bin", gzipSync(ndjson(RECORDS)), "ndjson");
  RECORDS.forEach((r, i) => put(`06-single/${String(i).padStart(3, "0")}`, i % 2 ? json(r) : Buffer.from(JSON.stringify(r, null, 2)), "event", 1));
  put("07-lookup-page-1.json", json(lookupOutput(RECORDS.slice(0, half), "token-1")), "lookup-events", half);
  put("07-lookup-page-2.json", json(lookupOutput(RECORDS.slice(half))), "lookup-events", N - half);
  // Windows PowerShell 5's `aws cloudtrail lookup-events > out.json`: UTF-16LE with a byte-order mark.
  put("08-lookup-powershell.json", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(lookupOutput(RECORDS), null, 4), "utf16le")]), "lookup-events");
  const third = Math.ceil(N / 3);
  const zip = zipSync({
    "part-1.ndjson": strToU8(ndjson(RECORDS.slice(0, third)).toString()),
    "sub/part-2.jsonl": strToU8(ndjson(RECORDS.slice(third, 2 * third)).toString()),
    "part-3": [strToU8(ndjson(RECORDS.slice(2 * third)).toString()), { level: 0 }], // stored, not deflated
  });
  put("09-ndjson.zip", Buffer.from(zip), "archive");
  objects.push({ key: "09-ndjson.zip!part-1.ndjson", form: "ndjson", records: third });
  objects.push({ key: "09-ndjson.zip!sub/part-2.jsonl", form: "ndjson", records: third });
  objects.push({ key: "09-ndjson.zip!part-3", form: "ndjson", records: N - 2 * third });
  const inner = zipSync({ "array.json": strToU8(JSON.stringify(RECORDS)), "records.json.gz": gzipSync(json({ Records: RECORDS })) });
  put("10-nested.tgz", gzipSync(await tarOf([["inner/events.zip", Buffer.from(inner)], ["loose.ndjson", ndjson(RECORDS)]])), "archive");
  objects.push({ key: "10-nested.tgz!inner/events.zip!array.json", form: "array", records: N });
  objects.push({ key: "10-nested.tgz!inner/events.zip!records.json.gz", form: null, records: N });
  objects.push({ key: "10-nested.tgz!loose.ndjson", form: "ndjson", records: N });
  for (const f of files) {
    await mkdir(path.dirname(path.join(dir, f.name)), { recursive: true });
    await writeFile(path.join(dir, f.name), f.bytes);
  }
  // Every event: once in each plain form, the single files, the lookup pages, the zip's parts; thrice in the tarball.
  return { files, objects, copies: 12 };
}

/** Every stored column of every event (timestamps as text, the record as its JSON text), by id. */
async function storedRows(db: Db): Promise<Record<string, unknown>[]> {
  const cols = COPY_COLUMNS.map((c) => (c === "record" || c === "raw_json" ? `${c}::text AS ${c}` : c));
  return (await db.pool.query(`SELECT ${cols.join(", ")} FROM events ORDER BY id`)).rows;
}

let dir: string;
let base: TestDatabase;
let all: TestDatabase;
let baseDb: Db;
let allDb: Db;
let forms: Awaited<ReturnType<typeof writeForms>>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "trailscope-forms-"));
  await mkdir(path.join(dir, "trail"));
  await mkdir(path.join(dir, "forms"));
  await writeFile(path.join(dir, "trail", "records.json"), json({ Records: RECORDS }));
  forms = await writeForms(path.join(dir, "forms"));
  [base, all] = await Promise.all([createTestDatabase("ts_forms_base"), createTestDatabase("ts_forms_all")]);
  await Promise.all([migrate(base.url), migrate(all.url)]);
  baseDb = openDb(base.url);
  allDb = openDb(all.url);
  const s = await runSync(baseDb, parseSource(path.join(dir, "trail")), quiet);
  expect(s.eventsNew).toBe(N);
});

afterAll(async () => {
  await Promise.all([baseDb?.close(), allDb?.close()]);
  await Promise.all([base?.drop(), all?.drop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("every form in one folder", () => {
  it("stores each event once, with the rows of the trail's own log file", async () => {
    const folder = path.join(dir, "forms");
    const s = await runSync(allDb, parseSource(folder), quiet);
    expect(s.failures).toEqual([]);
    expect(s.ok).toBe(true);
    expect(s.objectsFailed + s.objectsSkipped).toBe(0);
    expect(s.objectsRead).toBe(forms.objects.length);
    expect(s.eventsNew).toBe(N);
    expect(s.eventsDuplicate).toBe((forms.copies - 1) * N);

    const rows = await storedRows(allDb);
    expect(rows).toHaveLength(N);
    expect(rows).toEqual(await storedRows(baseDb));
  });

  it("records each file and archive member with the form it was read in", async () => {
    const folder = path.join(dir, "forms");
    const { rows } = await allDb.pool.query(`SELECT key, status, reason, records, meta->>'form' AS form FROM ingested_objects WHERE source = 'file' ORDER BY key`);
    const got = rows.map((r) => ({ key: path.relative(folder, r.key), status: r.status, reason: r.reason, records: r.records, form: r.form }));
    const want = forms.objects.map((o) => ({ key: o.key, status: "ok", reason: null, records: o.records, form: o.form })).sort((a, b) => (a.key < b.key ? -1 : 1));
    expect(got).toEqual(want);
  });

  it("reads nothing again on the next run, archive members included", async () => {
    const s = await runSync(allDb, parseSource(path.join(dir, "forms")), quiet);
    expect(s.ok).toBe(true);
    expect(s.objectsUnchanged).toBe(forms.objects.length);
    expect(s.objectsRead + s.eventsNew + s.eventsDuplicate).toBe(0);
  });
});

describe("a zip as the source itself", () => {
  it("stores the same rows from a zip of the plain forms, keyed by its members", async () => {
    const t = await createTestDatabase("ts_forms_zip");
    const file = path.join(dir, "forms.zip");
    try {
      // The tarball stays out: in a zip it would hold a zip three archives deep, which is refused.
      const plain = forms.files.filter((f) => !/\.(zip|tgz)$/.test(f.name));
      await writeFile(file, zipSync(Object.fromEntries(plain.map((f) => [f.name, new Uint8Array(f.bytes)]))));
      await migrate(t.url);
      const db = openDb(t.url);
      try {
        const s = await runSync(db, parseSource(`file:${file}`), quiet);
        expect(s.failures).toEqual([]);
        expect(s.objectsRead).toBe(plain.length);
        expect(s.eventsNew).toBe(N);
        expect(await storedRows(db)).toEqual(await storedRows(baseDb));
        const keys = (await db.pool.query(`SELECT key FROM ingested_objects ORDER BY key`)).rows.map((r) => r.key as string);
        expect(keys).toEqual(plain.map((f) => `${file}!${f.name}`).sort());
      } finally {
        await db.close();
      }
    } finally {
      await t.drop();
    }
  });
});

describe("the same files uploaded", () => {
  it("store the same rows, keyed by upload, and an upload repeated reads nothing", async () => {
    const t = await createTestDatabase("ts_forms_upload");
    try {
      await migrate(t.url);
      const db = openDb(t.url);
      try {
        const files = forms.files.map((f) => ({ name: path.basename(f.name), bytes: f.bytes }));
        const s = await runSync(db, new UploadSource(files), quiet);
        expect(s.failures).toEqual([]);
        expect(s.eventsNew).toBe(N);
        expect(s.eventsDuplicate).toBe((forms.copies - 1) * N);
        expect(await storedRows(db)).toEqual(await storedRows(baseDb));

        const keys = (await db.pool.query(`SELECT source, key FROM ingested_objects ORDER BY key`)).rows;
        expect(keys).toHaveLength(forms.objects.length);
        expect(keys.every((k) => k.source === "upload" && /^upload:[0-9a-f]{12}\/[^/]/.test(k.key))).toBe(true);
        expect(keys.filter((k) => /^upload:[0-9a-f]{12}\/10-nested\.tgz!inner\/events\.zip!array\.json$/.test(k.key))).toHaveLength(1);

        const again = await runSync(db, new UploadSource(files), quiet);
        expect(again.objectsUnchanged).toBe(forms.objects.length);
        expect(again.eventsNew + again.eventsDuplicate).toBe(0);
      } finally {
        await db.close();
      }
    } finally {
      await t.drop();
    }
  });
});

// The bad-input findings of the security review (issue 20, item 11), each against the real parts:
// records stored by a real folder sync into PostgreSQL, queries and exports through the same
// functions the routes call. Hostile input must be a 400 naming the parameter (a ParamError), or
// bounded work, never a database error or unbounded memory.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSV_FIELDS, DEFAULT_FACET_FIELDS, FACET_FIELDS, FIELD_BY_KEY } from "../lib/fields";
import { exportStream } from "../lib/export/stream";
import { runSync } from "../lib/ingest/engine";
import { parseSource } from "../lib/ingest/sources";
import { isDecodablePath, MAX_EVENT_ID_CHARS, parseEventIdParam, parseEventIdSegment } from "../lib/query/event-id";
import { countEvents, getEventJson, listEvents } from "../lib/query/events";
import { facetCounts, MAX_CONTAINS_CHARS, MAX_FACET_FIELDS, parseFacetParams } from "../lib/query/facets";
import { histogram } from "../lib/query/histogram";
import { ParamError, parseEventQuery } from "../lib/query/params";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { parseCsv } from "./helpers/csv";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";
import { readAll } from "./helpers/stream";

type Rec = Record<string, unknown>;

const NOW = new Date("2026-11-20T12:00:00.000Z");
const T0 = Date.parse("2026-11-20T10:00:00Z");
const ACCT = "111122223333";
const MiB = 2 ** 20;
const quiet = { log: () => {} };

function record(id: string, i: number, over: Rec = {}): Rec {
  return {
    eventVersion: "1.08",
    eventID: id,
    eventTime: new Date(T0 + i * 1000).toISOString().replace(".000Z", "Z"),
    eventName: "GetObject",
    eventSource: "s3.amazonaws.com",
    awsRegion: "us-east-1",
    recipientAccountId: ACCT,
    sourceIPAddress: "198.51.100.7",
    userAgent: "aws-cli/2.15.0",
    readOnly: true,
    userIdentity: { type: "IAMUser", arn: `arn:aws:iam::${ACCT}:user/alice`, userName: "alice", accountId: ACCT, accessKeyId: "AKIAALICE0000000001" },
    ...over,
  };
}

/** Cells a spreadsheet could run as a formula, and a few that only look close. */
const CELLS = [
  "a;=1+1", // splits into a formula cell where ; separates (unless quoted)
  " =1+1",
  "\t=1",
  "\n=1",
  "\r\n-1",
  "\u00a0=1",
  "\u3000@SUM(A1)",
  "\ufeff=1",
  "\u2028+1",
  "=HYPERLINK(\"http://evil.example\",\"x\")",
  "-",
  " x",
  "\u200b=1", // zero-width space is not whitespace: left as it is
  'say "hi", ok',
  "plain",
];
/** What a cell reads back as from the CSV (written independently of csvCell: OWASP's starts, after any whitespace). */
const neutralised = (c: string) => (/^[\t\r]|^\s*[=+\-@]/.test(c) ? "'" + c : c);

/** Event IDs a route receives already decoded once: must be looked up exactly as they are. */
const ODD_IDS = ["a%3Cb", "<script>alert(1)</script>", "日本語-id", "x%2Fy%25", "100%"];

const RECORDS: Rec[] = [
  ...CELLS.map((c, i) =>
    record(`csv-${i}`, i, {
      userAgent: c,
      errorCode: c === "plain" ? undefined : "AccessDenied",
      errorMessage: c,
      userIdentity: { type: "IAMUser", arn: `arn:aws:iam::${ACCT}:user/u${i}`, userName: c, accountId: ACCT },
      resources: [{ ARN: c, type: "AWS::S3::Object" }, { ARN: "arn:aws:s3:::b;=2", type: "AWS::S3::Bucket" }],
    }),
  ),
  ...ODD_IDS.map((id, i) => record(id, 100 + i)),
  record("nul-holder", 200, { userAgent: "before\u0000after" }),
];

let tdb: TestDatabase;
let db: Db;
let dir: string;

async function withMaxObjectBytes<T>(bytes: number | undefined, fn: () => Promise<T>): Promise<T> {
  const before = process.env.TRAILSCOPE_MAX_OBJECT_BYTES;
  if (bytes === undefined) delete process.env.TRAILSCOPE_MAX_OBJECT_BYTES;
  else process.env.TRAILSCOPE_MAX_OBJECT_BYTES = String(bytes);
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.TRAILSCOPE_MAX_OBJECT_BYTES;
    else process.env.TRAILSCOPE_MAX_OBJECT_BYTES = before;
  }
}

beforeAll(async () => {
  tdb = await createTestDatabase("ts_hostile");
  await migrate(tdb.url);
  db = openDb(tdb.url);
  dir = await mkdtemp(path.join(tmpdir(), "trailscope-hostile-input-"));
  const data = path.join(dir, "data");
  await mkdir(data);
  await writeFile(path.join(data, "records.json"), JSON.stringify({ Records: RECORDS }));
  const s = await runSync(db, parseSource(data), quiet);
  expect(s.ok).toBe(true);
  expect(s.eventsNew).toBe(RECORDS.length);
});

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const query = (qs: string) => parseEventQuery(new URLSearchParams(qs), { now: NOW });

function paramError(fn: () => unknown): ParamError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ParamError);
    return err as ParamError;
  }
  throw new Error("expected a ParamError, nothing was thrown");
}

// ---- 1. time bounds -----------------------------------------------------------------------------

describe("from and to", () => {
  it.each(["from=now-999999999999d", "to=now-99999999d", "from=0000-01-01", "to=0001-01-01T00:00:00Z", "from=99999-01-01", "from=now-1d&to=%2B275760-09-13T00:00:00Z"])(
    "%s is a ParamError before any query",
    (qs) => {
      const e = paramError(() => query(qs));
      expect(["from", "to"]).toContain(e.param);
    },
  );

  it("the widest range accepted runs through list, count, facets, histogram and every export", async () => {
    const q = () => query("from=1970-01-01&to=9999-12-31T23:59:59.999Z");
    const pool = db.pool;
    expect((await listEvents(pool, { ...q(), limit: 1000 })).events).toHaveLength(RECORDS.length);
    expect(await countEvents(pool, q())).toBe(RECORDS.length);
    expect((await facetCounts(pool, q(), [FIELD_BY_KEY.get("eventName")!]))[0].values).toEqual([{ value: "GetObject", count: RECORDS.length }]);
    const h = await histogram(pool, q(), NOW);
    expect(h?.buckets.reduce((n, b) => n + b.total, 0)).toBe(RECORDS.length);
    const copy = await readAll(exportStream(pool, q(), "csv", { via: "copy" }));
    expect(copy).toBe(await readAll(exportStream(pool, q(), "csv", { via: "cursor", fetchRows: 7 })));
    expect(parseCsv(copy)).toHaveLength(RECORDS.length + 1);
    expect((await readAll(exportStream(pool, q(), "ndjson"))).trimEnd().split("\n")).toHaveLength(RECORDS.length);
  });
});

// ---- 2. q with U+0000 ---------------------------------------------------------------------------

describe("q holding U+0000", () => {
  // Kept as a valid search (the review assumed PostgreSQL would reject it): the term is matched
  // JSON-escaped against the stored record text, so it finds the records holding U+0000.
  it("finds the records that hold U+0000, in the list, the count and both CSV paths", async () => {
    const q = () => query("q=%00");
    expect((await listEvents(db.pool, q())).events.map((e) => e.eventID)).toEqual(["nul-holder"]);
    expect(await countEvents(db.pool, q())).toBe(1);
    const copy = await readAll(exportStream(db.pool, q(), "csv", { via: "copy" }));
    expect(copy).toBe(await readAll(exportStream(db.pool, q(), "csv", { via: "cursor" })));
    expect(parseCsv(copy)).toHaveLength(2);
  });
});

// ---- 3. /api/facets' own parameters -------------------------------------------------------------

describe("parseFacetParams", () => {
  const parse = (qs: string) => parseFacetParams(new URLSearchParams(qs));

  it("counts a field given 300 times once", async () => {
    const p = parse(Array.from({ length: 300 }, () => "field=eventName").join("&") + "&awsRegion=us-east-1");
    expect(p.fields.map((f) => f.key)).toEqual(["eventName"]);
    expect([...p.filters.keys()]).toEqual(["awsRegion"]);
    const facets = await facetCounts(db.pool, parseEventQuery(p.filters), p.fields, p);
    expect(facets).toEqual([{ field: "eventName", values: [{ value: "GetObject", count: RECORDS.length }], sampled: false }]);
  });

  it("defaults to the catalog's default facet fields (the on-demand ones only when named) and passes limit and contains on", () => {
    const p = parse("limit=5&contains=Get&eventName=GetObject");
    expect(p.fields).toEqual(DEFAULT_FACET_FIELDS);
    expect(parse("field=actor&field=eventName").fields.map((f) => f.key)).toEqual(["actor", "eventName"]);
    expect(p.limit).toBe(5);
    expect(p.contains).toBe("Get");
    expect(p.filters.toString()).toBe("eventName=GetObject");
    expect(parse("contains=").contains).toBeUndefined();
  });

  it.each([
    ["field=notAField", "field"],
    ["field=eventTime", "field"],
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["limit=5&limit=6", "limit"],
    ["contains=a&contains=b", "contains"],
    ["contains=%00", "contains"],
    ["contains=a%00b", "contains"],
    ["contains=" + "x".repeat(MAX_CONTAINS_CHARS + 1), "contains"],
  ])("%s is a ParamError naming %s", (qs, param) => {
    expect(paramError(() => parse(qs)).param).toBe(param);
  });

  it("caps the distinct fields at the catalog's facet fields", () => {
    const facetable = [...FIELD_BY_KEY.values()].filter((f) => f.filter && f.kind !== "time").map((f) => f.key);
    expect(facetable.length).toBeGreaterThan(MAX_FACET_FIELDS);
    expect(parse(facetable.slice(0, MAX_FACET_FIELDS).map((k) => `field=${k}`).join("&")).fields).toHaveLength(MAX_FACET_FIELDS);
    const e = paramError(() => parse(facetable.map((k) => `field=${k}`).join("&")));
    expect(e.param).toBe("field");
    expect(e.message).toContain(String(MAX_FACET_FIELDS));
  });

  it("contains with LIKE's own characters and a long value runs as plain text", async () => {
    for (const contains of ["%", "_", "\\", "'", "a".repeat(MAX_CONTAINS_CHARS)]) {
      const p = parse("field=userAgent&contains=" + encodeURIComponent(contains));
      const [f] = await facetCounts(db.pool, parseEventQuery(p.filters), p.fields, p);
      expect(f.values, contains).toEqual([]);
    }
    const p = parse("field=userAgent&contains=" + encodeURIComponent(";="));
    const [f] = await facetCounts(db.pool, parseEventQuery(p.filters), p.fields, p);
    expect(f.values).toEqual([{ value: "a;=1+1", count: 1 }]);
  });
});

// ---- 4. event IDs in the path ---------------------------------------------------------------------

describe("parseEventIdParam", () => {
  it.each([
    ["\u0000", "U+0000"],
    ["evt\u0000", "U+0000"],
    ["\ud800", "unpaired surrogate"],
    ["a\udc00b", "unpaired surrogate"],
    ["x".repeat(MAX_EVENT_ID_CHARS + 1), String(MAX_EVENT_ID_CHARS)],
    ["", "empty"],
  ])("%j is a ParamError naming eventID", (raw, says) => {
    const e = paramError(() => parseEventIdParam(raw));
    expect(e.param).toBe("eventID");
    expect(e.message).toContain(says);
  });

  it("returns an ID as the route received it, and that ID finds its record", async () => {
    for (const id of ODD_IDS) {
      expect(parseEventIdParam(id)).toBe(id);
      const json = await getEventJson(db.pool, parseEventIdParam(id));
      expect(json && JSON.parse(json).eventID, id).toBe(id);
    }
    // The detail page's second decodeURIComponent looked "a%3Cb" up as "a<b" (and "100%" threw).
    expect(await getEventJson(db.pool, decodeURIComponent("a%3Cb"))).toBeNull();
    expect(() => decodeURIComponent("100%")).toThrow(URIError);
    expect(parseEventIdParam("%E0%A4%A")).toBe("%E0%A4%A");
    expect(await getEventJson(db.pool, parseEventIdParam("%E0%A4%A"))).toBeNull();
  });
});

describe("parseEventIdSegment (a page's segment, still percent-encoded)", () => {
  it("decodes exactly once: every ID's link finds its record", async () => {
    for (const id of ODD_IDS) {
      const segment = encodeURIComponent(id); // what EventDetail links to, and what the page receives
      expect(parseEventIdSegment(segment)).toBe(id);
      const json = await getEventJson(db.pool, parseEventIdSegment(segment));
      expect(json && JSON.parse(json).eventID, id).toBe(id);
    }
  });

  it.each(["%E0%A4%A", "100%", "%ZZ", "%00", "%ED%A0%80", encodeURIComponent("x".repeat(MAX_EVENT_ID_CHARS + 1))])("%s is a ParamError naming eventID", (raw) => {
    expect(paramError(() => parseEventIdSegment(raw)).param).toBe("eventID");
  });

  it("isDecodablePath tells the proxy which paths Next would answer with a 500", () => {
    expect(isDecodablePath("/events/a%253Cb")).toBe(true);
    expect(isDecodablePath("/api/events/%00")).toBe(true);
    expect(isDecodablePath("/events/%E0%A4%A")).toBe(false);
    expect(isDecodablePath("/events/100%")).toBe(false);
  });
});

// ---- 5. CSV formula neutralisation, COPY and cursor alike ------------------------------------------

describe("CSV export of formula-like values", () => {
  const columns = ["userAgent", "errorMessage", "username", "resourceName"].map((k) => CSV_FIELDS.findIndex((f) => f.key === k));

  it.each(["", "errorCode=AccessDenied", "q=%3D", "userAgent=*%3B*"])("COPY and cursor write the same bytes, every cell quoted and neutralised (%s)", async (qs) => {
    const copy = await readAll(exportStream(db.pool, query(qs), "csv", { via: "copy" }));
    const cursor = await readAll(exportStream(db.pool, query(qs), "csv", { via: "cursor", fetchRows: 3 }));
    expect(copy).toBe(cursor);
    const [header, ...rows] = parseCsv(copy);
    expect(rows).toHaveLength(await countEvents(db.pool, query(qs)));
    // Every non-empty cell is quoted: writing the parsed cells back that way gives the same bytes.
    const requote = (r: string[]) => r.map((c) => (c === "" ? "" : '"' + c.replace(/"/g, '""') + '"')).join(",") + "\r\n";
    expect(header.join(",") + "\r\n" + rows.map(requote).join("")).toBe(copy);
    const byId = new Map(rows.map((r) => [r[CSV_FIELDS.findIndex((f) => f.key === "eventID")], r]));
    for (const [i, cell] of CELLS.entries()) {
      const row = byId.get(`csv-${i}`);
      if (!row) continue;
      const [userAgent, errorMessage, username, resourceName] = columns.map((c) => row[c]);
      expect(userAgent, JSON.stringify(cell)).toBe(neutralised(cell));
      expect(errorMessage, JSON.stringify(cell)).toBe(neutralised(cell));
      expect(username, JSON.stringify(cell)).toBe(neutralised(cell));
      expect(resourceName, JSON.stringify(cell)).toBe(neutralised(cell + "; arn:aws:s3:::b;=2"));
    }
  });
});

// ---- 6. decompression bombs and oversized objects through the folder sync ----------------------

/** A valid, empty CloudTrail log file of about `bytes` bytes (whitespace compresses ~1000:1). */
const paddedLog = (bytes: number) => Buffer.from('{"Records":[' + " ".repeat(bytes) + "]}");
const goodLog = (prefix: string, n: number) => Buffer.from(JSON.stringify({ Records: Array.from({ length: n }, (_, i) => record(`${prefix}-${i}`, 300 + i)) }));

async function writeTar(file: string, members: [string, Buffer][], gzip: boolean): Promise<void> {
  const pack = tar.pack();
  for (const [name, body] of members) pack.entry({ name, size: body.length, mtime: new Date(T0) }, body);
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const b of pack) parts.push(b as Buffer);
  const all = Buffer.concat(parts);
  await writeFile(file, gzip ? gzipSync(all) : all);
}

async function storedIds(prefix: string): Promise<string[]> {
  const { rows } = await db.pool.query(`SELECT id FROM events WHERE id LIKE $1 ORDER BY id`, [prefix + "-%"]);
  return rows.map((r) => r.id as string);
}

async function objectsUnder(prefix: string): Promise<Map<string, { status: string; reason: string | null }>> {
  const { rows } = await db.pool.query(`SELECT key, status, reason FROM ingested_objects WHERE key LIKE $1`, [prefix + "%"]);
  return new Map(rows.map((r) => [path.basename(r.key as string), { status: r.status as string, reason: r.reason as string | null }]));
}

describe("object size bounds", () => {
  it("a gzip bomb and an oversized file are recorded as failed; the sync goes on and stores the rest", async () => {
    const folder = path.join(dir, "bombs");
    await mkdir(folder);
    const bomb = gzipSync(paddedLog(16 * MiB), { level: 9 });
    expect(bomb.length).toBeLessThan(64 * 1024);
    await writeFile(path.join(folder, "a-good.json"), goodLog("bomb-a", 3));
    await writeFile(path.join(folder, "b-bomb.json.gz"), bomb);
    await writeFile(path.join(folder, "c-big.json"), paddedLog(9 * MiB));
    await writeFile(path.join(folder, "d-good.json.gz"), gzipSync(goodLog("bomb-d", 2)));
    const s = await withMaxObjectBytes(8 * MiB, () => runSync(db, parseSource(folder), quiet));
    expect(s.ok).toBe(true);
    expect(s.objectsFailed).toBe(2);
    expect(s.eventsNew).toBe(5);
    expect(await storedIds("bomb-a")).toHaveLength(3);
    expect(await storedIds("bomb-d")).toHaveLength(2);
    const objects = await objectsUnder(folder);
    expect(objects.get("a-good.json")?.status).toBe("ok");
    expect(objects.get("d-good.json.gz")?.status).toBe("ok");
    expect(objects.get("b-bomb.json.gz")).toEqual({ status: "failed", reason: expect.stringMatching(/too large: gzip expands past the limit of 8 MiB uncompressed \(TRAILSCOPE_MAX_OBJECT_BYTES\)/) });
    expect(objects.get("c-big.json")).toEqual({ status: "failed", reason: expect.stringMatching(/too large: 9437198 bytes, over the limit of 8 MiB uncompressed \(TRAILSCOPE_MAX_OBJECT_BYTES\)/) });
    // Recorded: the next run reads neither again.
    const again = await withMaxObjectBytes(8 * MiB, () => runSync(db, parseSource(folder), quiet));
    expect(again.objectsUnchanged).toBe(4);
  });

  it("within the size bound, a gzip expanding more than 200 times past 32 MiB is refused as a bomb", async () => {
    const folder = path.join(dir, "ratio");
    await mkdir(folder);
    await writeFile(path.join(folder, "a-ratio.json.gz"), gzipSync(paddedLog(40 * MiB), { level: 9 }));
    // 24 MiB at ~1000:1: under the ratio floor, so read (an empty log file).
    await writeFile(path.join(folder, "b-small.json.gz"), gzipSync(paddedLog(24 * MiB), { level: 9 }));
    await writeFile(path.join(folder, "c-good.json"), goodLog("ratio-c", 2));
    const s = await withMaxObjectBytes(undefined, () => runSync(db, parseSource(folder), quiet));
    expect(s.ok).toBe(true);
    expect(await storedIds("ratio-c")).toHaveLength(2);
    const objects = await objectsUnder(folder);
    expect(objects.get("a-ratio.json.gz")).toEqual({ status: "failed", reason: expect.stringMatching(/gzip expands more than 200 times its \d+ bytes \(past 32 MiB\): refused as a likely decompression bomb/) });
    expect(objects.get("b-small.json.gz")).toEqual({ status: "ok", reason: "empty Records" });
    expect(objects.get("c-good.json")?.status).toBe("ok");
  });

  it("a tarball's oversized and bomb members are recorded as failed, the members around them stored", async () => {
    const file = path.join(dir, "members.tar");
    await writeTar(
      file,
      [
        ["first.json", goodLog("tar-first", 2)],
        ["big.json", paddedLog(9 * MiB)],
        ["inner.json.gz", gzipSync(paddedLog(16 * MiB))],
        ["last.json", goodLog("tar-last", 3)],
      ],
      false,
    );
    const s = await withMaxObjectBytes(8 * MiB, () => runSync(db, parseSource(`file:${file}`), quiet));
    expect(s.ok).toBe(true);
    expect(s.objectsFailed).toBe(2);
    expect(await storedIds("tar-first")).toHaveLength(2);
    expect(await storedIds("tar-last")).toHaveLength(3);
    const { rows } = await db.pool.query(`SELECT key, status, reason FROM ingested_objects WHERE key LIKE $1 ORDER BY key`, [file + "!%"]);
    const byMember = new Map(rows.map((r) => [(r.key as string).slice(file.length + 1), r]));
    expect(byMember.get("big.json")).toMatchObject({ status: "failed", reason: expect.stringMatching(/too large: 9437198 bytes, over the limit of 8 MiB/) });
    expect(byMember.get("inner.json.gz")).toMatchObject({ status: "failed", reason: expect.stringMatching(/too large: gzip expands past the limit of 8 MiB/) });
    expect(byMember.get("first.json")?.status).toBe("ok");
    expect(byMember.get("last.json")?.status).toBe("ok");
  });

  it("a .tar.gz inflating more than 200 times past one object's bound stops there; the members before it are stored", async () => {
    const file = path.join(dir, "bomb.tar.gz");
    // Each member under the 8 MiB bound; together 15 MiB of whitespace from a file of ~15 KB.
    await writeTar(
      file,
      [
        ["first.json", goodLog("targz-first", 2)],
        ["pad1.json", paddedLog(5 * MiB)],
        ["pad2.json", paddedLog(5 * MiB)],
        ["pad3.json", paddedLog(5 * MiB)],
        ["late.json", goodLog("targz-late", 2)],
      ],
      true,
    );
    const s = await withMaxObjectBytes(8 * MiB, () => runSync(db, parseSource(`file:${file}`), quiet));
    expect(s.ok).toBe(false);
    expect(s.unreadable).toBe(1);
    expect(s.failures).toEqual([{ key: file, reason: expect.stringMatching(/archive expands more than 200 times its compressed size .*refused as a likely decompression bomb/) }]);
    expect(await storedIds("targz-first")).toHaveLength(2);
    expect(await storedIds("targz-late")).toHaveLength(0);
    const { rows } = await db.pool.query(`SELECT key, status FROM ingested_objects WHERE key LIKE $1 ORDER BY key`, [file + "!%"]);
    expect(rows.map((r) => (r.key as string).slice(file.length + 1))).toEqual(["first.json", "pad1.json"]);
  });
});

// The rollups (event_minutes, event_facet_hours, event_facet_days) must always equal a recomputation from `events`:
// after syncs, re-syncs, duplicate deliveries, the staging (ON CONFLICT) path, concurrent syncs and
// the migration's backfill. And the answers read through them (histogram, facets, match count) must
// equal the scans they replace, for any range.
import { cp, mkdtemp, mkdir, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { matchCount } from "../app/events/_data/count";
import { from as copyFrom } from "pg-copy-streams";
import { writeAwsLogsCorpus } from "../lib/demo/corpus";
import { generateRecords } from "../lib/demo/generate";
import { DEFAULT_FACET_FIELDS, FACET_FIELDS } from "../lib/fields";
import { runSync } from "../lib/ingest/engine";
import { emptyBatch, Loader } from "../lib/ingest/loader";
import { COPY_COLUMNS, encodeLine, normalizeRecord } from "../lib/ingest/normalize";
import { parseSource } from "../lib/ingest/sources";
import { countEvents } from "../lib/query/events";
import { facetCounts } from "../lib/query/facets";
import { histogram } from "../lib/query/histogram";
import { parseEventQuery, type EventQuery } from "../lib/query/params";
import { openDb, type Db } from "../lib/store/db";
import { migrate, MIGRATIONS_DIR } from "../lib/store/migrate";
import { addEntriesToRollups, DAY_MS, HOUR_MS, ROLLUP_FIELD_KEYS, splitLevels, splitRange, verifyRollups } from "../lib/store/rollups";
import { writeBulkCorpus } from "./fixtures/bulk";
import { hostileCorpus, writeCorpus } from "./fixtures/hostile";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";

const quiet = { log: () => {} };
const START = new Date("2026-11-10T00:00:00Z");
const END = new Date("2026-11-12T00:00:00Z");
const dbs: TestDatabase[] = [];
let work: string;
let demo: string; // realistic records: missing values, errors, several accounts and regions
let bulk: string; // many files, with events re-delivered in later files

async function freshDb(prefix: string, dir?: string) {
  const t = await createTestDatabase(prefix);
  dbs.push(t);
  await migrate(t.url, dir);
  return t;
}

async function expectExact(db: Db) {
  expect(await verifyRollups(db.pool)).toEqual([]);
}

const rollupTotals = async (db: Db) =>
  (
    await db.pool.query(
      `SELECT (SELECT sum(events) FROM event_minutes)::int AS minutes, (SELECT sum(events) FROM event_facet_hours)::int AS facets,
              (SELECT sum(events) FROM event_facet_days)::int AS days`,
    )
  ).rows[0];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "trailscope-rollups-"));
  demo = path.join(work, "demo");
  bulk = path.join(work, "bulk");
  await writeAwsLogsCorpus(demo, { count: 4000, seed: 7, start: START, end: END, eventsPerFile: 60 });
  await mkdir(bulk);
  await writeBulkCorpus(bulk, { files: 60, perFile: 200, duplicateEvery: 4 });
  await cp(demo, path.join(work, "demo-copy"), { recursive: true }); // same events, other object keys
});

afterAll(async () => {
  for (const t of dbs) await t.drop().catch(() => {});
  if (work) await rm(work, { recursive: true, force: true });
});

describe("rollups stay exact under ingest", () => {
  it("ROLLUP_FIELD_KEYS are the catalog's facet fields but those counted over the events (a new facet field needs a backfilling migration, or a place here)", () => {
    // The actor is set after ingest (a late link changes it); access keys and session issuers have
    // as many values as sessions: these are counted over the matching events, sampled when many.
    // They are the catalog's on-demand facets: the default sidebar never pays for their scan.
    const counted = ["accessKeyId", "actor", "sessionIssuer"];
    expect([...ROLLUP_FIELD_KEYS]).toEqual(FACET_FIELDS.map((f) => f.key).filter((k) => !counted.includes(k)));
    expect(FACET_FIELDS.filter((f) => f.facetOnDemand).map((f) => f.key)).toEqual(counted);
    expect(DEFAULT_FACET_FIELDS.map((f) => f.key)).toEqual([...ROLLUP_FIELD_KEYS]);
  });

  it("after a folder sync, a re-sync, and the same data again under other object keys", async () => {
    const db = openDb((await freshDb("ts_roll_sync")).url);
    try {
      const first = await runSync(db, parseSource(demo), quiet);
      expect(first.ok).toBe(true);
      expect(first.eventsNew).toBeGreaterThan(3000);
      await expectExact(db);
      const before = await rollupTotals(db);
      expect(before.minutes).toBe(first.eventsNew);

      const again = await runSync(db, parseSource(demo), quiet);
      expect(again.eventsNew).toBe(0);
      // A copy of the folder: every object is new, every event a duplicate.
      const dup = await runSync(db, parseSource(path.join(work, "demo-copy")), quiet);
      expect(dup.eventsNew).toBe(0);
      expect(dup.eventsDuplicate).toBeGreaterThan(3000);
      expect(await rollupTotals(db)).toEqual(before);
      await expectExact(db);
    } finally {
      await db.close();
    }
  });

  it("with hostile records: odd unicode, U+0000, lone surrogates, missing fields, duplicates", async () => {
    // The loader sums rollup entries computed in Node: their values must be exactly what the
    // columns store (cleaned text), or verifyRollups finds the difference.
    const dir = path.join(work, "hostile");
    await writeCorpus(dir, hostileCorpus().files);
    const db = openDb((await freshDb("ts_roll_hostile")).url);
    try {
      const r = await runSync(db, parseSource(dir), quiet);
      expect(r.eventsNew).toBeGreaterThan(5);
      await expectExact(db);
      expect((await rollupTotals(db)).minutes).toBe(r.eventsNew);
    } finally {
      await db.close();
    }
  });

  it("with events delivered twice across files, and with small batches", async () => {
    const db = openDb((await freshDb("ts_roll_dup")).url);
    try {
      const s = await runSync(db, parseSource(bulk), { ...quiet, batchRows: 333 });
      expect(s.ok).toBe(true);
      expect(s.eventsDuplicate).toBeGreaterThan(0);
      await expectExact(db);
    } finally {
      await db.close();
    }
  });

  it("through the staging path (a concurrent transaction commits some of the batch's ids first)", async () => {
    const t = await freshDb("ts_roll_stage");
    const db = openDb(t.url);
    const other = new pg.Client({ connectionString: t.url });
    await other.connect();
    try {
      const records = Array.from({ length: 50 }, (_, i) => ({
        eventVersion: "1.11",
        eventID: `stage-${String(i).padStart(3, "0")}`,
        eventTime: new Date(START.getTime() + i * 37_000).toISOString(),
        eventName: i % 2 ? "GetObject" : "PutObject",
        eventSource: "s3.amazonaws.com",
        awsRegion: "us-east-1",
        ...(i % 5 === 0 ? { errorCode: "AccessDenied" } : {}),
      }));
      const rows = emptyBatch().rows;
      for (const r of records) {
        const n = normalizeRecord(r, {});
        if (!n.ok) throw new Error(n.reason);
        rows.lines.push(encodeLine(n.line));
        rows.ids.push(n.id);
        rows.rollups.push(n.rollup);
      }
      // Another writer inserts every 3rd event (with its rollups) and holds its transaction open.
      const loader = new Loader(db.pool);
      const mine = (_: unknown, i: number) => i % 3 === 0;
      const theirs = { lines: rows.lines.filter(mine), ids: rows.ids.filter(mine), rollups: rows.rollups.filter(mine) };
      await other.query("BEGIN");
      await copyEvents(other, theirs.lines);
      await addEntriesToRollups(other, theirs.rollups);
      // Our direct COPY blocks on their uncommitted ids, then fails once they commit: staging path.
      const ours = loader.commit({ ...emptyBatch(), rows });
      for (let i = 0; i < 500; i++) {
        const waiting = (await db.pool.query(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted`)).rows[0].n;
        if (waiting > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await other.query("COMMIT");
      expect(await ours).toBe(records.length - theirs.ids.length);
      expect((await db.pool.query(`SELECT count(*)::int AS n FROM events`)).rows[0].n).toBe(records.length);
      await expectExact(db);
    } finally {
      await other.end();
      await db.close();
    }
  });

  it("with two overlapping syncs at once (a folder and its subfolder; the same folder twice)", async () => {
    const t = await freshDb("ts_roll_overlap");
    const a = openDb(t.url);
    const b = openDb(t.url);
    try {
      const [s1, s2, s3] = await Promise.all([
        runSync(a, parseSource(bulk), { ...quiet, batchRows: 700 }),
        runSync(b, parseSource(path.join(bulk, "AWSLogs")), { ...quiet, batchRows: 500 }),
        runSync(b, parseSource(demo), { ...quiet, batchRows: 400 }),
      ]);
      expect(s1.ok && s2.ok && s3.ok).toBe(true);
      await expectExact(a);
      const [s4, s5] = await Promise.all([runSync(a, parseSource(demo), quiet), runSync(b, parseSource(path.join(work, "demo-copy")), quiet)]);
      expect(s4.ok && s5.ok).toBe(true);
      await expectExact(a);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("the migration backfills the rollups of a database that already holds events", async () => {
    // A database at the migrations before the rollups, with events in it.
    const before = path.join(work, "migrations-before");
    await mkdir(before);
    for (const name of await readdir(MIGRATIONS_DIR)) {
      if (name < "20261122000100") await cp(path.join(MIGRATIONS_DIR, name), path.join(before, name), { recursive: true });
    }
    const t = await freshDb("ts_roll_backfill", before);
    const c = new pg.Client({ connectionString: t.url });
    await c.connect();
    try {
      const lines: string[] = [];
      for (const r of generateRecords({ count: 3000, seed: 3, start: START, end: END })) {
        const n = normalizeRecord(r, {});
        if (n.ok) lines.push(n.line);
      }
      // copyEvents keeps only the columns of that schema (later migrations add columns ingest fills today).
      await copyEvents(c, lines);
    } finally {
      await c.end();
    }
    const result = await migrate(t.url);
    expect(result.applied).toContain("20261122000100_rollups");
    expect(result.applied).toContain("20261122020000_facet_days"); // days summed from the backfilled hours
    const after = openDb(t.url);
    try {
      expect((await after.pool.query(`SELECT count(*)::int AS n FROM event_minutes`)).rows[0].n).toBeGreaterThan(0);
      expect((await after.pool.query(`SELECT count(*)::int AS n FROM event_facet_days`)).rows[0].n).toBeGreaterThan(0);
      await expectExact(after);
    } finally {
      await after.close();
    }
  });
});

describe("answers through the rollups equal the scans", () => {
  let db: Db;
  const NOW = new Date("2026-11-12T06:00:00Z");
  const RANGES = [
    "",
    "from=2026-11-10T05:17:33.123Z",
    "to=2026-11-11T13:41:07.456Z",
    "from=2026-11-10T05:17:33.123Z&to=2026-11-11T13:41:07.456Z",
    "from=2026-11-10T00:00:00Z&to=2026-11-11T00:00:00Z", // one whole day, from midnight to midnight
    "from=2026-11-10T00:00:00Z&to=2026-11-12T00:00:00Z", // two whole days
    "from=2026-11-11T00:00:00Z", // from midnight on
    "to=2026-11-11T00:00:00Z", // up to midnight
    "from=2026-11-09T23:59:59.999Z&to=2026-11-11T00:00:00.001Z", // one whole day, edges in the hours either side
    "from=2026-11-10T13:00:00Z&to=2026-11-11T13:00:00Z", // a day's length over midnight: whole hours only
    "from=2026-11-10T05:17:33.123Z&to=2026-11-10T22:41:07Z", // within one day: hours and edges, no day
    "from=2026-11-10T23:30:00Z&to=2026-11-11T00:30:00Z", // over midnight, no whole hour
    "from=2026-11-10T09:59:30.250Z&to=2026-11-10T11:00:30Z", // minute buckets, partial minutes
    "from=2026-11-10T10:05:10.500Z&to=2026-11-10T10:55:00Z", // no whole hour inside
    "from=2026-11-10T10:05:10.500Z&to=2026-11-10T10:05:10.900Z",
    "from=2026-11-10T10:00:00Z&to=2026-11-10T10:00:00Z", // empty
    "from=2030-01-01T00:00:00Z", // no events
    "from=2026-11-01T01:00:00.500Z&to=2026-11-01T03:30:00.999Z", // the bulk corpus: an event every second
    "from=now-30h",
  ];
  const parse = (qs: string): EventQuery => parseEventQuery(new URLSearchParams(qs), { now: NOW });

  beforeAll(async () => {
    db = openDb((await freshDb("ts_roll_query")).url);
    for (const dir of [demo, bulk]) expect((await runSync(db, parseSource(dir), quiet)).ok).toBe(true);
    await expectExact(db);
  });
  afterAll(async () => {
    await db?.close();
  });

  it("splits ranges into whole units and edges", () => {
    const d = (s: string) => new Date(s);
    expect(splitRange(d("2026-11-10T05:17:00Z"), d("2026-11-10T08:00:00Z"), 3600e3)).toEqual({
      whole: { from: d("2026-11-10T06:00:00Z"), to: d("2026-11-10T08:00:00Z") },
      edges: [{ from: d("2026-11-10T05:17:00Z"), to: d("2026-11-10T06:00:00Z") }],
    });
    expect(splitRange(undefined, undefined, 60e3)).toEqual({ whole: { from: undefined, to: undefined }, edges: [] });
    expect(splitRange(d("2026-11-10T05:17:00Z"), d("2026-11-10T05:50:00Z"), 3600e3)).toEqual({
      whole: null,
      edges: [{ from: d("2026-11-10T05:17:00Z"), to: d("2026-11-10T05:50:00Z") }],
    });
    expect(splitRange(d("2026-11-10T05:00:00Z"), d("2026-11-10T05:00:00Z"), 3600e3)).toEqual({ whole: null, edges: [] });
  });

  it("splits ranges into whole days, whole hours of the partial days and edges", () => {
    const d = (s: string) => new Date(s);
    const levels = (from?: string, to?: string) => splitLevels(from ? d(from) : undefined, to ? d(to) : undefined, [DAY_MS, HOUR_MS]);
    expect(levels("2026-11-10T05:17:00Z", "2026-11-12T08:30:00Z")).toEqual({
      levels: [
        [{ from: d("2026-11-11T00:00:00Z"), to: d("2026-11-12T00:00:00Z") }],
        [
          { from: d("2026-11-10T06:00:00Z"), to: d("2026-11-11T00:00:00Z") },
          { from: d("2026-11-12T00:00:00Z"), to: d("2026-11-12T08:00:00Z") },
        ],
      ],
      edges: [
        { from: d("2026-11-10T05:17:00Z"), to: d("2026-11-10T06:00:00Z") },
        { from: d("2026-11-12T08:00:00Z"), to: d("2026-11-12T08:30:00Z") },
      ],
    });
    // Midnight to midnight: days only.
    expect(levels("2026-11-10T00:00:00Z", "2026-11-12T00:00:00Z")).toEqual({
      levels: [[{ from: d("2026-11-10T00:00:00Z"), to: d("2026-11-12T00:00:00Z") }], []],
      edges: [],
    });
    // No whole day inside: hours and edges, as splitRange by hours.
    expect(levels("2026-11-10T13:20:00Z", "2026-11-11T02:00:00Z")).toEqual({
      levels: [[], [{ from: d("2026-11-10T14:00:00Z"), to: d("2026-11-11T02:00:00Z") }]],
      edges: [{ from: d("2026-11-10T13:20:00Z"), to: d("2026-11-10T14:00:00Z") }],
    });
    // Open ends: all whole days on that side.
    expect(levels(undefined, "2026-11-10T00:30:00Z")).toEqual({
      levels: [[{ from: undefined, to: d("2026-11-10T00:00:00Z") }], []],
      edges: [{ from: d("2026-11-10T00:00:00Z"), to: d("2026-11-10T00:30:00Z") }],
    });
    expect(levels()).toEqual({ levels: [[{ from: undefined, to: undefined }], []], edges: [] });
    expect(levels("2026-11-10T05:00:00Z", "2026-11-10T05:00:00Z")).toEqual({ levels: [[], []], edges: [] });
  });

  it.each(RANGES)("histogram, facets and count for %j", async (qs) => {
    const q = parse(qs);
    expect(await histogram(db.pool, q, NOW)).toEqual(await histogram(db.pool, q, NOW, { rollups: false }));
    for (const contains of [undefined, "A", "zzz-none"]) {
      const opts = { limit: 100, contains };
      const viaRollups = await facetCounts(db.pool, q, FACET_FIELDS, opts);
      expect(viaRollups.every((f) => !f.sampled)).toBe(true);
      expect(viaRollups).toEqual(await facetCounts(db.pool, q, FACET_FIELDS, { ...opts, rollups: false, sample: 1e9 }));
    }
    expect(await matchCount(db.pool, q)).toEqual({ value: await countEvents(db.pool, q), exact: true });
  });

  it("really reads the rollups (a tampered rollup shows in the answers)", async () => {
    const q = parse("");
    const minute = (await db.pool.query(`SELECT max(minute) AS m FROM event_minutes`)).rows[0].m as Date;
    const hour = new Date(Math.floor(minute.getTime() / HOUR_MS) * HOUR_MS);
    const day = new Date(Math.floor(minute.getTime() / DAY_MS) * DAY_MS);
    // The last data hour as a range of its own: no whole day, so its hours are read.
    const hourOnly = parse(`from=${hour.toISOString()}&to=${new Date(hour.getTime() + HOUR_MS).toISOString()}`);
    await db.pool.query(`UPDATE event_minutes SET events = events + 1000 WHERE minute = $1`, [minute]);
    await db.pool.query(`INSERT INTO event_facet_hours VALUES ('eventName', $1, 'TamperedHour', 4000)`, [hour]);
    await db.pool.query(`INSERT INTO event_facet_days VALUES ('eventName', $1, 'TamperedDay', 5000)`, [day]);
    const top = async (q: EventQuery) => (await facetCounts(db.pool, q, FACET_FIELDS)).find((f) => f.field === "eventName")!.values[0];
    try {
      expect((await matchCount(db.pool, q)).value).toBe((await countEvents(db.pool, q)) + 1000);
      const h = (await histogram(db.pool, q, NOW))!;
      expect(h.buckets.reduce((n, b) => n + b.total, 0)).toBe((await countEvents(db.pool, q)) + 1000);
      expect(await top(q)).toEqual({ value: "TamperedDay", count: 5000 });
      expect(await top(hourOnly)).toEqual({ value: "TamperedHour", count: 4000 });
      // minutes ≠ events; hours ≠ events; days ≠ hours summed, for each tampered value
      expect(await verifyRollups(db.pool)).toHaveLength(4);
      // A rollup too big to add up in time (as at 10M events over months): the sampled scan answers.
      await db.pool.query(`UPDATE pg_class SET reltuples = 1e9 WHERE oid = 'event_facet_days'::regclass`);
      expect((await top(q)).value).not.toBe("TamperedDay");
      await db.pool.query(`ANALYZE event_facet_days`);
    } finally {
      await db.pool.query(`UPDATE event_minutes SET events = events - 1000 WHERE minute = $1`, [minute]);
      await db.pool.query(`DELETE FROM event_facet_hours WHERE value = 'TamperedHour'`);
      await db.pool.query(`DELETE FROM event_facet_days WHERE value = 'TamperedDay'`);
    }
  });

  it("filtered facets (the sampled path's GROUPING SETS) count like a plain GROUP BY", async () => {
    const q = parse("awsRegion=us-east-1&errorCode=!AccessDenied");
    const facets = await facetCounts(db.pool, q, FACET_FIELDS, { limit: 100 });
    for (const f of FACET_FIELDS) {
      const p = new URLSearchParams("awsRegion=us-east-1&errorCode=!AccessDenied");
      p.delete(f.key); // each facet leaves its own filter out
      const where = [...(p.has("awsRegion") ? ["aws_region = 'us-east-1'"] : []), ...(p.has("errorCode") ? ["(error_code IS NULL OR error_code <> 'AccessDenied')"] : [])];
      const col = f.kind === "bool" ? `${f.column}::text` : f.column;
      const { rows } = await db.pool.query(
        `SELECT v, count(*)::int AS n FROM (SELECT ${col} AS v FROM events ${where.length ? "WHERE " + where.join(" AND ") : ""}) s
          WHERE v IS NOT NULL OR $1 GROUP BY v ORDER BY n DESC, v NULLS LAST LIMIT 100`,
        [f.kind === "text"],
      );
      const got = facets.find((x) => x.field === f.key)!;
      expect(got.sampled).toBe(false);
      expect(got.values, f.key).toEqual(rows.map((r) => ({ value: r.v, count: r.n })));
    }
  });

  it("filtered counts stop at the cap and then say they are a lower bound", async () => {
    const q = parse("eventName=GetObject");
    const n = await countEvents(db.pool, q);
    expect(n).toBeGreaterThan(10);
    expect(await matchCount(db.pool, q)).toEqual({ value: n, exact: true });
    expect(await matchCount(db.pool, q, n)).toEqual({ value: n, exact: true });
    expect(await matchCount(db.pool, q, 10)).toEqual({ value: 10, exact: false });
  });
});

/**
 * COPYs normalised lines into `events` (no dedupe, no rollups) on the client's transaction. A
 * database at an older migration lacks columns later releases fill: the lines then go through a
 * staging table that has them, and only the columns `events` has are kept.
 */
async function copyEvents(client: pg.Client, lines: (string | Uint8Array)[]): Promise<void> {
  const have = new Set((await client.query(`SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'events'`)).rows.map((r) => r.c as string));
  const missing = COPY_COLUMNS.filter((c) => !have.has(c));
  const target = missing.length ? "events_older" : "events";
  if (missing.length) {
    await client.query(`CREATE TEMP TABLE events_older (LIKE events INCLUDING DEFAULTS)`);
    for (const c of missing) await client.query(`ALTER TABLE events_older ADD COLUMN "${c}" text`);
  }
  await new Promise<void>((resolve, reject) => {
    const stream = client.query(copyFrom(`COPY ${target} (${COPY_COLUMNS.map((c) => `"${c}"`).join(", ")}) FROM STDIN`));
    stream.on("error", reject);
    stream.on("finish", () => resolve());
    stream.end(Buffer.concat(lines.map((l) => (typeof l === "string" ? Buffer.from(l) : l))));
  });
  if (missing.length) {
    const kept = COPY_COLUMNS.filter((c) => have.has(c)).map((c) => `"${c}"`).join(", ");
    await client.query(`INSERT INTO events (${kept}) SELECT ${kept} FROM events_older`);
    await client.query(`DROP TABLE events_older`);
  }
}

// Sorting by a column keeps time order within equal values (issue 22, "the explorer's rough
// edges"): `sort=eventName:asc` lists each event name's events newest first, then by eventID
// descending, whichever way the column goes, NULLs last. Checked on a real PostgreSQL through the
// real ingest path: keyset pages of every size walk every event exactly once in that order (pages
// that end and begin inside a run of equal values, and inside the NULLs), the CSV and NDJSON
// exports list the same order, and a default-sorted first page is still read off the time index.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportStream } from "../lib/export/stream";
import { Loader } from "../lib/ingest/loader";
import { encodeLine, normalizeRecord } from "../lib/ingest/normalize";
import { listEvents } from "../lib/query/events";
import { parseEventQuery } from "../lib/query/params";
import { migrate } from "../lib/store/migrate";
import { parseCsv } from "./helpers/csv";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";
import { readAll } from "./helpers/stream";

const NOW = new Date("2026-11-20T12:00:00.000Z");
const ACCT = "111122223333";
const NAMES = ["StopLogging", "ListUsers", "AssumeRole"];
const N = 90;

type Rec = Record<string, unknown>;

/**
 * Few distinct values, many events each: runs of equal values span several pages. Times repeat
 * (every 4th event shares its minute with the one before) so ties on time fall back to eventID.
 * Every 10th event is an Insight (no eventName, no userIdentity: NULL in both sort columns);
 * every 3rd has an errorCode.
 */
function record(i: number): Rec {
  const minute = i - Math.floor(i / 4);
  const eventTime = new Date(NOW.getTime() - ((minute * 37) % 83) * 60_000).toISOString().replace(".000Z", "Z");
  const eventID = `tie-${String(i).padStart(3, "0")}`;
  if (i % 10 === 0) {
    return { eventVersion: "1.07", eventID, eventTime, awsRegion: "us-east-1", eventType: "AwsCloudTrailInsight", eventCategory: "Insight", recipientAccountId: ACCT, insightDetails: { state: "Start" } };
  }
  return {
    eventVersion: "1.11",
    eventID,
    eventTime,
    eventSource: "cloudtrail.amazonaws.com",
    eventName: NAMES[i % NAMES.length],
    awsRegion: i % 2 ? "us-east-1" : "eu-west-1",
    recipientAccountId: ACCT,
    eventType: "AwsApiCall",
    readOnly: i % 5 === 0 ? undefined : i % 2 === 0,
    ...(i % 3 === 0 ? { errorCode: i % 2 ? "AccessDenied" : "ThrottlingException" } : {}),
    userIdentity: { type: "IAMUser", arn: `arn:aws:iam::${ACCT}:user/u${i % 4}`, userName: `u${i % 4}`, accountId: ACCT },
  };
}

const RECORDS = Array.from({ length: N }, (_, i) => record(i));

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const COLUMN: Record<string, (r: Rec) => string | boolean | null> = {
  eventName: (r) => (r.eventName as string) ?? null,
  errorCode: (r) => (r.errorCode as string) ?? null,
  readOnly: (r) => (typeof r.readOnly === "boolean" ? r.readOnly : null),
  username: (r) => ((r.userIdentity as Rec | undefined)?.userName as string) ?? null,
};

/** The contract's order, written out: value (NULLs last), then eventTime desc, then eventID desc. */
function expected(key: string, dir: "asc" | "desc", recs: Rec[] = RECORDS): string[] {
  const s = dir === "asc" ? 1 : -1;
  return [...recs]
    .sort((a, b) => {
      const va = COLUMN[key](a);
      const vb = COLUMN[key](b);
      if (va === null || vb === null) {
        if (va !== vb) return va === null ? 1 : -1;
      } else if (va !== vb) {
        return (typeof va === "string" ? cmp(va, vb as string) : Number(va) - Number(vb)) * s;
      }
      const t = Date.parse(b.eventTime as string) - Date.parse(a.eventTime as string);
      return t !== 0 ? t : cmp(b.eventID as string, a.eventID as string);
    })
    .map((r) => r.eventID as string);
}

let tdb: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  tdb = await createTestDatabase("ts_sort_ties");
  await migrate(tdb.url);
  pool = new pg.Pool({ connectionString: tdb.url, max: 3 });
  pool.on("error", () => {}); // a connection still closing when the database is dropped
  const lines: Uint8Array[] = [];
  const ids: string[] = [];
  const rollups: string[] = [];
  for (const r of RECORDS) {
    const n = normalizeRecord(r, {});
    if (!n.ok) throw new Error(n.reason);
    lines.push(encodeLine(n.line));
    ids.push(n.id);
    rollups.push(n.rollup);
  }
  expect(await new Loader(pool).commit({ rows: { lines, ids, rollups, sketches: [] }, objects: [], cursors: [] })).toBe(N);
  await pool.query("ANALYZE events");
});

afterAll(async () => {
  await pool?.end();
  await tdb?.drop();
});

/** Every page of a query, following nextCursor; the ids in the order listed and the page count. */
async function pages(qs: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let n = 0;
  do {
    const sp = new URLSearchParams(qs);
    sp.set("limit", String(limit));
    if (cursor) sp.set("cursor", cursor);
    const page = await listEvents(pool, parseEventQuery(sp, { now: NOW, paging: true }));
    ids.push(...page.events.map((e) => e.eventID as string));
    cursor = page.nextCursor;
    if (++n > N + 2) throw new Error("paging does not end");
  } while (cursor);
  return { ids, pages: n };
}

describe("sorting by a column keeps time order within equal values", () => {
  it("the fixture has long runs of equal values, NULLs, and equal times", () => {
    const names = RECORDS.map(COLUMN.eventName);
    expect(names.filter((v) => v === "StopLogging").length).toBeGreaterThan(20);
    expect(names.filter((v) => v === null).length).toBe(9);
    const times = RECORDS.map((r) => r.eventTime);
    expect(new Set(times).size).toBeLessThan(N);
  });

  it("sort=eventName:asc: each name's events newest first, then eventID descending; no name last", async () => {
    const { ids } = await pages("sort=eventName:asc", 1000);
    expect(ids).toEqual(expected("eventName", "asc"));
    const byId = new Map(RECORDS.map((r) => [r.eventID as string, r]));
    const stops = ids.filter((id) => byId.get(id)!.eventName === "StopLogging").map((id) => byId.get(id)!.eventTime as string);
    expect(stops).toEqual([...stops].sort().reverse());
    expect(ids.slice(-9).every((id) => byId.get(id)!.eventName === undefined)).toBe(true);
  });

  it("descending keeps the same order within equal values (newest first)", async () => {
    const { ids } = await pages("sort=eventName:desc", 1000);
    expect(ids).toEqual(expected("eventName", "desc"));
    expect(ids[0]).toBe(expected("eventName", "desc")[0]);
  });

  for (const key of Object.keys(COLUMN)) {
    for (const dir of ["asc", "desc"] as const) {
      it(`sort=${key}:${dir}: keyset pages of 1, 4 and 7 walk every event exactly once, in order`, async () => {
        const want = expected(key, dir);
        for (const limit of [1, 4, 7]) {
          const { ids, pages: n } = await pages(`sort=${key}:${dir}`, limit);
          expect(ids, `limit ${limit}`).toEqual(want);
          expect(new Set(ids).size).toBe(N);
          expect(n).toBe(Math.ceil(N / limit));
        }
      });
    }
  }

  it("pages with a filter too (the NULLs of errorCode excluded, then only they)", async () => {
    const withError = RECORDS.filter((r) => r.errorCode);
    expect((await pages("sort=errorCode:desc&errorCode=*", 3)).ids).toEqual(expected("errorCode", "desc", withError));
    const none = RECORDS.filter((r) => !r.errorCode);
    expect((await pages("sort=errorCode:asc&errorCode=!*", 5)).ids).toEqual(expected("errorCode", "asc", none));
  });

  it("a cursor made before ties went by time (no eventTime in it) is refused as a cursor, not a 500", async () => {
    const old = Buffer.from(JSON.stringify({ s: "eventName", d: "asc", v: "ListUsers", id: "tie-001" })).toString("base64url");
    await expect(listEvents(pool, parseEventQuery(new URLSearchParams(`sort=eventName:asc&cursor=${old}`), { now: NOW, paging: true }))).rejects.toMatchObject({ param: "cursor" });
  });

  it("CSV (COPY and cursor paths) and NDJSON exports list the same order as the pages", async () => {
    for (const [key, dir] of [["eventName", "asc"], ["eventName", "desc"], ["errorCode", "asc"], ["readOnly", "desc"]] as const) {
      const want = expected(key, dir);
      const q = () => parseEventQuery(new URLSearchParams(`sort=${key}:${dir}`), { now: NOW });
      for (const via of ["copy", "cursor"] as const) {
        const table = parseCsv(await readAll(exportStream(pool, q(), "csv", { via, fetchRows: 7 })));
        const col = table[0].indexOf("eventID");
        expect(table.slice(1).map((row) => row[col]), `${key}:${dir} csv via ${via}`).toEqual(want);
      }
      const nd = (await readAll(exportStream(pool, q(), "ndjson", { fetchRows: 7 }))).trim().split("\n");
      expect(nd.map((l) => JSON.parse(l).eventID), `${key}:${dir} ndjson`).toEqual(want);
    }
  });
});

describe("indexes", () => {
  /** The plan of the SQL listEvents sends for a first page (captured, then EXPLAINed). */
  async function plan(qs: string): Promise<string> {
    let sent: { sql: string; params: unknown[] } | undefined;
    const spy = { query: async (sql: string, params: unknown[]) => ((sent = { sql, params }), { rows: [] }) } as unknown as pg.Pool;
    await listEvents(spy, parseEventQuery(new URLSearchParams(qs), { now: NOW, paging: true }));
    const c = await pool.connect();
    try {
      // Ninety rows: scanning them all and sorting is cheapest here. With scans of the whole table
      // and sorting made costly (not impossible), the plan has no Sort only if an index yields the
      // order by itself, as it must at 10M rows.
      await c.query("BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off");
      const { rows } = await c.query(`EXPLAIN ${sent!.sql}`, sent!.params);
      return rows.map((r) => r["QUERY PLAN"] as string).join("\n");
    } finally {
      await c.query("ROLLBACK");
      c.release();
    }
  }

  it("a default-sorted first page is read off the time index, with no sort", async () => {
    const p = await plan("");
    expect(p).toMatch(/Index Scan using events_time_id_idx on events/);
    expect(p).not.toMatch(/Sort/);
  });

  it("sort=eventName:asc is exactly the order of the eventName filter index (column, time desc, id desc)", async () => {
    const p = await plan("sort=eventName:asc");
    expect(p).toMatch(/Index Scan using events_event_name_time_idx on events/);
    expect(p).not.toMatch(/Sort/);
  });
});

// The filter indexes of migration 20261122000200_filter_indexes (and the opt-in free-text index its
// comment describes) are actually usable by the SQL lib/query builds: an index the predicate does not match (another expression, another
// operator) is silently never used and only costs ingest time. Planner choices on a table of a few
// hundred rows are not what they are at 1M (a seq scan is cheaper there), so each query's plan is
// read with seq scans disabled (`enable_seqscan = off` makes them cost-prohibitive, not
// impossible): the index then wins only if it can answer the predicate. Results of the index plan
// are compared with a forced seq scan, so the index path is exact (trigram candidates are rechecked).
// Timings live in bench/INDEXES.md, not here.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Loader } from "../lib/ingest/loader";
import { encodeLine, normalizeRecord } from "../lib/ingest/normalize";
import { listEvents } from "../lib/query/events";
import { parseEventQuery } from "../lib/query/params";
import { migrate } from "../lib/store/migrate";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";

const NOW = new Date("2026-11-20T12:00:00.000Z");
const N = 400;
const NAMES = ["GetObject", "PutObject", "AssumeRole", "Decrypt", "ListBuckets", "StopLogging"];
const ERRORS = [null, null, null, null, "AccessDenied", "NoSuchKey"];

// Deterministic records: every value repeats with a known period, a few values are rare.
function record(i: number): Record<string, unknown> {
  const rare = i === 7;
  return {
    eventVersion: "1.08",
    eventID: `evt-${String(i).padStart(4, "0")}`,
    eventTime: new Date(NOW.getTime() - i * 60_000).toISOString().replace(".000Z", "Z"),
    eventSource: "s3.amazonaws.com",
    eventName: rare ? "StopLogging" : NAMES[i % 5],
    awsRegion: ["us-east-1", "eu-west-1"][i % 2],
    sourceIPAddress: rare ? "146.70.199.23" : `10.0.${i % 7}.${i % 11}`,
    userAgent: "aws-cli/2.15.0",
    requestID: `req-${i}`,
    eventType: "AwsApiCall",
    recipientAccountId: "111122223333",
    ...(ERRORS[i % 6] ? { errorCode: ERRORS[i % 6] } : {}),
    userIdentity: {
      type: "IAMUser",
      arn: `arn:aws:iam::111122223333:user/user-${i % 13}`,
      userName: `user-${i % 13}`,
      accessKeyId: rare ? "AKIARARERARERARE0001" : `AKIA${String(i % 17).padStart(16, "0")}`,
    },
    requestParameters: {
      bucketName: `bucket-${i % 9}`,
      key: rare ? 'C:\\Tools\\agent "x" 日本語.exe' : `obj-${i}.txt`,
    },
    resources: [{ ARN: `arn:aws:s3:::bucket-${i % 9}`, type: "AWS::S3::Bucket" }],
  };
}

let tdb: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  tdb = await createTestDatabase("ts_indexes");
  await migrate(tdb.url);
  pool = new pg.Pool({ connectionString: tdb.url, max: 2 });
  // A connection the pool's idle timer is still closing when afterAll drops the database gets
  // "terminating connection": without a listener, an uncaught error (as in query.test.ts).
  pool.on("error", () => {});
  const lines: Uint8Array[] = [];
  const ids: string[] = [];
  const rollups: string[] = [];
  for (let i = 0; i < N; i++) {
    const n = normalizeRecord(record(i), {});
    if (!n.ok) throw new Error(n.reason);
    lines.push(encodeLine(n.line));
    ids.push(n.id);
    rollups.push(n.rollup);
  }
  const loader = new Loader(pool);
  expect(await loader.commit({ rows: { lines, ids, rollups, sketches: [] }, objects: [], cursors: [] })).toBe(N);
  await pool.query("ANALYZE events");
});

afterAll(async () => {
  await pool?.end();
  await tdb?.drop();
});

/** The exact SQL and parameters listEvents sends for a query string (first page or a later one). */
async function listSql(qs: string): Promise<{ sql: string; params: unknown[] }> {
  let captured: { sql: string; params: unknown[] } | undefined;
  const spy = {
    query: async (sql: string, params: unknown[]) => {
      // The search-sketch probe (lib/query/search.ts) runs for real; the events query is captured.
      if (/FROM search_blocks/.test(sql)) return pool.query(sql, params);
      captured = { sql, params };
      return { rows: [] };
    },
  } as unknown as pg.Pool;
  await listEvents(spy, parseEventQuery(new URLSearchParams(qs), { now: NOW, paging: true }));
  return captured!;
}

/** Runs fn in a transaction with the given planner settings (SET LOCAL ends with it). */
async function withSettings<T>(settings: Record<string, string>, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    for (const [k, v] of Object.entries(settings)) await c.query(`SET LOCAL ${k} = ${v}`);
    return await fn(c);
  } finally {
    await c.query("ROLLBACK");
    c.release();
  }
}

const NO_SEQSCAN = { enable_seqscan: "off" };
const SEQSCAN_ONLY = { enable_indexscan: "off", enable_bitmapscan: "off", enable_indexonlyscan: "off" };

/**
 * Index names the plan reads on `events` (the integrity column of each listed row is one lookup
 * of its log file by primary key, in a subplan of its own).
 */
async function indexesUsed(qs: string, settings = NO_SEQSCAN): Promise<string[]> {
  const { sql, params } = await listSql(qs);
  const plan = await withSettings(settings, async (c) => (await c.query(`EXPLAIN (FORMAT JSON) ${sql}`, params)).rows[0]["QUERY PLAN"]);
  const out = new Set<string>();
  const walk = (n: { "Index Name"?: string; Plans?: unknown[] }) => {
    if (n["Index Name"]) out.add(n["Index Name"]);
    for (const p of n.Plans ?? []) walk(p as typeof n);
  };
  walk(plan[0].Plan);
  return [...out].filter((name) => name.startsWith("events_")).sort();
}

async function ids(qs: string, settings: Record<string, string>): Promise<string[]> {
  const { sql, params } = await listSql(qs);
  return withSettings(settings, async (c) => (await c.query(sql, params)).rows.map((r) => r.eventID as string));
}

describe("filter indexes", () => {
  it.each([
    ["accessKeyId=AKIARARERARERARE0001", "events_access_key_id_time_idx"],
    ["principalArn=arn:aws:iam::111122223333:user/user-3", "events_principal_arn_time_idx"],
    ["username=user-3", "events_username_time_idx"],
    ["sourceIPAddress=146.70.199.23", "events_source_ip_address_time_idx"],
    ["eventName=StopLogging", "events_event_name_time_idx"],
    ["errorCode=NoSuchKey", "events_error_code_time_idx"],
    ["requestID=req-7", "events_request_id_idx"],
    ["resourceName=arn:aws:s3:::bucket-4", "events_resource_names_idx"],
    ["resourceName=arn:aws:s3:::bucket-4&resourceName=arn:aws:s3:::bucket-5", "events_resource_names_idx"],
    ["eventName=StopLogging&eventName=Decrypt", "events_event_name_time_idx"],
    ["accessKeyId=AKIA0000000000000003&from=2026-11-20T08:00:00Z&to=2026-11-20T11:00:00Z", "events_access_key_id_time_idx"],
  ])("%s can use %s, with the same rows as a seq scan", async (qs, index) => {
    expect(await indexesUsed(qs)).toContain(index);
    const viaIndex = await ids(qs, NO_SEQSCAN);
    expect(viaIndex.length).toBeGreaterThan(0);
    expect(viaIndex).toEqual(await ids(qs, SEQSCAN_ONLY));
  });

  it("a later keyset page ((event_time, id) < cursor) stays on the value's index", async () => {
    const qs = "accessKeyId=AKIA0000000000000003&limit=5";
    const first = await listEvents(pool, parseEventQuery(new URLSearchParams(qs), { now: NOW, paging: true }));
    expect(first.nextCursor).not.toBeNull();
    const page2 = `${qs}&cursor=${first.nextCursor}`;
    expect(await indexesUsed(page2)).toEqual(["events_access_key_id_time_idx"]);
    expect(await ids(page2, NO_SEQSCAN)).toEqual(await ids(page2, SEQSCAN_ONLY));
  });
});

describe("free-text (q) trigram index (opt-in)", () => {
  // Not created by the migrations (its ingest cost: bench/INDEXES.md); this is the index the
  // migration's comment tells a deployment to create by hand. It only helps if the predicate of
  // lib/query/sql.ts is on the very same expression, which is what this checks.
  beforeAll(async () => {
    await pool.query("CREATE EXTENSION IF NOT EXISTS pg_trgm");
    await pool.query("CREATE INDEX events_record_trgm_idx ON events USING GIN ((coalesce(raw_json, record::text)) gin_trgm_ops)");
    await pool.query("ANALYZE events");
  });

  // A seq scan is also the time-ordered index walk's competitor; with both index scans off but
  // bitmap scans on, the trigram index is the only way left that does not read every row.
  const TRGM_ONLY = { enable_seqscan: "off", enable_indexscan: "off", enable_indexonlyscan: "off" };

  it.each([
    "146.70.199.23",
    "akiarareRARERARE0001", // case-insensitive
    "obj-12",
    'agent "x"', // JSON-escaped in the record: \"
    "C:\\Tools", // \\ in the record
    "日本語",
    "zz-no-such-text-zz",
  ])("q=%s uses events_record_trgm_idx and finds what a seq scan finds", async (term) => {
    const qs = `q=${encodeURIComponent(term)}&limit=1000`;
    expect(await indexesUsed(qs, TRGM_ONLY)).toEqual(["events_record_trgm_idx"]);
    expect(await ids(qs, TRGM_ONLY)).toEqual(await ids(qs, SEQSCAN_ONLY));
  });

  it("several q terms (OR) and terms too short for trigrams are still exact", async () => {
    for (const qs of ["q=obj-12&q=146.70.199.23", "q=x", "q=%5C", "q=7.", "q=obj-12&eventName=PutObject"]) {
      const viaIndex = await ids(`${qs}&limit=1000`, TRGM_ONLY);
      expect(viaIndex, qs).toEqual(await ids(`${qs}&limit=1000`, SEQSCAN_ONLY));
    }
    expect(await ids("q=146.70.199.23", TRGM_ONLY)).toEqual(["evt-0007"]);
  });
});

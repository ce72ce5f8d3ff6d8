// The /sync page's freshness (lib/sync/freshness.ts) on a real PostgreSQL: the newest event per
// account and region equals what a GROUP BY over every event says, a scoped principal sees its
// accounts alone, stale pairs are the ones behind the others, and the plan reads the index only
// (seq scans disabled: a scan of `events` would be the cost of a 10M-event table on every page load).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Access } from "../lib/auth/access";
import { Loader } from "../lib/ingest/loader";
import { encodeLine, normalizeRecord } from "../lib/ingest/normalize";
import { freshness, judgeFreshness } from "../lib/sync/freshness";
import { migrate } from "../lib/store/migrate";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";

const NOW = Date.parse("2026-11-20T12:00:00Z");
const H = 3600_000;

/** account → region → newest event's age in hours (each pair also gets older events). */
const LAYOUT: Record<string, Record<string, number>> = {
  "111122223333": { "us-east-1": 0, "eu-west-1": 2, "ap-south-1": 72 },
  "444455556666": { "us-east-1": 1, "eu-central-1": 30 },
  "999988887777": { "sa-east-1": 5 },
};

let i = 0;
function record(account: string | undefined, region: string | undefined, t: number): Record<string, unknown> {
  i++;
  return {
    eventVersion: "1.08",
    eventID: `fresh-${String(i).padStart(5, "0")}`,
    eventTime: new Date(t).toISOString(),
    eventSource: "iam.amazonaws.com",
    eventName: "ListUsers",
    ...(region ? { awsRegion: region } : {}),
    ...(account ? { recipientAccountId: account } : {}),
    userIdentity: { type: "IAMUser", userName: "alice" },
  };
}

const access = (scope: string[] | null): Access => ({ kind: "session", userId: "u1", name: "t@example.test", role: "auditor", scope, ip: null });

let tdb: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  tdb = await createTestDatabase("ts_freshness");
  await migrate(tdb.url);
  pool = new pg.Pool({ connectionString: tdb.url, max: 2 });
  pool.on("error", () => {});
  const records: Record<string, unknown>[] = [];
  for (const [account, regions] of Object.entries(LAYOUT)) {
    for (const [region, hours] of Object.entries(regions)) {
      for (let k = 0; k < 40; k++) records.push(record(account, region, NOW - hours * H - k * 7 * 60_000));
    }
  }
  // An event naming no region, and one naming no account at all.
  records.push(record("444455556666", undefined, NOW - 3 * H));
  records.push(record(undefined, "us-east-1", NOW - 4 * H));
  const lines: Uint8Array[] = [];
  const ids: string[] = [];
  const rollups: string[] = [];
  for (const r of records) {
    const n = normalizeRecord(r, {});
    if (!n.ok) throw new Error(n.reason);
    lines.push(encodeLine(n.line));
    ids.push(n.id);
    rollups.push(n.rollup);
  }
  expect(await new Loader(pool).commit({ rows: { lines, ids, rollups, sketches: [] }, objects: [], cursors: [] })).toBe(records.length);
  await pool.query("ANALYZE events");
});

afterAll(async () => {
  await pool?.end();
  await tdb?.drop();
});

describe("freshness", () => {
  it("gives the newest event of every account and region, as a GROUP BY over all events does", async () => {
    const rows = await freshness(pool, access(null));
    const truth = await pool.query(
      `SELECT recipient_account_id AS account, aws_region AS region, max(event_time) AS newest FROM events GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2 NULLS LAST`,
    );
    expect(rows).toEqual(truth.rows.map((r) => ({ account: r.account, region: r.region, newest: r.newest.toISOString() })));
    expect(rows.find((r) => r.account === "111122223333" && r.region === "ap-south-1")?.newest).toBe(new Date(NOW - 72 * H).toISOString());
    expect(rows.find((r) => r.account === "444455556666" && r.region === null)?.newest).toBe(new Date(NOW - 3 * H).toISOString());
    expect(rows.find((r) => r.account === null)).toEqual({ account: null, region: "us-east-1", newest: new Date(NOW - 4 * H).toISOString() });
  });

  it("shows a scoped principal its own accounts only", async () => {
    const rows = await freshness(pool, access(["444455556666", "000000000000"]));
    expect(rows.map((r) => `${r.account}/${r.region}`)).toEqual(["444455556666/eu-central-1", "444455556666/us-east-1", "444455556666/null"]);
    expect(await freshness(pool, access(["000000000000"]))).toEqual([]);
  });

  it("marks the pairs more than 24 h behind the freshest as stale, with their age", async () => {
    const { rows, newest } = judgeFreshness(await freshness(pool, access(null)), new Date(NOW + 30 * 60_000));
    expect(newest).toBe(new Date(NOW).toISOString());
    expect(rows.filter((r) => r.stale).map((r) => `${r.account}/${r.region}`)).toEqual(["111122223333/ap-south-1", "444455556666/eu-central-1"]);
    const euw = rows.find((r) => r.region === "eu-west-1")!;
    expect(euw).toMatchObject({ behindMs: 2 * H, ageMs: 2.5 * H, stale: false });
    // Last year's logs loaded today: old, but none late against the others.
    expect(judgeFreshness([{ account: "1", region: "r", newest: "2025-01-01T00:00:00.000Z" }], new Date(NOW)).rows[0].stale).toBe(false);
    expect(judgeFreshness([], new Date(NOW))).toEqual({ rows: [], newest: null });
  });

  it("reads the index, never a scan of events", async () => {
    const c = await pool.connect();
    const plans: string[] = [];
    try {
      await c.query("SET enable_seqscan = off");
      // The statements freshness() runs, as PostgreSQL plans them.
      const spy = {
        query: async (text: string, values: unknown[]) => {
          const plan = await c.query(`EXPLAIN (ANALYZE, COSTS OFF) ${text}`, values);
          plans.push(plan.rows.map((r) => r["QUERY PLAN"]).join("\n"));
          return c.query(text, values);
        },
      };
      const rows = await freshness(spy as unknown as pg.Pool, access(["111122223333"]));
      expect(rows).toHaveLength(3);
    } finally {
      await c.query("RESET enable_seqscan");
      c.release();
    }
    expect(plans).toHaveLength(2);
    // Every read of events (the recursive steps' too: ANALYZE shows the subplans it ran) is a probe
    // of an index led by the account.
    const reads = plans.flatMap((plan) => plan.split("\n").filter((l) => / on events\b/.test(l)));
    expect(reads.length).toBeGreaterThanOrEqual(5);
    for (const l of reads) expect(l).toMatch(/Index (Only )?Scan using events_account_(region_)?time_idx on events/);
    expect(plans[1]).toContain("events_account_region_time_idx");
  });
});

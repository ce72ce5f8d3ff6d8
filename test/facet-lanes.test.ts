// Rollup facets run as two queries at once (lib/query/facets.ts): the fields balanced between
// them by their share of the rollup rows, both queries in one snapshot so their counts agree as
// one query's would, even while a sync commits in between.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIELD_BY_KEY, type FieldDef } from "../lib/fields";
import { balanceFields } from "../lib/query/facets";
import { queriesInOneSnapshot } from "../lib/store/settings";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";

const field = (key: string): FieldDef => {
  const f = FIELD_BY_KEY.get(key);
  if (!f) throw new Error(`no field ${key}`);
  return f;
};

describe("balanceFields", () => {
  const fields = ["eventName", "sourceIPAddress", "awsRegion", "principalArn", "username"].map(field);
  const keys = (groups: FieldDef[][]) => groups.map((g) => g.map((f) => f.key));

  it("puts the field with most rows alone when it outweighs the rest", () => {
    const share = new Map([["sourceIPAddress", 0.82], ["principalArn", 0.07], ["username", 0.05], ["eventName", 0.05], ["awsRegion", 0.01]]);
    expect(keys(balanceFields(fields, share, 2))).toEqual([["sourceIPAddress"], ["principalArn", "eventName", "username", "awsRegion"]]);
  });

  it("evens out comparable fields, heaviest first, each to the lighter group", () => {
    const share = new Map([["sourceIPAddress", 0.3], ["principalArn", 0.25], ["username", 0.2], ["eventName", 0.15], ["awsRegion", 0.1]]);
    // 0.3 | 0.25 → +0.2 to the second (0.45) → +0.15 to the first (0.45) → +0.1 to the first (tie: first group).
    expect(keys(balanceFields(fields, share, 2))).toEqual([["sourceIPAddress", "eventName", "awsRegion"], ["principalArn", "username"]]);
  });

  it("without statistics splits by count, keeping catalog order; never more groups than fields or lanes", () => {
    expect(keys(balanceFields(fields, new Map(), 2))).toEqual([["eventName", "awsRegion", "username"], ["sourceIPAddress", "principalArn"]]);
    expect(keys(balanceFields(fields.slice(0, 1), new Map(), 2))).toEqual([["eventName"]]);
    expect(keys(balanceFields(fields, new Map(), 1))).toEqual([fields.map((f) => f.key)]);
  });

  it("a field the statistics do not know weighs nothing but is still counted", () => {
    const groups = balanceFields(fields, new Map([["sourceIPAddress", 1]]), 2);
    expect(groups.flat().map((f) => f.key).sort()).toEqual(fields.map((f) => f.key).sort());
  });
});

describe("queriesInOneSnapshot", () => {
  let tdb: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    tdb = await createTestDatabase("ts_lanes");
    pool = new pg.Pool({ connectionString: tdb.url, max: 4 });
    await pool.query(`CREATE TABLE t (n int); INSERT INTO t SELECT generate_series(1, 10)`);
  });

  afterAll(async () => {
    await pool?.end();
    await tdb?.drop();
  });

  const count = { sql: `SELECT count(*)::int AS n, current_setting('work_mem') AS mem, pg_backend_pid() AS pid FROM t`, values: [] };
  const sleep = { sql: `SELECT pg_sleep(0.4)`, values: [] };

  it("runs on two connections in one snapshot: a row committed meanwhile is in neither", async () => {
    // Lane 0 counts at once (and again at once); lane 1 sleeps, then counts after the insert below.
    const running = queriesInOneSnapshot(pool, { work_mem: "8MB" }, [count, sleep, count, count]);
    await new Promise((r) => setTimeout(r, 150));
    await pool.query(`INSERT INTO t VALUES (11)`);
    const [a, , b, late] = await running;
    expect([a.rows[0].n, b.rows[0].n, late.rows[0].n]).toEqual([10, 10, 10]);
    expect(late.rows[0].pid).not.toBe(a.rows[0].pid); // the late count ran on the other connection
    expect([a.rows[0].mem, late.rows[0].mem]).toEqual(["8MB", "8MB"]);
    expect((await pool.query(`SELECT count(*)::int AS n FROM t`)).rows[0].n).toBe(11);
    // The settings were local to those transactions.
    expect((await pool.query(`SHOW work_mem`)).rows[0].work_mem).not.toBe("8MB");
  });

  it("with one connection in the pool runs them in turn on it, results in the queries' order", async () => {
    const one = new pg.Pool({ connectionString: tdb.url, max: 1 });
    try {
      const r = await queriesInOneSnapshot(one, {}, [
        { sql: `SELECT 1 AS x`, values: [] },
        { sql: `SELECT $1::int AS x`, values: [2] },
        { sql: `SELECT 3 AS x`, values: [] },
      ]);
      expect(r.map((q) => q.rows[0].x)).toEqual([1, 2, 3]);
    } finally {
      await one.end();
    }
  });

  it("a failing query fails the call and leaves the pool usable", async () => {
    await expect(queriesInOneSnapshot(pool, {}, [count, { sql: `SELECT * FROM no_such_table`, values: [] }])).rejects.toThrow(/no_such_table/);
    expect((await pool.query(`SELECT count(*)::int AS n FROM t`)).rows[0].n).toBe(11);
  });
});

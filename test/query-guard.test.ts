// The query guard against a real PostgreSQL: exports abandoned at any moment give their connection
// back, request queries have a time limit and are cancelled when their client goes away, and the
// errors of a slow query or an unreachable database answer 503 with a message, not a 500.
// Every wait is for a condition (pg_stat_activity, the pool's counts), never for a fixed time.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleError } from "../lib/api/respond";
import { exportStream, type ExportFormat } from "../lib/export/stream";
import { Loader } from "../lib/ingest/loader";
import { encodeLine, normalizeRecord } from "../lib/ingest/normalize";
import { generateRecords } from "../lib/demo/generate";
import { facetCounts } from "../lib/query/facets";
import { listEvents } from "../lib/query/events";
import { ParamError, parseEventQuery, type EventQuery } from "../lib/query/params";
import { abortablePool, basePool, RequestAbortedError } from "../lib/store/abort";
import { withClient } from "../lib/store/checkout";
import { getDb, openDb, queryTimeoutMs, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { SketchBuilder } from "../lib/store/sketch";
import { syncIntervalMs } from "../lib/sync/config";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";
import { readAll } from "./helpers/stream";

const EVENTS = 3000;
const START = new Date("2026-10-01T00:00:00Z");
const END = new Date("2026-10-08T00:00:00Z");

let tdb: TestDatabase;
/** Watches the server from outside the pools under test. */
let admin: pg.Client;
const opened: Db[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase("ts_guard");
  await migrate(tdb.url);
  const seed = new pg.Pool({ connectionString: tdb.url, max: 2, application_name: "seed" });
  seed.on("error", () => {});
  const lines: Uint8Array[] = [];
  const ids: string[] = [];
  const rollups: string[] = [];
  const sketch = new SketchBuilder(256);
  for (const r of generateRecords({ count: EVENTS, start: START, end: END, insights: false })) {
    const n = normalizeRecord(r, {});
    if (!n.ok) continue;
    sketch.add(n.text);
    lines.push(encodeLine(n.line));
    ids.push(n.id);
    rollups.push(n.rollup);
  }
  await new Loader(seed, () => {}).commit({ rows: { lines, ids, rollups, sketches: sketch.finish() }, objects: [], cursors: [] });
  await seed.end();
  admin = new pg.Client({ connectionString: tdb.url, application_name: "watcher" });
  await admin.connect();
});

afterAll(async () => {
  for (const db of opened) await db.close();
  await admin?.end();
  await tdb?.drop();
});

/** The backend pids each pool has connected: a test looks only at its own pool's sessions. */
const pidsOf = new WeakMap<pg.Pool, Set<number>>();

function watched(db: Db): Db {
  const pids = new Set<number>();
  pidsOf.set(db.pool, pids);
  db.pool.on("connect", (c) => pids.add((c as unknown as { processID: number }).processID));
  opened.push(db);
  return db;
}

function open(max: number, opts: { queryTimeoutMs?: number } = {}): Db {
  return watched(openDb(tdb.url, { max, ...opts }));
}

const query = (qs: string): EventQuery => parseEventQuery(new URLSearchParams(qs), { now: END });
const everything = () => query(`from=${START.toISOString()}&to=${END.toISOString()}`);

interface Session {
  pid: number;
  state: string | null;
  query: string;
  wait_event_type: string | null;
}

/** The live sessions of `pool`'s connections. */
async function sessions(pool: pg.Pool): Promise<Session[]> {
  const { rows } = await admin.query<Session>(`SELECT pid, state, query, wait_event_type FROM pg_stat_activity WHERE pid = ANY($1::int[])`, [
    [...(pidsOf.get(pool) ?? [])],
  ]);
  return rows;
}

const pause = () => new Promise((r) => setTimeout(r, 20));

/** Polls until `probe` returns something truthy (the test's own timeout bounds a condition that never comes). */
async function waitFor<T>(probe: () => Promise<T> | T): Promise<NonNullable<T>> {
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    await pause();
  }
}

/** Every client of the pool is back and idle, and nobody waits for one. */
const poolAtRest = (pool: pg.Pool) => pool.waitingCount === 0 && pool.idleCount === pool.totalCount;

describe("exports cancelled while waiting for a pool connection", () => {
  for (const format of ["ndjson", "csv"] as ExportFormat[]) {
    it(`${format}: eight cancelled exports leave the pool fully usable`, async () => {
      const { pool } = open(2);
      // Both connections taken: every export below waits in the pool's queue.
      const holders = [await pool.connect(), await pool.connect()];
      let done = 0;
      const streams = Array.from({ length: 8 }, () => exportStream(pool, everything(), format, { onDone: () => done++ }));
      await waitFor(() => pool.waitingCount === 8);
      await Promise.all(streams.map((s) => s.cancel()));
      for (const h of holders) h.release();

      // The connections the pool hands the cancelled exports must come straight back. Before the
      // fix, the NDJSON export ran BEGIN and DECLARE on them and kept them: idle in transaction,
      // for good, and the other six waiters never got a connection.
      const outcome = await waitFor(async () => {
        if ((await sessions(pool)).some((s) => s.state === "idle in transaction" && s.query.includes("trailscope_export"))) return "leaked";
        return poolAtRest(pool) ? "at rest" : undefined;
      });
      expect(outcome).toBe("at rest");
      expect((await pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
      expect((await sessions(pool)).filter((s) => s.state !== "idle")).toEqual([]);
      expect(done).toBe(8);
    });
  }
});

describe("exports abandoned mid-way", () => {
  for (const format of ["ndjson", "csv"] as ExportFormat[]) {
    it(`${format}: a slow reader that cancels frees its connection`, async () => {
      const { pool } = open(2);
      let done = 0;
      const stream = exportStream(pool, everything(), format, { fetchRows: 100, onDone: () => done++ });
      const reader = stream.getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      // The reader stalls here: the export holds its connection, mid-transaction.
      expect(pool.totalCount - pool.idleCount).toBe(1);
      await reader.cancel();
      await waitFor(async () => poolAtRest(pool) && (await sessions(pool)).every((s) => s.state === "idle"));
      expect(done).toBe(1);
      // The pool serves on, and its two connections can both be had.
      const both = [await pool.connect(), await pool.connect()];
      for (const c of both) c.release();
    });

    it(`${format}: an export read whole gives its connection back for reuse, onDone once`, async () => {
      const { pool } = open(2);
      let done = 0;
      const text = await readAll(exportStream(pool, everything(), format, { fetchRows: 500, onDone: () => done++ }));
      const lines = text.split(/\r?\n/).filter(Boolean).length;
      expect(lines).toBe(EVENTS + (format === "csv" ? 1 : 0));
      expect(done).toBe(1);
      expect(poolAtRest(pool)).toBe(true);
      expect(pool.totalCount).toBe(1); // reused, not closed
    });
  }

  for (const format of ["ndjson", "csv"] as ExportFormat[]) {
    it(`${format}: a statement still running when the client goes away is cancelled, not left to run`, async () => {
      const { pool } = open(2);
      // A lock on events keeps the export's statement (DECLARE / COPY) running: waiting.
      const locker = new pg.Client({ connectionString: tdb.url, application_name: "locker" });
      await locker.connect();
      try {
        await locker.query("BEGIN");
        await locker.query("LOCK TABLE events IN ACCESS EXCLUSIVE MODE");
        let done = 0;
        const stream = exportStream(pool, everything(), format, { onDone: () => done++ });
        const blocked = await waitFor(async () => (await sessions(pool)).find((s) => s.wait_event_type === "Lock"));
        await stream.cancel();
        // A closed socket alone would leave it waiting for the lock, then reading every row.
        await waitFor(async () => !(await sessions(pool)).some((s) => s.pid === blocked.pid));
        await waitFor(() => poolAtRest(pool));
        expect(done).toBe(1);
      } finally {
        await locker.end();
      }
    });
  }

  it("a failing export releases its connection and calls onDone once", async () => {
    const { pool } = open(2);
    let done = 0;
    // A search-block probe on a table that is missing: the export fails after it has its connection.
    await admin.query(`ALTER TABLE search_blocks RENAME TO search_blocks_away`);
    try {
      await expect(readAll(exportStream(pool, query(`q=AccessDenied&from=${START.toISOString()}`), "ndjson", { onDone: () => done++ }))).rejects.toThrow();
    } finally {
      await admin.query(`ALTER TABLE search_blocks_away RENAME TO search_blocks`);
    }
    expect(done).toBe(1);
    await waitFor(() => poolAtRest(pool));
  });
});

describe("statement time limit", () => {
  it("parses TRAILSCOPE_QUERY_TIMEOUT strictly", () => {
    expect(queryTimeoutMs({})).toBe(5000);
    expect(queryTimeoutMs({ TRAILSCOPE_QUERY_TIMEOUT: "30s" })).toBe(30_000);
    expect(queryTimeoutMs({ TRAILSCOPE_QUERY_TIMEOUT: "0" })).toBe(0);
    expect(queryTimeoutMs({ TRAILSCOPE_QUERY_TIMEOUT: "2m" })).toBe(120_000);
    expect(queryTimeoutMs({ TRAILSCOPE_QUERY_TIMEOUT: "250ms" })).toBe(250);
    for (const bad of ["", "fast", "-1s", "5 sec", "1e3", "1000h"]) {
      expect(() => queryTimeoutMs({ TRAILSCOPE_QUERY_TIMEOUT: bad })).toThrow(/TRAILSCOPE_QUERY_TIMEOUT/);
    }
    // the parser it shares with the sync interval still reads that the same way
    expect(syncIntervalMs({ TRAILSCOPE_SYNC_INTERVAL: "90s" })).toBe(90_000);
    expect(() => syncIntervalMs({ TRAILSCOPE_SYNC_INTERVAL: "often" })).toThrow(/TRAILSCOPE_SYNC_INTERVAL/);
  });

  it("the console's handle (getDb) has the limits; openDb without options has none", async () => {
    const saved = { url: process.env.DATABASE_URL, timeout: process.env.TRAILSCOPE_QUERY_TIMEOUT };
    process.env.DATABASE_URL = tdb.url;
    process.env.TRAILSCOPE_QUERY_TIMEOUT = "1500ms";
    try {
      const db = watched(getDb());
      const { rows } = await db.pool.query(`SELECT current_setting('statement_timeout') AS st, current_setting('idle_in_transaction_session_timeout') AS idle, current_setting('jit') AS jit`);
      expect(rows[0]).toEqual({ st: "1500ms", idle: "1min", jit: "off" });
      // Prisma shares the pool, and with it the limits.
      const viaPrisma = await db.prisma.$queryRawUnsafe<{ st: string }[]>(`SELECT current_setting('statement_timeout') AS st`);
      expect(viaPrisma[0].st).toBe("1500ms");
    } finally {
      process.env.DATABASE_URL = saved.url;
      if (saved.timeout === undefined) delete process.env.TRAILSCOPE_QUERY_TIMEOUT;
      else process.env.TRAILSCOPE_QUERY_TIMEOUT = saved.timeout;
    }
    const plain = open(1);
    const { rows } = await plain.pool.query(`SELECT current_setting('statement_timeout') AS st, current_setting('idle_in_transaction_session_timeout') AS idle`);
    expect(rows[0]).toEqual({ st: "0", idle: "0" });
    // A URL that brings its own `options` keeps them, and the limits still apply.
    const withOptions = watched(openDb(`${tdb.url}?options=${encodeURIComponent("-c work_mem=8MB")}`, { max: 1, queryTimeoutMs: 1234 }));
    const r = await withOptions.pool.query(`SELECT current_setting('statement_timeout') AS st, current_setting('work_mem') AS wm`);
    expect(r.rows[0]).toEqual({ st: "1234ms", wm: "8MB" });
  });

  it("a query past the limit fails with 57014 and answers 503 with a clear message", async () => {
    const { pool } = open(2, { queryTimeoutMs: 300 });
    const err = await pool.query("SELECT pg_sleep(30)").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as { code?: string }).code).toBe("57014");
    const saved = process.env.TRAILSCOPE_QUERY_TIMEOUT;
    process.env.TRAILSCOPE_QUERY_TIMEOUT = "5s";
    try {
      const res = handleError(err);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: "the query took longer than 5 s: narrow the range or the search" });
    } finally {
      if (saved === undefined) delete process.env.TRAILSCOPE_QUERY_TIMEOUT;
      else process.env.TRAILSCOPE_QUERY_TIMEOUT = saved;
    }
    await waitFor(() => poolAtRest(pool));
  });

  it("exports have no time limit: one that waits longer than a request still completes", async () => {
    const { pool } = open(3, { queryTimeoutMs: 300 });
    // A lock on events holds every reader back: the request query below times out while the
    // export, started first and waiting just the same, is still waiting after that.
    const locker = new pg.Client({ connectionString: tdb.url, application_name: "locker" });
    await locker.connect();
    try {
      await locker.query("BEGIN");
      await locker.query("LOCK TABLE events IN ACCESS EXCLUSIVE MODE");
      let done = 0;
      const exported = readAll(exportStream(pool, everything(), "ndjson", { onDone: () => done++ }));
      exported.catch(() => {});
      await waitFor(async () => (await sessions(pool)).some((s) => s.wait_event_type === "Lock" && /trailscope_export/.test(s.query)));
      const err = await pool.query("SELECT count(*) FROM events").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as { code?: string }).code).toBe("57014");
      expect((await sessions(pool)).some((s) => s.wait_event_type === "Lock" && /trailscope_export/.test(s.query))).toBe(true);
      await locker.query("COMMIT");
      const text = await exported;
      expect(text.split("\n").filter(Boolean).length).toBe(EVENTS);
      expect(done).toBe(1);
    } finally {
      await locker.end();
    }
  });
});

describe("error answers", () => {
  it("an unreachable database answers 503, a parameter error 400, anything else 500", async () => {
    // A port nothing listens on: the pool's connect fails.
    const down = openDb("postgresql://postgres@127.0.0.1:1/none", { max: 1 });
    opened.push(down);
    const err = await down.pool.query("SELECT 1").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeDefined();
    const res = handleError(err);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: "database unavailable, try again" });

    const bad = handleError(new ParamError("from", "not an instant"));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "from: not an instant", param: "from" });

    const other = handleError(new Error("column x does not exist"));
    expect(other.status).toBe(500);
    expect(JSON.stringify(await other.json())).not.toContain("column x");
  });

  it("a connection the server ends mid-request answers 503", async () => {
    const { pool } = open(1);
    const c = await pool.connect();
    const pid = (c as unknown as { processID: number }).processID;
    const running = c.query("SELECT pg_sleep(30)").then(
      () => undefined,
      (e: unknown) => e,
    );
    await waitFor(async () => (await sessions(pool)).some((s) => s.pid === pid && s.state === "active"));
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
    const err = await running;
    c.release(err as Error);
    expect(handleError(err).status).toBe(503);
  });
});

describe("abortablePool", () => {
  it("cancels a running query when the request aborts and returns every client", async () => {
    const { pool } = open(2);
    const ac = new AbortController();
    const db = abortablePool(pool, ac.signal);
    const sleeping = db.query("SELECT pg_sleep(30) AS slept").then(
      () => undefined,
      (e: unknown) => e,
    );
    const backend = await waitFor(async () => (await sessions(pool)).find((s) => s.state === "active" && s.query.includes("pg_sleep(30)")));
    ac.abort();
    expect(await sleeping).toBeInstanceOf(RequestAbortedError);
    // The backend stops running it (cancelled, then its connection closed): not after 30 s.
    await waitFor(async () => !(await sessions(pool)).some((s) => s.pid === backend.pid && s.state === "active"));
    await waitFor(() => poolAtRest(pool));
    // The pool itself serves on; the aborted view refuses new work at once.
    expect((await pool.query("SELECT 2 AS two")).rows).toEqual([{ two: 2 }]);
    await expect(db.query("SELECT 1")).rejects.toBeInstanceOf(RequestAbortedError);
    await expect(db.connect()).rejects.toBeInstanceOf(RequestAbortedError);
    expect(handleError(await sleeping, ac.signal).status).toBe(499);
  });

  it("cancels a checked-out client's transaction (withClient) and closes it", async () => {
    const { pool } = open(2);
    const ac = new AbortController();
    const db = abortablePool(pool, ac.signal);
    const work = withClient(db, async (c) => {
      await c.query("BEGIN READ ONLY");
      await c.query("SELECT pg_sleep(30)");
      await c.query("COMMIT");
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const backend = await waitFor(async () => (await sessions(pool)).find((s) => s.state === "active" && s.query.includes("pg_sleep(30)")));
    ac.abort();
    expect(await work).toBeInstanceOf(Error);
    await waitFor(async () => !(await sessions(pool)).some((s) => s.pid === backend.pid));
    await waitFor(() => poolAtRest(pool));
    expect((await sessions(pool)).filter((s) => s.state !== "idle")).toEqual([]);
  });

  it("gives up a wait for a connection at once, and the connection handed over later goes back", async () => {
    const { pool } = open(2);
    const holders = [await pool.connect(), await pool.connect()];
    const ac = new AbortController();
    const db = abortablePool(pool, ac.signal);
    const waiting = db.query("SELECT 1").then(
      () => undefined,
      (e: unknown) => e,
    );
    await waitFor(() => pool.waitingCount === 1);
    ac.abort();
    expect(await waiting).toBeInstanceOf(RequestAbortedError);
    for (const h of holders) h.release();
    await waitFor(() => poolAtRest(pool));
    expect(pool.totalCount).toBe(2); // both clean, both kept
    const both = [await pool.connect(), await pool.connect()];
    for (const c of both) c.release();
  });

  it("is a pool to the query code: lists and facets run through it unchanged", async () => {
    const { pool } = open(4);
    const ac = new AbortController();
    const db = abortablePool(pool, ac.signal);
    expect(db.options.max).toBe(4);
    expect(basePool(db)).toBe(pool); // what caches shared by all requests (search probes) are keyed by
    const page = await listEvents(db, parseEventQuery(new URLSearchParams(`from=${START.toISOString()}&limit=7`), { now: END, paging: true }));
    expect(page.events).toHaveLength(7);
    const facets = await facetCounts(db, everything());
    const direct = await facetCounts(pool, everything());
    expect(facets).toEqual(direct);
    expect(poolAtRest(pool)).toBe(true);
    // Finished work leaves nothing for a later abort to cancel or close.
    const total = pool.totalCount;
    ac.abort();
    expect(pool.totalCount).toBe(total);
  });
});

// The background scheduler of `npm start` (lib/sync/scheduler.ts) on a real PostgreSQL with real
// folders: a source added in the console is synced without a restart, a paused one is skipped
// until resumed, "Sync now" wakes it early, and TRAILSCOPE_SOURCES still run every interval.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { startScheduler } from "../lib/sync/scheduler";
import { addSource, requestSync, setPaused, type SourceActor } from "../lib/sync/sources-store";
import { writeBulkCorpus } from "./fixtures/bulk";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";

const ADMIN: SourceActor = { actorKind: "user", actorId: "user-admin-1", actorName: "admin@example.com", ip: null };
const HOUR = 3600e3;
let tdb: TestDatabase;
let db: Db;
let root: string;
const messages: string[] = [];
const log = (m: string) => void messages.push(m);

beforeAll(async () => {
  tdb = await createTestDatabase("ts_scheduler");
  await migrate(tdb.url);
  db = openDb(tdb.url);
  root = await mkdtemp(path.join(tmpdir(), "ts-scheduler-"));
});

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** Polls until `check` returns a value (the machine is shared: no time budget but the test's own). */
async function until<T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> {
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function runsOf(source: string) {
  return db.prisma.syncRun.findMany({ where: { source }, orderBy: { id: "asc" } });
}

async function folder(name: string, account: string): Promise<{ dir: string; events: number }> {
  const dir = path.join(root, name);
  const events = await writeBulkCorpus(dir, { files: 3, perFile: 20, account, idPrefix: name });
  return { dir, events };
}

async function storedOf(prefix: string): Promise<number> {
  return (await db.pool.query(`SELECT count(*)::int AS n FROM events WHERE id LIKE $1`, [`${prefix}-%`])).rows[0].n;
}

describe("background scheduler", () => {
  it("syncs sources added in the console without a restart, skips paused ones and wakes for sync now", async () => {
    const a = await folder("alpha", "111111111111");
    const b = await folder("bravo", "222222222222");
    const c = await folder("charlie", "333333333333");
    // A long interval: every run after the first one below is one the test asked for.
    const scheduler = startScheduler(db, [], HOUR, log, { pollMs: 50 });
    try {
      const alpha = await addSource(db, a.dir, ADMIN, { env: {} });
      await until("alpha's first run", async () => (await runsOf(alpha.source)).find((r) => r.status === "ok"));
      expect(await storedOf("alpha")).toBe(a.events);

      // bravo (paused) is older than charlie: were it not skipped, it would run first.
      const bravo = await addSource(db, b.dir, ADMIN, { env: {}, paused: true });
      const charlie = await addSource(db, c.dir, ADMIN, { env: {} });
      await until("charlie's first run", async () => (await runsOf(charlie.source)).find((r) => r.status === "ok"));
      expect(await storedOf("charlie")).toBe(c.events);
      expect(await runsOf(bravo.source)).toEqual([]);
      expect(await storedOf("bravo")).toBe(0);

      // Sync now: a file delivered since alpha's run is read long before the interval.
      expect(await runsOf(alpha.source)).toHaveLength(1);
      const late = path.join(a.dir, "AWSLogs/111111111111/CloudTrail/eu-central-1/2026/11/30/late.json.gz");
      await mkdir(path.dirname(late), { recursive: true });
      await writeFile(late, gzipSync(JSON.stringify({ Records: [{ eventVersion: "1.11", eventID: "alpha-late", eventTime: "2026-11-30T00:00:00Z", eventName: "PutObject" }] })));
      await requestSync(db, alpha.id!, ADMIN);
      const runs = await until("alpha's requested run", async () => {
        const r = await runsOf(alpha.source);
        return r.length === 2 && r[1].status === "ok" ? r : undefined;
      });
      expect(runs[1].eventsNew).toBe(1);
      expect(await storedOf("alpha")).toBe(a.events + 1);
      // Charlie was not asked for: still its one run.
      expect(await runsOf(charlie.source)).toHaveLength(1);

      // Resumed, bravo is synced at once (it has never run).
      await setPaused(db, bravo.id!, false, ADMIN);
      await until("bravo's first run", async () => (await runsOf(bravo.source)).find((r) => r.status === "ok"));
      expect(await storedOf("bravo")).toBe(b.events);
    } finally {
      await scheduler.stop();
    }
    expect(messages.filter((m) => m.startsWith("background sync of"))).toEqual([]);
  });

  it("runs TRAILSCOPE_SOURCES every interval beside the console's, and reports a bad one without stopping the rest", async () => {
    const d = await folder("delta", "444444444444");
    messages.length = 0;
    const missing = path.join(root, "no-such-folder");
    const scheduler = startScheduler(db, [d.dir, missing], 200, log, { pollMs: 50 });
    try {
      expect(messages[0]).toBe(`trailscope: syncing ${d.dir}, ${missing} every 0 s`);
      // Several rounds of the environment's source: the interval keeps it coming back.
      await until("three runs of delta", async () => (await runsOf(`file:${d.dir}`)).filter((r) => r.status === "ok").length >= 3);
      expect(await storedOf("delta")).toBe(d.events);
      await until("the missing folder reported", async () => messages.some((m) => m.includes(missing) && /no such file or directory/.test(m)));
      // The console's sources take their turns too (their interval is the same).
      await until("another run of charlie", async () => (await runsOf(`file:${path.join(root, "charlie")}`)).length >= 2);
    } finally {
      await scheduler.stop();
    }
  });
});

describe("Validate again, asked for in the console", () => {
  it("runs between syncs: the source is read again in full and validated, a second request waits for the first", async () => {
    const { requestReverify, pendingRequests } = await import("../lib/integrity/requests");
    const { writeAwsLogsCorpus } = await import("../lib/demo/corpus");
    const { runSync } = await import("../lib/ingest/engine");
    const { parseSource } = await import("../lib/ingest/sources");
    const dir = path.join(root, "integrity");
    const end = new Date("2026-11-20T00:00:00Z");
    await writeAwsLogsCorpus(dir, { count: 300, seed: 3, start: new Date(end.getTime() - 86400e3), end, accounts: ["111122223333"], regions: ["us-east-1"] });
    const first = await runSync(db, parseSource(dir), { log, decodeWorkers: 0 });
    expect(first.integrity?.mode).toBe("after-sync");
    // Unknown sources and sources without files are refused.
    await expect(requestReverify(db, "lookup://us-east-1", "admin@example.com")).rejects.toMatchObject({ status: 400 });
    await expect(requestReverify(db, "file:/nowhere", "admin@example.com")).rejects.toMatchObject({ status: 404 });
    const req = await requestReverify(db, first.source, "admin@example.com");
    await expect(requestReverify(db, first.source, "admin@example.com")).rejects.toMatchObject({ status: 409 });
    expect((await pendingRequests(db)).map((p) => p.id)).toEqual([req.id]);

    const s = startScheduler(db, [], HOUR, log, { pollMs: 20 });
    try {
      const done = await until("the request to finish", async () => {
        const r = await db.pool.query(`SELECT finished_at, error FROM integrity_requests WHERE id = $1`, [req.id]);
        return r.rows[0].finished_at ? r.rows[0] : undefined;
      });
      expect(done.error).toBeNull();
      const run = await db.pool.query(`SELECT mode, summary FROM integrity_runs WHERE source = $1 ORDER BY id DESC LIMIT 1`, [first.source]);
      expect(run.rows[0].mode).toBe("on-demand");
      expect(run.rows[0].summary.ok).toBe(true);
      expect(await pendingRequests(db)).toEqual([]);
    } finally {
      await s.stop();
    }
  }, 120_000);
});

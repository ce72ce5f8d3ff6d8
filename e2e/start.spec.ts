// `npm start` as a user runs it (scripts/start.ts, against the build made by `npm test`): the
// embedded database when DATABASE_URL is unset, and the background sync of TRAILSCOPE_SOURCES.
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { expect, test, type APIRequest, type APIRequestContext } from "@playwright/test";
import pg from "pg";
import { writeBulkCorpus } from "../test/fixtures/bulk";

const root = path.resolve(import.meta.dirname, "..");
const serverUrl = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** What a started console printed on stderr so far (the setup link is read from it). */
const printed = new WeakMap<ChildProcess, string[]>();

function start(env: Record<string, string | undefined>, port: number): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: root,
    env: { ...process.env, HOST: "127.0.0.1", ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so the next server it spawns goes down with it
  });
  const err: string[] = [];
  printed.set(child, err);
  child.stdout!.resume();
  child.stderr!.on("data", (b: Buffer) => err.push(b.toString()));
  return child;
}

/** A client with no cookies of the other e2e servers (cookies are per host, not per port). */
async function signedIn(playwright: { request: APIRequest }, base: string, email: string, password: string): Promise<APIRequestContext> {
  const ctx = await playwright.request.newContext({ baseURL: base, storageState: { cookies: [], origins: [] } });
  const r = await ctx.post("/api/auth/sign-in/email", { data: { email, password }, headers: { origin: base } });
  expect(r.status(), await r.text()).toBe(200);
  return ctx;
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

test("with no DATABASE_URL it runs on an embedded PostgreSQL; the printed setup link makes the first admin", async ({ playwright }) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), "trailscope-start-"));
  await chmod(dataDir, 0o755); // as root the embedded server runs as user postgres
  const env = { TRAILSCOPE_DATA_DIR: dataDir, TRAILSCOPE_PG_PORT: "54391" };
  delete process.env.DATABASE_URL;
  const child = start({ ...env, DATABASE_URL: "", TRAILSCOPE_ADMIN_EMAIL: "", TRAILSCOPE_ADMIN_PASSWORD: "" }, 3231);
  const base = "http://127.0.0.1:3231";
  const anonymous = await playwright.request.newContext({ baseURL: base, storageState: { cookies: [], origins: [] } });
  try {
    const link = await poll(async () => /(http:\/\/127\.0\.0\.1:3231\/setup\?token=[\w-]+)/.exec(printed.get(child)!.join(""))?.[1], "the setup link on stderr");
    await poll(async () => ((await anonymous.get("/sign-in")).status() === 200 ? true : undefined), "the console to serve");
    // Before the admin exists: nothing but sign-in and setup.
    expect((await anonymous.get("/api/events?limit=5")).status()).toBe(401);
    const token = new URL(link).searchParams.get("token")!;
    expect((await anonymous.get(link)).status()).toBe(200);
    const made = await anonymous.post("/api/setup", { data: { token, email: "first@example.com", password: "first-admin-password" } });
    expect(made.status(), await made.text()).toBe(201);
    // The link is used up.
    expect((await anonymous.post("/api/setup", { data: { token, email: "second@example.com", password: "second-password" } })).status()).toBe(400);
    const admin = await signedIn(playwright, base, "first@example.com", "first-admin-password");
    const res = await admin.get("/api/events?limit=5");
    expect(await res.json()).toEqual({ events: [], nextCursor: null });
    expect((await (await admin.get("/api/sync")).json()).sources).toEqual([]);
    // Sign-in attempts are limited per client (10 a minute by default): the 11th wrong one is refused as such.
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push((await anonymous.post("/api/auth/sign-in/email", { data: { email: "first@example.com", password: `wrong-${i}-password` }, headers: { origin: base } })).status());
    }
    expect(statuses.slice(0, 8).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    await admin.dispose();
  } finally {
    await anonymous.dispose();
    await stop(child);
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("a HOST beyond loopback without TRAILSCOPE_SECRET refuses to start, saying why", async () => {
  const child = start({ HOST: "0.0.0.0", TRAILSCOPE_SECRET: "", BETTER_AUTH_SECRET: "", DATABASE_URL: "postgresql://unused@127.0.0.1:1/none" }, 3233);
  const code = await new Promise<number | null>((r) => child.once("exit", r));
  expect(code).toBe(1);
  expect(printed.get(child)!.join("")).toContain("set TRAILSCOPE_SECRET");
});

test("TRAILSCOPE_SOURCES are synced in the background, every interval, and reported by /api/sync", async ({ playwright }) => {
  const name = `ts_start_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const u = new URL(serverUrl);
  u.pathname = "/" + name;
  const logs = await mkdtemp(path.join(tmpdir(), "trailscope-bg-"));
  const total = await writeBulkCorpus(logs, { files: 8, perFile: 50 });
  const child = start(
    { DATABASE_URL: u.toString(), TRAILSCOPE_SOURCES: logs, TRAILSCOPE_SYNC_INTERVAL: "1s", TRAILSCOPE_ADMIN_EMAIL: "ops@example.com", TRAILSCOPE_ADMIN_PASSWORD: "ops-admin-password" },
    3232,
  );
  let request: APIRequestContext | undefined;
  try {
    request = await poll(() => signedIn(playwright, "http://127.0.0.1:3232", "ops@example.com", "ops-admin-password"), "the console with its bootstrapped admin");
    const first = await poll(async () => {
      const body = await (await request!.get("http://127.0.0.1:3232/api/sync")).json();
      const s = body.sources[0];
      return s?.lastRun?.status === "ok" ? body : undefined;
    }, "the first background sync");
    expect(first.intervalMs).toBe(1000);
    expect(first.sources[0]).toMatchObject({ source: `file:${logs}`, configured: true, state: expect.stringMatching(/idle|running/) });
    // Every event of the folder is in (later rounds find nothing new, so count the store, not one run).
    const stored = await poll(async () => {
      const r = await (await request!.get("http://127.0.0.1:3232/api/export?format=ndjson")).text();
      const n = r.split("\n").filter(Boolean).length;
      return n === total ? n : undefined;
    }, "all events stored");
    expect(stored).toBe(total);

    // A file delivered later is picked up by a later round.
    const key = path.join(logs, "AWSLogs/444455556666/CloudTrail/eu-central-1/2026/11/30/late.json.gz");
    await mkdir(path.dirname(key), { recursive: true });
    await writeFile(key, gzipSync(JSON.stringify({ Records: [{ eventVersion: "1.11", eventID: "late-arrival", eventTime: "2026-11-30T00:00:00Z", eventName: "PutObject" }] })));
    const found = await poll(async () => {
      const r = await request!.get("http://127.0.0.1:3232/api/events?eventID=late-arrival");
      const events = (await r.json()).events;
      return events.length === 1 ? events : undefined;
    }, "the late file to be synced");
    expect(found[0].eventName).toBe("PutObject");
  } finally {
    await request?.dispose();
    await stop(child);
    await rm(logs, { recursive: true, force: true });
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
});

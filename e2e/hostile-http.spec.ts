// The security review's findings, reproduced over HTTP against a console of its own (its own
// database and server, so the shared e2e corpus keeps its counts): odd event IDs reach the right
// detail, absurd parameters are 400s naming the parameter (never a 500 or a closed socket), a
// client that goes away cancels its query, aborted exports never hang the pool, and a query past
// the time limit gets a clear 503 instead of a hung page.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { createToken, upsertUser } from "../lib/auth/users";
import { runSync } from "../lib/ingest/engine";
import { parseSource } from "../lib/ingest/sources";
import { openDb } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { writeCorpus } from "../test/fixtures/hostile";
import { E2E_SECRET } from "./users";

const root = path.resolve(import.meta.dirname, "..");
const serverUrl = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const PORT = 3236;
/** Long enough that a query ended sooner was ended by its client going away, not by the limit. */
const QUERY_TIMEOUT_S = 20;
const BASE = `http://127.0.0.1:${PORT}`;
/** IDs a URL must carry encoded: a literal "%3C" (shown as such, not as "<"), markup, spaces, unicode. */
const ODD_IDS = ["odd-%3C-literal", "odd-<b>-markup", "odd with spaces", "odd-é-ünï-日本"];

let dbName: string;
let dbUrl: string;
let server: ChildProcess;
let token: string;
let admin: pg.Client;

async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; ; i++) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (i > 1200) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const api = (p: string, init: RequestInit = {}) => fetch(BASE + p, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });

test.beforeAll(async () => {
  dbName = `ts_e2e_hostile_${Date.now().toString(36)}`;
  admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const u = new URL(serverUrl);
  u.pathname = "/" + dbName;
  dbUrl = u.toString();
  await migrate(dbUrl);
  const dir = await mkdtemp(path.join(tmpdir(), "trailscope-odd-"));
  const acct = "123456789012";
  const records = ODD_IDS.map((id, i) => ({ eventVersion: "1.11", eventID: id, eventTime: `2026-11-2${i}T10:00:00Z`, eventName: `Odd${i}`, eventSource: "iam.amazonaws.com", awsRegion: "us-east-1", recipientAccountId: acct }));
  await writeCorpus(dir, [{ key: `AWSLogs/${acct}/CloudTrail/us-east-1/2026/11/20/${acct}_CloudTrail_us-east-1_20261120T1000Z_odd0000000000001.json.gz`, bytes: gzipSync(JSON.stringify({ Records: records })) }]);
  const db = openDb(dbUrl, { max: 2 });
  try {
    expect((await runSync(db, parseSource(dir), { log: () => {} })).eventsNew).toBe(ODD_IDS.length);
    const { user } = await upsertUser(db, { email: "probe@example.com", role: "admin", accounts: null });
    token = (await createToken(db, user.id, "hostile", { actorKind: "system" })).key;
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
  server = spawn(process.execPath, ["--import", "tsx", "scripts/serve.ts"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: dbUrl, HOST: "127.0.0.1", PORT: String(PORT), NEXT_TELEMETRY_DISABLED: "1", TRAILSCOPE_SECRET: E2E_SECRET, TRAILSCOPE_QUERY_TIMEOUT: `${QUERY_TIMEOUT_S}s` },
    stdio: ["ignore", "inherit", "inherit"],
  });
  await until("the console", async () => ((await fetch(`${BASE}/sign-in`)).ok ? true : undefined));
});

test.afterAll(async () => {
  server?.kill("SIGTERM");
  await until("the server to stop", async () => (server.exitCode !== null || server.signalCode !== null ? true : undefined)).catch(() => {});
  await admin?.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin?.end();
});

test.use({ storageState: { cookies: [], origins: [] }, extraHTTPHeaders: {} });

test("event IDs holding %3C, markup, spaces and unicode open their own detail, decoded exactly once", async ({ playwright }) => {
  const ctx = await playwright.request.newContext({ baseURL: BASE, storageState: { cookies: [], origins: [] }, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
  for (const id of ODD_IDS) {
    const json = await ctx.get(`/api/events/${encodeURIComponent(id)}`);
    expect(json.status(), id).toBe(200);
    expect((await json.json()).eventID).toBe(id);
    const page = await ctx.get(`/events/${encodeURIComponent(id)}`);
    expect(page.status(), id).toBe(200);
    const html = await page.text();
    // The title names the ID as it is (escaped as HTML), never a second decoding of it.
    const escaped = id.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    expect(html, id).toContain(`<title>Event ${escaped} · Trailscope</title>`);
  }
  expect((await ctx.get(`/events/${encodeURIComponent("odd-<-literal")}`)).status()).toBe(404);
  await ctx.dispose();
});

test("absurd parameters are 400s naming the parameter, on every route, never a 500", async () => {
  const cases: [string, string][] = [
    ["/api/events?from=now-999999999999d", "from"],
    ["/api/histogram?from=now-999999999999d", "from"],
    ["/api/facets?from=now-999999999999d", "from"],
    ["/api/export?format=ndjson&from=now-999999999999d", "from"],
    ["/api/export?format=csv&to=0000-01-01", "to"],
    ["/api/facets?contains=%00", "contains"],
    ["/api/facets?" + Array.from({ length: 300 }, (_, i) => `field=f${i}`).join("&"), "field"],
    ["/api/events?" + Array.from({ length: 600 }, (_, i) => `q=term${i}`).join("&"), "q"],
    ["/api/events?" + Array.from({ length: 101 }, (_, i) => `eventName=E${i}`).join("&"), "eventName"],
  ];
  for (const [p, param] of cases) {
    const res = await api(p);
    expect(res.status, p.slice(0, 80)).toBe(400);
    const body = await res.json();
    expect(body.error, p.slice(0, 80)).toContain(param);
  }
  expect((await api("/api/events/%00")).status).toBe(400);
  const bad = await fetch(`${BASE}/events/%E0%A4%A`);
  expect(bad.status).toBe(400);
});

/** The console's own backends waiting on a lock (the queries a held lock keeps from finishing). */
async function waitingOnLock(): Promise<number> {
  return (await lockWaits()).n;
}

/** How many wait, and for how long the longest has waited (seconds, by the database's clock). */
async function lockWaits(): Promise<{ n: number; longest: number }> {
  const { rows } = await admin.query<{ n: number; longest: number }>(
    `SELECT count(*)::int AS n, coalesce(extract(epoch FROM max(now() - query_start)), 0)::float8 AS longest
       FROM pg_stat_activity WHERE datname = $1 AND application_name = 'trailscope' AND wait_event_type = 'Lock'`,
    [dbName],
  );
  return rows[0];
}

test("a client that goes away cancels its query; aborted exports leave the pool whole; a slow query is a clear 503", async () => {
  const locker = new pg.Client({ connectionString: dbUrl });
  await locker.connect();
  try {
    // Every read of events now waits until this lock goes.
    await locker.query("BEGIN");
    await locker.query("LOCK TABLE events IN ACCESS EXCLUSIVE MODE");

    // 1. Past the time limit: 503 with a message, not a hung page.
    const slow = await api("/api/events?limit=5&eventName=Odd1");
    expect(slow.status).toBe(503);
    expect((await slow.json()).error).toMatch(/narrow the range or the search/);

    // 2. Ten aborted exports (more than the pool's connections) waiting on the lock.
    const aborts: AbortController[] = [];
    for (let i = 0; i < 10; i++) {
      const c = new AbortController();
      aborts.push(c);
      // Two per user run (TRAILSCOPE_MAX_EXPORTS_PER_USER); the rest are refused with 429 at once.
      void api(`/api/export?format=${i % 2 ? "csv" : "ndjson"}`, { signal: c.signal }).catch(() => {});
    }
    await until("exports waiting on the lock", async () => ((await waitingOnLock()) > 0 ? true : undefined));
    for (const c of aborts) c.abort();
    await until("the aborted exports' queries to be cancelled", async () => ((await waitingOnLock()) === 0 ? true : undefined));

    // 3. Ordinary requests aborted by their client: their queries are cancelled too.
    for (const p of ["/api/events?limit=5&eventName=Odd1", "/api/facets?field=eventName&eventName=!Odd2"]) {
      const c = new AbortController();
      const pending = api(p, { signal: c.signal }).catch(() => null);
      await until(`${p}: its query waiting on the lock`, async () => ((await waitingOnLock()) > 0 ? true : undefined));
      c.abort();
      await pending;
      // Gone while the lock is still held, and before the time limit could have ended it.
      let longest = 0;
      await until(`${p}: its query cancelled`, async () => {
        const w = await lockWaits();
        longest = Math.max(longest, w.longest);
        return w.n === 0 ? true : undefined;
      });
      expect(longest, `${p} waited until the time limit: the client's going away did not cancel it`).toBeLessThan(QUERY_TIMEOUT_S);
    }
  } finally {
    await locker.query("ROLLBACK").catch(() => {});
    await locker.end();
  }
  // Nothing was left holding the pool: every page still answers.
  const res = await api("/api/events?limit=5");
  expect(res.status).toBe(200);
  expect((await res.json()).events).toHaveLength(ODD_IDS.length);
  const { rows } = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND state = 'idle in transaction'`, [dbName]);
  expect(rows[0].n).toBe(0);
});

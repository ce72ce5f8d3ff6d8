// Alerts end to end on real parts: events go in through the real sync engine (a folder source),
// the engine evaluates the watches, the dispatcher sends to a real HTTP server (both webhook
// formats) and a real SMTP server (smtp-server on loopback), and what arrives is checked: the
// count, the sample, the frozen link and exactly the events it opens; retries with backoff; one
// message per watch and sync; nothing when nothing new matches; a scoped owner's accounts only; a
// disabled owner's watch stops; a transaction still open at evaluation time is not missed.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { SMTPServer } from "smtp-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dispatchDue } from "../lib/alerts/dispatch";
import { BUILTIN_DETECTIONS } from "../lib/detections/library";
import { evaluateWatches } from "../lib/alerts/evaluate";
import { guardedLookup, postWebhook } from "../lib/alerts/webhook";
import { checkWebhookUrl, refusedAddress } from "../lib/alerts/ssrf";
import { alertHistory, createWatch, listWatches, sendTestMessage, setWatchEnabled, type WatchInput } from "../lib/alerts/watches";
import { backgroundAccess, type Access } from "../lib/auth/access";
import { runSync } from "../lib/ingest/engine";
import { parseSource } from "../lib/ingest/sources";
import { listEvents } from "../lib/query/events";
import { parseEventQuery } from "../lib/query/params";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";

const ACCT_A = "111111111111";
const ACCT_B = "222222222222";
const BASE = "https://trailscope.example.test";
const SMTP_USER = "alerts";
const SMTP_PASS = "s3cret-smtp-pass";

let tdb: TestDatabase;
let db: Db;
let dir: string;
let fileNo = 0;
let eventNo = 0;

// ---- a webhook receiver: records every request; a path can be told to answer 500 n times ------
interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  at: number;
}
const received: Received[] = [];
const failures = new Map<string, number>();
let hookServer: http.Server;
let hookBase = "";

// ---- an SMTP server ---------------------------------------------------------------------------
interface Mail {
  to: string[];
  raw: string;
}
const mails: Mail[] = [];
let smtp: SMTPServer;
let smtpPort = 0;

const savedEnv = { ...process.env };

beforeAll(async () => {
  tdb = await createTestDatabase("ts_alerts");
  await migrate(tdb.url);
  db = openDb(tdb.url);
  dir = await mkdtemp(path.join(tmpdir(), "ts-alerts-"));

  hookServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const p = req.url ?? "/";
      received.push({ path: p, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")), at: Date.now() });
      const left = failures.get(p) ?? 0;
      if (left > 0) {
        failures.set(p, left - 1);
        res.writeHead(500).end("not now");
      } else res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, "127.0.0.1", r));
  hookBase = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}`;

  smtp = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    onAuth(auth, _session, cb) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASS) cb(null, { user: SMTP_USER });
      else cb(new Error("Invalid username or password"));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString("utf8") });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", () => r()));
  smtpPort = (smtp.server.address() as AddressInfo).port;

  process.env.TRAILSCOPE_URL = BASE;
  process.env.TRAILSCOPE_WEBHOOK_ALLOW_PRIVATE = "true"; // the receivers are on loopback
  process.env.TRAILSCOPE_ALERT_RETRY = "150ms";
  process.env.TRAILSCOPE_ALERT_ATTEMPTS = "4";
  process.env.TRAILSCOPE_SMTP_URL = `smtp://${SMTP_USER}:${SMTP_PASS}@127.0.0.1:${smtpPort}`;
  process.env.TRAILSCOPE_ALERT_FROM = "Trailscope <alerts@example.test>";

  for (const [id, email, role, scope] of [
    ["u-analyst", "analyst@example.test", "analyst", null],
    ["u-scoped", "scoped@example.test", "analyst", ACCT_A],
    ["u-gone", "gone@example.test", "analyst", null],
  ] as const) {
    await db.prisma.user.create({ data: { id, name: email, email, role, accountScope: scope } });
  }
  await db.prisma.savedView.create({ data: { id: "v-iam", name: "IAM user changes", query: "from=now-7d&eventName=CreateUser&eventName=DeleteUser&columns=eventTime,eventName", ownerId: "u-analyst", shared: true } });
  await db.prisma.savedView.create({ data: { id: "v-private", name: "Mine only", query: "eventName=GetObject", ownerId: "u-analyst" } });
});

afterEach(async () => {
  // Each test's watches (and their alerts) go; events stay, so later syncs add only new ones.
  await db.pool.query("DELETE FROM watches");
  received.length = 0;
  mails.length = 0;
  failures.clear();
});

afterAll(async () => {
  process.env = savedEnv;
  await new Promise((r) => hookServer?.close(r));
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
  await db?.close();
  await tdb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// ---- helpers ------------------------------------------------------------------------------------

interface Ev {
  name: string;
  account?: string;
  root?: boolean;
  source?: string;
}

function record(e: Ev): Record<string, unknown> {
  const n = ++eventNo;
  const acct = e.account ?? ACCT_A;
  return {
    eventVersion: "1.09",
    eventID: `alert-evt-${String(n).padStart(5, "0")}`,
    // Some arrive late: an alert looks at when events were stored, not when they happened.
    eventTime: new Date(Date.UTC(2026, 10, 20, 12) - (n % 3) * 86400_000 * 30 + n * 1000).toISOString().replace(".000", ""),
    eventSource: e.source ?? "iam.amazonaws.com",
    eventName: e.name,
    awsRegion: "us-east-1",
    recipientAccountId: acct,
    userIdentity: e.root
      ? { type: "Root", principalId: acct, arn: `arn:aws:iam::${acct}:root`, accountId: acct }
      : { type: "IAMUser", principalId: "AIDAEXAMPLE", arn: `arn:aws:iam::${acct}:user/alice`, accountId: acct, userName: "alice", accessKeyId: "AKIAEXAMPLE0000001" },
    sourceIPAddress: "203.0.113.9",
    userAgent: "aws-cli/2.15.0",
    requestParameters: null,
    responseElements: null,
    readOnly: false,
    eventType: "AwsApiCall",
    managementEvent: true,
    eventCategory: "Management",
  };
}

/** Writes one more log file and syncs the folder through the real engine. */
async function syncEvents(events: Ev[]) {
  return syncRecords(events.map(record));
}

async function syncRecords(records: Record<string, unknown>[]) {
  await writeFile(path.join(dir, `batch-${String(++fileNo).padStart(4, "0")}.json`), JSON.stringify({ Records: records }));
  const summary = await runSync(db, parseSource(dir), { log: () => {}, decodeWorkers: 0 });
  expect(summary.ok, summary.error).toBe(true);
  return { summary, ids: records.map((r) => r.eventID as string) };
}

async function accessOf(userId: string): Promise<Access> {
  return backgroundAccess(db, userId);
}

async function watch(userId: string, input: WatchInput) {
  return createWatch(db, await accessOf(userId), input);
}

/** Polls until `check` gives a value (no time budget but the test's own). */
async function until<T>(check: () => Promise<T | undefined | false | null>): Promise<T> {
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false && v !== null) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const hooks = (p: string) => received.filter((r) => r.path === p);

/** The events a link opens (as its owner would: their access applies). */
async function eventsOfLink(link: string, access: Access): Promise<string[]> {
  const u = new URL(link);
  expect(u.origin + u.pathname).toBe(`${BASE}/events`);
  const q = parseEventQuery(u.searchParams, { paging: true });
  q.limit = 1000;
  if (access.scope) q.accounts = access.scope;
  return (await listEvents(db.pool, q)).events.map((e) => String(e.eventID)).sort();
}

/** Quoted-printable soft line breaks and escapes undone (nodemailer wraps long lines). */
function decodeQp(raw: string): string {
  return raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

// ---- tests ----------------------------------------------------------------------------------------

describe("alerts after a sync", () => {
  it("a watch on a saved view sends one generic JSON message with the count, the newest events and a frozen link to exactly them", async () => {
    const w = await watch("u-analyst", { target: { kind: "view", id: "v-iam" }, webhook: { url: `${hookBase}/json`, format: "json" } });
    const { summary, ids } = await syncEvents([{ name: "CreateUser" }, { name: "ListUsers" }, { name: "DeleteUser" }, { name: "CreateUser" }, { name: "GetObject", source: "s3.amazonaws.com" }]);
    expect(summary.alerts).toEqual({ watches: 1, alerts: 1 });
    expect(await dispatchDue(db)).toEqual({ sent: 1, retrying: 0, failed: 0 });

    const [msg] = hooks("/json");
    expect(hooks("/json")).toHaveLength(1);
    expect(msg.headers["content-type"]).toBe("application/json");
    const body = msg.body as { watch: string; target: unknown; count: number; link: string; asOf: string; storedAfter: string; sample: { eventID: string; accountId: string; eventName: string; username: string; eventTime: string }[]; note: string };
    expect(body.watch).toBe(w.id);
    expect(body.target).toEqual({ kind: "view", id: "v-iam", title: "IAM user changes" });
    expect(body.count).toBe(3);
    expect(body.sample.map((s) => s.eventName).sort()).toEqual(["CreateUser", "CreateUser", "DeleteUser"]);
    expect(body.sample[0]).toMatchObject({ username: "alice", accountId: ACCT_A });
    expect(body.note).toMatch(/sign-in/);
    // The link: the view's filters (its range and columns dropped) between the two stored bounds.
    const link = new URL(body.link);
    expect(link.searchParams.getAll("eventName")).toEqual(["CreateUser", "DeleteUser"]);
    expect(link.searchParams.has("from")).toBe(false);
    expect(link.searchParams.has("columns")).toBe(false);
    expect(link.searchParams.get("storedAfter")).toBe(body.storedAfter);
    expect(link.searchParams.get("asOf")).toBe(body.asOf);
    const matching = [ids[0], ids[2], ids[3]].sort();
    expect(await eventsOfLink(body.link, await accessOf("u-analyst"))).toEqual(matching);
    // The link still opens exactly those after more matching events are stored.
    await syncEvents([{ name: "CreateUser" }]);
    expect(await eventsOfLink(body.link, await accessOf("u-analyst"))).toEqual(matching);

    const [history] = await alertHistory(db, await accessOf("u-analyst"), { watchId: w.id });
    expect(history).toMatchObject({ kind: "alert", count: 1 }); // the newest: the second sync's
    const all = await alertHistory(db, await accessOf("u-analyst"), { watchId: w.id });
    expect(all.map((a) => a.count)).toEqual([1, 3]);
    expect(all[1].deliveries).toEqual([expect.objectContaining({ channel: "webhook", status: "sent", attempts: 1, response: "HTTP 200" })]);
    // The webhook's path is never shown back (for Slack it is the secret).
    expect(all[1].deliveries[0].destination).toBe(`${hookBase}/… (json)`);
    expect((await listWatches(db, await accessOf("u-analyst"), w.id))[0].webhook).toEqual({ destination: `${hookBase}/…`, format: "json" });
  });

  it("a watch on a detection sends a Slack-compatible body ({ text, blocks }) with the count and the link", async () => {
    await watch("u-analyst", { target: { kind: "detection", id: "cis-root-account-usage" }, webhook: { url: `${hookBase}/slack`, format: "slack" } });
    await syncEvents([{ name: "ConsoleLogin", root: true, source: "signin.amazonaws.com" }, { name: "CreateBucket", root: true, source: "s3.amazonaws.com" }, { name: "ListUsers" }]);
    await dispatchDue(db);
    expect(hooks("/slack")).toHaveLength(1);
    const body = hooks("/slack")[0].body as { text: string; blocks: { type: string }[] };
    // The link: the detection's own filters, then the frozen bounds of exactly these events.
    const root = BUILTIN_DETECTIONS.find((d) => d.id === "cis-root-account-usage")!;
    const filters = new URLSearchParams(root.query).toString().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    expect(body.text).toMatch(new RegExp(`^2 new events match the detection "${root.title}"\\. <https://trailscope\\.example\\.test/events\\?${filters}&storedAfter=[^|>]+&asOf=[^|>]+\\|Open these 2 events> \\(opening it needs sign-in to Trailscope\\)$`));
    expect(body.blocks.map((b) => b.type)).toEqual(["section", "section", "context"]);
    expect(JSON.stringify(body.blocks[1])).toContain("ConsoleLogin");
  });

  it("no alert storm: three syncs give at most three messages, each with its count; a sync with nothing new that matches sends nothing", async () => {
    await watch("u-analyst", { target: { kind: "view", id: "v-iam" }, webhook: { url: `${hookBase}/storm`, format: "json" } });
    const counts = [4, 1, 7];
    for (const n of counts) {
      await syncEvents([...Array.from({ length: n }, () => ({ name: "DeleteUser" })), { name: "ListUsers" }]);
    }
    // Dispatched once at the end: still one message per watch and sync, none merged or repeated.
    await dispatchDue(db);
    expect(hooks("/storm").map((r) => r.body.count)).toEqual(counts);
    // Nothing new matches: no alert is recorded, nothing is sent.
    const { summary } = await syncEvents([{ name: "ListUsers" }, { name: "GetObject", source: "s3.amazonaws.com" }]);
    expect(summary.alerts).toEqual({ watches: 1, alerts: 0 });
    expect(await dispatchDue(db)).toEqual({ sent: 0, retrying: 0, failed: 0 });
    expect(hooks("/storm")).toHaveLength(3);
    // And a sync that stores nothing at all (the same folder again) neither.
    const again = await runSync(db, parseSource(dir), { log: () => {}, decodeWorkers: 0 });
    expect(again.eventsNew).toBe(0);
    await dispatchDue(db);
    expect(hooks("/storm")).toHaveLength(3);
  });

  it("a receiver that answers 500 twice gets the message on the third try, after growing delays (exponential backoff)", async () => {
    failures.set("/flaky", 2);
    const w = await watch("u-analyst", { target: { kind: "view", id: "v-iam" }, webhook: { url: `${hookBase}/flaky`, format: "json" } });
    await syncEvents([{ name: "CreateUser" }]);
    expect(await dispatchDue(db)).toEqual({ sent: 0, retrying: 1, failed: 0 });
    let [a] = await alertHistory(db, await accessOf("u-analyst"), { watchId: w.id });
    expect(a.deliveries[0]).toMatchObject({ status: "retrying", attempts: 1, lastError: expect.stringMatching(/^HTTP 500 from 127\.0\.0\.1:\d+$/) });
    // The dispatcher of `npm start` polls; here: dispatch until it is sent.
    await until(async () => {
      await dispatchDue(db);
      [a] = await alertHistory(db, await accessOf("u-analyst"), { watchId: w.id });
      return a.deliveries[0].status === "sent";
    });
    expect(a.deliveries[0]).toMatchObject({ status: "sent", attempts: 3, lastError: null, response: "HTTP 200" });
    const tries = hooks("/flaky");
    expect(tries).toHaveLength(3);
    expect(tries.map((t) => t.headers["x-trailscope-delivery"])).toEqual(Array(3).fill(String(a.deliveries[0].id)));
    // Never before its time: 150 ms after the first failure, 300 ms after the second.
    expect(tries[1].at - tries[0].at).toBeGreaterThanOrEqual(150);
    expect(tries[2].at - tries[1].at).toBeGreaterThanOrEqual(300);
  });

  it("a receiver that keeps failing: given up after TRAILSCOPE_ALERT_ATTEMPTS tries, recorded as failed with the error", async () => {
    failures.set("/down", 100);
    const w = await watch("u-analyst", { target: { kind: "view", id: "v-iam" }, webhook: { url: `${hookBase}/down`, format: "slack" } });
    await syncEvents([{ name: "CreateUser" }]);
    const a = await until(async () => {
      await dispatchDue(db);
      const [x] = await alertHistory(db, await accessOf("u-analyst"), { watchId: w.id });
      return x.deliveries[0].status === "failed" ? x : null;
    });
    expect(a.deliveries[0]).toMatchObject({ attempts: 4, lastError: expect.stringMatching(/^HTTP 500/), sentAt: null });
    expect(hooks("/down")).toHaveLength(4);
  });

  it("a scoped owner's watch counts only the owner's accounts; an unscoped one's counts all", async () => {
    await watch("u-scoped", { target: { kind: "view", id: "v-iam" }, webhook: { url: `${hookBase}/scoped`, format: "json" } });
    await watch("u-analyst", { target: { kind: "view", id: "v-iam" }, webhook: { url: `${hookBase}/everyone`, format: "json" } });
    const { ids } = await syncEvents([
      { name: "CreateUser", account: ACCT_A },
      { name: "CreateUser", account: ACCT_B },
      { name: "DeleteUser", account: ACCT_B },
      { name: "DeleteUser", account: ACCT_A },
      { name: "CreateUser", account: ACCT_B },
    ]);
    await dispatchDue(db);
    const scoped = hooks("/scoped")[0].body as { count: number; sample: { accountId: string }[]; link: string };
    expect(scoped.count).toBe(2);
    expect(new Set(scoped.sample.map((s) => s.accountId))).toEqual(new Set([ACCT_A]));
    expect(JSON.stringify(hooks("/scoped"))).not.toContain(ACCT_B);
    expect(await eventsOfLink(scoped.link, await accessOf("u-scoped"))).toEqual([ids[0], ids[3]].sort());
    expect(hooks("/everyone")[0].body.count).toBe(5);
  });

  it("a disabled (banned) owner's watch stops and says why; a disabled watch sends nothing; enabled again it starts from then", async () => {
    const gone = await watch("u-gone", { target: { kind: "view", id: "v-iam" }, webhook: { url: `${hookBase}/gone`, format: "json" } });
    const paused = await watch("u-analyst", { target: { kind: "view", id: "v-iam" }, webhook: { url: `${hookBase}/paused`, format: "json" } });
    await setWatchEnabled(db, await accessOf("u-analyst"), paused.id, false);
    await db.prisma.user.update({ where: { id: "u-gone" }, data: { banned: true } });
    try {
      const { summary } = await syncEvents([{ name: "CreateUser" }]);
      expect(summary.alerts).toMatchObject({ watches: 1, alerts: 0, error: "1 watch(es) not evaluated" });
      await dispatchDue(db);
      expect(received).toHaveLength(0);
      const row = await db.prisma.watch.findUnique({ where: { id: gone.id } });
      expect(row?.lastError).toMatch(/owner cannot be acted for \(this user is disabled\)/);
      // Enabled again: what was stored while it was off is not alerted, what comes next is.
      await setWatchEnabled(db, await accessOf("u-analyst"), paused.id, true);
      await syncEvents([{ name: "DeleteUser" }]);
      await dispatchDue(db);
      expect(hooks("/paused").map((r) => r.body.count)).toEqual([1]);
    } finally {
      await db.prisma.user.update({ where: { id: "u-gone" }, data: { banned: false } });
    }
  });

  it("an email watch: the SMTP server receives the message with the count and the frozen link; no secret reaches the history", async () => {
    const w = await watch("u-analyst", { target: { kind: "view", id: "v-iam" }, email: ["oncall@example.test", "sec@example.test"] });
    await syncEvents([{ name: "CreateUser" }, { name: "CreateUser" }]);
    expect(await dispatchDue(db)).toEqual({ sent: 1, retrying: 0, failed: 0 });
    expect(mails).toHaveLength(1);
    expect(mails[0].to.sort()).toEqual(["oncall@example.test", "sec@example.test"]);
    const text = decodeQp(mails[0].raw);
    expect(text).toContain("Subject: [Trailscope] 2 new events: IAM user changes");
    expect(text).toContain("From: Trailscope <alerts@example.test>");
    const [a] = await alertHistory(db, await accessOf("u-analyst"), { watchId: w.id });
    expect(text).toContain(a.link);
    expect(a.link).toMatch(/storedAfter=.*&asOf=/);
    expect(text).toContain("Opening the link needs sign-in to Trailscope.");
    expect(a.deliveries[0]).toMatchObject({ channel: "email", status: "sent", destination: "oncall@example.test, sec@example.test" });
    expect(a.deliveries[0].response).toMatch(/^250/);
    // A wrong password: refused by the server (535, permanent), and the history does not hold it.
    process.env.TRAILSCOPE_SMTP_URL = `smtp://${SMTP_USER}:wrong-password-x@127.0.0.1:${smtpPort}`;
    try {
      await syncEvents([{ name: "DeleteUser" }]);
      expect(await dispatchDue(db)).toEqual({ sent: 0, retrying: 0, failed: 1 });
      const [b] = await alertHistory(db, await accessOf("u-analyst"), { watchId: w.id });
      expect(b.deliveries[0].status).toBe("failed");
      expect(b.deliveries[0].lastError).toMatch(/Invalid login/);
      const dump = JSON.stringify(await db.pool.query("SELECT * FROM alert_deliveries")) + JSON.stringify(await db.pool.query("SELECT * FROM alerts"));
      expect(dump).not.toContain("wrong-password-x");
      expect(dump).not.toContain(SMTP_PASS);
    } finally {
      process.env.TRAILSCOPE_SMTP_URL = `smtp://${SMTP_USER}:${SMTP_PASS}@127.0.0.1:${smtpPort}`;
    }
  });

  it("a test message goes to every channel at once and is in the history", async () => {
    const w = await watch("u-analyst", { target: { kind: "detection", id: "cloudtrail-tampering" }, webhook: { url: `${hookBase}/test`, format: "json" }, email: ["oncall@example.test"] });
    const r = await sendTestMessage(db, await accessOf("u-analyst"), w.id);
    expect(r?.deliveries.map((d) => [d.channel, d.status]).sort()).toEqual([["email", "sent"], ["webhook", "sent"]]);
    expect(hooks("/test")[0].body).toMatchObject({ test: true, count: 0, target: { kind: "detection", id: "cloudtrail-tampering" } });
    const tampering = BUILTIN_DETECTIONS.find((d) => d.id === "cloudtrail-tampering")!;
    expect(decodeQp(mails[0].raw)).toContain(`Test message from Trailscope: this channel receives alerts of the detection "${tampering.title}".`);
    const [a] = await alertHistory(db, await accessOf("u-analyst"), { watchId: w.id });
    expect(a.kind).toBe("test");
    // A test of someone else's watch: not theirs to send.
    expect(await sendTestMessage(db, await accessOf("u-scoped"), w.id)).toBeNull();
  });

  it("events of a transaction still open when a watch is evaluated are alerted by the next evaluation, not missed", async () => {
    await watch("u-analyst", { target: { kind: "view", id: "v-iam" }, webhook: { url: `${hookBase}/late`, format: "json" } });
    // A loader transaction of another sync: begun (its events carry this start), committed later.
    const late = await db.pool.connect();
    try {
      await late.query("BEGIN");
      await late.query(`INSERT INTO events (id, event_time, event_name, recipient_account_id, record) VALUES ('alert-late-1', now(), 'CreateUser', $1, '{}')`, [ACCT_A]);
      await syncEvents([{ name: "DeleteUser" }]);
      await late.query("COMMIT");
    } finally {
      late.release();
    }
    // The sync's evaluation stopped short of the open transaction's start (its own event too:
    // stored after that instant); the next one takes both.
    await dispatchDue(db);
    expect(hooks("/late")).toHaveLength(0);
    await evaluateWatches(db);
    await dispatchDue(db);
    const bodies = hooks("/late").map((r) => r.body as { count: number; sample: { eventID: string }[] });
    expect(bodies.map((b) => b.count)).toEqual([2]);
    expect(bodies[0].sample.map((s) => s.eventID)).toContain("alert-late-1");
  });
});

describe("one pass for every watch", () => {
  it("watches with different lower bounds count only their own new events; two evaluations at once record each alert once", async () => {
    const early = await watch("u-analyst", { target: { kind: "view", id: "v-iam" }, webhook: { url: `${hookBase}/early`, format: "json" } });
    const before = (await db.pool.query<{ t: Date }>(`SELECT clock_timestamp() AS t`)).rows[0].t;
    await syncEvents([{ name: "CreateUser" }, { name: "DeleteUser" }, { name: "ListUsers" }]);
    await watch("u-analyst", { target: { kind: "view", id: "v-iam" }, webhook: { url: `${hookBase}/late-watch`, format: "json" } });
    // Stored after both watches' bounds, then evaluated by two evaluations at once (two syncs ending).
    await db.pool.query(
      `INSERT INTO events (id, event_time, event_name, recipient_account_id, record) VALUES ('pass-1', now(), 'CreateUser', $1, '{}'), ('pass-2', now(), 'DeleteUser', $1, '{}'), ('pass-3', now(), 'GetObject', $1, '{}')`,
      [ACCT_A],
    );
    // The early watch lags behind (back to before that sync), so one pass covers two lower bounds.
    await db.pool.query(`UPDATE watches SET stored_after = $2 WHERE id = $1`, [early.id, before]);
    const [a, b] = await Promise.all([evaluateWatches(db), evaluateWatches(db)]);
    expect(a.problems).toEqual([]);
    expect(b.problems).toEqual([]);
    expect(a.alerts + b.alerts).toBe(2);
    await dispatchDue(db);
    const counts = (p: string) => hooks(p).map((r) => (r.body as { count: number }).count);
    // The early watch: the sync's two (alerted after that sync) and now, from before it, all four.
    expect(counts("/early")).toEqual([2, 4]);
    expect(counts("/late-watch")).toEqual([2]);
    const newest = hooks("/late-watch")[0].body as { sample: { eventID: string }[] };
    expect(newest.sample.map((x) => x.eventID).sort()).toEqual(["pass-1", "pass-2"]);
  });
});

describe("a burst detection's watch", () => {
  it("alerts on the bursts new events make or grow (counted with the events stored before), with a link to exactly the newest burst", async () => {
    const access = await accessOf("u-analyst");
    await watch("u-analyst", { target: { kind: "detection", id: "secrets-read-in-bulk" }, webhook: { url: `${hookBase}/bulk`, format: "json" } });
    const hour = Date.UTC(2026, 10, 18, 9);
    const read = (user: string, secret: number, minute: number) => ({
      ...record({ name: "GetSecretValue", source: "secretsmanager.amazonaws.com" }),
      eventTime: new Date(hour + minute * 60_000).toISOString(),
      userIdentity: { type: "IAMUser", principalId: `AIDA${user.toUpperCase()}`, arn: `arn:aws:iam::${ACCT_A}:user/${user}`, accountId: ACCT_A, userName: user, accessKeyId: "AKIAEXAMPLE0000009" },
      requestParameters: { secretId: `prod/db-${secret}` },
    });
    // Six different secrets read by mallory within the hour, three by bob: no burst yet.
    await syncRecords([...[1, 2, 3, 4, 5, 6].map((n) => read("mallory", n, n)), ...[1, 2, 3].map((n) => read("bob", n, n))]);
    await dispatchDue(db);
    expect(hooks("/bulk")).toHaveLength(0);
    // Four more by mallory in the same hour (ten different: a burst), one more by bob.
    const { ids } = await syncRecords([...[7, 8, 9, 10].map((n) => read("mallory", n, 20 + n)), read("bob", 4, 40)]);
    await dispatchDue(db);
    const bodies = hooks("/bulk").map((r) => r.body as { count: number; bursts: number; storedAfter: string | null; link: string; sample: { eventID: string }[] });
    expect(bodies).toHaveLength(1);
    // The burst counts all ten of mallory's reads, the six stored by the first sync too.
    expect(bodies[0].count).toBe(10);
    expect(bodies[0].bursts).toBe(1);
    expect(bodies[0].storedAfter).toBeNull();
    expect((await alertHistory(db, access)).filter((a) => a.kind === "alert").map((a) => [a.bursts, a.count])).toContainEqual([1, 10]);
    // The newest five of the burst: the four reads of the second sync, then the first sync's last.
    expect(bodies[0].sample.map((x) => x.eventID)).toEqual([ids[3], ids[2], ids[1], ids[0], expect.stringMatching(/^alert-evt-/)]);
    // The link opens exactly that burst: mallory's ten reads in that hour, frozen at the evaluation.
    const linked = await eventsOfLink(bodies[0].link, access);
    expect(linked).toHaveLength(10);
    const link = new URL(bodies[0].link).searchParams;
    expect(link.get("principalArn")).toBe(`arn:aws:iam::${ACCT_A}:user/mallory`);
    expect(link.get("from")).toBe(new Date(hour).toISOString());
    // A sync that adds nothing to any burst alerts nothing.
    await syncRecords([read("bob", 5, 50)]);
    await dispatchDue(db);
    expect(hooks("/bulk")).toHaveLength(1);
  });
});

describe("watches refuse what they must", () => {
  it("a target the user cannot see, no channel, a bad webhook, and email without SMTP are 400s naming the field", async () => {
    const scoped = await accessOf("u-scoped");
    await expect(createWatch(db, scoped, { target: { kind: "view", id: "v-private" }, webhook: { url: `${hookBase}/x`, format: "json" } })).rejects.toThrow(/^target: no view "v-private" that you can see/);
    await expect(createWatch(db, scoped, { target: { kind: "detection", id: "no-such" }, webhook: { url: `${hookBase}/x`, format: "json" } })).rejects.toThrow(/^target:/);
    await expect(createWatch(db, scoped, { target: { kind: "view", id: "v-iam" } })).rejects.toThrow(/^webhook: give a webhook, email recipients, or both/);
    for (const [url, why] of [
      ["ftp://example.com/hook", /must be http:\/\/ or https:\/\//],
      ["http://169.254.169.254/latest/meta-data/", /link-local/],
      ["http://[fd00:ec2::254]/", /metadata/],
      ["http://[::ffff:169.254.169.254]/", /link-local/],
      ["http://metadata.google.internal/", /metadata name/],
      ["https://user:pw@hooks.example.com/x", /user name or password/],
    ] as const) {
      await expect(createWatch(db, scoped, { target: { kind: "view", id: "v-iam" }, webhook: { url, format: "json" } }), url).rejects.toThrow(why);
    }
    const smtpUrl = process.env.TRAILSCOPE_SMTP_URL;
    delete process.env.TRAILSCOPE_SMTP_URL;
    try {
      await expect(createWatch(db, scoped, { target: { kind: "view", id: "v-iam" }, email: ["a@example.test"] })).rejects.toThrow(/^email: email alerts need TRAILSCOPE_SMTP_URL/);
    } finally {
      process.env.TRAILSCOPE_SMTP_URL = smtpUrl;
    }
  });

  it("loopback and private addresses only with TRAILSCOPE_WEBHOOK_ALLOW_PRIVATE, also when a name resolves to them at send time", async () => {
    expect(refusedAddress("127.0.0.1", false)).toMatch(/loopback/);
    expect(refusedAddress("10.1.2.3", false)).toMatch(/private/);
    expect(refusedAddress("10.1.2.3", true)).toBeNull();
    expect(refusedAddress("169.254.169.254", true)).toMatch(/link-local/);
    expect(refusedAddress("100.100.100.200", true)).toMatch(/metadata/);
    expect(refusedAddress("93.184.215.14", false)).toBeNull();
    expect(() => checkWebhookUrl("http://127.0.0.1:5432/", false)).toThrow(/loopback/);
    expect(() => checkWebhookUrl("http://localhost./", false)).toThrow(/local or metadata name/);
    // At send time every address of the name is checked, and the connection goes to it.
    const refused = await new Promise<string>((resolve) => guardedLookup(false)("localhost", { all: true }, (err) => resolve(err?.message ?? "allowed")));
    expect(refused).toMatch(/^refused: localhost resolves to 127\.0\.0\.1 is a loopback address/);
    const r = await postWebhook(`${hookBase}/never`, {}, { timeoutMs: 2000, allowPrivate: false });
    expect(r).toMatchObject({ ok: false, retryable: false, detail: expect.stringMatching(/loopback/) });
    expect(hooks("/never")).toHaveLength(0);
  });
});

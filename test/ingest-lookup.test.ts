// LookupEvents sync through the real @aws-sdk/client-cloudtrail against the wire-level peer
// (JSON 1.1, paging, 2 TPS throttling), reached via AWS_ENDPOINT_URL_CLOUDTRAIL.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runSync } from "../lib/ingest/engine";
import { normalizeRecord } from "../lib/ingest/normalize";
import { parseSource } from "../lib/ingest/sources";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";
import { lookupUsername, startLookupPeer, type LookupPeer } from "./peers/lookup-peer";

const ACCT = "777788889999";
const DAY = 86400e3;
let peer: LookupPeer;
let tdb: TestDatabase;
let db: Db;
const quiet = { log: () => {} };

let seq = 0;
function rec(ageMs: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  seq++;
  const kinds = [
    { type: "IAMUser", arn: `arn:aws:iam::${ACCT}:user/bob`, userName: "bob", accessKeyId: "AKIABOB", principalId: "AIDABOB" },
    { type: "AssumedRole", arn: `arn:aws:sts::${ACCT}:assumed-role/Deploy/ci-run-42`, accessKeyId: "ASIADEPLOY", principalId: "AROADEPLOY:ci-run-42", sessionContext: { sessionIssuer: { type: "Role", arn: `arn:aws:iam::${ACCT}:role/Deploy`, userName: "Deploy" } } },
    { type: "Root", arn: `arn:aws:iam::${ACCT}:root`, principalId: ACCT, accessKeyId: "ASIAROOT" },
    { type: "AWSService", invokedBy: "ec2.amazonaws.com" },
  ];
  return {
    eventVersion: "1.11",
    userIdentity: { ...kinds[seq % kinds.length], accountId: ACCT },
    eventTime: new Date(Date.now() - ageMs).toISOString().replace(/\.\d+Z$/, "Z"),
    eventSource: "ec2.amazonaws.com",
    eventName: seq % 2 ? "DescribeInstances" : "TerminateInstances",
    awsRegion: "us-east-1",
    sourceIPAddress: "203.0.113.5",
    readOnly: seq % 2 === 1,
    eventID: `lookup-${String(seq).padStart(6, "0")}`,
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: ACCT,
    eventCategory: "Management",
    ...over,
  };
}

function insight(ageMs: number, state: string) {
  seq++;
  return {
    eventVersion: "1.07",
    eventTime: new Date(Date.now() - ageMs).toISOString().replace(/\.\d+Z$/, "Z"),
    awsRegion: "us-east-1",
    eventID: `insight-${seq}`,
    eventType: "AwsCloudTrailInsight",
    recipientAccountId: ACCT,
    sharedEventID: "shared-insight-1",
    insightDetails: { state, eventSource: "ec2.amazonaws.com", eventName: "RunInstances", insightType: "ApiCallRateInsight" },
    eventCategory: "Insight",
  };
}

beforeAll(async () => {
  peer = await startLookupPeer();
  process.env.AWS_ENDPOINT_URL_CLOUDTRAIL = peer.url;
  process.env.AWS_ACCESS_KEY_ID = "AKIDLOOKUPTEST";
  process.env.AWS_SECRET_ACCESS_KEY = "secret";
  process.env.AWS_REGION = "us-east-1";
});

afterAll(async () => {
  await peer?.close();
});

beforeEach(async () => {
  await db?.close();
  await tdb?.drop();
  tdb = await createTestDatabase("ts_lookup");
  await migrate(tdb.url);
  db = openDb(tdb.url);
  peer.stats.calls.length = 0;
  peer.stats.throttled = 0;
});

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
});

async function storedIds(): Promise<string[]> {
  return (await db.pool.query(`SELECT id FROM events ORDER BY id`)).rows.map((r) => r.id);
}

describe("LookupEvents sync", () => {
  it("backfills the visible 90 days of management and Insights events, at no more than 2 requests/s", async () => {
    seq = 0;
    const visible = Array.from({ length: 120 }, (_, i) => rec(i * 0.7 * DAY + 1000));
    const tooOld = [rec(95 * DAY)];
    const data = [rec(2 * DAY, { eventCategory: "Data", managementEvent: false, eventName: "GetObject" })];
    const insights = [insight(3 * DAY, "Start"), insight(3 * DAY - 600_000, "End")];
    peer.setEvents("us-east-1", [...visible, ...tooOld, ...data, ...insights]);

    const s = await runSync(db, parseSource("lookup://us-east-1"), quiet);
    expect(s.ok).toBe(true);
    expect(await storedIds()).toEqual([...visible, ...insights].map((r) => r.eventID as string).sort());
    expect(peer.stats.throttled).toBe(0);
    // Management pass (3 pages of 50) then the Insights pass.
    expect(peer.stats.calls.filter((c) => !c.category)).toHaveLength(3);
    expect(peer.stats.calls.filter((c) => c.category === "insight")).toHaveLength(1);
    const first = peer.stats.calls[0];
    expect(Date.now() - first.startTime!.getTime()).toBeGreaterThan(89.9 * DAY);
  });

  it("stores username and readOnly as an S3 log file would give them, and as LookupEvents reports them", async () => {
    seq = 0;
    const records = Array.from({ length: 12 }, (_, i) => rec(i * 3600e3 + 1000));
    peer.setEvents("us-east-1", records);
    await runSync(db, parseSource("lookup://us-east-1?insights=false"), quiet);
    const { rows } = await db.pool.query(`SELECT id, username, read_only FROM events`);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const r of records) {
      const row = byId.get(r.eventID);
      // The same record through the log-file path (normalizeRecord is what S3/folder sync uses).
      const fromFile = normalizeRecord(r, {});
      expect(fromFile.ok && fromFile.line.split("\t").includes(row.username ?? "\\N")).toBe(true);
      expect(row.username ?? undefined).toEqual(lookupUsername(r));
      expect(row.read_only).toBe(r.readOnly);
    }
    expect(new Set(rows.map((r) => r.username))).toEqual(new Set(["bob", "ci-run-42", "root", null]));
  });

  it("later runs start at the previous end minus the overlap and pick up late-delivered events once", async () => {
    seq = 0;
    const initial = Array.from({ length: 30 }, (_, i) => rec(i * 3600e3 + 60_000));
    peer.setEvents("us-east-1", initial);
    const src = "lookup://us-east-1?insights=false&since=now-7d&overlap=20m";
    const first = await runSync(db, parseSource(src), quiet);
    expect(first.eventsNew).toBe(30);
    const firstStart = peer.stats.calls[0].startTime!;
    expect(Math.abs(Date.now() - 7 * DAY - firstStart.getTime())).toBeLessThan(60_000); // `since` narrowed the backfill

    // An event that happened 10 minutes ago but shows up only now, plus a new one.
    const late = rec(10 * 60_000);
    const fresh = rec(1000);
    peer.addEvents("us-east-1", [late, fresh]);
    peer.stats.calls.length = 0;
    const second = await runSync(db, parseSource(src), quiet);
    expect(second.eventsNew).toBe(2);
    const start = peer.stats.calls[0].startTime!.getTime();
    expect(Date.now() - start).toBeGreaterThan(20 * 60_000 - 5_000);
    expect(Date.now() - start).toBeLessThan(25 * 60_000);
    expect(await storedIds()).toEqual([...initial, late, fresh].map((r) => r.eventID as string).sort());
  });

  it("backs off and continues when throttling outlasts the SDK's own retries", async () => {
    seq = 0;
    peer.setEvents("us-east-1", Array.from({ length: 60 }, (_, i) => rec(i * 60_000 + 1000)));
    peer.throttleNext(4); // the SDK tries 3 times, then it is ours to handle
    const messages: string[] = [];
    const s = await runSync(db, parseSource("lookup://us-east-1?insights=false&since=now-1d"), { log: (m) => messages.push(m) });
    expect(s.ok).toBe(true);
    expect(s.eventsNew).toBe(60);
    expect(peer.stats.throttled).toBeGreaterThanOrEqual(4);
    expect(messages.some((m) => /throttled; backing off/.test(m))).toBe(true);
  });

  it("an interrupted backfill resumes from its cursor and ends with the same rows", async () => {
    seq = 0;
    const records = Array.from({ length: 140 }, (_, i) => rec(i * 1800e3 + 1000));
    peer.setEvents("us-east-1", records);
    const src = "lookup://us-east-1?insights=false&since=now-5d";
    const controller = new AbortController();
    let pages = 0;
    const first = await runSync(db, parseSource(src), {
      ...quiet,
      signal: controller.signal,
      renderer: {
        update: (p) => {
          if (p.eventsNew >= 50 && pages++ === 0) controller.abort();
        },
        done() {},
      },
    });
    expect(first.ok).toBe(false);
    const partial = (await storedIds()).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(140);
    const cursor = await db.prisma.syncCursor.findFirst();
    expect((cursor?.position as { management: { pending: unknown[] } }).management.pending.length).toBeGreaterThan(0);

    peer.stats.calls.length = 0;
    const second = await runSync(db, parseSource(src), quiet);
    expect(second.ok).toBe(true);
    expect(await storedIds()).toEqual(records.map((r) => r.eventID as string).sort());
    // The resumed window ends where the first run stopped, not at the start of the backfill.
    const resumed = peer.stats.calls.find((c) => c.endTime!.getTime() < Date.now() - 3600e3);
    expect(resumed).toBeDefined();
  });

  it("rejects bad source URIs before any request", () => {
    expect(() => parseSource("lookup://moon-base-1")).toThrow(/not an AWS region/);
    expect(() => parseSource("lookup://us-east-1?sincee=now-1d")).toThrow(/unknown option "sincee"/);
    expect(() => parseSource("lookup://us-east-1?since=last tuesday")).toThrow(/since/);
  });
});

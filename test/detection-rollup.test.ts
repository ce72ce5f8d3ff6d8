// The detections page's kept counts (lib/detections/rollup.ts) against counting live, on real
// parts: events of several days and two accounts go in through the real folder sync in rounds
// (each sync brings the rollups up to date), and every answer the page gives — unscoped, scoped to
// either account, over ranges with partial first and last days, whole days and no range — must
// equal the live count of the same detections, bins included. Also: a burst whose reads span two
// accounts (a burst to an unscoped user, none to either account's user), a burst completed by a
// later sync, days stored into since the rollups counted (counted live), and a changed definition
// (counted anew).
process.env.TRAILSCOPE_SECRET ??= "test-secret-0123456789abcdef0123456789abcdef";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessQuery, type Access } from "../lib/auth/access";
import { countBranches, type DayBins } from "../lib/detections/count";
import { countDetections, detectionEventQuery } from "../lib/detections";
import { BUILTIN_DETECTIONS } from "../lib/detections/library";
import { keptBursts, keptDetections, refreshDetectionRollups, rollupPlan, rollupRows } from "../lib/detections/rollup";
import { runSync } from "../lib/ingest/engine";
import { parseSource } from "../lib/ingest/sources";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { ACCT, allFixtureRecords, OTHER_ACCT, roleSession } from "./fixtures/detections";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";

type Rec = Record<string, unknown>;
const DAY = 86400_000;
const T0 = Date.parse("2026-11-20T00:00:00Z");
/** "now" for every count: a few hours into the seventh day. */
const NOW = new Date(T0 + 6 * DAY + 5 * 3600_000 + 17 * 60_000);

let tdb: TestDatabase;
let db: Db;
let dir: string;
let round = 0;

const everyone: Access = { kind: "session", userId: "u-all", name: "all@x", role: "analyst", scope: null, ip: null };
const onlyA: Access = { ...everyone, userId: "u-a", scope: [ACCT] };
const onlyB: Access = { ...everyone, userId: "u-b", scope: [OTHER_ACCT] };

/** The fixture records copied to day `day` (and `account`), with ids of their own. */
function copies(day: number, account: string, tag: string): Rec[] {
  return allFixtureRecords().map((r) => {
    const t = Date.parse(r.eventTime as string) - Date.parse("2026-11-20T00:00:00Z");
    return { ...r, eventID: `${r.eventID}-${tag}`, requestID: `${r.requestID}-${tag}`, eventTime: new Date(T0 + day * DAY + t).toISOString(), recipientAccountId: account };
  });
}

/** `n` reads of different secrets by one principal in the hour starting at `at`. */
function reads(tag: string, account: string, at: number, n: number, first = 0): Rec[] {
  const who = roleSession("Harvester", "eve", ACCT);
  return Array.from({ length: n }, (_, i) => ({
    eventVersion: "1.09",
    userIdentity: who,
    eventTime: new Date(at + (i + 1) * 60_000).toISOString(),
    eventSource: "secretsmanager.amazonaws.com",
    eventName: "GetSecretValue",
    awsRegion: "us-east-1",
    sourceIPAddress: "203.0.113.9",
    userAgent: "aws-cli/2.15.30",
    requestParameters: { secretId: `arn:aws:secretsmanager:us-east-1:${account}:secret:s${first + i}` },
    responseElements: null,
    requestID: `req-${tag}-${i}`,
    eventID: `ev-${tag}-${i}`,
    readOnly: true,
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: "Management",
  }));
}

/** One sync of these records as a new log file (which brings the rollups up to date). */
async function syncRecords(records: Rec[]): Promise<void> {
  round++;
  const folder = path.join(dir, `AWSLogs/${ACCT}/CloudTrail/us-east-1/2026/11/20`);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, `${ACCT}_CloudTrail_us-east-1_20261120T0800Z_r${round}.json`), JSON.stringify({ Records: records }));
  const logged: string[] = [];
  const s = await runSync(db, parseSource(dir), { log: (m) => logged.push(m) });
  expect(s.ok).toBe(true);
  expect(s.detectionRollupMs, logged.join("\n")).toBeTypeOf("number");
}

const RANGES: { name: string; params: Record<string, string>; days?: DayBins }[] = [
  { name: "the last 30 days (partial first and last day)", params: { from: "now-30d" }, days: { from: new Date(NOW.getTime() - 30 * DAY), to: NOW } },
  { name: "whole days", params: { from: new Date(T0 + DAY).toISOString(), to: new Date(T0 + 4 * DAY).toISOString() }, days: { from: new Date(T0 + DAY), to: new Date(T0 + 4 * DAY) } },
  { name: "from mid-day to mid-day", params: { from: new Date(T0 + 1.5 * DAY + 777).toISOString(), to: new Date(T0 + 5.25 * DAY).toISOString() }, days: { from: new Date(T0 + 1.5 * DAY + 777), to: new Date(T0 + 5.25 * DAY) } },
  { name: "no range at all (counts only)", params: {} },
];

/** The page's answer, and the live count of the same detections. */
async function bothWays(access: Access, params: Record<string, string>, days?: DayBins) {
  const sp = new URLSearchParams(params);
  const page = await countDetections(db.pool, access, [...BUILTIN_DETECTIONS], sp, { now: NOW, days });
  const base = accessQuery(access, sp, { now: NOW });
  const live = await countBranches(db.pool, BUILTIN_DETECTIONS.map((d) => ({ q: detectionEventQuery(base, d), threshold: d.threshold })), days);
  return {
    page: page.map((c) => ({ id: c.detection.id, count: c.count, days: c.days })),
    live: live.map((l, i) => ({ id: BUILTIN_DETECTIONS[i].id, count: l.count, days: l.days })),
  };
}

/** How many events of the range the rollups themselves answered (not the live ranges). */
async function fromRollups(access: Access, params: Record<string, string>): Promise<number> {
  const base = accessQuery(access, new URLSearchParams(params), { now: NOW });
  const plan = await rollupPlan(db.pool, base.from, base.to);
  if (!plan) return 0;
  const rows = await rollupRows(db.pool, plan, keptDetections().map((kept, b) => ({ b, kept })), access.scope ?? undefined);
  return rows.reduce((s, r) => s + r.n, 0);
}

const countOf = (rows: { id: string; count: number | null }[], id: string) => rows.find((r) => r.id === id)!.count;

beforeAll(async () => {
  tdb = await createTestDatabase("ts_detection_rollup");
  await migrate(tdb.url);
  db = openDb(tdb.url);
  dir = await mkdtemp(path.join(tmpdir(), "trailscope-detection-rollup-"));
}, 60_000);

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the detections page's kept counts", () => {
  it("equal counting live, for every access and range, sync after sync", async () => {
    // Round 1: days 0–2 in both accounts; round 2: days 3–5, and more into day 1 (an older day).
    await syncRecords([...copies(0, ACCT, "d0a"), ...copies(1, OTHER_ACCT, "d1b"), ...copies(2, ACCT, "d2a"), ...copies(2, OTHER_ACCT, "d2b")]);
    await syncRecords([...copies(3, ACCT, "d3a"), ...copies(4, OTHER_ACCT, "d4b"), ...copies(5, ACCT, "d5a"), ...copies(1, ACCT, "d1a"), ...copies(6, OTHER_ACCT, "d6b")]);
    for (const access of [everyone, onlyA, onlyB]) {
      for (const r of RANGES) {
        const { page, live } = await bothWays(access, r.params, r.days);
        expect(page, `${access.userId}, ${r.name}`).toEqual(live);
      }
    }
    // Not a vacuous agreement: the detections fire, and the rollups answered most of it.
    const all = await bothWays(everyone, { from: "now-30d" });
    expect(countOf(all.page, "secrets-read-in-bulk")).toBeGreaterThan(0);
    expect(all.page.filter((c) => (c.count ?? 0) > 0).length).toBeGreaterThanOrEqual(10);
    expect(await fromRollups(everyone, { from: "now-30d" })).toBeGreaterThan(0);
    expect(await fromRollups(onlyA, { from: "now-30d" })).toBeLessThan(await fromRollups(everyone, { from: "now-30d" }));
  }, 120_000);

  it("counts a burst spread over two accounts for an unscoped user only, and a burst a later sync completes", async () => {
    const hour = T0 + 2 * DAY + 14 * 3600_000;
    const params = { from: new Date(T0 + 2 * DAY).toISOString(), to: new Date(T0 + 3 * DAY).toISOString() };
    const before = await bothWays(everyone, params);
    const beforeA = await bothWays(onlyA, params);
    // Six different secrets in one account and five in the other, by one principal in one hour.
    const beforeSync = (await db.pool.query<{ t: Date }>(`SELECT now() AS t`)).rows[0].t;
    await syncRecords([...reads("x-a", ACCT, hour, 6), ...reads("x-b", OTHER_ACCT, hour, 5, 100)]);
    // What a burst watch reads: the bursts the new events made, from the kept groups.
    const through = (await db.pool.query<{ t: Date }>(`SELECT counted_through AS t FROM detection_rollups WHERE detection_id = 'secrets-read-in-bulk'`)).rows[0].t;
    expect(await keptBursts(db.pool, "secrets-read-in-bulk", undefined, beforeSync, through)).toEqual([{ key: "arn:aws:sts::111122223333:assumed-role/Harvester/eve", window: new Date(hour), events: 11 }]);
    expect(await keptBursts(db.pool, "secrets-read-in-bulk", [ACCT], beforeSync, through)).toEqual([]);
    expect(await keptBursts(db.pool, "secrets-read-in-bulk", undefined, through, through)).toEqual([]);
    // Events stored between the bound asked and the instant the groups were counted: not exact, so none.
    expect(await keptBursts(db.pool, "secrets-read-in-bulk", undefined, beforeSync, beforeSync)).toBeNull();
    expect(await keptBursts(db.pool, "cis-root-account-usage", undefined, beforeSync, through)).toBeNull();
    const after = await bothWays(everyone, params);
    expect(after.page).toEqual(after.live);
    expect(countOf(after.page, "secrets-read-in-bulk")).toBe(countOf(before.page, "secrets-read-in-bulk")! + 11);
    for (const access of [onlyA, onlyB]) {
      const scoped = await bothWays(access, params);
      expect(scoped.page).toEqual(scoped.live);
    }
    expect(countOf((await bothWays(onlyA, params)).page, "secrets-read-in-bulk")).toBe(countOf(beforeA.page, "secrets-read-in-bulk"));
    // Six reads in another hour: no burst; four more in that hour by a later sync: one burst of ten.
    const later = T0 + 3 * DAY + 9 * 3600_000;
    const p2 = { from: new Date(T0 + 3 * DAY).toISOString(), to: new Date(T0 + 4 * DAY).toISOString() };
    const base2 = countOf((await bothWays(onlyA, p2)).page, "secrets-read-in-bulk")!;
    await syncRecords(reads("y1", ACCT, later, 6, 200));
    expect(countOf((await bothWays(onlyA, p2)).page, "secrets-read-in-bulk")).toBe(base2);
    await syncRecords(reads("y2", ACCT, later + 20 * 60_000, 4, 300));
    const completed = await bothWays(onlyA, p2);
    expect(completed.page).toEqual(completed.live);
    expect(countOf(completed.page, "secrets-read-in-bulk")).toBe(base2 + 10);
    expect(await fromRollups(onlyA, p2)).toBeGreaterThan(0);
  }, 120_000);

  it("counts live the days stored into since the rollups counted, and counts a changed definition anew", async () => {
    const params = { from: "now-30d" };
    const days = { from: new Date(NOW.getTime() - 30 * DAY), to: NOW };
    const whole = await fromRollups(everyone, params);
    // As if a sync were storing into days 1 and 4 right now: their minutes are newer than the rollups.
    await db.pool.query(`UPDATE event_minutes SET last_stored_at = now() + interval '1 hour' WHERE minute >= $1 AND minute < $2 OR minute >= $3 AND minute < $4`, [
      new Date(T0 + DAY),
      new Date(T0 + 2 * DAY),
      new Date(T0 + 4 * DAY),
      new Date(T0 + 5 * DAY),
    ]);
    const plan = await rollupPlan(db.pool, new Date(NOW.getTime() - 30 * DAY), NOW);
    expect(plan!.live.map((l) => [l.from?.getTime(), l.to?.getTime()])).toContainEqual([T0 + DAY, T0 + 2 * DAY]);
    expect(await fromRollups(everyone, params)).toBeLessThan(whole);
    for (const access of [everyone, onlyA, onlyB]) {
      const { page, live } = await bothWays(access, params, days);
      expect(page).toEqual(live);
    }
    await db.pool.query(`UPDATE event_minutes SET last_stored_at = now() - interval '1 day'`);
    // A release changed what a detection counts: its old rows are dropped, it is counted anew.
    const id = keptDetections()[0].detection.id;
    await db.pool.query(`UPDATE detection_rollups SET definition = 'an-older-one' WHERE detection_id = $1`, [id]);
    await db.pool.query(`UPDATE detection_days SET definition = 'an-older-one', events = events + 1000 WHERE detection_id = $1`, [id]);
    expect(await rollupPlan(db.pool, days.from, days.to)).toBeNull(); // not every detection counted: all live
    const r = await refreshDetectionRollups(db.pool);
    expect(r.counted).toBe(1);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM detection_days WHERE definition = 'an-older-one'`)).rows[0].n).toBe(0);
    for (const access of [everyone, onlyA]) {
      const { page, live } = await bothWays(access, params, days);
      expect(page).toEqual(live);
    }
    expect(await fromRollups(everyone, params)).toBe(whole);
  }, 120_000);
});

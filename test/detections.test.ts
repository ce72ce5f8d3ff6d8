// Every built-in detection against realistic CloudTrail records it must and must not match
// (test/fixtures/detections.ts), loaded through the real folder sync into a real PostgreSQL and
// queried through the real parser and SQL: each detection's exact matches among its fixtures, no
// detection on everyday activity, and the one-statement counts (lib/detections/count.ts) agreeing
// with the event lists they summarise.
process.env.TRAILSCOPE_SECRET ??= "test-secret-0123456789abcdef0123456789abcdef";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Access } from "../lib/auth/access";
import { accessQuery } from "../lib/auth/access";
import { burstEventIds, countBranches } from "../lib/detections/count";
import { countDetections, detectionEventQuery } from "../lib/detections";
import { BUILTIN_DETECTIONS } from "../lib/detections/library";
import { SEVERITIES, type Detection } from "../lib/detections/types";
import { runSync } from "../lib/ingest/engine";
import { parseSource } from "../lib/ingest/sources";
import { countEvents, listEvents } from "../lib/query/events";
import { parseEventQuery } from "../lib/query/params";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { ACCT, allFixtureRecords, BENIGN, DETECTION_FIXTURES } from "./fixtures/detections";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";

let tdb: TestDatabase;
let db: Db;
let dir: string;
const everyone: Access = { kind: "session", userId: "u-test", name: "test@x", role: "analyst", scope: null, ip: null };

beforeAll(async () => {
  tdb = await createTestDatabase("ts_detections");
  await migrate(tdb.url);
  db = openDb(tdb.url);
  dir = await mkdtemp(path.join(tmpdir(), "trailscope-detections-"));
  const folder = path.join(dir, `AWSLogs/${ACCT}/CloudTrail/us-east-1/2026/11/20`);
  await mkdir(folder, { recursive: true });
  const records = allFixtureRecords();
  // Two log files, as a trail writes them: a detection's fixtures may span files.
  const half = Math.ceil(records.length / 2);
  await writeFile(path.join(folder, `${ACCT}_CloudTrail_us-east-1_20261120T0800Z_a.json`), JSON.stringify({ Records: records.slice(0, half) }));
  await writeFile(path.join(folder, `${ACCT}_CloudTrail_us-east-1_20261120T0900Z_b.json`), JSON.stringify({ Records: records.slice(half) }));
  const s = await runSync(db, parseSource(dir), { log: () => {} });
  expect(s.ok).toBe(true);
  expect(await countEvents(db.pool, parseEventQuery({}))).toBe(records.length);
}, 60_000);

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every event id a detection matches in the store (its bursts' events, for a threshold one). */
async function matchedIds(d: Detection): Promise<string[]> {
  const q = detectionEventQuery(parseEventQuery({ limit: "1000" }, { paging: true }), d);
  if (d.threshold) return (await burstEventIds(db.pool, q, d.threshold)).sort();
  return (await listEvents(db.pool, q)).events.map((e) => e.eventID as string).sort();
}

const idsOf = (records: Record<string, unknown>[]) => records.map((r) => r.eventID as string).sort();

describe("the built-in library", () => {
  it("has fixtures for every built-in detection, and none for a detection that does not exist", () => {
    const ids = BUILTIN_DETECTIONS.map((d) => d.id);
    expect(ids.filter((id) => !DETECTION_FIXTURES[id]), "built-ins without fixtures").toEqual([]);
    expect(Object.keys(DETECTION_FIXTURES).filter((id) => !ids.includes(id)), "fixtures of no built-in").toEqual([]);
    for (const id of ids) {
      expect(DETECTION_FIXTURES[id].match.length, `${id}: must-match records`).toBeGreaterThan(0);
      expect(DETECTION_FIXTURES[id].miss.length, `${id}: must-not-match records`).toBeGreaterThan(0);
    }
  });

  it("is well-formed: unique slugs, a severity, an ATT&CK technique, a parseable query without a range, a CIS control for CIS ones", () => {
    expect(new Set(BUILTIN_DETECTIONS.map((d) => d.id)).size).toBe(BUILTIN_DETECTIONS.length);
    for (const d of BUILTIN_DETECTIONS) {
      expect(d.id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
      expect(SEVERITIES).toContain(d.severity);
      expect(d.technique, d.id).toMatch(/^T\d{4}(?:\.\d{3})?$/);
      expect(d.title.length).toBeGreaterThan(5);
      expect(d.why.length).toBeGreaterThan(20);
      const sp = new URLSearchParams(d.query);
      expect(sp.has("from") || sp.has("to") || sp.has("asOf"), d.id).toBe(false);
      expect(() => parseEventQuery(sp), d.id).not.toThrow();
      if (d.origin === "cis") expect(d.control, d.id).toMatch(/^4\.\d+$/);
      if (d.threshold) expect(1440 % d.threshold.windowMinutes, `${d.id}: a window divides a day`).toBe(0);
    }
    // The CIS monitoring section's fifteen metric filters, each once.
    expect(BUILTIN_DETECTIONS.filter((d) => d.origin === "cis").map((d) => d.control)).toEqual(Array.from({ length: 15 }, (_, i) => `4.${i + 1}`));
  });
});

describe.each(BUILTIN_DETECTIONS.map((d) => [d.id, d] as const))("%s", (id, d) => {
  it("matches exactly its must-match records among its fixtures", async () => {
    const f = DETECTION_FIXTURES[id];
    const own = new Set(idsOf([...f.match, ...f.miss]));
    const matched = await matchedIds(d);
    expect(matched.filter((x) => own.has(x))).toEqual(idsOf(f.match));
  });
});

describe("everyday activity", () => {
  it("trips no detection", async () => {
    const benign = new Set(idsOf(BENIGN));
    for (const d of BUILTIN_DETECTIONS) expect((await matchedIds(d)).filter((x) => benign.has(x)), d.id).toEqual([]);
  });
});

describe("counting every detection in one statement", () => {
  it("agrees with the matching events, and the per-day bins add up to the count", async () => {
    const now = new Date("2026-12-01T00:00:00Z");
    const params = new URLSearchParams({ from: "2026-11-01T00:00:00Z" });
    const counted = await countDetections(db.pool, everyone, [...BUILTIN_DETECTIONS], params, { now, days: { from: new Date("2026-11-01T00:00:00Z"), to: now } });
    expect(counted).toHaveLength(BUILTIN_DETECTIONS.length);
    for (const c of counted) {
      expect(c.count, c.detection.id).toBe((await matchedIds(c.detection)).length);
      expect(c.days).toHaveLength(30);
      expect(c.days!.reduce((a, b) => a + b, 0), c.detection.id).toBe(c.count);
      // Everything is on 2026-11-20 (the 20th bin).
      expect(c.days![19]).toBe(c.count);
    }
    expect(counted.find((c) => c.detection.id === "secrets-read-in-bulk")!.count).toBe(12);
  });

  it("applies the request's filters and range on top of each detection", async () => {
    const byId = async (p: Record<string, string>) =>
      new Map((await countDetections(db.pool, everyone, [...BUILTIN_DETECTIONS], new URLSearchParams(p))).map((c) => [c.detection.id, c.count]));
    const all = await byId({});
    const mallory = await byId({ username: "mallory" });
    expect(mallory.get("cloudtrail-tampering")).toBe(2); // StopLogging and DeleteTrail by mallory
    expect(mallory.get("cis-cmk-disabled-or-deleted")).toBe(0);
    expect(all.get("cloudtrail-tampering")).toBe(4); // and the CIS 4.5 fixture's StopLogging
    // A range before every event: nothing.
    const before = await byId({ to: "2026-11-01T00:00:00Z" });
    expect([...before.values()].every((n) => n === 0)).toBe(true);
    // Free text in the request ANDs with the detection (a user detection may carry its own).
    const q = await byId({ q: "management-events" });
    expect(q.get("cloudtrail-tampering")).toBe(4);
    expect(q.get("cis-iam-policy-changes")).toBe(0);
  });

  it("counts only a scoped principal's accounts", async () => {
    const scoped: Access = { ...everyone, role: "auditor", scope: ["999988887777"] };
    const counted = await countDetections(db.pool, scoped, [...BUILTIN_DETECTIONS], new URLSearchParams());
    expect(counted.every((c) => c.count === 0)).toBe(true);
    const own: Access = { ...everyone, scope: [ACCT] };
    const total = (await countDetections(db.pool, own, [...BUILTIN_DETECTIONS], new URLSearchParams())).reduce((n, c) => n + (c.count ?? 0), 0);
    expect(total).toBeGreaterThan(0);
  });

  it("reports a user-made detection whose query no longer parses, and still counts the others", async () => {
    const broken: Detection = { id: "view-x", title: "old", why: "an old view", severity: "low", technique: "", query: "noSuchField=1", origin: "user" };
    const counted = await countDetections(db.pool, everyone, [broken, BUILTIN_DETECTIONS[0]], new URLSearchParams());
    expect(counted[0]).toMatchObject({ count: null, error: expect.stringContaining("noSuchField") });
    expect(counted[1].count).toBeGreaterThan(0);
  });

  it("one branch per query, counted independently (the same event may count in several)", async () => {
    const q = (s: string) => accessQuery(everyone, new URLSearchParams(s));
    const [a, b, c] = await countBranches(db.pool, [{ q: q("eventName=StopLogging") }, { q: q("eventName=StopLogging&username=mallory") }, { q: q("eventName=NoSuchEvent") }]);
    expect([a.count, b.count, c.count]).toEqual([2, 1, 0]);
  });
});

// Access at the query layer, on real PostgreSQL with events of two accounts loaded by the real
// folder sync: a scoped principal's counts, facets, histogram, export, detail and related events
// hold only its accounts; a share link's set is frozen (a later sync inside its range changes
// nothing) and cannot be widened; API tokens carry their owner's role and scope and die when
// revoked; the audit trail refuses changes; first-run setup works once.
process.env.TRAILSCOPE_SECRET ??= "test-secret-0123456789abcdef0123456789abcdef";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countEvents, listEvents } from "../lib/query/events";
import { facetCounts } from "../lib/query/facets";
import { histogram } from "../lib/query/histogram";
import { searchWindow } from "../lib/query/search";
import { rangeView } from "../lib/query/sql";
import { lateCut } from "../lib/store/rollups";
import { matchCount } from "../app/events/_data/count";
import { relatedEvents } from "../lib/query/related";
import { visibleEvent } from "../lib/query/visible";
import { AccessError, accessQuery, resolveAccess, type Access } from "../lib/auth/access";
import { completeSetup, issueSetupToken, SetupError } from "../lib/auth/setup";
import { createShare, revokeShare } from "../lib/auth/shares";
import { createToken, revokeToken, setDisabled, SYSTEM, upsertUser } from "../lib/auth/users";
import { exportStream } from "../lib/export/stream";
import { runSync } from "../lib/ingest/engine";
import { parseSource } from "../lib/ingest/sources";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { writeBulkCorpus } from "./fixtures/bulk";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";
import { readAll } from "./helpers/stream";
import { subjectOf } from "../lib/view/related";

const A = "444455556666";
const B = "111111111111";
let tdb: TestDatabase;
let db: Db;
let dir: string;
let perAccount: number;

const quiet = { log: () => {} };
const userAccess = (scope: string[] | null, role: Access["role"] = "analyst"): Access => ({ kind: "session", userId: "u-test", name: "test@x", role, scope, ip: null });

beforeAll(async () => {
  tdb = await createTestDatabase("ts_access");
  await migrate(tdb.url);
  db = openDb(tdb.url);
  dir = await mkdtemp(path.join(tmpdir(), "trailscope-access-"));
  perAccount = await writeBulkCorpus(path.join(dir, "a"), { files: 6, perFile: 50, account: A, idPrefix: "a" });
  await writeBulkCorpus(path.join(dir, "b"), { files: 6, perFile: 50, account: B, idPrefix: "b" });
  const s = await runSync(db, parseSource(dir), quiet);
  expect(s.ok).toBe(true);
});

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("a principal scoped to one account", () => {
  const scoped = userAccess([B], "auditor");

  it("lists, counts and pages only that account's events", async () => {
    const q = accessQuery(scoped, new URLSearchParams({ limit: "1000" }), { paging: true });
    const page = await listEvents(db.pool, q);
    expect(page.events).toHaveLength(perAccount);
    expect(new Set(page.events.map((e) => e.recipientAccountId))).toEqual(new Set([B]));
    expect(await countEvents(db.pool, accessQuery(scoped, new URLSearchParams()))).toBe(perAccount);
    // Asking for the other account by name gives nothing, not an error that says it exists.
    expect((await listEvents(db.pool, accessQuery(scoped, new URLSearchParams({ accountId: A }), { paging: true }))).events).toEqual([]);
  });

  it("facet counts, including the account facet (whose own filter facets leave out), hold only that account", async () => {
    const facets = await facetCounts(db.pool, accessQuery(scoped, new URLSearchParams({ accountId: A })));
    const byField = new Map(facets.map((f) => [f.field, f.values]));
    expect(byField.get("accountId")!.filter((v) => v.count > 0).map((v) => v.value)).toEqual([B]);
    const total = (await facetCounts(db.pool, accessQuery(scoped, new URLSearchParams()))).find((f) => f.field === "eventName")!.values.reduce((n, v) => n + v.count, 0);
    expect(total).toBe(perAccount);
  });

  it("histogram bars add up to that account's events (the rollups, which count every account, are not used)", async () => {
    const now = new Date("2026-12-01T00:00:00Z");
    const h = await histogram(db.pool, accessQuery(scoped, new URLSearchParams({ from: "2026-10-30T00:00:00Z" }), { now }), now);
    expect(h!.buckets.reduce((n, b) => n + b.total, 0)).toBe(perAccount);
  });

  it("free text searched over a window starts where that account's own newest events begin, not the rollups' (every account's)", async () => {
    const budget = 10;
    const q = accessQuery(scoped, new URLSearchParams({ q: "amazonaws", from: "2026-10-30T00:00:00Z", to: "2026-12-01T00:00:00Z" }));
    const w = await searchWindow(db.pool, q, budget);
    const nth = async (where: string) =>
      (await db.pool.query(`SELECT date_trunc('minute', event_time) AS m FROM events ${where} ORDER BY event_time DESC OFFSET ${budget - 1} LIMIT 1`, where ? [B] : [])).rows[0].m as Date;
    expect(w.searchedFrom).toEqual(await nth("WHERE recipient_account_id = $1"));
    // The unscoped cut (from the rollups) is another instant: the scoped one reveals nothing of A.
    const all = await searchWindow(db.pool, accessQuery(userAccess(null), new URLSearchParams({ q: "amazonaws", from: "2026-10-30T00:00:00Z", to: "2026-12-01T00:00:00Z" })), budget);
    expect(all.searchedFrom).toBeDefined();
    expect(all.searchedFrom!.getTime()).toBeGreaterThanOrEqual(w.searchedFrom!.getTime());
  });

  it("the other account's event is not found in detail, and related events stay in scope", async () => {
    expect(await visibleEvent(db.pool, scoped, "a-00000001")).toBeNull();
    const own = await visibleEvent(db.pool, scoped, "b-00000001");
    expect(own?.recipientAccountId).toBe(B);
    const related = await relatedEvents(db.pool, subjectOf("b-00000001", own!), scoped);
    expect(related.flatMap((g) => g.events).length).toBeGreaterThan(0);
    for (const g of related) for (const e of g.events) expect(e.recipientAccountId).toBe(B);
  });

  it("exports only that account's rows", async () => {
    const text = await readAll(exportStream(db.pool, accessQuery(scoped, new URLSearchParams()), "ndjson"));
    const rows = text.trim().split("\n").map((l) => JSON.parse(l));
    expect(rows).toHaveLength(perAccount);
    expect(rows.every((r) => r.recipientAccountId === B)).toBe(true);
  });
});

describe("first run", () => {
  it("first-run setup creates the admin once", async () => {
    const token = await issueSetupToken(db);
    expect(token).toBeTruthy();
    await expect(completeSetup(db, "wrong", { email: "x@y.z", password: "0123456789" }, null)).rejects.toThrow(SetupError);
    const { user } = await completeSetup(db, token!, { email: "Root@Example.com", password: "correct horse battery" }, "127.0.0.1");
    expect(user).toMatchObject({ email: "root@example.com", role: "admin", accounts: null });
    await expect(completeSetup(db, token!, { email: "second@example.com", password: "0123456789" }, null)).rejects.toThrow(SetupError);
    expect(await issueSetupToken(db)).toBeNull();
  });
});

describe("share links", () => {
  const analyst = userAccess(null);
  // Links are made by real users: a link dies with its creator's account.
  const creators: Record<"analyst" | "scoped", string> = { analyst: "", scoped: "" };
  beforeAll(async () => {
    creators.analyst = (await upsertUser(db, { email: "share-analyst@example.com", role: "analyst", accounts: null })).user.id;
    creators.scoped = (await upsertUser(db, { email: "share-scoped@example.com", role: "analyst", accounts: [B] })).user.id;
  });

  it("freeze the set: events a later sync stores inside the range are not in it", async () => {
    const share = await createShare(db, { ...analyst, userId: creators.analyst }, "eventName=ListUsers&from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z", 30);
    const shared = await resolveAccess(db, new Headers({ cookie: `trailscope_share=${share.token}` }));
    expect(shared.share?.id).toBe(share.id);
    // And a link of the range alone, whose counts, facets and histogram come from the rollups.
    const rangeShare = await createShare(db, { ...analyst, userId: creators.analyst }, "from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z", 30);
    const rangeShared = await resolveAccess(db, new Headers({ cookie: `trailscope_share=${rangeShare.token}` }));
    const rangeBefore = await countEvents(db.pool, accessQuery(rangeShared, new URLSearchParams()));
    const before = await countEvents(db.pool, accessQuery(shared, new URLSearchParams()));
    expect(before).toBeGreaterThan(0);
    // A later sync: more ListUsers events inside the range (another account, new IDs).
    await writeBulkCorpus(path.join(dir, "c"), { files: 2, perFile: 40, account: A, idPrefix: "c" });
    expect((await runSync(db, parseSource(path.join(dir, "c")), quiet)).eventsNew).toBe(80);
    const live = await countEvents(db.pool, accessQuery(analyst, new URLSearchParams({ eventName: "ListUsers", from: "2026-11-01T00:00:00Z", to: "2026-11-02T00:00:00Z" })));
    expect(live).toBeGreaterThan(before);
    expect(await countEvents(db.pool, accessQuery(shared, new URLSearchParams()))).toBe(before);

    // The range-only link: rollups up to the first minute holding a later-stored event, `events`
    // with the bound from there; every figure equal to the scan's, none counting the later sync.
    const rq = accessQuery(rangeShared, new URLSearchParams());
    expect(rangeView(rq)?.asOf).toBeDefined();
    expect(await lateCut(db.pool, rangeView(rq)!.from, rangeView(rq)!.to, rangeView(rq)!.asOf!)).toBeDefined();
    expect(await matchCount(db.pool, rq)).toEqual({ value: rangeBefore, exact: true });
    const now = new Date("2026-12-01T00:00:00Z");
    const viaRollups = await histogram(db.pool, rq, now);
    expect(viaRollups).toEqual(await histogram(db.pool, rq, now, { rollups: false }));
    expect(viaRollups!.buckets.reduce((n, b) => n + b.total, 0)).toBe(rangeBefore);
    const facets = await facetCounts(db.pool, rq, undefined, { limit: 100 });
    expect(facets).toEqual(await facetCounts(db.pool, rq, undefined, { limit: 100, rollups: false }));
    expect(facets.find((f) => f.field === "eventName")!.values.reduce((n, v) => n + v.count, 0)).toBe(rangeBefore);
    // Live, the same range counts the later sync's events too.
    expect(await matchCount(db.pool, accessQuery(analyst, new URLSearchParams({ from: "2026-11-01T00:00:00Z", to: "2026-11-02T00:00:00Z" })))).toEqual({ value: rangeBefore + 80, exact: true });
  });

  it("may be narrowed, never widened (403)", async () => {
    const share = await createShare(db, { ...analyst, userId: creators.analyst }, "eventName=ListUsers&eventName=CreateUser&from=2026-11-01T00:00:00Z&to=2026-11-01T12:00:00Z", 30);
    const shared = await resolveAccess(db, new Headers({ cookie: `trailscope_share=${share.token}` }));
    const all = await countEvents(db.pool, accessQuery(shared, new URLSearchParams()));
    const narrowed = await countEvents(db.pool, accessQuery(shared, new URLSearchParams({ eventName: "CreateUser", from: "2026-11-01T00:02:00Z" })));
    expect(narrowed).toBeGreaterThan(0);
    expect(narrowed).toBeLessThan(all);
    for (const widen of [
      { eventName: "GetObject" },
      { from: "2026-10-01T00:00:00Z" },
      { to: "2026-12-01T00:00:00Z" },
      { asOf: "2099-01-01T00:00:00Z" },
      { eventName: "!ListUsers" },
    ]) {
      expect(() => accessQuery(shared, new URLSearchParams(widen as unknown as Record<string, string>)), JSON.stringify(widen)).toThrow(AccessError);
    }
    // The facet of eventName leaves the request's own eventName filter out, never the link's.
    const f = await facetCounts(db.pool, accessQuery(shared, new URLSearchParams({ eventName: "CreateUser" })), undefined);
    expect(f.find((x) => x.field === "eventName")!.values.filter((v) => v.count > 0).map((v) => v.value).sort()).toEqual(["CreateUser", "ListUsers"]);
  });

  it("of a scoped creator see only the creator's accounts", async () => {
    const share = await createShare(db, { ...userAccess([B]), userId: creators.scoped }, "from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z", 30);
    const shared = await resolveAccess(db, new Headers({ cookie: `trailscope_share=${share.token}` }));
    const page = await listEvents(db.pool, accessQuery(shared, new URLSearchParams({ limit: "1000" }), { paging: true }));
    expect(page.events.length).toBeGreaterThan(0);
    expect(page.events.every((e) => e.recipientAccountId === B)).toBe(true);
  });

  it("die with their creator's account and never show more than the creator may see now", async () => {
    const view = "from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z";
    const { user } = await upsertUser(db, { email: "leaver@example.com", role: "analyst", accounts: null });
    const share = await createShare(db, { ...analyst, userId: user.id }, view, 30);
    const cookie = new Headers({ cookie: `trailscope_share=${share.token}` });
    expect((await resolveAccess(db, cookie)).scope).toBeNull();
    // Narrowing the creator's scope narrows the link at once (the remembered access is forgotten).
    await upsertUser(db, { email: "leaver@example.com", role: "analyst", accounts: [B] });
    const narrowed = await resolveAccess(db, cookie);
    expect(narrowed.scope).toEqual([B]);
    expect((await listEvents(db.pool, accessQuery(narrowed, new URLSearchParams({ limit: "1000" }), { paging: true }))).events.every((e) => e.recipientAccountId === B)).toBe(true);
    await setDisabled(db, user.id, true, SYSTEM);
    await expect(resolveAccess(db, cookie)).rejects.toThrow(/creator/);
  });

  it("a remembered link, session or token is refused at once after its revocation", async () => {
    const share = await createShare(db, { ...analyst, userId: creators.analyst }, "from=2026-11-01T00:00:00Z", 1);
    const cookie = new Headers({ cookie: `trailscope_share=${share.token}` });
    await resolveAccess(db, cookie);
    expect(await revokeShare(db, { ...analyst, userId: creators.analyst, role: "admin" }, share.id)).toBe(true);
    await expect(resolveAccess(db, cookie)).rejects.toThrow(/revoked/);
  });

  it("expired, revoked and unknown links are refused", async () => {
    const share = await createShare(db, { ...analyst, userId: creators.analyst }, "from=2026-11-01T00:00:00Z", 1);
    await db.prisma.share.update({ where: { id: share.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expect(resolveAccess(db, new Headers({ cookie: `trailscope_share=${share.token}` }))).rejects.toThrow(/expired/);
    const other = await createShare(db, { ...analyst, userId: creators.analyst }, "from=2026-11-01T00:00:00Z", 1);
    await db.prisma.share.update({ where: { id: other.id }, data: { revokedAt: new Date() } });
    await expect(resolveAccess(db, new Headers({ cookie: `trailscope_share=${other.token}` }))).rejects.toThrow(/revoked/);
    await expect(resolveAccess(db, new Headers({ cookie: `trailscope_share=${other.token.slice(0, -2)}xx` }))).rejects.toThrow(/unknown/);
    // Only the token's hash is stored.
    const row = await db.prisma.share.findUnique({ where: { id: other.id } });
    expect(JSON.stringify(row)).not.toContain(other.token);
  });
});

describe("users, API tokens, setup and the audit trail", () => {
  it("a token has its owner's role and scope at every use, records its last use, and dies when revoked", async () => {
    const { user } = await upsertUser(db, { email: "bot@example.com", role: "auditor", accounts: [B] });
    const { key, token } = await createToken(db, user.id, "ci", SYSTEM);
    expect(key.startsWith("ts_")).toBe(true);
    const a = await resolveAccess(db, new Headers({ authorization: `Bearer ${key}` }));
    expect(a).toMatchObject({ kind: "token", role: "auditor", scope: [B] });
    // Its first use is in the audit trail, once (not each request).
    await resolveAccess(db, new Headers({ authorization: `Bearer ${key}` }));
    expect(await db.prisma.auditEntry.count({ where: { action: "token-use", target: token.id } })).toBe(1);
    const used = await db.prisma.apikey.findUnique({ where: { id: token.id } });
    expect(used?.lastRequest).toBeTruthy();
    expect(JSON.stringify(used)).not.toContain(key);
    await upsertUser(db, { email: "bot@example.com", role: "analyst", accounts: null });
    expect(await resolveAccess(db, new Headers({ authorization: `Bearer ${key}` }))).toMatchObject({ role: "analyst", scope: null });
    expect(await revokeToken(db, token.id, user.id, SYSTEM)).toBe(true);
    await expect(resolveAccess(db, new Headers({ authorization: `Bearer ${key}` }))).rejects.toThrow(AccessError);
    await expect(resolveAccess(db, new Headers({ authorization: "Bearer ts_forged" }))).rejects.toThrow(AccessError);
  });

  it("the audit trail has the entries and refuses UPDATE, DELETE and TRUNCATE", async () => {
    const { rows } = await db.pool.query<{ action: string }>(`SELECT DISTINCT action FROM audit_log`);
    expect(rows.map((r) => r.action).sort()).toEqual(expect.arrayContaining(["share-create", "token-create", "token-revoke", "user-create", "user-update"]));
    await expect(db.pool.query(`UPDATE audit_log SET action = 'x'`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
  });
});

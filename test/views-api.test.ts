// /api/views and /api/detections as written (guarded handlers called with real requests and real
// API tokens, on a real PostgreSQL with events of two accounts loaded by the real folder sync):
// who may create, see, edit and delete saved views; zod-validated bodies and their 400s; audit
// entries; detections built-in and user-made, counted within the caller's accounts.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAudit } from "../lib/auth/audit";
import { createToken, SYSTEM, upsertUser } from "../lib/auth/users";
import { detectionById, listDetections } from "../lib/detections";
import { BUILTIN_DETECTIONS } from "../lib/detections/library";
import { runSync } from "../lib/ingest/engine";
import { parseSource } from "../lib/ingest/sources";
import { getDb, openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { ACCT, OTHER_ACCT, rec, roleSession } from "./fixtures/detections";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";

let tdb: TestDatabase;
let db: Db;
let dir: string;
const keys: Record<"admin" | "analyst" | "analyst2" | "auditor" | "scoped", string> = { admin: "", analyst: "", analyst2: "", auditor: "", scoped: "" };
let routes: {
  views: typeof import("../app/api/views/route");
  view: typeof import("../app/api/views/[id]/route");
  detections: typeof import("../app/api/detections/route");
};

beforeAll(async () => {
  tdb = await createTestDatabase("ts_views_api");
  await migrate(tdb.url);
  process.env.DATABASE_URL = tdb.url;
  process.env.TRAILSCOPE_SECRET = "views-api-test-secret-0123456789abcdef";
  db = openDb(tdb.url);
  const users = {
    admin: { role: "admin", accounts: null },
    analyst: { role: "analyst", accounts: null },
    analyst2: { role: "analyst", accounts: null },
    auditor: { role: "auditor", accounts: null },
    scoped: { role: "analyst", accounts: [OTHER_ACCT] },
  } as const;
  for (const [name, u] of Object.entries(users)) {
    const created = await upsertUser(db, { email: `${name}@example.com`, role: u.role, accounts: u.accounts ? [...u.accounts] : null, password: `${name}-password-1` }, SYSTEM);
    keys[name as keyof typeof keys] = (await createToken(db, created.user.id, "api test", SYSTEM)).key;
  }
  // Trail tampering in both accounts: three StopLogging in ACCT, one in OTHER_ACCT.
  dir = await mkdtemp(path.join(tmpdir(), "trailscope-views-api-"));
  for (const [account, n] of [[ACCT, 3], [OTHER_ACCT, 1]] as const) {
    const folder = path.join(dir, `AWSLogs/${account}/CloudTrail/us-east-1/2026/11/20`);
    await mkdir(folder, { recursive: true });
    const records = Array.from({ length: n }, (_, i) =>
      rec(`${account}-stop-${i}`, "StopLogging", { recipientAccountId: account, userIdentity: roleSession("Admin", "mallory", account), requestParameters: { name: "management-events" } }),
    );
    records.push(rec(`${account}-list`, "ListUsers", { recipientAccountId: account }));
    await writeFile(path.join(folder, `${account}_CloudTrail_us-east-1_20261120T0800Z_x.json`), JSON.stringify({ Records: records }));
  }
  expect((await runSync(db, parseSource(dir), { log: () => {} })).ok).toBe(true);
  routes = {
    views: await import("../app/api/views/route"),
    view: await import("../app/api/views/[id]/route"),
    detections: await import("../app/api/detections/route"),
  };
}, 60_000);

afterAll(async () => {
  await db?.close();
  await getDb().close();
  await tdb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function request(method: string, url: string, key: string | null, body?: unknown) {
  return new NextRequest(`http://127.0.0.1:3000${url}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}
const params = <P>(p: P) => ({ params: Promise.resolve(p) });
const none = params({});
const create = (key: string | null, body: unknown) => routes.views.POST(request("POST", "/api/views", key, body), none);
const one = (method: "GET" | "PATCH" | "DELETE", id: string, key: string | null, body?: unknown) => routes.view[method](request(method, `/api/views/${id}`, key, body), params({ id }));
const detections = async (key: string | null, query = "") => routes.detections.GET(request("GET", `/api/detections${query}`, key), none);

describe("saved views", () => {
  it("answers 401 without credentials, on every route", async () => {
    expect((await routes.views.GET(request("GET", "/api/views", null), none)).status).toBe(401);
    expect((await create(null, { name: "x", query: "" })).status).toBe(401);
    expect((await one("GET", "x", null)).status).toBe(401);
    expect((await one("PATCH", "x", null, { name: "y" })).status).toBe(401);
    expect((await one("DELETE", "x", null)).status).toBe(401);
    expect((await detections(null)).status).toBe(401);
  });

  it("auditors cannot create one; analysts can (201), audited", async () => {
    const denied = await create(keys.auditor, { name: "Mine", query: "eventName=StopLogging" });
    expect(denied.status).toBe(403);
    const res = await create(keys.analyst, { name: "  Trail stopped  ", query: "?eventName=StopLogging&from=now-90d&cursor=abc&event=e1&columns=eventTime,eventName" });
    expect(res.status).toBe(201);
    const { view } = await res.json();
    expect(view).toMatchObject({ name: "Trail stopped", query: "eventName=StopLogging&from=now-90d&columns=eventTime%2CeventName", url: `/views/${view.id}`, shared: false, detection: false, mine: true, canEdit: true, owner: "analyst@example.com" });
    const entries = await readAudit(db, { action: "view-create" });
    expect(entries[0]).toMatchObject({ action: "view-create", target: view.id, actorName: "analyst@example.com" });
  });

  it("refuses bad bodies with a 400 naming the field", async () => {
    const bad = async (body: unknown) => {
      const r = await create(keys.analyst, body);
      expect(r.status).toBe(400);
      return (await r.json()) as { error: string; param: string };
    };
    expect(await bad({ name: "", query: "" })).toMatchObject({ param: "name" });
    expect(await bad({ name: "x", query: "eventName=A", severity: "urgent" })).toMatchObject({ param: "severity" });
    expect(await bad({ name: "x", query: "eventName=A", technique: "1098" })).toMatchObject({ param: "technique" });
    expect(await bad({ name: "x", query: "eventName=A", owner: "someone" })).toMatchObject({ param: "owner", error: expect.stringContaining("unknown field") });
    expect(await bad({ name: "x", query: "noSuchParam=1" })).toMatchObject({ param: "noSuchParam" });
    expect(await bad({ name: "x", query: "requestParameters..x=1" })).toMatchObject({ param: "requestParameters..x" });
    expect(await bad({ name: "x", query: "columns=nope" })).toMatchObject({ param: "columns" });
    expect(await bad("not json")).toMatchObject({ param: "body" });
    expect(await bad(["an array"])).toMatchObject({ param: "body" });
  });

  it("personal views are their owner's (and admins'); shared ones everyone's; only owner or admin changes them", async () => {
    const personal = (await (await create(keys.analyst, { name: "Personal", query: "eventName=ListUsers" })).json()).view;
    const shared = (await (await create(keys.analyst, { name: "Shared", query: "eventName=ListUsers", shared: true })).json()).view;
    const names = async (key: string) => ((await (await routes.views.GET(request("GET", "/api/views", key), none)).json()).views as { name: string }[]).map((v) => v.name);
    expect(await names(keys.analyst2)).toContain("Shared");
    expect(await names(keys.analyst2)).not.toContain("Personal");
    expect(await names(keys.auditor)).toEqual(expect.arrayContaining(["Shared"]));
    expect(await names(keys.admin)).toEqual(expect.arrayContaining(["Shared", "Personal"]));
    // Open: the shared one by anyone (auditors too), the personal one not by another user (404).
    expect((await one("GET", shared.id, keys.auditor)).status).toBe(200);
    expect((await one("GET", personal.id, keys.analyst2)).status).toBe(404);
    // Change: another analyst may see the shared one but not change it; the auditor lacks `share`.
    expect((await one("PATCH", shared.id, keys.analyst2, { name: "Hijacked" })).status).toBe(403);
    expect((await one("DELETE", shared.id, keys.analyst2)).status).toBe(403);
    expect((await one("PATCH", shared.id, keys.auditor, { name: "Hijacked" })).status).toBe(403);
    expect((await one("PATCH", personal.id, keys.analyst2, { name: "Hijacked" })).status).toBe(404);
    // The owner renames; the admin edits and deletes.
    const renamed = await one("PATCH", shared.id, keys.analyst, { name: "Shared, renamed" });
    expect(renamed.status).toBe(200);
    expect((await renamed.json()).view).toMatchObject({ id: shared.id, name: "Shared, renamed", url: `/views/${shared.id}` });
    expect((await one("PATCH", personal.id, keys.admin, { shared: true })).status).toBe(200);
    expect((await one("DELETE", personal.id, keys.admin)).status).toBe(204);
    expect((await one("GET", personal.id, keys.analyst)).status).toBe(404);
    expect((await one("PATCH", shared.id, keys.analyst, { query: "bad param=1" })).status).toBe(400);
    const updates = await readAudit(db, { action: "view-update" });
    expect(updates.find((e) => e.target === shared.id)?.detail).toMatchObject({ name: { from: "Shared", to: "Shared, renamed" } });
    expect((await readAudit(db, { action: "view-delete" }))[0]).toMatchObject({ target: personal.id, actorName: "admin@example.com" });
  });
});

describe("detections", () => {
  it("lists every built-in with the contract's keys and counts under the filters and range", async () => {
    const res = await detections(keys.auditor, "?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { detections: { id: string; title: string; severity: string; technique: string; query: string; count: number }[] };
    expect(body.detections.slice(0, BUILTIN_DETECTIONS.length).map((d) => d.id)).toEqual(BUILTIN_DETECTIONS.map((d) => d.id));
    for (const d of body.detections) expect(Object.keys(d)).toEqual(expect.arrayContaining(["id", "title", "severity", "technique", "query", "count"]));
    const tamper = body.detections.find((d) => d.id === "cloudtrail-tampering")!;
    expect(tamper.count).toBe(4);
    expect(new URLSearchParams(tamper.query).has("from")).toBe(false);
    expect(((await (await detections(keys.auditor, "?to=2026-11-01T00:00:00Z")).json()).detections as { count: number }[]).every((d) => d.count === 0)).toBe(true);
    expect(((await (await detections(keys.auditor, `?accountId=${OTHER_ACCT}`)).json()).detections as { id: string; count: number }[]).find((d) => d.id === "cloudtrail-tampering")!.count).toBe(1);
  });

  it("counts only a scoped user's accounts", async () => {
    const body = await (await detections(keys.scoped)).json();
    expect(body.detections.find((d: { id: string }) => d.id === "cloudtrail-tampering").count).toBe(1);
    // Asking for the other account by name: nothing, not an error.
    const other = await (await detections(keys.scoped, `?accountId=${ACCT}`)).json();
    expect(other.detections.find((d: { id: string }) => d.id === "cloudtrail-tampering").count).toBe(0);
  });

  it("a bad filter is a 400 naming it", async () => {
    const res = await detections(keys.analyst, "?eventName=&from=now-7d");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ param: "eventName" });
  });

  it("a view made a detection is listed as view-<id>: for its owner, and for everyone once shared", async () => {
    const res = await create(keys.analyst2, { name: "Mallory's sessions", query: "username=mallory&from=now-7d&columns=eventTime,eventName", detection: true, technique: "T1078.004" });
    const { view } = await res.json();
    expect(view).toMatchObject({ detection: true, severity: "medium", technique: "T1078.004" });
    const ids = async (key: string) => ((await (await detections(key)).json()).detections as { id: string; query: string; count: number; severity: string }[]).filter((d) => d.id.startsWith("view-"));
    const own = await ids(keys.analyst2);
    expect(own).toEqual([expect.objectContaining({ id: `view-${view.id}`, query: "username=mallory", count: 4, severity: "medium" })]);
    expect((await ids(keys.analyst)).map((d) => d.id)).not.toContain(`view-${view.id}`);
    // Even an admin does not get another user's personal detection on the detections page.
    expect((await ids(keys.admin)).map((d) => d.id)).not.toContain(`view-${view.id}`);
    expect((await one("PATCH", view.id, keys.analyst2, { shared: true, severity: "high" })).status).toBe(200);
    expect(await ids(keys.analyst)).toEqual([expect.objectContaining({ id: `view-${view.id}`, severity: "high", count: 4 })]);
    // The scoped user counts only its account's events of the shared detection.
    expect((await ids(keys.scoped)).find((d) => d.id === `view-${view.id}`)?.count).toBe(1);
    // The library functions the alerts use.
    expect((await detectionById(db, `view-${view.id}`))?.title).toBe("Mallory's sessions");
    expect(await detectionById(db, "cloudtrail-tampering")).toBe(BUILTIN_DETECTIONS.find((d) => d.id === "cloudtrail-tampering"));
    expect(await detectionById(db, "view-nope")).toBeNull();
    const analyst = { kind: "session" as const, userId: "nobody", name: "x", role: "analyst" as const, scope: null, ip: null };
    expect((await listDetections(db, analyst)).map((d) => d.id)).toContain(`view-${view.id}`);
    // Turned off again: gone from the detections.
    expect((await one("PATCH", view.id, keys.analyst2, { detection: false })).status).toBe(200);
    expect(await detectionById(db, `view-${view.id}`)).toBeNull();
  });
});

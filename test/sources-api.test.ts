// The /api/sources routes as written (guarded handlers called with real requests and real API
// tokens, on a real PostgreSQL): admin only, the answers' shapes and statuses, audited changes.
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAudit } from "../lib/auth/audit";
import { createToken, SYSTEM, upsertUser } from "../lib/auth/users";
import { runSync } from "../lib/ingest/engine";
import { parseSource } from "../lib/ingest/sources";
import { getDb, openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";

const ROLE = "arn:aws:iam::111122223333:role/TrailscopeReader";
let tdb: TestDatabase;
let db: Db;
let adminKey: string;
let auditorKey: string;
let routes: {
  list: typeof import("../app/api/sources/route");
  one: typeof import("../app/api/sources/[id]/route");
  sync: typeof import("../app/api/sources/[id]/sync/route");
};

beforeAll(async () => {
  tdb = await createTestDatabase("ts_sources_api");
  await migrate(tdb.url);
  process.env.DATABASE_URL = tdb.url;
  process.env.TRAILSCOPE_SECRET = "sources-api-test-secret-0123456789abcdef";
  process.env.TRAILSCOPE_SOURCES = "lookup://us-east-1";
  db = openDb(tdb.url);
  const admin = await upsertUser(db, { email: "admin@example.com", role: "admin", accounts: null, password: "admin-password-1" }, SYSTEM);
  const auditor = await upsertUser(db, { email: "auditor@example.com", role: "auditor", accounts: null, password: "auditor-password-1" }, SYSTEM);
  adminKey = (await createToken(db, admin.user.id, "api test", SYSTEM)).key;
  auditorKey = (await createToken(db, auditor.user.id, "api test", SYSTEM)).key;
  routes = {
    list: await import("../app/api/sources/route"),
    one: await import("../app/api/sources/[id]/route"),
    sync: await import("../app/api/sources/[id]/sync/route"),
  };
});

afterAll(async () => {
  await db?.close();
  await getDb().close();
  await tdb?.drop();
});

function request(method: string, path: string, key: string, body?: unknown) {
  return new NextRequest(`http://127.0.0.1:3000${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
const params = <P>(p: P) => ({ params: Promise.resolve(p) });

describe("/api/sources", () => {
  it("lists the environment's sources for an admin, and refuses everyone else", async () => {
    const res = await routes.list.GET(request("GET", "/api/sources", adminKey), params({}));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.sources).toEqual([
      expect.objectContaining({ id: null, source: "lookup://us-east-1", uri: "lookup://us-east-1", origin: "environment", paused: false, state: "never-run", lastRun: null, syncPending: false }),
    ]);
    expect((await routes.list.GET(request("GET", "/api/sources", auditorKey), params({}))).status).toBe(403);
    expect((await routes.list.POST(request("POST", "/api/sources", auditorKey, { uri: "/var/log/x" }), params({}))).status).toBe(403);
    expect((await routes.one.DELETE(request("DELETE", "/api/sources/x", auditorKey), params({ id: "x" }))).status).toBe(403);
    expect((await routes.sync.POST(request("POST", "/api/sources/x/sync", auditorKey), params({ id: "x" }))).status).toBe(403);
    expect(await db.prisma.source.count()).toBe(0);
  });

  it("adds (201), pauses, resumes, syncs now (202) and removes (204) a source, audited as the token's admin", async () => {
    const uri = `s3://other-account-trail/org?region=eu-west-1&roleArn=${ROLE}`;
    const added = await routes.list.POST(request("POST", "/api/sources", adminKey, { uri }), params({}));
    expect(added.status).toBe(201);
    const { source } = await added.json();
    expect(source).toMatchObject({ source: "s3://other-account-trail/org", uri, origin: "console", paused: false, createdByEmail: "admin@example.com", state: "never-run" });

    const paused = await routes.one.PATCH(request("PATCH", `/api/sources/${source.id}`, adminKey, { paused: true }), params({ id: source.id }));
    expect(paused.status).toBe(200);
    expect((await paused.json()).source.paused).toBe(true);
    const refused = await routes.sync.POST(request("POST", `/api/sources/${source.id}/sync`, adminKey), params({ id: source.id }));
    expect(refused.status).toBe(409);
    expect((await refused.json()).error).toMatch(/paused/);
    await routes.one.PATCH(request("PATCH", `/api/sources/${source.id}`, adminKey, { paused: false }), params({ id: source.id }));

    const sync = await routes.sync.POST(request("POST", `/api/sources/${source.id}/sync`, adminKey), params({ id: source.id }));
    expect(sync.status).toBe(202);
    expect((await sync.json()).source).toMatchObject({ syncPending: true, syncRequestedAt: expect.any(String) });

    const list = (await (await routes.list.GET(request("GET", "/api/sources", adminKey), params({}))).json()).sources;
    expect(list.map((s: { origin: string; source: string }) => `${s.origin} ${s.source}`)).toEqual(["environment lookup://us-east-1", "console s3://other-account-trail/org"]);

    const removed = await routes.one.DELETE(request("DELETE", `/api/sources/${source.id}`, adminKey), params({ id: source.id }));
    expect(removed.status).toBe(204);
    expect((await routes.one.DELETE(request("DELETE", `/api/sources/${source.id}`, adminKey), params({ id: source.id }))).status).toBe(404);

    const trail = (await readAudit(db, {})).filter((a) => a.action.startsWith("source-")).reverse();
    expect(trail.map((a) => a.action)).toEqual(["source-add", "source-pause", "source-resume", "source-sync-now", "source-remove"]);
    for (const a of trail) expect(a).toMatchObject({ actorKind: "token", actorName: "admin@example.com", target: "s3://other-account-trail/org" });
  });

  it("answers 400 naming why for invalid bodies and URIs, 409 for a configured source, 404 for unknown ids", async () => {
    const post = async (body: unknown) => {
      const r = await routes.list.POST(request("POST", "/api/sources", adminKey, body), params({}));
      return { status: r.status, error: (await r.json()).error as string };
    };
    expect(await post({})).toMatchObject({ status: 400, error: expect.stringMatching(/uri/) });
    expect(await post({ uri: "/x", extra: 1 })).toMatchObject({ status: 400 });
    expect(await post({ uri: "lookup://mars-1" })).toMatchObject({ status: 400, error: expect.stringMatching(/"mars-1" is not an AWS region/) });
    expect(await post({ uri: "s3://k:s@bucket" })).toMatchObject({ status: 400, error: expect.stringMatching(/user name or password/) });
    expect(await post({ uri: "lookup://us-east-1?insights=false" })).toMatchObject({ status: 409, error: expect.stringMatching(/TRAILSCOPE_SOURCES/) });
    expect(await post({ uri: "/srv/trail" })).toMatchObject({ status: 201 });
    expect(await post({ uri: "file:/srv/trail" })).toMatchObject({ status: 409 });

    const patch = await routes.one.PATCH(request("PATCH", "/api/sources/no-such-source", adminKey, { paused: true }), params({ id: "no-such-source" }));
    expect(patch.status).toBe(404);
    const badPatch = await routes.one.PATCH(request("PATCH", "/api/sources/no-such-source", adminKey, { paused: "yes" }), params({ id: "no-such-source" }));
    expect(badPatch.status).toBe(400);
    expect((await routes.sync.POST(request("POST", "/api/sources/no-such-source/sync", adminKey), params({ id: "no-such-source" }))).status).toBe(404);
  });

  it("shows each source's last run, and a requested sync as pending only until a run starts", async () => {
    const [folder] = await db.prisma.source.findMany({ where: { sourceId: "file:/srv/trail" } });
    await routes.sync.POST(request("POST", `/api/sources/${folder.id}/sync`, adminKey), params({ id: folder.id }));
    await runSync(db, parseSource(folder.uri), { log: () => {} }); // a missing folder: the run fails
    const list = (await (await routes.list.GET(request("GET", "/api/sources", adminKey), params({}))).json()).sources;
    const view = list.find((s: { source: string }) => s.source === "file:/srv/trail");
    expect(view).toMatchObject({ state: "failed", syncPending: false, lastRun: { status: "failed" }, lastError: expect.stringMatching(/no such file or directory/) });

    // GET /api/sync (the contract's) counts the console's sources as configured, beside the environment's.
    const { GET } = await import("../app/api/sync/route");
    const sync = await (await GET(request("GET", "/api/sync", adminKey), params({}))).json();
    expect(sync.sources.map((s: { source: string; configured: boolean }) => [s.source, s.configured])).toEqual([
      ["lookup://us-east-1", true],
      ["file:/srv/trail", true],
    ]);
  });
});

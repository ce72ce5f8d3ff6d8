// Sources managed in the console (lib/sync/sources-store.ts) on a real PostgreSQL: added, refused
// (invalid, holding credentials, already configured), paused, resumed, asked to sync now and
// removed — each change in the audit trail, and no secret ever stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAudit } from "../lib/auth/audit";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import {
  addSource,
  credentialProblem,
  environmentSources,
  getSource,
  listSources,
  removeSource,
  requestSync,
  setPaused,
  SourceInputError,
  type SourceActor,
} from "../lib/sync/sources-store";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";

const ADMIN: SourceActor = { actorKind: "user", actorId: "user-admin-1", actorName: "admin@example.com", ip: "127.0.0.1" };
const ROLE = "arn:aws:iam::111122223333:role/TrailscopeReader";
const NO_ENV = { env: {} };
let tdb: TestDatabase;
let db: Db;

beforeAll(async () => {
  tdb = await createTestDatabase("ts_sources");
  await migrate(tdb.url);
  db = openDb(tdb.url);
});

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
});

async function refusal(p: Promise<unknown>): Promise<SourceInputError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SourceInputError);
  return err as SourceInputError;
}

async function auditOf(action: string) {
  return (await readAudit(db, { action })).reverse();
}

describe("console sources", () => {
  it("adds a folder, a cross-account bucket and another account's LookupEvents, each under its canonical id, audited", async () => {
    const folder = await addSource(db, "  /var/log/cloudtrail  ", ADMIN, NO_ENV);
    expect(folder).toMatchObject({ source: "file:/var/log/cloudtrail", uri: "/var/log/cloudtrail", origin: "console", paused: false, createdBy: ADMIN.actorId, syncRequestedAt: null });
    expect(folder.id).toMatch(/^[\w-]{12}$/);
    const bucket = await addSource(db, `s3://org-trail/security?region=eu-west-1&roleArn=${ROLE}`, ADMIN, NO_ENV);
    expect(bucket).toMatchObject({ source: "s3://org-trail/security", uri: `s3://org-trail/security?region=eu-west-1&roleArn=${ROLE}` });
    const lookup = await addSource(db, `lookup://eu-central-1?roleArn=${ROLE}`, ADMIN, { ...NO_ENV, paused: true });
    expect(lookup).toMatchObject({ source: `lookup://eu-central-1?roleArn=${ROLE}`, paused: true });

    const rows = await db.pool.query(`SELECT id, uri, source_id, paused, created_by FROM sources ORDER BY created_at, id`);
    expect(rows.rows.map((r) => r.source_id)).toEqual([folder.source, bucket.source, lookup.source]);
    expect((await getSource(db, bucket.id!))?.uri).toBe(bucket.uri);

    const added = await auditOf("source-add");
    expect(added.map((a) => a.target)).toEqual([folder.source, bucket.source, lookup.source]);
    expect(added[1]).toMatchObject({ actorKind: "user", actorId: ADMIN.actorId, actorName: ADMIN.actorName, ip: "127.0.0.1", detail: { id: bucket.id, uri: bucket.uri, paused: false } });
    expect(added[2].detail).toMatchObject({ paused: true });
  });

  it("lists TRAILSCOPE_SOURCES first, as from the environment, then the console's, oldest first", async () => {
    const list = await listSources(db, { TRAILSCOPE_SOURCES: "s3://env-bucket/p?region=us-west-2  lookup://us-east-1" });
    expect(list.slice(0, 2)).toEqual([
      { id: null, source: "s3://env-bucket/p", uri: "s3://env-bucket/p?region=us-west-2", origin: "environment", paused: false, createdBy: null, createdAt: null, syncRequestedAt: null },
      expect.objectContaining({ id: null, source: "lookup://us-east-1", origin: "environment" }),
    ]);
    expect(list.slice(2).map((s) => s.source)).toEqual(["file:/var/log/cloudtrail", "s3://org-trail/security", `lookup://eu-central-1?roleArn=${ROLE}`]);
    expect(list.slice(2).every((s) => s.origin === "console" && s.id)).toBe(true);
  });

  it("refuses an invalid URI with a 400 that says why, storing and auditing nothing", async () => {
    const before = await db.prisma.source.count();
    const cases: [unknown, RegExp][] = [
      ["", /give a source URI/],
      [42, /give a source URI/],
      ["lookup://nowhere", /"nowhere" is not an AWS region/],
      ["s3://bucket?regoin=eu-west-1", /unknown option "regoin"/],
      ["ftp://host/logs", /unknown source type/],
      ["cloudtrail-logs", /relative path; give the folder's or file's absolute path/],
      ["file:logs", /relative path/],
      ["lookup://us-east-1?since=yesterday", /since/],
      ["s3://bucket?roleArn=arn:aws:iam::123456789012:user/bob", /roleArn: "arn:aws:iam::123456789012:user\/bob" is not an IAM role ARN/],
      ["s3://bucket?lookback=forever", /lookback/],
      [`/x/${"a".repeat(2100)}`, /at most 2048 characters/],
      ["/logs\n/etc", /control characters/],
    ];
    for (const [uri, why] of cases) {
      const err = await refusal(addSource(db, uri, ADMIN, NO_ENV));
      expect(err.status, String(uri)).toBe(400);
      expect(err.message, String(uri)).toMatch(why);
    }
    expect(await db.prisma.source.count()).toBe(before);
    expect(await auditOf("source-add")).toHaveLength(3);
  });

  it("refuses URIs that hold credentials, without repeating them", async () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const cases = [
      "s3://AKIAIOSFODNN7EXAMPLE:" + encodeURIComponent(secret) + "@bucket/prefix",
      "s3://reader:hunter2hunter2@bucket/prefix",
      "lookup://us-east-1?profile=x&aws_secret_access_key=" + encodeURIComponent(secret),
      "s3://bucket?accessKeyId=AKID&region=eu-west-1",
      "s3://bucket/k?X-Amz-Credential=ASIAXXXXXXXXXXXXXXXX%2F20261207%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=abc",
      "lookup://us-east-1?sessionToken=FQoGZXIvYXdzEJr",
      "lookup://us-east-1?profile=" + encodeURIComponent(secret),
      "lookup://us-east-1?profile=ASIAIOSFODNN7EXAMPLE",
      "/data/AKIAIOSFODNN7EXAMPLE/logs",
      "file:///home/x:y@z/AKIAIOSFODNN7EXAMPLE",
    ];
    for (const uri of cases) {
      const err = await refusal(addSource(db, uri, ADMIN, NO_ENV));
      expect(err.status, uri).toBe(400);
      expect(err.message, uri).toMatch(/credential|access key|user name or password|secret/);
      expect(err.message, uri).toMatch(/Trailscope stores no AWS secret/);
      for (const s of [secret, encodeURIComponent(secret), "hunter2hunter2", "AKIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7EXAMPLE", "FQoGZXIvYXdzEJr"]) expect(err.message, uri).not.toContain(s);
    }
    const stored = await db.pool.query(`SELECT uri FROM sources`);
    expect(stored.rows.map((r) => r.uri).join(" ")).not.toMatch(/AKIA|hunter2|EXAMPLEKEY/);
    // The options sources do take are not mistaken for credentials.
    expect(credentialProblem(`s3://b/p?region=eu-west-1&forcePathStyle=true&lookback=2d&full=true&concurrency=4&roleArn=${ROLE}`)).toBeNull();
    expect(credentialProblem("lookup://us-east-1?profile=security-audit&since=now-7d&overlap=30m&insights=false&rate=1")).toBeNull();
  });

  it("shows an environment URI that holds credentials by its id only", () => {
    const [s] = environmentSources({ TRAILSCOPE_SOURCES: "s3://AKIAIOSFODNN7EXAMPLE:topsecret@bucket/p" });
    expect(s).toMatchObject({ source: "s3://bucket/p", uri: "s3://bucket/p", origin: "environment" });
  });

  it("refuses a source that is already configured (409), whatever its options", async () => {
    const again = await refusal(addSource(db, "s3://org-trail/security?region=us-east-1", ADMIN, NO_ENV));
    expect(again.status).toBe(409);
    expect(again.message).toMatch(/s3:\/\/org-trail\/security is already a source/);
    const env = await refusal(addSource(db, "s3://env-bucket/p", ADMIN, { env: { TRAILSCOPE_SOURCES: "s3://env-bucket/p?region=us-west-2" } }));
    expect(env.status).toBe(409);
    expect(env.message).toMatch(/already synced from TRAILSCOPE_SOURCES/);
  });

  it("pauses and resumes, auditing each change once; sync now is refused while paused", async () => {
    const [folder] = await db.prisma.source.findMany({ where: { sourceId: "file:/var/log/cloudtrail" } });
    expect(await setPaused(db, folder.id, true, ADMIN)).toMatchObject({ id: folder.id, paused: true });
    expect(await setPaused(db, folder.id, true, ADMIN)).toMatchObject({ paused: true }); // no change, no entry
    const refused = await refusal(requestSync(db, folder.id, ADMIN));
    expect(refused.status).toBe(409);
    expect(refused.message).toMatch(/paused; resume it/);
    expect(await setPaused(db, folder.id, false, ADMIN)).toMatchObject({ paused: false });
    expect((await auditOf("source-pause")).map((a) => a.target)).toEqual(["file:/var/log/cloudtrail"]);
    expect((await auditOf("source-resume")).map((a) => a.target)).toEqual(["file:/var/log/cloudtrail"]);
    expect(await setPaused(db, "no-such-source", true, ADMIN)).toBeNull();
    expect(await setPaused(db, "../../etc", true, ADMIN)).toBeNull();
  });

  it("records a sync-now request with its time, audited", async () => {
    const [folder] = await db.prisma.source.findMany({ where: { sourceId: "file:/var/log/cloudtrail" } });
    const at = new Date("2026-12-07T10:00:00.123Z");
    expect(await requestSync(db, folder.id, ADMIN, at)).toMatchObject({ syncRequestedAt: at });
    expect((await db.prisma.source.findUnique({ where: { id: folder.id } }))?.syncRequestedAt).toEqual(at);
    expect((await auditOf("source-sync-now")).map((a) => [a.target, a.actorName])).toEqual([["file:/var/log/cloudtrail", ADMIN.actorName]]);
    expect(await requestSync(db, "no-such-source", ADMIN)).toBeNull();
  });

  it("removes a source (once), audited with the URI it had", async () => {
    const [bucket] = await db.prisma.source.findMany({ where: { sourceId: "s3://org-trail/security" } });
    expect(await removeSource(db, bucket.id, ADMIN)).toBe(true);
    expect(await removeSource(db, bucket.id, ADMIN)).toBe(false);
    expect(await getSource(db, bucket.id)).toBeNull();
    const removed = await auditOf("source-remove");
    expect(removed).toHaveLength(1);
    expect(removed[0]).toMatchObject({ target: "s3://org-trail/security", detail: { id: bucket.id, uri: bucket.uri } });
    // It can be added again.
    expect((await addSource(db, "s3://org-trail/security", ADMIN, NO_ENV)).source).toBe("s3://org-trail/security");
  });
});

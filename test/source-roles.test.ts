// The `roleArn` source option: S3 buckets and LookupEvents of other accounts read with temporary
// credentials of an assumed role. The real @aws-sdk/credential-providers fromTemporaryCredentials
// calls the wire-level STS peer (AWS_ENDPOINT_URL_STS); the S3 and LookupEvents peers record the
// access key of every request's SigV4 signature, so the test sees which credentials signed what.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSync } from "../lib/ingest/engine";
import { parseSource, SourceError } from "../lib/ingest/sources";
import { ROLE_SESSION_NAME } from "../lib/ingest/sources/credentials";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";
import { startLookupPeer, type LookupPeer } from "./peers/lookup-peer";
import { startS3Peer, type S3Peer } from "./peers/s3-peer";
import { signingAccessKeyId, startStsPeer, type StsPeer } from "./peers/sts-peer";

const READER = "arn:aws:iam::111122223333:role/TrailscopeReader";
const AUDIT_A = "arn:aws:iam::444455556666:role/security/TrailscopeLookup";
const AUDIT_B = "arn:aws:iam::777788889999:role/TrailscopeLookup";
const REFUSED = "arn:aws:iam::999999999999:role/NotTrustingUs";
const BASE_KEY = "AKIDBASECALLER";
const PROFILE_KEY = "AKIDPROFILECALLER";
const quiet = { log: () => {} };

let sts: StsPeer;
let s3: S3Peer;
let lookup: LookupPeer;
let tdb: TestDatabase;
let db: Db;
let awsDir: string;

function logFile(account: string, region: string, ids: string[]) {
  return gzipSync(
    JSON.stringify({
      Records: ids.map((id, i) => ({ eventVersion: "1.11", eventID: id, eventTime: `2026-11-20T00:00:0${i}Z`, eventName: "GetObject", awsRegion: region, recipientAccountId: account })),
    }),
  );
}

function lookupRecord(id: string, account: string) {
  return { eventVersion: "1.11", eventID: id, eventTime: new Date(Date.now() - 3600e3).toISOString().replace(/\.\d+Z$/, "Z"), eventName: "ListUsers", eventSource: "iam.amazonaws.com", awsRegion: "us-east-1", recipientAccountId: account, eventCategory: "Management", managementEvent: true };
}

beforeAll(async () => {
  [sts, s3, lookup] = await Promise.all([startStsPeer(), startS3Peer(), startLookupPeer()]);
  // A shared credentials file with one profile, so "profile + roleArn" can be told apart from the chain.
  awsDir = await mkdtemp(path.join(tmpdir(), "ts-aws-"));
  await writeFile(path.join(awsDir, "credentials"), `[audit]\naws_access_key_id = ${PROFILE_KEY}\naws_secret_access_key = profile-secret\n`);
  await writeFile(path.join(awsDir, "config"), `[profile audit]\nregion = us-east-1\n`);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_ENDPOINT_URL_S3: s3.url,
    AWS_ENDPOINT_URL_CLOUDTRAIL: lookup.url,
    AWS_ACCESS_KEY_ID: BASE_KEY,
    AWS_SECRET_ACCESS_KEY: "base-secret",
    AWS_REGION: "us-east-1",
    AWS_SHARED_CREDENTIALS_FILE: path.join(awsDir, "credentials"),
    AWS_CONFIG_FILE: path.join(awsDir, "config"),
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_ENDPOINT_URL;
  for (const role of [READER, AUDIT_A, AUDIT_B]) sts.allowRole(role);
  tdb = await createTestDatabase("ts_roles");
  await migrate(tdb.url);
  db = openDb(tdb.url);
});

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
  await Promise.all([sts?.close(), s3?.close(), lookup?.close()]);
  if (awsDir) await rm(awsDir, { recursive: true, force: true });
});

describe("roleArn", () => {
  it("reads a bucket of another account with the assumed role's credentials, assumed once with the server's own", async () => {
    s3.createBucket("cross-account-trail");
    s3.putObject("cross-account-trail", "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/20/111122223333_CloudTrail_eu-west-1_20261120T0000Z_a.json.gz", logFile("111122223333", "eu-west-1", ["role-s3-1", "role-s3-2"]));
    s3.resetStats();
    const before = sts.calls.length;
    const s = await runSync(db, parseSource(`s3://cross-account-trail?forcePathStyle=true&region=eu-west-1&roleArn=${READER}`), quiet);
    expect(s.error).toBeUndefined();
    expect(s.eventsNew).toBe(2);

    const calls = sts.calls.slice(before);
    expect(calls).toHaveLength(1); // the client keeps the credentials until they near expiry
    expect(calls[0]).toMatchObject({ roleArn: READER, roleSessionName: ROLE_SESSION_NAME, callerAccessKeyId: BASE_KEY, region: "eu-west-1", status: 200 });
    const issued = sts.issued.get(calls[0].issuedAccessKeyId!)!;
    const requests = s3.requests.filter((r) => r.bucket === "cross-account-trail");
    expect(requests.map((r) => r.operation)).toContain("GetObject");
    for (const r of requests) {
      expect(signingAccessKeyId(r.headers.authorization as string), `${r.operation} ${r.path}`).toBe(issued.accessKeyId);
      expect(r.headers["x-amz-security-token"]).toBe(issued.sessionToken);
    }
  });

  it("gives LookupEvents of each account its own source: own id, own cursors, each signed by its role", async () => {
    lookup.setEvents("us-east-1", [lookupRecord("role-lookup-1", "444455556666"), lookupRecord("role-lookup-2", "444455556666")]);
    const a = parseSource(`lookup://us-east-1?roleArn=${AUDIT_A}&insights=false&since=now-1d`);
    const b = parseSource(`lookup://us-east-1?roleArn=${AUDIT_B}&insights=false&since=now-1d`);
    expect(a.id).toBe(`lookup://us-east-1?roleArn=${AUDIT_A}`);
    expect(b.id).toBe(`lookup://us-east-1?roleArn=${AUDIT_B}`);
    // The id is a URI that names the same source again.
    expect(parseSource(a.id).id).toBe(a.id);

    for (const [plugin, role] of [[a, AUDIT_A], [b, AUDIT_B]] as const) {
      lookup.stats.calls.length = 0;
      const s = await runSync(db, plugin, quiet);
      expect(s.error).toBeUndefined();
      const assumed = sts.calls.filter((c) => c.roleArn === role);
      expect(assumed).toHaveLength(1);
      expect(assumed[0]).toMatchObject({ callerAccessKeyId: BASE_KEY, region: "us-east-1", status: 200 });
      expect(lookup.stats.calls.length).toBeGreaterThan(0);
      for (const c of lookup.stats.calls) expect(c.accessKeyId).toBe(assumed[0].issuedAccessKeyId);
    }
    const cursors = await db.prisma.syncCursor.findMany({ where: { source: { startsWith: "lookup://" } }, select: { source: true } });
    expect(new Set(cursors.map((c) => c.source))).toEqual(new Set([a.id, b.id]));
  });

  it("assumes the role with a named profile's credentials when the source has both", async () => {
    const before = sts.calls.length;
    lookup.stats.calls.length = 0;
    const plugin = parseSource(`lookup://us-east-1?profile=audit&roleArn=${AUDIT_B}&insights=false&since=now-1d`);
    expect(plugin.id).toBe(`lookup://us-east-1?profile=audit&roleArn=${AUDIT_B}`);
    const s = await runSync(db, plugin, quiet);
    expect(s.error).toBeUndefined();
    const calls = sts.calls.slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ roleArn: AUDIT_B, callerAccessKeyId: PROFILE_KEY });
    for (const c of lookup.stats.calls) expect(c.accessKeyId).toBe(calls[0].issuedAccessKeyId);
  });

  it("a role that refuses to be assumed fails the run with STS's reason, and nothing is requested unsigned", async () => {
    s3.createBucket("not-ours");
    s3.resetStats();
    const s = await runSync(db, parseSource(`s3://not-ours?forcePathStyle=true&roleArn=${REFUSED}`), quiet);
    expect(s.ok).toBe(false);
    expect(s.error).toMatch(/not authorized to perform: sts:AssumeRole/);
    expect(s3.requests.filter((r) => r.bucket === "not-ours")).toEqual([]);
    const run = await db.prisma.syncRun.findFirst({ where: { source: "s3://not-ours" }, orderBy: { id: "desc" } });
    expect(run).toMatchObject({ status: "failed" });
    expect(run!.error).toMatch(/AssumeRole/);
  });

  it("refuses what is not a role ARN before any request", () => {
    const before = sts.calls.length;
    for (const bad of [
      "arn:aws:iam::1234:role/Short",
      "arn:aws:iam::123456789012:user/bob",
      "arn:aws:s3:::bucket",
      "arn:aws:iam::123456789012:role/",
      "arn:aws:iam::123456789012:role/with space",
      "arn:aws:iam::123456789012:role/" + "x".repeat(65),
    ]) {
      for (const uri of [`s3://b?roleArn=${encodeURIComponent(bad)}`, `lookup://us-east-1?roleArn=${encodeURIComponent(bad)}`]) {
        expect(() => parseSource(uri), uri).toThrow(SourceError);
        expect(() => parseSource(uri), uri).toThrow(/roleArn: .* is not an IAM role ARN/);
      }
    }
    // Partitions, paths and IAM's own name characters are roles.
    for (const ok of ["arn:aws-cn:iam::123456789012:role/Reader", "arn:aws-us-gov:iam::123456789012:role/a/b/c/Reader", "arn:aws:iam::123456789012:role/r+=,.@_-1"]) {
      expect(() => parseSource(`s3://b?roleArn=${encodeURIComponent(ok)}`), ok).not.toThrow();
    }
    expect(sts.calls.length).toBe(before);
  });
});

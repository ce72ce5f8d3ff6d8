// Actor chains (lib/actors) built from realistic CloudTrail records through the real engine: folder,
// S3 (wire-level peer) and LookupEvents (wire-level peer) sources. Each event's `actor` — the
// identity at the origin of its credentials chain — is read back through the query layer
// (actor=<value>) and SQL, whatever the order in which a chain's links arrive: before or after the
// events they explain, in another file, a later sync, another source, newest first; missing links
// leave NULL (no guessing) until they arrive. Record shapes follow AWS's documented examples of
// AssumeRole (by a user, a role session, a service, another account), AssumeRoleWithSAML (a plain
// IdP and IAM Identity Center's AWSSSO_…_DO_NOT_DELETE provider), AssumeRoleWithWebIdentity (GitHub
// Actions OIDC), GetFederationToken and GetSessionToken, and of the AssumedRole / FederatedUser
// events made with the credentials they issued.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkBatch, relinkLateEvents } from "../lib/actors/link";
import { credentialLinkOf } from "../lib/actors/origin";
import { FIELD_BY_KEY, type CloudTrailRecord } from "../lib/fields";
import { runSync, type SyncOptions } from "../lib/ingest/engine";
import { parseSource } from "../lib/ingest/sources";
import { facetCounts } from "../lib/query/facets";
import { exactValue } from "../lib/query/filter-value";
import { listEvents } from "../lib/query/events";
import { parseEventQuery } from "../lib/query/params";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";
import { startLookupPeer, type LookupPeer } from "./peers/lookup-peer";
import { startS3Peer, type S3Peer } from "./peers/s3-peer";

// ---- accounts and time --------------------------------------------------------------------------

/** The identity account (IAM users, the SAML providers), a workload account and production. */
const SEC = "999988887777";
const DEV = "111122223333";
const PROD = "444455556666";
const REGION = "us-east-1";
const T0 = Date.UTC(2026, 10, 30, 9, 0, 0);

type Rec = Record<string, unknown>;
type Identity = Record<string, unknown>;

/** CloudTrail's eventTime: whole seconds, Z. */
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const at = (minutes: number) => iso(T0 + minutes * 60_000);
const hex = (n: number) => randomBytes(n).toString("hex").toUpperCase();
/** A temporary access key id as STS issues them (ASIA + 16). */
const asia = () => "ASIA" + hex(8);
const akia = () => "AKIA" + hex(8);

// ---- identities ---------------------------------------------------------------------------------

function iamUser(account: string, name: string, accessKeyId = akia()): Identity {
  return { type: "IAMUser", principalId: "AIDA" + hex(8), arn: `arn:aws:iam::${account}:user/${name}`, accountId: account, accessKeyId, userName: name };
}
const userArn = (account: string, name: string) => `arn:aws:iam::${account}:user/${name}`;

function root(account: string, accessKeyId: string): Identity {
  return { type: "Root", principalId: account, arn: `arn:aws:iam::${account}:root`, accountId: account, accessKeyId };
}

/** A role session: what the events made with an AssumeRole* call's credentials carry. */
interface Session {
  account: string;
  roleArn: string;
  roleName: string;
  name: string;
  arn: string;
  key: string;
  roleId: string;
  sourceIdentity?: string;
}

function session(account: string, rolePath: string, name: string, opts: { key?: string; sourceIdentity?: string } = {}): Session {
  const roleName = rolePath.slice(rolePath.lastIndexOf("/") + 1);
  return {
    account,
    roleArn: `arn:aws:iam::${account}:role/${rolePath}`,
    roleName,
    name,
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${name}`,
    key: opts.key ?? asia(),
    roleId: "AROA" + hex(8),
    sourceIdentity: opts.sourceIdentity,
  };
}

function assumedRole(s: Session, created = at(0)): Identity {
  return {
    type: "AssumedRole",
    principalId: `${s.roleId}:${s.name}`,
    arn: s.arn,
    accountId: s.account,
    accessKeyId: s.key,
    sessionContext: {
      sessionIssuer: { type: "Role", principalId: s.roleId, arn: s.roleArn, accountId: s.account, userName: s.roleName },
      webIdFederationData: {},
      attributes: { creationDate: created, mfaAuthenticated: "false" },
      ...(s.sourceIdentity ? { sourceIdentity: s.sourceIdentity } : {}),
    },
  };
}

interface Federated {
  account: string;
  name: string;
  arn: string;
  key: string;
  issuer: Identity;
}

function federatedUser(f: Federated): Identity {
  return {
    type: "FederatedUser",
    principalId: `${f.account}:${f.name}`,
    arn: f.arn,
    accountId: f.account,
    accessKeyId: f.key,
    sessionContext: {
      sessionIssuer: { type: "IAMUser", principalId: f.issuer.principalId, arn: f.issuer.arn, accountId: f.account, userName: f.issuer.userName },
      webIdFederationData: {},
      attributes: { creationDate: at(0), mfaAuthenticated: "false" },
    },
  };
}

// ---- records ------------------------------------------------------------------------------------

function record(identity: Identity | null, recipient: string, time: string, eventSource: string, eventName: string, over: Rec = {}): Rec {
  return {
    eventVersion: "1.09",
    ...(identity ? { userIdentity: identity } : {}),
    eventTime: time,
    eventSource,
    eventName,
    awsRegion: REGION,
    sourceIPAddress: "198.51.100.23",
    userAgent: "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22",
    requestParameters: null,
    responseElements: null,
    requestID: randomUUID(),
    eventID: randomUUID(),
    readOnly: false,
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: recipient,
    eventCategory: "Management",
    tlsDetails: { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", clientProvidedHostHeader: `${eventSource.split(".")[0]}.${REGION}.amazonaws.com` },
    ...over,
  };
}

/** An API call of a role session, federated user or any identity, in its own account. */
function call(identity: Identity, time: string, eventName = "DescribeInstances", eventSource = "ec2.amazonaws.com", recipient?: string): Rec {
  return record(identity, recipient ?? (identity.accountId as string), time, eventSource, eventName, {
    readOnly: /^(Describe|List|Get)/.test(eventName),
    requestParameters: { maxResults: 1000 },
  });
}

/** `n` calls of a session, a minute apart from `from`. */
function calls(identity: Identity, from: number, n: number): Rec[] {
  const names = ["DescribeInstances", "ListBuckets", "GetCallerIdentity", "DescribeSecurityGroups", "RunInstances"];
  const sources = ["ec2.amazonaws.com", "s3.amazonaws.com", "sts.amazonaws.com", "ec2.amazonaws.com", "ec2.amazonaws.com"];
  return Array.from({ length: n }, (_, i) => call(identity, at(from + i), names[i % names.length], sources[i % sources.length]));
}

const stsCredentials = (key: string, time: string) => ({
  accessKeyId: key,
  sessionToken: "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD" + hex(24),
  expiration: new Date(Date.parse(time) + 3600_000).toUTCString().replace("GMT", "UTC"),
});

/**
 * sts:AssumeRole as the role's account records it. `caller` is the userIdentity (an IAM user, a
 * role session — role chaining —, a service, or AWSAccount for a caller of another account).
 */
function assumeRole(caller: Identity, s: Session, time: string, opts: { recipient?: string; errorCode?: string; sourceIdentity?: string; sharedEventID?: string; credentialsDespiteError?: boolean } = {}): Rec {
  const failed = opts.errorCode !== undefined;
  const carried = opts.sourceIdentity ?? s.sourceIdentity;
  return record(caller, opts.recipient ?? s.account, time, "sts.amazonaws.com", "AssumeRole", {
    readOnly: true,
    userAgent: caller.type === "AWSService" ? (caller.invokedBy as string) : "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22 prompt/off command/sts.assume-role",
    sourceIPAddress: caller.type === "AWSService" ? (caller.invokedBy as string) : "198.51.100.23",
    requestParameters: {
      roleArn: s.roleArn,
      roleSessionName: s.name,
      durationSeconds: 3600,
      ...(opts.sourceIdentity ? { sourceIdentity: opts.sourceIdentity } : {}),
    },
    responseElements:
      failed && !opts.credentialsDespiteError
        ? null
        : {
            credentials: stsCredentials(s.key, time),
            assumedRoleUser: { assumedRoleId: `${s.roleId}:${s.name}`, arn: s.arn },
            ...(carried ? { sourceIdentity: carried } : {}),
          },
    ...(failed
      ? { errorCode: opts.errorCode, errorMessage: `User: ${caller.arn ?? caller.principalId} is not authorized to perform: sts:AssumeRole on resource: ${s.roleArn}` }
      : {}),
    resources: [{ accountId: s.account, type: "AWS::IAM::Role", ARN: s.roleArn }],
    ...(opts.sharedEventID ? { sharedEventID: opts.sharedEventID } : {}),
  });
}

/** sts:AssumeRoleWithSAML (a plain IdP, or IAM Identity Center's AWSSSO_…_DO_NOT_DELETE provider). */
function assumeRoleWithSAML(providerName: string, subject: string, s: Session, time: string): Rec {
  const providerArn = `arn:aws:iam::${s.account}:saml-provider/${providerName}`;
  const idp = providerName.startsWith("AWSSSO_") ? "https://portal.sso.us-east-1.amazonaws.com/saml/assertion/NDA4MjM5OTUxNjYyX2lucy0zYzE" : `https://${providerName.toLowerCase()}.example.com/app/exk1`;
  const qualifier = randomBytes(20).toString("base64");
  return record({ type: "SAMLUser", principalId: `${qualifier}:${subject}`, userName: subject, identityProvider: qualifier }, s.account, time, "sts.amazonaws.com", "AssumeRoleWithSAML", {
    readOnly: true,
    userAgent: "aws-internal/3 aws-sdk-java/1.12.638",
    requestParameters: { sAMLAssertionID: "_" + hex(16).toLowerCase(), roleSessionName: s.name, durationSeconds: 43200, roleArn: s.roleArn, principalArn: providerArn },
    responseElements: {
      subjectType: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
      issuer: idp,
      credentials: stsCredentials(s.key, time),
      nameQualifier: qualifier,
      assumedRoleUser: { assumedRoleId: `${s.roleId}:${s.name}`, arn: s.arn },
      subject,
      audience: "https://signin.aws.amazon.com/saml",
    },
    resources: [
      { accountId: s.account, type: "AWS::IAM::Role", ARN: s.roleArn },
      { accountId: s.account, type: "AWS::IAM::SAMLProvider", ARN: providerArn },
    ],
  });
}

/** sts:AssumeRoleWithWebIdentity from a GitHub Actions workflow (OIDC). */
function assumeRoleWithWebIdentity(sub: string, s: Session, time: string): Rec {
  const provider = `arn:aws:iam::${s.account}:oidc-provider/token.actions.githubusercontent.com`;
  return record(
    { type: "WebIdentityUser", principalId: `${provider}:sts.amazonaws.com:${sub}`, userName: sub, identityProvider: provider },
    s.account,
    time,
    "sts.amazonaws.com",
    "AssumeRoleWithWebIdentity",
    {
      readOnly: true,
      sourceIPAddress: "20.42.11.7",
      userAgent: "aws-sdk-nodejs/3.535.0 linux/v20.11.1 configure-aws-credentials-for-github-actions",
      requestParameters: { roleArn: s.roleArn, roleSessionName: s.name, durationSeconds: 3600 },
      responseElements: {
        credentials: stsCredentials(s.key, time),
        subjectFromWebIdentityToken: sub,
        assumedRoleUser: { assumedRoleId: `${s.roleId}:${s.name}`, arn: s.arn },
        provider,
        audience: "sts.amazonaws.com",
      },
      additionalEventData: { identityProviderConnectionVerificationMethod: "IAMTrustStore" },
      resources: [{ accountId: s.account, type: "AWS::IAM::Role", ARN: s.roleArn }],
    },
  );
}

function getFederationToken(user: Identity, f: Federated, time: string): Rec {
  return record(user, f.account, time, "sts.amazonaws.com", "GetFederationToken", {
    readOnly: true,
    requestParameters: { name: f.name, durationSeconds: 3600, policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}' },
    responseElements: {
      credentials: stsCredentials(f.key, time),
      federatedUser: { federatedUserId: `${f.account}:${f.name}`, arn: f.arn },
      packedPolicySize: 6,
    },
  });
}

function getSessionToken(user: Identity, key: string, time: string): Rec {
  return record(user, user.accountId as string, time, "sts.amazonaws.com", "GetSessionToken", {
    readOnly: true,
    requestParameters: { durationSeconds: 43200, serialNumber: `arn:aws:iam::${user.accountId}:mfa/${user.userName}` },
    responseElements: { credentials: stsCredentials(key, time) },
  });
}

// ---- sources ------------------------------------------------------------------------------------

const quiet = { log: () => {} };
let tdb: TestDatabase;
let db: Db;
let s3: S3Peer;
let lookup: LookupPeer;
const BUCKET = "org-trail";
const dirs: string[] = [];

/** A new, empty folder source. */
async function newFolder(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), "trailscope-actors-"));
  dirs.push(d);
  return d;
}

let fileSeq = 0;
/** CloudTrail's delivery path and name for a log file of `account`; `stamp` orders names in a folder. */
function logKey(account: string, stamp: string): string {
  return `AWSLogs/${account}/CloudTrail/${REGION}/2026/11/30/${account}_CloudTrail_${REGION}_20261130T${stamp}Z_${hex(8)}${String(++fileSeq).padStart(4, "0")}.json.gz`;
}

/** Writes one gzipped log file of `records` into `dir` (name order = the order given by `stamp`). */
async function writeLog(dir: string, stamp: string, records: Rec[]): Promise<void> {
  const account = (records[0]?.recipientAccountId as string) ?? DEV;
  const file = path.join(dir, logKey(account, stamp));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, gzipSync(JSON.stringify({ Records: records })));
}

async function sync(source: string, opts: SyncOptions = {}): Promise<void> {
  const s = await runSync(db, parseSource(source), { ...quiet, ...opts });
  expect(s.ok, `sync of ${source}`).toBe(true);
}

// ---- reading back -------------------------------------------------------------------------------

const idsOf = (records: Rec[]) => records.map((r) => r.eventID as string);

/** Each event's stored actor, in the order given. */
async function actorsOf(records: Rec[], on: Db = db): Promise<(string | null)[]> {
  const ids = idsOf(records);
  const { rows } = await on.pool.query<{ id: string; actor: string | null }>(`SELECT id, actor FROM events WHERE id = ANY($1::text[])`, [ids]);
  const byId = new Map(rows.map((r) => [r.id, r.actor]));
  expect(byId.size, "every record stored").toBe(ids.length);
  return ids.map((id) => byId.get(id)!);
}

/** The ids of the events the timeline lists for actor=<exactly value> (through parseEventQuery). */
async function listedFor(actor: string, on: Db = db): Promise<string[]> {
  const q = parseEventQuery(new URLSearchParams({ actor: exactValue(actor), limit: "1000" }), { paging: true });
  const page = await listEvents(on.pool, q);
  return page.events.map((e) => e.eventID as string).sort();
}

/** The ids of stored events with no actor (actor=!*), among `records`. */
async function unattributed(records: Rec[]): Promise<string[]> {
  const q = parseEventQuery(new URLSearchParams({ actor: "!*", limit: "1000" }), { paging: true });
  const page = await listEvents(db.pool, q);
  const wanted = new Set(idsOf(records));
  return page.events.map((e) => e.eventID as string).filter((id) => wanted.has(id)).sort();
}

const sorted = (records: Rec[]) => idsOf(records).sort();
const all = (n: number, v: string | null) => Array.from({ length: n }, () => v);

// ---- set-up -------------------------------------------------------------------------------------

beforeAll(async () => {
  s3 = await startS3Peer();
  s3.createBucket(BUCKET);
  lookup = await startLookupPeer();
  process.env.AWS_ENDPOINT_URL_S3 = s3.url;
  process.env.AWS_ENDPOINT_URL_CLOUDTRAIL = lookup.url;
  process.env.AWS_ACCESS_KEY_ID = "AKIDACTORSTEST";
  process.env.AWS_SECRET_ACCESS_KEY = "secret";
  process.env.AWS_REGION = REGION;
  tdb = await createTestDatabase("ts_actors");
  await migrate(tdb.url);
  db = openDb(tdb.url);
});

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
  await s3?.close();
  await lookup?.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

// ---- 1. users and role chaining -----------------------------------------------------------------

describe("an IAM user's role sessions", () => {
  it("gives every event of the session, and of sessions two and three hops down the chain, the user's ARN", async () => {
    const alice = iamUser(SEC, "alice");
    const hop1 = session(SEC, "OrganizationAccountAccessRole", "alice");
    const hop2 = session(DEV, "DeployRole", "alice-deploy");
    const hop3 = session(PROD, "BreakGlass", "alice-bg");
    const aliceAssumes = assumeRole(alice, hop1, at(0));
    const s1 = calls(assumedRole(hop1), 1, 4);
    const hop1Assumes = assumeRole(assumedRole(hop1), hop2, at(10));
    const s2 = calls(assumedRole(hop2), 11, 4);
    const hop2Assumes = assumeRole(assumedRole(hop2), hop3, at(20));
    const s3events = calls(assumedRole(hop3), 21, 4);
    const dir = await newFolder();
    await writeLog(dir, "0900", [aliceAssumes, ...s1, hop1Assumes]);
    await writeLog(dir, "0910", [...s2, hop2Assumes]);
    await writeLog(dir, "0920", s3events);
    await sync(dir);

    const everything = [aliceAssumes, ...s1, hop1Assumes, ...s2, hop2Assumes, ...s3events];
    expect(await actorsOf(everything)).toEqual(all(everything.length, userArn(SEC, "alice")));
    expect(await listedFor(userArn(SEC, "alice"))).toEqual(sorted(everything));

    // The chain's links as stored: each issued key, its parent key, and the origin it reached.
    const { rows } = await db.pool.query(
      `SELECT access_key_id, parent_key, origin, event_id, event_name, account_id, session_arn FROM credential_sessions WHERE access_key_id = ANY($1::text[]) ORDER BY event_time`,
      [[hop1.key, hop2.key, hop3.key]],
    );
    expect(rows).toEqual([
      { access_key_id: hop1.key, parent_key: null, origin: userArn(SEC, "alice"), event_id: aliceAssumes.eventID, event_name: "AssumeRole", account_id: SEC, session_arn: hop1.arn },
      { access_key_id: hop2.key, parent_key: hop1.key, origin: userArn(SEC, "alice"), event_id: hop1Assumes.eventID, event_name: "AssumeRole", account_id: DEV, session_arn: hop2.arn },
      { access_key_id: hop3.key, parent_key: hop2.key, origin: userArn(SEC, "alice"), event_id: hop2Assumes.eventID, event_name: "AssumeRole", account_id: PROD, session_arn: hop3.arn },
    ]);
    // The session issuer is the role without the session name.
    const issuers = await db.pool.query(`SELECT DISTINCT session_issuer_arn FROM events WHERE id = ANY($1::text[]) ORDER BY 1`, [idsOf(s3events)]);
    expect(issuers.rows).toEqual([{ session_issuer_arn: hop3.roleArn }]);
  });

  it("does not give one user's actor to another user's sessions of the same role", async () => {
    const bob = iamUser(DEV, "bob");
    const carol = iamUser(DEV, "carol");
    const b = session(DEV, "ReadOnly", "console");
    const c = session(DEV, "ReadOnly", "console");
    const bobs = [assumeRole(bob, b, at(30)), ...calls(assumedRole(b), 31, 3)];
    const carols = [assumeRole(carol, c, at(30)), ...calls(assumedRole(c), 31, 3)];
    const dir = await newFolder();
    await writeLog(dir, "0930", [...bobs, ...carols]);
    await sync(dir);
    expect(await actorsOf(bobs)).toEqual(all(4, userArn(DEV, "bob")));
    expect(await actorsOf(carols)).toEqual(all(4, userArn(DEV, "carol")));
  });
});

// ---- 2. the issuing event before, after, elsewhere ----------------------------------------------

describe("the issuing event in any position", () => {
  const dave = iamUser(DEV, "dave");
  const daveArn = userArn(DEV, "dave");

  it("before its session's events in the same file, and in an earlier file", async () => {
    const a = session(DEV, "Admin", "dave-a");
    const b = session(DEV, "Admin", "dave-b");
    const sameFile = [assumeRole(dave, a, at(40)), ...calls(assumedRole(a), 41, 3)];
    const earlier = assumeRole(dave, b, at(40));
    const later = calls(assumedRole(b), 50, 3);
    const dir = await newFolder();
    await writeLog(dir, "1000", [...sameFile, earlier]);
    await writeLog(dir, "1010", later);
    await sync(dir);
    expect(await actorsOf([...sameFile, earlier, ...later])).toEqual(all(8, daveArn));
  });

  it("after them in a later file of the same sync, each file committed on its own", async () => {
    const s = session(DEV, "Admin", "dave-c");
    const events = calls(assumedRole(s), 61, 5);
    const issuing = assumeRole(dave, s, at(60));
    const dir = await newFolder();
    // The session's events are listed and stored first (byte order of names); one file per batch.
    await writeLog(dir, "1000", events);
    await writeLog(dir, "1100", [issuing]);
    await sync(dir, { batchObjects: 1 });
    expect(await actorsOf([...events, issuing])).toEqual(all(6, daveArn));
  });

  it("after them in a later sync of the same folder", async () => {
    const s = session(DEV, "Admin", "dave-d");
    const events = calls(assumedRole(s), 71, 5);
    const dir = await newFolder();
    await writeLog(dir, "1000", events);
    await sync(dir);
    expect(await actorsOf(events)).toEqual(all(5, null));
    const issuing = assumeRole(dave, s, at(70));
    await writeLog(dir, "1100", [issuing]);
    await sync(dir);
    expect(await actorsOf([...events, issuing])).toEqual(all(6, daveArn));
  });

  it("after them in another folder synced later", async () => {
    const s = session(DEV, "Admin", "dave-e");
    const events = calls(assumedRole(s), 81, 5);
    const first = await newFolder();
    const second = await newFolder();
    await writeLog(first, "1000", events);
    await sync(first);
    const issuing = assumeRole(dave, s, at(80));
    await writeLog(second, "1000", [issuing]);
    await sync(second);
    expect(await actorsOf([...events, issuing])).toEqual(all(6, daveArn));
  });

  it("after them in an S3 bucket synced later", async () => {
    const s = session(DEV, "Admin", "dave-f");
    const events = calls(assumedRole(s), 91, 5);
    const dir = await newFolder();
    await writeLog(dir, "1000", events);
    await sync(dir);
    const issuing = assumeRole(dave, s, at(90));
    s3.putObject(BUCKET, `chain-f/${logKey(DEV, "1030")}`, gzipSync(JSON.stringify({ Records: [issuing] })));
    await sync(`s3://${BUCKET}/chain-f?forcePathStyle=true&region=${REGION}`);
    expect(await actorsOf([...events, issuing])).toEqual(all(6, daveArn));
    expect(await listedFor(daveArn)).toEqual(expect.arrayContaining(sorted([...events, issuing])));
  });

  it("a three-hop chain whose middle link arrives last is resolved whole", async () => {
    const erin = iamUser(SEC, "erin");
    const h1 = session(SEC, "Hub", "erin");
    const h2 = session(DEV, "Spoke", "erin-dev");
    const h3 = session(PROD, "Spoke", "erin-prod");
    const first = assumeRole(erin, h1, at(100));
    const e1 = calls(assumedRole(h1), 101, 3);
    const middle = assumeRole(assumedRole(h1), h2, at(110)); // arrives last
    const e2 = calls(assumedRole(h2), 111, 3);
    const third = assumeRole(assumedRole(h2), h3, at(120));
    const e3 = calls(assumedRole(h3), 121, 3);
    const dir = await newFolder();
    await writeLog(dir, "1000", [first, ...e1]);
    await writeLog(dir, "1100", [...e2, third]);
    await writeLog(dir, "1200", e3);
    await sync(dir);
    // Hop 1 is known; everything below the missing middle link is not, and is not guessed.
    expect(await actorsOf([first, ...e1])).toEqual(all(4, userArn(SEC, "erin")));
    expect(await actorsOf([...e2, third, ...e3])).toEqual(all(7, null));

    const late = await newFolder();
    await writeLog(late, "1000", [middle]);
    await sync(late);
    const everything = [first, ...e1, middle, ...e2, third, ...e3];
    expect(await actorsOf(everything)).toEqual(all(everything.length, userArn(SEC, "erin")));
    expect(await listedFor(userArn(SEC, "erin"))).toEqual(sorted(everything));
    const { rows } = await db.pool.query(`SELECT access_key_id, origin FROM credential_sessions WHERE access_key_id = ANY($1::text[]) ORDER BY event_time`, [[h1.key, h2.key, h3.key]]);
    expect(rows.map((r) => r.origin)).toEqual(all(3, userArn(SEC, "erin")));
  });
});

// ---- 3. LookupEvents: newest first --------------------------------------------------------------

describe("LookupEvents (newest first)", () => {
  it("links sessions whose events come pages before the AssumeRole calls that issued them", async () => {
    const now = Date.now();
    const ago = (minutes: number) => iso(now - minutes * 60_000);
    const frank = iamUser(DEV, "frank");
    const s1 = session(DEV, "Operator", "frank");
    const s2 = session(DEV, "DatabaseAdmin", "frank-db");
    const first = assumeRole(frank, s1, ago(300));
    // More events than one page (50) below each AssumeRole, so each comes on a later page.
    const e1 = Array.from({ length: 60 }, (_, i) => call(assumedRole(s1, ago(300)), ago(290 - i)));
    const chained = assumeRole(assumedRole(s1, ago(300)), s2, ago(200));
    const e2 = Array.from({ length: 60 }, (_, i) => call(assumedRole(s2, ago(200)), ago(190 - i), "DescribeDBInstances", "rds.amazonaws.com"));
    const own = [call(frank, ago(100), "ListUsers", "iam.amazonaws.com")];
    const records = [first, ...e1, chained, ...e2, ...own];
    lookup.setEvents(REGION, records);
    lookup.stats.calls.length = 0;
    await sync(`lookup://${REGION}?insights=false&since=now-1d`);
    // Several pages, newest first: the sessions' events were stored before their issuing events.
    expect(lookup.stats.calls.length).toBeGreaterThanOrEqual(3);
    expect(await actorsOf(records)).toEqual(all(records.length, userArn(DEV, "frank")));
    expect(await listedFor(userArn(DEV, "frank"))).toEqual(sorted(records));
  });
});

// ---- 4. missing issuing events ------------------------------------------------------------------

describe("an issuing event that is not stored", () => {
  it("leaves the actor NULL — even beside another session of the same role and name — until it arrives", async () => {
    const gina = iamUser(DEV, "gina");
    const hank = iamUser(DEV, "hank");
    const known = session(DEV, "Support", "oncall");
    const unknown = session(DEV, "Support", "oncall"); // same role, same session name, other credentials
    const knownEvents = [assumeRole(gina, known, at(130)), ...calls(assumedRole(known), 131, 3)];
    const orphans = calls(assumedRole(unknown), 140, 4);
    const dir = await newFolder();
    await writeLog(dir, "1300", [...knownEvents, ...orphans]);
    await sync(dir);
    expect(await actorsOf(knownEvents)).toEqual(all(4, userArn(DEV, "gina")));
    expect(await actorsOf(orphans)).toEqual(all(4, null));
    expect(await unattributed([...knownEvents, ...orphans])).toEqual(sorted(orphans));
    expect(await listedFor(userArn(DEV, "gina"))).toEqual(sorted(knownEvents));

    // The issuing event shows up later, in another source: the orphans get their actor.
    const issuing = assumeRole(hank, unknown, at(139));
    s3.putObject(BUCKET, `missing/${logKey(DEV, "1330")}`, gzipSync(JSON.stringify({ Records: [issuing] })));
    await sync(`s3://${BUCKET}/missing?forcePathStyle=true&region=${REGION}`);
    expect(await actorsOf([...orphans, issuing])).toEqual(all(5, userArn(DEV, "hank")));
    expect(await unattributed([...knownEvents, ...orphans])).toEqual([]);
    expect(await actorsOf(knownEvents)).toEqual(all(4, userArn(DEV, "gina")));
  });
});

// ---- 5. origins ---------------------------------------------------------------------------------

describe("origins other than an IAM user's long-term keys", () => {
  it("SAML, Identity Center, GitHub Actions OIDC, a service, root, GetFederationToken, GetSessionToken", async () => {
    // A plain SAML IdP.
    const okta = session(DEV, "OktaEngineers", "ivy@example.com");
    const saml = [assumeRoleWithSAML("Okta", "ivy@example.com", okta, at(150)), ...calls(assumedRole(okta), 151, 3)];
    // IAM Identity Center: its SAML provider in every account, its reserved roles.
    const sso = session(DEV, "aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_5e0b1c2d3f4a6b7c", "jack");
    const identityCenter = [assumeRoleWithSAML("AWSSSO_4f1d2c3b5a697e80_DO_NOT_DELETE", "jack", sso, at(150)), ...calls(assumedRole(sso), 151, 3)];
    // GitHub Actions.
    const sub = "repo:octo-org/infra:ref:refs/heads/main";
    const gha = session(DEV, "GitHubActionsDeploy", "GitHubActions");
    const web = [assumeRoleWithWebIdentity(sub, gha, at(150)), ...calls(assumedRole(gha), 151, 3)];
    // Lambda assuming its execution role.
    const fn = session(DEV, "service-role/orders-api-role-x1y2z3", "orders-api");
    const service = [
      assumeRole({ type: "AWSService", invokedBy: "lambda.amazonaws.com" }, fn, at(150)),
      ...calls(assumedRole(fn), 151, 3).map((r) => ({ ...r, eventName: "PutItem", eventSource: "dynamodb.amazonaws.com" })),
    ];
    // Root, signed in to the console (temporary key).
    const rootEvents = [call(root(DEV, asia()), at(150), "CreateUser", "iam.amazonaws.com"), call(root(DEV, asia()), at(151), "ListUsers", "iam.amazonaws.com")];
    // GetFederationToken by an IAM user, then the federated user's calls.
    const kate = iamUser(DEV, "kate");
    const fed: Federated = { account: DEV, name: "kate-broker", arn: `arn:aws:sts::${DEV}:federated-user/kate-broker`, key: asia(), issuer: kate };
    const federation = [getFederationToken(kate, fed, at(150)), ...calls(federatedUser(fed), 151, 3)];
    // GetSessionToken (MFA): the user's own calls with an ASIA key are still the user.
    const leo = iamUser(DEV, "leo");
    const leoKey = asia();
    const sessionToken = [getSessionToken(leo, leoKey, at(150)), ...calls(iamUser(DEV, "leo", leoKey), 151, 3)];

    const dir = await newFolder();
    // Issuing events last in the folder's order: nothing depends on where they are.
    await writeLog(dir, "1500", [...saml.slice(1), ...identityCenter.slice(1), ...web.slice(1), ...service.slice(1), ...federation.slice(1), ...rootEvents]);
    await writeLog(dir, "1510", [saml[0], identityCenter[0], web[0], service[0], federation[0], ...sessionToken]);
    await sync(dir);

    expect(await actorsOf(saml)).toEqual(all(4, "saml:Okta/ivy@example.com"));
    expect(await actorsOf(identityCenter)).toEqual(all(4, "identitycenter:jack"));
    expect(await actorsOf(web)).toEqual(all(4, `web:token.actions.githubusercontent.com/${sub}`));
    expect(await actorsOf(service)).toEqual(all(4, "lambda.amazonaws.com"));
    expect(await actorsOf(rootEvents)).toEqual(all(2, `arn:aws:iam::${DEV}:root`));
    expect(await actorsOf(federation)).toEqual(all(4, userArn(DEV, "kate")));
    expect(await actorsOf(sessionToken)).toEqual(all(4, userArn(DEV, "leo")));
    for (const [actor, records] of [
      ["identitycenter:jack", identityCenter],
      [`web:token.actions.githubusercontent.com/${sub}`, web],
      [userArn(DEV, "kate"), federation],
    ] as const) {
      expect(await listedFor(actor)).toEqual(sorted(records));
    }
    // A federated session's issuer is the IAM user that called GetFederationToken.
    const fedIssuer = await db.pool.query(`SELECT DISTINCT session_issuer_arn FROM events WHERE id = ANY($1::text[])`, [idsOf(federation.slice(1))]);
    expect(fedIssuer.rows).toEqual([{ session_issuer_arn: userArn(DEV, "kate") }]);
    const gst = await db.pool.query(`SELECT origin, event_name, parent_key FROM credential_sessions WHERE access_key_id = $1`, [leoKey]);
    expect(gst.rows).toEqual([{ origin: userArn(DEV, "leo"), event_name: "GetSessionToken", parent_key: null }]);
  });

  it("a cross-account AssumeRole: the role's account records the caller as AWSAccount with its key", async () => {
    // mia's session in DEV assumes a role in PROD. Both accounts receive the event (one
    // sharedEventID, an eventID each); PROD's copy names the caller only by account and key.
    const mia = iamUser(DEV, "mia");
    const devSession = session(DEV, "CrossAccountOps", "mia");
    const prodSession = session(PROD, "OpsFromDev", "mia-prod");
    const shared = randomUUID();
    const miaAssumes = assumeRole(mia, devSession, at(160));
    const callerCopy = assumeRole(assumedRole(devSession), prodSession, at(165), { recipient: DEV, sharedEventID: shared });
    const roleCopy = assumeRole({ type: "AWSAccount", principalId: `${devSession.roleId}:${devSession.name}`, accountId: DEV, accessKeyId: devSession.key }, prodSession, at(165), {
      recipient: PROD,
      sharedEventID: shared,
    });
    const prodEvents = calls(assumedRole(prodSession), 166, 4);
    const dev = await newFolder();
    const prod = await newFolder();
    await writeLog(dev, "1600", [miaAssumes, callerCopy]);
    await writeLog(prod, "1600", [roleCopy, ...prodEvents]);
    await sync(prod);
    await sync(dev);
    expect(await actorsOf([miaAssumes, callerCopy, roleCopy, ...prodEvents])).toEqual(all(7, userArn(DEV, "mia")));
  });

  it("a cross-account AssumeRole by an IAM user: the role account's copy first, the caller's copy later", async () => {
    // PROD's copy names the caller as AWSAccount with the user's long-term key (no issuing event
    // exists for an AKIA key); only DEV's copy says who called. Whichever copy comes first, the
    // session's events must end with the user's ARN.
    const nick = iamUser(DEV, "nick");
    const prodSession = session(PROD, "OpsFromDev", "nick");
    const shared = randomUUID();
    const callerCopy = assumeRole(nick, prodSession, at(170), { recipient: DEV, sharedEventID: shared });
    const roleCopy = assumeRole({ type: "AWSAccount", principalId: nick.principalId, accountId: DEV, accessKeyId: nick.accessKeyId }, prodSession, at(170), { recipient: PROD, sharedEventID: shared });
    const prodEvents = calls(assumedRole(prodSession), 171, 4);
    const prod = await newFolder();
    const dev = await newFolder();
    await writeLog(prod, "1700", [roleCopy, ...prodEvents]);
    await writeLog(dev, "1700", [callerCopy]);
    await sync(prod);
    expect(await actorsOf(prodEvents)).toEqual(all(4, null));
    await sync(dev);
    expect(await actorsOf([callerCopy, ...prodEvents])).toEqual(all(5, userArn(DEV, "nick")));
  });

  it("the role account's copy of a cross-account AssumeRole by an IAM user is that user's too", async () => {
    // What nick did in PROD (actor=nick, scoped to PROD) includes the AssumeRole PROD recorded.
    const nick2 = iamUser(DEV, "nick2");
    const prodSession = session(PROD, "OpsFromDev", "nick2");
    const shared = randomUUID();
    const callerCopy = assumeRole(nick2, prodSession, at(172), { recipient: DEV, sharedEventID: shared });
    const roleCopy = assumeRole({ type: "AWSAccount", principalId: nick2.principalId, accountId: DEV, accessKeyId: nick2.accessKeyId }, prodSession, at(172), { recipient: PROD, sharedEventID: shared });
    const dir = await newFolder();
    await writeLog(dir, "1700", [callerCopy, roleCopy]);
    await sync(dir);
    expect(await actorsOf([callerCopy, roleCopy])).toEqual(all(2, userArn(DEV, "nick2")));
  });

  it("both copies of a cross-account AssumeRole in one sync, the role account's first", async () => {
    const olga = iamUser(DEV, "olga");
    const prodSession = session(PROD, "OpsFromDev", "olga");
    const shared = randomUUID();
    const callerCopy = assumeRole(olga, prodSession, at(175), { recipient: DEV, sharedEventID: shared });
    const roleCopy = assumeRole({ type: "AWSAccount", principalId: olga.principalId, accountId: DEV, accessKeyId: olga.accessKeyId }, prodSession, at(175), { recipient: PROD, sharedEventID: shared });
    const prodEvents = calls(assumedRole(prodSession), 176, 3);
    const dir = await newFolder();
    await writeLog(dir, "1700", [roleCopy, ...prodEvents, callerCopy]);
    await sync(dir);
    expect(await actorsOf([callerCopy, ...prodEvents])).toEqual(all(4, userArn(DEV, "olga")));
  });
});

// ---- 6. source identity -------------------------------------------------------------------------

describe("sourceIdentity", () => {
  it("is recorded with the session an AssumeRole set it on, and with the sessions chained from it", async () => {
    const pat = iamUser(SEC, "pat");
    const s1 = session(SEC, "Engineer", "pat", { sourceIdentity: "pat@example.com" });
    const s2 = session(DEV, "Deployer", "pat-deploy", { sourceIdentity: "pat@example.com" });
    const first = assumeRole(pat, s1, at(180), { sourceIdentity: "pat@example.com" });
    // STS carries the source identity over to a chained session; the caller's context shows it.
    const chained = assumeRole(assumedRole(s1), s2, at(185));
    const events = calls(assumedRole(s2), 186, 2);
    const dir = await newFolder();
    await writeLog(dir, "1800", [first, chained, ...events]);
    await sync(dir);
    const { rows } = await db.pool.query(`SELECT access_key_id, source_identity, origin FROM credential_sessions WHERE access_key_id = ANY($1::text[]) ORDER BY event_time`, [[s1.key, s2.key]]);
    expect(rows).toEqual([
      { access_key_id: s1.key, source_identity: "pat@example.com", origin: userArn(SEC, "pat") },
      { access_key_id: s2.key, source_identity: "pat@example.com", origin: userArn(SEC, "pat") },
    ]);
    expect(await actorsOf(events)).toEqual(all(2, userArn(SEC, "pat")));
  });
});

// ---- 7. hostile data ----------------------------------------------------------------------------

describe("hostile chains", () => {
  it("a loop of keys (each issued by a session of the other, and one issued by itself) ends, leaving NULL", async () => {
    const a = session(DEV, "LoopA", "a");
    const b = session(DEV, "LoopB", "b");
    const self = session(DEV, "LoopSelf", "self");
    const records = [
      assumeRole(assumedRole(b), a, at(190)),
      assumeRole(assumedRole(a), b, at(191)),
      assumeRole(assumedRole(self), self, at(192)),
      ...calls(assumedRole(a), 193, 2),
      ...calls(assumedRole(b), 195, 2),
      ...calls(assumedRole(self), 197, 2),
    ];
    const dir = await newFolder();
    await writeLog(dir, "1900", records.slice(0, 2));
    await writeLog(dir, "1910", records.slice(2));
    await sync(dir);
    expect(await actorsOf(records)).toEqual(all(records.length, null));
    // Then the loop's keys show up in a later sync again (a second pass over the same loop).
    const again = await newFolder();
    const more = [...calls(assumedRole(a), 199, 1), ...calls(assumedRole(self), 200, 1)];
    await writeLog(again, "2000", more);
    await sync(again);
    expect(await actorsOf(more)).toEqual([null, null]);
  });

  it("a failed AssumeRole issues nothing, even when its record carries credentials", async () => {
    const quinn = iamUser(DEV, "quinn");
    const s = session(DEV, "Admin", "quinn");
    const failed = assumeRole(quinn, s, at(210), { errorCode: "AccessDenied", credentialsDespiteError: true });
    const events = calls(assumedRole(s), 211, 2);
    const dir = await newFolder();
    await writeLog(dir, "2100", [failed, ...events]);
    await sync(dir);
    expect(await actorsOf([failed])).toEqual([userArn(DEV, "quinn")]); // the failed call is quinn's own
    expect(await actorsOf(events)).toEqual([null, null]);
    const stored = await db.pool.query(`SELECT count(*)::int AS n FROM credential_sessions WHERE access_key_id = $1`, [s.key]);
    expect(stored.rows[0].n).toBe(0);
  });

  it("a SAML subject with tabs, backslashes, newlines, non-ASCII, emoji and filter syntax survives COPY exactly", async () => {
    const subjects = [
      "rené.müller\\corp\tTAB\nline2\r\\N 日本語 مرحبا 👩🏽‍💻 *!%_",
      "!starts-with-bang\\*",
      "ø".repeat(1500) + "\\" + "🦄".repeat(600) + "\t", // a long subject: multi-byte everywhere
    ];
    const huge = "Ω\\\t" + "x".repeat(60_000) + "😀"; // beyond any filter value: read back by SQL
    const all4 = [...subjects, huge];
    const batches = all4.map((subject, i) => {
      const s = session(DEV, "Federated", `user-${i}`);
      return { subject, records: [assumeRoleWithSAML("Corp-IdP", subject, s, at(220 + i)), ...calls(assumedRole(s), 221 + i, 2)] };
    });
    const dir = await newFolder();
    // Session events before the issuing events: the actor travels through the late-link UPDATE
    // as well as through COPY.
    await writeLog(dir, "2200", batches.flatMap((b) => b.records.slice(1)));
    await writeLog(dir, "2210", batches.map((b) => b.records[0]));
    await sync(dir);
    const direct = await newFolder();
    const s = session(DEV, "Federated", "direct");
    const inOrder = [assumeRoleWithSAML("Corp-IdP", subjects[0], s, at(230)), ...calls(assumedRole(s), 231, 2)];
    await writeLog(direct, "2300", inOrder);
    await sync(direct);

    for (const b of batches) expect(await actorsOf(b.records)).toEqual(all(3, `saml:Corp-IdP/${b.subject}`));
    expect(await actorsOf(inOrder)).toEqual(all(3, `saml:Corp-IdP/${subjects[0]}`));
    for (const b of batches.slice(0, 3)) {
      const expected = b.subject === subjects[0] ? [...b.records, ...inOrder] : b.records;
      expect(await listedFor(`saml:Corp-IdP/${b.subject}`)).toEqual(sorted(expected));
    }
    const hugeRow = await db.pool.query(`SELECT count(*)::int AS n FROM events WHERE actor = $1`, [`saml:Corp-IdP/${huge}`]);
    expect(hugeRow.rows[0].n).toBe(3);
  });
});

// ---- the race between two batches of one chain --------------------------------------------------

describe("two batches committing at once", () => {
  // The loader's own functions on two connections, so the interleaving is exact rather than a
  // matter of luck in the engine's two commits in flight.
  it("a chained issuance and its parent's issuance in concurrent transactions still resolve by the end of the sync", async () => {
    // The engine commits up to two batches at once. Batch A stores the middle link (issued by a
    // session whose own issuing event is in batch B) and events of the session it issued; batch B
    // stores the first link. Neither sees the other's rows before both commit; the sync's
    // closing pass (relinkLateEvents) must still give the events their actor.
    const rita = iamUser(DEV, "rita");
    const h1 = session(DEV, "RaceHub", "rita");
    const h2 = session(DEV, "RaceSpoke", "rita-2");
    const first = assumeRole(rita, h1, at(240));
    const middle = assumeRole(assumedRole(h1), h2, at(241));
    const events = calls(assumedRole(h2), 242, 2);
    const since = new Date(Date.now() - 1000);
    const a = await db.pool.connect();
    const b = await db.pool.connect();
    try {
      await a.query("BEGIN");
      await b.query("BEGIN");
      const batchA = [middle, ...events];
      const actorsA = (await linkBatch(a, batchA.map((r) => credentialLinkOf(r as CloudTrailRecord)), idsOf(batchA))).map((l) => l.actor);
      const actorsB = (await linkBatch(b, [credentialLinkOf(first as CloudTrailRecord)], idsOf([first]))).map((l) => l.actor);
      expect(actorsA).toEqual([null, null, null]);
      expect(actorsB).toEqual([userArn(DEV, "rita")]);
      // Stand-ins for the events the two batches COPY (the loader does so in the same transaction).
      for (const [c, recs, actors] of [[a, batchA, actorsA], [b, [first], actorsB]] as const) {
        for (let i = 0; i < recs.length; i++) {
          const r = recs[i];
          const id = r.userIdentity as Identity;
          await c.query(
            `INSERT INTO events (id, event_time, event_name, identity_type, access_key_id, actor, record) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
            [r.eventID, r.eventTime, r.eventName, id.type, id.accessKeyId, actors[i], JSON.stringify(r)],
          );
        }
      }
      await b.query("COMMIT");
      await a.query("COMMIT");
    } finally {
      a.release();
      b.release();
    }
    await relinkLateEvents(db.pool, since);
    expect(await actorsOf([first, middle, ...events])).toEqual(all(4, userArn(DEV, "rita")));
  });
});

// ---- 8. facets and account scope ----------------------------------------------------------------

describe("actor and sessionIssuer facets", () => {
  let fdb: TestDatabase;
  let f: Db;
  const alice = iamUser(DEV, "alice");
  const bob = iamUser(DEV, "bob");
  const devAdmin = session(DEV, "DevAdmin", "alice");
  const readOnly = session(DEV, "ReadOnly", "bob");
  const prodAdmin = session(PROD, "ProdAdmin", "alice-prod");
  const stranger = session(PROD, "ProdAdmin", "someone");
  const aliceArn = userArn(DEV, "alice");
  const bobArn = userArn(DEV, "bob");

  beforeAll(async () => {
    fdb = await createTestDatabase("ts_actor_facets");
    await migrate(fdb.url);
    f = openDb(fdb.url);
    const shared = randomUUID();
    const dev = [
      assumeRole(alice, devAdmin, at(0)), // alice
      ...calls(assumedRole(devAdmin), 1, 5), // alice ×5, DevAdmin ×5
      assumeRole(assumedRole(devAdmin), prodAdmin, at(10), { recipient: DEV, sharedEventID: shared }), // alice, DevAdmin
      ...calls(bob, 20, 3), // bob ×3
      assumeRole(bob, readOnly, at(25)), // bob
      ...calls(assumedRole(readOnly), 26, 2), // bob ×2, ReadOnly ×2
    ];
    const prod = [
      assumeRole({ type: "AWSAccount", principalId: `${devAdmin.roleId}:${devAdmin.name}`, accountId: DEV, accessKeyId: devAdmin.key }, prodAdmin, at(10), { recipient: PROD, sharedEventID: shared }), // alice
      ...calls(assumedRole(prodAdmin), 11, 4), // alice ×4, ProdAdmin ×4
      ...calls(assumedRole(stranger), 30, 1), // NULL, ProdAdmin
    ];
    const dir = await newFolder();
    await writeLog(dir, "0900", dev);
    await writeLog(dir, "0901", prod);
    const s = await runSync(f, parseSource(dir), quiet);
    expect(s.ok).toBe(true);
    expect(s.eventsNew).toBe(dev.length + prod.length);
  });

  afterAll(async () => {
    await f?.close();
    await fdb?.drop();
  });

  const fields = () => [FIELD_BY_KEY.get("actor")!, FIELD_BY_KEY.get("sessionIssuer")!, FIELD_BY_KEY.get("accessKeyId")!];
  async function counts(params: Record<string, string>, accounts?: string[]) {
    const q = parseEventQuery(new URLSearchParams(params));
    if (accounts) q.accounts = accounts;
    const facets = await facetCounts(f.pool, q, fields(), { limit: 20 });
    return Object.fromEntries(facets.map((x) => [x.field, x.values]));
  }

  it("counts each actor's events across accounts and roles, and the session issuer roles", async () => {
    const c = await counts({});
    expect(c.actor).toEqual([
      { value: aliceArn, count: 12 },
      { value: bobArn, count: 6 },
      { value: null, count: 1 },
    ]);
    // Ties in count: values before "no value".
    expect(c.sessionIssuer).toEqual([
      { value: devAdmin.roleArn, count: 6 },
      { value: null, count: 6 },
      { value: prodAdmin.roleArn, count: 5 },
      { value: readOnly.roleArn, count: 2 },
    ]);
    expect(c.accessKeyId).toEqual(
      expect.arrayContaining([
        { value: devAdmin.key, count: 7 }, // its 6 calls, and PROD's copy of the AssumeRole it made
        { value: prodAdmin.key, count: 4 },
        { value: bob.accessKeyId, count: 4 },
      ]),
    );
  });

  it("counts under a filter on another field, and leaves the actor filter out of the actor facet only", async () => {
    const c = await counts({ actor: aliceArn });
    expect(c.actor).toEqual([
      { value: aliceArn, count: 12 },
      { value: bobArn, count: 6 },
      { value: null, count: 1 },
    ]);
    expect(c.sessionIssuer).toEqual([
      { value: devAdmin.roleArn, count: 6 },
      { value: prodAdmin.roleArn, count: 4 },
      { value: null, count: 2 },
    ]);
  });

  it("a query scoped to one account counts none of another account's events, nor learns an actor from them", async () => {
    // alice (DEV) reached PROD through an AssumeRole recorded in DEV: a PROD-only user does not
    // learn her name from it (lib/fields.ts visibleWhen); one who may read DEV too does.
    const prodOnly = await counts({}, [PROD]);
    expect(prodOnly.actor).toEqual([{ value: null, count: 6 }]);
    const both = await counts({}, [DEV, PROD]);
    expect(both.actor.find((v) => v.value === aliceArn)?.count).toBeGreaterThanOrEqual(5);
    expect(prodOnly.sessionIssuer).toEqual([
      { value: prodAdmin.roleArn, count: 5 },
      { value: null, count: 1 },
    ]);
    const devOnly = await counts({ actor: aliceArn }, [DEV]);
    expect(devOnly.actor).toEqual([
      { value: aliceArn, count: 7 },
      { value: bobArn, count: 6 },
    ]);
    // The timeline itself: nothing for actor=alice scoped to PROD alone (not even a count), her
    // events in PROD when DEV may be read too, each with the actor shown; unscoped likewise.
    const ask = async (accounts?: string[]) => {
      const q = parseEventQuery(new URLSearchParams({ actor: aliceArn, limit: "1000" }), { paging: true });
      q.accounts = accounts;
      return (await listEvents(f.pool, q)).events;
    };
    expect(await ask([PROD])).toHaveLength(0);
    const inProd = (await ask([DEV, PROD])).filter((e) => e.accountId === PROD);
    expect(inProd).toHaveLength(5);
    expect(inProd.every((e) => e.actor === aliceArn)).toBe(true);
    // Not-alice under PROD alone holds every PROD event (her name reads as none there).
    const notAlice = parseEventQuery(new URLSearchParams({ actor: "!" + aliceArn, limit: "1000" }), { paging: true });
    notAlice.accounts = [PROD];
    expect((await listEvents(f.pool, notAlice)).events).toHaveLength(6);
  });
});

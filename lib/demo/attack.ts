// The demo's planted intrusion: a leaked long-term access key of an IAM user in the management
// account is used from an anonymising exit node to assume a role in the production account, then
// (role chaining) a break-glass admin role there, whose session disables GuardDuty, creates an
// access key for another user and shares an EBS snapshot with an outside account. Three
// detections fire (GuardDuty tampering, access key created for another user, snapshot shared
// outside the account), and every event of the chain links back to the one identity
// behind it: the IAM user whose key leaked (lib/actors). `npm run demo -- --attack` plants a new wave of
// it at the current time, so a watch on one of those detections has something new to send.
import { createHash } from "node:crypto";
import type { CloudTrailRecord } from "./generate";

export interface AttackStory {
  /** The IAM user whose key leaked (management account). */
  userArn: string;
  userAccount: string;
  /** The account the attacker works in (production). */
  targetAccount: string;
  /** The first role (cross-account) and the break-glass role assumed from its session. */
  firstRoleArn: string;
  secondRoleArn: string;
  ip: string;
  /** The user the attacker creates an access key for, and the account a snapshot is shared with. */
  victimUser: string;
  outsideAccount: string;
}

const FIXED = {
  user: "ci-deployer",
  userId: "AIDAXJ7Q2M4KPLRWVN3T",
  key: "AKIAXJ7Q2M4KTD6WZB5E",
  firstRole: "OrganizationAccountAccessRole",
  firstRoleId: "AROAX5N2TQ7LMRZK7W4P",
  secondRole: "BreakGlassAdmin",
  secondRoleId: "AROAX3V3KD2QWPL6MNT7",
  ip: "185.220.101.47",
  victimUser: "backup-operator",
  outsideAccount: "731945206853",
  ua: "Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#6.1.0-26-amd64 md/arch#x86_64 lang/python#3.11.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.36",
};

export function attackStory(accounts: readonly string[]): AttackStory {
  const mgmt = accounts[0];
  const prod = accounts[1 % accounts.length];
  return {
    userArn: `arn:aws:iam::${mgmt}:user/${FIXED.user}`,
    userAccount: mgmt,
    targetAccount: prod,
    firstRoleArn: `arn:aws:iam::${prod}:role/${FIXED.firstRole}`,
    secondRoleArn: `arn:aws:iam::${prod}:role/${FIXED.secondRole}`,
    ip: FIXED.ip,
    victimUser: FIXED.victimUser,
    outsideAccount: FIXED.outsideAccount,
  };
}

/** Deterministic hex of a wave and a label (ids, keys and tokens that differ per wave). */
function hex(wave: string, label: string, n: number): string {
  return createHash("sha256").update(`${wave}:${label}`).digest("hex").slice(0, n);
}
function uuid(wave: string, label: string): string {
  const h = hex(wave, label, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
function upper(wave: string, label: string, n: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const h = createHash("sha256").update(`${wave}:${label}`).digest();
  return Array.from(h.subarray(0, n), (b) => alphabet[b % 32]).join("");
}
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** STS's own date format in responseElements: "Dec 7, 2026, 5:12:33 PM". */
function awsDate(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const two = (v: number) => String(v).padStart(2, "0");
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${h % 12 || 12}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${h < 12 ? "AM" : "PM"}`;
}

/** One step of the intrusion: when (ms after it starts) and the record it leaves. */
export interface AttackStep {
  dt: number;
  make: (t: number) => CloudTrailRecord;
}

/**
 * The intrusion's records, as steps relative to its start. `wave` makes its ids, session keys and
 * session names its own (the demo's planted wave is "demo"; each `--attack` wave is the time).
 */
export function attackSteps(accounts: readonly string[], wave: string, region = "us-east-1"): AttackStep[] {
  const s = attackStory(accounts);
  const firstKey = "ASIA" + upper(wave, "key1", 16);
  const secondKey = "ASIA" + upper(wave, "key2", 16);
  const firstSession = `ci-deployer-${hex(wave, "s1", 6)}`;
  const secondSession = "maintenance";
  const user = { type: "IAMUser", principalId: FIXED.userId, arn: s.userArn, accountId: s.userAccount, accessKeyId: FIXED.key, userName: FIXED.user };
  const session = (roleArn: string, roleId: string, name: string, key: string, created: number) => ({
    type: "AssumedRole",
    principalId: `${roleId}:${name}`,
    arn: `arn:aws:sts::${s.targetAccount}:assumed-role/${roleArn.slice(roleArn.lastIndexOf("/") + 1)}/${name}`,
    accountId: s.targetAccount,
    accessKeyId: key,
    sessionContext: {
      sessionIssuer: { type: "Role", principalId: roleId, arn: roleArn, accountId: s.targetAccount, userName: roleArn.slice(roleArn.lastIndexOf("/") + 1) },
      webIdFederationData: {},
      attributes: { creationDate: iso(created), mfaAuthenticated: "false" },
    },
  });
  let n = 0;
  const base = (t: number, ident: Record<string, unknown>, source: string, name: string, account: string, readOnly: boolean): CloudTrailRecord => ({
    eventVersion: "1.10",
    userIdentity: ident,
    eventTime: iso(t),
    eventSource: source,
    eventName: name,
    awsRegion: region,
    sourceIPAddress: s.ip,
    userAgent: FIXED.ua,
    requestParameters: null,
    responseElements: null,
    requestID: uuid(wave, `req${n}`),
    eventID: uuid(wave, `event${n++}`),
    readOnly,
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: "Management",
    tlsDetails: { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", clientProvidedHostHeader: `${source.split(".")[0]}.${region}.amazonaws.com` },
  });
  const assume = (t: number, caller: Record<string, unknown>, roleArn: string, roleId: string, name: string, key: string): CloudTrailRecord => ({
    ...base(t, caller, "sts.amazonaws.com", "AssumeRole", s.targetAccount, true),
    requestParameters: { roleArn, roleSessionName: name, durationSeconds: 3600 },
    responseElements: {
      credentials: { accessKeyId: key, sessionToken: `IQoJb3JpZ2luX2VjE${hex(wave, key, 40)}`, expiration: awsDate(t + 3_600_000) },
      assumedRoleUser: { assumedRoleId: `${roleId}:${name}`, arn: `arn:aws:sts::${s.targetAccount}:assumed-role/${roleArn.slice(roleArn.lastIndexOf("/") + 1)}/${name}` },
    },
    resources: [{ accountId: s.targetAccount, type: "AWS::IAM::Role", ARN: roleArn }],
  });
  // Timestamps of the two sessions' creation, known when they are issued.
  let firstAt = 0;
  let secondAt = 0;
  const first = () => session(s.firstRoleArn, FIXED.firstRoleId, firstSession, firstKey, firstAt);
  const second = () => session(s.secondRoleArn, FIXED.secondRoleId, secondSession, secondKey, secondAt);
  const snapshot = `snap-0${hex(wave, "snap", 16)}`;
  return [
    { dt: 0, make: (t) => base(t, user, "sts.amazonaws.com", "GetCallerIdentity", s.userAccount, true) },
    { dt: 40_000, make: (t) => ((firstAt = t), assume(t, user, s.firstRoleArn, FIXED.firstRoleId, firstSession, firstKey)) },
    { dt: 95_000, make: (t) => ({ ...base(t, first(), "iam.amazonaws.com", "ListRoles", s.targetAccount, true), requestParameters: { maxItems: 100 } }) },
    { dt: 150_000, make: (t) => ((secondAt = t), assume(t, first(), s.secondRoleArn, FIXED.secondRoleId, secondSession, secondKey)) },
    { dt: 210_000, make: (t) => base(t, second(), "guardduty.amazonaws.com", "ListDetectors", s.targetAccount, true) },
    {
      dt: 260_000,
      make: (t) => ({
        ...base(t, second(), "guardduty.amazonaws.com", "DeleteDetector", s.targetAccount, false),
        requestParameters: { detectorId: hex("fixed", "detector", 32) },
        responseElements: null,
      }),
    },
    {
      dt: 330_000,
      make: (t) => ({
        ...base(t, second(), "iam.amazonaws.com", "CreateAccessKey", s.targetAccount, false),
        requestParameters: { userName: s.victimUser },
        responseElements: {
          accessKey: { accessKeyId: "AKIA" + upper(wave, "victimkey", 16), status: "Active", userName: s.victimUser, createDate: awsDate(t) },
        },
      }),
    },
    { dt: 400_000, make: (t) => ({ ...base(t, second(), "ec2.amazonaws.com", "DescribeSnapshots", s.targetAccount, true), requestParameters: { ownersSet: { items: [{ owner: "self" }] } } }) },
    {
      dt: 470_000,
      make: (t) => ({
        ...base(t, second(), "ec2.amazonaws.com", "ModifySnapshotAttribute", s.targetAccount, false),
        requestParameters: { snapshotId: snapshot, createVolumePermission: { add: { items: [{ userId: s.outsideAccount }] } }, attributeType: "CREATE_VOLUME_PERMISSION" },
        responseElements: { _return: true },
        resources: [{ accountId: s.targetAccount, type: "AWS::EC2::Snapshot", ARN: `arn:aws:ec2:${region}::snapshot/${snapshot}` }],
      }),
    },
  ];
}

/** The intrusion as records starting at `start` (a wave planted at a given time). */
export function attackRecords(accounts: readonly string[], wave: string, start: number, region = "us-east-1"): CloudTrailRecord[] {
  return attackSteps(accounts, wave, region).map((step) => step.make(start + step.dt));
}

/**
 * Writes a wave of the intrusion starting at `at` into a folder in the AWSLogs layout (one gzipped
 * log file per account the records name, as a trail delivers them); returns the files' paths.
 */
export async function writeAttackWave(dir: string, accounts: readonly string[], orgId: string, at: Date, region = "us-east-1"): Promise<string[]> {
  const { mkdir, writeFile } = await import("node:fs/promises");
  const path = await import("node:path");
  const { gzipSync } = await import("node:zlib");
  const wave = at.toISOString();
  const records = attackRecords(accounts, wave, at.getTime(), region);
  const byAccount = new Map<string, CloudTrailRecord[]>();
  for (const r of records) {
    const a = String(r.recipientAccountId);
    byAccount.set(a, [...(byAccount.get(a) ?? []), r]);
  }
  const last = new Date(at.getTime() + Math.max(...attackSteps(accounts, wave, region).map((s) => s.dt)) + 5 * 60_000);
  const stamp = last.toISOString().replace(/[-:]/g, "").slice(0, 13) + "Z";
  const day = last.toISOString().slice(0, 10).replace(/-/g, "/");
  const written: string[] = [];
  for (const [account, recs] of byAccount) {
    const folder = path.join(dir, "AWSLogs", orgId, account, "CloudTrail", region, ...day.split("/"));
    await mkdir(folder, { recursive: true });
    const file = path.join(folder, `${account}_CloudTrail_${region}_${stamp}_${hex(wave, account, 16)}.json.gz`);
    await writeFile(file, gzipSync(JSON.stringify({ Records: recs })));
    written.push(file);
  }
  return written;
}

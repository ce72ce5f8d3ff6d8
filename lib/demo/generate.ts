// Deterministic generator of realistic CloudTrail records, for `npm run demo`, the benchmarks and
// tests. Same options (including seed) → same records, byte for byte once serialized.
//
// Shape of the output: records in ascending eventTime over [start, end), second resolution, with a
// diurnal/weekly rhythm; several accounts of one organization and several regions (skewed toward
// us-east-1); Zipf-skewed principals (IAM users, assumed roles incl. IAM Identity Center and
// service-linked roles, root, AWS services, federated and web-identity users); management and data
// events; ~5% errors; Insights events (~0.1%); and three planted stories for a demo investigation
// (see DEMO_STORY).
//
// Speed: everything that does not vary per record (identities, pools, TLS details, user agents) is
// built once; a record costs a handful of PRNG draws and one object literal. Nested objects
// (userIdentity, tlsDetails, some requestParameters) are SHARED between records: treat yielded
// records as read-only (serialize them or copy before mutating).

import { attackSteps } from "./attack";
import { natGatewayAddress } from "./addresses";

export type CloudTrailRecord = Record<string, unknown>;

export interface GenerateOptions {
  /** Number of records to yield (Insights events included). */
  count: number;
  /** PRNG seed (default 1). */
  seed?: number;
  /** Inclusive start of the time range. */
  start: Date;
  /** Exclusive end of the time range. */
  end: Date;
  /** 12-digit account IDs; the first is the organization's management account. Default: 3 accounts. */
  accounts?: string[];
  /** Regions, most used first. Default: us-east-1, eu-west-1, eu-central-1, ap-southeast-2, us-west-2. */
  regions?: string[];
  /** Organization ID ("o-…"); only used by the corpus writer's key layout. */
  orgId?: string;
  /** Mix in Insights events (~0.1% of records). Default true. */
  insights?: boolean;
  /** Business-hours/weekday rhythm; false spreads records uniformly. Default true. */
  diurnal?: boolean;
  /** Plant the DEMO_STORY scenarios. Default true. */
  story?: boolean;
}

export const DEFAULT_ACCOUNTS: readonly string[] = ["408351722164", "715263048917", "290846113575"];
export const DEFAULT_REGIONS: readonly string[] = ["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2", "us-west-2"];
export const DEFAULT_ORG_ID = "o-7k2m9x4q1z";
const DEFAULT_REGION_WEIGHT: Record<string, number> = {
  "us-east-1": 45,
  "eu-west-1": 20,
  "us-west-2": 14,
  "eu-central-1": 13,
  "ap-southeast-2": 8,
};

// ---- the planted stories ------------------------------------------------------------------------

export interface DemoStory {
  /** IAM user (management account) that calls cloudtrail:StopLogging in the last week of the range. */
  stopLoggingUser: string;
  stopLoggingUserArn: string;
  stopLoggingAccount: string;
  /** Its long-term access key and the unusual IP it calls from. */
  stopLoggingAccessKeyId: string;
  stopLoggingIp: string;
  /** Role whose sessions collect many AccessDenied errors. */
  deniedRoleName: string;
  deniedRoleArn: string;
  /** principalArn of its sessions (the session name is constant). */
  deniedSessionArn: string;
  deniedAccount: string;
  /** Access key that is very busy during one day (busyDay). */
  busyAccessKeyId: string;
  busyUser: string;
  busyUserArn: string;
  busyIp: string;
}

export interface DemoStoryTimes {
  /** The StopLogging sequence starts at the first record at or after this instant. */
  stopLoggingAfter: Date;
  /** [start, end) of the busy day (a UTC day, clipped to the range). */
  busyDay: { start: Date; end: Date };
  /** The planted intrusion (lib/demo/attack.ts) starts at the first record at or after this instant. */
  attackAfter: Date;
}

const STORY_FIXED = {
  stopLoggingUser: "legacy-admin",
  stopLoggingPrincipalId: "AIDAZ4QK7XNM2RPLV6TC",
  stopLoggingAccessKeyId: "AKIAZ4QK7XNMYB2QHT5W",
  stopLoggingIp: "146.70.199.23",
  deniedRoleName: "DeployRole",
  deniedSession: "GitHubActions",
  busyUser: "svc-backup",
  busyPrincipalId: "AIDAW5RT3KQ6XJMB4NZL",
  busyAccessKeyId: "AKIAW5RT3KQ6R7LDXF2M",
  busyIp: "91.219.236.174",
};

/** The story's identities for a set of accounts (and, given a range, when things happen). */
export function demoStory(opts: { accounts?: readonly string[] } = {}): DemoStory {
  const accounts = opts.accounts?.length ? opts.accounts : DEFAULT_ACCOUNTS;
  const mgmt = accounts[0];
  const prod = accounts[1 % accounts.length];
  return {
    stopLoggingUser: STORY_FIXED.stopLoggingUser,
    stopLoggingUserArn: `arn:aws:iam::${mgmt}:user/${STORY_FIXED.stopLoggingUser}`,
    stopLoggingAccount: mgmt,
    stopLoggingAccessKeyId: STORY_FIXED.stopLoggingAccessKeyId,
    stopLoggingIp: STORY_FIXED.stopLoggingIp,
    deniedRoleName: STORY_FIXED.deniedRoleName,
    deniedRoleArn: `arn:aws:iam::${prod}:role/${STORY_FIXED.deniedRoleName}`,
    deniedSessionArn: `arn:aws:sts::${prod}:assumed-role/${STORY_FIXED.deniedRoleName}/${STORY_FIXED.deniedSession}`,
    deniedAccount: prod,
    busyAccessKeyId: STORY_FIXED.busyAccessKeyId,
    busyUser: STORY_FIXED.busyUser,
    busyUserArn: `arn:aws:iam::${prod}:user/${STORY_FIXED.busyUser}`,
    busyIp: STORY_FIXED.busyIp,
  };
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MIN = 60_000;

/** When the stories happen for a given range. */
export function demoStoryTimes(opts: { start: Date; end: Date }): DemoStoryTimes {
  const s = opts.start.getTime();
  const e = opts.end.getTime();
  const span = e - s;
  const stopAt = e - Math.min(span * 0.15, 3 * DAY);
  const mid = s + span * 0.6;
  const dayStart = Math.floor(mid / DAY) * DAY;
  return {
    stopLoggingAfter: new Date(Math.floor(stopAt)),
    busyDay: { start: new Date(Math.max(dayStart, s)), end: new Date(Math.min(dayStart + DAY, e)) },
    attackAfter: new Date(Math.floor(e - Math.min(span * 0.08, 2 * DAY))),
  };
}

/** Story identities for the default accounts. */
export const DEMO_STORY: DemoStory = demoStory();

// ---- PRNG and small helpers ---------------------------------------------------------------------

function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** sfc32: small, fast, 128-bit state. Different `stream`s of one seed are independent. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number, stream = 0) {
    const s = Number.isFinite(seed) ? Math.floor(seed) : 0;
    const lo = s >>> 0;
    const hi = Math.floor(s / 4294967296) >>> 0;
    this.a = mix32(lo ^ 0x9e3779b9);
    this.b = mix32(hi ^ 0x85ebca6b ^ mix32(stream + 0x27d4eb2f));
    this.c = mix32(this.a ^ this.b ^ (stream * 0x165667b1));
    this.d = 1;
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(arr: readonly T[]): T {
    return arr[Math.floor(this.float() * arr.length)];
  }
}

const HEX1 = "0123456789abcdef".split("");
const HEX2: string[] = Array.from({ length: 256 }, (_, i) => HEX1[i >> 4] + HEX1[i & 15]);
const HEX2U: string[] = HEX2.map((h) => h.toUpperCase());
function hex8(x: number): string {
  return HEX2[x >>> 24] + HEX2[(x >>> 16) & 255] + HEX2[(x >>> 8) & 255] + HEX2[x & 255];
}
function uuidOf(a: number, b: number, c: number, d: number): string {
  return (
    hex8(a) + "-" + HEX2[b >>> 24] + HEX2[(b >>> 16) & 255] + "-4" + HEX1[(b >>> 8) & 15] + HEX2[b & 255] + "-" +
    HEX1[8 | ((c >>> 28) & 3)] + HEX1[(c >>> 24) & 15] + HEX2[(c >>> 16) & 255] + "-" + HEX2[(c >>> 8) & 255] + HEX2[c & 255] + hex8(d)
  );
}
/** Random uuid v4. */
function uuid(r: Rng): string {
  return uuidOf(r.u32(), r.u32(), r.u32(), r.u32());
}
function hexStr(r: Rng, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += HEX1[r.u32() & 15];
  return s;
}
function upperHex16(r: Rng): string {
  const a = r.u32();
  const b = r.u32();
  return HEX2U[a >>> 24] + HEX2U[(a >>> 16) & 255] + HEX2U[(a >>> 8) & 255] + HEX2U[a & 255] + HEX2U[b >>> 24] + HEX2U[(b >>> 16) & 255] + HEX2U[(b >>> 8) & 255] + HEX2U[b & 255];
}
const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
export function randString(r: Rng, alphabet: string, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[r.int(alphabet.length)];
  return s;
}
/** IAM-style unique ids: AIDA…, AROA…, AKIA…, ASIA… (prefix + 16 base32 chars). */
function iamId(r: Rng, prefix: string): string {
  return prefix + randString(r, B32, 16);
}

class Weighted<T> {
  readonly items: T[];
  private readonly cum: Float64Array;
  readonly total: number;
  constructor(pairs: ReadonlyArray<readonly [T, number]>) {
    const kept = pairs.filter(([, w]) => w > 0);
    if (kept.length === 0) throw new Error("Weighted: no positive weight");
    this.items = kept.map(([v]) => v);
    this.cum = new Float64Array(kept.length);
    let acc = 0;
    kept.forEach(([, w], i) => {
      acc += w;
      this.cum[i] = acc;
    });
    this.total = acc;
  }
  pick(r: Rng): T {
    const x = r.float() * this.total;
    const cum = this.cum;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo];
  }
}

function zipf(n: number, s: number): number[] {
  return Array.from({ length: n }, (_, i) => 1 / Math.pow(i + 1, s));
}

function shuffle<T>(r: Rng, arr: T[]): T[] {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [arr[i], arr[j]] = [arr[j], arr[i]];
  }
  return arr;
}

const P2: string[] = Array.from({ length: 60 }, (_, i) => (i < 10 ? "0" + i : String(i)));
let isoDay = NaN;
let isoDayPrefix = "";
/** "2026-11-20T13:45:12Z" (milliseconds dropped). */
export function isoSeconds(ms: number): string {
  const sec = Math.floor(ms / 1000);
  const day = Math.floor(sec / 86400);
  if (day !== isoDay) {
    isoDay = day;
    isoDayPrefix = new Date(day * DAY).toISOString().slice(0, 11);
  }
  let rest = sec - day * 86400;
  const h = (rest / 3600) | 0;
  rest -= h * 3600;
  const m = (rest / 60) | 0;
  return isoDayPrefix + P2[h] + ":" + P2[m] + ":" + P2[rest - m * 60] + "Z";
}
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}
/** "Nov 20, 2026, 1:45:12 PM", the format IAM/STS responseElements use. */
function awsDate(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${h % 12 || 12}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} ${h >= 12 ? "PM" : "AM"}`;
}

function publicIPv4(r: Rng): string {
  for (;;) {
    const a = 1 + r.int(223);
    const b = r.int(256);
    if (a === 10 || a === 127 || a === 0) continue;
    if (a === 172 && b >= 16 && b < 32) continue;
    if (a === 192 && (b === 168 || b === 0)) continue;
    if (a === 169 && b === 254) continue;
    if (a === 100 && b >= 64 && b < 128) continue;
    if (a === 198 && (b === 18 || b === 19 || b === 51)) continue;
    if (a === 203 && b === 0) continue;
    return `${a}.${b}.${r.int(256)}.${1 + r.int(254)}`;
  }
}
const V6_PREFIXES = ["2a02:8109", "2601:647", "2003:e2", "2406:2d40", "2600:1700", "2a01:cb00", "2001:9e8"];
function publicIPv6(r: Rng): string {
  const h = (): string => (r.u32() & 0xffff).toString(16);
  return `${r.pick(V6_PREFIXES)}:${h()}:${h()}:${h()}:${h()}:${h()}:${h()}`;
}
function privateIPv4(r: Rng, second: number): string {
  return `10.${second}.${r.int(256)}.${4 + r.int(250)}`;
}

// ---- user agents --------------------------------------------------------------------------------

const BROWSERS = [
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
];
const CLI_VERSIONS = ["2.22.35", "2.22.10", "2.21.3", "2.19.1", "2.17.46", "2.15.30", "2.13.25"];
const CLI_OS = ["macos#24.1.0 md/arch#arm64", "macos#23.6.0 md/arch#x86_64", "linux#6.8.0-49-generic md/arch#x86_64", "windows#10 md/arch#amd64"];
const CLI_CMDS = ["s3.ls", "s3.cp", "ec2.describe-instances", "sts.get-caller-identity", "logs.tail", "ssm.start-session", "iam.list-roles", "lambda.invoke", "s3.sync"];
function cliUA(r: Rng): string {
  return `aws-cli/${r.pick(CLI_VERSIONS)} md/awscrt#0.23.4 ua/2.0 os/${r.pick(CLI_OS)} lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#${r.pick(CLI_CMDS)}`;
}
const BOTO_VERSIONS = ["1.35.90", "1.35.36", "1.34.162", "1.34.69", "1.33.13"];
function botoUA(r: Rng, lambda: boolean): string {
  const v = r.pick(BOTO_VERSIONS);
  const env = lambda ? " exec-env/AWS_Lambda_python3.12" : "";
  return `Boto3/${v} md/Botocore#${v} ua/2.0 os/linux#5.10.230-223.885.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.8 md/pyimpl#CPython${env} cfg/retry-mode#legacy Botocore/${v}`;
}
function goUA(r: Rng, api: string): string {
  return `aws-sdk-go-v2/1.32.${r.int(8)} ua/2.1 os/linux lang/go#1.23.${r.int(5)} md/GOOS#linux md/GOARCH#amd64 api/${api}#1.${40 + r.int(60)}.${r.int(9)} m/E`;
}
function jsUA(r: Rng, api: string): string {
  const v = `3.${700 + r.int(40)}.0`;
  return `aws-sdk-js/${v} ua/2.1 os/linux#5.10.230-223.885.amzn2.x86_64 lang/js md/nodejs#20.18.1 api/${api}#${v} m/E,N`;
}
function javaUA(r: Rng): string {
  return `aws-sdk-java/2.29.${r.int(60)} ua/2.1 os/Linux#5.10.230-223.885.amzn2.x86_64 lang/java#17.0.13 md/OpenJDK_64-Bit_Server_VM#17.0.13+11-LTS md/vendor#Amazon.com_Inc. md/en_US exec-env/AWS_ECS_FARGATE m/D,N`;
}
function terraformUA(r: Rng): string {
  return `APN/1.0 HashiCorp/1.0 Terraform/1.9.${r.int(9)} (+https://www.terraform.io) terraform-provider-aws/5.8${r.int(10)}.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.7 ua/2.1 os/linux lang/go#1.23.4 md/GOOS#linux md/GOARCH#amd64 api/sts#1.33.3 m/E`;
}
const SSM_AGENT_UA = "aws-sdk-go/1.55.5 (go1.22.7; linux; amd64) amazon-ssm-agent/3.3.1142.0";
const GH_ACTION_UA = "aws-sdk-nodejs/2.1692.0 linux/v20.18.1 configure-aws-credentials-for-github-actions promise";

// ---- operations ---------------------------------------------------------------------------------

/** Who calls an operation: H console human, C CLI human, D deploy/CI, W workload, S AWS service,
 * R service-linked role, X root, A the legacy admin. */
type Prof = "H" | "C" | "D" | "W" | "S" | "R" | "X" | "A";
type EventType = "AwsApiCall" | "AwsServiceEvent" | "AwsConsoleSignIn";

interface Ctx {
  g: Generator_;
  r: Rng;
  a: Acct;
  actor: Actor;
  region: string;
  ri: number;
  t: number;
  iso: string;
  rp: unknown;
  re: unknown;
  res: Record<string, unknown>[] | undefined;
  add: Record<string, unknown> | undefined;
  /** Resource named in an AccessDenied message. */
  resArn: string | undefined;
  shared: boolean;
  /** Account of a cross-account counterpart record (AssumeRole/KMS). */
  cross: Acct | undefined;
  /** TLS host override (S3 virtual-hosted style). */
  host: string | undefined;
  /** Name used in NoSuchEntity-like error messages. */
  noun: string | undefined;
}
type Builder = (c: Ctx) => void;

interface OpDef {
  src: string;
  name: string;
  ro: boolean;
  data?: boolean;
  global?: boolean;
  type?: EventType;
  ver?: string;
  api?: string;
  action?: string;
  w: Partial<Record<Prof, number>>;
  build?: Builder;
}

interface Op extends OpDef {
  index: number;
  source: string;
  type: EventType;
  ver: string;
  iamAction: string;
  errs: Weighted<string>;
  errRate: number;
}

// A few constant request parameter objects (shared, read-only).
const RP_FILTER = { filterSet: {} };
const RP_DESC_INST = { instancesSet: {}, filterSet: {} };
const RP_MAXITEMS = { maxItems: 1000 };
const RP_LIMIT50 = { limit: 50 };
const EMPTY = {};

function bucketRes(c: Ctx, bucket: string): Record<string, unknown>[] {
  return [{ accountId: c.a.id, type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${bucket}` }];
}

const objectKey = (c: Ctx, bucket: string): string => {
  const r = c.r;
  const d = c.iso;
  if (bucket.includes("terraform-state")) return `env/${c.a.env}/${r.pick(["network", "iam", "eks", "data", "edge"])}/terraform.tfstate`;
  if (bucket.includes("customer-data")) return `exports/customers/${d.slice(0, 4)}/${d.slice(5, 7)}/part-${String(r.int(4000)).padStart(5, "0")}.csv.gz`;
  if (bucket.includes("data-lake")) return `raw/events/dt=${d.slice(0, 10)}/hour=${d.slice(11, 13)}/part-${String(r.int(500)).padStart(5, "0")}-${hexStr(r, 8)}.snappy.parquet`;
  if (bucket.includes("assets") || bucket.includes("static")) return `static/${r.pick(["js", "css", "img", "fonts"])}/${r.pick(["main", "vendor", "app", "chunk"])}.${hexStr(r, 8)}.${r.pick(["js", "css", "png", "woff2"])}`;
  if (bucket.includes("backups")) return `db/${c.a.env}-orders/${d.slice(0, 10)}/dump-${pad2(r.int(24))}.sql.gz`;
  if (bucket.includes("logs")) return `alb/AWSLogs/${c.a.id}/elasticloadbalancing/${c.region}/${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}/${hexStr(r, 12)}.log.gz`;
  return `uploads/${hexStr(r, 8)}/${r.pick(["invoice", "avatar", "report", "receipt"])}-${r.int(100000)}.${r.pick(["pdf", "png", "json"])}`;
};

function s3Object(c: Ctx, write: boolean): void {
  const bucket = c.actor.buckets ? c.actor.buckets.pick(c.r) : c.a.buckets.pick(c.r);
  const key = objectKey(c, bucket);
  c.host = `${bucket}.s3.${c.region}.amazonaws.com`;
  c.rp = write
    ? { bucketName: bucket, Host: c.host, key, "x-amz-server-side-encryption": "aws:kms" }
    : { bucketName: bucket, Host: c.host, key };
  c.re = write ? { "x-amz-server-side-encryption": "aws:kms", "x-amz-version-id": randString(c.r, ALNUM, 32) } : null;
  c.add = {
    SignatureVersion: "SigV4",
    CipherSuite: "TLS_AES_128_GCM_SHA256",
    bytesTransferredIn: write ? 512 + c.r.int(2_000_000) : 0,
    AuthenticationMethod: "AuthHeader",
    "x-amz-id-2": c.g.amzId2(),
    bytesTransferredOut: write ? 0 : 128 + c.r.int(5_000_000),
  };
  c.res = [
    { type: "AWS::S3::Object", ARN: `arn:aws:s3:::${bucket}/${key}` },
    { accountId: c.a.id, type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${bucket}` },
  ];
  c.resArn = `arn:aws:s3:::${bucket}/${key}`;
}

function s3Bucket(c: Ctx, extra?: string): void {
  const bucket = c.a.buckets.pick(c.r);
  c.host = `${bucket}.s3.${c.region}.amazonaws.com`;
  c.rp = extra ? { bucketName: bucket, Host: c.host, [extra]: "" } : { bucketName: bucket, Host: c.host };
  c.res = bucketRes(c, bucket);
  c.resArn = `arn:aws:s3:::${bucket}`;
  c.add = { SignatureVersion: "SigV4", CipherSuite: "TLS_AES_128_GCM_SHA256", bytesTransferredIn: 0, AuthenticationMethod: "AuthHeader", "x-amz-id-2": c.g.amzId2(), bytesTransferredOut: 300 + c.r.int(2000) };
}

function instance(c: Ctx): string {
  return c.r.pick(c.a.instances);
}

function kmsKeyArn(c: Ctx, a = c.a): string {
  return `arn:aws:kms:${c.region}:${a.id}:key/${c.r.pick(a.kmsKeys)}`;
}

function kmsRes(c: Ctx, arn: string, a = c.a): void {
  c.res = [{ accountId: a.id, type: "AWS::KMS::Key", ARN: arn }];
  c.resArn = arn;
}

function roleName(c: Ctx): string {
  return c.r.pick(c.a.roles).name;
}

function userName(c: Ctx): string {
  return c.r.pick(c.a.userNames);
}

function functionArn(c: Ctx, fn?: string): string {
  return `arn:aws:lambda:${c.region}:${c.a.id}:function:${fn ?? c.r.pick(c.a.functions)}`;
}

function tableName(c: Ctx): string {
  return c.r.pick(c.a.tables);
}

function secretArn(c: Ctx): string {
  return `arn:aws:secretsmanager:${c.region}:${c.a.id}:secret:${c.r.pick(c.a.secrets)}`;
}

function logGroup(c: Ctx): string {
  return c.r.pick(c.a.logGroups);
}

function ddbData(c: Ctx, extra?: Record<string, unknown>): void {
  const table = tableName(c);
  const arn = `arn:aws:dynamodb:${c.region}:${c.a.id}:table/${table}`;
  c.rp = { tableName: table, key: { pk: "HIDDEN_DUE_TO_SECURITY_REASONS", sk: "HIDDEN_DUE_TO_SECURITY_REASONS" }, ...extra };
  c.res = [{ accountId: c.a.id, type: "AWS::DynamoDB::Table", ARN: arn }];
  c.resArn = arn;
}

function kmsDecryptContext(c: Ctx): Record<string, unknown> {
  const by = c.actor.invokedBy;
  const r = c.r;
  if (by === "secretsmanager.amazonaws.com") return { SecretARN: secretArn(c), SecretVersionId: uuid(r) };
  if (by === "s3.amazonaws.com") {
    const b = c.a.buckets.pick(r);
    return { "aws:s3:arn": `arn:aws:s3:::${b}/${objectKey(c, b)}` };
  }
  if (by === "dynamodb.amazonaws.com") return { "aws:dynamodb:tableName": tableName(c), "aws:dynamodb:subscriberId": c.a.id };
  if (by === "lambda.amazonaws.com") return { "aws:lambda:FunctionArn": functionArn(c) };
  if (by === "ec2.amazonaws.com") return { "aws:ebs:id": `vol-0${hexStr(r, 16)}` };
  return { "aws:lambda:FunctionArn": functionArn(c) };
}

function crossKms(c: Ctx): void {
  // Now and then a workload decrypts with a key shared from another account: both accounts log it.
  if (c.actor.prof === "W" && c.g.accounts.length > 1 && c.r.chance(0.04)) {
    const other = c.g.otherAccount(c.a);
    const arn = kmsKeyArn(c, other);
    kmsRes(c, arn, other);
    c.cross = other;
    c.shared = true;
    return;
  }
  kmsRes(c, kmsKeyArn(c));
  if (c.actor.kind === "service" && c.r.chance(0.12)) c.shared = true;
}

const B: Record<string, Builder> = {
  describeInstances: (c) => {
    if (c.r.chance(0.3)) {
      const id = instance(c);
      c.rp = { instancesSet: { items: [{ instanceId: id }] }, filterSet: {} };
      c.resArn = undefined;
      c.noun = id;
    } else c.rp = RP_DESC_INST;
  },
  filter: (c) => {
    c.rp = RP_FILTER;
  },
  describeImages: (c) => {
    c.rp = { executableBySet: {}, imagesSet: {}, ownersSet: { items: [{ owner: "self" }] }, filterSet: {} };
  },
  instanceState: (c) => {
    const id = instance(c);
    c.noun = id;
    c.rp = { instancesSet: { items: [{ instanceId: id }] } };
    const stop = c.actor.prof !== "X" && c.r.chance(0.5);
    c.re = { requestId: uuid(c.r), instancesSet: { items: [{ instanceId: id, currentState: stop ? { code: 64, name: "stopping" } : { code: 0, name: "pending" }, previousState: stop ? { code: 16, name: "running" } : { code: 80, name: "stopped" } }] } };
  },
  runInstances: (c) => {
    const id = `i-0${hexStr(c.r, 16)}`;
    const type = c.r.pick(["t3.medium", "m6i.large", "c6g.xlarge", "t3a.small", "r6i.2xlarge", "m7g.large"]);
    const ami = c.r.pick(c.a.amis);
    c.rp = {
      instancesSet: { items: [{ imageId: ami, minCount: 1, maxCount: 1 }] },
      instanceType: type,
      blockDeviceMapping: {},
      monitoring: { enabled: false },
      disableApiTermination: false,
      disableApiStop: false,
      clientToken: uuid(c.r),
      tagSpecificationSet: { items: [{ resourceType: "instance", tags: [{ key: "Name", value: `${c.a.env}-${c.r.pick(["web", "worker", "batch", "bastion"])}` }] }] },
    };
    c.re = {
      requestId: uuid(c.r),
      reservationId: `r-0${hexStr(c.r, 16)}`,
      ownerId: c.a.id,
      groupSet: {},
      instancesSet: { items: [{ instanceId: id, imageId: ami, currentInstanceBootMode: "uefi", instanceState: { code: 0, name: "pending" }, privateDnsName: `ip-10-${c.a.index}-${c.r.int(256)}-${c.r.int(256)}.ec2.internal`, instanceType: type, launchTime: c.t }] },
    };
  },
  terminateInstances: (c) => {
    const id = instance(c);
    c.noun = id;
    c.rp = { instancesSet: { items: [{ instanceId: id }] } };
    c.re = { requestId: uuid(c.r), instancesSet: { items: [{ instanceId: id, currentState: { code: 32, name: "shutting-down" }, previousState: { code: 16, name: "running" } }] } };
  },
  createTags: (c) => {
    c.rp = { resourcesSet: { items: [{ resourceId: instance(c) }] }, tagSet: { items: [{ key: c.r.pick(["Owner", "CostCenter", "Environment", "Name"]), value: c.a.env }] } };
    c.re = { requestId: uuid(c.r), _return: true };
  },
  sgIngress: (c) => {
    const sg = c.r.pick(c.a.securityGroups);
    const open = c.r.chance(0.15);
    c.rp = { groupId: sg, ipPermissions: { items: [{ ipProtocol: "tcp", fromPort: open ? 22 : 443, toPort: open ? 22 : 443, groups: {}, ipRanges: { items: [{ cidrIp: open ? "0.0.0.0/0" : "10.0.0.0/8" }] }, ipv6Ranges: {}, prefixListIds: {} }] } };
    c.re = { requestId: uuid(c.r), _return: true, securityGroupRuleSet: { items: [{ groupOwnerId: c.a.id, groupId: sg, securityGroupRuleId: `sgr-0${hexStr(c.r, 16)}`, isEgress: false, ipProtocol: "tcp", fromPort: open ? 22 : 443, toPort: open ? 22 : 443, cidrIpv4: open ? "0.0.0.0/0" : "10.0.0.0/8" }] } };
  },
  createSg: (c) => {
    const name = `${c.a.env}-${c.r.pick(["alb", "app", "db", "cache"])}-${hexStr(c.r, 4)}`;
    c.rp = { groupName: name, groupDescription: "Managed by Terraform", vpcId: c.a.vpc };
    c.re = { requestId: uuid(c.r), _return: true, groupId: `sg-0${hexStr(c.r, 16)}` };
  },
  // IAM
  getRole: (c) => {
    const n = roleName(c);
    c.noun = `role with name ${n}`;
    c.rp = { roleName: n };
    c.resArn = `arn:aws:iam::${c.a.id}:role/${n}`;
  },
  getUser: (c) => {
    const n = userName(c);
    c.noun = `user with name ${n}`;
    c.rp = { userName: n };
    c.resArn = `arn:aws:iam::${c.a.id}:user/${n}`;
  },
  getPolicy: (c) => {
    const p = c.r.pick(c.a.policies);
    c.noun = `policy ${p}`;
    c.rp = { policyArn: p };
    c.resArn = p;
  },
  getPolicyVersion: (c) => {
    c.rp = { policyArn: c.r.pick(c.a.policies), versionId: `v${1 + c.r.int(5)}` };
  },
  maxItems: (c) => {
    c.rp = RP_MAXITEMS;
  },
  roleScoped: (c) => {
    const n = roleName(c);
    c.rp = { roleName: n };
    c.resArn = `arn:aws:iam::${c.a.id}:role/${n}`;
    c.noun = `role with name ${n}`;
  },
  userScoped: (c) => {
    const n = userName(c);
    c.rp = { userName: n };
    c.resArn = `arn:aws:iam::${c.a.id}:user/${n}`;
    c.noun = `user with name ${n}`;
  },
  createUser: (c) => {
    const n = `${c.r.pick(["svc", "app", "ext", "tmp", "ci"])}-${c.r.pick(["reporting", "etl", "sync", "partner", "monitor", "backup"])}${c.r.chance(0.5) ? "-" + c.r.int(100) : ""}`;
    c.rp = { userName: n, tags: [] };
    c.re = { user: { path: "/", userName: n, userId: iamId(c.r, "AIDA"), arn: `arn:aws:iam::${c.a.id}:user/${n}`, createDate: awsDate(c.t) } };
    c.resArn = `arn:aws:iam::${c.a.id}:user/${n}`;
    c.noun = `User with name ${n}`;
  },
  deleteUser: (c) => {
    const n = userName(c);
    c.rp = { userName: n };
    c.resArn = `arn:aws:iam::${c.a.id}:user/${n}`;
    c.noun = `user with name ${n}`;
  },
  createAccessKey: (c) => {
    const n = userName(c);
    c.rp = { userName: n };
    c.re = { accessKey: { userName: n, accessKeyId: iamId(c.r, "AKIA"), status: "Active", createDate: awsDate(c.t) } };
    c.resArn = `arn:aws:iam::${c.a.id}:user/${n}`;
    c.noun = `user with name ${n}`;
  },
  accessKeyScoped: (c) => {
    const n = userName(c);
    c.rp = { userName: n, accessKeyId: iamId(c.r, "AKIA") };
    c.resArn = `arn:aws:iam::${c.a.id}:user/${n}`;
    c.noun = `user with name ${n}`;
  },
  attachRolePolicy: (c) => {
    const n = roleName(c);
    c.rp = { roleName: n, policyArn: c.r.pick(["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonS3FullAccess", ...c.a.policies]) };
    c.resArn = `arn:aws:iam::${c.a.id}:role/${n}`;
    c.noun = `role with name ${n}`;
  },
  attachUserPolicy: (c) => {
    const n = userName(c);
    c.rp = { userName: n, policyArn: c.r.pick(["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"]) };
    c.resArn = `arn:aws:iam::${c.a.id}:user/${n}`;
    c.noun = `user with name ${n}`;
  },
  putRolePolicy: (c) => {
    const n = roleName(c);
    c.rp = { roleName: n, policyName: `${c.r.pick(["inline", "s3-access", "kms-use", "deploy"])}-policy`, policyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"}]}' };
    c.resArn = `arn:aws:iam::${c.a.id}:role/${n}`;
    c.noun = `role with name ${n}`;
  },
  createRole: (c) => {
    const n = `${c.a.env}-${c.r.pick(["svc", "task", "lambda", "ci"])}-${c.r.pick(["reporter", "resizer", "indexer", "sync"])}-role`;
    const id = iamId(c.r, "AROA");
    c.rp = { roleName: n, assumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}', maxSessionDuration: 3600 };
    c.re = { role: { path: "/", roleName: n, roleId: id, arn: `arn:aws:iam::${c.a.id}:role/${n}`, createDate: awsDate(c.t), assumeRolePolicyDocument: "%7B%22Version%22%3A%222012-10-17%22%7D" } };
    c.resArn = `arn:aws:iam::${c.a.id}:role/${n}`;
    c.noun = `Role with name ${n}`;
  },
  createPolicyVersion: (c) => {
    c.rp = { policyArn: c.r.pick(c.a.policies), policyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}', setAsDefault: true };
    c.re = { policyVersion: { versionId: `v${2 + c.r.int(4)}`, isDefaultVersion: true, createDate: awsDate(c.t) } };
  },
  // STS
  assumeRole: (c) => c.g.buildAssumeRole(c),
  getCallerIdentity: () => undefined,
  // KMS
  decrypt: (c) => {
    c.rp = c.actor.kind === "service" || c.r.chance(0.5) ? { encryptionContext: kmsDecryptContext(c), encryptionAlgorithm: "SYMMETRIC_DEFAULT" } : { encryptionAlgorithm: "SYMMETRIC_DEFAULT" };
    crossKms(c);
  },
  generateDataKey: (c) => {
    crossKms(c);
    c.rp = { keyId: c.resArn, encryptionContext: kmsDecryptContext(c), keySpec: "AES_256" };
  },
  keyScoped: (c) => {
    const arn = kmsKeyArn(c);
    c.rp = { keyId: arn };
    kmsRes(c, arn);
  },
  rotateKey: (c) => {
    const arn = kmsKeyArn(c);
    kmsRes(c, arn);
    c.rp = null;
    c.add = { keyId: arn };
  },
  createGrant: (c) => {
    const arn = kmsKeyArn(c);
    kmsRes(c, arn);
    c.rp = { keyId: arn, granteePrincipal: `${c.region}.${c.r.pick(["ebs", "rds", "lambda"])}.amazonaws.com`, operations: ["Decrypt", "Encrypt", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo", "CreateGrant"] };
    c.re = { grantId: hexStr(c.r, 64), keyId: arn };
  },
  // Lambda
  invoke: (c) => {
    const arn = functionArn(c);
    c.rp = { functionName: arn, invocationType: c.r.chance(0.8) ? "RequestResponse" : "Event" };
    c.res = [{ accountId: c.a.id, type: "AWS::Lambda::Function", ARN: arn }];
    c.resArn = arn;
    c.noun = arn;
  },
  fnScoped: (c) => {
    const fn = c.r.pick(c.a.functions);
    c.rp = { functionName: fn };
    c.resArn = functionArn(c, fn);
    c.noun = c.resArn;
  },
  updateCode: (c) => {
    const fn = c.r.pick(c.a.functions);
    c.rp = { functionName: fn, publish: false, dryRun: false, s3Bucket: c.a.buckets.items[0], s3Key: `lambda/${fn}/${hexStr(c.r, 40)}.zip` };
    c.re = { functionName: fn, functionArn: functionArn(c, fn), runtime: c.r.pick(["python3.12", "nodejs20.x", "java21", "provided.al2023"]), codeSize: 10_000 + c.r.int(40_000_000), lastModified: c.iso.replace("Z", ".000+0000"), state: "Active", lastUpdateStatus: "InProgress" };
    c.resArn = functionArn(c, fn);
  },
  // Logs
  createLogStream: (c) => {
    c.rp = { logGroupName: logGroup(c), logStreamName: `${c.iso.slice(0, 10).replace(/-/g, "/")}/[$LATEST]${hexStr(c.r, 32)}` };
  },
  logGroupScoped: (c) => {
    c.rp = { logGroupName: logGroup(c) };
  },
  filterLogEvents: (c) => {
    c.rp = { logGroupName: logGroup(c), startTime: c.t - 3600_000, endTime: c.t, filterPattern: c.r.pick(["ERROR", "\"Task timed out\"", "?Exception ?error", "{ $.status = 500 }"]) };
  },
  limit50: (c) => {
    c.rp = RP_LIMIT50;
  },
  // DynamoDB
  getItem: (c) => ddbData(c, { consistentRead: c.r.chance(0.3) }),
  putItem: (c) => ddbData(c),
  query: (c) => {
    const table = tableName(c);
    const arn = `arn:aws:dynamodb:${c.region}:${c.a.id}:table/${table}`;
    c.rp = { tableName: table, keyConditionExpression: "pk = :pk", expressionAttributeValues: { ":pk": "HIDDEN_DUE_TO_SECURITY_REASONS" }, limit: 100 };
    c.res = [{ accountId: c.a.id, type: "AWS::DynamoDB::Table", ARN: arn }];
    c.resArn = arn;
  },
  tableScoped: (c) => {
    const table = tableName(c);
    c.rp = { tableName: table };
    c.resArn = `arn:aws:dynamodb:${c.region}:${c.a.id}:table/${table}`;
    c.noun = table;
  },
  // Secrets Manager / SSM
  getSecretValue: (c) => {
    const arn = secretArn(c);
    c.rp = { secretId: arn };
    c.resArn = arn;
  },
  getParameter: (c) => {
    c.rp = { name: c.r.pick(c.a.parameters), withDecryption: c.r.chance(0.6) };
  },
  getParameters: (c) => {
    c.rp = { names: [c.r.pick(c.a.parameters), c.r.pick(c.a.parameters)], withDecryption: true };
  },
  updateInstanceInformation: (c) => {
    c.rp = { instanceId: instance(c), agentVersion: "3.3.1142.0", agentStatus: "Active", platformType: "Linux", platformName: "Amazon Linux", platformVersion: "2023", iPAddress: privateIPv4(c.r, c.a.index), computerName: `ip-10-${c.a.index}-${c.r.int(256)}-${c.r.int(256)}.ec2.internal`, agentName: "amazon-ssm-agent", availabilityZone: `${c.region}${c.r.pick(["a", "b", "c"])}`, availabilityZoneId: `use1-az${1 + c.r.int(6)}` };
  },
  startSession: (c) => {
    const id = instance(c);
    c.rp = { target: id };
    c.re = { sessionId: `${c.actor.shortName ?? "user"}-${hexStr(c.r, 17)}`, tokenValue: "Value hidden due to security reasons.", streamUrl: `wss://ssmmessages.${c.region}.amazonaws.com/v1/data-channel/${hexStr(c.r, 17)}?role=publish_subscribe` };
    c.res = [{ accountId: c.a.id, type: "AWS::EC2::Instance", ARN: `arn:aws:ec2:${c.region}:${c.a.id}:instance/${id}` }];
  },
  // CloudTrail
  trailScoped: (c) => {
    c.rp = { name: c.g.trailArn };
    c.res = [{ accountId: c.g.accounts[0].id, type: "AWS::CloudTrail::Trail", ARN: c.g.trailArn }];
    c.resArn = c.g.trailArn;
    c.noun = c.g.trailArn;
  },
  lookupEvents: (c) => {
    c.rp = { maxResults: 50, lookupAttributes: c.r.chance(0.5) ? [{ attributeKey: "EventName", attributeValue: c.r.pick(["ConsoleLogin", "RunInstances", "DeleteBucket", "CreateUser"]) }] : [] };
  },
  putEventSelectors: (c) => {
    c.rp = { trailName: c.g.trailArn, eventSelectors: [{ readWriteType: "All", includeManagementEvents: true, dataResources: [{ type: "AWS::S3::Object", values: ["arn:aws:s3"] }], excludeManagementEventSources: [] }] };
    c.re = { trailARN: c.g.trailArn, eventSelectors: [{ readWriteType: "All", includeManagementEvents: true, dataResources: [{ type: "AWS::S3::Object", values: ["arn:aws:s3"] }], excludeManagementEventSources: [] }] };
    c.resArn = c.g.trailArn;
  },
  // Misc
  stackScoped: (c) => {
    c.rp = { stackName: `${c.a.env}-${c.r.pick(["network", "app", "data", "edge", "monitoring"])}` };
  },
  changeSet: (c) => {
    const stack = `${c.a.env}-${c.r.pick(["network", "app", "data", "edge", "monitoring"])}`;
    c.rp = { stackName: stack, changeSetName: `cdk-deploy-change-set-${hexStr(c.r, 6)}` };
    c.re = { id: `arn:aws:cloudformation:${c.region}:${c.a.id}:changeSet/cdk-deploy-change-set/${uuid(c.r)}`, stackId: `arn:aws:cloudformation:${c.region}:${c.a.id}:stack/${stack}/${uuid(c.r)}` };
  },
  costAndUsage: (c) => {
    c.rp = { timePeriod: { start: c.iso.slice(0, 8) + "01", end: c.iso.slice(0, 10) }, granularity: "DAILY", metrics: ["UnblendedCost"], groupBy: [{ type: "DIMENSION", key: "SERVICE" }] };
  },
  putEvaluations: (c) => {
    c.rp = { evaluations: [{ complianceResourceType: "AWS::EC2::Instance", complianceResourceId: instance(c), complianceType: c.r.chance(0.8) ? "COMPLIANT" : "NON_COMPLIANT", orderingTimestamp: c.iso }], resultToken: "HIDDEN_DUE_TO_SECURITY_REASONS", testMode: false };
  },
  ecrToken: (c) => {
    c.rp = { registryIds: [c.a.id] };
  },
  metricData: (c) => {
    c.rp = { startTime: awsDate(c.t - 3 * 3600_000), endTime: awsDate(c.t), metricDataQueries: [{ id: "m1", metricStat: { metric: { namespace: "AWS/EC2", metricName: "CPUUtilization" }, period: 300, stat: "Average" } }] };
  },
};


function o(src: string, name: string, ro: boolean, w: Partial<Record<Prof, number>>, build?: Builder | string, extra: Partial<OpDef> = {}): OpDef {
  const b = typeof build === "string" ? B[build] : build;
  if (typeof build === "string" && !b) throw new Error(`unknown builder ${build}`);
  return { src, name, ro, w, build: b, ...extra };
}
const DATA = { data: true };
const GLOBAL = { global: true };

const OP_DEFS: OpDef[] = [
  // --- STS
  o("sts", "AssumeRole", true, { H: 1, C: 5, D: 2, W: 2, S: 20, A: 0.5 }, "assumeRole"),
  o("sts", "GetCallerIdentity", true, { H: 0.5, C: 8, D: 6, W: 1, A: 5, X: 1 }, "getCallerIdentity"),
  o("sts", "GetSessionToken", true, { C: 0.3 }),
  o("sts", "DecodeAuthorizationMessage", true, { C: 0.05, D: 0.05 }),
  // --- S3 management
  o("s3", "ListBuckets", true, { H: 4, C: 4, D: 1, X: 8, A: 5 }, (c) => {
    c.rp = { Host: `s3.${c.region}.amazonaws.com` };
    c.host = `s3.${c.region}.amazonaws.com`;
  }, { action: "ListAllMyBuckets" }),
  o("s3", "GetBucketLocation", true, { H: 2, D: 1, W: 0.5, R: 2 }, (c) => s3Bucket(c, "location")),
  o("s3", "GetBucketPolicy", true, { H: 1, D: 1, R: 2 }, (c) => s3Bucket(c, "policy")),
  o("s3", "GetBucketAcl", true, { H: 1, D: 1, R: 3 }, (c) => s3Bucket(c, "acl")),
  o("s3", "GetBucketVersioning", true, { H: 1, D: 1, R: 2 }, (c) => s3Bucket(c, "versioning")),
  o("s3", "GetBucketEncryption", true, { H: 1, D: 1, R: 2 }, (c) => s3Bucket(c, "encryption"), { action: "GetEncryptionConfiguration" }),
  o("s3", "GetBucketPublicAccessBlock", true, { H: 1, D: 0.5, R: 2 }, (c) => s3Bucket(c, "publicAccessBlock")),
  o("s3", "GetBucketTagging", true, { D: 1, R: 0.5 }, (c) => s3Bucket(c, "tagging")),
  o("s3", "GetBucketLogging", true, { R: 1, H: 0.1 }, (c) => s3Bucket(c, "logging")),
  o("s3", "GetBucketOwnershipControls", true, { H: 0.1, D: 0.2 }, (c) => s3Bucket(c, "ownershipControls")),
  o("s3", "GetBucketReplication", true, { H: 0.01, R: 0.05 }, (c) => s3Bucket(c, "replication")),
  o("s3", "CreateBucket", false, { H: 0.03, C: 0.03, D: 0.1 }, (c) => {
    const b = `${c.a.env}-${c.r.pick(["exports", "scratch", "athena-results", "artifacts"])}-${hexStr(c.r, 6)}`;
    c.host = `${b}.s3.${c.region}.amazonaws.com`;
    c.rp = { CreateBucketConfiguration: { LocationConstraint: c.region, xmlns: "http://s3.amazonaws.com/doc/2006-03-01/" }, bucketName: b, Host: c.host };
    c.res = bucketRes(c, b);
    c.resArn = `arn:aws:s3:::${b}`;
  }),
  o("s3", "PutBucketPolicy", false, { H: 0.05, C: 0.02, D: 0.3 }, (c) => s3Bucket(c, "policy")),
  o("s3", "PutBucketTagging", false, { D: 0.2 }, (c) => s3Bucket(c, "tagging")),
  o("s3", "PutBucketPublicAccessBlock", false, { D: 0.05, H: 0.01 }, (c) => s3Bucket(c, "publicAccessBlock")),
  o("s3", "DeleteBucket", false, { D: 0.01, H: 0.005 }, (c) => s3Bucket(c)),
  // --- S3 data events
  o("s3", "GetObject", true, { H: 1.5, C: 8, D: 5, W: 22 }, (c) => s3Object(c, false), DATA),
  o("s3", "PutObject", false, { H: 0.4, C: 3, D: 3, W: 10 }, (c) => s3Object(c, true), DATA),
  o("s3", "HeadObject", true, { W: 4, D: 0.5 }, (c) => s3Object(c, false), { ...DATA, action: "GetObject" }),
  o("s3", "ListObjects", true, { H: 2, C: 6, D: 2, W: 3 }, (c) => {
    const bucket = c.a.buckets.pick(c.r);
    c.host = `${bucket}.s3.${c.region}.amazonaws.com`;
    c.rp = { bucketName: bucket, Host: c.host, prefix: c.r.pick(["", "exports/", "raw/", "static/", "env/"]), delimiter: "/", "list-type": 2 };
    c.res = bucketRes(c, bucket);
    c.resArn = `arn:aws:s3:::${bucket}`;
    c.add = { SignatureVersion: "SigV4", CipherSuite: "TLS_AES_128_GCM_SHA256", bytesTransferredIn: 0, AuthenticationMethod: "AuthHeader", "x-amz-id-2": c.g.amzId2(), bytesTransferredOut: 400 + c.r.int(60000) };
  }, { ...DATA, action: "ListBucket" }),
  o("s3", "DeleteObject", false, { C: 0.5, W: 1, D: 0.2 }, (c) => s3Object(c, false), DATA),
  // --- EC2
  o("ec2", "DescribeInstances", true, { H: 8, C: 5, D: 3, W: 0.5, R: 10, A: 5 }, "describeInstances"),
  o("ec2", "DescribeSecurityGroups", true, { H: 3, C: 1, D: 3, R: 6 }, "filter"),
  o("ec2", "DescribeVpcs", true, { H: 2, D: 2, R: 2 }, "filter"),
  o("ec2", "DescribeSubnets", true, { H: 2, D: 2, R: 2 }, "filter"),
  o("ec2", "DescribeVolumes", true, { H: 1.5, R: 4 }, "filter"),
  o("ec2", "DescribeNetworkInterfaces", true, { R: 5, H: 0.5 }, "filter"),
  o("ec2", "DescribeRouteTables", true, { R: 2, D: 1 }, "filter"),
  o("ec2", "DescribeNetworkAcls", true, { R: 1 }, "filter"),
  o("ec2", "DescribeInternetGateways", true, { R: 1, D: 0.5 }, "filter"),
  o("ec2", "DescribeSnapshots", true, { R: 1, H: 0.3 }, "filter"),
  o("ec2", "DescribeRegions", true, { H: 2, X: 8, C: 0.5 }, (c) => {
    c.rp = { regionSet: {}, allRegions: c.r.chance(0.3) };
  }),
  o("ec2", "DescribeAvailabilityZones", true, { H: 1, D: 1 }, "filter"),
  o("ec2", "DescribeInstanceStatus", true, { H: 2, R: 3 }, "filter"),
  o("ec2", "DescribeImages", true, { H: 0.5, D: 1 }, "describeImages"),
  o("ec2", "DescribeAddresses", true, { H: 0.3, R: 1 }, "filter"),
  o("ec2", "DescribeLaunchTemplates", true, { D: 1 }, "filter"),
  o("ec2", "DescribeLaunchTemplateVersions", true, { D: 0.5 }, "filter"),
  o("ec2", "DescribeTags", true, { W: 0.5, H: 0.3 }, "filter"),
  o("ec2", "DescribeReservedInstances", true, { H: 0.01 }, "filter"),
  o("ec2", "DescribeKeyPairs", true, { H: 0.1, A: 0.5 }, "filter"),
  o("ec2", "RunInstances", false, { D: 0.4, H: 0.02 }, "runInstances"),
  o("ec2", "TerminateInstances", false, { D: 0.3, H: 0.02 }, "terminateInstances"),
  o("ec2", "StartInstances", false, { H: 0.15 }, "instanceState"),
  o("ec2", "StopInstances", false, { H: 0.15 }, "instanceState"),
  o("ec2", "RebootInstances", false, { H: 0.05 }, "instanceState"),
  o("ec2", "CreateTags", false, { D: 0.6, H: 0.2 }, "createTags"),
  o("ec2", "AuthorizeSecurityGroupIngress", false, { D: 0.2, H: 0.05 }, "sgIngress"),
  o("ec2", "RevokeSecurityGroupIngress", false, { D: 0.1, H: 0.02 }, "sgIngress"),
  o("ec2", "CreateSecurityGroup", false, { D: 0.1 }, "createSg"),
  o("ec2", "CreateSnapshot", false, { D: 0.02 }, (c) => {
    c.rp = { volumeId: `vol-0${hexStr(c.r, 16)}`, description: "pre-upgrade" };
  }),
  o("ec2", "ModifyInstanceAttribute", false, { D: 0.02, H: 0.01 }, (c) => {
    c.rp = { instanceId: instance(c), disableApiTermination: { value: false } };
  }),
  // --- IAM (global, logged in us-east-1)
  o("iam", "ListRoles", true, { H: 2, C: 1, R: 1 }, "maxItems", GLOBAL),
  o("iam", "ListUsers", true, { H: 1.5, C: 0.5, R: 1, A: 5 }, "maxItems", GLOBAL),
  o("iam", "GetRole", true, { H: 1.5, C: 1, D: 3, R: 1 }, "getRole", GLOBAL),
  o("iam", "GetUser", true, { H: 1, R: 0.5, A: 3 }, "getUser", GLOBAL),
  o("iam", "ListPolicies", true, { H: 1, R: 0.5 }, (c) => {
    c.rp = { scope: "Local", onlyAttached: false, maxItems: 1000 };
  }, GLOBAL),
  o("iam", "GetPolicy", true, { H: 0.7, D: 1.5 }, "getPolicy", GLOBAL),
  o("iam", "GetPolicyVersion", true, { H: 0.7, D: 1.5 }, "getPolicyVersion", GLOBAL),
  o("iam", "ListAttachedRolePolicies", true, { H: 1, D: 1.5 }, "roleScoped", GLOBAL),
  o("iam", "ListRolePolicies", true, { D: 1 }, "roleScoped", GLOBAL),
  o("iam", "GetRolePolicy", true, { D: 1 }, (c) => {
    c.rp = { roleName: roleName(c), policyName: "inline-policy" };
  }, GLOBAL),
  o("iam", "ListAccessKeys", true, { H: 0.5, A: 3 }, "userScoped", GLOBAL),
  o("iam", "GetAccountSummary", true, { H: 0.5, X: 10 }, undefined, GLOBAL),
  o("iam", "GetAccountPasswordPolicy", true, { X: 3, H: 0.05 }, undefined, GLOBAL),
  o("iam", "ListMFADevices", true, { H: 0.4, X: 5 }, "userScoped", GLOBAL),
  o("iam", "GetLoginProfile", true, { H: 0.1 }, "userScoped", GLOBAL),
  o("iam", "ListInstanceProfiles", true, { H: 0.1, D: 0.3 }, "maxItems", GLOBAL),
  o("iam", "ListServerCertificates", true, { H: 0.02 }, undefined, GLOBAL),
  o("iam", "ListSAMLProviders", true, { H: 0.01 }, undefined, GLOBAL),
  o("iam", "ListVirtualMFADevices", true, { H: 0.01 }, undefined, GLOBAL),
  o("iam", "GetAccountAuthorizationDetails", true, { H: 0.005, R: 0.05 }, (c) => {
    c.rp = { filter: ["User", "Role", "Group", "LocalManagedPolicy"], maxItems: 100 };
  }, GLOBAL),
  o("iam", "GenerateCredentialReport", false, { R: 0.1, H: 0.01 }, undefined, GLOBAL),
  o("iam", "GetCredentialReport", true, { R: 0.1, H: 0.01 }, undefined, GLOBAL),
  o("iam", "CreateUser", false, { H: 0.03, D: 0.02 }, "createUser", GLOBAL),
  o("iam", "DeleteUser", false, { H: 0.01, D: 0.01 }, "deleteUser", GLOBAL),
  o("iam", "CreateAccessKey", false, { H: 0.03, D: 0.01, X: 0.2 }, "createAccessKey", GLOBAL),
  o("iam", "DeleteAccessKey", false, { H: 0.02, X: 0.2 }, "accessKeyScoped", GLOBAL),
  o("iam", "UpdateAccessKey", false, { H: 0.02 }, "accessKeyScoped", GLOBAL),
  o("iam", "CreateRole", false, { H: 0.03, D: 0.1 }, "createRole", GLOBAL),
  o("iam", "AttachRolePolicy", false, { H: 0.05, D: 0.2 }, "attachRolePolicy", GLOBAL),
  o("iam", "DetachRolePolicy", false, { D: 0.1, H: 0.01 }, "attachRolePolicy", GLOBAL),
  o("iam", "AttachUserPolicy", false, { H: 0.01 }, "attachUserPolicy", GLOBAL),
  o("iam", "PutRolePolicy", false, { H: 0.03, D: 0.2 }, "putRolePolicy", GLOBAL),
  o("iam", "CreatePolicyVersion", false, { D: 0.1 }, "createPolicyVersion", GLOBAL),
  o("iam", "UpdateAssumeRolePolicy", false, { D: 0.05 }, "roleScoped", GLOBAL),
  o("iam", "TagRole", false, { D: 0.1 }, "roleScoped", GLOBAL),
  // --- KMS
  o("kms", "Decrypt", true, { S: 45, W: 7, C: 0.5 }, "decrypt", { ver: "1.08" }),
  o("kms", "GenerateDataKey", true, { S: 25, W: 3 }, "generateDataKey", { ver: "1.08" }),
  o("kms", "Encrypt", true, { S: 3, W: 0.5 }, "decrypt", { ver: "1.08" }),
  o("kms", "GenerateDataKeyWithoutPlaintext", true, { S: 2 }, "generateDataKey", { ver: "1.08" }),
  o("kms", "CreateGrant", false, { S: 1 }, "createGrant", { ver: "1.08" }),
  o("kms", "RetireGrant", false, { S: 0.5 }, "keyScoped", { ver: "1.08" }),
  o("kms", "RotateKey", false, { S: 0.05 }, "rotateKey", { ver: "1.08", type: "AwsServiceEvent" }),
  o("kms", "DescribeKey", true, { H: 0.3, D: 1, R: 1 }, "keyScoped", { ver: "1.08" }),
  o("kms", "GetKeyPolicy", true, { D: 0.5 }, (c) => {
    B.keyScoped(c);
    c.rp = { keyId: c.resArn, policyName: "default" };
  }, { ver: "1.08" }),
  o("kms", "GetKeyRotationStatus", true, { D: 0.5, R: 1 }, "keyScoped", { ver: "1.08" }),
  o("kms", "ListAliases", true, { H: 0.5 }, undefined, { ver: "1.08" }),
  o("kms", "ListKeys", true, { H: 0.3, R: 1 }, undefined, { ver: "1.08" }),
  o("kms", "ScheduleKeyDeletion", false, { H: 0.002, D: 0.002 }, (c) => {
    B.keyScoped(c);
    c.rp = { keyId: c.resArn, pendingWindowInDays: 7 };
  }, { ver: "1.08" }),
  // --- Lambda
  o("lambda", "Invoke", false, { H: 0.3, C: 1, W: 4 }, "invoke", { ...DATA, ver: "1.09" }),
  o("lambda", "ListFunctions20150331", true, { H: 2, C: 1, R: 1 }, undefined, { action: "ListFunctions", api: "2015-03-31" }),
  o("lambda", "GetFunction20150331v2", true, { H: 1, D: 2 }, "fnScoped", { action: "GetFunction", api: "2015-03-31" }),
  o("lambda", "GetFunctionConfiguration20150331v2", true, { H: 0.5, D: 0.5 }, "fnScoped", { action: "GetFunctionConfiguration", api: "2015-03-31" }),
  o("lambda", "UpdateFunctionCode20150331v2", false, { D: 0.8, C: 0.3 }, "updateCode", { action: "UpdateFunctionCode", api: "2015-03-31" }),
  o("lambda", "UpdateFunctionConfiguration20150331v2", false, { D: 0.3, H: 0.05 }, "fnScoped", { action: "UpdateFunctionConfiguration", api: "2015-03-31" }),
  o("lambda", "PublishVersion20150331", false, { D: 0.2 }, "fnScoped", { action: "PublishVersion", api: "2015-03-31" }),
  o("lambda", "CreateFunction20150331", false, { D: 0.05 }, "fnScoped", { action: "CreateFunction", api: "2015-03-31" }),
  o("lambda", "AddPermission20150331v2", false, { D: 0.05 }, "fnScoped", { action: "AddPermission", api: "2015-03-31" }),
  // --- CloudWatch Logs
  o("logs", "CreateLogStream", false, { W: 3 }, "createLogStream"),
  o("logs", "CreateLogGroup", false, { W: 0.1, D: 0.1 }, "logGroupScoped"),
  o("logs", "PutRetentionPolicy", false, { D: 0.1 }, (c) => {
    c.rp = { logGroupName: logGroup(c), retentionInDays: c.r.pick([7, 14, 30, 90, 365]) };
  }),
  o("logs", "DescribeLogGroups", true, { H: 3, D: 1 }, "limit50"),
  o("logs", "DescribeLogStreams", true, { H: 2, W: 0.5 }, "logGroupScoped"),
  o("logs", "FilterLogEvents", true, { H: 2, C: 2 }, "filterLogEvents"),
  o("logs", "GetLogEvents", true, { H: 1.5, C: 1 }, "logGroupScoped"),
  o("logs", "StartQuery", true, { H: 0.5 }, "logGroupScoped"),
  o("logs", "GetQueryResults", true, { H: 1 }, (c) => {
    c.rp = { queryId: uuid(c.r) };
  }),
  o("logs", "DeleteLogGroup", false, { D: 0.01 }, "logGroupScoped"),
  // --- CloudWatch
  o("monitoring", "DescribeAlarms", true, { H: 2, D: 0.5 }, undefined, { action: "DescribeAlarms" }),
  o("monitoring", "GetMetricData", true, { H: 2 }, "metricData"),
  o("monitoring", "ListMetrics", true, { H: 0.5 }),
  o("monitoring", "PutMetricAlarm", false, { D: 0.1, H: 0.02 }, (c) => {
    c.rp = { alarmName: `${c.a.env}-${c.r.pick(["5xx-rate", "cpu-high", "queue-depth", "latency-p99"])}`, metricName: "CPUUtilization", namespace: "AWS/EC2", statistic: "Average", period: 300, evaluationPeriods: 3, threshold: 80, comparisonOperator: "GreaterThanThreshold" };
  }),
  o("monitoring", "DeleteAlarms", false, { D: 0.01 }),
  // --- CloudTrail (StopLogging / DeleteTrail deliberately very rare)
  o("cloudtrail", "LookupEvents", true, { H: 1.5 }, "lookupEvents"),
  o("cloudtrail", "DescribeTrails", true, { H: 0.5, D: 0.1, R: 0.5, A: 1 }, (c) => {
    c.rp = { trailNameList: [], includeShadowTrails: true };
  }),
  o("cloudtrail", "GetTrailStatus", true, { H: 0.3, R: 0.5 }, "trailScoped"),
  o("cloudtrail", "GetEventSelectors", true, { H: 0.2, D: 0.05, R: 0.3 }, (c) => {
    c.rp = { trailName: c.g.trailArn };
  }),
  o("cloudtrail", "ListTrails", true, { H: 0.2 }),
  o("cloudtrail", "GetTrail", true, { H: 0.05, R: 0.1 }, "trailScoped"),
  o("cloudtrail", "PutEventSelectors", false, { D: 0.005 }, "putEventSelectors"),
  o("cloudtrail", "UpdateTrail", false, { D: 0.005 }, "trailScoped"),
  o("cloudtrail", "StartLogging", false, { D: 0.002 }, "trailScoped"),
  o("cloudtrail", "StopLogging", false, { D: 0.0003 }, "trailScoped"),
  o("cloudtrail", "DeleteTrail", false, { D: 0.0001 }, "trailScoped"),
  o("cloudtrail", "CreateTrail", false, { D: 0.0005 }, (c) => {
    c.rp = { name: `${c.a.env}-audit-trail`, s3BucketName: `cloudtrail-${c.a.id}`, isMultiRegionTrail: true, enableLogFileValidation: true };
  }),
  // --- Sign-in (failures; successes come with new console sessions)
  o("signin", "ConsoleLogin", false, { H: 0.3, X: 10 }, undefined, { global: true, type: "AwsConsoleSignIn", ver: "1.09" }),
  // --- DynamoDB
  o("dynamodb", "GetItem", true, { W: 7, C: 0.5 }, "getItem", { ...DATA, ver: "1.09", api: "2012-08-10" }),
  o("dynamodb", "PutItem", false, { W: 4 }, "putItem", { ...DATA, ver: "1.09", api: "2012-08-10" }),
  o("dynamodb", "Query", true, { W: 5, C: 0.5 }, "query", { ...DATA, ver: "1.09", api: "2012-08-10" }),
  o("dynamodb", "UpdateItem", false, { W: 2 }, "putItem", { ...DATA, ver: "1.09", api: "2012-08-10" }),
  o("dynamodb", "BatchGetItem", true, { W: 0.5 }, "query", { ...DATA, ver: "1.09", api: "2012-08-10" }),
  o("dynamodb", "DeleteItem", false, { W: 0.3 }, "putItem", { ...DATA, ver: "1.09", api: "2012-08-10" }),
  o("dynamodb", "DescribeTable", true, { W: 1, D: 1, H: 0.8 }, "tableScoped", { api: "2012-08-10" }),
  o("dynamodb", "ListTables", true, { H: 0.8 }, undefined, { api: "2012-08-10" }),
  o("dynamodb", "DescribeContinuousBackups", true, { D: 0.5 }, "tableScoped", { api: "2012-08-10" }),
  o("dynamodb", "UpdateTable", false, { D: 0.02 }, "tableScoped", { api: "2012-08-10" }),
  // --- Secrets Manager / SSM / ECR / others
  o("secretsmanager", "GetSecretValue", true, { W: 5, D: 1, H: 0.3, C: 1.5 }, "getSecretValue"),
  o("secretsmanager", "DescribeSecret", true, { D: 0.5, H: 0.3 }, "getSecretValue"),
  o("secretsmanager", "ListSecrets", true, { H: 0.5 }),
  o("secretsmanager", "GetResourcePolicy", true, { D: 0.3 }, "getSecretValue"),
  o("secretsmanager", "PutSecretValue", false, { D: 0.03 }, (c) => {
    B.getSecretValue(c);
    c.rp = { secretId: c.resArn, clientRequestToken: uuid(c.r) };
  }),
  o("secretsmanager", "RotateSecret", false, { D: 0.01 }, "getSecretValue"),
  o("ssm", "GetParameter", true, { W: 2, H: 0.3, C: 1 }, "getParameter"),
  o("ssm", "GetParameters", true, { W: 1 }, "getParameters"),
  o("ssm", "UpdateInstanceInformation", false, { W: 4 }, "updateInstanceInformation"),
  o("ssm", "ListInstanceAssociations", true, { W: 1 }, (c) => {
    c.rp = { instanceId: instance(c), maxResults: 50 };
  }),
  o("ssm", "DescribeInstanceInformation", true, { H: 0.5 }),
  o("ssm", "StartSession", false, { H: 0.1, C: 0.5 }, "startSession"),
  o("ssm", "PutParameter", false, { D: 0.05 }, "getParameter"),
  o("ecr", "GetAuthorizationToken", true, { W: 1, D: 2, C: 1 }, "ecrToken"),
  o("ecr", "DescribeRepositories", true, { H: 0.3, D: 0.3 }),
  o("ecr", "PutImage", false, { D: 0.3 }, (c) => {
    c.rp = { repositoryName: `${c.a.env}/${c.r.pick(["orders-api", "web", "worker"])}`, imageTag: hexStr(c.r, 7) };
  }),
  o("eks", "ListClusters", true, { H: 0.3 }),
  o("eks", "DescribeCluster", true, { H: 0.3, C: 1 }, (c) => {
    c.rp = { name: `${c.a.env}-cluster` };
  }),
  o("elasticloadbalancing", "DescribeLoadBalancers", true, { H: 0.8, D: 1 }),
  o("elasticloadbalancing", "DescribeTargetHealth", true, { H: 0.5, R: 0.5 }),
  o("rds", "DescribeDBInstances", true, { H: 1, R: 1 }),
  o("rds", "DescribeDBClusters", true, { H: 0.5 }),
  o("rds", "CreateDBSnapshot", false, { D: 0.01 }),
  o("cloudformation", "DescribeStacks", true, { H: 1.5, D: 2, C: 1 }, "stackScoped"),
  o("cloudformation", "ListStacks", true, { H: 0.8 }),
  o("cloudformation", "DescribeStackEvents", true, { H: 0.8, D: 1 }, "stackScoped"),
  o("cloudformation", "CreateChangeSet", false, { D: 0.2 }, "changeSet"),
  o("cloudformation", "DescribeChangeSet", true, { D: 0.4 }, "changeSet"),
  o("cloudformation", "ExecuteChangeSet", false, { D: 0.2 }, "changeSet"),
  o("config", "PutEvaluations", false, { R: 2 }, "putEvaluations"),
  o("config", "DescribeConfigRules", true, { H: 0.05 }),
  o("guardduty", "ListDetectors", true, { H: 0.1 }),
  o("guardduty", "GetFindings", true, { H: 0.1 }),
  o("organizations", "DescribeOrganization", true, { H: 0.3, X: 3 }, undefined, GLOBAL),
  o("organizations", "ListAccounts", true, { H: 0.2 }, undefined, GLOBAL),
  o("ce", "GetCostAndUsage", true, { H: 0.3, X: 5 }, "costAndUsage", GLOBAL),
  o("account", "GetAccountInformation", true, { X: 3 }, undefined, GLOBAL),
  o("health", "DescribeEvents", true, { H: 0.2 }, undefined, GLOBAL),
  o("route53", "ListHostedZones", true, { H: 0.3, D: 0.3 }, undefined, GLOBAL),
  o("route53", "ChangeResourceRecordSets", false, { D: 0.05 }, (c) => {
    c.rp = { hostedZoneId: `Z0${randString(c.r, B32, 18)}`, changeBatch: { changes: [{ action: "UPSERT", resourceRecordSet: { name: `${c.r.pick(["api", "www", "admin", "status"])}.${c.a.env}.example.com`, type: "CNAME", tTL: 300 } }] } };
  }, GLOBAL),
];

const ERRORS: Record<string, ReadonlyArray<readonly [string, number]>> = {
  ec2: [["Client.UnauthorizedOperation", 5], ["Client.RequestLimitExceeded", 2], ["Client.InvalidInstanceID.NotFound", 1], ["Client.DryRunOperation", 0.5]],
  s3: [["AccessDenied", 5], ["NoSuchKey", 3], ["NoSuchBucketPolicy", 0.5], ["SlowDown", 0.4], ["NoSuchBucket", 0.2]],
  iam: [["AccessDenied", 5], ["NoSuchEntityException", 3], ["EntityAlreadyExistsException", 0.7], ["Throttling", 0.5], ["LimitExceededException", 0.1]],
  sts: [["AccessDenied", 6], ["RegionDisabledException", 0.1]],
  kms: [["AccessDeniedException", 4], ["InvalidCiphertextException", 0.7], ["ThrottlingException", 1], ["NotFoundException", 0.4], ["KMSInvalidStateException", 0.2]],
  lambda: [["AccessDeniedException", 4], ["ResourceNotFoundException", 2], ["TooManyRequestsException", 1], ["ResourceConflictException", 0.5]],
  dynamodb: [["AccessDeniedException", 3], ["ResourceNotFoundException", 1], ["ConditionalCheckFailedException", 3], ["ProvisionedThroughputExceededException", 1]],
  secretsmanager: [["AccessDeniedException", 4], ["ResourceNotFoundException", 2]],
  ssm: [["AccessDeniedException", 3], ["ParameterNotFound", 2], ["ThrottlingException", 2]],
  logs: [["AccessDeniedException", 3], ["ResourceAlreadyExistsException", 2], ["ThrottlingException", 1], ["ResourceNotFoundException", 1]],
  cloudtrail: [["AccessDeniedException", 4], ["TrailNotFoundException", 1]],
  cloudformation: [["AccessDenied", 3], ["ValidationError", 2]],
  signin: [["AccessDenied", 1]],
  default: [["AccessDenied", 5], ["ThrottlingException", 2], ["ValidationException", 0.5]],
};
const DENIED_CODE: Record<string, string> = {
  ec2: "Client.UnauthorizedOperation",
  kms: "AccessDeniedException",
  lambda: "AccessDeniedException",
  dynamodb: "AccessDeniedException",
  secretsmanager: "AccessDeniedException",
  ssm: "AccessDeniedException",
  logs: "AccessDeniedException",
  cloudtrail: "AccessDeniedException",
  ecr: "AccessDeniedException",
};
const IAM_PREFIX: Record<string, string> = { monitoring: "cloudwatch" };

const OPS: Op[] = OP_DEFS.map((d, index) => ({
  ...d,
  index,
  source: `${d.src}.amazonaws.com`,
  type: d.type ?? "AwsApiCall",
  ver: d.ver ?? "1.11",
  iamAction: `${IAM_PREFIX[d.src] ?? d.src}:${d.action ?? d.name}`,
  errs: new Weighted(ERRORS[d.src] ?? ERRORS.default),
  errRate: d.data ? (d.ro ? 0.05 : 0.03) : d.ro ? 0.06 : 0.09,
}));
const OP_BY_NAME = new Map(OPS.map((op) => [`${op.src}:${op.name}`, op]));
function opNamed(key: string): Op {
  const op = OP_BY_NAME.get(key);
  if (!op) throw new Error(`unknown op ${key}`);
  return op;
}

const PROFILE_CACHE = new Map<string, Weighted<Op>>();
function profileOps(p: Prof, noConsoleLogin: boolean): Weighted<Op> {
  const key = p + (noConsoleLogin ? "-" : "+");
  let w = PROFILE_CACHE.get(key);
  if (!w) {
    w = new Weighted(OPS.filter((op) => !(noConsoleLogin && op.name === "ConsoleLogin")).map((op) => [op, op.w[p] ?? 0] as const));
    PROFILE_CACHE.set(key, w);
  }
  return w;
}
function explicitOps(list: ReadonlyArray<readonly [string, number]>): Weighted<Op> {
  return new Weighted(list.map(([k, w]) => [opNamed(k), w] as const));
}

const INSIGHT_TARGETS: ReadonlyArray<readonly [string, number]> = [
  ["ec2:RunInstances", 3], ["ec2:TerminateInstances", 2], ["ec2:CreateTags", 2], ["iam:AttachRolePolicy", 1], ["iam:CreateAccessKey", 1],
  ["s3:PutBucketPolicy", 1], ["sts:AssumeRole", 4], ["kms:Decrypt", 3], ["ssm:UpdateInstanceInformation", 3], ["logs:CreateLogStream", 2],
  ["secretsmanager:GetSecretValue", 2], ["lambda:UpdateFunctionCode20150331v2", 1], ["dynamodb:DescribeTable", 1], ["ec2:DescribeInstances", 2],
];

// ---- accounts and actors ------------------------------------------------------------------------

interface RoleDef {
  name: string;
  path: string;
  id: string;
  arn: string;
  acct: Acct;
}

interface Acct {
  id: string;
  index: number;
  env: string;
  weight: number;
  buckets: Weighted<string>;
  instances: string[];
  amis: string[];
  securityGroups: string[];
  vpc: string;
  kmsKeys: string[];
  functions: string[];
  tables: string[];
  secrets: string[];
  parameters: string[];
  logGroups: string[];
  policies: string[];
  roles: RoleDef[];
  /** Roles of workloads, with the service that assumes them and a session name for it. */
  workloadRoles: { role: RoleDef; by: string; session: string }[];
  /** Roles people and pipelines assume within the account. */
  assumable: RoleDef[];
  userNames: string[];
  natIps: string[][];
  vpce: string[];
  orgAccessRole: RoleDef;
}

type ActorKind = "user" | "role" | "root" | "service" | "federated";

interface Actor {
  kind: ActorKind;
  /** Share group: weights are normalized per category so that categories keep their share. */
  cat: string;
  prof: Prof;
  acct: Acct;
  weight: number;
  ops: Weighted<Op>;
  home: number;
  stick: number;
  ips: Weighted<string>;
  rareIp: number;
  ipv6?: string;
  uas: Weighted<string>;
  tls: 0 | 1;
  errFactor: number;
  /** Fraction of calls denied (on top of normal errors): the DeployRole story. */
  denyRate: number;
  console: boolean;
  invokedBy?: string;
  /** Mean calls per burst (1: independent calls) and mean gap between them (ms). */
  burst: number;
  burstGap: number;
  /** Private IP usage through a VPC endpoint (workloads). */
  vpce: number;
  buckets?: Weighted<string>;
  shortName?: string;
  // identity
  staticIdent?: Record<string, unknown>;
  user?: { name: string; id: string; arn: string; key: string };
  role?: RoleDef;
  sessionName?: (r: Rng) => string;
  sessionMin: number;
  sessionMax: number;
  /** Who creates new sessions: an AWS service, a web identity (OIDC), an IAM user, or the console. */
  issuer?: { kind: "service"; by: string } | { kind: "webid"; sub: string } | { kind: "saml"; email: string } | { kind: "user"; actor: Actor } | { kind: "console" };
  mfa: boolean;
  sourceIdentity?: string;
  cur?: Record<string, unknown>;
  curKey?: string;
  curSession?: string;
  curEnd: number;
  fresh: boolean;
}

const FIRST = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "ken", "lena", "marco", "nina", "omar", "priya", "quentin", "rosa", "sam", "tara", "umar", "vera", "wei", "ximena", "yusuf", "zoe"];
const LAST = ["smith", "nguyen", "garcia", "mueller", "rossi", "tanaka", "okafor", "kowalski", "dubois", "larsen", "silva", "cohen", "patel", "ivanova", "oconnor", "haddad"];
const ENVS = ["org", "prod", "staging", "dev", "sandbox", "data", "security", "shared"];
const FUNCTIONS = ["orders-api", "payments-webhook", "image-resizer", "nightly-report", "user-signup-handler", "audit-forwarder", "slack-notifier", "cost-anomaly-check", "search-indexer", "email-sender", "pdf-renderer", "token-refresher"];
const TABLES = ["orders", "sessions", "users", "idempotency-keys", "feature-flags", "audit-events", "carts", "rate-limits"];
const SERVICES_INVOKING = ["secretsmanager.amazonaws.com", "s3.amazonaws.com", "lambda.amazonaws.com", "dynamodb.amazonaws.com", "ec2.amazonaws.com", "cloudformation.amazonaws.com", "ecs-tasks.amazonaws.com", "logs.amazonaws.com"];

// ---- the generator ------------------------------------------------------------------------------

interface Scheduled {
  due: number;
  make: (t: number) => CloudTrailRecord;
}

interface InsightOpen {
  acct: Acct;
  region: string;
  op: Op;
  type: "ApiCallRateInsight" | "ApiErrorRateInsight";
  shared: string;
  startT: number;
  baseline: number;
  insight: number;
  errorCode?: string;
  attributions: unknown[];
}

class Generator_ {
  readonly r: Rng;
  readonly count: number;
  readonly accounts: Acct[];
  readonly regions: string[];
  readonly regionW: Weighted<number>;
  readonly globalRegion: string;
  readonly globalRi: number;
  readonly trailArn: string;
  private readonly actors: Weighted<Actor>;
  private readonly allActors: Actor[] = [];
  private readonly eidKey: number;
  private eidCounter = 0;
  private readonly tlsCache = new Map<string, Record<string, unknown>>();
  private readonly tlsByOp: (Record<string, unknown> | undefined)[] = [];
  private readonly amzIds: string[];
  private readonly tokens: string[];
  private readonly insights: boolean;
  private readonly story: boolean;
  private readonly consoleUas: string[];
  private readonly ssoIdpSuffix: string;
  private readonly ssoAssertionId: string;
  private readonly ssoNameQualifier: string;
  // time
  private readonly firstSec: number;
  private readonly lastSec: number;
  private readonly edges: number[];
  private readonly cdf: Float64Array;
  private k = 0;
  private prevT = -Infinity;
  private isoSec = NaN;
  private isoStr = "";
  // scheduling
  private readonly queue: Scheduled[] = [];

  private openInsights = 0;
  // story
  private readonly stopAt: number;
  private stopDone = false;
  private readonly attackAt: number;
  private attackDone = false;
  private readonly busyStart: number;
  private readonly busyEnd: number;
  private busyActor!: Actor;
  private busyBuckets!: Weighted<string>;
  private legacyAdmin!: Actor;
  private ssoAdmin!: Actor;
  private readonly ctx: Ctx;

  constructor(opts: GenerateOptions) {
    const count = opts.count;
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
    const s = opts.start.getTime();
    const e = opts.end.getTime();
    if (!(e > s)) throw new RangeError("end must be after start");
    this.count = count;
    const seed = opts.seed ?? 1;
    this.r = new Rng(seed, 0);
    const setup = new Rng(seed, 1);
    this.insights = opts.insights ?? true;
    this.story = opts.story ?? true;
    this.eidKey = mix32((seed >>> 0) ^ 0x5bd1e995);

    const accountIds = opts.accounts?.length ? opts.accounts : [...DEFAULT_ACCOUNTS];
    for (const a of accountIds) if (!/^\d{12}$/.test(a)) throw new RangeError(`account ids are 12 digits: ${a}`);
    this.regions = opts.regions?.length ? [...opts.regions] : [...DEFAULT_REGIONS];
    const defaults = !opts.regions?.length;
    // Default regions: the fixed skew; given regions: most used first, us-east-1 a little heavier.
    this.regionW = new Weighted(this.regions.map((rg, i) => [i, defaults ? (DEFAULT_REGION_WEIGHT[rg] ?? 5) : (rg === "us-east-1" ? 1.5 : 1) / Math.pow(i + 1, 1.2)] as const));
    this.globalRi = Math.max(0, this.regions.indexOf("us-east-1"));
    this.globalRegion = this.regions[this.globalRi];
    this.trailArn = `arn:aws:cloudtrail:${this.globalRegion}:${accountIds[0]}:trail/org-audit-trail`;

    this.amzIds = Array.from({ length: 512 }, () => randString(setup, ALNUM + "+/", 76));
    this.tokens = Array.from({ length: 64 }, () => "IQoJb3JpZ2luX2VjE" + randString(setup, ALNUM + "+/", 380));
    this.consoleUas = BROWSERS;
    this.ssoIdpSuffix = hexStr(setup, 16);
    this.ssoAssertionId = randString(setup, ALNUM, 40);
    this.ssoNameQualifier = randString(setup, ALNUM + "+/", 27) + "=";

    this.accounts = accountIds.map((id, index) => this.makeAccount(setup, id, index));
    this.makeActors(setup);
    this.actors = new Weighted(this.allActors.map((a) => [a, a.weight] as const));

    // time warp: piecewise-linear CDF over hour buckets
    this.firstSec = Math.ceil(s / 1000) * 1000;
    this.lastSec = Math.ceil(e / 1000) * 1000 - 1000;
    if (this.firstSec > this.lastSec) throw new RangeError("the range holds no whole second");
    const edges: number[] = [s];
    for (let h = Math.floor(s / HOUR) * HOUR + HOUR; h < e; h += HOUR) edges.push(h);
    edges.push(e);
    const cdf = new Float64Array(edges.length);
    const diurnal = opts.diurnal ?? true;
    const dayJitter = new Map<number, number>();
    let acc = 0;
    for (let i = 0; i + 1 < edges.length; i++) {
      const len = edges[i + 1] - edges[i];
      let dens = 1;
      if (diurnal) {
        const d = new Date(edges[i]);
        const day = Math.floor(edges[i] / DAY);
        let j = dayJitter.get(day);
        if (j === undefined) {
          j = 0.85 + 0.3 * mix32(day ^ (seed >>> 0)) / 4294967296;
          dayJitter.set(day, j);
        }
        const wd = d.getUTCDay();
        dens = HOUR_SHAPE[d.getUTCHours()] * (wd === 0 || wd === 6 ? 0.55 : 1) * j;
      }
      acc += dens * len;
      cdf[i + 1] = acc;
    }
    for (let i = 1; i < cdf.length; i++) cdf[i] /= acc;
    cdf[cdf.length - 1] = 1;
    this.edges = edges;
    this.cdf = cdf;

    const times = demoStoryTimes({ start: opts.start, end: opts.end });
    this.stopAt = times.stopLoggingAfter.getTime();
    this.attackAt = times.attackAfter.getTime();
    this.busyStart = times.busyDay.start.getTime();
    this.busyEnd = times.busyDay.end.getTime();

    this.ctx = {
      g: this, r: this.r, a: this.accounts[0], actor: this.allActors[0], region: "", ri: 0, t: 0, iso: "",
      rp: null, re: null, res: undefined, add: undefined, resArn: undefined, shared: false, cross: undefined, host: undefined, noun: undefined,
    };
  }

  // ---- setup

  private makeAccount(r: Rng, id: string, index: number): Acct {
    const env = ENVS[index % ENVS.length] + (index >= ENVS.length ? String(Math.floor(index / ENVS.length) + 1) : "");
    const bucketNames = [
      `${env}-app-assets-${id}`,
      `${env}-customer-data-${id}`,
      `${env}-logs-${id}`,
      `terraform-state-${id}`,
      `${env}-data-lake-raw-${id}`,
      `${env}-backups-${id}`,
      `${env}-static-website-${id}`,
      `cdk-hnb659fds-assets-${id}-us-east-1`,
    ];
    const fns = shuffle(r, [...FUNCTIONS]).slice(0, 6 + r.int(5));
    const acct: Acct = {
      id,
      index,
      env,
      weight: index === 0 ? 0.35 : 1 / Math.pow(index, 0.8),
      buckets: new Weighted(bucketNames.map((b, i) => [b, zipf(bucketNames.length, 1.1)[i]] as const)),
      instances: Array.from({ length: 30 + r.int(40) }, () => `i-0${hexStr(r, 16)}`),
      amis: Array.from({ length: 4 }, () => `ami-0${hexStr(r, 16)}`),
      securityGroups: Array.from({ length: 12 }, () => `sg-0${hexStr(r, 16)}`),
      vpc: `vpc-0${hexStr(r, 16)}`,
      kmsKeys: Array.from({ length: 5 }, () => uuid(r)),
      functions: fns,
      tables: TABLES.map((t) => `${env}-${t}`),
      secrets: [`${env}/orders/db-password`, `${env}/payments/stripe-api-key`, `${env}/shared/datadog-api-key`, `${env}/auth/jwt-signing-key`, `${env}/search/opensearch-master`].map((sn) => `${sn}-${randString(r, ALNUM, 6)}`),
      parameters: [`/${env}/app/feature-flags`, `/${env}/db/host`, `/${env}/db/password`, `/${env}/cdn/origin`, "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"],
      logGroups: [...fns.map((f) => `/aws/lambda/${f}`), `/ecs/${env}-orders-api`, `/aws/eks/${env}-cluster/cluster`, "aws-controltower/CloudTrailLogs"],
      policies: ["app-s3-read", "deploy-boundary", "kms-decrypt-app", "ci-deploy"].map((p) => `arn:aws:iam::${id}:policy/${p}`),
      roles: [],
      workloadRoles: [],
      assumable: [],
      userNames: [],
      natIps: this.regions.map((region) => [natGatewayAddress(publicIPv4(r), region), natGatewayAddress(publicIPv4(r), region)]),
      vpce: this.regions.map(() => `vpce-0${hexStr(r, 16)}`),
      orgAccessRole: undefined as unknown as RoleDef,
    };
    acct.orgAccessRole = this.role(r, acct, "OrganizationAccountAccessRole");
    acct.assumable.push(acct.orgAccessRole, this.role(r, acct, "ReadOnlyAuditRole"), this.role(r, acct, "BreakGlassAdmin"));
    return acct;
  }

  private role(r: Rng, acct: Acct, name: string, path = "/"): RoleDef {
    const role: RoleDef = { name, path, id: iamId(r, "AROA"), arn: `arn:aws:iam::${acct.id}:role${path}${name}`, acct };
    acct.roles.push(role);
    return role;
  }

  private baseActor(r: Rng, kind: ActorKind, prof: Prof, acct: Acct, weight: number): Actor {
    return {
      kind, prof, acct, weight, cat: "",
      ops: profileOps(prof, kind !== "user" && kind !== "root"),
      home: this.regionW.pick(r),
      stick: 0.75,
      ips: new Weighted([[publicIPv4(r), 1]]),
      rareIp: 0,
      uas: new Weighted([["console.amazonaws.com", 1]]),
      tls: r.chance(0.7) ? 0 : 1,
      errFactor: 1,
      denyRate: 0,
      burst: 1,
      burstGap: 0,
      console: false,
      vpce: 0,
      sessionMin: HOUR,
      sessionMax: 8 * HOUR,
      mfa: true,
      curEnd: -Infinity,
      fresh: false,
    };
  }

  private makeActors(r: Rng): void {
    const accts = this.accounts;
    const mgmt = accts[0];
    const prod = accts[1 % accts.length];
    const officeIps = Array.from({ length: 3 }, () => publicIPv4(r));
    const ciIps = Array.from({ length: 60 }, () => publicIPv4(r));
    const datadogIps = Array.from({ length: 6 }, () => publicIPv4(r));
    // category shares of all events; split within a category by account weight × Zipf rank
    const share = { human: 0.1, cli: 0.05, deploy: 0.065, workload: 0.4, service: 0.25, svcrole: 0.1, root: 0.0015, federated: 0.002 };
    const catOf: Record<Prof, keyof typeof share> = { H: "human", C: "cli", D: "deploy", W: "workload", S: "service", R: "svcrole", X: "root", A: "cli" };
    const add = (a: Actor, cat?: string): Actor => {
      a.cat = cat ?? (a.kind === "federated" ? "federated" : catOf[a.prof]);
      this.allActors.push(a);
      return a;
    };
    const acctTotal = accts.reduce((x, a) => x + a.weight, 0);

    // --- humans: one Identity Center identity per person, assigned to some accounts
    const people = shuffle(r, FIRST.flatMap((f) => LAST.slice(0, 2).map((l) => `${f}.${l}`))).slice(0, 24 + r.int(8));
    const permissionSets = ["AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "DataScientist", "BillingAccess"];
    const ssoRoles = new Map<string, RoleDef>();
    const ssoRole = (acct: Acct, ps: string): RoleDef => {
      const key = `${acct.id}/${ps}`;
      let role = ssoRoles.get(key);
      if (!role) {
        role = this.role(r, acct, `AWSReservedSSO_${ps}_${hexStr(r, 16)}`, `/aws-reserved/sso.amazonaws.com/${this.globalRegion}/`);
        ssoRoles.set(key, role);
      }
      return role;
    };
    const humanW = zipf(people.length, 1.05);
    const humanActors: Actor[] = [];
    people.forEach((person, rank) => {
      const email = `${person}@example.com`;
      const homeIps: [string, number][] = [[r.pick(officeIps), 5], [publicIPv4(r), 3]];
      if (r.chance(0.5)) homeIps.push([publicIPv4(r), 1]);
      const v6 = r.chance(0.25) ? publicIPv6(r) : undefined;
      if (v6) homeIps.push([v6, 2]);
      const browser = r.pick(this.consoleUas);
      const assigned = shuffle(r, [...accts]).slice(0, 1 + r.int(accts.length));
      const ps = rank < 4 ? "AdministratorAccess" : r.pick(permissionSets);
      for (const acct of assigned) {
        const role = ssoRole(acct, ps);
        const w = (acct.weight / acctTotal) * humanW[rank];
        // console sessions
        const h = this.baseActor(r, "role", "H", acct, share.human * w);
        Object.assign(h, {
          role, console: true, shortName: person, sessionName: () => email, sessionMin: HOUR, sessionMax: 10 * HOUR, issuer: { kind: "console" },
          ips: new Weighted(homeIps), rareIp: 0.01, uas: new Weighted([["console.amazonaws.com", 4], ["AWS Internal", 1], [browser, 1]]),
          errFactor: ps === "ReadOnlyAccess" || ps === "BillingAccess" ? 2.5 : 1.2,
          mfa: true,
        } satisfies Partial<Actor>);
        humanActors.push(add(h));
        // CLI sessions (SSO credentials; a new session name per login)
        const c = this.baseActor(r, "role", "C", acct, share.cli * w);
        Object.assign(c, {
          role, shortName: person, sessionName: () => email, sessionMin: HOUR, sessionMax: 8 * HOUR, issuer: { kind: "saml", email },
          ips: new Weighted(homeIps), rareIp: 0.02, uas: new Weighted([[cliUA(r), 3], [cliUA(r), 1], [botoUA(r, false), 1]]), errFactor: 1.3, mfa: false,
        } satisfies Partial<Actor>);
        add(c);
      }
      // some people use OrganizationAccountAccessRole from the management account into member accounts
      if (rank < 5 && accts.length > 1) {
        const target = accts[1 + r.int(accts.length - 1)];
        const a = this.baseActor(r, "role", "C", target, share.cli * 0.05 * humanW[rank]);
        Object.assign(a, {
          role: target.orgAccessRole, shortName: person, sessionName: () => person, sourceIdentity: email, issuer: { kind: "saml", email },
          ips: new Weighted(homeIps), uas: new Weighted([[cliUA(r), 1]]), mfa: false,
        } satisfies Partial<Actor>);
        add(a);
      }
    });
    this.ssoAdmin = humanActors.find((h) => h.acct === mgmt && h.role?.name.includes("AdministratorAccess")) ?? humanActors[0];

    // --- IAM users: a few legacy console users and CLI keys per account
    for (const acct of accts) {
      const legacy = shuffle(r, FIRST.slice()).slice(0, 3 + r.int(3));
      const uw = zipf(legacy.length, 1.2);
      legacy.forEach((name, i) => {
        const user = { name, id: iamId(r, "AIDA"), arn: `arn:aws:iam::${acct.id}:user/${name}`, key: iamId(r, "AKIA") };
        acct.userNames.push(name);
        const consoleUser = r.chance(0.5);
        const a = this.baseActor(r, "user", consoleUser ? "H" : "C", acct, (consoleUser ? share.human : share.cli) * 0.25 * uw[i] * (acct.weight / acctTotal));
        Object.assign(a, {
          user, console: consoleUser, shortName: name, issuer: consoleUser ? { kind: "console" } : undefined, mfa: r.chance(0.6),
          ips: new Weighted([[r.pick(officeIps), 3], [publicIPv4(r), 2]]), rareIp: 0.03,
          uas: consoleUser ? new Weighted([["console.amazonaws.com", 4], [r.pick(this.consoleUas), 1]]) : new Weighted([[cliUA(r), 2], [botoUA(r, false), 1]]),
          errFactor: 1.5,
        } satisfies Partial<Actor>);
        if (!consoleUser) a.staticIdent = this.userIdent(a, user.key);
        add(a);
      });
      for (const svc of ["ci-bot", "sso-broker", "monitoring-readonly", "partner-sync"]) acct.userNames.push(`${svc}`);
    }

    // --- deploy / CI roles
    for (const acct of accts) {
      const aw = acct.weight / acctTotal;
      const gha = this.role(r, acct, "github-actions-deploy");
      const tf = this.role(r, acct, "terraform-apply");
      acct.assumable.push(tf);
      const cdk = this.role(r, acct, `cdk-hnb659fds-cfn-exec-role-${acct.id}-${this.globalRegion}`);
      const ciUser = { name: "ci-bot", id: iamId(r, "AIDA"), arn: `arn:aws:iam::${acct.id}:user/ci-bot`, key: iamId(r, "AKIA") };
      const ciBot = this.baseActor(r, "user", "D", acct, share.deploy * aw * 0.1);
      Object.assign(ciBot, { user: ciUser, ips: new Weighted(ciIps.map((ip) => [ip, 1] as const)), uas: new Weighted([[terraformUA(r), 1]]), rareIp: 0 } satisfies Partial<Actor>);
      ciBot.staticIdent = this.userIdent(ciBot, ciUser.key);
      add(ciBot);
      const ghaA = this.baseActor(r, "role", "D", acct, share.deploy * aw * 0.45);
      Object.assign(ghaA, {
        role: gha, sessionName: () => "GitHubActions", sessionMin: 10 * MIN, sessionMax: HOUR, issuer: { kind: "webid", sub: `repo:acme/${acct.env}-infra:ref:refs/heads/main` },
        ips: new Weighted(ciIps.map((ip) => [ip, 1] as const)), uas: new Weighted([[jsUA(r, "s3"), 1], [goUA(r, "ecr"), 1], [cliUA(r), 1]]), mfa: false,
      } satisfies Partial<Actor>);
      add(ghaA);
      const tfA = this.baseActor(r, "role", "D", acct, share.deploy * aw * 0.3);
      Object.assign(tfA, {
        role: tf, sessionName: (rr: Rng) => `terraform-run-${1000000 + rr.int(9000000)}`, sessionMin: 5 * MIN, sessionMax: 40 * MIN, issuer: { kind: "user", actor: ciBot },
        ips: new Weighted(ciIps.map((ip) => [ip, 1] as const)), uas: new Weighted([[terraformUA(r), 1]]), mfa: false,
      } satisfies Partial<Actor>);
      add(tfA);
      const cdkA = this.baseActor(r, "role", "D", acct, share.deploy * aw * 0.1);
      Object.assign(cdkA, {
        role: cdk, sessionName: () => "AWSCloudFormation", sessionMin: 10 * MIN, sessionMax: HOUR, issuer: { kind: "service", by: "cloudformation.amazonaws.com" },
        invokedBy: "cloudformation.amazonaws.com", ips: new Weighted([["cloudformation.amazonaws.com", 1]]), uas: new Weighted([["cloudformation.amazonaws.com", 1]]), mfa: false,
      } satisfies Partial<Actor>);
      add(cdkA);
    }
    // the DeployRole story: a CI role missing permissions → many AccessDenied
    if (this.story) {
      const role = this.role(r, prod, STORY_FIXED.deniedRoleName);
      const a = this.baseActor(r, "role", "D", prod, 0.012);
      Object.assign(a, {
        role, sessionName: () => STORY_FIXED.deniedSession, sessionMin: 15 * MIN, sessionMax: HOUR, issuer: { kind: "webid", sub: "repo:acme/payments-service:environment:production" },
        ips: new Weighted(ciIps.map((ip) => [ip, 1] as const)), uas: new Weighted([[jsUA(r, "cloudformation"), 1], [cliUA(r), 1]]), mfa: false,
        denyRate: 0.45, home: this.globalRi, stick: 1,
      } satisfies Partial<Actor>);
      add(a, "story");
    }

    // --- workloads
    const workloadKinds: { name: (acct: Acct, r: Rng, fn: string) => string; by: string; session: (r: Rng, acct: Acct, fn: string) => string; ua: (r: Rng) => string; min: number; max: number }[] = [
      { name: (a) => `${a.env}-orders-api-task-role`, by: "ecs-tasks.amazonaws.com", session: (rr) => hexStr(rr, 32), ua: (rr) => javaUA(rr), min: HOUR, max: 6 * HOUR },
      { name: (_a, _rr, fn) => `${fn}-lambda-role`, by: "lambda.amazonaws.com", session: (_rr, _a, fn) => fn, ua: (rr) => botoUA(rr, true), min: HOUR, max: 12 * HOUR },
      { name: (_a, _rr, fn) => `${fn}-lambda-role`, by: "lambda.amazonaws.com", session: (_rr, _a, fn) => fn, ua: (rr) => jsUA(rr, "dynamodb"), min: HOUR, max: 12 * HOUR },
      { name: (a) => `${a.env}-app-instance-role`, by: "ec2.amazonaws.com", session: (rr, a) => rr.pick(a.instances), ua: () => SSM_AGENT_UA, min: HOUR, max: 6 * HOUR },
      { name: (_a, rr) => `eks-node-group-NodeInstanceRole-${randString(rr, ALNUM, 12)}`, by: "ec2.amazonaws.com", session: (rr, a) => rr.pick(a.instances), ua: (rr) => goUA(rr, "ecr"), min: HOUR, max: 6 * HOUR },
      { name: (a) => `${a.env}-reporting-etl-role`, by: "glue.amazonaws.com", session: () => "GlueJobRunnerSession", ua: (rr) => javaUA(rr), min: 30 * MIN, max: 2 * HOUR },
      { name: (a) => `${a.env}-ingest-worker-role`, by: "ecs-tasks.amazonaws.com", session: (rr) => hexStr(rr, 32), ua: (rr) => goUA(rr, "s3"), min: HOUR, max: 6 * HOUR },
      { name: (a) => `${a.env}-search-indexer-role`, by: "lambda.amazonaws.com", session: () => "search-indexer", ua: (rr) => botoUA(rr, true), min: HOUR, max: 12 * HOUR },
    ];
    for (const acct of accts) {
      const aw = acct.weight / acctTotal;
      const kinds = shuffle(r, workloadKinds.slice());
      const ww = zipf(kinds.length, 1.0);
      const wsum = ww.reduce((x, y) => x + y, 0);
      const fns = shuffle(r, acct.functions.slice());
      kinds.forEach((k, i) => {
        const fn = fns[i % fns.length];
        const name = k.name(acct, r, fn);
        if (acct.roles.some((x) => x.name === name)) return;
        const role = this.role(r, acct, name);
        acct.workloadRoles.push({ role, by: k.by, session: fn });
        const a = this.baseActor(r, "role", "W", acct, share.workload * aw * (ww[i] / wsum));
        const bucketNames = shuffle(r, acct.buckets.items.slice()).slice(0, 2 + r.int(2));
        Object.assign(a, {
          role, sessionName: (rr: Rng) => k.session(rr, acct, fn), sessionMin: k.min, sessionMax: k.max, issuer: { kind: "service", by: k.by },
          ips: new Weighted(acct.natIps[a.home].map((ip) => [ip, 1] as const)), uas: new Weighted([[k.ua(r), 1]]), stick: 0.97, errFactor: 1, mfa: false,
          vpce: r.chance(0.5) ? 0.5 : 0, buckets: new Weighted(bucketNames.map((b, j) => [b, 1 / (j + 1)] as const)),
        } satisfies Partial<Actor>);
        add(a);
      });
      // a third-party monitoring integration (cross-account role assumed from the vendor's account)
      const dd = this.role(r, acct, "DatadogIntegrationRole");
      const ddA = this.baseActor(r, "role", "R", acct, share.svcrole * aw * 0.2);
      Object.assign(ddA, {
        role: dd, sessionName: () => "DatadogAWSIntegration", sessionMin: HOUR, sessionMax: HOUR, issuer: { kind: "service", by: "464622532012" },
        ips: new Weighted(datadogIps.map((ip) => [ip, 1] as const)), uas: new Weighted([[goUA(r, "ec2"), 1]]), mfa: false, errFactor: 0.5,
      } satisfies Partial<Actor>);
      add(ddA);
    }

    // --- AWS services acting themselves (AWSService identity)
    for (const acct of accts) {
      const aw = acct.weight / acctTotal;
      const sw = zipf(SERVICES_INVOKING.length, 0.9);
      const swSum = sw.reduce((x, y) => x + y, 0);
      SERVICES_INVOKING.forEach((by, i) => {
        const a = this.baseActor(r, "service", "S", acct, share.service * aw * (sw[i] / swSum));
        a.invokedBy = by;
        a.staticIdent = { type: "AWSService", invokedBy: by };
        a.ips = new Weighted([[by, 1]]);
        a.uas = new Weighted([[by, 1]]);
        a.errFactor = 0.35;
        a.stick = 0.6;
        if (by === "ecs-tasks.amazonaws.com" || by === "cloudformation.amazonaws.com") a.ops = explicitOps([["sts:AssumeRole", 1]]);
        add(a);
      });
    }

    // --- service-linked roles
    const slr: { role: string; by: string; session: string; ops?: ReadonlyArray<readonly [string, number]>; w: number }[] = [
      { role: "AWSServiceRoleForConfig", by: "config.amazonaws.com", session: "AWSConfig-Describe", w: 5 },
      { role: "AWSServiceRoleForAmazonGuardDuty", by: "guardduty.amazonaws.com", session: "GuardDuty", w: 2, ops: [["ec2:DescribeInstances", 5], ["ec2:DescribeSecurityGroups", 2], ["ec2:DescribeVpcs", 1], ["s3:GetBucketAcl", 2], ["s3:GetBucketPolicy", 1], ["s3:GetBucketPublicAccessBlock", 1], ["iam:ListUsers", 0.3], ["iam:GetRole", 0.3]] },
      { role: "AWSServiceRoleForAutoScaling", by: "autoscaling.amazonaws.com", session: "AutoScaling", w: 2, ops: [["ec2:RunInstances", 20], ["ec2:TerminateInstances", 15], ["ec2:DescribeInstances", 30], ["ec2:CreateTags", 20], ["ec2:DescribeLaunchTemplateVersions", 15]] },
      { role: "AWSServiceRoleForSecurityHub", by: "securityhub.amazonaws.com", session: "securityhub", w: 1 },
      { role: "AWSServiceRoleForAccessAnalyzer", by: "access-analyzer.amazonaws.com", session: "access-analyzer", w: 0.5, ops: [["iam:GetRole", 3], ["iam:ListRoles", 2], ["s3:GetBucketPolicy", 3], ["kms:DescribeKey", 1], ["iam:GetAccountAuthorizationDetails", 0.05]] },
    ];
    const slrSum = slr.reduce((x, y) => x + y.w, 0);
    for (const acct of accts) {
      const aw = acct.weight / acctTotal;
      for (const s of slr) {
        const role = this.role(r, acct, s.role, `/aws-service-role/${s.by}/`);
        const a = this.baseActor(r, "role", "R", acct, share.svcrole * 0.8 * aw * (s.w / slrSum));
        Object.assign(a, {
          role, invokedBy: s.by, sessionName: () => s.session, sessionMin: HOUR, sessionMax: HOUR, issuer: { kind: "service", by: s.by },
          ips: new Weighted([[s.by, 1]]), uas: new Weighted([[s.by, 1]]), errFactor: 0.4, mfa: false, stick: 0.3,
        } satisfies Partial<Actor>);
        if (s.ops) a.ops = explicitOps(s.ops);
        add(a);
      }
    }

    // --- root, rarely
    for (const acct of accts) {
      const a = this.baseActor(r, "root", "X", acct, share.root * (acct.weight / acctTotal) * (acct === mgmt ? 2 : 1));
      Object.assign(a, { console: true, issuer: { kind: "console" }, ips: new Weighted([[r.pick(officeIps), 1]]), rareIp: 0.2, uas: new Weighted([[r.pick(this.consoleUas), 1], ["console.amazonaws.com", 2]]), mfa: true, errFactor: 1 } satisfies Partial<Actor>);
      add(a);
    }

    // --- a federated user (GetFederationToken broker)
    {
      const broker = { name: "sso-broker", id: iamId(r, "AIDA"), arn: `arn:aws:iam::${prod.id}:user/sso-broker`, key: iamId(r, "AKIA") };
      const a = this.baseActor(r, "federated", "H", prod, share.federated);
      Object.assign(a, { user: broker, sessionName: (rr: Rng) => rr.pick(people).split(".")[0], sessionMin: HOUR, sessionMax: 12 * HOUR, ips: new Weighted([[r.pick(officeIps), 1]]), uas: new Weighted([["console.amazonaws.com", 1]]), mfa: false, console: false } satisfies Partial<Actor>);
      add(a);
    }

    // --- story actors
    {
      const user = { name: STORY_FIXED.busyUser, id: STORY_FIXED.busyPrincipalId, arn: `arn:aws:iam::${prod.id}:user/${STORY_FIXED.busyUser}`, key: STORY_FIXED.busyAccessKeyId };
      const a = this.baseActor(r, "user", "C", prod, 0.002);
      a.ops = explicitOps([["s3:ListObjects", 3], ["s3:GetObject", 6], ["s3:PutObject", 8], ["s3:ListBuckets", 0.5], ["sts:GetCallerIdentity", 0.2]]);
      Object.assign(a, { user, shortName: user.name, ips: new Weighted([[acct0Nat(prod, a.home), 1]]), uas: new Weighted([[botoUA(r, false), 1]]), buckets: new Weighted([[`${prod.env}-backups-${prod.id}`, 1]]), errFactor: 0.3, stick: 1 } satisfies Partial<Actor>);
      a.staticIdent = this.userIdent(a, user.key);
      prod.userNames.push(user.name);
      this.busyActor = add(a, "story");
      this.busyBuckets = new Weighted([[`${prod.env}-customer-data-${prod.id}`, 1]]);
      const admin = { name: STORY_FIXED.stopLoggingUser, id: STORY_FIXED.stopLoggingPrincipalId, arn: `arn:aws:iam::${mgmt.id}:user/${STORY_FIXED.stopLoggingUser}`, key: STORY_FIXED.stopLoggingAccessKeyId };
      const l = this.baseActor(r, "user", "A", mgmt, 0.0004);
      Object.assign(l, { user: admin, shortName: admin.name, ips: new Weighted([[r.pick(officeIps), 1]]), uas: new Weighted([[cliUA(r), 1]]), home: this.globalRi, stick: 0.9 } satisfies Partial<Actor>);
      l.staticIdent = this.userIdent(l, admin.key);
      mgmt.userNames.push(admin.name);
      this.legacyAdmin = add(l, "story");
    }
    // normalize: each category gets its share; story actors keep their absolute share
    const totals = new Map<string, number>();
    for (const a of this.allActors) totals.set(a.cat, (totals.get(a.cat) ?? 0) + a.weight);
    for (const a of this.allActors) {
      if (a.cat === "story") continue;
      a.weight = (a.weight / totals.get(a.cat)!) * share[a.cat as keyof typeof share];
    }
    // bursts: humans click around, CLIs and pipelines fire sequences of calls
    const BURST: Partial<Record<Prof, [number, number]>> = { H: [16, 30_000], C: [6, 15_000], D: [12, 4_000], X: [4, 60_000], A: [4, 30_000] };
    for (const a of this.allActors) {
      const b = a.kind === "service" || a === this.busyActor ? undefined : BURST[a.prof];
      if (!b) continue;
      a.burst = b[0];
      a.burstGap = b[1];
      a.weight /= b[0]; // a pick now yields b[0] calls on average
    }
    function acct0Nat(a: Acct, home: number): string {
      return a.natIps[home][0];
    }
  }

  // ---- identities

  private userIdent(a: Actor, key: string, session?: { creation: string; mfa: boolean }): Record<string, unknown> {
    const u = a.user!;
    const ident: Record<string, unknown> = { type: "IAMUser", principalId: u.id, arn: u.arn, accountId: a.acct.id, accessKeyId: key, userName: u.name };
    if (session) ident.sessionContext = { sessionIssuer: {}, webIdFederationData: {}, attributes: { creationDate: session.creation, mfaAuthenticated: session.mfa ? "true" : "false" } };
    return ident;
  }

  private roleIdent(a: Actor, session: string, key: string, creation: string): Record<string, unknown> {
    const role = a.role!;
    const acct = role.acct.id;
    const sessionContext: Record<string, unknown> = {
      sessionIssuer: { type: "Role", principalId: role.id, arn: role.arn, accountId: acct, userName: role.name },
      webIdFederationData: a.issuer?.kind === "webid" ? { federatedProvider: `arn:aws:iam::${acct}:oidc-provider/token.actions.githubusercontent.com`, attributes: {} } : {},
      attributes: { creationDate: creation, mfaAuthenticated: a.mfa ? "true" : "false" },
    };
    if (a.sourceIdentity) sessionContext.sourceIdentity = a.sourceIdentity;
    const ident: Record<string, unknown> = {
      type: "AssumedRole",
      principalId: `${role.id}:${session}`,
      arn: `arn:aws:sts::${acct}:assumed-role/${role.name}/${session}`,
      accountId: acct,
      accessKeyId: key,
      sessionContext,
    };
    if (a.invokedBy) ident.invokedBy = a.invokedBy;
    return ident;
  }

  /** The actor's identity at time t; sets actor.fresh when a new session starts. */
  private identityOf(a: Actor, t: number): Record<string, unknown> {
    a.fresh = false;
    if (a.staticIdent) return a.staticIdent;
    if (a.cur && t < a.curEnd) return a.cur;
    const r = this.r;
    const creation = this.iso(t);
    const key = iamId(r, "ASIA");
    a.curKey = key;
    a.curEnd = t + a.sessionMin + r.float() * (a.sessionMax - a.sessionMin);
    a.fresh = a.cur !== undefined || r.chance(0.5);
    if (a.kind === "role") {
      const session = a.sessionName!(r);
      a.curSession = session;
      a.cur = this.roleIdent(a, session, key, creation);
    } else if (a.kind === "federated") {
      const name = a.sessionName!(r);
      const u = a.user!;
      a.cur = {
        type: "FederatedUser", principalId: `${a.acct.id}:${name}`, arn: `arn:aws:sts::${a.acct.id}:federated-user/${name}`, accountId: a.acct.id, accessKeyId: key,
        sessionContext: { sessionIssuer: { type: "IAMUser", principalId: u.id, arn: u.arn, accountId: a.acct.id, userName: u.name }, webIdFederationData: {}, attributes: { creationDate: creation, mfaAuthenticated: "false" } },
      };
      a.fresh = false;
    } else if (a.kind === "root") {
      a.cur = { type: "Root", principalId: a.acct.id, arn: `arn:aws:iam::${a.acct.id}:root`, accountId: a.acct.id, accessKeyId: key, sessionContext: { sessionIssuer: {}, webIdFederationData: {}, attributes: { creationDate: creation, mfaAuthenticated: "true" } } };
    } else {
      a.cur = this.userIdent(a, key, { creation, mfa: a.mfa });
    }
    return a.cur;
  }

  // ---- small services used by builders

  iso(t: number): string {
    const sec = Math.floor(t / 1000);
    if (sec !== this.isoSec) {
      this.isoSec = sec;
      this.isoStr = isoSeconds(sec * 1000);
    }
    return this.isoStr;
  }

  amzId2(): string {
    return this.amzIds[this.r.u32() & 511];
  }

  otherAccount(a: Acct): Acct {
    const n = this.accounts.length;
    return this.accounts[(a.index + 1 + this.r.int(n - 1)) % n];
  }

  private eventId(): string {
    const r = this.r;
    return uuidOf(r.u32(), r.u32(), r.u32(), mix32((this.eidCounter++ ^ this.eidKey) >>> 0));
  }

  private tlsFor(op: Op, ri: number, variant: 0 | 1, host: string | undefined): Record<string, unknown> {
    if (host === undefined) {
      const idx = (op.index * this.regions.length + ri) * 2 + variant;
      let v = this.tlsByOp[idx];
      if (!v) {
        const region = this.regions[ri];
        const h = op.src === "signin" ? "signin.aws.amazon.com" : op.global ? (op.src === "iam" || op.src === "route53" ? `${op.src}.amazonaws.com` : `${op.src}.${region}.amazonaws.com`) : `${op.src}.${region}.amazonaws.com`;
        v = this.tlsObj(variant, h);
        this.tlsByOp[idx] = v;
      }
      return v;
    }
    const k = host + variant;
    let v = this.tlsCache.get(k);
    if (!v) {
      v = this.tlsObj(variant, host);
      this.tlsCache.set(k, v);
    }
    return v;
  }

  private tlsObj(variant: 0 | 1, host: string): Record<string, unknown> {
    return variant === 0
      ? { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", clientProvidedHostHeader: host }
      : { tlsVersion: "TLSv1.2", cipherSuite: "ECDHE-RSA-AES128-GCM-SHA256", clientProvidedHostHeader: host };
  }

  private scheduleBurst(actor: Actor, t: number, left: number): void {
    const due = t + 1000 + Math.floor(-Math.log(1 - this.r.float()) * actor.burstGap);
    this.schedule({
      due,
      make: (t2) => {
        if (left > 1) this.scheduleBurst(actor, t2, left - 1);
        return this.event(actor, t2);
      },
    });
  }

  private schedule(s: Scheduled): void {
    const q = this.queue;
    let i = q.length;
    while (i > 0 && q[i - 1].due > s.due) i--;
    q.splice(i, 0, s);
  }

  // ---- time

  private slot(i: number): number {
    const x = (i + this.r.float()) / this.count;
    const cdf = this.cdf;
    const last = cdf.length - 1;
    while (this.k < last - 1 && cdf[this.k + 1] <= x) this.k++;
    const k = this.k;
    const span = cdf[k + 1] - cdf[k];
    const frac = span > 0 ? (x - cdf[k]) / span : 0;
    let t = Math.floor((this.edges[k] + frac * (this.edges[k + 1] - this.edges[k])) / 1000) * 1000;
    if (t < this.firstSec) t = this.firstSec;
    if (t > this.lastSec) t = this.lastSec;
    if (t < this.prevT) t = this.prevT;
    this.prevT = t;
    return t;
  }

  // ---- records

  next(i: number): CloudTrailRecord {
    const t = this.slot(i);
    const r = this.r;
    if (this.story && !this.stopDone && t >= this.stopAt) {
      this.stopDone = true;
      this.planStopLogging(t);
    }
    if (this.story && !this.attackDone && t >= this.attackAt) {
      this.attackDone = true;
      for (const step of attackSteps(this.accounts.map((a) => a.id), "demo", this.globalRegion)) this.schedule({ due: t + step.dt, make: step.make });
    }
    if (this.insights && this.openInsights < 16 && r.float() < 0.0006) return this.insightStart(t);
    if (this.queue.length && this.queue[0].due <= t) return this.queue.shift()!.make(t);
    if (this.story && t >= this.busyStart && t < this.busyEnd && r.float() < 0.2) return this.event(this.busyActor, t);
    const actor = this.actors.pick(r);
    if (actor.burst > 1) {
      // People and pipelines work in bursts: this pick starts a chain of calls a few seconds apart.
      const n = Math.floor(-Math.log(1 - r.float()) * (actor.burst - 1));
      if (n > 0) this.scheduleBurst(actor, t, n);
    }
    return this.event(actor, t);
  }

  private event(actor: Actor, t: number): CloudTrailRecord {
    const ident = this.identityOf(actor, t);
    if (actor.fresh) {
      if (actor.issuer?.kind === "console") return this.consoleLogin(actor, ident, t, true);
      if (actor.kind === "role") return this.sessionStart(actor, t);
    }
    if (actor === this.busyActor && t >= this.busyStart && t < this.busyEnd) {
      // The busy day: the backup key bulk-reads customer data from an unfamiliar address.
      const normal = actor.buckets;
      actor.buckets = this.busyBuckets;
      const rec = this.apiCall(actor, ident, this.r.chance(0.85) ? BUSY_GET : BUSY_LIST, t, { ip: STORY_FIXED.busyIp, ua: BUSY_UA });
      actor.buckets = normal;
      return rec;
    }
    const op = actor.ops.pick(this.r);
    if (op.name === "ConsoleLogin") return this.consoleLogin(actor, ident, t, false);
    return this.apiCall(actor, ident, op, t);
  }

  /** One API call record. `over` lets stories force values. */
  apiCall(actor: Actor, ident: Record<string, unknown>, op: Op, t: number, over?: { ip?: string; ua?: string; error?: string; noError?: boolean; acct?: Acct; regionIdx?: number }): CloudTrailRecord {
    const r = this.r;
    const c = this.ctx;
    const acct = over?.acct ?? actor.acct;
    const ri = over?.regionIdx ?? (op.global ? this.globalRi : r.float() < actor.stick ? actor.home : this.regionW.pick(r));
    const region = this.regions[ri];
    const iso = this.iso(t);
    c.a = acct;
    c.actor = actor;
    c.region = region;
    c.ri = ri;
    c.t = t;
    c.iso = iso;
    c.rp = null;
    c.re = null;
    c.res = undefined;
    c.add = undefined;
    c.resArn = undefined;
    c.shared = false;
    c.cross = undefined;
    c.host = undefined;
    c.noun = undefined;
    if (op.build) op.build(c);
    else if (!op.ro) c.rp = EMPTY;

    // source IP: service name, VPC endpoint private IP, the actor's IPs, or a rare one
    let ip: string;
    let vpce: string | undefined;
    if (over?.ip) ip = over.ip;
    else if (actor.kind === "service" || (actor.invokedBy && actor.prof === "R")) ip = actor.invokedBy!;
    else if (actor.vpce > 0 && VPCE_SOURCES.has(op.src) && r.float() < actor.vpce) {
      ip = privateIPv4(r, acct.index);
      vpce = acct.vpce[ri];
    } else if (actor.rareIp > 0 && r.float() < actor.rareIp) ip = r.chance(0.15) ? publicIPv6(r) : publicIPv4(r);
    else if (actor.prof === "W") ip = acct.natIps[ri][r.u32() & 1];
    else ip = actor.ips.pick(r);
    const ua = over?.ua ?? actor.uas.pick(r);

    // errors
    let errorCode: string | undefined = over?.error;
    let errorMessage: string | undefined;
    if (errorCode === undefined && !over?.noError) {
      if (actor.denyRate > 0 && !op.ro && r.float() < actor.denyRate * 1.6) errorCode = DENIED_CODE[op.src] ?? "AccessDenied";
      else if (actor.denyRate > 0 && r.float() < actor.denyRate * 0.5) errorCode = DENIED_CODE[op.src] ?? "AccessDenied";
      else if (r.float() < op.errRate * actor.errFactor) errorCode = op.errs.pick(r);
    }
    if (errorCode !== undefined) errorMessage = this.errorMessage(errorCode, op, ident, c);

    const rec: CloudTrailRecord = {
      eventVersion: op.ver,
      userIdentity: ident,
      eventTime: iso,
      eventSource: op.source,
      eventName: op.name,
      awsRegion: region,
      sourceIPAddress: ip,
      userAgent: ua,
    };
    if (errorCode !== undefined) {
      rec.errorCode = errorCode;
      if (errorMessage !== undefined) rec.errorMessage = errorMessage;
    }
    rec.requestParameters = c.rp;
    rec.responseElements = errorCode === undefined ? c.re : null;
    if (c.add) rec.additionalEventData = c.add;
    rec.requestID = op.src === "s3" ? upperHex16(r) : uuid(r);
    rec.eventID = this.eventId();
    rec.readOnly = op.ro;
    if (c.res) rec.resources = c.res;
    rec.eventType = op.type;
    if (op.api) rec.apiVersion = op.api;
    rec.managementEvent = !op.data;
    rec.recipientAccountId = acct.id;
    if (c.shared) rec.sharedEventID = uuid(r);
    if (vpce) {
      rec.vpcEndpointId = vpce;
      if (op.ver === "1.11") rec.vpcEndpointAccountId = acct.id;
    }
    rec.eventCategory = op.data ? "Data" : "Management";
    if (actor.kind !== "service" && op.type === "AwsApiCall" && !(actor.invokedBy && actor.prof === "R")) rec.tlsDetails = this.tlsFor(op, ri, actor.tls, c.host);
    if (actor.console && op.type === "AwsApiCall") rec.sessionCredentialFromConsole = "true";
    if (op.type === "AwsServiceEvent") this.toServiceEvent(rec, acct, c);

    if (c.cross) this.scheduleCounterpart(rec, c.cross, ident, t);
    return rec;
  }

  private toServiceEvent(rec: CloudTrailRecord, acct: Acct, c: Ctx): void {
    // Service events: {accountId, invokedBy} without a type, no user agent detail, service IP.
    rec.userIdentity = { accountId: acct.id, invokedBy: "AWS Internal" };
    rec.sourceIPAddress = "AWS Internal";
    rec.userAgent = "AWS Internal";
    delete rec.requestID;
    rec.requestParameters = null;
    rec.responseElements = null;
    rec.additionalEventData = c.add;
    rec.readOnly = false;
  }

  private scheduleCounterpart(rec: CloudTrailRecord, other: Acct, ident: Record<string, unknown>, t: number): void {
    // The other account logs the same call (same sharedEventID, own eventID), seeing the caller as AWSAccount.
    const callerAcct = String(ident.accountId ?? rec.recipientAccountId);
    this.schedule({
      due: t,
      make: (t2) => {
        const copy: CloudTrailRecord = { ...rec };
        copy.userIdentity = { type: "AWSAccount", principalId: String(ident.principalId ?? ""), accountId: callerAcct };
        copy.eventTime = this.iso(t2);
        copy.eventID = this.eventId();
        copy.recipientAccountId = other.id;
        delete copy.tlsDetails;
        delete copy.sessionCredentialFromConsole;
        delete copy.vpcEndpointId;
        delete copy.vpcEndpointAccountId;
        return copy;
      },
    });
  }

  private errorMessage(code: string, op: Op, ident: Record<string, unknown>, c: Ctx): string | undefined {
    const arn = (ident.arn as string | undefined) ?? `arn:aws:iam::${c.a.id}:root`;
    const action = op.iamAction;
    switch (code) {
      case "AccessDenied":
        if (op.src === "s3") return "Access Denied";
        return `User: ${arn} is not authorized to perform: ${action}${c.resArn ? ` on resource: ${c.resArn}` : ""} because no identity-based policy allows the ${action} action`;
      case "AccessDeniedException":
        return `User: ${arn} is not authorized to perform: ${action}${c.resArn ? ` on resource: ${c.resArn}` : ""} because no identity-based policy allows the ${action} action`;
      case "Client.UnauthorizedOperation":
        return `You are not authorized to perform this operation. User: ${arn} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action. Encoded authorization failure message: ${this.amzId2()}`;
      case "ThrottlingException":
      case "Throttling":
        return "Rate exceeded";
      case "Client.RequestLimitExceeded":
        return "Request limit exceeded.";
      case "NoSuchEntityException":
        return `The ${c.noun ?? "entity"} cannot be found.`;
      case "EntityAlreadyExistsException":
        return `${c.noun ?? "Entity"} already exists.`;
      case "NoSuchKey":
        return "The specified key does not exist.";
      case "NoSuchBucket":
        return "The specified bucket does not exist";
      case "NoSuchBucketPolicy":
        return "The bucket policy does not exist";
      case "SlowDown":
        return "Please reduce your request rate.";
      case "ResourceNotFoundException":
        return op.src === "lambda" ? `Function not found: ${c.noun ?? "unknown"}` : op.src === "dynamodb" ? "Requested resource not found" : "Secrets Manager can't find the specified secret.";
      case "Client.InvalidInstanceID.NotFound":
        return `The instance ID '${c.noun ?? "i-0"}' does not exist`;
      case "ConditionalCheckFailedException":
        return "The conditional request failed";
      case "ProvisionedThroughputExceededException":
        return "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.";
      case "TooManyRequestsException":
        return "Rate Exceeded.";
      case "ResourceAlreadyExistsException":
        return "The specified log stream already exists";
      case "TrailNotFoundException":
        return `Unknown trail: ${this.trailArn} for the user: ${c.a.id}`;
      case "ValidationError":
      case "ValidationException":
        return "1 validation error detected";
      case "LimitExceededException":
        return "Cannot exceed quota for AccessKeysPerUser: 2";
      default:
        return undefined;
    }
  }

  private consoleLogin(actor: Actor, ident: Record<string, unknown>, t: number, success: boolean): CloudTrailRecord {
    const r = this.r;
    const acct = actor.acct;
    const op = CONSOLE_LOGIN;
    const ip = actor.rareIp > 0 && r.float() < (success ? actor.rareIp : 0.6) ? publicIPv4(r) : actor.ips.pick(r);
    const browser = actor.uas.items.find((u) => u.startsWith("Mozilla")) ?? this.consoleUas[0];
    let userIdentity: Record<string, unknown>;
    if (success) userIdentity = ident;
    else if (actor.kind === "root") userIdentity = { type: "Root", principalId: acct.id, arn: `arn:aws:iam::${acct.id}:root`, accountId: acct.id, accessKeyId: "" };
    else if (actor.user) userIdentity = { type: "IAMUser", principalId: actor.user.id, accountId: acct.id, accessKeyId: "", userName: actor.user.name };
    else userIdentity = ident;
    const sso = actor.kind === "role";
    const add: Record<string, unknown> = sso
      ? { MobileVersion: "No", MFAUsed: "No" }
      : { LoginTo: "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_" + hexStr(r, 16), MobileVersion: "No", MFAUsed: actor.mfa ? "Yes" : "No" };
    const rec: CloudTrailRecord = {
      eventVersion: op.ver,
      userIdentity,
      eventTime: this.iso(t),
      eventSource: op.source,
      eventName: op.name,
      awsRegion: this.globalRegion,
      sourceIPAddress: ip,
      userAgent: browser,
    };
    if (!success) rec.errorMessage = "Failed authentication";
    rec.requestParameters = null;
    rec.responseElements = { ConsoleLogin: success ? "Success" : "Failure" };
    rec.additionalEventData = add;
    rec.eventID = this.eventId();
    rec.readOnly = false;
    rec.eventType = "AwsConsoleSignIn";
    rec.managementEvent = true;
    rec.recipientAccountId = acct.id;
    rec.eventCategory = "Management";
    rec.tlsDetails = this.tlsFor(op, this.globalRi, actor.tls, undefined);
    return rec;
  }

  /** A new role session: the AssumeRole (or AssumeRoleWithWebIdentity) call that created it. */
  private sessionStart(actor: Actor, t: number): CloudTrailRecord {
    const issuer = actor.issuer!;
    const role = actor.role!;
    const session = actor.curSession!;
    const key = actor.curKey!;
    const r = this.r;
    const op = issuer.kind === "webid" ? ASSUME_WEBID : ASSUME_ROLE;
    const rp: Record<string, unknown> = { roleArn: role.arn, roleSessionName: session, durationSeconds: 3600 };
    const re = {
      credentials: { accessKeyId: key, sessionToken: r.pick(this.tokens), expiration: awsDate(actor.curEnd) },
      assumedRoleUser: { assumedRoleId: `${role.id}:${session}`, arn: `arn:aws:sts::${role.acct.id}:assumed-role/${role.name}/${session}` },
    };
    if (issuer.kind === "webid") {
      Object.assign(re, { subjectFromWebIdentityToken: issuer.sub, provider: `arn:aws:iam::${role.acct.id}:oidc-provider/token.actions.githubusercontent.com`, audience: "sts.amazonaws.com" });
      const ident = { type: "WebIdentityUser", principalId: `arn:aws:iam::${role.acct.id}:oidc-provider/token.actions.githubusercontent.com:sts.amazonaws.com:${issuer.sub}`, userName: issuer.sub, identityProvider: `arn:aws:iam::${role.acct.id}:oidc-provider/token.actions.githubusercontent.com` };
      return this.stsRecord(op, ident, actor, t, rp, re, actor.ips.pick(r), GH_ACTION_UA, true);
    }
    if (issuer.kind === "saml") {
      const idp = `arn:aws:iam::${role.acct.id}:saml-provider/AWSSSO_${this.ssoIdpSuffix}_DO_NOT_DELETE`;
      Object.assign(re, { subject: issuer.email, subjectType: "persistent", issuer: `https://portal.sso.${this.globalRegion}.amazonaws.com/saml/assertion/${this.ssoAssertionId}`, audience: "https://signin.aws.amazon.com/saml", nameQualifier: this.ssoNameQualifier });
      const ident = { type: "SAMLUser", principalId: `${this.ssoNameQualifier}:${issuer.email}`, userName: issuer.email, identityProvider: this.ssoNameQualifier };
      return this.stsRecord(ASSUME_SAML, ident, actor, t, { ...rp, principalArn: idp }, re, actor.ips.pick(r), actor.uas.pick(r), true);
    }
    if (issuer.kind === "user") {
      const u = issuer.actor;
      return this.stsRecord(op, this.identityOf(u, t), u, t, rp, re, u.ips.pick(r), u.uas.pick(r), true, role);
    }
    if (issuer.kind === "service") {
      if (/^\d{12}$/.test(issuer.by)) {
        // third-party account
        const ident = { type: "AWSAccount", principalId: `AROA${randString(r, B32, 16)}:${session}-${r.int(1e6)}`, accountId: issuer.by };
        return this.stsRecord(op, ident, actor, t, rp, re, actor.ips.pick(r), actor.uas.pick(r), true);
      }
      const ident = { type: "AWSService", invokedBy: issuer.by };
      return this.stsRecord(op, ident, actor, t, rp, re, issuer.by, issuer.by, false);
    }
    return this.stsRecord(op, this.identityOf(actor, t), actor, t, rp, re, actor.ips.pick(r), actor.uas.pick(r), true);
  }

  private stsRecord(op: Op, ident: Record<string, unknown>, actor: Actor, t: number, rp: unknown, re: unknown, ip: string, ua: string, tls: boolean, role = actor.role!): CloudTrailRecord {
    const r = this.r;
    const ri = actor.home;
    const rec: CloudTrailRecord = {
      eventVersion: op.ver,
      userIdentity: ident,
      eventTime: this.iso(t),
      eventSource: op.source,
      eventName: op.name,
      awsRegion: this.regions[ri],
      sourceIPAddress: ip,
      userAgent: ua,
      requestParameters: rp,
      responseElements: re,
      requestID: uuid(r),
      eventID: this.eventId(),
      readOnly: true,
      resources: [{ accountId: role.acct.id, type: "AWS::IAM::Role", ARN: role.arn }],
      eventType: "AwsApiCall",
      managementEvent: true,
      recipientAccountId: role.acct.id,
      eventCategory: "Management",
    };
    if (ident.type === "AWSService" && r.chance(0.3)) rec.sharedEventID = uuid(r);
    if (tls) rec.tlsDetails = this.tlsFor(op, ri, actor.tls, undefined);
    return rec;
  }

  /** Background AssumeRole calls (not tied to an actor's own sessions). */
  buildAssumeRole(c: Ctx): void {
    const r = c.r;
    let target: RoleDef;
    let session: string;
    if (c.actor.kind === "service") {
      // a service assumes a workload role it runs (Lambda → function roles, ECS → task roles, …)
      const by = c.actor.invokedBy!;
      const mine = c.a.workloadRoles.filter((w) => w.by === by);
      const w = mine.length ? r.pick(mine) : r.pick(c.a.workloadRoles);
      target = w.role;
      session = by === "lambda.amazonaws.com" ? w.session : by === "ec2.amazonaws.com" ? r.pick(c.a.instances) : `${by.split(".")[0]}-${hexStr(r, 8)}`;
    } else {
      if (c.actor.prof !== "W" && this.accounts.length > 1 && r.chance(0.2)) {
        const other = this.otherAccount(c.a);
        target = r.chance(0.7) ? other.orgAccessRole : r.pick(other.assumable);
        c.cross = other;
        c.shared = true;
      } else target = r.pick(c.a.assumable);
      session = c.actor.shortName ? `${c.actor.shortName}-${r.int(1e6)}` : `botocore-session-${Math.floor(c.t / 1000) - r.int(3600)}`;
    }
    c.rp = { roleArn: target.arn, roleSessionName: session, durationSeconds: 3600 };
    c.re = {
      credentials: { accessKeyId: iamId(r, "ASIA"), sessionToken: r.pick(this.tokens), expiration: awsDate(c.t + HOUR) },
      assumedRoleUser: { assumedRoleId: `${target.id}:${session}`, arn: `arn:aws:sts::${target.acct.id}:assumed-role/${target.name}/${session}` },
    };
    c.res = [{ accountId: target.acct.id, type: "AWS::IAM::Role", ARN: target.arn }];
    c.resArn = target.arn;
    if (c.actor.kind === "service" && r.chance(0.3)) c.shared = true;
  }

  // ---- insights

  private insightStart(t: number): CloudTrailRecord {
    const r = this.r;
    const acct = this.actors.pick(r).acct;
    const region = this.regions[this.regionW.pick(r)];
    const op = opNamed(INSIGHT_TARGET_W.pick(r));
    const error = r.chance(0.3);
    const baseline = error ? 0.0001 + r.float() * 0.01 : 0.05 + r.float() * 3;
    const insight = error ? 0.3 + r.float() * 0.6 : baseline * (8 + r.float() * 60);
    const errorCode = error ? (DENIED_CODE[op.src] ?? "AccessDenied") : undefined;
    let culprit = this.actors.pick(r);
    for (let i = 0; i < 50 && (culprit.acct !== acct || culprit.kind === "service"); i++) culprit = this.actors.pick(r);
    const arn = String(culprit.cur?.arn ?? culprit.staticIdent?.arn ?? (culprit.role ? `arn:aws:sts::${acct.id}:assumed-role/${culprit.role.name}/${culprit.sessionName?.(r) ?? "session"}` : culprit.user?.arn ?? `arn:aws:iam::${acct.id}:root`));
    const round = (x: number): number => Math.round(x * 1e6) / 1e6;
    const attributions = [
      { attribute: "userIdentityArn", insight: [{ value: arn, average: round(insight * 0.9) }, { value: `arn:aws:sts::${acct.id}:assumed-role/${r.pick(acct.roles).name}/session`, average: round(insight * 0.1) }], baseline: [{ value: arn, average: round(baseline * 0.5) }] },
      { attribute: "userAgent", insight: [{ value: culprit.uas.items[0], average: round(insight) }], baseline: [{ value: culprit.uas.items[0], average: round(baseline) }] },
      { attribute: "errorCode", insight: [{ value: errorCode ?? "null", average: round(insight) }], baseline: [{ value: "null", average: round(baseline) }] },
    ];
    const open: InsightOpen = { acct, region, op, type: error ? "ApiErrorRateInsight" : "ApiCallRateInsight", shared: uuid(r), startT: t, baseline: round(baseline), insight: round(insight), errorCode, attributions };
    this.openInsights++;
    const durationMin = 1 + Math.floor(Math.pow(r.float(), 2) * 120);
    this.schedule({ due: t + durationMin * MIN, make: (t2) => this.insightRecord(open, "End", t2) });
    return this.insightRecord(open, "Start", t);
  }

  private insightRecord(o: InsightOpen, state: "Start" | "End", t: number): CloudTrailRecord {
    if (state === "End") this.openInsights--;
    const statistics: Record<string, unknown> = { baseline: { average: o.baseline }, insight: { average: o.insight }, baselineDuration: 10080 };
    if (state === "End") statistics.insightDuration = Math.max(1, Math.round((t - o.startT) / MIN));
    const insightDetails: Record<string, unknown> = { state, eventSource: o.op.source, eventName: o.op.name, insightType: o.type };
    if (o.errorCode) insightDetails.errorCode = o.errorCode;
    insightDetails.insightContext = { statistics, attributions: o.attributions };
    return {
      eventVersion: "1.07",
      eventTime: this.iso(t),
      awsRegion: o.region,
      eventID: this.eventId(),
      eventType: "AwsCloudTrailInsight",
      recipientAccountId: o.acct.id,
      sharedEventID: o.shared,
      insightDetails,
      eventCategory: "Insight",
    };
  }

  // ---- the StopLogging story

  private planStopLogging(t: number): void {
    const a = this.legacyAdmin;
    const ident = a.staticIdent!;
    const ip = STORY_FIXED.stopLoggingIp;
    const ua = "aws-cli/2.22.35 md/awscrt#0.23.4 ua/2.0 os/linux#6.8.0-49-generic md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off";
    const steps: [string, number][] = [
      ["sts:GetCallerIdentity", 0],
      ["iam:ListUsers", 25_000],
      ["cloudtrail:DescribeTrails", 70_000],
      ["cloudtrail:GetTrailStatus", 95_000],
      ["cloudtrail:StopLogging", 130_000],
      ["iam:CreateUser", 4 * MIN],
      ["iam:AttachUserPolicy", 5 * MIN],
      ["iam:CreateAccessKey", 6 * MIN],
      ["s3:ListBuckets", 9 * MIN],
    ];
    for (const [name, dt] of steps) {
      const op = opNamed(name);
      this.schedule({ due: t + dt, make: (t2) => this.apiCall(a, ident, op, t2, { ip, ua, noError: true, regionIdx: this.globalRi, acct: a.acct }) });
    }
    // An administrator notices and turns logging back on a few hours later.
    const admin = this.ssoAdmin;
    this.schedule({
      due: t + 3 * HOUR,
      make: (t2) => this.apiCall(admin, this.identityOf(admin, t2), opNamed("cloudtrail:StartLogging"), t2, { regionIdx: this.globalRi, acct: this.accounts[0], noError: true }),
    });
  }
}

const HOUR_SHAPE = [0.42, 0.38, 0.35, 0.34, 0.35, 0.4, 0.5, 0.65, 0.82, 0.95, 1, 1, 0.97, 1, 1, 1, 0.98, 0.92, 0.85, 0.78, 0.68, 0.58, 0.5, 0.45];
const VPCE_SOURCES = new Set(["s3", "dynamodb", "kms", "secretsmanager", "sts", "ssm", "logs"]);
const CONSOLE_LOGIN = opNamed("signin:ConsoleLogin");
const ASSUME_ROLE = opNamed("sts:AssumeRole");
const ASSUME_WEBID: Op = { ...ASSUME_ROLE, name: "AssumeRoleWithWebIdentity", iamAction: "sts:AssumeRoleWithWebIdentity", index: OPS.length };
const ASSUME_SAML: Op = { ...ASSUME_ROLE, name: "AssumeRoleWithSAML", iamAction: "sts:AssumeRoleWithSAML", index: OPS.length + 1 };
const BUSY_GET = opNamed("s3:GetObject");
const BUSY_LIST = opNamed("s3:ListObjects");
const BUSY_UA = "aws-cli/1.18.69 Python/2.7.18 Linux/4.14.355-275.570.amzn2.x86_64 botocore/1.16.19";
const INSIGHT_TARGET_W = new Weighted(INSIGHT_TARGETS);

/**
 * Yields `count` CloudTrail records in ascending eventTime order over [start, end). Deterministic
 * for a given seed. Records may share nested objects: treat them as read-only.
 */
export function* generateRecords(opts: GenerateOptions): Generator<CloudTrailRecord, void, undefined> {
  const g = new Generator_(opts);
  for (let i = 0; i < g.count; i++) yield g.next(i);
}

/** Just the Insights events of a run (those generateRecords mixes in), in order. */
export function* generateInsightRecords(opts: GenerateOptions): Generator<CloudTrailRecord, void, undefined> {
  for (const rec of generateRecords({ ...opts, insights: true })) if (rec.eventType === "AwsCloudTrailInsight") yield rec;
}

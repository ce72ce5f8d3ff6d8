// Query semantics and export formatting against a real PostgreSQL: records go in through the real
// ingest path (normalizeRecord → Loader.commit), come out through parseEventQuery + listEvents /
// countEvents / exportStream, and every expected result is computed independently in this file by
// a small reference implementation of the contract's filter semantics.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSV_FIELDS } from "../lib/fields";
import { exportStream, type ExportFormat } from "../lib/export/stream";
import { CrlfWriter, sqlLiteral } from "../lib/export/copy-csv";
import { Loader } from "../lib/ingest/loader";
import { encodeLine, normalizeRecord } from "../lib/ingest/normalize";
import { countEvents, getEventJson, listEvents } from "../lib/query/events";
import { exactValue } from "../lib/query/filter-value";
import { ParamError, parseEventQuery, type EventQuery } from "../lib/query/params";
import { migrate } from "../lib/store/migrate";
import { SketchBuilder } from "../lib/store/sketch";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";
import { parseCsv } from "./helpers/csv";
import { readAll } from "./helpers/stream";

// ---- the data set -------------------------------------------------------------------------------

type Rec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NOW = new Date("2026-11-20T12:00:00.000Z");
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const ACCT = "111122223333";
const ACCT2 = "444455556666";
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
const pad = (n: number) => String(n).padStart(4, "0");
// All ids share the prefix and differ only in digits: the same order under any collation.
const idOf = (n: number) => `evt-${pad(n)}`;

const NAMES = ["CreateUser", "DeleteUser", "ListUsers", "ConsoleLogin", "GetObject", "PutObject", "AssumeRole", "DescribeInstances"];
const SOURCE: Record<string, string> = {
  CreateUser: "iam.amazonaws.com",
  DeleteUser: "iam.amazonaws.com",
  ListUsers: "iam.amazonaws.com",
  ConsoleLogin: "signin.amazonaws.com",
  GetObject: "s3.amazonaws.com",
  PutObject: "s3.amazonaws.com",
  AssumeRole: "sts.amazonaws.com",
  DescribeInstances: "ec2.amazonaws.com",
};
const REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"];

function identityFor(i: number): Rec {
  switch (i % 6) {
    case 0:
      return { type: "IAMUser", principalId: "AIDAALICE", arn: `arn:aws:iam::${ACCT}:user/alice`, accountId: ACCT, accessKeyId: "AKIAALICE0000000001", userName: "alice" };
    case 1:
      return { type: "IAMUser", principalId: "AIDABOB", arn: `arn:aws:iam::${ACCT}:user/bob`, accountId: ACCT, accessKeyId: "AKIABOB00000000002", userName: "bob" };
    case 2:
      return {
        type: "AssumedRole",
        principalId: "AROAADMIN:carol-session",
        arn: `arn:aws:sts::${ACCT}:assumed-role/Admin/carol-session`,
        accountId: ACCT,
        accessKeyId: "ASIACAROL000000003",
        sessionContext: { sessionIssuer: { type: "Role", principalId: "AROAADMIN", arn: `arn:aws:iam::${ACCT}:role/Admin`, accountId: ACCT, userName: "Admin" } },
      };
    case 3:
      return { type: "Root", principalId: ACCT, arn: `arn:aws:iam::${ACCT}:root`, accountId: ACCT, accessKeyId: "ASIAROOT0000000004" };
    case 4:
      return { type: "FederatedUser", principalId: `${ACCT}:dave`, arn: `arn:aws:sts::${ACCT}:federated-user/dave`, accountId: ACCT, accessKeyId: "ASIADAVE000000005" };
    default:
      return { type: "AWSService", invokedBy: "ec2.amazonaws.com" };
  }
}

function generated(i: number): Rec {
  const name = NAMES[i % NAMES.length];
  const ident = identityFor(i);
  const service = ident.type === "AWSService";
  const r: Rec = {
    eventVersion: "1.11",
    userIdentity: ident,
    eventTime: iso(NOW.getTime() - (i % 25) * 3 * HOUR), // ties: 2 or 3 events per instant
    eventSource: SOURCE[name],
    eventName: name,
    awsRegion: REGIONS[i % 3],
    sourceIPAddress: service ? "ec2.amazonaws.com" : `203.0.113.${i % 5}`,
    userAgent: service ? "ec2.amazonaws.com" : `aws-cli/2.${i % 4}.0`,
    requestParameters: null,
    responseElements: null,
    requestID: `req-${i}`,
    eventID: idOf(i),
    eventType: name === "ConsoleLogin" ? "AwsConsoleSignIn" : "AwsApiCall",
    managementEvent: !(name === "GetObject" || name === "PutObject"),
    recipientAccountId: i % 4 === 3 ? ACCT2 : ACCT,
    eventCategory: name === "GetObject" || name === "PutObject" ? "Data" : "Management",
  };
  if (i % 9 !== 4) r.readOnly = ["ListUsers", "GetObject", "DescribeInstances"].includes(name);
  const err =
    i % 7 === 0 ? "AccessDenied"
    : i % 11 === 3 ? "Client.UnauthorizedOperation"
    : i % 13 === 5 ? "NoSuchBucket"
    : i % 17 === 2 ? "Server.UnauthorizedOperation"
    : null;
  if (err) {
    r.errorCode = err;
    r.errorMessage = `${err} for request ${i}`;
  }
  if (name === "GetObject" || name === "PutObject") {
    r.requestParameters = { bucketName: `bucket-${i % 3}`, key: `obj-${i}.txt` };
    r.resources = [
      { type: "AWS::S3::Object", ARN: `arn:aws:s3:::bucket-${i % 3}/obj-${i}.txt` },
      { accountId: ACCT, type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::bucket-${i % 3}` },
    ];
  } else if (name === "CreateUser" || name === "DeleteUser") {
    r.requestParameters = { userName: `u${i}` };
    r.resources = [{ type: "AWS::IAM::User", ARN: `arn:aws:iam::${ACCT}:user/u${i}` }];
  } else if (name === "AssumeRole") {
    r.requestParameters = { roleArn: `arn:aws:iam::${ACCT}:role/Admin`, roleSessionName: `s${i}` };
    r.resources = [
      { accountId: ACCT, type: "AWS::IAM::Role", ARN: `arn:aws:iam::${ACCT}:role/Admin` },
      { accountId: ACCT, type: "AWS::IAM::Role", ARN: `arn:aws:iam::${ACCT}:role/Admin` },
    ];
  }
  return r;
}

const INJECTION = "'; DROP TABLE events; --";

function specials(): Rec[] {
  const base = (n: number, over: Rec): Rec => ({
    eventVersion: "1.11",
    userIdentity: identityFor(0),
    eventTime: iso(NOW.getTime() - 2 * HOUR),
    eventSource: "s3.amazonaws.com",
    eventName: "GetObject",
    awsRegion: "us-east-1",
    sourceIPAddress: "198.51.100.7",
    userAgent: "aws-sdk-js/3.0",
    requestID: `req-special-${n}`,
    eventID: idOf(n),
    readOnly: true,
    eventType: "AwsApiCall",
    managementEvent: false,
    recipientAccountId: ACCT,
    eventCategory: "Data",
    ...over,
  });
  const insight = (n: number, state: string, hoursAgo: number): Rec => ({
    eventVersion: "1.08",
    eventTime: iso(NOW.getTime() - hoursAgo * HOUR),
    awsRegion: "us-east-1",
    eventID: idOf(n),
    eventType: "AwsCloudTrailInsight",
    recipientAccountId: ACCT,
    sharedEventID: "5f1b4c5e-insight-shared",
    insightDetails: {
      state,
      eventSource: "ec2.amazonaws.com",
      eventName: "RunInstances",
      insightType: "ApiCallRateInsight",
      insightContext: { statistics: { baseline: { average: 0.0017 }, insight: { average: 3.2 } } },
    },
    eventCategory: "Insight",
  });
  return [
    insight(100, "Start", 5),
    insight(101, "End", 4),
    base(102, {
      requestParameters: { bucketName: "Secret-Bucket-XYZ-42", key: "report.pdf" },
      resources: [{ type: "AWS::S3::Bucket", ARN: "arn:aws:s3:::Secret-Bucket-XYZ-42" }],
      userAgent: INJECTION,
    }),
    base(103, { userAgent: "Mozilla/5.0 100%_done" }),
    base(104, { userAgent: "Mozilla/5.0 100Xdone" }),
    base(105, { userAgent: "Mozilla/5.0 100XYdone" }),
    base(106, { userAgent: "Mozilla/5.0 100_done" }),
    base(107, { userAgent: "C:\\Tools\\agent.exe", requestParameters: { path: "C:\\Tools\\agent.exe" } }),
    base(108, {
      userIdentity: { type: "IAMUser", principalId: "AIDAJURGEN", arn: `arn:aws:iam::${ACCT}:user/jürgen`, accountId: ACCT, userName: "jürgen" },
      userAgent: "Zürich-Agent/1.0 😀 日本語",
    }),
    base(109, {
      eventName: "PutObject",
      readOnly: false,
      userAgent: '=HYPERLINK("http://evil.example","click"),x',
      sourceIPAddress: "@evil",
      errorCode: "AccessDenied",
      errorMessage: 'line1\nline2, "quoted"\r\nline3',
      resources: [
        { type: "AWS::S3::Bucket", ARN: "arn:aws:s3:::csv,bucket" },
        { type: "AWS::S3::Object", ARN: 'arn:aws:s3:::csv,bucket/"q".txt' },
      ],
    }),
    base(110, {
      eventVersion: "1.02",
      eventTime: iso(NOW.getTime() - 10 * DAY),
      userIdentity: { type: "Root", principalId: ACCT, arn: `arn:aws:iam::${ACCT}:root`, accountId: ACCT },
      eventSource: "iam.amazonaws.com",
      eventName: "ListUsers",
      readOnly: "false", // some old records carry it as a string
      eventCategory: "Management",
    }),
    base(111, {
      userIdentity: {
        type: "AssumedRole",
        principalId: "AROACROSS:eve-session",
        arn: "arn:aws:sts::999988887777:assumed-role/CrossRole/eve-session",
        accountId: "999988887777",
        accessKeyId: "ASIAEVE0000000011",
        sessionContext: { sessionIssuer: { type: "Role", arn: "arn:aws:iam::999988887777:role/CrossRole", accountId: "999988887777", userName: "CrossRole" } },
      },
      eventSource: "sts.amazonaws.com",
      eventName: "AssumeRole",
      readOnly: true,
      eventCategory: "Management",
      eventTime: "2026-11-20T11:59:59.500Z",
    }),
    base(112, {
      userIdentity: { type: "Root", principalId: ACCT, arn: `arn:aws:iam::${ACCT}:root`, accountId: ACCT },
      eventSource: "signin.amazonaws.com",
      eventName: "ConsoleLogin",
      eventType: "AwsConsoleSignIn",
      eventCategory: "Management",
      readOnly: false,
      responseElements: { ConsoleLogin: "Success" },
      additionalEventData: { MFAUsed: "Yes", LoginTo: "https://console.aws.amazon.com/" },
      eventTime: iso(NOW.getTime() - 8 * DAY),
    }),
    // Values holding `*` and a leading `!`: filtered exactly only through the escapes.
    base(113, { userAgent: "glob*agent", resources: [{ type: "AWS::S3::Object", ARN: "arn:aws:s3:::logs/*" }] }),
    base(114, { userAgent: "!bang-agent", resources: [{ type: "AWS::S3::Object", ARN: "arn:aws:s3:::logs/2026" }] }),
    base(115, { userAgent: "glob-x-agent" }),
  ];
}

const RECORDS: Rec[] = [...Array.from({ length: 50 }, (_, i) => generated(i)), ...specials()];
const BY_ID = new Map(RECORDS.map((r) => [r.eventID as string, r]));

// ---- the reference implementation of the contract ----------------------------------------------

type Value = string | boolean | string[] | null;

function refUsername(r: Rec): string | null {
  const id = r.userIdentity;
  if (!id) return null;
  if (id.type === "Root") return "root";
  if (id.type === "AssumedRole" || id.type === "FederatedUser") return String(id.arn).split("/").pop()!;
  if (id.type === "AWSService") return null; // LookupEvents reports no user name for AWS services
  return id.userName ?? null;
}

const REF_FIELDS: Record<string, (r: Rec) => Value> = {
  eventName: (r) => r.eventName ?? null,
  eventSource: (r) => r.eventSource ?? null,
  awsRegion: (r) => r.awsRegion ?? null,
  eventID: (r) => r.eventID,
  eventType: (r) => r.eventType ?? null,
  eventCategory: (r) => r.eventCategory ?? null,
  accountId: (r) => r.recipientAccountId ?? null,
  username: refUsername,
  principalArn: (r) => r.userIdentity?.arn ?? null,
  identityType: (r) => r.userIdentity?.type ?? null,
  accessKeyId: (r) => r.userIdentity?.accessKeyId ?? null,
  sourceIPAddress: (r) => r.sourceIPAddress ?? null,
  userAgent: (r) => r.userAgent ?? null,
  errorCode: (r) => r.errorCode ?? null,
  readOnly: (r) => (r.readOnly === true || r.readOnly === "true" ? true : r.readOnly === false || r.readOnly === "false" ? false : null),
  resourceName: (r) => (Array.isArray(r.resources) ? r.resources.map((x: Rec) => x.ARN) : []),
  resourceType: (r) => (Array.isArray(r.resources) ? r.resources.map((x: Rec) => x.type) : []),
};

/** A value as written: `*` any run; a backslash before `*`, `!` or `\\` makes it literal, before anything else is itself literal. */
function glob(pattern: string, value: string): boolean {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    let c = pattern[i];
    if (c === "\\" && ["*", "!", "\\"].includes(pattern[i + 1])) c = pattern[++i];
    else if (c === "*") {
      re += ".*";
      continue;
    }
    re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(re + "$", "s").test(value);
}

function valueMatches(v: Value, pattern: string): boolean {
  if (v === null) return false;
  if (typeof v === "boolean") return String(v) === pattern;
  if (Array.isArray(v)) return v.some((x) => glob(pattern, x));
  return glob(pattern, v);
}

/** Every key and leaf value of the record, as text. */
function texts(v: unknown, out: string[] = []): string[] {
  if (v === null || v === undefined) return out;
  if (typeof v !== "object") out.push(String(v));
  else if (Array.isArray(v)) v.forEach((x) => texts(x, out));
  else for (const [k, x] of Object.entries(v)) (out.push(k), texts(x, out));
  return out;
}

function refInstant(raw: string, now: Date): number {
  const m = /^now(?:-(\d+)([mhd]))?$/.exec(raw);
  if (m) return now.getTime() - (m[1] ? Number(m[1]) * { m: 60_000, h: HOUR, d: DAY }[m[2] as "m" | "h" | "d"] : 0);
  return new Date(raw).getTime();
}

const NON_FILTERS = new Set(["from", "to", "q", "sort", "limit", "cursor", "columns", "tz", "event", "format", "facets", "panel"]);

/** The records the contract says a query string selects (any order). */
function refFilter(qs: string, now = NOW): Rec[] {
  const sp = new URLSearchParams(qs);
  return RECORDS.filter((r) => {
    for (const name of new Set(sp.keys())) {
      if (NON_FILTERS.has(name)) continue;
      const v = REF_FIELDS[name](r);
      const values = sp.getAll(name);
      const inc = values.filter((x) => !x.startsWith("!"));
      const exc = values.filter((x) => x.startsWith("!")).map((x) => x.slice(1));
      if (inc.length && !inc.some((p) => valueMatches(v, p))) return false;
      if (exc.some((p) => valueMatches(v, p))) return false;
    }
    const t = new Date(r.eventTime).getTime();
    if (sp.get("from") && t < refInstant(sp.get("from")!, now)) return false;
    if (sp.get("to") && t >= refInstant(sp.get("to")!, now)) return false;
    const terms = sp.getAll("q").filter((s) => s.trim() !== "");
    if (terms.length) {
      const hay = texts(r).map((s) => s.toLowerCase());
      if (!terms.some((term) => hay.some((h) => h.includes(term.trim().toLowerCase())))) return false;
    }
    return true;
  });
}

const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function sortValue(r: Rec, key: string): number | string | boolean | null {
  if (key === "eventTime") return new Date(r.eventTime).getTime();
  return REF_FIELDS[key](r) as string | boolean | null;
}

/** By time: ORDER BY eventTime <dir>, eventID <dir>; else <field> <dir> NULLS LAST, eventTime DESC, eventID DESC. */
function refSort(recs: Rec[], key = "eventTime", dir: "asc" | "desc" = "desc"): string[] {
  const s = dir === "asc" ? 1 : -1;
  return [...recs]
    .sort((a, b) => {
      const va = sortValue(a, key);
      const vb = sortValue(b, key);
      if (va === null && vb !== null) return 1;
      if (vb === null && va !== null) return -1;
      if (va !== null && vb !== null && va !== vb) {
        const c = typeof va === "string" ? cmpStr(va, vb as string) : va < vb ? -1 : 1;
        return c * s;
      }
      if (key === "eventTime") return cmpStr(a.eventID, b.eventID) * s;
      // Equal values keep the timeline's order: newest first, then eventID descending.
      const ta = new Date(a.eventTime).getTime();
      const tb = new Date(b.eventTime).getTime();
      return ta !== tb ? tb - ta : -cmpStr(a.eventID, b.eventID);
    })
    .map((r) => r.eventID as string);
}

const refIds = (qs: string, now = NOW) => refFilter(qs, now).map((r) => r.eventID as string).sort(cmpStr);

// ---- database -----------------------------------------------------------------------------------

let tdb: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  tdb = await createTestDatabase("ts_query");
  await migrate(tdb.url);
  pool = new pg.Pool({ connectionString: tdb.url, max: 4 });
  // As lib/store/db.ts does: a connection the pool's idle timer is still closing when afterAll
  // drops the database gets "terminating connection" — without a listener, an uncaught error.
  pool.on("error", () => {});
  const lines: Uint8Array[] = [];
  const ids: string[] = [];
  const rollups: string[] = [];
  // Search sketches of 7 events each over all but the last 5 records: every q test below runs
  // through narrowing to candidate blocks, and the unsketched rows (search_block NULL) must still
  // be found.
  const sketch = new SketchBuilder(7);
  for (const [i, r] of RECORDS.entries()) {
    const n = normalizeRecord(r, {});
    if (!n.ok) throw new Error(`fixture ${r.eventID} rejected: ${n.reason}`);
    if (i < RECORDS.length - 5) sketch.add(n.text);
    expect(n.id).toBe(r.eventID);
    lines.push(encodeLine(n.line));
    ids.push(n.id);
    rollups.push(n.rollup);
  }
  const loader = new Loader(pool, () => {}, { blockEvents: 7 });
  const inserted = await loader.commit({ rows: { lines, ids, rollups, sketches: sketch.finish() }, objects: [], cursors: [] });
  expect(inserted).toBe(RECORDS.length);
});

afterAll(async () => {
  await pool?.end();
  await tdb?.drop();
});

function parse(qs: string, now = NOW): EventQuery {
  return parseEventQuery(new URLSearchParams(qs), { now, paging: true });
}

/** All events of a query, page by page (limit from the query string, default 1000). */
async function listAll(qs: string, now = NOW): Promise<{ ids: string[]; pages: number }> {
  const base = new URLSearchParams(qs);
  if (!base.has("limit")) base.set("limit", "1000");
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sp = new URLSearchParams(base);
    if (cursor) sp.set("cursor", cursor);
    const page = await listEvents(pool, parseEventQuery(sp, { now, paging: true }));
    pages++;
    expect(page.events.length).toBeLessThanOrEqual(Number(base.get("limit")));
    if (page.nextCursor) expect(page.events.length).toBe(Number(base.get("limit")));
    ids.push(...page.events.map((e) => e.eventID as string));
    cursor = page.nextCursor;
    if (pages > 200) throw new Error("paging does not end");
  } while (cursor);
  return { ids, pages };
}

/** Checks list (in the reference order), count, and that the result is what the reference says. */
async function expectQuery(qs: string, expected?: string[], now = NOW): Promise<string[]> {
  const ref = refIds(qs, now);
  if (expected) expect(ref, `reference for ${qs}`).toEqual([...expected].sort(cmpStr));
  const sp = new URLSearchParams(qs);
  const [key, dir] = (sp.get("sort") ?? "eventTime:desc").split(":") as [string, "asc" | "desc"];
  const { ids } = await listAll(qs, now);
  expect(ids, qs).toEqual(refSort(refFilter(qs, now), key, dir));
  expect(await countEvents(pool, parse(qs, now)), `count ${qs}`).toBe(ref.length);
  return ids;
}

async function paramError(p: Promise<unknown> | (() => unknown)): Promise<ParamError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(ParamError);
    return err as ParamError;
  }
  throw new Error("expected a ParamError, nothing was thrown");
}

async function exportText(qs: string, format: ExportFormat): Promise<string> {
  // The export route parses without paging: limit/cursor never truncate an export.
  return readAll(exportStream(pool, parseEventQuery(new URLSearchParams(qs), { now: NOW }), format));
}

// ---- tests --------------------------------------------------------------------------------------

describe("fixture sanity", () => {
  it("stored every record once", async () => {
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM events`);
    expect(rows[0].n).toBe(RECORDS.length);
    expect(RECORDS.length).toBeGreaterThanOrEqual(60);
    expect(await countEvents(pool, parse(""))).toBe(RECORDS.length);
  });

  it("the reference filter is not trivially empty or full for the core cases", () => {
    expect(refIds("eventName=CreateUser").length).toBeGreaterThan(3);
    expect(refIds("errorCode=*").length).toBeGreaterThan(5);
    expect(refIds("readOnly=!true").length).toBeGreaterThan(refIds("readOnly=false").length);
  });
});

describe("filters: combination", () => {
  it("no filter returns everything, newest first", async () => {
    await expectQuery("", [...BY_ID.keys()]);
  });

  it("ANDs different parameters", async () => {
    const ids = await expectQuery("eventSource=iam.amazonaws.com&awsRegion=us-east-1");
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      expect(BY_ID.get(id)!.eventSource).toBe("iam.amazonaws.com");
      expect(BY_ID.get(id)!.awsRegion).toBe("us-east-1");
    }
    await expectQuery("eventName=CreateUser&awsRegion=eu-west-1&username=bob");
    await expectQuery("eventName=GetObject&readOnly=true&errorCode=!*&accountId=" + ACCT);
  });

  it("ORs the values of a repeated parameter", async () => {
    const ids = await expectQuery("eventName=CreateUser&eventName=DeleteUser");
    const both = new Set(ids.map((id) => BY_ID.get(id)!.eventName));
    expect(both).toEqual(new Set(["CreateUser", "DeleteUser"]));
    await expectQuery("awsRegion=us-east-1&awsRegion=ap-southeast-2&eventName=ListUsers&eventName=GetObject&eventName=PutObject");
    // OR of an exact value and a pattern.
    await expectQuery("eventName=ConsoleLogin&eventName=*Object");
  });

  it("several exact values of one parameter", async () => {
    await expectQuery("eventID=evt-0003&eventID=evt-0017&eventID=evt-0100&eventID=does-not-exist", ["evt-0003", "evt-0017", "evt-0100"]);
  });
});

describe("filters: negation", () => {
  it("! excludes and keeps events that have no such field (Insight events have no eventName)", async () => {
    const ids = await expectQuery("eventName=!ConsoleLogin");
    expect(ids).toContain("evt-0100");
    expect(ids).toContain("evt-0101");
    expect(ids.some((id) => BY_ID.get(id)!.eventName === "ConsoleLogin")).toBe(false);
    expect(ids).toHaveLength(RECORDS.filter((r) => r.eventName !== "ConsoleLogin").length);
  });

  it("several exclusions all apply", async () => {
    const ids = await expectQuery("eventName=!ConsoleLogin&eventName=!GetObject&eventName=!PutObject");
    expect(ids).toContain("evt-0100");
  });

  it("mixes include and exclude on one parameter", async () => {
    const ids = await expectQuery("eventName=*User*&eventName=!DeleteUser");
    expect(new Set(ids.map((id) => BY_ID.get(id)!.eventName))).toEqual(new Set(["CreateUser", "ListUsers"]));
    await expectQuery("awsRegion=us-east-1&awsRegion=eu-west-1&awsRegion=!eu-west-1");
  });

  it("negated patterns", async () => {
    await expectQuery("errorCode=!*UnauthorizedOperation");
    await expectQuery("identityType=!IAMUser&identityType=!Root");
    await expectQuery("userAgent=!aws-cli/*");
  });

  it("negation on identity fields keeps events without an identity", async () => {
    const ids = await expectQuery("identityType=!IAMUser");
    expect(ids).toEqual(expect.arrayContaining(["evt-0100", "evt-0101"]));
    expect(await expectQuery("username=!alice")).toEqual(expect.arrayContaining(["evt-0100", "evt-0101"]));
  });
});

describe("filters: wildcards", () => {
  it("* at the start, in the middle and at the end", async () => {
    const start = await expectQuery("eventName=*Object");
    expect(new Set(start.map((id) => BY_ID.get(id)!.eventName))).toEqual(new Set(["GetObject", "PutObject"]));
    const middle = await expectQuery("eventName=D*Instances");
    expect(new Set(middle.map((id) => BY_ID.get(id)!.eventName))).toEqual(new Set(["DescribeInstances"]));
    const end = await expectQuery("eventName=List*");
    expect(new Set(end.map((id) => BY_ID.get(id)!.eventName))).toEqual(new Set(["ListUsers"]));
    await expectQuery("eventName=*e*e*");
    await expectQuery("principalArn=arn:aws:sts::*:assumed-role/*");
    await expectQuery("errorCode=*UnauthorizedOperation");
  });

  it("* alone means the field has any value; !* that it has none", async () => {
    const named = await expectQuery("eventName=*");
    expect(named).not.toContain("evt-0100");
    expect(await expectQuery("eventName=!*")).toEqual(["evt-0101", "evt-0100"]);
    await expectQuery("eventName=**");
  });

  it("errorCode=* is any error, errorCode=!* no error", async () => {
    const any = await expectQuery("errorCode=*");
    const none = await expectQuery("errorCode=!*");
    expect(any.length + none.length).toBe(RECORDS.length);
    for (const id of any) expect(BY_ID.get(id)!.errorCode).toBeTruthy();
    for (const id of none) expect(BY_ID.get(id)!.errorCode).toBeUndefined();
  });

  it("% and _ in values are literal characters, not wildcards", async () => {
    await expectQuery("userAgent=" + encodeURIComponent("Mozilla/5.0 100%_done"), ["evt-0103"]);
    await expectQuery("userAgent=" + encodeURIComponent("*100%_done"), ["evt-0103"]);
    await expectQuery("userAgent=" + encodeURIComponent("*100_done"), ["evt-0106"]);
    await expectQuery("userAgent=" + encodeURIComponent("*100%done"), []);
    await expectQuery("userAgent=" + encodeURIComponent("Mozilla/5.0 100__done"), []);
    await expectQuery("userAgent=" + encodeURIComponent("Mozilla/5.0 100%"), []);
    await expectQuery("userAgent=" + encodeURIComponent("!*100_d*"));
    await expectQuery("q=" + encodeURIComponent("100%_"), ["evt-0103"]);
    await expectQuery("q=" + encodeURIComponent("100_d"), ["evt-0106"]);
  });

  it("a backslash is literal, except before *, ! or another backslash, which it makes literal", async () => {
    await expectQuery("userAgent=" + encodeURIComponent("C:\\Tools\\agent.exe"), ["evt-0107"]);
    await expectQuery("userAgent=" + encodeURIComponent("C:\\\\*"), ["evt-0107"]);
    await expectQuery("userAgent=" + encodeURIComponent("*\\agent.exe"), ["evt-0107"]);
    await expectQuery("userAgent=" + encodeURIComponent("C:\\*"), []);
    await expectQuery("userAgent=" + encodeURIComponent("C:\\\\Tools*"), ["evt-0107"]);
    await expectQuery("userAgent=" + encodeURIComponent("C:\\\\\\\\Tools*"), []);
    await expectQuery("userAgent=" + encodeURIComponent("C:Tools*"), []);
  });

  it("\\* is a literal star and a leading \\! a literal !, included or excluded, in text and array fields", async () => {
    await expectQuery("userAgent=" + encodeURIComponent("glob*agent"), ["evt-0113", "evt-0115"]);
    await expectQuery("userAgent=" + encodeURIComponent("glob\\*agent"), ["evt-0113"]);
    await expectQuery("userAgent=" + encodeURIComponent("*\\**"), ["evt-0113"]);
    await expectQuery("userAgent=" + encodeURIComponent("!glob\\*agent"));
    await expectQuery("userAgent=" + encodeURIComponent("\\!bang-agent"), ["evt-0114"]);
    await expectQuery("userAgent=" + encodeURIComponent("\\!bang*"), ["evt-0114"]);
    await expectQuery("userAgent=" + encodeURIComponent("!\\!bang-agent"));
    expect(refIds("userAgent=" + encodeURIComponent("!\\!bang-agent"))).not.toContain("evt-0114");
    // Without the escape, a leading ! excludes: "bang-agent" is no one's, so nothing is excluded.
    expect(await expectQuery("userAgent=" + encodeURIComponent("!bang-agent"))).toContain("evt-0114");
    await expectQuery("resourceName=" + encodeURIComponent("arn:aws:s3:::logs/*"), ["evt-0113", "evt-0114"]);
    await expectQuery("resourceName=" + encodeURIComponent("arn:aws:s3:::logs/\\*"), ["evt-0113"]);
    await expectQuery("resourceName=" + encodeURIComponent("!arn:aws:s3:::logs/\\*"));
    // What the console's links write for a stored value (exactValue) finds exactly that value.
    for (const [key, value, id] of [["userAgent", "glob*agent", "evt-0113"], ["userAgent", "!bang-agent", "evt-0114"], ["resourceName", "arn:aws:s3:::logs/*", "evt-0113"], ["userAgent", "C:\\Tools\\agent.exe", "evt-0107"]]) {
      await expectQuery(`${key}=${encodeURIComponent(exactValue(value))}`, [id]);
    }
  });
});

describe("filters: exact, case-sensitive names", () => {
  it("eventName=consolelogin matches nothing, ConsoleLogin matches", async () => {
    await expectQuery("eventName=consolelogin", []);
    await expectQuery("eventName=CONSOLELOGIN", []);
    const ids = await expectQuery("eventName=ConsoleLogin");
    expect(ids.length).toBeGreaterThan(3);
  });

  it("wildcards are case-sensitive too", async () => {
    await expectQuery("eventName=*object", []);
    await expectQuery("eventName=list*", []);
  });

  it("no prefix or substring matching without *", async () => {
    await expectQuery("eventName=Create", []);
    await expectQuery("eventName=User", []);
    await expectQuery("awsRegion=us-east", []);
  });
});

describe("filters: each parameter", () => {
  it("readOnly=true, false, !true, !false", async () => {
    const t = await expectQuery("readOnly=true");
    const f = await expectQuery("readOnly=false");
    const notTrue = await expectQuery("readOnly=!true");
    const notFalse = await expectQuery("readOnly=!false");
    // Events without readOnly (Insight, some generated ones) are neither true nor false...
    const neither = RECORDS.filter((r) => r.readOnly === undefined).map((r) => r.eventID);
    expect(neither.length).toBeGreaterThan(2);
    expect(t.length + f.length + neither.length).toBe(RECORDS.length);
    // ...and are kept by both negations.
    expect(notTrue).toEqual(expect.arrayContaining(neither));
    expect(notFalse).toEqual(expect.arrayContaining(neither));
    // The old string form "false" counts as false.
    expect(f).toContain("evt-0110");
    expect(notTrue).toContain("evt-0110");
    await expectQuery("readOnly=true&readOnly=false");
  });

  it("readOnly=maybe is a ParamError naming readOnly", async () => {
    const e = await paramError(() => parse("readOnly=maybe"));
    expect(e.param).toBe("readOnly");
    expect(e.message).toContain("readOnly");
  });

  it("accountId is recipientAccountId (not the caller's account)", async () => {
    const a2 = await expectQuery("accountId=" + ACCT2);
    expect(a2.length).toBeGreaterThan(5);
    const a1 = await expectQuery("accountId=" + ACCT);
    expect(a1).toContain("evt-0111"); // caller from 999988887777, received by ACCT
    await expectQuery("accountId=999988887777", []);
    await expectQuery("accountId=!" + ACCT);
  });

  it("username as LookupEvents reports it: IAM user, role session, federated name, root", async () => {
    const alice = await expectQuery("username=alice");
    expect(alice.length).toBeGreaterThan(5);
    const carol = await expectQuery("username=carol-session");
    expect(carol.length).toBeGreaterThan(3);
    for (const id of carol) expect(BY_ID.get(id)!.userIdentity.type).toBe("AssumedRole");
    await expectQuery("username=eve-session", ["evt-0111"]);
    await expectQuery("username=Admin", []); // the role, not the session
    await expectQuery("username=CrossRole", []);
    await expectQuery("username=dave");
    const root = await expectQuery("username=root");
    expect(root).toEqual(expect.arrayContaining(["evt-0110", "evt-0112"]));
    for (const id of root) expect(BY_ID.get(id)!.userIdentity.type).toBe("Root");
    await expectQuery("username=*-session");
    await expectQuery("username=jürgen", ["evt-0108"]);
    await expectQuery("username=j*rgen", ["evt-0108"]);
  });

  it("principalArn, identityType, accessKeyId", async () => {
    await expectQuery("principalArn=" + encodeURIComponent(`arn:aws:iam::${ACCT}:user/bob`));
    await expectQuery("principalArn=" + encodeURIComponent(`arn:aws:iam::${ACCT}:root`));
    await expectQuery("principalArn=*:user/*");
    await expectQuery("identityType=AssumedRole");
    await expectQuery("identityType=Root&identityType=FederatedUser");
    await expectQuery("identityType=AWSService");
    await expectQuery("accessKeyId=AKIABOB00000000002");
    await expectQuery("accessKeyId=ASIA*");
    await expectQuery("accessKeyId=!*");
  });

  it("sourceIPAddress and userAgent", async () => {
    await expectQuery("sourceIPAddress=203.0.113.2");
    await expectQuery("sourceIPAddress=203.0.113.*&sourceIPAddress=!203.0.113.4");
    await expectQuery("sourceIPAddress=ec2.amazonaws.com");
    await expectQuery("userAgent=aws-cli/2.1.0");
    await expectQuery("userAgent=aws-cli/*&userAgent=ec2.amazonaws.com");
    await expectQuery("userAgent=" + encodeURIComponent("*😀*"), ["evt-0108"]);
  });

  it("eventType, eventCategory, eventSource, awsRegion, eventID", async () => {
    await expectQuery("eventType=AwsConsoleSignIn");
    await expectQuery("eventType=AwsCloudTrailInsight", ["evt-0100", "evt-0101"]);
    await expectQuery("eventCategory=Data");
    await expectQuery("eventCategory=Insight", ["evt-0100", "evt-0101"]);
    await expectQuery("eventCategory=!Management");
    await expectQuery("eventSource=s3.amazonaws.com&eventSource=sts.amazonaws.com");
    await expectQuery("awsRegion=ap-southeast-2");
    await expectQuery("eventID=evt-0042", ["evt-0042"]);
    await expectQuery("eventID=evt-010*");
    await expectQuery("eventID=!evt-00*");
  });

  it("resourceName: an ARN in resources[], with wildcards and negation", async () => {
    await expectQuery("resourceName=" + encodeURIComponent("arn:aws:s3:::bucket-1"));
    await expectQuery("resourceName=" + encodeURIComponent("arn:aws:s3:::bucket-1/obj-4.txt"), ["evt-0004"]);
    await expectQuery("resourceName=" + encodeURIComponent("arn:aws:s3:::bucket-2*"));
    await expectQuery("resourceName=" + encodeURIComponent("*:role/Admin"));
    await expectQuery("resourceName=" + encodeURIComponent("arn:aws:s3:::bucket-0") + "&resourceName=" + encodeURIComponent("arn:aws:s3:::bucket-1"));
    await expectQuery("resourceName=" + encodeURIComponent("arn:aws:s3:::bucket-0") + "&resourceName=" + encodeURIComponent("*:user/u1*"));
    const notB1 = await expectQuery("resourceName=!" + encodeURIComponent("arn:aws:s3:::bucket-1"));
    expect(notB1).toEqual(expect.arrayContaining(["evt-0100", "evt-0002"])); // no resources at all
    await expectQuery("resourceName=!" + encodeURIComponent("arn:aws:s3:::*"));
    await expectQuery("resourceName=*");
    await expectQuery("resourceName=!*");
    await expectQuery("resourceName=" + encodeURIComponent("arn:aws:s3:::bucket"), []); // no prefix match
    await expectQuery("resourceName=" + encodeURIComponent("arn:aws:s3:::csv,bucket"), ["evt-0109"]);
    await expectQuery("resourceName=" + encodeURIComponent('arn:aws:s3:::csv,bucket/"q".txt'), ["evt-0109"]);
  });

  it("resourceType, with wildcards and negation", async () => {
    await expectQuery("resourceType=AWS::S3::Bucket");
    await expectQuery("resourceType=AWS::S3::*");
    await expectQuery("resourceType=*::User");
    await expectQuery("resourceType=AWS::IAM::Role&resourceType=AWS::IAM::User");
    const notBucket = await expectQuery("resourceType=!AWS::S3::Bucket");
    expect(notBucket).toContain("evt-0100");
    await expectQuery("resourceType=!AWS::S3::*&resourceType=!AWS::IAM::*");
    await expectQuery("resourceType=aws::s3::bucket", []);
    await expectQuery("resourceType=AWS::S3::Bucket&resourceName=!" + encodeURIComponent("arn:aws:s3:::bucket-0"));
  });
});

describe("filters: q (free text)", () => {
  it("finds a value that is only inside requestParameters, case-insensitively", async () => {
    await expectQuery("q=secret-bucket-xyz", ["evt-0102"]);
    await expectQuery("q=SECRET-BUCKET-xyz-42", ["evt-0102"]);
    await expectQuery("q=report.PDF", ["evt-0102"]);
  });

  it("finds values anywhere: nested details, identity, keys", async () => {
    await expectQuery("q=ApiCallRateInsight", ["evt-0100", "evt-0101"]);
    await expectQuery("q=runinstances", ["evt-0100", "evt-0101"]);
    await expectQuery("q=MFAUsed", ["evt-0112"]);
    await expectQuery("q=crossrole", ["evt-0111"]);
    await expectQuery("q=obj-13.txt");
    await expectQuery("q=carol");
  });

  it("ORs repeated q and ANDs with the other filters", async () => {
    await expectQuery("q=secret-bucket&q=eve-session", ["evt-0102", "evt-0111"]);
    await expectQuery("q=bucket-1&eventName=PutObject");
    await expectQuery("q=alice&awsRegion=eu-west-1");
  });

  it("unicode is matched", async () => {
    await expectQuery("q=" + encodeURIComponent("日本語"), ["evt-0108"]);
    await expectQuery("q=" + encodeURIComponent("jürgen"), ["evt-0108"]);
    await expectQuery("q=" + encodeURIComponent("😀"), ["evt-0108"]);
  });

  it("a term matching nothing gives nothing", async () => {
    await expectQuery("q=zz-no-such-text-zz", []);
  });

  // BUG: q is matched against the JSON text of the record (record::text / raw_json), where a
  // backslash in a value is written \\ and a double quote \". So a value containing
  // C:\Tools\agent.exe (or CORP\alice, or a quoted word) is not found by q=C:\Tools although it
  // is text in the record...
  it("finds values containing a backslash or a double quote as they appear in the record", async () => {
    await expectQuery("q=" + encodeURIComponent("C:\\Tools"), ["evt-0107"]);
  });
  it("finds values containing a double quote as they appear in the record", async () => {
    await expectQuery("q=" + encodeURIComponent('"click"'), ["evt-0109"]);
  });
  // ...and q=\ finds records that contain no backslash at all, only a double quote (JSON's \").
  it("does not match the JSON escaping itself", async () => {
    await expectQuery("q=" + encodeURIComponent("\\"), ["evt-0107"]);
  });
});

describe("filters: time range", () => {
  it("from is inclusive, to is exclusive (ISO instants)", async () => {
    const from = iso(NOW.getTime() - 24 * HOUR); // exactly the time of the k=8 events
    const to = iso(NOW.getTime() - 6 * HOUR); // exactly the time of the k=2 events
    const ids = await expectQuery(`from=${from}&to=${to}`);
    const times = new Set(ids.map((id) => BY_ID.get(id)!.eventTime));
    expect(times.has(from)).toBe(true);
    expect(times.has(to)).toBe(false);
    expect(ids.length).toBeGreaterThan(10);
  });

  it("offsets and fractional seconds", async () => {
    await expectQuery("from=" + encodeURIComponent("2026-11-20T12:59:59.500+01:00"), ["evt-0111", "evt-0000", "evt-0025"]);
    await expectQuery("to=" + encodeURIComponent("2026-11-20T11:59:59.500Z") + "&from=" + encodeURIComponent("2026-11-20T11:59:59Z"), []);
    await expectQuery("from=2026-11-20T11:59:59.500Z&to=2026-11-20T11:59:59.501Z", ["evt-0111"]);
  });

  it("relative now-24h, now-7d and to=now with an injected now", async () => {
    const day = await expectQuery("from=now-24h");
    expect(day).toContain("evt-0008"); // exactly 24 h before now: inclusive
    expect(day).not.toContain("evt-0009");
    const week = await expectQuery("from=now-7d");
    expect(week).not.toContain("evt-0110");
    expect(week).not.toContain("evt-0112");
    expect(week.length).toBe(RECORDS.length - 2);
    const beforeNow = await expectQuery("to=now");
    expect(beforeNow).not.toContain("evt-0000"); // exactly now: exclusive
    expect(beforeNow).toContain("evt-0111");
    await expectQuery("from=now-15m");
    await expectQuery("from=now-9d&to=now-7d", ["evt-0112"]);
    // The same URL under another "now" selects another window.
    const later = new Date(NOW.getTime() + 3 * HOUR);
    await expectQuery("from=now-24h", undefined, later);
    expect(refIds("from=now-24h", later)).not.toEqual(refIds("from=now-24h"));
  });

  it("date-only is UTC midnight", async () => {
    await expectQuery("from=2026-11-19&to=2026-11-20");
  });

  it("from equal to to selects nothing; from after to is a ParamError", async () => {
    await expectQuery("from=now-3h&to=now-3h", []);
    const e = await paramError(() => parse("from=now&to=now-1d"));
    expect(e.param).toBe("from");
  });

  it("combines with filters", async () => {
    await expectQuery("from=now-2d&to=now-1d&eventSource=iam.amazonaws.com&errorCode=!*");
  });
});

describe("parameters", () => {
  it("an unknown parameter is a ParamError naming it", async () => {
    const e = await paramError(() => parse("eventName=CreateUser&nosuch=1"));
    expect(e.param).toBe("nosuch");
    expect(e.message).toContain("nosuch");
    expect((await paramError(() => parse("recipientAccountId=" + ACCT))).param).toBe("recipientAccountId");
  });

  it("view parameters are accepted and ignored", async () => {
    const plain = await expectQuery("eventName=CreateUser");
    const view = await listAll("eventName=CreateUser&columns=eventTime,eventName,username&tz=Europe/Paris&event=evt-0003&panel=detail&facets=eventName");
    expect(view.ids).toEqual(plain);
  });
});

describe("injection and odd characters", () => {
  it("SQL metacharacters are matched literally", async () => {
    await expectQuery("userAgent=" + encodeURIComponent(INJECTION), ["evt-0102"]);
    await expectQuery("eventName=" + encodeURIComponent(INJECTION), []);
    await expectQuery("eventName=!" + encodeURIComponent(INJECTION), [...BY_ID.keys()]);
    await expectQuery("q=" + encodeURIComponent(INJECTION), ["evt-0102"]);
    await expectQuery("q=" + encodeURIComponent("'"), ["evt-0102"]);
    await expectQuery("resourceName=" + encodeURIComponent(INJECTION + "*"), []);
    await expectQuery("resourceType=" + encodeURIComponent("*') OR 1=1 --"), []);
    await expectQuery("eventID=" + encodeURIComponent("x' OR '1'='1"), []);
    await expectQuery("username=" + encodeURIComponent("\\"), []);
    await expectQuery("username=" + encodeURIComponent("\\*"), []);
    await expectQuery("eventName=" + encodeURIComponent("$1"), []);
    await expectQuery("eventName=" + encodeURIComponent("ünï😀"), []);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM events`);
    expect(rows[0].n).toBe(RECORDS.length);
  });
});

describe("event shape", () => {
  it("each listed event carries the contract's fields with the record's values", async () => {
    const { events } = await listEvents(pool, parse("eventID=evt-0111&eventID=evt-0100&eventID=evt-0003"));
    expect(events.map((e) => e.eventID)).toEqual(["evt-0111", "evt-0100", "evt-0003"]);
    const byId = new Map(events.map((e) => [e.eventID as string, e]));
    const e = byId.get("evt-0111")!;
    expect(e).toMatchObject({
      eventID: "evt-0111",
      eventTime: "2026-11-20T11:59:59.500Z",
      eventName: "AssumeRole",
      eventSource: "sts.amazonaws.com",
      awsRegion: "us-east-1",
      recipientAccountId: ACCT,
      username: "eve-session",
      sourceIPAddress: "198.51.100.7",
      errorCode: null,
      readOnly: true,
    });
    const insight = byId.get("evt-0100")!;
    for (const k of ["eventName", "eventSource", "username", "sourceIPAddress", "errorCode", "readOnly"]) {
      expect(insight[k], k).toBeNull();
    }
    expect(insight.recipientAccountId).toBe(ACCT);
    const g = byId.get("evt-0003")!;
    const rec = BY_ID.get("evt-0003")!;
    expect(g).toMatchObject({
      eventTime: new Date(rec.eventTime).toISOString(),
      eventName: rec.eventName,
      recipientAccountId: rec.recipientAccountId,
      username: "root",
      errorCode: rec.errorCode ?? null,
    });
  });

  it("getEventJson returns the full stored record", async () => {
    for (const id of ["evt-0102", "evt-0108", "evt-0109", "evt-0100"]) {
      expect(JSON.parse((await getEventJson(pool, id))!)).toEqual(BY_ID.get(id));
    }
    expect(await getEventJson(pool, "no-such-id")).toBeNull();
  });
});

describe("sorting", () => {
  it("defaults to eventTime desc, ties broken by eventID desc", async () => {
    const { ids } = await listAll("");
    expect(ids).toEqual(refSort(RECORDS, "eventTime", "desc"));
    // There are ties, and they are in eventID desc order.
    const t = BY_ID.get("evt-0000")!.eventTime;
    const tied = ids.filter((id) => BY_ID.get(id)!.eventTime === t);
    expect(tied).toEqual(["evt-0025", "evt-0000"]);
  });

  it("sort=eventTime:asc (ties by eventID asc)", async () => {
    const { ids } = await listAll("sort=eventTime:asc");
    expect(ids).toEqual(refSort(RECORDS, "eventTime", "asc"));
    expect(ids[0]).toBe("evt-0110");
  });

  it("sort=eventName:asc puts events without eventName last", async () => {
    const { ids } = await listAll("sort=eventName:asc");
    expect(ids).toEqual(refSort(RECORDS, "eventName", "asc"));
    // The two share their (missing) value and their time: newest first, then eventID descending.
    expect(ids.slice(-2)).toEqual(["evt-0101", "evt-0100"]);
    expect(BY_ID.get(ids[0])!.eventName).toBe("AssumeRole");
  });

  it("sort=eventName:desc also puts them last", async () => {
    const { ids } = await listAll("sort=eventName:desc");
    expect(ids).toEqual(refSort(RECORDS, "eventName", "desc"));
    expect(ids.slice(-2)).toEqual(["evt-0101", "evt-0100"]);
  });

  it("sorts with filters", async () => {
    await expectQuery("sort=errorCode:asc&errorCode=*");
    await expectQuery("sort=awsRegion:desc&eventName=!ConsoleLogin");
  });

  it("invalid sort is a ParamError naming sort", async () => {
    for (const s of ["bogus:asc", "eventName:up", "errorMessage:asc", "resourceType:desc", "eventTime:asc:desc"]) {
      expect((await paramError(() => parse("sort=" + s))).param, s).toBe("sort");
    }
  });
});

describe("keyset paging", () => {
  const SORTS = [
    "",
    "sort=eventTime:desc",
    "sort=eventTime:asc",
    "sort=eventName:asc",
    "sort=eventName:desc",
    "sort=errorCode:asc", // mostly NULL
    "sort=errorCode:desc",
    "sort=readOnly:desc", // three values (true, false, NULL) over 60+ events
    "sort=readOnly:asc",
    "sort=awsRegion:asc",
    "sort=username:desc",
    "sort=accountId:asc",
  ];

  it.each(SORTS)("limit 7 walks every event exactly once in order (%s)", async (sort) => {
    const qs = sort ? `${sort}&limit=7` : "limit=7";
    const [key, dir] = (new URLSearchParams(qs).get("sort") ?? "eventTime:desc").split(":") as [string, "asc" | "desc"];
    const { ids, pages } = await listAll(qs);
    expect(ids).toEqual(refSort(RECORDS, key, dir));
    expect(new Set(ids).size).toBe(RECORDS.length);
    expect(pages).toBe(Math.ceil(RECORDS.length / 7));
  });

  it.each([
    "eventName=!ConsoleLogin&sort=eventName:asc&limit=7",
    "errorCode=!AccessDenied&sort=errorCode:desc&limit=3",
    "readOnly=!true&sort=readOnly:asc&limit=2",
    "from=now-2d&sort=eventTime:asc&limit=5",
  ])("paging with filters: %s", async (qs) => {
    const [key, dir] = new URLSearchParams(qs).get("sort")!.split(":") as [string, "asc" | "desc"];
    const { ids } = await listAll(qs);
    expect(ids).toEqual(refSort(refFilter(qs), key, dir));
  });

  it("limit 1 pages one event at a time; the last page has no cursor", async () => {
    const { ids, pages } = await listAll("limit=1&sort=readOnly:desc");
    expect(pages).toBe(RECORDS.length);
    expect(ids).toEqual(refSort(RECORDS, "readOnly", "desc"));
    const exact = await listEvents(pool, parse(`limit=${RECORDS.length}`));
    expect(exact.events).toHaveLength(RECORDS.length);
    expect(exact.nextCursor).toBeNull();
  });

  it("a cursor used with another sort is a ParamError naming cursor", async () => {
    const first = await listEvents(pool, parse("limit=7&sort=eventName:asc"));
    expect(first.nextCursor).toBeTruthy();
    const c = encodeURIComponent(first.nextCursor!);
    for (const other of ["sort=eventName:desc", "sort=eventTime:asc", "", "sort=errorCode:asc"]) {
      const e = await paramError(listEvents(pool, parse(`limit=7&cursor=${c}&${other}`)));
      expect(e.param, other).toBe("cursor");
    }
    // With its own sort it works.
    const second = await listEvents(pool, parse(`limit=7&cursor=${c}&sort=eventName:asc`));
    expect(second.events).toHaveLength(7);
  });

  it("a garbage cursor is a ParamError naming cursor", async () => {
    const forged = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const bad = [
      "garbage",
      "!!!",
      "eyJub3QiOiJhIGN1cnNvciJ9", // {"not":"a cursor"}
      forged({ s: "eventTime", d: "desc", v: "not a time", id: "evt-0001" }),
      forged({ s: "eventTime", d: "desc", v: null, id: "evt-0001" }),
      forged({ s: "eventTime", d: "desc", v: "2026-11-20T00:00:00Z", id: 5 }),
      forged([1, 2, 3]),
      forged(null),
    ];
    for (const c of bad) {
      const e = await paramError(listEvents(pool, parse("limit=5&cursor=" + encodeURIComponent(c))));
      expect(e.param, c).toBe("cursor");
    }
  });

  // BUG: decodeCursor checks the value's type only for time sorts. A cursor for a boolean sort
  // whose value is not a boolean reaches PostgreSQL as a bound parameter compared with the
  // boolean column and fails there (22P02 invalid input syntax for type boolean): a 500 from
  // /api/events instead of the contract's 400 naming the parameter.
  it("a forged cursor with a wrongly typed value is a ParamError, not a database error", async () => {
    const forged = Buffer.from(JSON.stringify({ s: "readOnly", d: "desc", v: "not-a-bool", id: "evt-0001" })).toString("base64url");
    const e = await paramError(listEvents(pool, parse("limit=5&sort=readOnly:desc&cursor=" + forged)));
    expect(e.param).toBe("cursor");
  });

  it.each(["0", "1001", "abc"])("limit=%s is a ParamError naming limit", async (l) => {
    expect((await paramError(() => parse("limit=" + l))).param).toBe("limit");
  });
});

describe("export", () => {
  const FILTERS = [
    "",
    "eventName=!ConsoleLogin",
    "errorCode=*",
    "q=bucket",
    "resourceType=AWS::S3::*&readOnly=!true",
    "from=now-24h&to=now",
    "userAgent=" + encodeURIComponent("=HYPERLINK*"),
    "eventName=nothing-matches",
    "sort=eventName:asc&awsRegion=us-east-1",
  ];

  it.each(FILTERS)("CSV has a header and one row per matching event, in order (%s)", async (qs) => {
    const text = await exportText(qs + "&limit=3", "csv");
    const table = parseCsv(text);
    const keys = CSV_FIELDS.map((f) => f.key);
    expect(table[0]).toEqual(keys);
    const rows = table.slice(1);
    for (const r of rows) expect(r).toHaveLength(keys.length);
    const q = parseEventQuery(new URLSearchParams(qs), { now: NOW });
    expect(rows.length).toBe(await countEvents(pool, q));
    const [key, dir] = (new URLSearchParams(qs).get("sort") ?? "eventTime:desc").split(":") as [string, "asc" | "desc"];
    const idCol = keys.indexOf("eventID");
    expect(rows.map((r) => r[idCol])).toEqual(refSort(refFilter(qs), key, dir));
  });

  it("CSV cells hold the values, quoted and neutralised", async () => {
    const table = parseCsv(await exportText("eventID=evt-0109&eventID=evt-0108&eventID=evt-0100&eventID=evt-0110", "csv"));
    const keys = table[0];
    const rows = new Map(table.slice(1).map((r) => [r[keys.indexOf("eventID")], Object.fromEntries(keys.map((k, i) => [k, r[i]]))]));
    const nasty = rows.get("evt-0109")!;
    expect(nasty.userAgent).toBe(`'=HYPERLINK("http://evil.example","click"),x`);
    expect(nasty.sourceIPAddress).toBe("'@evil");
    expect(nasty.errorMessage).toBe('line1\nline2, "quoted"\r\nline3');
    expect(nasty.errorCode).toBe("AccessDenied");
    expect(nasty.readOnly).toBe("false");
    expect(nasty.resourceName).toBe('arn:aws:s3:::csv,bucket; arn:aws:s3:::csv,bucket/"q".txt');
    expect(nasty.resourceType).toBe("AWS::S3::Bucket; AWS::S3::Object");
    expect(nasty.eventTime).toBe(new Date(BY_ID.get("evt-0109")!.eventTime).toISOString());
    const uni = rows.get("evt-0108")!;
    expect(uni.userAgent).toBe("Zürich-Agent/1.0 😀 日本語");
    expect(uni.username).toBe("jürgen");
    expect(uni.readOnly).toBe("true");
    const insight = rows.get("evt-0100")!;
    expect(insight.eventName).toBe("");
    expect(insight.readOnly).toBe("");
    expect(insight.eventCategory).toBe("Insight");
    expect(insight.accountId).toBe(ACCT);
    expect(rows.get("evt-0110")!.username).toBe("root");
  });

  it.each(FILTERS)("NDJSON lines are the stored records, one per matching event (%s)", async (qs) => {
    const text = await exportText(qs, "ndjson");
    const q = parseEventQuery(new URLSearchParams(qs), { now: NOW });
    const n = await countEvents(pool, q);
    if (n === 0) {
      expect(text).toBe("");
      return;
    }
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.slice(0, -1).split("\n");
    expect(lines).toHaveLength(n);
    const records = lines.map((l) => JSON.parse(l) as Rec);
    const [key, dir] = (new URLSearchParams(qs).get("sort") ?? "eventTime:desc").split(":") as [string, "asc" | "desc"];
    expect(records.map((r) => r.eventID)).toEqual(refSort(refFilter(qs), key, dir));
    for (const r of records) expect(r).toEqual(BY_ID.get(r.eventID));
  });
});

describe("CSV through COPY", () => {
  const CASES = [
    "",
    "eventName=!ConsoleLogin&errorCode=*",
    "q=bucket",
    "resourceType=AWS::S3::*&readOnly=!true",
    "from=now-24h&to=now",
    "eventID=evt-0109&eventID=evt-0108&eventID=evt-0100&eventID=evt-0110",
    "sort=eventName:asc&awsRegion=us-east-1",
    "sort=username:desc",
    // Inlined literals: every metacharacter must stay a value, as with bound parameters.
    "userAgent=" + encodeURIComponent(INJECTION),
    "q=" + encodeURIComponent(INJECTION),
    "q=" + encodeURIComponent("'"),
    "eventID=" + encodeURIComponent("x' OR '1'='1"),
    "username=" + encodeURIComponent("\\") + "&username=" + encodeURIComponent("\\'*"),
    "resourceName=" + encodeURIComponent(INJECTION + "*"),
    "eventName=" + encodeURIComponent("ünï😀") + "&eventName=" + encodeURIComponent("$1"),
  ];

  it.each(CASES)("is byte-for-byte the CSV the row-by-row path writes (%s)", async (qs) => {
    const q = () => parseEventQuery(new URLSearchParams(qs), { now: NOW });
    const viaCopy = await readAll(exportStream(pool, q(), "csv", { via: "copy" }));
    const viaCursor = await readAll(exportStream(pool, q(), "csv", { via: "cursor", fetchRows: 7 }));
    expect(viaCopy).toBe(viaCursor);
    expect(parseCsv(viaCopy)).toHaveLength((await countEvents(pool, q())) + 1);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM events`);
    expect(rows[0].n).toBe(RECORDS.length);
  });

  it("inlines only values whereClauses binds", () => {
    expect(sqlLiteral("it's \\ here")).toBe(" E'it''s \\\\ here'");
    expect(sqlLiteral(["a", "b'c"])).toBe("ARRAY['a', 'b''c']::text[]");
    expect(sqlLiteral(true)).toBe("TRUE");
    expect(sqlLiteral(null)).toBe("NULL");
    expect(sqlLiteral(new Date("2026-01-02T03:04:05.006Z"))).toBe("'2026-01-02T03:04:05.006Z'::timestamptz");
    expect(() => sqlLiteral({ a: 1 })).toThrow(TypeError);
    expect(() => sqlLiteral(Number.NaN)).toThrow(TypeError);
    expect(sqlLiteral([1, 2])).toBe("'{1,2}'"); // search blocks, cast by the clause
    expect(() => sqlLiteral([1.5])).toThrow(TypeError);
    expect(() => sqlLiteral(["a", 1])).toThrow(TypeError);
  });

  it("turns row ends into CRLF and leaves newlines inside quotes, however the bytes are split", () => {
    const lf = 'a,"x\ny ""q"" \r\nz",\nb,,"""",\n"\n",c\n';
    const want = 'a,"x\ny ""q"" \r\nz",\r\nb,,"""",\r\n"\n",c\r\n';
    const bytes = Buffer.from(lf);
    for (let a = 0; a <= bytes.length; a++) {
      for (let b = a; b <= bytes.length; b++) {
        const w = new CrlfWriter();
        const out = [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)].map((c) => w.convert(c));
        expect(Buffer.concat(out).toString()).toBe(want);
      }
    }
  });
});

describe("export streaming", () => {
  it("a client that goes away mid-export frees its connection and cursor", async () => {
    // One connection only: if the cancelled export kept it, the query below would wait forever
    // (and the test would fail on its timeout).
    const one = new pg.Pool({ connectionString: tdb.url, max: 1 });
    try {
      // 10 rows a fetch over 63 events: the cancel lands with the cursor open and a fetch in flight.
      const reader = exportStream(one, parseEventQuery(new URLSearchParams()), "ndjson", { fetchRows: 10 }).getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      expect(new TextDecoder().decode(first.value).trim().split("\n")).toHaveLength(10);
      await reader.cancel();
      const { rows } = await one.query("SELECT count(*)::int AS n FROM events");
      expect(rows[0].n).toBe(RECORDS.length);
      const again = await readAll(exportStream(one, parseEventQuery(new URLSearchParams()), "csv", { fetchRows: 7 }));
      expect(parseCsv(again)).toHaveLength(RECORDS.length + 1);
    } finally {
      await one.end();
    }
  });
});

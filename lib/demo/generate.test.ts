import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyKey, decodeObject } from "../ingest/decode";
import { writeAwsLogsCorpus, type CorpusResult } from "./corpus";
import { DEFAULT_ACCOUNTS, DEFAULT_REGIONS, DEMO_STORY, demoStory, demoStoryTimes, generateRecords, type CloudTrailRecord } from "./generate";

const START = new Date("2026-10-21T00:00:00Z");
const END = new Date("2026-11-20T00:00:00Z");
const DAY = 86_400_000;

type Obj = Record<string, unknown>;
const ident = (r: CloudTrailRecord): Obj | undefined => r.userIdentity as Obj | undefined;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function take(n: number, opts: Partial<Parameters<typeof generateRecords>[0]> = {}): CloudTrailRecord[] {
  return [...generateRecords({ count: n, seed: 42, start: START, end: END, ...opts })];
}

describe("generateRecords", () => {
  let recs: CloudTrailRecord[];
  beforeAll(() => {
    recs = take(50_000);
  });

  it("yields exactly count records", () => {
    expect(recs).toHaveLength(50_000);
    expect(take(0)).toHaveLength(0);
    expect(take(1)).toHaveLength(1);
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const a = JSON.stringify(take(3000, { seed: 7 }));
    const b = JSON.stringify(take(3000, { seed: 7 }));
    const c = JSON.stringify(take(3000, { seed: 8 }));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    // the first 3000 records of a 50k run are not a prefix-equal run (times spread over the range)
    expect(JSON.stringify(recs.slice(0, 10))).toBe(JSON.stringify(take(50_000).slice(0, 10)));
  });

  it("orders eventTime ascending within [start, end), second resolution", () => {
    let prev = -Infinity;
    for (const r of recs) {
      expect(r.eventTime).toMatch(ISO);
      const t = Date.parse(r.eventTime as string);
      expect(t).toBeGreaterThanOrEqual(prev);
      prev = t;
    }
    expect(Date.parse(recs[0].eventTime as string)).toBeGreaterThanOrEqual(START.getTime());
    expect(prev).toBeLessThan(END.getTime());
    // spread over the whole range, not bunched at one end
    expect(Date.parse(recs[0].eventTime as string)).toBeLessThan(START.getTime() + DAY / 4);
    expect(prev).toBeGreaterThan(END.getTime() - DAY / 4);
  });

  it("has a diurnal rhythm (busy afternoons, quiet nights) unless disabled", () => {
    const byHour = (rs: CloudTrailRecord[]): number[] => {
      const h = new Array<number>(24).fill(0);
      for (const r of rs) h[new Date(r.eventTime as string).getUTCHours()]++;
      return h;
    };
    const h = byHour(recs);
    expect(h[14] / h[3]).toBeGreaterThan(2);
    const flat = byHour(take(50_000, { diurnal: false }));
    expect(flat[14] / flat[3]).toBeLessThan(1.3);
    expect(flat[14] / flat[3]).toBeGreaterThan(0.77);
  });

  it("keeps times inside short, unaligned ranges", () => {
    const s = new Date("2026-11-20T10:00:00.400Z");
    const e = new Date("2026-11-20T10:00:05.300Z");
    const rs = [...generateRecords({ count: 200, seed: 3, start: s, end: e })];
    expect(rs).toHaveLength(200);
    for (const r of rs) {
      const t = Date.parse(r.eventTime as string);
      expect(t).toBeGreaterThanOrEqual(s.getTime());
      expect(t).toBeLessThan(e.getTime());
    }
    expect(() => [...generateRecords({ count: 1, start: e, end: s })]).toThrow(RangeError);
    expect(() => [...generateRecords({ count: 1, start: new Date("2026-11-20T10:00:00.100Z"), end: new Date("2026-11-20T10:00:00.900Z") })]).toThrow(RangeError);
  });

  it("gives every record a unique uuid v4 eventID", () => {
    const ids = new Set<string>();
    for (const r of recs) {
      expect(r.eventID).toMatch(UUID4);
      ids.add(r.eventID as string);
    }
    expect(ids.size).toBe(recs.length);
  });

  it("spreads over accounts and regions with a us-east-1 skew", () => {
    const accounts = new Map<string, number>();
    const regions = new Map<string, number>();
    for (const r of recs) {
      accounts.set(r.recipientAccountId as string, (accounts.get(r.recipientAccountId as string) ?? 0) + 1);
      regions.set(r.awsRegion as string, (regions.get(r.awsRegion as string) ?? 0) + 1);
    }
    expect([...accounts.keys()].sort()).toEqual([...DEFAULT_ACCOUNTS].sort());
    expect(regions.size).toBe(DEFAULT_REGIONS.length);
    for (const n of accounts.values()) expect(n).toBeGreaterThan(recs.length * 0.05);
    const top = [...regions].sort((a, b) => b[1] - a[1])[0][0];
    expect(top).toBe("us-east-1");
    // IAM is global: logged in us-east-1
    expect(recs.filter((r) => r.eventSource === "iam.amazonaws.com").every((r) => r.awsRegion === "us-east-1")).toBe(true);
  });

  it("uses the accounts and regions it is given", () => {
    const accounts = ["111111111111", "222222222222", "333333333333", "444444444444"];
    const regions = ["eu-north-1", "sa-east-1", "us-east-1"];
    const rs = take(20_000, { accounts, regions });
    expect(new Set(rs.map((r) => r.recipientAccountId))).toEqual(new Set(accounts));
    expect(new Set(rs.map((r) => r.awsRegion))).toEqual(new Set(regions));
    expect(() => take(1, { accounts: ["123"] })).toThrow(RangeError);
  });

  it("has an error rate between 2% and 10% with realistic codes", () => {
    const errs = recs.filter((r) => r.errorCode !== undefined);
    const rate = errs.length / recs.length;
    expect(rate).toBeGreaterThan(0.02);
    expect(rate).toBeLessThan(0.1);
    const codes = new Set(errs.map((r) => r.errorCode));
    for (const c of ["AccessDenied", "Client.UnauthorizedOperation", "ThrottlingException", "NoSuchEntityException", "ResourceNotFoundException"]) expect(codes).toContain(c);
    // failed calls carry no response
    expect(errs.every((r) => r.responseElements === null)).toBe(true);
    // AccessDenied messages name the principal
    const denied = errs.find((r) => r.errorCode === "AccessDenied" && r.eventSource === "iam.amazonaws.com")!;
    expect(denied.errorMessage).toContain(ident(denied)!.arn as string);
  });

  it("covers the identity types with well-formed identities", () => {
    const types = new Map<string, number>();
    for (const r of recs) {
      const id = ident(r);
      const type = (id?.type as string | undefined) ?? "(none)";
      types.set(type, (types.get(type) ?? 0) + 1);
      if (!id) continue;
      if (type === "IAMUser") {
        // failed console sign-ins name the user but carry no ARN or key
        if (id.accessKeyId !== "") expect(id.arn).toMatch(/^arn:aws:iam::\d{12}:user\/[\w.+=@-]+$/);
        else expect(r.eventName).toBe("ConsoleLogin");
        expect(id.principalId).toMatch(/^AIDA[A-Z2-7]{16}$/);
        expect(id.accessKeyId === "" || /^(AKIA|ASIA)[A-Z2-7]{16}$/.test(id.accessKeyId as string)).toBe(true);
        expect(id.userName).toBeTypeOf("string");
      } else if (type === "AssumedRole") {
        expect(id.arn).toMatch(/^arn:aws:sts::\d{12}:assumed-role\/[^/]+\/.+$/);
        expect(id.principalId).toMatch(/^AROA[A-Z2-7]{16}:.+$/);
        expect(id.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
        const ctx = id.sessionContext as Obj;
        const issuer = ctx.sessionIssuer as Obj;
        expect(issuer.type).toBe("Role");
        expect(issuer.arn).toMatch(/^arn:aws:iam::\d{12}:role\//);
        expect((id.arn as string).split("/")[1]).toBe(issuer.userName);
        expect(ctx.webIdFederationData).toBeTypeOf("object");
        expect((ctx.attributes as Obj).creationDate).toMatch(ISO);
        expect(["true", "false"]).toContain((ctx.attributes as Obj).mfaAuthenticated);
        expect(Date.parse((ctx.attributes as Obj).creationDate as string)).toBeLessThanOrEqual(Date.parse(r.eventTime as string));
      } else if (type === "Root") {
        expect(id.arn).toBe(`arn:aws:iam::${id.accountId}:root`);
        expect(id.userName).toBeUndefined();
      } else if (type === "AWSService") {
        expect(id.invokedBy).toMatch(/\.amazonaws\.com$/);
        expect(id.arn).toBeUndefined();
        expect(r.sourceIPAddress).toBe(id.invokedBy);
      }
    }
    for (const t of ["AssumedRole", "IAMUser", "Root", "AWSService", "FederatedUser", "AWSAccount", "WebIdentityUser", "SAMLUser"]) expect(types.get(t) ?? 0).toBeGreaterThan(0);
    expect(types.get("AssumedRole")!).toBeGreaterThan(recs.length * 0.3);
    // Identity Center roles and many distinct sessions
    expect(recs.some((r) => String(ident(r)?.arn ?? "").includes(":assumed-role/AWSReservedSSO_"))).toBe(true);
    const sessions = new Set(recs.filter((r) => ident(r)?.type === "AssumedRole").map((r) => ident(r)!.arn));
    expect(sessions.size).toBeGreaterThan(300);
  });

  it("has a skewed principal distribution with a long tail", () => {
    const counts = new Map<string, number>();
    for (const r of recs) {
      const id = ident(r);
      const k = String(id?.arn ?? id?.invokedBy ?? "");
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const sorted = [...counts.values()].sort((a, b) => b - a);
    expect(sorted[0]).toBeGreaterThan(sorted[Math.floor(sorted.length / 2)] * 20);
    expect(sorted.filter((n) => n === 1).length).toBeGreaterThan(20);
    const ips = new Map<string, number>();
    for (const r of recs) ips.set(r.sourceIPAddress as string, (ips.get(r.sourceIPAddress as string) ?? 0) + 1);
    expect([...ips.values()].filter((n) => n === 1).length).toBeGreaterThan(100);
    expect([...ips.keys()].some((ip) => ip.includes(":"))).toBe(true);
    const names = new Map<string, number>();
    for (const r of recs) if (r.eventName) names.set(r.eventName as string, (names.get(r.eventName as string) ?? 0) + 1);
    expect(names.size).toBeGreaterThan(120);
    expect([...names.values()].filter((n) => n <= 3).length).toBeGreaterThan(5);
  });

  it("mostly uses eventVersion 1.11, with some 1.08/1.09", () => {
    const v = new Map<string, number>();
    for (const r of recs) v.set(r.eventVersion as string, (v.get(r.eventVersion as string) ?? 0) + 1);
    expect(v.get("1.11")!).toBeGreaterThan(recs.length / 2);
    expect(v.get("1.08") ?? 0).toBeGreaterThan(0);
    expect(v.get("1.09") ?? 0).toBeGreaterThan(0);
  });

  it("sets readOnly consistently with the API name", () => {
    for (const r of recs) {
      const name = r.eventName as string | undefined;
      if (!name) continue;
      expect(r.readOnly).toBeTypeOf("boolean");
      if (/^(Describe|List|Get|Head|Lookup|Decrypt)/.test(name) && name !== "GetFederationToken") expect(r.readOnly, name).toBe(true);
      if (/^(Create|Delete|Put|Run|Terminate|Attach|Detach|Update|Stop|Authorize|Revoke|Invoke|ConsoleLogin)/.test(name)) expect(r.readOnly, name).toBe(false);
    }
  });

  it("has the common CloudTrail fields", () => {
    const problems: string[] = [];
    for (const r of recs) {
      if (r.eventType === "AwsCloudTrailInsight") continue;
      const bad = (what: string): number => problems.push(`${r.eventID}: ${what}`);
      if (!/^[a-z0-9-]+\.amazonaws\.com$/.test(String(r.eventSource))) bad("eventSource");
      if (typeof r.eventName !== "string") bad("eventName");
      if (!["AwsApiCall", "AwsServiceEvent", "AwsConsoleSignIn"].includes(r.eventType as string)) bad("eventType");
      if (!["Management", "Data"].includes(r.eventCategory as string)) bad("eventCategory");
      if (r.managementEvent !== (r.eventCategory === "Management")) bad("managementEvent");
      if (typeof r.sourceIPAddress !== "string" || typeof r.userAgent !== "string") bad("ip/ua");
      if (!("requestParameters" in r) || !("responseElements" in r)) bad("request/response");
      if (r.eventType === "AwsApiCall" && typeof r.requestID !== "string") bad("requestID");
      if (!DEFAULT_REGIONS.includes(r.awsRegion as string)) bad("region");
      if (!DEFAULT_ACCOUNTS.includes(r.recipientAccountId as string)) bad("account");
    }
    expect(problems.slice(0, 5)).toEqual([]);
    const withTls = recs.filter((r) => r.tlsDetails);
    expect(withTls.length).toBeGreaterThan(recs.length * 0.3);
    expect((withTls[0].tlsDetails as Obj).clientProvidedHostHeader).toMatch(/amazon(aws)?\.com$/);
    expect(recs.some((r) => r.sessionCredentialFromConsole === "true")).toBe(true);
    expect(recs.some((r) => typeof r.vpcEndpointId === "string" && (r.vpcEndpointId as string).startsWith("vpce-"))).toBe(true);
    expect(recs.some((r) => r.eventType === "AwsServiceEvent")).toBe(true);
  });

  it("includes data events with S3 object and bucket resources", () => {
    const data = recs.filter((r) => r.eventCategory === "Data");
    expect(data.length).toBeGreaterThan(recs.length * 0.1);
    const get = data.find((r) => r.eventName === "GetObject" && !r.errorCode)!;
    expect(get.managementEvent).toBe(false);
    expect(get.readOnly).toBe(true);
    const res = get.resources as Obj[];
    expect(res.map((x) => x.type)).toEqual(["AWS::S3::Object", "AWS::S3::Bucket"]);
    const rp = get.requestParameters as Obj;
    expect(res[0].ARN).toBe(`arn:aws:s3:::${rp.bucketName}/${rp.key}`);
    expect(data.some((r) => r.eventName === "Invoke" && r.eventSource === "lambda.amazonaws.com")).toBe(true);
    expect(data.some((r) => r.eventSource === "dynamodb.amazonaws.com")).toBe(true);
  });

  it("has console sign-ins with results and MFA", () => {
    const logins = recs.filter((r) => r.eventName === "ConsoleLogin");
    expect(logins.length).toBeGreaterThan(10);
    for (const r of logins) {
      expect(r.eventType).toBe("AwsConsoleSignIn");
      expect(r.eventSource).toBe("signin.amazonaws.com");
      expect(["Success", "Failure"]).toContain((r.responseElements as Obj).ConsoleLogin);
      expect(["Yes", "No"]).toContain((r.additionalEventData as Obj).MFAUsed);
    }
    expect(logins.some((r) => (r.responseElements as Obj).ConsoleLogin === "Failure")).toBe(true);
  });

  it("logs cross-account AssumeRole in both accounts under one sharedEventID", () => {
    const byShared = new Map<string, CloudTrailRecord[]>();
    for (const r of recs) if (typeof r.sharedEventID === "string" && r.eventType !== "AwsCloudTrailInsight") byShared.set(r.sharedEventID, [...(byShared.get(r.sharedEventID) ?? []), r]);
    const pairs = [...byShared.values()].filter((g) => g.length === 2 && g[0].eventName === "AssumeRole");
    expect(pairs.length).toBeGreaterThan(3);
    for (const [a, b] of pairs) {
      expect(a.recipientAccountId).not.toBe(b.recipientAccountId);
      expect(a.eventID).not.toBe(b.eventID);
      expect(ident(b)!.type).toBe("AWSAccount");
      expect(ident(b)!.accountId).toBe(a.recipientAccountId);
    }
    expect([...byShared.values()].some((g) => g[0].eventSource === "kms.amazonaws.com")).toBe(true);
  });

  it("mixes in Insights events (~0.1%) without top-level identity or API", () => {
    const ins = recs.filter((r) => r.eventType === "AwsCloudTrailInsight");
    expect(ins.length).toBeGreaterThan(recs.length * 0.0004);
    expect(ins.length).toBeLessThan(recs.length * 0.003);
    const starts = new Map<string, CloudTrailRecord>();
    for (const r of ins) {
      expect(r.userIdentity).toBeUndefined();
      expect(r.eventSource).toBeUndefined();
      expect(r.eventName).toBeUndefined();
      expect(r.eventVersion).toBe("1.07");
      expect(r.eventCategory).toBe("Insight");
      expect(r.eventID).toMatch(UUID4);
      const d = r.insightDetails as Obj;
      expect(["ApiCallRateInsight", "ApiErrorRateInsight"]).toContain(d.insightType);
      expect(d.eventSource).toMatch(/\.amazonaws\.com$/);
      expect(d.eventName).toBeTypeOf("string");
      const stats = (d.insightContext as Obj).statistics as Obj;
      expect((stats.baseline as Obj).average).toBeTypeOf("number");
      expect((stats.insight as Obj).average).toBeTypeOf("number");
      if (d.state === "Start") starts.set(r.sharedEventID as string, r);
      else {
        expect(d.state).toBe("End");
        const s = starts.get(r.sharedEventID as string)!;
        expect(s).toBeDefined();
        expect(s.recipientAccountId).toBe(r.recipientAccountId);
        expect(stats.insightDuration).toBeGreaterThanOrEqual(1);
      }
    }
    expect(ins.filter((r) => (r.insightDetails as Obj).state === "End").length).toBeGreaterThan(0);
    expect(take(5000, { insights: false }).some((r) => r.eventType === "AwsCloudTrailInsight")).toBe(false);
  });

  it("plants the DEMO_STORY scenarios", () => {
    const times = demoStoryTimes({ start: START, end: END });
    // 1. StopLogging by the legacy admin in the last week, successful, from the odd IP
    const stops = recs.filter((r) => r.eventName === "StopLogging" && ident(r)?.userName === DEMO_STORY.stopLoggingUser);
    expect(stops.length).toBeGreaterThanOrEqual(1);
    const stop = stops[0];
    expect(Date.parse(stop.eventTime as string)).toBeGreaterThanOrEqual(END.getTime() - 7 * DAY);
    expect(Date.parse(stop.eventTime as string)).toBeGreaterThanOrEqual(times.stopLoggingAfter.getTime());
    expect(stop.errorCode).toBeUndefined();
    expect(ident(stop)!.arn).toBe(DEMO_STORY.stopLoggingUserArn);
    expect(ident(stop)!.accessKeyId).toBe(DEMO_STORY.stopLoggingAccessKeyId);
    expect(stop.sourceIPAddress).toBe(DEMO_STORY.stopLoggingIp);
    expect(stop.recipientAccountId).toBe(DEMO_STORY.stopLoggingAccount);
    expect(stop.eventSource).toBe("cloudtrail.amazonaws.com");
    // ...and logging is turned back on later
    expect(recs.some((r) => r.eventName === "StartLogging" && Date.parse(r.eventTime as string) > Date.parse(stop.eventTime as string))).toBe(true);

    // 2. DeployRole sessions with many AccessDenied errors
    const deploy = recs.filter((r) => ident(r)?.arn === DEMO_STORY.deniedSessionArn);
    const denied = deploy.filter((r) => /AccessDenied|UnauthorizedOperation/.test(String(r.errorCode ?? "")));
    expect(denied.length).toBeGreaterThan(50);
    expect(denied.length / deploy.length).toBeGreaterThan(0.2);
    expect(denied.filter((r) => r.errorCode === "AccessDenied").length).toBeGreaterThan(20);
    expect(((ident(deploy[0])!.sessionContext as Obj).sessionIssuer as Obj).arn).toBe(DEMO_STORY.deniedRoleArn);

    // 3. One access key busy during one day
    const perDay = new Map<number, number>();
    for (const r of recs) if (ident(r)?.accessKeyId === DEMO_STORY.busyAccessKeyId) {
      const d = Math.floor(Date.parse(r.eventTime as string) / DAY);
      perDay.set(d, (perDay.get(d) ?? 0) + 1);
    }
    const [busiest, n] = [...perDay].sort((a, b) => b[1] - a[1])[0];
    expect(busiest * DAY).toBe(times.busyDay.start.getTime());
    const others = [...perDay].filter(([d]) => d !== busiest).map(([, c]) => c);
    expect(n).toBeGreaterThan(100);
    expect(n).toBeGreaterThan(10 * Math.max(...others));
    const busyRecs = recs.filter((r) => ident(r)?.accessKeyId === DEMO_STORY.busyAccessKeyId && Math.floor(Date.parse(r.eventTime as string) / DAY) === busiest);
    expect(busyRecs.filter((r) => r.sourceIPAddress === DEMO_STORY.busyIp).length).toBeGreaterThan(n * 0.8);
    expect(ident(busyRecs[0])!.arn).toBe(DEMO_STORY.busyUserArn);
  });

  it("describes the story for other account sets and can leave it out", () => {
    const s = demoStory({ accounts: ["111111111111", "222222222222"] });
    expect(s.stopLoggingUserArn).toBe("arn:aws:iam::111111111111:user/legacy-admin");
    expect(s.deniedRoleArn).toBe("arn:aws:iam::222222222222:role/DeployRole");
    const quiet = take(20_000, { story: false });
    expect(quiet.some((r) => ident(r)?.arn === DEMO_STORY.deniedSessionArn)).toBe(false);
    expect(quiet.some((r) => r.sourceIPAddress === DEMO_STORY.stopLoggingIp)).toBe(false);
  });
});

// ---- corpus ---------------------------------------------------------------------------------------

const ORG = "o-7k2m9x4q1z";
const LOG_KEY = /^AWSLogs\/(o-[a-z0-9]{10,32})\/(\d{12})\/CloudTrail\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8}T\d{4}Z)_[A-Za-z0-9]{16}\.json\.gz$/;
const INSIGHT_KEY = /^AWSLogs\/(o-[a-z0-9]{10,32})\/(\d{12})\/CloudTrail-Insight\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{12})_CloudTrail-Insight_([a-z0-9-]+)_(\d{8}T\d{4}Z)_[A-Za-z0-9]{16}\.json\.gz$/;
const DIGEST_KEY = /^AWSLogs\/(o-[a-z0-9]{10,32})\/(\d{12})\/CloudTrail-Digest\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{12})_CloudTrail-Digest_([a-z0-9-]+)_org-audit-trail_us-east-1_(\d{8}T\d{6}Z)\.json\.gz$/;
const CHECK_KEY = /^AWSLogs\/(o-[a-z0-9]{10,32})\/(\d{12})\/CloudTrail\/ConfigWritabilityCheckFile$/;

function stampMs(s: string): number {
  return Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), +s.slice(9, 11), +s.slice(11, 13), s.length > 14 ? +s.slice(13, 15) : 0);
}

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.push(path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join("/"));
  }
  return out.sort();
}

describe("writeAwsLogsCorpus", () => {
  const COUNT = 4000;
  const CSTART = new Date("2026-11-18T00:00:00Z");
  const CEND = new Date("2026-11-20T00:00:00Z");
  const opts = { count: COUNT, seed: 11, start: CSTART, end: CEND, eventsPerFile: 120 };
  let dir: string;
  let dir2: string;
  let result: CorpusResult;
  let files: string[];
  const raw = new Map<string, Buffer>();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "trailscope-corpus-"));
    dir2 = await mkdtemp(path.join(tmpdir(), "trailscope-corpus-"));
    result = await writeAwsLogsCorpus(dir, opts);
    files = await listFiles(dir);
    for (const f of files) raw.set(f, await readFile(path.join(dir, f)));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(dir2, { recursive: true, force: true });
  });

  it("writes only keys of the trail layout", () => {
    expect(files.length).toBe(result.files);
    for (const f of files) {
      const kinds = [LOG_KEY, INSIGHT_KEY, DIGEST_KEY, CHECK_KEY].filter((re) => re.test(f));
      expect(kinds, f).toHaveLength(1);
      expect(f.split("/")[1]).toBe(ORG);
    }
    expect(files.filter((f) => LOG_KEY.test(f))).toHaveLength(result.logFiles);
    expect(files.filter((f) => INSIGHT_KEY.test(f))).toHaveLength(result.insightFiles);
    expect(files.filter((f) => DIGEST_KEY.test(f))).toHaveLength(result.digestFiles);
    expect(files.filter((f) => CHECK_KEY.test(f))).toHaveLength(DEFAULT_ACCOUNTS.length);
    expect(result.bytes).toBe([...raw.values()].reduce((n, b) => n + b.length, 0));
    // the ingest side agrees on what each object is
    for (const f of files) {
      const want = LOG_KEY.test(f) ? "log" : INSIGHT_KEY.test(f) ? "insight" : DIGEST_KEY.test(f) ? "digest" : "foreign";
      expect(classifyKey(f).kind, f).toBe(want);
    }
  });

  it("stores gzip(JSON {Records}) whose records add up to count and match their keys", () => {
    let total = 0;
    const ids = new Set<string>();
    const logs = files.filter((f) => LOG_KEY.test(f) || INSIGHT_KEY.test(f));
    expect(result.logFiles).toBeGreaterThan(COUNT / 120 / 2);
    for (const f of logs) {
      const bytes = raw.get(f)!;
      expect(bytes[0]).toBe(0x1f);
      expect(bytes[1]).toBe(0x8b);
      const doc = JSON.parse(gunzipSync(bytes).toString("utf8")) as { Records: CloudTrailRecord[] };
      expect(Object.keys(doc)).toEqual(["Records"]);
      expect(doc.Records.length).toBeGreaterThan(0);
      const m = (LOG_KEY.exec(f) ?? INSIGHT_KEY.exec(f))!;
      const [, , account, region, yyyy, mm, dd, account2, region2, stamp] = m;
      expect(account2).toBe(account);
      expect(region2).toBe(region);
      expect(`${yyyy}${mm}${dd}`).toBe(stamp.slice(0, 8));
      const insight = INSIGHT_KEY.test(f);
      let newest = 0;
      for (const r of doc.Records) {
        expect(r.recipientAccountId).toBe(account);
        expect(r.awsRegion).toBe(region);
        expect(r.eventType === "AwsCloudTrailInsight").toBe(insight);
        newest = Math.max(newest, Date.parse(r.eventTime as string));
        ids.add(r.eventID as string);
      }
      // the name carries the delivery time: after the newest record, within minutes
      expect(stampMs(stamp)).toBeGreaterThanOrEqual(newest);
      expect(stampMs(stamp) - newest).toBeLessThan(15 * 60_000);
      total += doc.Records.length;
    }
    expect(total).toBe(COUNT);
    expect(result.events).toBe(COUNT);
    expect(ids.size).toBe(COUNT);
    expect(result.insightFiles).toBeGreaterThanOrEqual(0);
  });

  it("decodes with the ingest decoder", () => {
    for (const f of files.filter((x) => LOG_KEY.test(x)).slice(0, 10)) {
      const d = decodeObject(f, raw.get(f)!);
      expect(d.status, `${f}: ${d.reason}`).toBe("ok");
      expect(d.kind).toBe("log");
    }
    const dg = files.find((x) => DIGEST_KEY.test(x))!;
    expect(decodeObject(dg, raw.get(dg)!).kind).toBe("digest");
  });

  it("writes hourly digests per account/region that hash every log file and chain", () => {
    const digests = files.filter((f) => DIGEST_KEY.test(f));
    const listed = new Map<string, number>();
    const chains = new Map<string, { key: string; doc: Obj }[]>();
    for (const f of digests) {
      const bytes = gunzipSync(raw.get(f)!);
      const doc = JSON.parse(bytes.toString("utf8")) as Obj;
      const [, , account, region, , , , , , stamp] = DIGEST_KEY.exec(f)!;
      expect(doc.awsAccountId).toBe(account);
      expect(doc.digestS3Object).toBe(f);
      expect(doc.digestSignatureAlgorithm).toBe("SHA256withRSA");
      expect(doc.digestPublicKeyFingerprint).toMatch(/^[0-9a-f]{32}$/);
      const s = Date.parse(doc.digestStartTime as string);
      const e = Date.parse(doc.digestEndTime as string);
      expect(e - s).toBe(3_600_000);
      expect(stampMs(stamp)).toBe(e);
      for (const lf of doc.logFiles as Obj[]) {
        const key = lf.s3Object as string;
        expect(LOG_KEY.test(key), key).toBe(true);
        expect(key.split("/")[2]).toBe(account);
        expect(key.split("/")[4]).toBe(region);
        expect(lf.s3Bucket).toBe(doc.digestS3Bucket);
        expect(lf.hashAlgorithm).toBe("SHA-256");
        const logBytes = raw.get(key);
        expect(logBytes, key).toBeDefined();
        expect(lf.hashValue).toBe(createHash("sha256").update(gunzipSync(logBytes!)).digest("hex"));
        const delivered = stampMs(LOG_KEY.exec(key)![9]);
        expect(delivered).toBeGreaterThanOrEqual(s);
        expect(delivered).toBeLessThan(e);
        expect(lf.oldestEventTime as string <= (lf.newestEventTime as string)).toBe(true);
        listed.set(key, (listed.get(key) ?? 0) + 1);
      }
      const chainKey = `${account}/${region}`;
      chains.set(chainKey, [...(chains.get(chainKey) ?? []), { key: f, doc }]);
    }
    // every log file is listed exactly once
    const logs = files.filter((f) => LOG_KEY.test(f));
    expect(listed.size).toBe(logs.length);
    for (const f of logs) expect(listed.get(f), f).toBe(1);
    // one chain per account × region, hourly and unbroken
    expect(chains.size).toBe(DEFAULT_ACCOUNTS.length * DEFAULT_REGIONS.length);
    for (const chain of chains.values()) {
      chain.sort((a, b) => (a.doc.digestEndTime as string).localeCompare(b.doc.digestEndTime as string));
      expect(chain.length).toBeGreaterThanOrEqual(48);
      expect(chain[0].doc.previousDigestS3Object).toBeNull();
      expect(chain[0].doc.previousDigestHashValue).toBeNull();
      for (let i = 1; i < chain.length; i++) {
        const prev = chain[i - 1];
        const cur = chain[i].doc;
        expect(cur.digestStartTime).toBe(prev.doc.digestEndTime);
        expect(cur.previousDigestS3Object).toBe(prev.key);
        expect(cur.previousDigestS3Bucket).toBe(prev.doc.digestS3Bucket);
        expect(cur.previousDigestHashAlgorithm).toBe("SHA-256");
        expect(cur.previousDigestHashValue).toBe(createHash("sha256").update(gunzipSync(raw.get(prev.key)!)).digest("hex"));
        expect(cur.previousDigestSignature).toMatch(/^[0-9a-f]{512}$/);
      }
    }
  });

  it("is byte-identical for the same seed", async () => {
    const again = await writeAwsLogsCorpus(dir2, opts);
    expect(again).toEqual(result);
    const files2 = await listFiles(dir2);
    expect(files2).toEqual(files);
    for (const f of files2) expect((await readFile(path.join(dir2, f))).equals(raw.get(f)!), f).toBe(true);
  });

  it("honours orgId, prefix and maxFileMinutes", async () => {
    const d = await mkdtemp(path.join(tmpdir(), "trailscope-corpus-"));
    try {
      const r = await writeAwsLogsCorpus(d, { count: 300, seed: 5, start: CSTART, end: new Date(CSTART.getTime() + 3 * 3_600_000), orgId: "", prefix: "trails", maxFileMinutes: 5, digests: false, accounts: ["123456789012"], regions: ["eu-west-1"] });
      const fs = await listFiles(d);
      expect(r.digestFiles).toBe(0);
      expect(fs.every((f) => f.startsWith("trails/AWSLogs/123456789012/CloudTrail"))).toBe(true);
      let n = 0;
      for (const f of fs.filter((x) => x.endsWith(".json.gz"))) {
        const recs = (JSON.parse(gunzipSync(await readFile(path.join(d, f))).toString("utf8")) as { Records: CloudTrailRecord[] }).Records;
        const times = recs.map((x) => Date.parse(x.eventTime as string));
        expect(Math.max(...times) - Math.min(...times)).toBeLessThan(5 * 60_000);
        n += recs.length;
      }
      expect(n).toBe(300);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });
});

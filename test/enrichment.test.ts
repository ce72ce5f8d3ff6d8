// Enrichment at ingest (lib/enrich/): source IP and user-agent classes of realistic CloudTrail
// records, stored through the real sync engine (decode workers included) into a real PostgreSQL,
// then filtered and faceted through the query code the API uses; the AWS ranges snapshot refreshed
// from a file and from a real HTTP server; the background backfill of events stored before
// enrichment existed, rollups checked exact afterwards.
import { createServer, type Server } from "node:http";
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import ipaddr from "ipaddr.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natGatewayAddress } from "../lib/demo/addresses";
import { backfillState, ENRICHMENT_INDEXES, runBackfill } from "../lib/enrich/backfill";
import { SHIPPED_RANGES } from "../lib/enrich/enrich";
import { classifyAddress } from "../lib/enrich/ip-class";
import { buildRangeTable, lookupAws, prefixCount, type AwsIpRanges, type CompactRanges } from "../lib/enrich/ip-ranges";
import { activeRanges, refreshRanges } from "../lib/enrich/ranges-store";
import { classifyUserAgent } from "../lib/enrich/user-agent";
import { FIELD_BY_KEY } from "../lib/fields";
import { runSync } from "../lib/ingest/engine";
import { parseSource } from "../lib/ingest/sources";
import { listEvents } from "../lib/query/events";
import { facetCounts } from "../lib/query/facets";
import { ParamError, parseEventQuery } from "../lib/query/params";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { verifyRollups } from "../lib/store/rollups";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";
import { run } from "./helpers/run";

type Rec = Record<string, unknown>;
const ACCT = "111122223333";
const DAY1 = "2026-11-18";
let seq = 0;

/** A CloudTrail record as a trail delivers it (management event unless said otherwise). */
function rec(eventName: string, eventSource: string, sourceIPAddress: string | undefined, userAgent: string | undefined, extra: Rec = {}): Rec {
  seq++;
  return {
    eventVersion: "1.09",
    userIdentity: { type: "IAMUser", principalId: "AIDAEXAMPLE", arn: `arn:aws:iam::${ACCT}:user/alice`, accountId: ACCT, accessKeyId: "AKIAEXAMPLE", userName: "alice" },
    eventTime: `${DAY1}T${String(1 + (seq % 20)).padStart(2, "0")}:${String(seq % 60).padStart(2, "0")}:00Z`,
    eventSource,
    eventName,
    awsRegion: "us-east-1",
    ...(sourceIPAddress === undefined ? {} : { sourceIPAddress }),
    ...(userAgent === undefined ? {} : { userAgent }),
    requestParameters: null,
    responseElements: null,
    requestID: `req-${seq}`,
    eventID: `enrich-${String(seq).padStart(3, "0")}`,
    readOnly: true,
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: ACCT,
    eventCategory: "Management",
    ...extra,
  };
}

// User agents as CloudTrail records them (from real trails and AWS's documentation).
const UA = {
  cli: "aws-cli/2.15.30 Python/3.11.8 Linux/5.10.213-201.855.amzn2.x86_64 exe/x86_64.amzn.2 prompt/off command/ec2.describe-instances",
  cli1: "aws-cli/1.32.69 Python/3.9.18 Linux/6.1.79-99.167.amzn2023.x86_64 botocore/1.34.69",
  cloudShell: "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.72-96.166.amzn2023.x86_64 exec-env/CloudShell exe/x86_64.amzn.2023 prompt/off command/s3.ls",
  boto3: "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213-201.855.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
  goV2: "aws-sdk-go-v2/1.24.1 os/linux lang/go#1.21.6 md/GOOS#linux md/GOARCH#amd64 api/sts#1.26.7",
  goV1: "aws-sdk-go/1.50.8 (go1.21.6; linux; amd64)",
  java: "aws-sdk-java/2.20.162 Linux/5.10.201-191.748.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.9+8-LTS Java/17.0.9 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy",
  js3: "aws-sdk-js/3.485.0 ua/2.0 os/linux#5.10.205-195.807.amzn2.x86_64 lang/js md/nodejs#18.19.0 api/s3#3.485.0",
  nodejs: "aws-sdk-nodejs/2.1500.0 linux/v18.17.0 exec-env/AWS_Lambda_nodejs18.x promise",
  terraform:
    "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/iam#1.31.3",
  terraformOld: "Terraform/0.12.31 (+https://www.terraform.io) terraform-provider-aws/3.76.1 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go/1.44.157 (go1.19.3; linux; amd64)",
  chrome: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
  firefox: "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
  s3Console: "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.660 Linux/5.10.210-178.855.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.402-b08 java/1.8.0_402 vendor/Oracle_Corporation cfg/retry-mode/standard]",
  dotnet: "aws-sdk-dotnet-coreclr/3.7.300.45 aws-sdk-dotnet-core/3.7.302.2 .NET_Core/6.0.26 OS/Microsoft_Windows_10.0.20348 ClientAsync",
  powershell: "AWSPowerShell.Common/4.1.533.0 .NET_Runtime/6.0 .NET_Framework/4.0 OS/Microsoft_Windows_NT_10.0.20348.0 PowerShellCore/7.-1 ClientSync",
};

// What each record must be classified as: [record, ipClass, ipAwsRange, userAgentClass].
const CASES: [Rec, string | null, string | null, string | null][] = [
  [rec("DescribeInstances", "ec2.amazonaws.com", "52.4.18.7", UA.cli), "aws", "EC2 us-east-1", "cli"],
  [rec("ListBuckets", "s3.amazonaws.com", "10.20.3.41", UA.boto3), "private", null, "sdk-python"],
  [rec("GetCallerIdentity", "sts.amazonaws.com", "2600:1f18:4a3:6902::1f", UA.goV2), "aws", "EC2 us-east-1", "sdk-go"],
  [rec("GetCallerIdentity", "sts.amazonaws.com", "2a01:4f8:c17:1234::2", UA.java), "public", null, "sdk-java"],
  [rec("ListUsers", "iam.amazonaws.com", "fd12:3456:789a::10", UA.js3), "private", null, "sdk-js"],
  [rec("PutObject", "s3.amazonaws.com", "172.31.7.200", UA.nodejs), "private", null, "sdk-js"],
  [rec("CreateRole", "iam.amazonaws.com", "203.0.113.50", UA.terraform), "public", null, "terraform"],
  [rec("CreateRole", "iam.amazonaws.com", "198.51.100.77", UA.terraformOld), "public", null, "terraform"],
  [rec("CreateBucket", "s3.amazonaws.com", "cloudformation.amazonaws.com", "cloudformation.amazonaws.com", { readOnly: false }), "aws-service", null, "cloudformation"],
  [
    rec("AssumeRole", "sts.amazonaws.com", "lambda.amazonaws.com", "lambda.amazonaws.com", { userIdentity: { type: "AWSService", invokedBy: "lambda.amazonaws.com" } }),
    "aws-service",
    null,
    "aws-service",
  ],
  [rec("Decrypt", "kms.amazonaws.com", "AWS Internal", "AWS Internal"), "aws-internal", null, "aws-internal"],
  [rec("ConsoleLogin", "signin.amazonaws.com", "198.51.100.23", UA.chrome, { eventType: "AwsConsoleSignIn", readOnly: false }), "public", null, "console"],
  [rec("GetSigninToken", "signin.amazonaws.com", "198.51.100.24", "signin.amazonaws.com"), "public", null, "console"],
  [rec("DescribeSecurityGroups", "ec2.amazonaws.com", "198.51.100.25", "console.ec2.amazonaws.com"), "public", null, "console"],
  [rec("ListObjects", "s3.amazonaws.com", "198.51.100.26", UA.s3Console), "public", null, "console"],
  [rec("GetObject", "s3.amazonaws.com", "203.0.113.90", UA.firefox, { eventCategory: "Data", managementEvent: false }), "public", null, "browser"],
  [rec("ListBuckets", "s3.amazonaws.com", "203.0.113.7, 10.0.0.5", UA.cloudShell), "public", null, "cli"],
  [rec("ListBuckets", "s3.amazonaws.com", "10.0.0.5, 203.0.113.7", UA.cli1), "private", null, "cli"],
  [rec("DescribeRegions", "ec2.amazonaws.com", "::ffff:52.4.18.9", UA.goV1), "aws", "EC2 us-east-1", "sdk-go"],
  [rec("GetObject", "s3.amazonaws.com", "13.32.1.20", UA.dotnet), "aws", "CLOUDFRONT GLOBAL", "sdk-dotnet"],
  [rec("ListRoles", "iam.amazonaws.com", "100.64.9.9", UA.powershell), "private", null, "powershell"],
  [rec("ListRoles", "iam.amazonaws.com", "internal-proxy", "python-requests/2.31.0"), "other", null, "other"],
  [rec("CloudTrailInsight", "iam.amazonaws.com", undefined, undefined, { eventType: "AwsCloudTrailInsight" }), null, null, null],
];

describe("classification", () => {
  const table = buildRangeTable(SHIPPED_RANGES);

  it("looks up the innermost published prefix, as a scan of every prefix would", () => {
    // Reference: longest-prefix match over all prefixes, by ipaddr.js's own match().
    const all: [ipaddr.IPv4 | ipaddr.IPv6, number, string][] = [];
    for (const [region, services] of Object.entries(SHIPPED_RANGES.ranges)) {
      for (const [service, list] of Object.entries(services)) for (const cidr of list) all.push([...ipaddr.parseCIDR(cidr), `${service} ${region}`]);
    }
    const reference = (a: ipaddr.IPv4 | ipaddr.IPv6) => {
      let best: [number, string] | null = null;
      for (const [net, len, label] of all) if (net.kind() === a.kind() && a.match(net, len) && (!best || len > best[0])) best = [len, label];
      return best?.[1] ?? null;
    };
    // Addresses at every prefix's edges and just outside them, and in its middle.
    const probes: (ipaddr.IPv4 | ipaddr.IPv6)[] = [];
    for (let i = 0; i < all.length; i += 37) {
      const [net, len] = all[i];
      const bytes = net.toByteArray();
      const bits = bytes.length * 8;
      const hostBits = bits - len;
      const asBig = bytes.reduce((v, b) => (v << 8n) | BigInt(b), 0n);
      const size = 1n << BigInt(hostBits);
      for (const x of [asBig - 1n, asBig, asBig + size / 2n, asBig + size - 1n, asBig + size]) {
        if (x < 0n || x >= 1n << BigInt(bits)) continue;
        const out: number[] = [];
        for (let b = bytes.length - 1, v = x; b >= 0; b--, v >>= 8n) out[b] = Number(v & 255n);
        probes.push(ipaddr.fromByteArray(out));
      }
    }
    expect(probes.length).toBeGreaterThan(1000);
    for (const p of probes) expect(lookupAws(table, p), p.toString()).toBe(reference(p));
  });

  it("classifies source addresses: AWS ranges (IPv4 and IPv6), private, public, service names, AWS Internal, lists", () => {
    for (const [r, ipClass, awsRange] of CASES) {
      const ip = (r.sourceIPAddress as string | undefined) ?? null;
      expect(classifyAddress(ip, table), String(ip)).toEqual({ ipClass, awsRange });
    }
    expect(classifyAddress("fe80::1", table).ipClass).toBe("private");
    expect(classifyAddress("127.0.0.1", table).ipClass).toBe("private");
    expect(classifyAddress("[2600:1f18:4a3:6902::1f]", table).ipClass).toBe("aws");
    expect(classifyAddress("10", table).ipClass).toBe("other"); // ipaddr.js's loose IPv4 forms are not addresses here
    expect(classifyAddress("s3.amazonaws.com.cn", table).ipClass).toBe("aws-service");
    // The demo's NAT gateway addresses are in their region's EC2 ranges.
    for (const region of ["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2", "us-west-2"]) {
      expect(classifyAddress(natGatewayAddress("81.2.69.160", region), table)).toEqual({ ipClass: "aws", awsRange: `EC2 ${region}` });
    }
  });

  it("classifies user agents of real CloudTrail records", () => {
    for (const [r, , , uaClass] of CASES) {
      const ua = (r.userAgent as string | undefined) ?? null;
      expect(classifyUserAgent(ua, r.eventCategory as string), String(ua)).toBe(uaClass);
    }
    expect(classifyUserAgent("Coral/Netty4")).toBe("aws-internal");
    expect(classifyUserAgent("aws-sdk-ruby3/3.190.0 ruby/3.2.2 x86_64-linux aws-sdk-s3/1.136.0")).toBe("sdk-ruby");
    expect(classifyUserAgent("aws-sdk-php/3.300.0 OS/Linux/5.10 lang/php/8.2.15 GuzzleHttp/7")).toBe("sdk-php");
    expect(classifyUserAgent("aws-sdk-rust/1.1.7 os/linux lang/rust/1.76.0")).toBe("sdk-rust");
    expect(classifyUserAgent("aws-sdk-js/2.1550.0 promise aws-cdk/2.130.0")).toBe("cdk");
    expect(classifyUserAgent("config.amazonaws.com")).toBe("aws-service");
  });
});

// ---- through the engine and the query code ------------------------------------------------------

let tdb: TestDatabase;
let db: Db;
let dir: string;
const quiet = { log: () => {} };

/** A trail's log file of `records` under `dir` (AWSLogs layout), one per call. */
let files = 0;
async function writeLogFile(records: Rec[]) {
  const folder = path.join(dir, `AWSLogs/${ACCT}/CloudTrail/us-east-1/2026/11/18`);
  await mkdir(folder, { recursive: true });
  files++;
  await writeFile(path.join(folder, `${ACCT}_CloudTrail_us-east-1_20261118T0000Z_enrich${String(files).padStart(8, "0")}.json`), JSON.stringify({ Records: records }));
}

const q = (s: string) => parseEventQuery(new URLSearchParams(s));
const ids = async (s: string) => (await listEvents(db.pool, { ...q(s), limit: 1000 })).events.map((e) => e.eventID).sort();
const expected = (pick: (c: (typeof CASES)[number]) => boolean) => CASES.filter(pick).map(([r]) => r.eventID as string).sort();

beforeAll(async () => {
  tdb = await createTestDatabase("ts_enrich");
  await migrate(tdb.url);
  db = openDb(tdb.url);
  dir = await mkdtemp(path.join(tmpdir(), "trailscope-enrich-"));
  await writeLogFile(CASES.map(([r]) => r));
  // Two decode workers: the classes are computed there.
  const s = await runSync(db, parseSource(dir), { ...quiet, decodeWorkers: 2 });
  expect(s.ok).toBe(true);
  expect(s.eventsNew).toBe(CASES.length);
});

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("stored, filtered and faceted", () => {
  it("stores each event's classes (decoded in workers) and the API's events carry them", async () => {
    const { events } = await listEvents(db.pool, { ...q(""), limit: 1000 });
    const byId = new Map(events.map((e) => [e.eventID, e]));
    for (const [r, ipClass, awsRange, uaClass] of CASES) {
      const e = byId.get(r.eventID as string)!;
      expect({ id: e.eventID, ipClass: e.ipClass, ipAwsRange: e.ipAwsRange, userAgentClass: e.userAgentClass }).toEqual({ id: r.eventID, ipClass, ipAwsRange: awsRange, userAgentClass: uaClass });
    }
    expect(byId.get("enrich-003")!.ipVersion).toBe("ipv6");
    expect(byId.get("enrich-019")!.ipVersion).toBe("ipv4"); // ::ffff:52.4.18.9
    expect(byId.get("enrich-009")!.ipVersion).toBeNull(); // a service name
  });

  it("filters on the classes: values, several values, exclusion, wildcards, ipVersion", async () => {
    expect(await ids("ipClass=aws")).toEqual(expected((c) => c[1] === "aws"));
    expect(await ids("ipClass=private&ipClass=aws-internal")).toEqual(expected((c) => c[1] === "private" || c[1] === "aws-internal"));
    expect(await ids("userAgentClass=*&userAgentClass=!console")).toEqual(expected((c) => c[3] !== "console" && c[3] !== null));
    expect(await ids("userAgentClass=sdk-*")).toEqual(expected((c) => c[3]?.startsWith("sdk-") ?? false));
    expect(await ids("ipAwsRange=EC2*")).toEqual(expected((c) => c[2]?.startsWith("EC2") ?? false));
    expect(await ids("ipVersion=ipv6")).toEqual(["enrich-003", "enrich-004", "enrich-005"]);
    expect(await ids("ipVersion=ipv6&ipClass=public")).toEqual(["enrich-004"]);
    expect(await ids("ipVersion=!ipv6&ipClass=aws")).toEqual(expected((c) => c[1] === "aws" && (c[0].eventID as string) !== "enrich-003"));
    expect(() => q("ipVersion=7")).toThrow(ParamError);
    expect(() => q("ipVersion=7")).toThrow(/ipVersion/);
  });

  it("facets the classes, from the rollups and from a filtered sample alike", async () => {
    const fields = [FIELD_BY_KEY.get("ipClass")!, FIELD_BY_KEY.get("userAgentClass")!, FIELD_BY_KEY.get("ipAwsRange")!];
    const count = (pick: (c: (typeof CASES)[number]) => string | null) => {
      const m = new Map<string | null, number>();
      for (const c of CASES) m.set(pick(c), (m.get(pick(c)) ?? 0) + 1);
      return m;
    };
    const asMap = (values: { value: string | null; count: number }[]) => new Map(values.map((v) => [v.value, v.count]));
    // Whole days and no filter: the rollups answer (and must agree with a scan).
    const range = q(`from=${DAY1}T00:00:00Z&to=2026-11-20T00:00:00Z`);
    const rolled = await facetCounts(db.pool, range, fields.slice(0, 2), { limit: 100 });
    expect(rolled).toEqual(await facetCounts(db.pool, range, fields.slice(0, 2), { limit: 100, rollups: false }));
    expect(asMap(rolled[0].values)).toEqual(count((c) => c[1]));
    expect(asMap(rolled[1].values)).toEqual(count((c) => c[3]));
    // Filtered: counted in the sample, each field under the others' filters.
    const filtered = await facetCounts(db.pool, q("ipClass=aws"), fields, { limit: 100 });
    expect(asMap(filtered[0].values)).toEqual(count((c) => c[1])); // its own filter left out
    expect(asMap(filtered[1].values)).toEqual(asMap([...count((c) => (c[1] === "aws" ? c[3] : "-"))].filter(([k]) => k !== "-").map(([value, n]) => ({ value, count: n }))));
    expect(filtered[2].values.find((v) => v.value === "EC2 us-east-1")?.count).toBe(3);
    expect(await verifyRollups(db.pool)).toEqual([]);
  });
});

// ---- the backfill of events stored before the migration ---------------------------------------

describe("backfill", () => {
  it("classifies events stored without classes, adds them to the rollups exactly, then builds the indexes", async () => {
    // The state right after migration 20261207080000 on a database of stored events: no classes,
    // none in the rollups, the backfill not begun, a large table's indexes not built.
    await db.pool.query(`UPDATE events SET ip_class = NULL, ip_aws_range = NULL, user_agent_class = NULL`);
    await db.pool.query(`DELETE FROM event_facet_hours WHERE field IN ('ipClass', 'userAgentClass')`);
    await db.pool.query(`DELETE FROM event_facet_days WHERE field IN ('ipClass', 'userAgentClass')`);
    await db.pool.query(`UPDATE enrichment_backfill SET next_page = 0, end_page = NULL, classified = 0, finished_at = NULL`);
    for (const ix of ENRICHMENT_INDEXES) await db.pool.query(`DROP INDEX "${ix.name}"`);
    expect(await ids("ipClass=*")).toEqual([]);
    expect(await verifyRollups(db.pool)).toEqual([]); // NULL classes: nothing to count

    // A batch of one page at a time, to walk several batches.
    const end = await runBackfill(db.pool, { pages: 1, pauseMs: 0 });
    expect(end.finished).toBe(true);
    expect(end.classified).toBe(CASES.filter((c) => c[1] !== null || c[3] !== null).length);
    expect(await ids("ipClass=aws")).toEqual(expected((c) => c[1] === "aws"));
    expect(await ids("userAgentClass=terraform")).toEqual(expected((c) => c[3] === "terraform"));
    expect(await verifyRollups(db.pool)).toEqual([]);
    const { rows } = await db.pool.query(
      `SELECT x.relname, i.indisvalid FROM pg_class x JOIN pg_index i ON i.indexrelid = x.oid WHERE x.relname = ANY($1) ORDER BY 1`,
      [ENRICHMENT_INDEXES.map((ix) => ix.name)],
    );
    expect(rows).toEqual(ENRICHMENT_INDEXES.map((ix) => ({ relname: ix.name, indisvalid: true })).sort((a, b) => a.relname.localeCompare(b.relname)));
    // Done stays done: a second run changes nothing.
    expect(await runBackfill(db.pool)).toEqual(await backfillState(db.pool));
    expect((await backfillState(db.pool)).classified).toBe(end.classified);
  });
});

// ---- refreshing the AWS ranges snapshot --------------------------------------------------------

/** AWS's document for a compact snapshot (the inverse of compactRanges, services split again). */
function awsDocument(c: CompactRanges, syncToken: string, extra: AwsIpRanges["prefixes"]): AwsIpRanges {
  const doc: AwsIpRanges = { syncToken, createDate: "2026-12-01-10-00-00", prefixes: [...extra], ipv6_prefixes: [] };
  for (const [region, services] of Object.entries(c.ranges)) {
    for (const [joined, list] of Object.entries(services)) {
      for (const cidr of list) {
        for (const service of ["AMAZON", ...joined.split("+").filter((s) => s !== "AMAZON")]) {
          if (cidr.includes(":")) doc.ipv6_prefixes.push({ ipv6_prefix: cidr, region, service });
          else doc.prefixes.push({ ip_prefix: cidr, region, service });
        }
      }
    }
  }
  return doc;
}

describe("ip-ranges refresh", () => {
  let server: Server;
  let url: string;
  let served = "";

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/ip-ranges.json") res.writeHead(200, { "content-type": "application/json" }).end(served);
      else res.writeHead(404).end("no");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    url = `http://127.0.0.1:${port}/ip-ranges.json`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const newer = String(Number(SHIPPED_RANGES.syncToken) + 1000);

  it("stores a newer snapshot from a file; new events are classified with it, stored ones keep their class", async () => {
    // 192.0.2.0/24 is no AWS range: published here as one, it shows the new snapshot is in use.
    const file = path.join(dir, "ip-ranges.json");
    await writeFile(file, JSON.stringify(awsDocument(SHIPPED_RANGES, newer, [{ ip_prefix: "192.0.2.0/24", region: "eu-central-2", service: "EC2" }])));
    const r = await refreshRanges(db.pool, file);
    expect(r).toMatchObject({ stored: true, read: { syncToken: newer }, active: { syncToken: newer, source: file } });
    expect((await activeRanges(db.pool)).syncToken).toBe(newer);

    await writeLogFile([rec("ListUsers", "iam.amazonaws.com", "192.0.2.44", UA.cli, { eventID: "enrich-new-1" })]);
    const old = await listEvents(db.pool, { ...q("eventID=enrich-007"), limit: 1 });
    // Workers get the snapshot at the pool's start.
    expect((await runSync(db, parseSource(dir), { ...quiet, decodeWorkers: 1 })).eventsNew).toBe(1);
    expect((await listEvents(db.pool, { ...q("eventID=enrich-new-1"), limit: 1 })).events[0]).toMatchObject({ ipClass: "aws", ipAwsRange: "EC2 eu-central-2" });
    expect((await listEvents(db.pool, { ...q("eventID=enrich-007"), limit: 1 })).events).toEqual(old.events);
  });

  it("reads one from an HTTP URL; an older or equal one is not stored", async () => {
    served = JSON.stringify(awsDocument(SHIPPED_RANGES, newer, []));
    expect(await refreshRanges(db.pool, url)).toMatchObject({ stored: false, active: { syncToken: newer } });
    const newest = String(Number(newer) + 1);
    served = JSON.stringify(awsDocument(SHIPPED_RANGES, newest, []));
    expect(await refreshRanges(db.pool, url)).toMatchObject({ stored: true, active: { syncToken: newest, source: url } });
    expect((await db.pool.query(`SELECT sync_token FROM aws_ip_ranges`)).rows).toEqual([{ sync_token: newest }]);
    // Inline decoding (as uploads do) uses it too: 192.0.2.0/24 is no longer published.
    await writeLogFile([rec("ListUsers", "iam.amazonaws.com", "192.0.2.45", UA.cli, { eventID: "enrich-new-2" })]);
    expect((await runSync(db, parseSource(dir), { ...quiet, decodeWorkers: 0 })).eventsNew).toBe(1);
    expect((await listEvents(db.pool, { ...q("eventID=enrich-new-2"), limit: 1 })).events[0]).toMatchObject({ ipClass: "public", ipAwsRange: null });
  });

  it("npm run admin -- ip-ranges refresh <URL> | <file>, ip-ranges show, enrichment backfill", async () => {
    const admin = (...args: string[]) => run("env", [`DATABASE_URL=${tdb.url}`, process.execPath, "--import", "tsx", "scripts/admin.ts", ...args]);
    const token = String(Number(newer) + 10);
    served = JSON.stringify(awsDocument(SHIPPED_RANGES, token, []));
    const fromUrl = await admin("ip-ranges", "refresh", url);
    expect(fromUrl.stderr).toContain(`stored ${url}: syncToken ${token}`);
    expect(fromUrl.code).toBe(0);
    const file = path.join(dir, "same.json");
    await writeFile(file, served);
    const again = await admin("ip-ranges", "refresh", file);
    expect(again.stderr).toContain(`not newer than the snapshot in use (syncToken ${token}`);
    expect(again.code).toBe(0);
    const show = await admin("ip-ranges", "show");
    expect(show.stdout).toBe(`syncToken ${token}\tcreateDate 2026-12-01-10-00-00\t${prefixCount(SHIPPED_RANGES)} prefixes\trefreshed from ${url}\n`);
    const bad = await admin("ip-ranges", "refresh", path.join(dir, "nothing-here.json"));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^admin: .*ENOENT/);
    const backfill = await admin("enrichment", "backfill");
    expect(backfill.stderr).toContain("enrichment backfill done");
  });

  it("refuses what is not AWS's document, saying what is wrong", async () => {
    served = JSON.stringify({ syncToken: "1", createDate: "2026-12-01-10-00-00", prefixes: [{ ip_prefix: "3.5.140.0/22", region: "x" }] });
    await expect(refreshRanges(db.pool, url)).rejects.toThrow(/not an AWS ip-ranges\.json: prefixes\.0\.service/);
    served = JSON.stringify({ ...awsDocument(SHIPPED_RANGES, String(Number(newer) + 5), []), prefixes: [{ ip_prefix: "3.5.140.0/33", region: "x", service: "EC2" }] });
    await expect(refreshRanges(db.pool, url)).rejects.toThrow(/not a CIDR prefix: "3\.5\.140\.0\/33"/);
    served = "<html>";
    await expect(refreshRanges(db.pool, url)).rejects.toThrow(/not JSON/);
    await expect(refreshRanges(db.pool, url.replace("ip-ranges.json", "missing"))).rejects.toThrow(/HTTP 404/);
    await expect(refreshRanges(db.pool, path.join(dir, "no-such-file.json"))).rejects.toThrow(/ENOENT/);
  });
});

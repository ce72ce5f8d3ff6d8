// Exercises the LookupEvents peer with the real @aws-sdk/client-cloudtrail, so that signing,
// serialisation, error decoding and the SDK's retry strategy are all on the path.
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  ListPublicKeysCommand,
  LookupEventsCommand,
  paginateLookupEvents,
  type LookupEventsCommandInput,
  type Event as LookupEvent,
} from "@aws-sdk/client-cloudtrail";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { startLookupPeer, type LookupPeer } from "./lookup-peer";

// ---------------------------------------------------------------------------------------------
// Sample records

const ACCOUNT = "123456789012";
const NOW = new Date("2026-11-21T12:00:00Z");

type Identity = "IAMUser" | "AssumedRole" | "Root" | "AWSService";

interface Sample {
  id: string;
  time: Date;
  identity?: Identity;
  readOnly?: boolean;
  eventName?: string;
  eventSource?: string;
  resources?: Array<{ ARN: string; type?: string }>;
  eventCategory?: string;
  region?: string;
}

function identityFor(kind: Identity, n: number): Record<string, unknown> {
  switch (kind) {
    case "IAMUser":
      return {
        type: "IAMUser",
        principalId: `AIDA${n}`,
        arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
        accountId: ACCOUNT,
        accessKeyId: `AKIAALICE${n % 3}`,
        userName: "alice",
      };
    case "AssumedRole":
      return {
        type: "AssumedRole",
        principalId: `AROAEXAMPLE:deploy-session-${n % 2}`,
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/DeployRole/deploy-session-${n % 2}`,
        accountId: ACCOUNT,
        accessKeyId: `ASIADEPLOY${n % 2}`,
        sessionContext: {
          sessionIssuer: {
            type: "Role",
            arn: `arn:aws:iam::${ACCOUNT}:role/DeployRole`,
            userName: "DeployRole",
          },
        },
      };
    case "Root":
      return { type: "Root", principalId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT, accessKeyId: "AKIAROOT" };
    case "AWSService":
      return { type: "AWSService", invokedBy: "ec2.amazonaws.com" };
  }
}

function record(s: Sample, n = 0): Record<string, unknown> {
  return {
    eventVersion: "1.11",
    userIdentity: identityFor(s.identity ?? "IAMUser", n),
    eventTime: s.time.toISOString().replace(/\.\d{3}Z$/, "Z"),
    eventSource: s.eventSource ?? "s3.amazonaws.com",
    eventName: s.eventName ?? "ListBuckets",
    awsRegion: s.region ?? "us-east-1",
    sourceIPAddress: "203.0.113.7",
    userAgent: "aws-cli/2.15.0",
    requestParameters: null,
    responseElements: null,
    requestID: `req-${s.id}`,
    eventID: s.id,
    readOnly: s.readOnly ?? true,
    ...(s.resources && { resources: s.resources.map((r) => ({ accountId: ACCOUNT, ...r })) }),
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: s.eventCategory ?? "Management",
  };
}

function insightRecord(id: string, time: Date, eventName = "PutObject"): Record<string, unknown> {
  return {
    eventVersion: "1.08",
    eventTime: time.toISOString().replace(/\.\d{3}Z$/, "Z"),
    awsRegion: "us-east-1",
    eventID: id,
    eventType: "AwsCloudTrailInsight",
    recipientAccountId: ACCOUNT,
    sharedEventID: `shared-${id}`,
    insightDetails: {
      state: "Start",
      eventSource: "s3.amazonaws.com",
      eventName,
      insightType: "ApiCallRateInsight",
      insightContext: { statistics: { baseline: { average: 0.1 }, insight: { average: 5 } } },
    },
    eventCategory: "Insight",
  };
}

const NAMES = ["ListBuckets", "PutBucketPolicy", "DescribeInstances", "RunInstances", "GetCallerIdentity"];
const KINDS: Identity[] = ["IAMUser", "AssumedRole", "Root", "AWSService"];

/**
 * `count` management records, one minute apart going back from NOW, but every three consecutive
 * records share one eventTime so that ties straddle the 50-event page boundaries.
 */
function sampleRecords(count: number, prefix = "ev"): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const name = NAMES[i % NAMES.length];
    return record(
      {
        id: `${prefix}-${String(i).padStart(5, "0")}`,
        time: new Date(NOW.getTime() - 60_000 * (1 + Math.floor(i / 3))),
        identity: KINDS[i % KINDS.length],
        readOnly: name.startsWith("List") || name.startsWith("Describe") || name.startsWith("Get"),
        eventName: name,
        eventSource: name.endsWith("Instances") ? "ec2.amazonaws.com" : name === "GetCallerIdentity" ? "sts.amazonaws.com" : "s3.amazonaws.com",
        resources:
          name === "PutBucketPolicy"
            ? [{ ARN: `arn:aws:s3:::bucket-${i % 4}`, type: "AWS::S3::Bucket" }]
            : name === "RunInstances"
              ? [{ ARN: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-${i}` }] // no type
              : undefined,
      },
      i,
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Harness

let peers: LookupPeer[] = [];
let clients: CloudTrailClient[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of clients) c.destroy();
  clients = [];
  await Promise.all(peers.map((p) => p.close()));
  peers = [];
});

async function peer(opts: Parameters<typeof startLookupPeer>[0] = {}): Promise<LookupPeer> {
  // A generous rate unless a test is about throttling, so that those tests cannot be throttled.
  const p = await startLookupPeer({ tps: 1000, now: () => NOW, ...opts });
  peers.push(p);
  return p;
}

function client(p: LookupPeer, region = "us-east-1", extra: Partial<ConstructorParameters<typeof CloudTrailClient>[0]> = {}) {
  const c = new CloudTrailClient({
    endpoint: p.url,
    region,
    credentials: { accessKeyId: "AKIDPEERTEST", secretAccessKey: "not-a-secret" },
    ...extra,
  });
  clients.push(c);
  return c;
}

async function lookup(c: CloudTrailClient, input: LookupEventsCommandInput = {}) {
  return c.send(new LookupEventsCommand(input));
}

async function lookupAll(c: CloudTrailClient, input: LookupEventsCommandInput = {}): Promise<LookupEvent[]> {
  const out: LookupEvent[] = [];
  let token: string | undefined;
  do {
    const r = await lookup(c, { ...input, NextToken: token });
    out.push(...(r.Events ?? []));
    token = r.NextToken;
  } while (token);
  return out;
}

async function errorOf(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to fail");
}

const ids = (events: LookupEvent[]) => events.map((e) => e.EventId!);
const recId = (r: Record<string, unknown>) => r.eventID as string;

// Reference order: newest first, ties by eventID descending (what the peer promises).
function newestFirst(records: Record<string, unknown>[]): string[] {
  return [...records]
    .sort((a, b) => {
      const d = Date.parse(b.eventTime as string) - Date.parse(a.eventTime as string);
      return d !== 0 ? d : recId(a) < recId(b) ? 1 : -1;
    })
    .map(recId);
}

// ---------------------------------------------------------------------------------------------

describe("LookupEvents peer (driven by @aws-sdk/client-cloudtrail)", () => {
  it("pages 230 events 50 at a time, newest first, each exactly once, no NextToken at the end", async () => {
    const p = await peer();
    const records = sampleRecords(230);
    p.setEvents("us-east-1", records);
    const c = client(p);

    const pages: { n: number; token?: string }[] = [];
    const all: LookupEvent[] = [];
    let token: string | undefined;
    do {
      const r = await lookup(c, { NextToken: token });
      pages.push({ n: r.Events!.length, token: r.NextToken });
      all.push(...r.Events!);
      token = r.NextToken;
    } while (token);

    expect(pages.map((x) => x.n)).toEqual([50, 50, 50, 50, 30]);
    expect(pages.slice(0, 4).every((x) => typeof x.token === "string" && x.token.length > 0)).toBe(true);
    expect(pages[4].token).toBeUndefined();
    expect(new Set(ids(all)).size).toBe(230);
    expect(ids(all)).toEqual(newestFirst(records));
    for (let i = 1; i < all.length; i++) {
      expect(all[i - 1].EventTime!.getTime()).toBeGreaterThanOrEqual(all[i].EventTime!.getTime());
    }
    // EventTime came back as epoch seconds and was decoded to a Date by the SDK.
    expect(all[0].EventTime).toBeInstanceOf(Date);
    expect(all[0].EventTime!.toISOString()).toBe(new Date(NOW.getTime() - 60_000).toISOString());

    expect(p.stats.calls.map((x) => [x.hasToken, x.count])).toEqual([
      [false, 50],
      [true, 50],
      [true, 50],
      [true, 50],
      [true, 30],
    ]);

    // The SDK's own paginator works against it too, with a different page size.
    const viaPaginator: string[] = [];
    for await (const page of paginateLookupEvents({ client: c, pageSize: 40 }, {})) viaPaginator.push(...ids(page.Events ?? []));
    expect(viaPaginator).toEqual(newestFirst(records));
  });

  it("treats StartTime and EndTime as inclusive and honours fractional seconds", async () => {
    const p = await peer();
    const times = [10, 20, 30, 40, 50].map((m) => new Date(NOW.getTime() - m * 60_000));
    const records = times.map((t, i) => record({ id: `t${i}`, time: t }));
    p.setEvents("us-east-1", records);
    const c = client(p);

    // [t3 (40 min ago), t1 (20 min ago)] → t1, t2, t3
    const inclusive = await lookupAll(c, { StartTime: times[3], EndTime: times[1] });
    expect(ids(inclusive)).toEqual(["t1", "t2", "t3"]);

    // Half a second inside both bounds excludes the events sitting exactly on them.
    const narrowed = await lookupAll(c, {
      StartTime: new Date(times[3].getTime() + 500),
      EndTime: new Date(times[1].getTime() - 500),
    });
    expect(ids(narrowed)).toEqual(["t2"]);

    // StartTime == EndTime == an event's time returns that event.
    expect(ids(await lookupAll(c, { StartTime: times[4], EndTime: times[4] }))).toEqual(["t4"]);

    const err = await errorOf(lookup(c, { StartTime: times[1], EndTime: times[3] }));
    expect(err.name).toBe("InvalidTimeRangeException");
    expect(err.$metadata?.httpStatusCode).toBe(400);

    // The peer saw the bounds as the SDK sent them.
    expect(p.stats.calls[0].startTime?.getTime()).toBe(times[3].getTime());
    expect(p.stats.calls[0].endTime?.getTime()).toBe(times[1].getTime());
  });

  it("only shows the last 90 days", async () => {
    const p = await peer();
    const records = [
      record({ id: "recent", time: new Date(NOW.getTime() - 89 * 86_400_000) }),
      record({ id: "old", time: new Date(NOW.getTime() - 91 * 86_400_000) }),
    ];
    p.setEvents("us-east-1", records);
    const c = client(p);
    expect(ids(await lookupAll(c))).toEqual(["recent"]);
    // Even when StartTime asks for older events.
    expect(ids(await lookupAll(c, { StartTime: new Date(NOW.getTime() - 200 * 86_400_000) }))).toEqual(["recent"]);
  });

  it("filters on a single lookup attribute, exactly", async () => {
    const p = await peer();
    const records = sampleRecords(60);
    p.setEvents("us-east-1", records);
    const c = client(p);

    const byAttr = async (AttributeKey: any, AttributeValue: string) =>
      ids(await lookupAll(c, { LookupAttributes: [{ AttributeKey, AttributeValue }] })).sort();
    const expectIds = (pred: (r: any) => boolean) => records.filter(pred).map(recId).sort();

    expect(await byAttr("EventName", "RunInstances")).toEqual(expectIds((r) => r.eventName === "RunInstances"));
    expect((await byAttr("EventName", "RunInstances")).length).toBe(12);
    expect(await byAttr("EventSource", "ec2.amazonaws.com")).toEqual(expectIds((r) => r.eventSource === "ec2.amazonaws.com"));
    expect(await byAttr("ReadOnly", "false")).toEqual(expectIds((r) => r.readOnly === false));
    expect(await byAttr("ReadOnly", "true")).toEqual(expectIds((r) => r.readOnly === true));
    expect(await byAttr("Username", "alice")).toEqual(expectIds((r) => r.userIdentity.type === "IAMUser"));
    expect(await byAttr("Username", "root")).toEqual(expectIds((r) => r.userIdentity.type === "Root"));
    expect(await byAttr("Username", "deploy-session-1")).toEqual(
      expectIds((r) => r.userIdentity.arn?.endsWith("/deploy-session-1")),
    );
    expect(await byAttr("AccessKeyId", "AKIAALICE0")).toEqual(expectIds((r) => r.userIdentity.accessKeyId === "AKIAALICE0"));
    expect(await byAttr("ResourceType", "AWS::S3::Bucket")).toEqual(expectIds((r) => r.eventName === "PutBucketPolicy"));
    expect(await byAttr("ResourceName", "arn:aws:s3:::bucket-1")).toEqual(
      expectIds((r) => r.resources?.some((x: any) => x.ARN === "arn:aws:s3:::bucket-1")),
    );
    expect(await byAttr("EventId", "ev-00007")).toEqual(["ev-00007"]);
    // Exact match: no prefix or case-insensitive matching.
    expect(await byAttr("EventName", "runinstances")).toEqual([]);
    expect(await byAttr("Username", "ali")).toEqual([]);

    expect(p.stats.calls[0].attribute).toEqual({ key: "EventName", value: "RunInstances" });
  });

  it("rejects two lookup attributes, bad keys and bad MaxResults with the modelled exceptions", async () => {
    const p = await peer();
    p.setEvents("us-east-1", sampleRecords(20));
    const c = client(p);

    const two = await errorOf(
      lookup(c, {
        LookupAttributes: [
          { AttributeKey: "EventName", AttributeValue: "ListBuckets" },
          { AttributeKey: "Username", AttributeValue: "alice" },
        ],
      }),
    );
    expect(two.name).toBe("InvalidLookupAttributesException");
    expect(two.$metadata?.httpStatusCode).toBe(400);

    const badKey = await errorOf(lookup(c, { LookupAttributes: [{ AttributeKey: "Region" as any, AttributeValue: "x" }] }));
    expect(badKey.name).toBe("InvalidLookupAttributesException");

    for (const MaxResults of [0, 51, -1]) {
      const e = await errorOf(lookup(c, { MaxResults }));
      expect(e.name).toBe("InvalidMaxResultsException");
    }
    const seven = await lookup(c, { MaxResults: 7 });
    expect(seven.Events).toHaveLength(7);
    expect(seven.NextToken).toBeTruthy();
    const fifty = await lookup(c, { MaxResults: 50 });
    expect(fifty.Events).toHaveLength(20);
    expect(fifty.NextToken).toBeUndefined();

    // None of the rejected requests was served.
    expect(p.stats.calls.map((x) => x.count)).toEqual([7, 20]);
  });

  it("accepts a NextToken only with the parameters of the original call", async () => {
    const p = await peer();
    const records = sampleRecords(120);
    p.setEvents("us-east-1", records);
    const c = client(p);
    const filter = { LookupAttributes: [{ AttributeKey: "ReadOnly" as const, AttributeValue: "true" }] };

    const first = await lookup(c, { ...filter, MaxResults: 10 });
    expect(first.NextToken).toBeTruthy();

    for (const changed of [
      {}, // attribute dropped
      { LookupAttributes: [{ AttributeKey: "ReadOnly" as const, AttributeValue: "false" }] },
      { ...filter, StartTime: new Date(NOW.getTime() - 3_600_000) },
      { ...filter, EndTime: NOW },
      { EventCategory: "insight" as const },
    ]) {
      const err = await errorOf(lookup(c, { ...changed, NextToken: first.NextToken }));
      expect(err.name).toBe("InvalidNextTokenException");
    }
    // A different signing region is a different lookup, too.
    const otherRegion = await errorOf(lookup(client(p, "eu-west-1"), { ...filter, NextToken: first.NextToken }));
    expect(otherRegion.name).toBe("InvalidNextTokenException");
    // Garbage is rejected the same way.
    expect((await errorOf(lookup(c, { ...filter, NextToken: "not-a-token" }))).name).toBe("InvalidNextTokenException");

    // With the same parameters it continues where the first page stopped.
    const second = await lookup(c, { ...filter, MaxResults: 10, NextToken: first.NextToken });
    const expected = newestFirst(records.filter((r) => r.readOnly === true));
    expect(ids([...first.Events!, ...second.Events!])).toEqual(expected.slice(0, 20));
  });

  it("serves Insights events only with EventCategory=insight", async () => {
    const p = await peer();
    const management = sampleRecords(5);
    const insights = [
      insightRecord("ins-1", new Date(NOW.getTime() - 30_000)),
      insightRecord("ins-2", new Date(NOW.getTime() - 90_000), "DeleteObject"),
    ];
    const data = record({ id: "data-1", time: new Date(NOW.getTime() - 10_000), eventName: "GetObject", eventCategory: "Data" });
    p.setEvents("us-east-1", [...management, ...insights, data]);
    const c = client(p);

    // Default: management only — no Insights, and data events never appear in LookupEvents.
    expect(ids(await lookupAll(c)).sort()).toEqual(management.map(recId).sort());

    const onlyInsights = await lookupAll(c, { EventCategory: "insight" });
    expect(ids(onlyInsights)).toEqual(["ins-1", "ins-2"]);
    // eventName/eventSource come from insightDetails; there is no user.
    expect(onlyInsights[0]).toMatchObject({ EventName: "PutObject", EventSource: "s3.amazonaws.com" });
    expect(onlyInsights[0].Username).toBeUndefined();
    expect(JSON.parse(onlyInsights[0].CloudTrailEvent!)).toEqual(insights[0]);

    const byName = await lookupAll(c, {
      EventCategory: "insight",
      LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "DeleteObject" }],
    });
    expect(ids(byName)).toEqual(["ins-2"]);

    // Only EventId, EventName and EventSource are allowed with Insights.
    const userFilter = await errorOf(
      lookup(c, { EventCategory: "insight", LookupAttributes: [{ AttributeKey: "Username", AttributeValue: "root" }] }),
    );
    expect(userFilter.name).toBe("InvalidLookupAttributesException");

    const badCategory = await errorOf(lookup(c, { EventCategory: "management" as any }));
    expect(badCategory.name).toBe("InvalidEventCategoryException");

    expect(p.stats.calls.filter((x) => x.category === "insight").map((x) => x.count)).toEqual([2, 1]);
  });

  it("keeps regions apart by the SigV4 signing region", async () => {
    const p = await peer();
    const east = sampleRecords(3, "east");
    const west = sampleRecords(4, "west");
    p.setEvents("us-east-1", east);
    p.setEvents("eu-west-1", west);
    p.addEvents("eu-west-1", [record({ id: "west-added", time: new Date(NOW.getTime() - 1000) })]);

    expect(ids(await lookupAll(client(p, "us-east-1"))).sort()).toEqual(east.map(recId).sort());
    expect(ids(await lookupAll(client(p, "eu-west-1"))).sort()).toEqual([...west.map(recId), "west-added"].sort());
    expect(await lookupAll(client(p, "ap-south-1"))).toEqual([]);

    expect(p.stats.byRegion).toEqual({ "us-east-1": 1, "eu-west-1": 1, "ap-south-1": 1 });
    expect(p.stats.calls.map((x) => [x.region, x.count, x.accessKeyId])).toEqual([
      ["us-east-1", 3, "AKIDPEERTEST"],
      ["eu-west-1", 5, "AKIDPEERTEST"],
      ["ap-south-1", 0, "AKIDPEERTEST"],
    ]);
  });

  it("maps Username, ReadOnly, AccessKeyId and Resources the way LookupEvents reports them", async () => {
    const p = await peer();
    const t = (s: number) => new Date(NOW.getTime() - s * 1000);
    const records = [
      record({ id: "u-iam", time: t(1), identity: "IAMUser", readOnly: true }, 1),
      record({ id: "u-role", time: t(2), identity: "AssumedRole", readOnly: false }, 1),
      record({ id: "u-root", time: t(3), identity: "Root", readOnly: false }),
      record({ id: "u-svc", time: t(4), identity: "AWSService" }),
      record({
        id: "u-res",
        time: t(5),
        eventName: "PutBucketPolicy",
        readOnly: false,
        resources: [{ ARN: "arn:aws:s3:::b1", type: "AWS::S3::Bucket" }, { ARN: "arn:aws:s3:::b1/key" }],
      }),
    ];
    p.setEvents("us-east-1", records);
    const events = await lookupAll(client(p));
    const byId = Object.fromEntries(events.map((e) => [e.EventId!, e]));

    expect(byId["u-iam"]).toMatchObject({ Username: "alice", ReadOnly: "true", AccessKeyId: "AKIAALICE1" });
    expect(byId["u-role"]).toMatchObject({ Username: "deploy-session-1", ReadOnly: "false", AccessKeyId: "ASIADEPLOY1" });
    expect(byId["u-root"]).toMatchObject({ Username: "root", ReadOnly: "false", AccessKeyId: "AKIAROOT" });
    expect(byId["u-svc"].Username).toBeUndefined();
    expect(byId["u-svc"].AccessKeyId).toBeUndefined();
    // ReadOnly is a string on the wire (the record has a boolean).
    expect(typeof byId["u-iam"].ReadOnly).toBe("string");
    expect(byId["u-res"].Resources).toEqual([
      { ResourceType: "AWS::S3::Bucket", ResourceName: "arn:aws:s3:::b1" },
      // The peer sends "ResourceType": null (see the wire test); the SDK's deserializer drops nulls.
      { ResourceName: "arn:aws:s3:::b1/key" },
    ]);
    expect(byId["u-res"].Resources![1]).not.toHaveProperty("ResourceType");
    expect(byId["u-iam"].Resources).toEqual([]);
    expect(byId["u-iam"]).toMatchObject({ EventName: "ListBuckets", EventSource: "s3.amazonaws.com" });
    // CloudTrailEvent is the full record as JSON.
    for (const r of records) expect(JSON.parse(byId[recId(r)].CloudTrailEvent!)).toEqual(r);
  });

  describe("throttling", () => {
    it("throttles a burst beyond the rate per (access key, region) when the SDK may not retry", async () => {
      const p = await peer({ tps: 2 });
      p.setEvents("us-east-1", sampleRecords(10));
      p.setEvents("eu-west-1", sampleRecords(10));
      const east = client(p, "us-east-1", { maxAttempts: 1 });

      const results = await Promise.allSettled(Array.from({ length: 6 }, () => lookup(east)));
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      const fulfilled = results.filter((r) => r.status === "fulfilled");
      expect(rejected.length).toBeGreaterThan(0);
      expect(fulfilled.length).toBeGreaterThan(0);
      for (const r of rejected) {
        expect(r.reason.name).toBe("ThrottlingException");
        expect(r.reason.$metadata.httpStatusCode).toBe(400);
        expect(r.reason.$metadata.attempts).toBe(1);
      }
      expect(p.stats.throttled).toBe(rejected.length);
      expect(p.stats.requests).toBe(6);
      expect(p.stats.calls).toHaveLength(fulfilled.length);

      // Another region has its own budget.
      const west = await lookup(client(p, "eu-west-1", { maxAttempts: 1 }));
      expect(west.Events).toHaveLength(10);
    });

    it("lets the default retry strategy absorb rate throttling while paging sequentially", async () => {
      // The SDK waits random(0..1 s) and random(0..2 s) before its 2nd and 3rd attempts; at 2 TPS a
      // short draw can still fail a page three times (a real risk: roughly one 5-page run in ten).
      // Pin the jitter to its maximum so the test is deterministic; the strategy itself is the
      // SDK's default.
      vi.spyOn(Math, "random").mockReturnValue(0.999);
      const p = await peer({ tps: 2 });
      const records = sampleRecords(230);
      p.setEvents("us-east-1", records);
      const all = await lookupAll(client(p));

      expect(ids(all)).toEqual(newestFirst(records));
      expect(p.stats.throttled).toBeGreaterThan(0);
      expect(p.stats.calls).toHaveLength(5);
      expect(p.stats.requests).toBe(5 + p.stats.throttled);
    });

    it("throttleNext: the SDK retries ThrottlingException twice by itself, then gives up", async () => {
      // Forced throttling does not depend on timing: pin the SDK's backoff jitter to zero to keep
      // the test quick.
      vi.spyOn(Math, "random").mockReturnValue(0);
      const p = await peer();
      p.setEvents("us-east-1", sampleRecords(3));
      const c = client(p);

      p.throttleNext(2);
      const ok = await lookup(c);
      expect(ok.Events).toHaveLength(3);
      expect(ok.$metadata.attempts).toBe(3);
      expect(p.stats.throttled).toBe(2);

      p.throttleNext(3);
      const err = await errorOf(lookup(c));
      expect(err.name).toBe("ThrottlingException");
      expect(err.message).toBe("Rate exceeded");
      expect(p.stats.throttled).toBe(5);
      expect(p.stats.requests).toBe(6);
      expect(p.stats.calls).toHaveLength(1);
    });
  });

  it("failNext injects arbitrary errors, which the SDK decodes or retries as it would AWS's", async () => {
    const p = await peer();
    p.setEvents("us-east-1", sampleRecords(3));
    const c = client(p);

    p.failNext(1, "com.amazonaws.cloudtrail.v20131101#OperationNotPermittedException", 400, "not allowed");
    const err = await errorOf(lookup(c));
    expect(err.name).toBe("OperationNotPermittedException");
    expect(err.message).toBe("not allowed");

    // A 500 is transient: the default strategy retries and the call succeeds.
    p.failNext(1, "InternalFailure", 500);
    const ok = await lookup(c);
    expect(ok.Events).toHaveLength(3);
    expect(ok.$metadata.attempts).toBe(2);

    // Queued injections are consumed in order.
    p.failNext(1, "com.amazonaws.cloudtrail.v20131101#UnsupportedOperationException");
    p.throttleNext(1);
    const noRetry = client(p, "us-east-1", { maxAttempts: 1 });
    expect((await errorOf(lookup(noRetry))).name).toBe("UnsupportedOperationException");
    expect((await errorOf(lookup(noRetry))).name).toBe("ThrottlingException");
    expect((await lookup(noRetry)).Events).toHaveLength(3);
  });

  it("speaks the wire protocol: targets, auth header, error bodies", async () => {
    const p = await peer();
    p.setEvents("eu-central-1", [
      record({ id: "raw-1", time: new Date(NOW.getTime() - 5000), resources: [{ ARN: "arn:aws:s3:::b1/key" }] }),
    ]);
    const auth =
      "AWS4-HMAC-SHA256 Credential=AKIDRAW/20261121/eu-central-1/cloudtrail/aws4_request, " +
      "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0".repeat(64);
    const post = (headers: Record<string, string>, body = "{}") =>
      fetch(p.url + "/", {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.1", authorization: auth, ...headers },
        body,
      });

    // botocore's fully qualified target.
    const boto = await post({ "x-amz-target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents" });
    expect(boto.status).toBe(200);
    expect(boto.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    const body = await boto.json();
    expect(body.Events.map((e: any) => e.EventId)).toEqual(["raw-1"]);
    expect(typeof body.Events[0].EventTime).toBe("number"); // epoch seconds
    expect(body.Events[0].EventTime).toBe((NOW.getTime() - 5000) / 1000);
    expect("NextToken" in body).toBe(false);
    expect(body.Events[0].Resources).toEqual([{ ResourceType: null, ResourceName: "arn:aws:s3:::b1/key" }]);

    const unknown = await post({ "x-amz-target": "CloudTrail_20131101.CreateTrail" });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).__type).toBe("UnknownOperationException");

    const noAuth = await fetch(p.url + "/", {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "CloudTrail_20131101.LookupEvents" },
      body: "{}",
    });
    expect(noAuth.status).toBe(400);
    expect((await noAuth.json()).__type).toBe("MissingAuthenticationTokenException");

    const twoAttrs = await post(
      { "x-amz-target": "CloudTrail_20131101.LookupEvents" },
      JSON.stringify({
        LookupAttributes: [
          { AttributeKey: "EventName", AttributeValue: "a" },
          { AttributeKey: "EventName", AttributeValue: "b" },
        ],
      }),
    );
    expect(twoAttrs.status).toBe(400);
    expect(twoAttrs.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    const errBody = await twoAttrs.json();
    expect(errBody.__type).toBe("com.amazonaws.cloudtrail.v20131101#InvalidLookupAttributesException");
    expect(typeof errBody.message).toBe("string");

    // Access key and region came from the credential scope.
    expect(p.stats.calls[0]).toMatchObject({ region: "eu-central-1", accessKeyId: "AKIDRAW", hasToken: false, count: 1 });
    expect(p.stats.byRegion["eu-central-1"]).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
// ListPublicKeys and DescribeTrails: what `aws cloudtrail validate-logs` calls besides S3.

describe("ListPublicKeys (driven by @aws-sdk/client-cloudtrail)", () => {
  const T0 = new Date("2026-11-01T00:00:00Z");
  const at = (h: number) => new Date(T0.getTime() + h * 3_600_000);
  const pairs = [0, 1, 2].map(() => generateKeyPairSync("rsa", { modulusLength: 2048 }));
  const der = pairs.map((p) => p.publicKey.export({ type: "pkcs1", format: "der" }));
  const fp = der.map((d) => createHash("md5").update(d).digest("hex"));

  async function keyPeer(opts: Parameters<typeof startLookupPeer>[0] = {}) {
    const p = await peer(opts);
    p.setPublicKeys([
      // Rotation in us-east-2: key 0 for [0 h, 24 h], key 1 for [24 h, 72 h].
      { value: der[0], validityStart: at(0), validityEnd: at(24), region: "us-east-2" },
      // A KeyObject works too (private: only its public half is served).
      { value: pairs[1].privateKey, validityStart: at(24), validityEnd: at(72), region: "us-east-2" },
      // Key 2: every region, [10 h, 11 h].
      { value: pairs[2].publicKey, validityStart: at(10), validityEnd: at(11) },
    ]);
    return p;
  }
  const fingerprints = (r: { PublicKeyList?: { Fingerprint?: string }[] }) => (r.PublicKeyList ?? []).map((k) => k.Fingerprint);

  it("returns the DER PKCS#1 public keys valid at any time in the range, with CloudTrail's MD5 fingerprints", async () => {
    const p = await keyPeer();
    const c = client(p, "us-east-2");
    const all = await c.send(new ListPublicKeysCommand({ StartTime: at(0), EndTime: at(100) }));
    expect(fingerprints(all)).toEqual([fp[0], fp[2], fp[1]]); // oldest validity first
    expect(all.NextToken).toBeUndefined();
    const k1 = all.PublicKeyList!.find((k) => k.Fingerprint === fp[1])!;
    // The SDK decodes the base64 blob to bytes: the DER of the public half of key 1.
    expect(Buffer.from(k1.Value!).equals(der[1])).toBe(true);
    expect(k1.ValidityStartTime).toEqual(at(24));
    expect(k1.ValidityEndTime).toEqual(at(72));
    // The key verifies what its private half signed, as validate-logs will check.
    const pub = createPublicKey({ key: Buffer.from(k1.Value!), format: "der", type: "pkcs1" });
    const sig = sign("sha256", Buffer.from("digest signing string"), pairs[1].privateKey);
    expect(verify("sha256", Buffer.from("digest signing string"), pub, sig)).toBe(true);
    expect(createHash("md5").update(Buffer.from(k1.Value!)).digest("hex")).toBe(k1.Fingerprint);

    // Overlap, bounds inclusive: [24 h, 24 h] touches both rotation keys.
    expect(fingerprints(await c.send(new ListPublicKeysCommand({ StartTime: at(24), EndTime: at(24) })))).toEqual([fp[0], fp[1]]);
    expect(fingerprints(await c.send(new ListPublicKeysCommand({ StartTime: at(30), EndTime: at(40) })))).toEqual([fp[1]]);
    expect(fingerprints(await c.send(new ListPublicKeysCommand({ StartTime: at(10.5), EndTime: at(12) })))).toEqual([fp[0], fp[2]]);
    expect(fingerprints(await c.send(new ListPublicKeysCommand({ StartTime: at(80), EndTime: at(90) })))).toEqual([]);
    // Another region sees only the key of every region.
    expect(fingerprints(await client(p, "eu-west-1").send(new ListPublicKeysCommand({ StartTime: at(0), EndTime: at(100) })))).toEqual([fp[2]]);
    expect(p.stats.publicKeyCalls[0]).toMatchObject({ region: "us-east-2", startTime: at(0), endTime: at(100), hasToken: false, fingerprints: [fp[0], fp[2], fp[1]] });
    expect(p.stats.byOperation.ListPublicKeys).toBe(6);
    expect(p.stats.calls).toEqual([]); // not LookupEvents calls
  });

  it("defaults StartTime and EndTime to now, rejects start after end, pages when asked to", async () => {
    const p = await keyPeer({ now: () => at(30), publicKeysPageSize: 1 });
    const c = client(p, "us-east-2");
    // The current key only.
    expect(fingerprints(await c.send(new ListPublicKeysCommand({})))).toEqual([fp[1]]);
    const bad = await errorOf(c.send(new ListPublicKeysCommand({ StartTime: at(20), EndTime: at(10) })));
    expect(bad.name).toBe("InvalidTimeRangeException");
    // One key per page, NextToken tied to the parameters.
    const got: string[] = [];
    let token: string | undefined;
    do {
      const r = await c.send(new ListPublicKeysCommand({ StartTime: at(0), EndTime: at(100), NextToken: token }));
      got.push(...(fingerprints(r) as string[]));
      token = r.NextToken;
    } while (token && got.length < 10);
    expect(got).toEqual([fp[0], fp[2], fp[1]]);
    const first = await c.send(new ListPublicKeysCommand({ StartTime: at(0), EndTime: at(100) }));
    const wrong = await errorOf(c.send(new ListPublicKeysCommand({ StartTime: at(0), EndTime: at(50), NextToken: first.NextToken })));
    expect(wrong.name).toBe("InvalidTokenException");
  });

  it("is not held to LookupEvents' 2 requests per second", async () => {
    const p = await keyPeer({ tps: 1 });
    const c = client(p, "us-east-2", { maxAttempts: 1 });
    const rs = await Promise.all([1, 2, 3, 4, 5].map(() => c.send(new ListPublicKeysCommand({ StartTime: at(0), EndTime: at(1) }))));
    expect(rs.map(fingerprints)).toEqual(rs.map(() => [fp[0]]));
    expect(p.stats.throttled).toBe(0);
  });

  it("answers botocore's fully qualified target", async () => {
    const p = await keyPeer();
    const r = await fetch(p.url + "/", {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.ListPublicKeys",
        authorization:
          "AWS4-HMAC-SHA256 Credential=AKIDRAW/20261121/us-east-2/cloudtrail/aws4_request, SignedHeaders=host, Signature=" + "0".repeat(64),
      },
      body: JSON.stringify({ StartTime: at(0).getTime() / 1000, EndTime: at(1).getTime() / 1000 }),
    });
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body.PublicKeyList).toEqual([
      { Value: der[0].toString("base64"), ValidityStartTime: at(0).getTime() / 1000, ValidityEndTime: at(24).getTime() / 1000, Fingerprint: fp[0] },
    ]);
  });
});

describe("DescribeTrails (driven by @aws-sdk/client-cloudtrail)", () => {
  it("lists the region's trails and multi-region shadows, or the ones named", async () => {
    const p = await peer();
    const home = { Name: "t1", TrailARN: `arn:aws:cloudtrail:us-east-2:${ACCOUNT}:trail/t1`, HomeRegion: "us-east-2", S3BucketName: "b1" };
    const multi = { Name: "all", TrailARN: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/all`, HomeRegion: "us-east-1", S3BucketName: "b2", S3KeyPrefix: "p", IsMultiRegionTrail: true };
    p.setTrails([home, multi]);
    const c = client(p, "us-east-2");
    const all = await c.send(new DescribeTrailsCommand({}));
    expect(all.trailList!.map((t) => t.Name)).toEqual(["t1", "all"]);
    expect(all.trailList![0]).toMatchObject({ S3BucketName: "b1", HomeRegion: "us-east-2", LogFileValidationEnabled: true, IsOrganizationTrail: false });
    expect(all.trailList![1]).toMatchObject({ S3BucketName: "b2", S3KeyPrefix: "p", IsMultiRegionTrail: true });
    const own = await c.send(new DescribeTrailsCommand({ includeShadowTrails: false }));
    expect(own.trailList!.map((t) => t.Name)).toEqual(["t1"]);
    const byArn = await c.send(new DescribeTrailsCommand({ trailNameList: [multi.TrailARN] }));
    expect(byArn.trailList!.map((t) => t.Name)).toEqual(["all"]);
    expect((await client(p, "eu-west-1").send(new DescribeTrailsCommand({ includeShadowTrails: false }))).trailList).toEqual([]);
  });
});

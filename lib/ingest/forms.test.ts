// decodeObject on each form, and on what looks close to one but is not: the outcome (status,
// reason, records) an object gets, and digests staying digests.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodeObject } from "./decode";

const ev = (id: string, extra: Record<string, unknown> = {}) => ({
  eventVersion: "1.11",
  eventTime: "2025-05-01T12:00:00Z",
  eventSource: "iam.amazonaws.com",
  eventName: "ListUsers",
  awsRegion: "us-east-1",
  eventID: id,
  recipientAccountId: "111122223333",
  ...extra,
});
const bytes = (s: string) => Buffer.from(s);
const decode = (key: string, s: string | Buffer) => {
  const d = decodeObject(key, typeof s === "string" ? bytes(s) : s);
  return { kind: d.kind, status: d.status, reason: d.reason, records: d.records, stored: d.rows.ids, form: (d.meta as { form?: string } | null)?.form ?? null };
};

describe("forms of events", () => {
  it("reads NDJSON line by line, keeping the good lines when one is bad", () => {
    const text = [JSON.stringify(ev("n1")), "", JSON.stringify(ev("n2")), '{"eventTime": "cut', JSON.stringify({ hello: 1 }), JSON.stringify(ev("n3"))].join("\n");
    expect(decode("x", text)).toEqual({
      kind: "log",
      status: "ok",
      reason: "1 record not stored: line is not valid JSON; 1 record not stored: line holds no CloudTrail event",
      records: 5,
      stored: ["n1", "n2", "n3"],
      form: "ndjson",
    });
  });

  it("reads lookup-events output, its entries as one array or one per line, and a single entry", () => {
    const entry = (id: string) => ({ EventId: id, EventName: "ListUsers", CloudTrailEvent: JSON.stringify(ev(id)) });
    expect(decode("a", JSON.stringify({ Events: [entry("l1"), entry("l2")], NextToken: "t" }))).toMatchObject({ status: "ok", stored: ["l1", "l2"], form: "lookup-events" });
    expect(decode("b", JSON.stringify([entry("l3"), entry("l4")]))).toMatchObject({ status: "ok", stored: ["l3", "l4"], form: "array" });
    expect(decode("c", `${JSON.stringify(entry("l5"))}\n${JSON.stringify(entry("l6"))}\n`)).toMatchObject({ status: "ok", stored: ["l5", "l6"], form: "ndjson" });
    expect(decode("d", JSON.stringify(entry("l7")))).toMatchObject({ status: "ok", stored: ["l7"], form: "event" });
    expect(decode("e", JSON.stringify({ Events: [] }))).toMatchObject({ status: "ok", reason: null, records: 0, form: "lookup-events" });
    expect(decode("f", JSON.stringify({ Events: [{ ...entry("l8"), CloudTrailEvent: "{not json" }, entry("l9")] }))).toMatchObject({
      status: "ok",
      reason: "1 record not stored: CloudTrailEvent is not valid JSON",
      records: 2,
      stored: ["l9"],
    });
  });

  it("reads a single event, gzipped or with a byte-order mark, and an Insight event", () => {
    expect(decode("s", gzipSync(JSON.stringify(ev("s1"), null, 2)))).toMatchObject({ status: "ok", stored: ["s1"], form: "event" });
    expect(decode("s", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(JSON.stringify(ev("s2")))]))).toMatchObject({ stored: ["s2"] });
    const insight = { eventVersion: "1.08", eventTime: "2025-05-01T12:00:00Z", eventType: "AwsCloudTrailInsight", eventCategory: "Insight", eventID: "i1", insightDetails: { state: "Start" } };
    expect(decode("s", JSON.stringify(insight))).toMatchObject({ status: "ok", stored: ["i1"], form: "event" });
  });

  it("leaves what holds no event as before: skipped loose files, failed trail files, digests as digests", () => {
    expect(decode("notes.txt", "hello\nworld")).toMatchObject({ kind: "foreign", status: "skipped", reason: "not JSON" });
    expect(decode("other.json", JSON.stringify({ hello: "world" }))).toMatchObject({ kind: "foreign", status: "skipped", reason: "not a CloudTrail log file: no Records array" });
    expect(decode("list.json", "[1, 2, 3]")).toMatchObject({ kind: "foreign", status: "skipped", reason: "not a CloudTrail log file: a JSON array holding no CloudTrail event" });
    expect(decode("n.json", "42")).toMatchObject({ kind: "foreign", status: "skipped", reason: "not a CloudTrail log file: top level is not an object" });
    // An object with eventTime but no other CloudTrail field is not an event.
    expect(decode("t.json", JSON.stringify({ eventTime: "2025-05-01T12:00:00Z", message: "x" }))).toMatchObject({ status: "skipped", reason: "not a CloudTrail log file: no Records array" });
    // A pretty-printed log file cut short is invalid JSON, not NDJSON.
    const cut = JSON.stringify({ Records: [ev("c1"), ev("c2")] }, null, 2).slice(0, -30);
    expect(decode("AWSLogs/111122223333/CloudTrail/us-east-1/2025/05/01/f.json", cut)).toMatchObject({ kind: "log", status: "failed", reason: expect.stringMatching(/^invalid JSON/) });
    const digest = { digestStartTime: "2025-05-01T11:00:00Z", digestEndTime: "2025-05-01T12:00:00Z", logFiles: [] };
    expect(decode("loose-digest.json", JSON.stringify(digest))).toMatchObject({ kind: "digest", status: "ok", records: 0 });
    expect(decodeObject("loose-digest.json", bytes(JSON.stringify(digest))).meta).toEqual({ digest });
  });
});

// S3 sync through the real @aws-sdk/client-s3 against the wire-level S3 peer (byte-order
// listings, continuation tokens, delimiters at any depth), reached via AWS_ENDPOINT_URL_S3.
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSync } from "../lib/ingest/engine";
import { parseSource } from "../lib/ingest/sources";
import { lookbackStart } from "../lib/ingest/sources/s3";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { hostileCorpus, V1_EVENTS } from "./fixtures/hostile";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";
import { startS3Peer, type S3Peer } from "./peers/s3-peer";

const BUCKET = "org-trail-logs";
const PREFIX = "security";
const SOURCE = `s3://${BUCKET}/${PREFIX}?forcePathStyle=true&region=eu-west-1`;
const corpus = hostileCorpus();
let peer: S3Peer;
let tdb: TestDatabase;
let db: Db;
const quiet = { log: () => {} };

const REGION2 = `${PREFIX}/AWSLogs/o-abcd1234ef/222233334444/CloudTrail/ap-southeast-2/2026/11/20/`;
function bulkFile(i: number) {
  const records = Array.from({ length: 3 }, (_, j) => ({
    eventVersion: "1.11",
    eventID: `s3-bulk-${i}-${j}`,
    eventTime: `2026-11-20T0${i % 10}:00:0${j}Z`,
    eventName: "GetObject",
    eventSource: "s3.amazonaws.com",
    awsRegion: "ap-southeast-2",
    recipientAccountId: "222233334444",
  }));
  return {
    key: `${REGION2}222233334444_CloudTrail_ap-southeast-2_20261120T${String(Math.floor(i / 60)).padStart(2, "0")}${String(i % 60).padStart(2, "0")}Z_${String(i).padStart(16, "0")}.json.gz`,
    bytes: gzipSync(JSON.stringify({ Records: records })),
  };
}
// More files in one region folder than one ListObjectsV2 page holds.
const BULK = Array.from({ length: 1100 }, (_, i) => bulkFile(i));

beforeAll(async () => {
  peer = await startS3Peer();
  process.env.AWS_ENDPOINT_URL_S3 = peer.url;
  process.env.AWS_ACCESS_KEY_ID = "AKIDS3TEST";
  process.env.AWS_SECRET_ACCESS_KEY = "secret";
  peer.createBucket(BUCKET);
  for (const f of corpus.files) {
    const metadata = f.key.includes("CloudTrail-Digest") ? { signature: "0a1b2c", "signature-algorithm": "SHA256withRSA" } : undefined;
    peer.putObject(BUCKET, `${PREFIX}/${f.key}`, f.bytes, { metadata });
  }
  for (const f of BULK) peer.putObject(BUCKET, f.key, f.bytes);
  // Outside the prefix: must not be read.
  peer.putObject(BUCKET, `other-team/AWSLogs/999900001111/CloudTrail/us-east-1/2026/11/20/x.json.gz`, gzipSync(JSON.stringify({ Records: [{ eventID: "outside", eventTime: "2026-11-20T00:00:00Z" }] })));
  tdb = await createTestDatabase("ts_s3");
  await migrate(tdb.url);
  db = openDb(tdb.url);
});

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
  await peer?.close();
});

describe("S3 sync", () => {
  it("reads an organization, multi-account, multi-region trail under a prefix: every event once, every object recorded", async () => {
    const s = await runSync(db, parseSource(SOURCE), quiet);
    expect(s.ok).toBe(true);
    expect(s.eventsNew).toBe(corpus.events.size + V1_EVENTS + BULK.length * 3);
    expect(s.objectsFailed).toBe(3);
    expect(s.objectsSkipped).toBe(3);

    const ids = new Set((await db.pool.query(`SELECT id FROM events`)).rows.map((r) => r.id as string));
    for (const id of corpus.events.keys()) expect(ids.has(id), id).toBe(true);
    expect(ids.has("outside")).toBe(false);
    expect(ids.has("s3-bulk-1099-2")).toBe(true);

    const objects = await db.prisma.ingestedObject.findMany({ where: { source: `s3://${BUCKET}` } });
    expect(objects).toHaveLength(corpus.files.length + BULK.length);
    for (const o of objects) {
      if (o.key.startsWith(REGION2)) continue;
      const expected = corpus.outcomes.get(o.key.slice(PREFIX.length + 1))!;
      expect(expected, o.key).toBeDefined();
      expect(o.status, o.key).toBe(expected.status);
      if (expected.kind) expect(o.kind, o.key).toBe(expected.kind);
      if (expected.reason) expect(o.reason ?? "", o.key).toMatch(expected.reason);
      expect(o.etag, o.key).toMatch(/^"[0-9a-f]{32}"$/);
    }
    const digest = objects.find((o) => o.kind === "digest")!;
    expect(digest.meta).toMatchObject({ signature: "0a1b2c", signatureAlgorithm: "SHA256withRSA", digest: { digestS3Bucket: "trail-bucket" } });
    // The folder cursor per account and region moved to the last key of each folder.
    const cursor = await db.prisma.syncCursor.findFirst({ where: { account: "222233334444", region: "ap-southeast-2" } });
    expect((cursor!.position as { folders: Record<string, string> }).folders[REGION2.replace(/2026\/11\/20\/$/, "").replace(/\/$/, "/")]).toBe(BULK[BULK.length - 1].key);
  });

  it("a second run reads no object again and lists from a day before each folder's last key", async () => {
    peer.resetStats();
    const s = await runSync(db, parseSource(SOURCE), quiet);
    expect(s.ok).toBe(true);
    expect(s.eventsNew + s.eventsDuplicate).toBe(0);
    expect(peer.stats.getCalls).toBe(0);
    const flat = peer.requests.filter((r) => r.operation === "ListObjectsV2" && !r.query.delimiter);
    expect(flat.length).toBeGreaterThan(0);
    for (const r of flat) if (!r.query["continuation-token"]) expect(r.query["start-after"], r.query.prefix).toMatch(/2026\/11\/19$/);
  });

  it("picks up a newly delivered file, and only that one", async () => {
    const next = bulkFile(1100);
    peer.putObject(BUCKET, next.key, next.bytes);
    peer.resetStats();
    const s = await runSync(db, parseSource(SOURCE), quiet);
    expect(s.eventsNew).toBe(3);
    expect(peer.stats.getCalls).toBe(1);
  });

  it("an object that cannot be fetched is reported, not recorded, and read on the next run", async () => {
    const next = bulkFile(1101);
    peer.putObject(BUCKET, next.key, next.bytes);
    peer.failNext(20, 500, "InternalError", (r) => r.operation === "GetObject" && r.path.endsWith(next.key));
    const s = await runSync(db, parseSource(SOURCE), quiet);
    expect(s.ok).toBe(false);
    expect(s.unreadable).toBe(1);
    expect(s.failures.some((f) => f.key === next.key && /could not read/.test(f.reason))).toBe(true);
    expect(await db.prisma.ingestedObject.count({ where: { key: next.key } })).toBe(0);
    peer.clearFaults();
    const again = await runSync(db, parseSource(SOURCE), quiet);
    expect(again.ok).toBe(true);
    expect(again.eventsNew).toBe(3);
  });

  it("lists from the day folder before the last key", () => {
    expect(lookbackStart("p/AWSLogs/1/CloudTrail/us-east-1/", "p/AWSLogs/1/CloudTrail/us-east-1/2026/03/01/x.json.gz", 1)).toBe(
      "p/AWSLogs/1/CloudTrail/us-east-1/2026/02/28",
    );
  });

  it("rejects bad source URIs before any request", () => {
    expect(() => parseSource("s3://")).toThrow();
    expect(() => parseSource("s3://b/p?lookback=forever")).toThrow(/lookback/);
    expect(() => parseSource("s3://b/p?regoin=x")).toThrow(/unknown option "regoin"/);
  });
});

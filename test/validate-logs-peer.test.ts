// AWS's own log file integrity validator, `aws cloudtrail validate-logs` (awscli 1.45), run
// against the S3 and CloudTrail peers on a trail corpus with known tampering
// (test/helpers/integrity-corpus.ts). This documents, file by file, what AWS's tool says about
// each scenario; Trailscope's verifier is to be compared with the same ground truth.
//
// What validate-logs reports (confirmed here):
//   scenario         file                               verdict
//   unknown-key      the digest                         INVALID: public key not found in region <home> for fingerprint <fp>
//                    its log files                      (not mentioned)
//   modified-log     the log file                       INVALID: hash value doesn't match   (its digest: valid)
//   deleted-log      the log file                       INVALID: not found                  (its digest: valid)
//   modified-digest  the digest                         INVALID: signature verification failed
//                    its log files (+ the dropped one)  (not mentioned)
//                    the next newer digest              valid (previousDigestHashValue is never checked)
//   deleted-digest   the digest                         INVALID: not found (reached through the newer digest's link)
//                    its log files                      (not mentioned)
//   moved-digest     the original key                   INVALID: not found
//                    the new key                        INVALID: has been moved from its original location
//                    its log files                      (not mentioned)
//   chain-restart    both digests around the gap        valid, plus the notice "No log files were delivered
//                                                       by CloudTrail between <older digest's END> and <newer
//                                                       digest's start>" on stderr (not an error)
//   everything else                                     valid
// Exit code 1 (something is invalid); 0 for a range without tampering.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { buildIntegrityCorpus, s3Uri, validateLogsOptionsFor, type IntegrityCorpus, type Scenario, type ScenarioKind } from "./helpers/integrity-corpus";
import { predictValidateLogs, runValidateLogs, type ValidateLogsResult } from "./helpers/validate-logs";

let c: IntegrityCorpus;
let run: ValidateLogsResult;
/** The S3 requests of the main run. */
let s3Requests: IntegrityCorpus["s3"]["requests"];

beforeAll(async () => {
  c = await buildIntegrityCorpus();
  c.s3.resetStats();
  run = await runValidateLogs(validateLogsOptionsFor(c));
  s3Requests = [...c.s3.requests];
});

afterAll(async () => {
  await c?.close();
});

const scenario = (kind: ScenarioKind): Scenario => c.scenarios.find((s) => s.kind === kind)!;
const uri = (key: string) => s3Uri(c.bucket, key);
const digestOf = (key: string) => c.digests.find((d) => d.key === key)!;
/** The digest right after / before `key` in time. */
const neighbour = (key: string, step: 1 | -1) => c.digests[c.digests.findIndex((d) => d.key === key) + step];
const mentionedLogs = (digestKey: string) => digestOf(digestKey).logFiles.filter((l) => run.logs.has(uri(l)));

describe("aws cloudtrail validate-logs against the peers", () => {
  it("ran to completion through the calls it is known to make", () => {
    expect(run.otherErrors, run.stderr).toEqual([]);
    expect(run.duplicates).toEqual([]);
    expect(run.exitCode, run.raw).toBe(1);
    const s3Ops = new Set(s3Requests.map((r) => r.operation));
    expect([...s3Ops].sort()).toEqual(["GetBucketLocation", "GetObject", "ListObjects"]);
    for (const r of s3Requests.filter((x) => x.operation === "ListObjects")) {
      expect(r.query.prefix).toBe(`AWSLogs/${c.account}/CloudTrail-Digest/${c.region}`);
      expect(r.query.marker).toMatch(/_20261115T235900Z\.json\.gz$/); // start time − 1 minute
    }
    // Path-style: the bucket is the first path segment.
    expect(s3Requests.every((r) => r.rawPath.startsWith(`/${c.bucket}`))).toBe(true);
    expect(c.cloudTrail.stats.byOperation).toEqual({ ListPublicKeys: 1 });
    // Keys for [start, end + 2 h]: both rotation keys, not the other region's.
    expect(c.cloudTrail.stats.publicKeyCalls).toEqual([
      {
        region: c.region,
        startTime: c.start,
        endTime: new Date(c.end.getTime() + 2 * 3_600_000),
        hasToken: false,
        fingerprints: c.keys.map((k) => k.pair.fingerprint),
      },
    ]);
  });

  it("gives every file the verdict its algorithm implies for the ground truth", () => {
    const want = predictValidateLogs(c);
    expect(run.digests).toEqual(want.digests);
    expect(run.logs).toEqual(want.logs);
    expect(run.gaps).toEqual(want.gaps);
    const count = (m: Map<string, string>) => ({ valid: [...m.values()].filter((v) => v === "valid").length, invalid: [...m.values()].filter((v) => v !== "valid").length });
    expect(run.totals.digests).toEqual(count(run.digests));
    expect(run.totals.logs).toEqual(count(run.logs));
    // Every digest the writer delivered is mentioned (the moved one twice, under both keys).
    expect(run.digests.size).toBe(c.digests.length + 1);
    expect(run.backfillDigests.size).toBe(0);
  });

  it("unknown-key: 'public key not found', its log files not checked", () => {
    const s = scenario("unknown-key");
    expect(c.keys.map((k) => k.pair.fingerprint)).not.toContain(s.fingerprint);
    expect(run.digests.get(uri(s.key))).toBe(`INVALID: public key not found in region ${c.region} for fingerprint ${s.fingerprint}`);
    expect(digestOf(s.key).logFiles.length).toBeGreaterThan(0);
    expect(mentionedLogs(s.key)).toEqual([]);
    expect(run.digests.get(uri(neighbour(s.key, 1).key))).toBe("valid");
    expect(run.digests.get(uri(neighbour(s.key, -1).key))).toBe("valid");
  });

  it("modified-log: 'hash value doesn't match', its digest valid", () => {
    const s = scenario("modified-log");
    expect(run.logs.get(uri(s.key))).toBe("INVALID: hash value doesn't match");
    expect(run.digests.get(uri(s.digestKey!))).toBe("valid");
  });

  it("deleted-log: 'not found', its digest valid", () => {
    const s = scenario("deleted-log");
    expect(c.s3.getObject(c.bucket, s.key)).toBeUndefined();
    expect(run.logs.get(uri(s.key))).toBe("INVALID: not found");
    expect(run.digests.get(uri(s.digestKey!))).toBe("valid");
  });

  it("modified-digest: 'signature verification failed', none of its log files checked, the newer digest still valid", () => {
    const s = scenario("modified-digest");
    expect(run.digests.get(uri(s.key))).toBe("INVALID: signature verification failed");
    expect(mentionedLogs(s.key)).toEqual([]);
    expect(run.logs.has(uri(s.droppedLog!))).toBe(false);
    // Its successor's previousDigestHashValue no longer matches; validate-logs does not look.
    expect(run.digests.get(uri(neighbour(s.key, 1).key))).toBe("valid");
    expect(run.digests.get(uri(neighbour(s.key, -1).key))).toBe("valid");
  });

  it("deleted-digest: 'not found' (through the newer digest's link), its log files not checked", () => {
    const s = scenario("deleted-digest");
    expect(run.digests.get(uri(s.key))).toBe("INVALID: not found");
    expect(digestOf(s.key).logFiles.every((l) => !run.logs.has(uri(l)))).toBe(true);
    expect(run.digests.get(uri(neighbour(s.key, 1).key))).toBe("valid");
    // The older one is found again through the listing.
    expect(run.digests.get(uri(neighbour(s.key, -1).key))).toBe("valid");
  });

  it("moved-digest: the original 'not found', the copy 'has been moved from its original location'", () => {
    const s = scenario("moved-digest");
    expect(run.digests.get(uri(s.key))).toBe("INVALID: not found");
    expect(run.digests.get(uri(s.movedTo!))).toBe("INVALID: has been moved from its original location");
    expect(digestOf(s.key).logFiles.every((l) => !run.logs.has(uri(l)))).toBe(true);
    expect(run.digests.get(uri(neighbour(s.key, -1).key))).toBe("valid");
  });

  it("chain-restart: both sides valid, a gap notice from the older digest's end to the newer one's start", () => {
    const s = scenario("chain-restart");
    const first = digestOf(s.key);
    const last = digestOf(s.lastBeforeStop!);
    expect(first.previousKey).toBeNull();
    expect(first.digestStartTime).toBe(s.restartedAt!.toISOString().replace(/\.\d{3}Z$/, "Z"));
    expect(run.digests.get(uri(first.key))).toBe("valid");
    expect(run.digests.get(uri(last.key))).toBe("valid");
    expect(run.gaps).toEqual([{ from: last.digestEndTime, to: first.digestStartTime }]);
    expect(run.stderr).toContain(`No log files were delivered by CloudTrail between ${last.digestEndTime} and ${first.digestStartTime}`);
  });

  it("calls every other digest and log file valid", () => {
    const touched = new Set<string>();
    for (const s of c.scenarios) {
      if (s.kind === "chain-restart") continue;
      touched.add(s.key);
      if (s.movedTo) touched.add(s.movedTo);
    }
    const unchecked = new Set(c.digests.filter((d) => d.state !== "intact").flatMap((d) => d.logFiles));
    for (const d of c.digests) if (!touched.has(d.key)) expect(run.digests.get(uri(d.key)), d.key).toBe("valid");
    for (const l of c.logs) {
      if (touched.has(l.key)) continue;
      expect(run.logs.get(uri(l.key)), l.key).toBe(unchecked.has(l.key) ? undefined : "valid");
    }
  });

  it("finds the bucket through DescribeTrails without --s3-bucket, with the same verdicts", async () => {
    const before = c.cloudTrail.stats.byOperation.DescribeTrails ?? 0;
    const again = await runValidateLogs(validateLogsOptionsFor(c, { s3Bucket: undefined }));
    expect(again.argv).not.toContain("--s3-bucket");
    expect(again.otherErrors, again.stderr).toEqual([]);
    expect(again.exitCode).toBe(1);
    expect(c.cloudTrail.stats.byOperation.DescribeTrails).toBe(before + 1);
    expect(again.digests).toEqual(run.digests);
    expect(again.logs).toEqual(run.logs);
    expect(again.gaps).toEqual(run.gaps);
  });

  it("says all valid, exit 0, for a range after the last tampering", async () => {
    const modified = digestOf(scenario("modified-digest").key);
    const range = { start: new Date(Date.parse(modified.digestEndTime) + 90 * 60_000), end: c.end };
    const later = await runValidateLogs(validateLogsOptionsFor(c, { startTime: range.start, endTime: range.end }));
    expect(later.otherErrors, later.stderr).toEqual([]);
    expect(later.exitCode, later.raw).toBe(0);
    const want = predictValidateLogs(c, range);
    expect(later.digests).toEqual(want.digests);
    expect(later.logs).toEqual(want.logs);
    expect([...later.digests.values(), ...later.logs.values()].every((v) => v === "valid")).toBe(true);
    // The walk goes back to the first digest that starts before the range (and no further).
    const oldest = c.digests.find((d) => later.digests.has(uri(d.key)))!;
    expect(Date.parse(oldest.digestStartTime)).toBeLessThan(range.start.getTime());
    expect(Date.parse(oldest.digestEndTime)).toBeGreaterThanOrEqual(range.start.getTime());
  });

  it("tampered the folder copy like the bucket", async () => {
    const onDisk = (await readdir(c.dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.relative(c.dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(onDisk).toEqual(c.s3.listKeys(c.bucket));
  });
});

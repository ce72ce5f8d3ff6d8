// One CloudTrail trail's delivery (one account, one region, two days) with really signed digests,
// written to a temp folder AND uploaded to an S3 peer bucket (digests with CloudTrail's signature
// metadata), then tampered with in known ways. The ListPublicKeys peer knows the signing keys.
// What was done to which key is returned as ground truth, for comparing log file integrity
// verdicts — AWS's `aws cloudtrail validate-logs` (test/helpers/validate-logs.ts) and Trailscope's
// own — file by file.
//
// Scenarios (each on its own digest hour, with intact digests between them, so that none hides
// another; see predictValidateLogs in validate-logs.ts for what AWS's tool makes of each):
//   unknown-key      a digest signed (by the writer, chain kept consistent) with a key whose
//                    fingerprint ListPublicKeys does not return
//   modified-log     a log file's records changed, gzip re-written, same key
//   deleted-digest   a digest deleted mid-chain (its log files stay)
//   moved-digest     a digest's bytes + metadata copied to another key of the same trail folder
//                    (its file-name timestamp 30 minutes earlier), the original deleted
//   chain-restart    StopLogging, 3.5 hours without logging or digests, StartLogging: the first
//                    digest after it has null previousDigest* fields
//   deleted-log      a log file deleted
//   modified-digest  a digest's content changed (one logFiles entry dropped: a hidden log file),
//                    gzip re-written, signature metadata kept
// Signing keys rotate once (key 1 until 20:00 on day one, key 2 after), like CloudTrail's do;
// ListPublicKeys also holds a key of another region, which must not matter.
//
// The folder copy gets the same tampering (the moved digest moves there too); it has no
// signatures, which `metadata` carries instead.
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { writeAwsLogsCorpus, type CorpusDigest, type CorpusFile } from "../../lib/demo/corpus";
import { generateDigestKeyPair, type DigestKeyPair, type DigestObjectMetadata } from "../../lib/demo/digest-signing";
import { startLookupPeer, type LookupPeer } from "../peers/lookup-peer";
import { startS3Peer, type S3Peer } from "../peers/s3-peer";
import type { ValidateLogsOptions } from "./validate-logs";

export type ScenarioKind =
  | "unknown-key"
  | "modified-log"
  | "deleted-log"
  | "modified-digest"
  | "deleted-digest"
  | "moved-digest"
  | "chain-restart";

export interface Scenario {
  kind: ScenarioKind;
  /**
   * The key the scenario is about: the log file (modified-log, deleted-log), the digest
   * (modified-digest, deleted-digest, unknown-key, moved-digest: its original key) or, for
   * chain-restart, the first digest after the restart.
   */
  key: string;
  /** modified-log, deleted-log: the digest listing the log file. */
  digestKey?: string;
  /** moved-digest: where the digest now is. */
  movedTo?: string;
  /** unknown-key: the fingerprint the digest names (ListPublicKeys does not know it). */
  fingerprint?: string;
  /** modified-digest: the log file whose entry was dropped from the digest. */
  droppedLog?: string;
  /** chain-restart: the last digest before StopLogging, and the times of the stop and the restart. */
  lastBeforeStop?: string;
  stoppedAt?: Date;
  restartedAt?: Date;
  description: string;
}

export type DigestState = "intact" | "unknown-key" | "modified" | "deleted" | "moved";
export type LogState = "intact" | "modified" | "deleted";

export interface IntegrityDigest extends CorpusDigest {
  state: DigestState;
  /** state "moved": its key now. */
  movedTo?: string;
}

export interface IntegrityLog {
  key: string;
  /** The digest that lists it (as written, i.e. before any tampering). */
  digestKey: string;
  state: LogState;
}

export interface IntegrityCorpus {
  /** The folder copy (same tampering as the bucket). */
  dir: string;
  s3: S3Peer;
  /** The CloudTrail peer serving ListPublicKeys (and DescribeTrails, knowing this trail). */
  cloudTrail: LookupPeer;
  bucket: string;
  /** Key prefix before AWSLogs/ ("" here). */
  prefix: string;
  account: string;
  /** Source region of the digests = the trail's home region. */
  region: string;
  trailName: string;
  trailArn: string;
  /** Covers every digest: for validate-logs --start-time / --end-time. */
  start: Date;
  end: Date;
  /** The key pairs ListPublicKeys serves for `region`, with their validity. */
  keys: Array<{ pair: DigestKeyPair; validityStart: Date; validityEnd: Date }>;
  /** The key of the unknown-key digest (not served). */
  rogueKey: DigestKeyPair;
  /** Every digest the writer delivered, oldest first, with what happened to it. */
  digests: IntegrityDigest[];
  /** Every log file (CloudTrail/ folder; Insights files are not in digests), with its fate. */
  logs: IntegrityLog[];
  scenarios: Scenario[];
  /** Digest key (the moved digest under both keys) → S3 metadata, as in the bucket. */
  metadata: Map<string, DigestObjectMetadata>;
  /** Removes the temp folder and stops the peers this corpus started. */
  close(): Promise<void>;
}

export interface IntegrityCorpusOptions {
  /** Use these peers (the corpus creates its bucket and sets the peer's keys and trails). Default: start new ones. */
  s3?: S3Peer;
  cloudTrail?: LookupPeer;
  /** Folder for the copy (must be empty or absent). Default: a new temp dir, removed by close(). */
  dir?: string;
  seed?: number;
  /** Events generated (those while logging is stopped are dropped). Default 600. */
  count?: number;
}

const HOUR = 3_600_000;
const MIN = 60_000;

export const INTEGRITY_ACCOUNT = "111122223333";
export const INTEGRITY_REGION = "us-east-2";
export const INTEGRITY_TRAIL = "integrity-trail";
export const INTEGRITY_BUCKET = "trailscope-integrity-111122223333";
export const INTEGRITY_START = new Date("2026-11-16T00:00:00Z");

/** "s3://bucket/key", as validate-logs names files. */
export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** The digest key's timestamp as validate-logs reads it (extract_digest_key_date): "YYYYMMDDTHHMMSSZ". */
export function digestKeyStamp(key: string): string {
  return key.endsWith("_backfill.json.gz") ? key.slice(-33, -17) : key.slice(-24, -8);
}

function stampOf(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

/** Builds the corpus; see the header comment. */
export async function buildIntegrityCorpus(opts: IntegrityCorpusOptions = {}): Promise<IntegrityCorpus> {
  const ownS3 = !opts.s3;
  const ownCt = !opts.cloudTrail;
  const ownDir = !opts.dir;
  const s3 = opts.s3 ?? (await startS3Peer());
  const cloudTrail = opts.cloudTrail ?? (await startLookupPeer());
  const dir = opts.dir ?? (await mkdtemp(path.join(tmpdir(), "trailscope-integrity-")));
  const close = async () => {
    if (ownDir) await rm(dir, { recursive: true, force: true });
    if (ownS3) await s3.close();
    if (ownCt) await cloudTrail.close();
  };
  try {
    return await build();
  } catch (e) {
    await close();
    throw e;
  }

  async function build(): Promise<IntegrityCorpus> {
    const start = INTEGRITY_START;
    const genEnd = new Date(start.getTime() + 48 * HOUR);
    const rotateAt = new Date(start.getTime() + 20 * HOUR);
    const stoppedAt = new Date(start.getTime() + 26 * HOUR + 10 * MIN);
    const restartedAt = new Date(start.getTime() + 29 * HOUR + 40 * MIN);
    // The unknown-key digest: the one whose hour ends in [start+4h, start+5h).
    const rogueFrom = start.getTime() + 4 * HOUR;

    const key1 = generateDigestKeyPair();
    const key2 = generateDigestKeyPair();
    const rogueKey = generateDigestKeyPair();
    const otherRegionKey = generateDigestKeyPair();
    const keys = [
      { pair: key1, validityStart: new Date(start.getTime() - 30 * 24 * HOUR), validityEnd: rotateAt },
      { pair: key2, validityStart: rotateAt, validityEnd: new Date(start.getTime() + 60 * 24 * HOUR) },
    ];
    cloudTrail.setPublicKeys([
      ...keys.map((k) => ({ value: k.pair.publicKeyDer, validityStart: k.validityStart, validityEnd: k.validityEnd, region: INTEGRITY_REGION })),
      { value: otherRegionKey.publicKeyDer, validityStart: keys[0].validityStart, validityEnd: keys[1].validityEnd, region: "eu-west-1" },
    ]);
    const trailArn = `arn:aws:cloudtrail:${INTEGRITY_REGION}:${INTEGRITY_ACCOUNT}:trail/${INTEGRITY_TRAIL}`;
    cloudTrail.setTrails([
      {
        Name: INTEGRITY_TRAIL,
        TrailARN: trailArn,
        HomeRegion: INTEGRITY_REGION,
        S3BucketName: INTEGRITY_BUCKET,
        IsMultiRegionTrail: false,
        IsOrganizationTrail: false,
        LogFileValidationEnabled: true,
      },
    ]);

    const files = new Map<string, CorpusFile>();
    const written = await writeAwsLogsCorpus(dir, {
      count: opts.count ?? 600,
      seed: opts.seed ?? 21,
      start,
      end: genEnd,
      accounts: [INTEGRITY_ACCOUNT],
      regions: [INTEGRITY_REGION],
      orgId: "",
      bucket: INTEGRITY_BUCKET,
      trailName: INTEGRITY_TRAIL,
      eventsPerFile: 8,
      maxFileMinutes: 30,
      story: false,
      loggingOff: [{ from: stoppedAt, to: restartedAt }],
      signer: (d) => {
        const end = Date.parse(d.digestEndTime);
        if (end >= rogueFrom && end < rogueFrom + HOUR) return rogueKey;
        return end < rotateAt.getTime() ? key1 : key2;
      },
      onFile: (f) => {
        files.set(f.key, f);
      },
    });
    if (files.size !== written.files) throw new Error(`integrity corpus: onFile saw ${files.size} files of ${written.files}`);

    const digests: IntegrityDigest[] = [...files.values()]
      .filter((f) => f.kind === "digest")
      .map((f) => ({ ...f.digest!, state: "intact" as DigestState }))
      .sort((a, b) => a.digestEndTime.localeCompare(b.digestEndTime));
    const logs: IntegrityLog[] = [];
    for (const d of digests) for (const k of d.logFiles) logs.push({ key: k, digestKey: d.key, state: "intact" });
    const listedLogs = new Set(logs.map((l) => l.key));
    for (const f of files.values()) {
      if (f.kind === "log" && !listedLogs.has(f.key)) throw new Error(`integrity corpus: log file ${f.key} is in no digest`);
      if (f.kind !== "check" && f.key.split("/")[3] !== INTEGRITY_REGION) throw new Error(`integrity corpus: file outside the region: ${f.key}`);
    }
    const metadata = new Map<string, DigestObjectMetadata>();
    for (const f of files.values()) if (f.metadata) metadata.set(f.key, f.metadata);

    // --- pick the scenario digests -------------------------------------------------------
    const byKey = new Map(digests.map((d) => [d.key, d]));
    const restartIdx = digests.findIndex((d) => d.previousKey === null && Date.parse(d.digestStartTime) === restartedAt.getTime());
    if (restartIdx <= 0 || digests[0].previousKey !== null) throw new Error("integrity corpus: no chain restart where expected");
    if (digests.filter((d) => d.previousKey === null).length !== 2) throw new Error("integrity corpus: expected exactly two chains");
    const rogueIdx = digests.findIndex((d) => d.fingerprint === rogueKey.fingerprint);
    if (rogueIdx < 0) throw new Error("integrity corpus: no digest was signed with the rogue key");
    const taken = new Set<number>([0, restartIdx - 1, restartIdx, digests.length - 1]);
    for (const i of [rogueIdx]) taken.add(i);
    // Scenario digests are at least two apart, so each has intact neighbours.
    const free = (i: number) => ![i - 1, i, i + 1].some((j) => taken.has(j));
    const pick = (from: number, to: number, ok: (d: IntegrityDigest) => boolean = () => true): number => {
      for (let i = from; i < to; i++) {
        if (i > 0 && i < digests.length - 1 && free(i) && ok(digests[i])) {
          taken.add(i);
          return i;
        }
      }
      throw new Error(`integrity corpus: no digest fits a scenario in [${from}, ${to})`);
    };
    const hasLogs = (d: IntegrityDigest) => d.logFiles.length > 0;
    // Same day folder for the moved key (its file name's timestamp 30 minutes earlier).
    const movable = (d: IntegrityDigest) => d.digestEndTime.slice(0, 10) === new Date(Date.parse(d.digestEndTime) - 30 * MIN).toISOString().slice(0, 10);
    const modifiedLogIdx = pick(rogueIdx + 2, restartIdx, hasLogs);
    const deletedDigestIdx = pick(modifiedLogIdx + 2, restartIdx);
    const movedIdx = pick(deletedDigestIdx + 2, restartIdx, movable);
    const deletedLogIdx = pick(restartIdx + 2, digests.length, hasLogs);
    const modifiedDigestIdx = pick(deletedLogIdx + 2, digests.length, (d) => d.logFiles.length >= 2);

    // --- upload everything as CloudTrail delivered it ------------------------------------
    s3.createBucket(INTEGRITY_BUCKET);
    for (const f of files.values()) {
      s3.putObject(INTEGRITY_BUCKET, f.key, f.body, {
        ...(f.metadata && { metadata: f.metadata }),
        ...(f.kind !== "check" && { lastModified: deliveredAt(f) }),
      });
    }

    // --- tamper, in the bucket and the folder ----------------------------------------------
    const scenarios: Scenario[] = [];
    const filePath = (key: string) => path.join(dir, ...key.split("/"));
    const replace = async (key: string, body: Buffer, metadata?: DigestObjectMetadata) => {
      s3.putObject(INTEGRITY_BUCKET, key, body, metadata ? { metadata } : {});
      await mkdir(path.dirname(filePath(key)), { recursive: true });
      await writeFile(filePath(key), body);
    };
    const remove = async (key: string) => {
      if (!s3.deleteObject(INTEGRITY_BUCKET, key)) throw new Error(`integrity corpus: ${key} was not in the bucket`);
      await rm(filePath(key));
    };
    const logOf = (key: string) => logs.find((l) => l.key === key)!;

    {
      const d = digests[rogueIdx];
      d.state = "unknown-key";
      scenarios.push({
        kind: "unknown-key",
        key: d.key,
        fingerprint: d.fingerprint,
        description: "digest signed with a key ListPublicKeys does not return (chain otherwise consistent)",
      });
    }
    {
      const d = digests[modifiedLogIdx];
      const key = d.logFiles[0];
      const doc = JSON.parse(gunzipSync(files.get(key)!.body).toString("utf8")) as { Records: Array<Record<string, unknown>> };
      doc.Records[0].sourceIPAddress = "198.51.100.66";
      await replace(key, gzipSync(Buffer.from(JSON.stringify(doc), "utf8")));
      logOf(key).state = "modified";
      scenarios.push({ kind: "modified-log", key, digestKey: d.key, description: "log file: one record's sourceIPAddress changed, re-gzipped, same key" });
    }
    {
      const d = digests[deletedDigestIdx];
      await remove(d.key);
      d.state = "deleted";
      scenarios.push({ kind: "deleted-digest", key: d.key, description: "digest deleted mid-chain (its log files stay)" });
    }
    {
      const d = digests[movedIdx];
      const stamp = digestKeyStamp(d.key);
      const movedTo = d.key.slice(0, d.key.length - 24) + stampOf(Date.parse(d.digestEndTime) - 30 * MIN) + d.key.slice(-8);
      if (digestKeyStamp(movedTo) >= stamp || byKey.has(movedTo)) throw new Error("integrity corpus: bad moved key");
      const f = files.get(d.key)!;
      await replace(movedTo, f.body, f.metadata);
      await remove(d.key);
      d.state = "moved";
      d.movedTo = movedTo;
      metadata.set(movedTo, f.metadata!);
      scenarios.push({
        kind: "moved-digest",
        key: d.key,
        movedTo,
        description: "digest bytes + metadata copied to the same folder under a file name 30 minutes earlier, original deleted",
      });
    }
    {
      const d = digests[restartIdx];
      scenarios.push({
        kind: "chain-restart",
        key: d.key,
        lastBeforeStop: digests[restartIdx - 1].key,
        stoppedAt,
        restartedAt,
        description: "StopLogging, 3.5 h without logs or digests, StartLogging: new chain (null previousDigest* fields)",
      });
    }
    {
      const d = digests[deletedLogIdx];
      const key = d.logFiles[d.logFiles.length - 1];
      await remove(key);
      logOf(key).state = "deleted";
      scenarios.push({ kind: "deleted-log", key, digestKey: d.key, description: "log file deleted" });
    }
    {
      const d = digests[modifiedDigestIdx];
      const f = files.get(d.key)!;
      const doc = JSON.parse(gunzipSync(f.body).toString("utf8")) as { logFiles: Array<{ s3Object: string }> };
      const dropped = doc.logFiles.pop()!.s3Object;
      await replace(d.key, gzipSync(Buffer.from(JSON.stringify(doc), "utf8")), f.metadata);
      d.state = "modified";
      scenarios.push({
        kind: "modified-digest",
        key: d.key,
        droppedLog: dropped,
        description: "digest content changed (last logFiles entry dropped), re-gzipped, signature metadata kept",
      });
    }

    const last = digests[digests.length - 1];
    return {
      dir,
      s3,
      cloudTrail,
      bucket: INTEGRITY_BUCKET,
      prefix: "",
      account: INTEGRITY_ACCOUNT,
      region: INTEGRITY_REGION,
      trailName: INTEGRITY_TRAIL,
      trailArn,
      start,
      // Past the last digest's end (validate-logs lists digests up to end + 1 h).
      end: new Date(Date.parse(last.digestEndTime) + 5 * MIN),
      keys,
      rogueKey,
      digests,
      logs,
      scenarios,
      metadata,
      close,
    };
  }
}

/** When CloudTrail would have written the object: a digest shortly after its hour, a log file at its name's minute. */
function deliveredAt(f: CorpusFile): Date {
  if (f.digest) return new Date(Date.parse(f.digest.digestEndTime) + 3 * MIN);
  const m = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_/.exec(f.key);
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5])) : new Date();
}

/** The validate-logs options for this corpus: the whole time range, its bucket, both peers. */
export function validateLogsOptionsFor(c: IntegrityCorpus, overrides: Partial<ValidateLogsOptions> = {}): ValidateLogsOptions {
  return {
    trailArn: c.trailArn,
    s3Bucket: c.bucket,
    accountId: c.account,
    region: c.region,
    startTime: c.start,
    endTime: c.end,
    s3Endpoint: c.s3.url,
    cloudTrailEndpoint: c.cloudTrail.url,
    ...overrides,
  };
}

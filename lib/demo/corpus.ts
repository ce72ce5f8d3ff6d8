// Writes generated records as a CloudTrail organization trail would deliver them to S3, into a
// local folder: gzipped log files per account/region, Insights files, hourly digest files with a
// working hash chain, and the ConfigWritabilityCheckFile. Streams: records are written as they
// come, so 10M events need no more memory than a few open files' worth of records.
//
// Key layout (under `dir`, after an optional prefix):
//   AWSLogs/o-ORG/ACCT/CloudTrail/REGION/YYYY/MM/DD/ACCT_CloudTrail_REGION_YYYYMMDDTHHmmZ_<16 alnum>.json.gz
//   AWSLogs/o-ORG/ACCT/CloudTrail-Insight/REGION/YYYY/MM/DD/ACCT_CloudTrail-Insight_REGION_YYYYMMDDTHHmmZ_<16 alnum>.json.gz
//   AWSLogs/o-ORG/ACCT/CloudTrail-Digest/REGION/YYYY/MM/DD/ACCT_CloudTrail-Digest_REGION_TRAIL_HOMEREGION_YYYYMMDDTHHmmssZ.json.gz
//   AWSLogs/o-ORG/ACCT/CloudTrail/ConfigWritabilityCheckFile
// The timestamp in a log file's name is its delivery time: 1–10 minutes after its newest record.
// Digests cover one hour each (aligned to the trail's creation second), list the log files
// delivered in that hour with the SHA-256 of their uncompressed bytes, and chain to the previous
// digest of the same account/region. By default signatures are fake (deterministic hex), as is the
// key fingerprint; with `signer` they are real RSA-SHA256 signatures as CloudTrail makes them (see
// ./digest-signing.ts). Insights files are not listed in digests.
//
// A folder cannot hold S3 object metadata, so a digest's signature (which CloudTrail keeps in the
// digest object's `x-amz-meta-signature` / `x-amz-meta-signature-algorithm`) is written nowhere;
// `onFile` hands every file's key, bytes and (for digests) that metadata to the caller, e.g. to
// upload the corpus to an S3 peer as CloudTrail would have delivered it.
//
// `loggingOff` models StopLogging/StartLogging: records in the window are not logged, open files
// are delivered at the stop, the chain gets its last digest for the hour in which logging stopped
// ("the chain of digest files is broken after one hour"), no digests are delivered until the
// restart, and the first digest after it starts a new chain (null previousDigest* fields) whose
// hours are aligned to the restart time.
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { digestObjectMetadata, signDigest, type DigestObjectMetadata, type DigestSigner } from "./digest-signing";
import { DEFAULT_ACCOUNTS, DEFAULT_ORG_ID, DEFAULT_REGIONS, Rng, generateRecords, isoSeconds, randString, type GenerateOptions } from "./generate";

const gzipAsync = promisify(gzip);

export interface CorpusOptions extends GenerateOptions {
  /** Mean records per log file (each file's size varies ±50% around it). Default 300. */
  eventsPerFile?: number;
  /** gzip level, 0–9. Default 6. */
  gzipLevel?: number;
  /**
   * A log file never holds records more than this many minutes apart (default 1440, a day).
   * Set it to 5 for CloudTrail-like delivery of quiet accounts (many small files).
   */
  maxFileMinutes?: number;
  /** Bucket named in digests. Default `aws-cloudtrail-logs-<management account>-<8 hex>`. */
  bucket?: string;
  /** Key prefix before `AWSLogs/` (e.g. "trails/"). Default none. */
  prefix?: string;
  /** Trail name in digest file names. Default "org-audit-trail". */
  trailName?: string;
  /** Write digest files. Default true. */
  digests?: boolean;
  /**
   * Sign digests for real (RSA PKCS#1 v1.5, SHA-256; see digest-signing.ts): one signer for all,
   * or a function choosing one per digest (per region, key rotation by time, a rogue key, ...).
   * The digest's digestPublicKeyFingerprint is the signer's fingerprint. Default: fake signatures
   * and a fake fingerprint per region.
   */
  signer?: DigestSigner | ((digest: DigestSigningContext) => DigestSigner);
  /**
   * Windows in which logging was stopped (StopLogging at `from`, StartLogging at `to`); see the
   * header comment. `to` must not be before the end of the digest hour in which logging stopped.
   */
  loggingOff?: Array<{ from: Date; to: Date }>;
  /**
   * Called for every file once its bytes are final (in no particular order; awaited before the
   * corpus is done). The folder copy is written either way.
   */
  onFile?: (file: CorpusFile) => void | Promise<void>;
}

/** What a `signer` function is told about the digest it signs. */
export interface DigestSigningContext {
  account: string;
  region: string;
  /** The digest's S3 key (digestS3Object). */
  key: string;
  /** ISO seconds, as in the digest. */
  digestStartTime: string;
  digestEndTime: string;
}

/** A digest file as the writer produced it, for callers that need what a folder cannot hold. */
export interface CorpusDigest {
  account: string;
  region: string;
  bucket: string;
  key: string;
  digestStartTime: string;
  digestEndTime: string;
  /** previousDigestS3Object: null for the first digest of a chain (start, or restart of logging). */
  previousKey: string | null;
  /** Hex signature (fake unless a signer was given) and the fingerprint the digest names. */
  signature: string;
  fingerprint: string;
  /** SHA-256 hex of the uncompressed digest bytes (what the next digest's previousDigestHashValue holds). */
  hash: string;
  /** Keys of the log files the digest lists. */
  logFiles: string[];
}

/** One file of the corpus (see `onFile`). */
export interface CorpusFile {
  /** Key under the bucket (= path under `dir`, with "/"). */
  key: string;
  kind: "log" | "insight" | "digest" | "check";
  /** The bytes as written (gzip for .json.gz files). */
  body: Buffer;
  /** For digests: the S3 user metadata CloudTrail puts on the object ({signature, "signature-algorithm"}). */
  metadata?: DigestObjectMetadata;
  digest?: CorpusDigest;
}

export interface CorpusResult {
  /** Every file written: log, Insights, digest and check files. */
  files: number;
  /** Records written (log + Insights files); equals opts.count. */
  events: number;
  /** Bytes written (compressed). */
  bytes: number;
  logFiles: number;
  insightFiles: number;
  digestFiles: number;
}

const MIN = 60_000;
const HOUR = 3_600_000;
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

const HEAD = Buffer.from('{"Records":[');
const TAIL = Buffer.from("]}");

/** One file being filled: the JSON text is written straight into a growing buffer. */
interface Buf {
  data: Buffer;
  len: number;
  count: number;
  firstMs: number;
  oldestIso: string;
  newestIso: string;
  newestMs: number;
  target: number;
  lastDelivery: number;
}

interface DigestEntry {
  s3Bucket: string;
  s3Object: string;
  hashValue: string;
  hashAlgorithm: "SHA-256";
  newestEventTime: string;
  oldestEventTime: string;
}

interface Group {
  account: string;
  region: string;
  base: string;
  log: Buf;
  ins: Buf;
  files: DigestEntry[];
  /** Start (ms) of the digest hour being filled. */
  pStart: number;
  prev: { key: string; hash: string; signature: string } | null;
}

function newBuf(): Buf {
  const data = Buffer.allocUnsafe(64 * 1024);
  HEAD.copy(data, 0);
  return { data, len: HEAD.length, count: 0, firstMs: 0, oldestIso: "", newestIso: "", newestMs: 0, target: 1, lastDelivery: 0 };
}

function append(b: Buf, json: string): void {
  const need = b.len + json.length * 3 + 1 + TAIL.length; // worst case UTF-8
  if (need > b.data.length) {
    const bigger = Buffer.allocUnsafe(Math.max(need, b.data.length * 2));
    b.data.copy(bigger, 0, 0, b.len);
    b.data = bigger;
  }
  if (b.count > 0) b.data[b.len++] = 0x2c; // ","
  b.len += b.data.write(json, b.len, "utf8");
  b.count++;
}

/** The finished file's bytes; the buffer starts over (the old one now belongs to the writer). */
function take(b: Buf): Buffer {
  TAIL.copy(b.data, b.len);
  const out = b.data.subarray(0, b.len + TAIL.length);
  b.data = Buffer.allocUnsafe(Math.max(64 * 1024, Math.ceil(out.length * 1.25)));
  HEAD.copy(b.data, 0);
  b.len = HEAD.length;
  b.count = 0;
  return out;
}

/** "20261120T1345Z" */
function minuteStamp(ms: number): string {
  const s = isoSeconds(ms);
  return s.slice(0, 4) + s.slice(5, 7) + s.slice(8, 10) + "T" + s.slice(11, 13) + s.slice(14, 16) + "Z";
}
/** "20261120T134512Z" */
function secondStamp(ms: number): string {
  const s = isoSeconds(ms);
  return s.slice(0, 4) + s.slice(5, 7) + s.slice(8, 10) + "T" + s.slice(11, 13) + s.slice(14, 16) + s.slice(17, 19) + "Z";
}
/** "YYYY/MM/DD" */
function dayPath(ms: number): string {
  const s = isoSeconds(ms);
  return s.slice(0, 4) + "/" + s.slice(5, 7) + "/" + s.slice(8, 10);
}

/**
 * Compresses and writes files in libuv's thread pool while the caller keeps generating: content
 * and names are fixed before a file is handed over, so the output does not depend on timing.
 */
class Writer {
  private readonly pending = new Set<Promise<void>>();
  private readonly dirs = new Set<string>();
  private error: unknown = null;
  files = 0;
  bytes = 0;
  constructor(
    private readonly root: string,
    private readonly level: number,
    private readonly onFile?: (file: CorpusFile) => void | Promise<void>,
  ) {}

  async put(key: string, data: Buffer, compress: boolean, info: Omit<CorpusFile, "key" | "body">): Promise<void> {
    if (this.error) throw this.error;
    const full = path.join(this.root, ...key.split("/"));
    const dir = path.dirname(full);
    if (!this.dirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.dirs.add(dir);
    }
    this.files++;
    const level = this.level;
    const task = async (): Promise<void> => {
      const bytes = compress ? await gzipAsync(data, { level, chunkSize: 1 << 20 }) : data;
      this.bytes += bytes.byteLength;
      await writeFile(full, bytes);
      if (this.onFile) await this.onFile({ key, body: bytes, ...info });
    };
    const p: Promise<void> = task().then(
      () => {
        this.pending.delete(p);
      },
      (err: unknown) => {
        this.error ??= err;
        this.pending.delete(p);
      },
    );
    this.pending.add(p);
    if (this.pending.size >= 8) await Promise.race(this.pending);
  }

  async done(): Promise<void> {
    await Promise.all(this.pending);
    if (this.error) throw this.error;
  }
}

/**
 * Generates `opts.count` records (see generateRecords) and writes them under `dir` in the S3 key
 * layout of an organization trail. Same options → byte-identical files.
 */
export async function writeAwsLogsCorpus(dir: string, opts: CorpusOptions): Promise<CorpusResult> {
  const seed = opts.seed ?? 1;
  const accounts = opts.accounts?.length ? opts.accounts : [...DEFAULT_ACCOUNTS];
  const regions = opts.regions?.length ? opts.regions : [...DEFAULT_REGIONS];
  const orgId = opts.orgId ?? DEFAULT_ORG_ID;
  const orgPart = orgId ? `${orgId}/` : "";
  const prefix = opts.prefix ? opts.prefix.replace(/\/?$/, "/") : "";
  const level = opts.gzipLevel ?? 6;
  const perFile = Math.max(1, opts.eventsPerFile ?? 300);
  const maxSpan = (opts.maxFileMinutes ?? 1440) * MIN;
  const insPerFile = Math.max(1, Math.min(50, Math.round(perFile / 4)));
  const insSpan = Math.min(maxSpan, 30 * MIN);
  const withDigests = opts.digests ?? true;
  const trail = opts.trailName ?? "org-audit-trail";
  const homeRegion = regions.includes("us-east-1") ? "us-east-1" : regions[0];
  const rng = new Rng(seed, 3);
  const bucket = opts.bucket ?? `aws-cloudtrail-logs-${accounts[0]}-${randString(rng, "0123456789abcdef", 8)}`;
  // Digest hours start at the trail's creation minute/second, not at the top of the hour.
  const digestOffset = (60 + rng.int(3480)) * 1000;
  const fingerprints = new Map(regions.map((r) => [r, createHash("md5").update(`${seed}:${r}:fingerprint`).digest("hex")]));
  const startMs = opts.start.getTime();
  const firstPeriodStart = digestOffset + Math.floor((startMs - digestOffset) / HOUR) * HOUR;
  const offWindows = (opts.loggingOff ?? []).map((w) => ({ from: w.from.getTime(), to: w.to.getTime() })).sort((a, b) => a.from - b.from);
  for (let i = 0; i < offWindows.length; i++) {
    const w = offWindows[i];
    if (!(w.from < w.to)) throw new Error(`writeAwsLogsCorpus: loggingOff window ${isoSeconds(w.from)}..${isoSeconds(w.to)} is empty`);
    if (i > 0 && offWindows[i - 1].to > w.from) throw new Error("writeAwsLogsCorpus: loggingOff windows overlap");
  }
  // Where the current chains' hours start: the trail's first hour, then each StartLogging.
  let segStart = firstPeriodStart;
  const signerFor = (ctx: DigestSigningContext): DigestSigner | undefined => (typeof opts.signer === "function" ? opts.signer(ctx) : opts.signer);

  const out = new Writer(dir, level, opts.onFile);
  let events = 0;
  let logFiles = 0;
  let insightFiles = 0;
  let digestFiles = 0;
  let lastDeliveryAll = startMs;

  const groups = new Map<string, Group>();
  const groupOf = (account: string, region: string): Group => {
    const k = account + "|" + region;
    let g = groups.get(k);
    if (!g) {
      g = { account, region, base: `${prefix}AWSLogs/${orgPart}${account}`, log: newBuf(), ins: newBuf(), pStart: segStart, files: [], prev: null };
      g.log.target = jitter();
      g.ins.target = insPerFile;
      groups.set(k, g);
    }
    return g;
  };
  function jitter(): number {
    return Math.max(1, Math.round(perFile * (0.5 + rng.float())));
  }

  const emitDigest = async (g: Group): Promise<void> => {
    const startP = g.pStart;
    const endP = startP + HOUR;
    const key = `${g.base}/CloudTrail-Digest/${g.region}/${dayPath(endP)}/${g.account}_CloudTrail-Digest_${g.region}_${trail}_${homeRegion}_${secondStamp(endP)}.json.gz`;
    let newest: string | null = null;
    let oldest: string | null = null;
    for (const f of g.files) {
      if (newest === null || f.newestEventTime > newest) newest = f.newestEventTime;
      if (oldest === null || f.oldestEventTime < oldest) oldest = f.oldestEventTime;
    }
    const endIso = isoSeconds(endP);
    const startIso = isoSeconds(startP);
    const signer = signerFor({ account: g.account, region: g.region, key, digestStartTime: startIso, digestEndTime: endIso });
    const fingerprint = signer ? signer.fingerprint : (fingerprints.get(g.region) ?? "");
    const doc = {
      awsAccountId: g.account,
      digestStartTime: startIso,
      digestEndTime: endIso,
      digestS3Bucket: bucket,
      digestS3Object: key,
      digestPublicKeyFingerprint: fingerprint,
      digestSignatureAlgorithm: "SHA256withRSA",
      newestEventTime: newest,
      oldestEventTime: oldest,
      previousDigestS3Bucket: g.prev ? bucket : null,
      previousDigestS3Object: g.prev?.key ?? null,
      previousDigestHashValue: g.prev?.hash ?? null,
      previousDigestHashAlgorithm: g.prev ? "SHA-256" : null,
      previousDigestSignature: g.prev?.signature ?? null,
      logFiles: g.files,
    };
    const raw = Buffer.from(JSON.stringify(doc), "utf8");
    const hash = createHash("sha256").update(raw).digest("hex");
    let signature: string;
    if (signer) {
      signature = signDigest(signer.privateKey, doc, raw);
    } else {
      // What CloudTrail would sign (see the notes); the "signature" is a stand-in derived from it.
      const signing = `${endIso}\n${bucket}/${key}\n${hash}\n${g.prev?.signature ?? "null"}`;
      signature = createHash("sha512").update(signing).digest("hex").repeat(4);
    }
    const digest: CorpusDigest = {
      account: g.account,
      region: g.region,
      bucket,
      key,
      digestStartTime: startIso,
      digestEndTime: endIso,
      previousKey: g.prev?.key ?? null,
      signature,
      fingerprint,
      hash,
      logFiles: g.files.map((f) => f.s3Object),
    };
    await out.put(key, raw, true, { kind: "digest", metadata: digestObjectMetadata(signature), digest });
    digestFiles++;
    g.prev = { key, hash, signature };
    g.files = [];
    g.pStart += HOUR;
  };

  const flush = async (g: Group, insight: boolean): Promise<void> => {
    const b = insight ? g.ins : g.log;
    if (b.count === 0) return;
    const raw = take(b);
    const delivery = Math.max(b.lastDelivery, Math.ceil((b.newestMs + 1) / MIN) * MIN + rng.int(10) * MIN);
    b.lastDelivery = delivery;
    if (delivery > lastDeliveryAll) lastDeliveryAll = delivery;
    const kind = insight ? "CloudTrail-Insight" : "CloudTrail";
    const key = `${g.base}/${kind}/${g.region}/${dayPath(delivery)}/${g.account}_${kind}_${g.region}_${minuteStamp(delivery)}_${randString(rng, ALNUM, 16)}.json.gz`;
    if (!insight && withDigests) {
      while (g.pStart + HOUR <= delivery) await emitDigest(g);
      g.files.push({
        s3Bucket: bucket,
        s3Object: key,
        hashValue: createHash("sha256").update(raw).digest("hex"),
        hashAlgorithm: "SHA-256",
        newestEventTime: b.newestIso,
        oldestEventTime: b.oldestIso,
      });
    }
    await out.put(key, raw, true, { kind: insight ? "insight" : "log" });
    if (insight) insightFiles++;
    else logFiles++;
    b.target = insight ? insPerFile : jitter();
  };

  for (const account of accounts) {
    await out.put(`${prefix}AWSLogs/${orgPart}${account}/CloudTrail/ConfigWritabilityCheckFile`, Buffer.from("Written by AWS to check write access to this bucket.\n"), false, { kind: "check" });
  }

  // StopLogging: deliver what is open, close every chain with the digest of the hour in which
  // logging stopped (or of the last delivery, if later), and start the next chains at StartLogging.
  const stopLogging = async (w: { from: number; to: number }): Promise<void> => {
    if (withDigests) for (const account of accounts) for (const region of regions) groupOf(account, region);
    for (const g of groups.values()) {
      await flush(g, false);
      await flush(g, true);
    }
    if (!withDigests) return;
    const last = Math.max(w.from - 1, lastDeliveryAll);
    for (const g of groups.values()) {
      while (g.pStart <= last) await emitDigest(g);
      if (g.pStart > w.to) {
        throw new Error(`writeAwsLogsCorpus: logging restarts at ${isoSeconds(w.to)}, before the stopped chain's last digest ends (${isoSeconds(g.pStart)})`);
      }
      g.pStart = w.to;
      g.prev = null;
    }
    segStart = w.to;
  };
  let offAt = 0;
  let stopped = false;

  let lastIso = "";
  let lastMs = 0;
  for (const rec of generateRecords(opts)) {
    const iso = rec.eventTime as string;
    if (iso !== lastIso) {
      lastIso = iso;
      lastMs = Date.parse(iso);
    }
    while (offAt < offWindows.length) {
      const w = offWindows[offAt];
      if (!stopped && lastMs >= w.from) {
        await stopLogging(w);
        stopped = true;
      }
      if (stopped && lastMs >= w.to) {
        stopped = false;
        offAt++;
        continue;
      }
      break;
    }
    if (stopped) continue; // not logged
    const insight = rec.eventType === "AwsCloudTrailInsight";
    const g = groupOf(rec.recipientAccountId as string, rec.awsRegion as string);
    const b = insight ? g.ins : g.log;
    if (b.count > 0 && lastMs - b.firstMs >= (insight ? insSpan : maxSpan)) await flush(g, insight);
    if (b.count === 0) {
      b.firstMs = lastMs;
      b.oldestIso = iso;
    }
    append(b, JSON.stringify(rec));
    b.newestIso = iso;
    b.newestMs = lastMs;
    events++;
    if (b.count >= b.target) await flush(g, insight);
  }

  // Remaining partial files, then every account/region's digests up to the last delivery.
  for (const g of groups.values()) {
    await flush(g, false);
    await flush(g, true);
  }
  if (withDigests) {
    for (const account of accounts) for (const region of regions) groupOf(account, region);
    for (const g of groups.values()) while (g.pStart <= lastDeliveryAll) await emitDigest(g);
  }
  await out.done();
  return { files: out.files, events, bytes: out.bytes, logFiles, insightFiles, digestFiles };
}

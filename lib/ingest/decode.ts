// Bytes of one object (a log file, digest, or something foreign) → what the engine stores. Pure
// and synchronous (worker-thread friendly). Never throws for bad content: it classifies it. The
// forms events come in (Records, bare arrays, NDJSON, single events, lookup-events output) are
// recognised by lib/ingest/forms.ts.
import { constants as bufferConstants } from "node:buffer";
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import type { IngestContext } from "../fields";
import { noRows, normalizeRecord, RowsBuilder, type EventRows } from "./normalize";
import { formOfDocument, formOfLines, textOf, type FormRecords } from "./forms";
import { isWritabilityCheck, WRITABILITY_CHECK_REASON } from "./expected";

export type ObjectKind = "log" | "insight" | "digest" | "foreign";
export type ObjectStatus = "ok" | "skipped" | "failed";

export interface KeyInfo {
  kind: ObjectKind;
  account?: string;
  region?: string;
}

// [prefix/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail[-Digest|-Insight]/REGION/YYYY/MM/DD/file
// (after "/", "!" for a tarball member, or at the start)
const TRAIL_KEY =
  /(?:^|[/!])AWSLogs\/(?:o-[a-z0-9]+\/)?([^/]+)\/(CloudTrail|CloudTrail-Digest|CloudTrail-Insight)\/([a-z0-9-]+)\/\d{4}\/\d{2}\/\d{2}\/[^/]+$/;

/** What an object is, from its key alone; loose files (no AWSLogs layout) are judged by content. */
export function classifyKey(key: string): KeyInfo & { byLayout: boolean } {
  const m = TRAIL_KEY.exec(key);
  if (m) {
    const kind = m[2] === "CloudTrail-Digest" ? "digest" : m[2] === "CloudTrail-Insight" ? "insight" : "log";
    if (/\.json(\.gz)?$/.test(key)) return { kind, account: m[1], region: m[3], byLayout: true };
    return { kind: "foreign", account: m[1], region: m[3], byLayout: true };
  }
  if (isWritabilityCheck(key)) return { kind: "foreign", byLayout: true };
  if (/\.json(\.gz)?$/i.test(key)) return { kind: "log", byLayout: false };
  return { kind: "foreign", byLayout: false };
}

export interface DecodedObject {
  kind: ObjectKind;
  status: ObjectStatus;
  reason: string | null;
  /** SHA-256 hex of the uncompressed bytes (what digests sign), when they could be read. */
  sha256: string | null;
  /** Records found in the object (including ones that could not be stored). */
  records: number;
  /** The storable records as COPY lines. */
  rows: EventRows;
  meta: Record<string, unknown> | null;
  /** Only hashed (re-read for validation): the stored record of the object keeps everything else. */
  checkOnly?: boolean;
}

function failed(kind: ObjectKind, reason: string, sha256: string | null = null): DecodedObject {
  return { kind, status: "failed", reason, sha256, records: 0, rows: noRows(), meta: null };
}

function skipped(kind: ObjectKind, reason: string | null, sha256: string | null = null, meta: Record<string, unknown> | null = null): DecodedObject {
  return { kind, status: "skipped", reason, sha256, records: 0, rows: noRows(), meta };
}

const DIGEST_FIELDS = ["digestStartTime", "digestEndTime", "logFiles"];

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

// ---- size bounds ------------------------------------------------------------------------------
//
// An object is held whole while it is decoded: its bytes, then its text as one string, then the
// parsed records (several times the text). A gzip of 1 MB can inflate to 1 GB (deflate reaches
// ~1000:1), so inflation is bounded, and an object over the bound is recorded as failed with the
// reason instead of taking the process's memory.

/**
 * Default bound on an object's uncompressed size. CloudTrail delivers a trail's log files every
 * few minutes per account and region, which keeps them to a few MB (tens at most for accounts
 * logging data events); V8 cannot hold a string over ~512 MiB (0x1fffffe8 characters), so a larger
 * object could never be parsed anyway; and with up to four decode workers, 256 MiB each (plus the
 * string and records made from it) stays within a few GiB.
 */
export const DEFAULT_MAX_OBJECT_BYTES = 256 * 2 ** 20;
/**
 * Past this many uncompressed bytes, a gzip may expand at most MAX_GZIP_RATIO times its size:
 * CloudTrail JSON compresses 7:1 (the demo corpus) to 28:1 (near-identical records), while a
 * decompression bomb runs to ~1000:1. Below it, any ratio (small files cost little either way).
 */
export const GZIP_RATIO_FLOOR_BYTES = 32 * 2 ** 20;
export const MAX_GZIP_RATIO = 200;

/** TRAILSCOPE_MAX_OBJECT_BYTES (a whole number of bytes), else the default. Read per call: tests and workers set it. */
export function maxObjectBytes(): number {
  const env = process.env.TRAILSCOPE_MAX_OBJECT_BYTES?.trim();
  // A value that is not a positive whole number falls back to the default rather than failing
  // every object (failed objects are not read again until they change).
  return env && /^\d+$/.test(env) && Number(env) > 0 ? Number(env) : DEFAULT_MAX_OBJECT_BYTES;
}

const mib = (n: number) => (n % 2 ** 20 === 0 ? `${n / 2 ** 20} MiB` : `${n} bytes`);

/** The failure recorded for an object larger than the bound (read, or known from a listing to be). */
export function objectTooLarge(key: string, size: number | null, limit = maxObjectBytes()): DecodedObject {
  const what = size === null ? "" : ` ${size} bytes,`;
  return failed(classifyKey(key).kind, `too large:${what} over the limit of ${mib(limit)} uncompressed (TRAILSCOPE_MAX_OBJECT_BYTES); not read`);
}

/** The failure recorded for an object refused without decoding (a hostile archive member, say). */
export function refusedObject(key: string, reason: string): DecodedObject {
  return failed(classifyKey(key).kind, reason);
}

/** Inflates a gzip within the bounds, or says which bound it broke. */
function gunzipBounded(bytes: Uint8Array): { raw: Buffer } | { reason: string } {
  const limit = maxObjectBytes();
  const ratioCap = Math.max(GZIP_RATIO_FLOOR_BYTES, bytes.length * MAX_GZIP_RATIO);
  const allowed = Math.min(limit, ratioCap, bufferConstants.MAX_LENGTH);
  try {
    return { raw: gunzipSync(bytes, { maxOutputLength: allowed }) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ERR_BUFFER_TOO_LARGE") return { reason: `corrupt gzip: ${(err as Error).message}` };
    if (allowed === limit) return { reason: `too large: gzip expands past the limit of ${mib(limit)} uncompressed (TRAILSCOPE_MAX_OBJECT_BYTES); not read` };
    return {
      reason: `gzip expands more than ${MAX_GZIP_RATIO} times its ${bytes.length} bytes (past ${mib(GZIP_RATIO_FLOOR_BYTES)}): refused as a likely decompression bomb`,
    };
  }
}

export function decodeObject(key: string, bytes: Uint8Array, ctx: IngestContext & { metadata?: Record<string, string>; checkOnly?: boolean } = {}): DecodedObject {
  const info = classifyKey(key);
  // What a folder copy brings for integrity validation: a digest's head-object output beside it
  // (lib/integrity/folder-keys.ts reads it there). Not an event, not a problem: no reason to report.
  if (info.kind === "digest" && key.endsWith(".metadata.json")) return skipped("foreign", null);
  if (info.kind === "foreign" && info.byLayout) {
    if (isWritabilityCheck(key)) return skipped("foreign", WRITABILITY_CHECK_REASON);
    return skipped("foreign", "not a CloudTrail log file (foreign object in the trail's folder)");
  }
  let raw: Buffer;
  // Gzip by magic bytes, not by name or Content-Encoding (S3 returns the stored bytes as they are).
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const inflated = gunzipBounded(bytes);
    if ("reason" in inflated) return failed(info.kind, inflated.reason);
    raw = inflated.raw;
  } else {
    if (bytes.length > maxObjectBytes()) return objectTooLarge(key, bytes.length);
    raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  const sha256 = createHash("sha256").update(raw).digest("hex");
  // Read again only to be validated (a log file already stored): its hash is all that is asked.
  if (ctx.checkOnly && (info.kind === "log" || info.kind === "insight") && info.byLayout) {
    return { kind: info.kind, status: "ok", reason: null, sha256, records: 0, rows: noRows(), meta: null, checkOnly: true };
  }
  const text = textOf(raw);
  let doc: unknown;
  let found: FormRecords | null;
  try {
    doc = JSON.parse(text);
    found = null;
  } catch (err) {
    // Not one JSON document: NDJSON when its first line is an event, else not JSON at all.
    found = formOfLines(text);
    if (!found) {
      if (!info.byLayout && !key.match(/\.json(\.gz)?$/i)) return skipped("foreign", "not JSON", sha256);
      return failed(info.kind, `invalid JSON: ${(err as Error).message}`, sha256);
    }
  }
  if (!found) {
    if (info.kind === "digest" || (isPlainObject(doc) && DIGEST_FIELDS.every((f) => f in doc))) {
      if (!isPlainObject(doc)) return failed(info.kind, "not a CloudTrail log file: top level is not an object", sha256);
      // Digests are evidence for integrity validation, not events: keep their content and signature.
      const meta: Record<string, unknown> = { digest: doc };
      if (ctx.metadata?.signature) meta.signature = ctx.metadata.signature;
      if (ctx.metadata?.["signature-algorithm"]) meta.signatureAlgorithm = ctx.metadata["signature-algorithm"];
      return { kind: "digest", status: "ok", reason: null, sha256, records: 0, rows: noRows(), meta };
    }
    // `aws cloudtrail list-public-keys` output (a folder's public-keys.json): read by integrity
    // validation, quietly skipped here.
    if (isPlainObject(doc) && Array.isArray(doc.PublicKeyList)) return skipped("foreign", null, sha256);
    found = formOfDocument(doc);
    if (!found) {
      const reason = isPlainObject(doc)
        ? "not a CloudTrail log file: no Records array"
        : Array.isArray(doc)
          ? "not a CloudTrail log file: a JSON array holding no CloudTrail event"
          : "not a CloudTrail log file: top level is not an object";
      return info.byLayout ? failed(info.kind, reason, sha256) : skipped("foreign", reason, sha256);
    }
  }
  const builder = new RowsBuilder();
  const problems = found.problems;
  // Parts of the object that were not even candidates (a bad NDJSON line) count as records too.
  let records = found.records.length;
  for (const c of problems.values()) records += c;
  for (const rec of found.records) {
    const n = normalizeRecord(rec, { account: ctx.account ?? info.account });
    if (n.ok) builder.add(n);
    else problems.set(n.reason, (problems.get(n.reason) ?? 0) + 1);
  }
  const rows = builder.finish();
  const kind: ObjectKind = info.kind === "insight" ? "insight" : "log";
  const reason = problems.size
    ? [...problems].map(([r, c]) => `${c} record${c > 1 ? "s" : ""} not stored: ${r}`).join("; ")
    : found.records.length === 0 && found.form === "Records"
      ? "empty Records"
      : null;
  return {
    kind,
    status: rows.lines.length === 0 && problems.size > 0 ? "failed" : "ok",
    reason,
    sha256,
    records,
    rows,
    // The form is worth knowing when a file is not a trail's own (ingested_objects.meta).
    meta: found.form === "Records" ? null : { form: found.form },
  };
}

// The validation itself, pure: digests and log files as read (from the store, or re-read from the
// source) → an outcome per digest and log file, and the findings (files named but absent, hours no
// digest covers). The algorithm is `aws cloudtrail validate-logs`' (awscli
// customizations/cloudtrail/validation.py) and AWS's "custom implementations of log file integrity
// validation" page, plus what validate-logs leaves out:
// - it follows previousDigestS3Object by key only; here each link is also checked against the
//   previous digest's actual signature (previousDigestSignature) and the SHA-256 of its bytes
//   (previousDigestHashValue), so a digest replaced by an older valid one, or an altered digest in a
//   folder (no signature to check), breaks the chain;
// - it reports nothing about log files no digest names, nor about hours no digest covers; both are
//   findings here (completeness).
import { createVerify, type KeyObject } from "node:crypto";
import { type DigestOutcome, type FindingKind, type LogOutcome } from "./outcomes";

export interface DigestInput {
  /** Where it was read: the S3 key, or a local path / archive member. */
  key: string;
  /** The S3 bucket it was read from; null for local files (which have no bucket). */
  bucket: string | null;
  /** SHA-256 hex of its uncompressed bytes; null when they could not be read. */
  sha256: string | null;
  /** The digest JSON; null when it is not one. */
  digest: Record<string, unknown> | null;
  /** S3 object metadata x-amz-meta-signature (hex) and -signature-algorithm, when read from S3. */
  signature?: string | null;
  signatureAlgorithm?: string | null;
}

export interface LogInput {
  key: string;
  /** SHA-256 hex of its uncompressed bytes; null when they could not be read (corrupt gzip). */
  sha256: string | null;
}

export interface ChainInput {
  digests: DigestInput[];
  logs: LogInput[];
  /**
   * False for local files: no S3 metadata, so a digest without a signature of its own (a sidecar)
   * is "unsigned" — said so, not guessed. True: a missing signature is a bad one, as in S3.
   */
  signatures: boolean;
  /** CloudTrail's public key of that fingerprint in that region, if it has one. */
  publicKey(region: string, fingerprint: string): KeyObject | undefined;
  /**
   * A validation of part of a chain (what a sync added): whether a digest left out of `digests` is
   * stored all the same — its successor's link is then not a missing digest.
   */
  knownDigest?: (tail: string) => boolean;
}

export interface Verdict<O> {
  outcome: O;
  detail: string | null;
}

export interface Finding {
  kind: FindingKind;
  account: string;
  region: string;
  trail: string;
  key: string | null;
  namedBy: string | null;
  from: Date | null;
  to: Date | null;
  detail: string | null;
}

export interface ChainResult {
  digests: Map<string, Verdict<DigestOutcome> & { trail: TrailKey | null }>;
  logs: Map<string, Verdict<LogOutcome> & { digest: string | null }>;
  findings: Finding[];
}

/** One digest chain: CloudTrail writes one per trail, account and source region (and backfills apart). */
export interface TrailKey {
  account: string;
  region: string;
  trail: string;
  homeRegion: string;
  backfill: boolean;
}

// <account>_CloudTrail-Digest_<region>_<trail>_<home region>_<YYYYMMDDTHHMMSSZ>[_backfill].json.gz
const DIGEST_NAME = /(?:^|[/!])([^/!_]+)_CloudTrail-Digest_([a-z0-9-]+)_(.+)_([a-z]{2}(?:-[a-z]+)+-\d+)_(\d{8}T\d{6}Z)(_backfill)?\.json\.gz$/;

export function parseDigestKey(key: string): TrailKey | null {
  const m = DIGEST_NAME.exec(key);
  if (!m) return null;
  return { account: m[1], region: m[2], trail: m[3], homeRegion: m[4], backfill: m[6] !== undefined };
}

const trailId = (t: TrailKey) => `${t.account}\u0001${t.region}\u0001${t.trail}\u0001${t.homeRegion}\u0001${t.backfill ? 1 : 0}`;

/**
 * The part of a key a digest names: from `AWSLogs/` on (a local copy keeps the bucket's layout
 * under some folder, a tarball or zip member after "!"); the whole key when it has no AWSLogs part.
 */
export function layoutTail(key: string): string {
  const m = /(?:^|[/!])(AWSLogs\/.*)$/.exec(key);
  return m ? m[1] : key;
}

const REQUIRED = ["digestPublicKeyFingerprint", "digestS3Bucket", "digestS3Object", "previousDigestSignature", "digestEndTime", "digestStartTime"];

const str = (v: unknown) => (typeof v === "string" ? v : null);
const time = (v: unknown) => {
  const d = typeof v === "string" ? new Date(v) : null;
  return d && !Number.isNaN(d.getTime()) ? d : null;
};

function signingString(d: Record<string, unknown>, sha256: string): string {
  const prev = d.previousDigestSignature ?? "null";
  return `${d.digestEndTime}\n${d.digestS3Bucket}/${d.digestS3Object}\n${sha256}\n${prev}`;
}

function checkDigest(input: ChainInput, x: DigestInput, trail: TrailKey | null): Verdict<DigestOutcome> {
  const d = x.digest;
  if (!d || !x.sha256 || REQUIRED.some((k) => !(k in d))) return { outcome: "invalid-format", detail: "not a digest with the required fields" };
  // Where it was read must be where CloudTrail delivered it (a digest copied over another would
  // otherwise vouch for the wrong hour). A local copy has no bucket: its path must end in the key.
  const moved = x.bucket !== null ? d.digestS3Bucket !== x.bucket || d.digestS3Object !== x.key : layoutTail(String(d.digestS3Object)) !== layoutTail(x.key);
  if (moved) return { outcome: "moved", detail: `names s3://${d.digestS3Bucket}/${d.digestS3Object}` };
  // A local copy has no S3 metadata unless it came with it (a sidecar, lib/integrity/folder-keys.ts).
  if (!input.signatures && !x.signature) return { outcome: "unsigned", detail: null };
  if (!x.signature || !x.signatureAlgorithm) return { outcome: "bad-signature", detail: "no signature in the object's metadata" };
  if (x.signatureAlgorithm !== "SHA256withRSA") return { outcome: "bad-signature", detail: `unknown signature algorithm ${x.signatureAlgorithm}` };
  const fingerprint = String(d.digestPublicKeyFingerprint);
  const region = trail?.homeRegion ?? "";
  const key = input.publicKey(region, fingerprint);
  if (!key) return { outcome: "unknown-key", detail: `public key not found in region ${region} for fingerprint ${fingerprint}` };
  let ok = false;
  try {
    ok = /^[0-9a-f]*$/i.test(x.signature) && createVerify("RSA-SHA256").update(signingString(d, x.sha256)).verify(key, Buffer.from(x.signature, "hex"));
  } catch {
    ok = false;
  }
  return ok ? { outcome: "valid", detail: null } : { outcome: "bad-signature", detail: null };
}

const GOOD_DIGEST = new Set<DigestOutcome>(["valid", "unsigned"]);
/** Digests are delivered hourly; a later start than the previous end by more than this is a gap. */
const GAP_TOLERANCE_MS = 5 * 60_000;

export function validateChain(input: ChainInput): ChainResult {
  const digests: ChainResult["digests"] = new Map();
  const findings: Finding[] = [];
  const byTail = new Map<string, DigestInput>();
  const chains = new Map<string, { trail: TrailKey; items: DigestInput[] }>();
  for (const x of input.digests) {
    const trail = parseDigestKey(x.key);
    digests.set(x.key, { ...checkDigest(input, x, trail), trail });
    byTail.set(layoutTail(x.key), x);
    if (trail && x.digest) {
      const id = trailId(trail);
      if (!chains.has(id)) chains.set(id, { trail, items: [] });
      chains.get(id)!.items.push(x);
    }
  }

  // The chain, newest first (as validate-logs walks it): each link of a good digest is checked
  // against the previous digest as it is, so a link's verdict rests on a digest already judged.
  for (const { trail, items } of chains.values()) {
    items.sort((a, b) => String(a.digest!.digestEndTime).localeCompare(String(b.digest!.digestEndTime)));
    const base = { account: trail.account, region: trail.region, trail: trail.trail };
    for (let i = items.length - 1; i >= 0; i--) {
      const d = items[i].digest!;
      const before = i > 0 ? items[i - 1].digest! : null;
      const start = time(d.digestStartTime);
      const prevKey = str(d.previousDigestS3Object);
      let prevMissing = false;
      if (prevKey) {
        const prev = byTail.get(layoutTail(prevKey));
        if (!prev && input.knownDigest?.(layoutTail(prevKey))) {
          // Stored, outside what is validated now: judged when its own part of the chain was.
        } else if (!prev) {
          prevMissing = true; // its hours are this finding's, not a gap's
          findings.push({ ...base, kind: "missing-digest", key: prevKey, namedBy: items[i].key, from: before ? time(before.digestEndTime) : null, to: start, detail: null });
        } else {
          const problems: string[] = [];
          if (d.previousDigestHashValue != null && prev.sha256 && d.previousDigestHashValue !== prev.sha256) problems.push("previousDigestHashValue");
          if (d.previousDigestSignature != null && prev.signature && d.previousDigestSignature !== prev.signature) problems.push("previousDigestSignature");
          const v = digests.get(prev.key)!;
          if (problems.length && GOOD_DIGEST.has(v.outcome) && GOOD_DIGEST.has(digests.get(items[i].key)!.outcome)) {
            digests.set(prev.key, { ...v, outcome: "chain-broken", detail: `${layoutTail(items[i].key)} recorded another ${problems.join(" and ")}` });
          }
        }
      } else if (before) {
        findings.push({ ...base, kind: "chain-restart", key: null, namedBy: items[i].key, from: time(before.digestEndTime), to: start, detail: null });
      }
      const beforeEnd = before ? time(before.digestEndTime) : null;
      if (beforeEnd && start && start.getTime() - beforeEnd.getTime() > GAP_TOLERANCE_MS && prevKey && !prevMissing) {
        findings.push({ ...base, kind: "gap", key: null, namedBy: items[i].key, from: beforeEnd, to: start, detail: null });
      }
    }
  }

  // Log files: compared with the hashValue of every good digest naming them.
  const logsByTail = new Map(input.logs.map((l) => [layoutTail(l.key), l]));
  const logs: ChainResult["logs"] = new Map();
  const named = new Set<string>();
  for (const x of input.digests) {
    const v = digests.get(x.key)!;
    const files = Array.isArray(x.digest?.logFiles) ? (x.digest!.logFiles as Record<string, unknown>[]) : [];
    for (const f of files) {
      const s3Object = str(f?.s3Object);
      if (!s3Object) continue;
      const log = logsByTail.get(layoutTail(s3Object));
      named.add(layoutTail(s3Object));
      if (!GOOD_DIGEST.has(v.outcome)) {
        if (log && !logs.has(log.key)) logs.set(log.key, { outcome: "digest-invalid", detail: `${layoutTail(x.key)}: ${v.outcome}`, digest: x.key });
        continue;
      }
      if (!log) {
        const t = v.trail;
        findings.push({ kind: "missing-log", account: t?.account ?? String(x.digest?.awsAccountId ?? ""), region: t?.region ?? "", trail: t?.trail ?? "", key: s3Object, namedBy: x.key, from: time(f.oldestEventTime), to: time(f.newestEventTime), detail: null });
        continue;
      }
      const prior = logs.get(log.key);
      if (prior?.outcome === "hash-mismatch") continue;
      const matches = log.sha256 !== null && log.sha256 === f.hashValue;
      const outcome: LogOutcome = !matches ? "hash-mismatch" : v.outcome === "valid" ? "valid" : "hash-valid-unsigned";
      if (!prior || prior.outcome === "digest-invalid" || !matches || (prior.outcome === "hash-valid-unsigned" && outcome === "valid")) {
        logs.set(log.key, { outcome, detail: matches ? null : `digest ${layoutTail(x.key)} recorded ${f.hashValue}, the file's is ${log.sha256 ?? "unreadable"}`, digest: x.key });
      }
    }
  }
  for (const l of input.logs) if (!logs.has(l.key)) logs.set(l.key, { outcome: "not-covered", detail: null, digest: null });
  return { digests, logs, findings };
}

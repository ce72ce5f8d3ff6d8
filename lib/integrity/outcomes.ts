// The words of log file integrity validation, declared once: what the store records per object,
// what each means for the events of a log file, and how the console and `npm run verify` say it.

/** A digest file's outcome. */
export type DigestOutcome =
  | "valid" // signature checked against CloudTrail's public key, where it was delivered
  | "unsigned" // no S3 metadata to check (a folder): only its hashes and the chain were checked
  | "bad-signature" // the signature does not match the content, or there is none
  | "moved" // it names another bucket/key than the one it was read from
  | "unknown-key" // ListPublicKeys has no key of its fingerprint in the trail's home region
  | "chain-broken" // the next digest recorded another hash or signature for it (altered or replaced)
  | "invalid-format" // not a gzip of a digest JSON with the required fields
  | "missing"; // stored once, no longer in the source when it was read again

/** A log file's outcome. */
export type LogOutcome =
  | "valid" // its SHA-256 equals the hashValue of a digest whose signature was checked
  | "hash-valid-unsigned" // equals the hashValue of a digest whose signature could not be checked
  | "hash-mismatch" // differs from the hashValue its digest recorded: altered after delivery
  | "digest-invalid" // only named by digests that failed: nothing trustworthy to compare with
  | "not-covered" // no digest names it (delivered after the last digest, Insights, or foreign)
  | "missing"; // stored once, no longer in the source when it was read again (its events stay)

/** What a log file's outcome means for each of its events (the `integrity` filter's values). */
export type EventIntegrity = "verified" | "unverified" | "failed";

export const EVENT_INTEGRITY_VALUES: readonly EventIntegrity[] = ["verified", "unverified", "failed"];

export function eventIntegrityOf(outcome: LogOutcome): EventIntegrity {
  if (outcome === "valid") return "verified";
  if (outcome === "hash-mismatch") return "failed";
  return "unverified";
}

/** Outcomes that make `npm run verify` exit 1, like `aws cloudtrail validate-logs`. */
export const INVALID_DIGEST: ReadonlySet<string> = new Set(["bad-signature", "moved", "unknown-key", "chain-broken", "invalid-format", "missing"]);
export const INVALID_LOG: ReadonlySet<string> = new Set(["hash-mismatch", "missing"]);

/** A finding beyond one object's outcome (IntegrityFinding.kind). */
export type FindingKind = "missing-log" | "missing-digest" | "gap" | "chain-restart";

export const OUTCOME_TEXT: Record<DigestOutcome | LogOutcome | FindingKind, string> = {
  valid: "valid",
  unsigned: "hashes checked; signature not checked (no S3 metadata)",
  "bad-signature": "INVALID: signature verification failed",
  moved: "INVALID: has been moved from its original location",
  "unknown-key": "INVALID: public key not found",
  "chain-broken": "INVALID: differs from what the next digest recorded",
  "invalid-format": "INVALID: invalid format",
  "hash-valid-unsigned": "hash matches; its digest's signature not checked",
  "hash-mismatch": "INVALID: hash value doesn't match",
  "digest-invalid": "not verified: its digest is invalid",
  "not-covered": "not verified: no digest names it",
  missing: "INVALID: not found (gone from the source since it was read)",
  "missing-log": "INVALID: not found",
  "missing-digest": "INVALID: not found",
  gap: "no digest covers these hours",
  "chain-restart": "digest chain restarted (logging stopped, then started)",
};

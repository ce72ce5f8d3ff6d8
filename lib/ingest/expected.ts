// Objects every trail bucket holds by design that are not log files: skipped like any foreign
// object, but reported as expected rather than as problems (the /sync page, the sync summary).
//
// CloudTrail writes ConfigWritabilityCheckFile under AWSLogs/[o-org/]<account>/CloudTrail/ when a
// trail is created or its bucket changes, to check that its bucket policy lets it write there; an
// organization trail writes one per member account.

/** ConfigWritabilityCheckFile at any depth (after "/", "!" for an archive member, or alone). */
const WRITABILITY_CHECK = /(?:^|[/!])ConfigWritabilityCheckFile$/;

export const WRITABILITY_CHECK_REASON =
  "not a CloudTrail log file: CloudTrail writes ConfigWritabilityCheckFile to check it may write to the bucket (expected, ignored)";

export function isWritabilityCheck(key: string): boolean {
  return WRITABILITY_CHECK.test(key);
}

/** Whether an object skipped with a reason is one every trail bucket holds (not a problem). */
export function isExpectedObject(key: string, status: string): boolean {
  return status === "skipped" && isWritabilityCheck(key);
}

// Export file names: what they hold (filters, range with relative bounds resolved), only safe
// characters, bounded, and unique once cut.
import { describe, expect, it } from "vitest";
import { parseEventQuery } from "../query/params";
import { exportFileName, instantText, MAX_FILE_NAME, sanitize } from "./filename";

const now = new Date("2026-11-20T13:45:00Z");
const name = (qs: string, kind: "csv" | "ndjson" | "bundle" = "csv") => exportFileName(parseEventQuery(new URLSearchParams(qs), { now }), kind, now);

describe("exportFileName", () => {
  it("names the filters and the range", () => {
    expect(name("eventName=StopLogging&errorCode=AccessDenied&from=2026-11-01T00:00:00Z&to=2026-11-08T00:00:00Z")).toBe(
      "trailscope-events-eventName-StopLogging_errorCode-AccessDenied_2026-11-01T00-00Z_to_2026-11-08T00-00Z.csv",
    );
  });

  it("gives each format its extension, the bundle its own prefix", () => {
    const qs = "eventName=StopLogging&from=2026-11-01T00:00:00Z&to=2026-11-08T00:00:00Z";
    expect(name(qs, "ndjson")).toBe("trailscope-events-eventName-StopLogging_2026-11-01T00-00Z_to_2026-11-08T00-00Z.ndjson");
    expect(name(qs, "bundle")).toBe("trailscope-evidence-eventName-StopLogging_2026-11-01T00-00Z_to_2026-11-08T00-00Z.zip");
  });

  it("resolves relative bounds to the instants used, and an open end to now", () => {
    expect(name("from=now-7d")).toBe("trailscope-events-2026-11-13T13-45Z_to_2026-11-20T13-45Z.csv");
    expect(name("from=now-24h&to=now-1h")).toBe("trailscope-events-2026-11-19T13-45Z_to_2026-11-20T12-45Z.csv");
    expect(name("")).toBe("trailscope-events-until_2026-11-20T13-45Z.csv");
    // A share link stores "no start" as the epoch.
    expect(name("from=1970-01-01T00:00:00Z&to=2026-11-08T00:00:00Z")).toBe("trailscope-events-until_2026-11-08T00-00Z.csv");
  });

  it("keeps seconds and milliseconds when the instant has them", () => {
    expect(instantText(new Date("2026-11-01T00:00:00Z"))).toBe("2026-11-01T00-00Z");
    expect(instantText(new Date("2026-11-01T00:00:05Z"))).toBe("2026-11-01T00-00-05Z");
    expect(instantText(new Date("2026-11-01T00:00:05.250Z"))).toBe("2026-11-01T00-00-05.250Z");
  });

  it("writes ORed values, exclusions, wildcards and free text in words", () => {
    const to = "&from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z";
    expect(name("eventName=CreateUser&eventName=DeleteUser" + to)).toContain("_eventName-CreateUser-or-DeleteUser_".slice(1));
    expect(name("eventName=!ConsoleLogin" + to)).toContain("eventName-not-ConsoleLogin_");
    expect(name("errorCode=*" + to)).toContain("errorCode-any_");
    expect(name("errorCode=!*" + to)).toContain("errorCode-not-any_");
    expect(name("awsRegion=eu-*" + to)).toContain("awsRegion-eu-any_");
    expect(name("errorCode=*UnauthorizedOperation" + to)).toContain("errorCode-any-UnauthorizedOperation_");
    // An escaped star is a literal character, not "any".
    expect(name("resourceName=logs/\\*" + to)).toContain("resourceName-logs_");
    expect(name("q=access denied" + to)).toContain("q-access-denied_");
  });

  it("uses only [A-Za-z0-9._-], whatever the values hold", () => {
    const to = "&from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z";
    for (const qs of ["principalArn=arn:aws:iam::111122223333:user/alice", 'userAgent=C:\\Tools\\"a gent".exe', "q=<script>", "username=日本語", "eventName=../../etc/passwd"]) {
      expect(name(qs + to)).toMatch(/^[A-Za-z0-9._-]+$/);
    }
    expect(name("principalArn=arn:aws:iam::111122223333:user/alice" + to)).toContain("_principalArn-arn-aws-iam-111122223333-user-alice_".slice(1));
    expect(name("username=日本語" + to)).toContain("username-value_"); // nothing safe left: still a word
    expect(name("eventName=../../etc/passwd" + to)).toContain("eventName-etc-passwd_");
  });

  it("cuts long names to MAX_FILE_NAME, keeping the range whole and adding a hash of the whole query", () => {
    const long = (v: string) => `eventName=${v}&from=2026-11-01T00:00:00Z&to=2026-11-08T00:00:00Z`;
    const a = name(long("A".repeat(300) + "x"));
    const b = name(long("A".repeat(300) + "y"));
    for (const n of [a, b]) {
      expect(n.length).toBeLessThanOrEqual(MAX_FILE_NAME);
      expect(n).toMatch(/^trailscope-events-eventName-A+_[0-9a-f]{10}_2026-11-01T00-00Z_to_2026-11-08T00-00Z\.csv$/);
    }
    expect(a).not.toBe(b); // the same once cut, told apart by the hash
    expect(name(long("A".repeat(300) + "x"))).toBe(a); // and stable
  });

  it("names short enough queries without a hash", () => {
    const n = name("eventName=StopLogging&from=2026-11-01T00:00:00Z&to=2026-11-08T00:00:00Z");
    expect(n).not.toMatch(/_[0-9a-f]{10}_/);
  });
});

describe("sanitize", () => {
  it("turns runs of unsafe characters into one hyphen and trims", () => {
    expect(sanitize("arn:aws:s3:::bucket/key")).toBe("arn-aws-s3-bucket-key");
    expect(sanitize("  ..hidden  ")).toBe("hidden");
    expect(sanitize("a_b.c-d")).toBe("a_b.c-d");
    expect(sanitize("../../etc/passwd")).toBe("etc-passwd");
  });
});

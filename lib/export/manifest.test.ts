// The manifest's pure parts: the query account (a share link's view merged in, instants
// resolved, frozen) and the text (hash lines sha256sum reads, prose it skips, nothing a value
// holds can forge a hash line).
import { describe, expect, it } from "vitest";
import type { EvidenceIntegrity } from "../integrity/evidence";
import { narrowWithinShare } from "../auth/share-bounds";
import { parseEventQuery } from "../query/params";
import { manifestQuery, manifestText, MANIFEST_FORMAT, trailscopeVersion, type EvidenceManifest } from "./manifest";

const now = new Date("2026-11-20T13:45:00Z");
const asOf = new Date("2026-11-20T13:44:59.999Z");

function integrity(over: Partial<EvidenceIntegrity> = {}): EvidenceIntegrity {
  return {
    events: { verified: 1204, unverified: 10, failed: 3 },
    eventsWithoutLogFile: 4,
    logFiles: { total: 12, byOutcome: { valid: 11, "hash-mismatch": 1 }, invalid: [{ key: "AWSLogs/1/CloudTrail/us-east-1/2026/11/19/x.json.gz", outcome: "hash-mismatch", detail: null }] },
    signaturesChecked: "all",
    keysFrom: ["CloudTrail ListPublicKeys"],
    validatedAt: "2026-11-20T13:00:00.000Z",
    completeness: { missingLogFiles: 0, missingDigests: 0, gaps: [], missing: [] },
    ...over,
  };
}

function manifest(over: Partial<EvidenceManifest> = {}): EvidenceManifest {
  const params = new URLSearchParams("eventName=StopLogging&from=now-7d");
  const q = { ...parseEventQuery(params, { now }), asOf };
  return {
    format: MANIFEST_FORMAT,
    generatedAt: now.toISOString(),
    trailscopeVersion: "0.2.0",
    exportedBy: { kind: "user", name: "alice@example.com", id: "u1" },
    query: manifestQuery({ given: params.toString(), params, q, now, header: "keys", baseUrl: "https://trail.example.com" }),
    accountScope: ["111122223333"],
    rows: { csv: 1217, ndjson: 1217 },
    files: [
      { name: "events.csv", bytes: 10, sha256: "a".repeat(64) },
      { name: "events.ndjson", bytes: 20, sha256: "b".repeat(64) },
    ],
    integrity: integrity(),
    ...over,
  };
}

describe("manifestQuery", () => {
  it("keeps the query as given and writes the set frozen: instants resolved, asOf, no download options", () => {
    const params = new URLSearchParams("eventName=StopLogging&from=now-7d&format=bundle&cursor=abc&columns=eventTime,username");
    const q = { ...parseEventQuery(params, { now }), asOf };
    const m = manifestQuery({ given: "eventName=StopLogging&from=now-7d&format=bundle&headers=labels", params, q, now, header: "labels", baseUrl: "https://trail.example.com" });
    expect(m.string).toBe("eventName=StopLogging&from=now-7d&format=bundle&headers=labels");
    const eff = new URLSearchParams(m.effective);
    expect(eff.get("from")).toBe("2026-11-13T13:45:00.000Z");
    expect(eff.has("to")).toBe(false); // no end was asked for: the asOf bound closes the set
    expect(eff.get("asOf")).toBe(asOf.toISOString());
    expect(eff.has("format") || eff.has("cursor") || eff.has("headers")).toBe(false);
    expect(eff.get("columns")).toBe("eventTime,username"); // the view opens as it was
    expect(m.url).toBe(`https://trail.example.com/events?${m.effective}`);
    expect(m.filters).toEqual({ eventName: ["StopLogging"] });
    expect(m).toMatchObject({ from: "2026-11-13T13:45:00.000Z", to: null, asOf: asOf.toISOString(), sort: "eventTime:desc", csvHeader: "labels" });
  });

  it("through a share link: the link's filters and bounds the request left out are in the effective query", () => {
    const share = new URLSearchParams("eventName=StopLogging&eventName=DeleteTrail&from=2026-11-01T00:00:00.000Z&to=2026-11-08T00:00:00.000Z&asOf=2026-11-09T00:00:00.000Z");
    const params = new URLSearchParams("eventName=DeleteTrail&errorCode=AccessDenied");
    const q = { ...parseEventQuery(narrowWithinShare(share, params, now), { now }), asOf: new Date("2026-11-09T00:00:00.000Z") };
    const m = manifestQuery({ given: params.toString(), params, share, q, now, header: "keys", baseUrl: "http://127.0.0.1:3000" });
    expect(m.filters).toEqual({ eventName: ["DeleteTrail"], errorCode: ["AccessDenied"] });
    expect(m).toMatchObject({ from: "2026-11-01T00:00:00.000Z", to: "2026-11-08T00:00:00.000Z", asOf: "2026-11-09T00:00:00.000Z" });
  });

  it("refuses a query that is not frozen", () => {
    const params = new URLSearchParams("");
    expect(() => manifestQuery({ given: "", params, q: parseEventQuery(params), now, header: "keys", baseUrl: "x" })).toThrow(/frozen/);
  });
});

describe("manifestText", () => {
  const sumLines = (t: string) => t.split("\n").filter((l) => l && !l.startsWith("#"));

  it("ends with sha256sum lines for the data files and manifest.json; everything else is # prose", () => {
    const t = manifestText(manifest(), "c".repeat(64));
    expect(sumLines(t)).toEqual([`${"a".repeat(64)}  events.csv`, `${"b".repeat(64)}  events.ndjson`, `${"c".repeat(64)}  manifest.json`]);
    expect(t.endsWith(`${"c".repeat(64)}  manifest.json\n`)).toBe(true);
  });

  it("says who, when, what and how many, and the integrity and completeness in sentences", () => {
    const t = manifestText(manifest(), "c".repeat(64));
    expect(t).toContain("# Exported by: alice@example.com (signed in) at 2026-11-20T13:45:00.000Z, Trailscope 0.2.0");
    expect(t).toContain("# Query:       eventName=StopLogging&from=now-7d");
    expect(t).toContain("# Range:       2026-11-13T13:45:00.000Z to no end");
    expect(t).toContain("# Accounts:    111122223333");
    expect(t).toContain("# Rows:        1,217 events");
    expect(t).toContain("# Events: 1,204 verified, 3 failed (their log file differs from its digest), 10 unverified");
    expect(t).toContain("4 read through LookupEvents, which has no log file");
    expect(t).toContain("#   hash-mismatch: AWSLogs/1/CloudTrail/us-east-1/2026/11/19/x.json.gz");
    expect(t).toContain("Log files: 12 log files; 11 match a digest whose signature was checked, 1 DIFFER from their digest");
    expect(t).toContain("# Signatures: checked, with public keys from CloudTrail ListPublicKeys.");
    expect(t).toContain("# Completeness: no log file or digest that a digest names is missing.");
  });

  it("a folder source: signatures not checked; gaps and missing files listed", () => {
    const t = manifestText(
      manifest({
        integrity: integrity({
          signaturesChecked: "none",
          completeness: {
            missingLogFiles: 2,
            missingDigests: 1,
            gaps: [{ kind: "gap", account: "111122223333", region: "us-east-1", trail: "main", from: "2026-11-19T01:00:00.000Z", to: "2026-11-19T03:00:00.000Z" }],
            missing: [{ kind: "missing-log", key: "AWSLogs/x.json.gz", namedBy: "AWSLogs/digest.json.gz" }],
          },
        }),
      }),
      "c".repeat(64),
    );
    expect(t).toContain("# Signatures not checked: the digests had none to check (a folder has no S3 metadata)");
    expect(t).toContain("# Completeness: 2 log files and 1 digest file named by a digest were never found.");
    expect(t).toContain("#   missing-log: AWSLogs/x.json.gz (named by AWSLogs/digest.json.gz)");
    expect(t).toContain("#   gap: account 111122223333 us-east-1 trail main, 2026-11-19T01:00:00.000Z to 2026-11-19T03:00:00.000Z");
  });

  it("says so when the two files' row counts differ", () => {
    expect(manifestText(manifest({ rows: { csv: 3, ndjson: 4 } }), "c".repeat(64))).toContain("THEY DIFFER");
  });

  it("a value holding a newline cannot forge a hash line", () => {
    const forged = `x.json.gz\n${"0".repeat(64)}  events.csv`;
    const m = manifest({ integrity: integrity({ logFiles: { total: 1, byOutcome: { "hash-mismatch": 1 }, invalid: [{ key: forged, outcome: "hash-mismatch", detail: "a\rb" }] } }) });
    const t = manifestText(m, "c".repeat(64));
    expect(sumLines(t)).toHaveLength(3);
    expect(t).toContain("x.json.gz\\u000a0000");
    expect(t).toContain("(a\\u000db)");
  });
});

describe("trailscopeVersion", () => {
  it("is package.json's version, with the checkout's commit", async () => {
    expect(await trailscopeVersion()).toMatch(/^\d+\.\d+\.\d+(\+git\.[0-9a-f]{12})?$/);
  });
});

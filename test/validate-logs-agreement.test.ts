// Trailscope's log file integrity validation against AWS's own `aws cloudtrail validate-logs`, file
// by file, on one tampered trail corpus in the S3 peer (a modified log file, a deleted log file, a
// modified digest, a digest deleted mid-chain, a moved digest, an unknown key fingerprint, a chain
// restart after StopLogging/StartLogging: test/helpers/integrity-corpus.ts). Trailscope reads the
// bucket through its S3 source and the public keys through ListPublicKeys of the CloudTrail peer,
// both over HTTP with the real SDK; validate-logs reads the same bucket and keys.
//
// For every file validate-logs names, Trailscope's verdict is the same. Beyond it, Trailscope:
// - says what becomes of the log files validate-logs leaves unmentioned (those of an invalid,
//   missing or moved digest: "digest-invalid" or not covered — unverified, never "valid");
// - names the log file dropped from the modified digest as covered by no digest;
// - names a file that was synced and has since disappeared (validate-logs only sees what is there);
// - checks previousDigestHashValue, which validate-logs never reads (tested without signatures in
//   test/integrity-chain.test.ts, where it is the only defence).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSync } from "../lib/ingest/engine";
import { parseSource } from "../lib/ingest/sources";
import type { VerifySummary } from "../lib/integrity/verify";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { buildIntegrityCorpus, s3Uri, validateLogsOptionsFor, type IntegrityCorpus } from "./helpers/integrity-corpus";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";
import { runValidateLogs, type ValidateLogsResult } from "./helpers/validate-logs";

let c: IntegrityCorpus;
let aws: ValidateLogsResult;
let t: TestDatabase;
let db: Db;
let ours: VerifySummary;
/** Our verdict per "s3://bucket/key", in validate-logs' words where it has them. */
const verdict = new Map<string, string>();
const saved: Record<string, string | undefined> = {};

/** validate-logs' verdict reduced to its kind. */
function kindOf(v: string): string {
  if (v === "valid") return "valid";
  if (/signature verification failed/.test(v)) return "bad-signature";
  if (/public key not found/.test(v)) return "unknown-key";
  if (/moved from its original location/.test(v)) return "moved";
  if (/not found/.test(v)) return "missing";
  if (/hash value doesn't match/.test(v)) return "hash-mismatch";
  return `other: ${v}`;
}

beforeAll(async () => {
  c = await buildIntegrityCorpus();
  aws = await runValidateLogs(validateLogsOptionsFor(c));

  for (const k of ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_CLOUDTRAIL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"]) saved[k] = process.env[k];
  process.env.AWS_ENDPOINT_URL_S3 = c.s3.url;
  process.env.AWS_ENDPOINT_URL_CLOUDTRAIL = c.cloudTrail.url;
  process.env.AWS_ACCESS_KEY_ID = "AKIDINTEGRITY";
  process.env.AWS_SECRET_ACCESS_KEY = "secret";
  t = await createTestDatabase("ts_agree");
  await migrate(t.url);
  db = openDb(t.url, { max: 4 });
  const s = await runSync(db, parseSource(`s3://${c.bucket}?forcePathStyle=true&region=${c.region}`), { log: () => {}, decodeWorkers: 0 });
  expect(s.ok, JSON.stringify(s.failures)).toBe(true);
  expect(s.integrityError).toBeUndefined();
  ours = s.integrity!;

  const rows = await db.pool.query(`SELECT key, kind, integrity FROM ingested_objects WHERE kind IN ('digest', 'log')`);
  for (const r of rows.rows) verdict.set(s3Uri(c.bucket, r.key), r.integrity);
  const findings = await db.pool.query(`SELECT kind, key FROM integrity_findings WHERE kind IN ('missing-log', 'missing-digest')`);
  for (const f of findings.rows) verdict.set(s3Uri(c.bucket, f.key), "missing");
}, 300_000);

afterAll(async () => {
  await db?.close();
  await t?.drop();
  await c?.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe("Trailscope's verdicts equal aws cloudtrail validate-logs'", () => {
  it("validate-logs ran and found the tampering", () => {
    expect(aws.otherErrors, aws.stderr).toEqual([]);
    expect(aws.exitCode).toBe(1);
    expect(ours.signaturesChecked).toBe(true);
    expect(ours.keyErrors).toEqual([]);
    expect(ours.ok).toBe(false);
  });

  it("every digest validate-logs names has the same verdict", () => {
    const rows: string[] = [];
    for (const [key, v] of aws.digests) {
      const theirs = kindOf(v);
      const mine = verdict.get(key) ?? "(no verdict)";
      rows.push(`${theirs === mine ? "  " : "≠ "}${key.slice(key.lastIndexOf("/") + 1)}: validate-logs ${theirs}, Trailscope ${mine}`);
    }
    if (process.env.TRAILSCOPE_AGREEMENT_TABLE) console.log(rows.join("\n"), "\n", [...aws.logs].map(([k, v]) => `${kindOf(v)} ${verdict.get(k)} ${k.slice(k.lastIndexOf("/") + 1)}`).join("\n"));
    const differ = rows.filter((r) => r.startsWith("≠"));
    expect(differ, rows.join("\n")).toEqual([]);
    // Each scenario's digest verdict is among them.
    const kinds = new Set([...aws.digests.values()].map(kindOf));
    for (const k of ["valid", "bad-signature", "unknown-key", "moved", "missing"]) expect(kinds).toContain(k);
  });

  it("every log file validate-logs names has the same verdict", () => {
    const differ: string[] = [];
    for (const [key, v] of aws.logs) {
      const theirs = kindOf(v);
      const mine = verdict.get(key) ?? "(no verdict)";
      if (theirs !== mine) differ.push(`${key}: validate-logs ${theirs}, Trailscope ${mine}`);
    }
    expect(differ).toEqual([]);
    const kinds = new Set([...aws.logs.values()].map(kindOf));
    for (const k of ["valid", "hash-mismatch", "missing"]) expect(kinds).toContain(k);
  });

  it("log files validate-logs does not mention are never called valid", () => {
    const unmentioned = [...verdict].filter(([key, v]) => key.includes("/CloudTrail/") && !aws.logs.has(key) && v !== "missing");
    expect(unmentioned.length).toBeGreaterThan(0); // those of the bad, moved and unknown-key digests
    for (const [key, v] of unmentioned) expect(["digest-invalid", "not-covered"], key).toContain(v);
    // The entry dropped from the modified digest: no digest names that file any more.
    const dropped = c.scenarios.find((s) => s.kind === "modified-digest")!.droppedLog;
    if (dropped) expect(["not-covered", "digest-invalid"]).toContain(verdict.get(s3Uri(c.bucket, dropped)));
  });

  it("the chain restart is a finding, not an invalid file", async () => {
    const restart = await db.pool.query(`SELECT count(*)::int AS n FROM integrity_findings WHERE kind = 'chain-restart'`);
    expect(restart.rows[0].n).toBeGreaterThanOrEqual(1);
    const s = c.scenarios.find((x) => x.kind === "chain-restart")!;
    expect(verdict.get(s3Uri(c.bucket, s.key))).toBe("valid");
  });

  it("events of the modified log file are failed, of a valid one verified", async () => {
    const modified = c.scenarios.find((s) => s.kind === "modified-log")!.key;
    const r = await db.pool.query(
      `SELECT o.key, count(e.id)::int AS n, min(o.event_integrity) AS ev FROM ingested_objects o JOIN events e ON e.object_id = o.id WHERE o.kind = 'log' GROUP BY o.key`,
    );
    const byKey = new Map(r.rows.map((x) => [x.key as string, x]));
    expect(byKey.get(modified)?.ev).toBe("failed");
    expect(byKey.get(modified)?.n).toBeGreaterThan(0);
    const valid = [...aws.logs].find(([, v]) => v === "valid")![0].slice(`s3://${c.bucket}/`.length);
    expect(byKey.get(valid)?.ev).toBe("verified");
  });

  it("a file deleted from the bucket after the sync is caught when validated again (validate-logs cannot know it was ever there)", async () => {
    const victim = [...aws.logs].find(([, v]) => v === "valid")![0].slice(`s3://${c.bucket}/`.length);
    c.s3.deleteObject(c.bucket, victim);
    const s = await runSync(db, parseSource(`s3://${c.bucket}?forcePathStyle=true&region=${c.region}`), { log: () => {}, decodeWorkers: 0, reread: true });
    expect(s.integrity!.problems).toEqual(expect.arrayContaining([expect.objectContaining({ what: "log", key: victim, outcome: "missing" })]));
  });
});

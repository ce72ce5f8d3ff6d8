// The validation itself (lib/integrity/chain.ts) on digests built here and signed with real RSA
// keys: what validate-logs does not check — each link against the previous digest's hash and
// signature — and how a folder without signatures is judged.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { digestObjectMetadata, generateDigestKeyPair, signDigest } from "../lib/demo/digest-signing";
import { validateChain, type DigestInput, type LogInput } from "../lib/integrity/chain";

const key = generateDigestKeyPair();
const ACCOUNT = "111122223333";
const BUCKET = "trail-bucket";
const sha = (s: string | Buffer) => createHash("sha256").update(s).digest("hex");
const pad = (n: number) => String(n).padStart(2, "0");

interface Built {
  digests: DigestInput[];
  logs: LogInput[];
}

/** `hours` hourly digests of one trail, each naming one log file, chained and signed. */
function build(hours: number, opts: { startHour?: number } = {}): Built {
  const digests: DigestInput[] = [];
  const logs: LogInput[] = [];
  let prev: { key: string; sha: string; signature: string } | null = null;
  for (let h = opts.startHour ?? 0; h < (opts.startHour ?? 0) + hours; h++) {
    const start = `2026-11-20T${pad(h)}:00:00Z`;
    const end = `2026-11-20T${pad(h + 1)}:00:00Z`;
    const logKey = `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/11/20/${ACCOUNT}_CloudTrail_us-east-1_20261120T${pad(h)}30Z_x${h}.json.gz`;
    const logBody = JSON.stringify({ Records: [{ eventID: `e${h}` }] });
    logs.push({ key: logKey, sha256: sha(logBody) });
    const dkey = `AWSLogs/${ACCOUNT}/CloudTrail-Digest/us-east-1/2026/11/20/${ACCOUNT}_CloudTrail-Digest_us-east-1_trail_us-east-1_20261120T${pad(h + 1)}0000Z.json.gz`;
    const doc: Record<string, unknown> & { digestEndTime: string; digestS3Bucket: string; digestS3Object: string } = {
      awsAccountId: ACCOUNT,
      digestStartTime: start,
      digestEndTime: end,
      digestS3Bucket: BUCKET,
      digestS3Object: dkey,
      digestPublicKeyFingerprint: key.fingerprint,
      digestSignatureAlgorithm: "SHA256withRSA",
      previousDigestS3Bucket: prev ? BUCKET : null,
      previousDigestS3Object: prev?.key ?? null,
      previousDigestHashValue: prev?.sha ?? null,
      previousDigestHashAlgorithm: prev ? "SHA-256" : null,
      previousDigestSignature: prev?.signature ?? null,
      logFiles: [{ s3Bucket: BUCKET, s3Object: logKey, hashValue: sha(logBody), hashAlgorithm: "SHA-256" }],
    };
    const raw: Buffer = Buffer.from(JSON.stringify(doc));
    const signature = signDigest(key.privateKey, doc, raw);
    digests.push({ key: dkey, bucket: BUCKET, sha256: sha(raw), digest: doc, signature, signatureAlgorithm: digestObjectMetadata(signature)["signature-algorithm"] });
    prev = { key: dkey, sha: sha(raw), signature };
  }
  return { digests, logs };
}

const s3 = (b: Built) => validateChain({ ...b, signatures: true, publicKey: (_r, fp) => (fp === key.fingerprint ? key.publicKey : undefined) });
/** A local copy: no bucket, no signatures. */
const folder = (b: Built) =>
  validateChain({
    digests: b.digests.map((d) => ({ ...d, key: `/data/copy/${d.key}`, bucket: null, signature: null, signatureAlgorithm: null })),
    logs: b.logs.map((l) => ({ ...l, key: `/data/copy/${l.key}` })),
    signatures: false,
    publicKey: () => undefined,
  });

describe("validateChain", () => {
  it("a signed, unbroken chain: every digest and log file valid, no findings", () => {
    const r = s3(build(5));
    expect([...r.digests.values()].map((v) => v.outcome)).toEqual(Array(5).fill("valid"));
    expect([...r.logs.values()].map((v) => v.outcome)).toEqual(Array(5).fill("valid"));
    expect(r.findings).toEqual([]);
  });

  it("in S3 a digest without signature metadata is a bad signature, as validate-logs says", () => {
    const b = build(3);
    b.digests[1] = { ...b.digests[1], signature: null, signatureAlgorithm: null };
    expect(s3(b).digests.get(b.digests[1].key)!.outcome).toBe("bad-signature");
  });

  it("a digest replaced by another validly signed one is caught by the next digest's link (validate-logs follows keys only)", () => {
    const a = build(4);
    // Hour 2's digest replaced by a digest of another chain for the same hour, also validly
    // signed, that lists a different log file: its own signature checks out.
    const other = build(1, { startHour: 1 });
    const forged = { ...other.digests[0], key: a.digests[1].key, digest: { ...other.digests[0].digest!, digestS3Object: a.digests[1].key } };
    const raw = Buffer.from(JSON.stringify(forged.digest));
    forged.sha256 = sha(raw);
    forged.signature = signDigest(key.privateKey, forged.digest as never, raw);
    a.digests[1] = forged;
    const r = s3(a);
    expect(r.digests.get(a.digests[1].key)!.outcome).toBe("chain-broken");
    expect(r.digests.get(a.digests[1].key)!.detail).toMatch(/previousDigestHashValue and previousDigestSignature/);
    // The file it lists is named by no trustworthy digest.
    expect(r.logs.get(a.logs[1].key)!.outcome).toBe("digest-invalid");
  });

  it("a folder: hashes checked and the chain linked by previousDigestHashValue; an altered digest breaks the link", () => {
    const b = build(4);
    const ok = folder(b);
    expect(new Set([...ok.digests.values()].map((v) => v.outcome))).toEqual(new Set(["unsigned"]));
    expect(new Set([...ok.logs.values()].map((v) => v.outcome))).toEqual(new Set(["hash-valid-unsigned"]));
    // Altered: the digest of hour 2 now vouches for a different log hash.
    const altered = structuredClone(b);
    const d = altered.digests[1].digest! as { logFiles: { hashValue: string }[] };
    d.logFiles[0].hashValue = sha("forged");
    altered.digests[1].sha256 = sha(JSON.stringify(d));
    altered.logs[1].sha256 = sha("forged");
    const r = folder(altered);
    expect(r.digests.get(`/data/copy/${altered.digests[1].key}`)!.outcome).toBe("chain-broken");
    expect(r.logs.get(`/data/copy/${altered.logs[1].key}`)!.outcome).toBe("digest-invalid");
  });

  it("a digest naming another place than where it was read is moved; a file named nowhere is not covered", () => {
    const b = build(3);
    b.digests[2] = { ...b.digests[2], key: b.digests[2].key.replace("T030000Z", "T023000Z") };
    b.logs.push({ key: `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/11/20/late.json.gz`, sha256: sha("late") });
    const r = s3(b);
    expect(r.digests.get(b.digests[2].key)!.outcome).toBe("moved");
    expect(r.logs.get(b.logs[3].key)!.outcome).toBe("not-covered");
  });

  it("hours without a digest are a gap; a chain that starts over is a restart", () => {
    const before = build(2);
    const after = build(2, { startHour: 5 });
    const r = s3({ digests: [...before.digests, ...after.digests], logs: [...before.logs, ...after.logs] });
    const restart = r.findings.find((f) => f.kind === "chain-restart")!;
    expect(restart.from?.toISOString()).toBe("2026-11-20T02:00:00.000Z");
    expect(restart.to?.toISOString()).toBe("2026-11-20T05:00:00.000Z");
    // A missing digest in the middle of a chain: named by its successor.
    const mid = build(4);
    const gone = mid.digests.splice(1, 1)[0];
    const m = s3(mid);
    expect(m.findings).toEqual([expect.objectContaining({ kind: "missing-digest", key: gone.key })]);
    expect(m.logs.get(mid.logs[1].key)!.outcome).toBe("not-covered");
  });
});

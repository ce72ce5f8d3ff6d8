// Real digest signatures in the corpus writer, its onFile hand-over and its StopLogging/StartLogging
// windows. (The default, fake-signature corpus is covered by generate.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { writeAwsLogsCorpus, type CorpusFile, type CorpusResult } from "./corpus";
import {
  DIGEST_SIGNATURE_ALGORITHM,
  digestSigningString,
  generateDigestKeyPair,
  publicKeyFingerprint,
  publicKeyFromListValue,
  signDigest,
  verifyDigestSignature,
} from "./digest-signing";

type Obj = Record<string, any>;

describe("digest signing primitives", () => {
  it("uses CloudTrail's fingerprint: MD5 hex of the DER PKCS#1 public key", () => {
    // From AWS's own `aws cloudtrail list-public-keys` example output.
    const value =
      "MIIBCgKCAQEAlSS3cl92HDycr/MTj0moOhas8habjrraXw+KzlWF0axSI2tcF+3iJ9BKQAVSKxGwxwu3m0wG3J+kUl1xboEcEPHYoIYMbgfSw7KGnuDKwkLzsQWhUJ0cIbOHASox1vv/5fNXkrHhGbDCHeVXm804c83nvHUEFYThr1PfyP/8HwrCtR3FX5OANtQCP61C1nJtSSkC8JSQUOrIP4CuwJjc+4WGDk+BGH5m9iuiAKkipEHWmUl8/P7XpfpWQuk4h8g3pXZOrNXr08lbh4d39svj7UqdhvOXoBISp9t/EXYuePGEtBdrKD9Dz+VHwyUPtBQvYr9BnkF88qBnaPNhS44rzwIDAQAB";
    expect(publicKeyFingerprint(publicKeyFromListValue(value))).toBe("7f3f401420072e50a65a141430817ab3");
    const pair = generateDigestKeyPair();
    expect(pair.fingerprint).toBe(publicKeyFingerprint(pair.publicKey));
    expect(pair.fingerprint).toBe(publicKeyFingerprint(pair.privateKey));
    expect(pair.publicKeyDer.equals(Buffer.from(pair.publicKey.export({ type: "pkcs1", format: "der" })))).toBe(true);
  });

  it("signs the string validate-logs builds, and nothing else verifies", () => {
    const pair = generateDigestKeyPair();
    const raw = Buffer.from('{"a":1}');
    const doc = { digestEndTime: "2026-11-16T01:00:00Z", digestS3Bucket: "b", digestS3Object: "k.json.gz", previousDigestSignature: null };
    expect(digestSigningString(doc, raw)).toBe(`2026-11-16T01:00:00Z\nb/k.json.gz\n${createHash("sha256").update(raw).digest("hex")}\nnull`);
    const sig = signDigest(pair.privateKey, doc, raw);
    expect(sig).toMatch(/^[0-9a-f]{512}$/);
    expect(verifyDigestSignature(pair.publicKey, doc, raw, sig)).toBe(true);
    expect(verifyDigestSignature(pair.publicKey, doc, Buffer.from('{"a":2}'), sig)).toBe(false);
    expect(verifyDigestSignature(pair.publicKey, { ...doc, previousDigestSignature: "00" }, raw, sig)).toBe(false);
    expect(verifyDigestSignature(pair.publicKey, { ...doc, digestS3Object: "moved.json.gz" }, raw, sig)).toBe(false);
    expect(verifyDigestSignature(generateDigestKeyPair().publicKey, doc, raw, sig)).toBe(false);
    expect(verifyDigestSignature(pair.publicKey, doc, raw, "not hex")).toBe(false);
  });
});

describe("writeAwsLogsCorpus with a signer, onFile and loggingOff", () => {
  const START = new Date("2026-11-16T00:00:00Z");
  const END = new Date("2026-11-17T00:00:00Z");
  const STOP = new Date("2026-11-16T09:20:00Z");
  const RESTART = new Date("2026-11-16T13:05:30Z");
  const euKey = generateDigestKeyPair();
  const usKey = generateDigestKeyPair();
  let dir: string;
  let result: CorpusResult;
  const files = new Map<string, CorpusFile>();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "trailscope-signed-"));
    result = await writeAwsLogsCorpus(dir, {
      count: 1500,
      seed: 4,
      start: START,
      end: END,
      accounts: ["123456789012"],
      regions: ["eu-west-1", "us-east-1"],
      orgId: "",
      bucket: "signed-bkt",
      trailName: "t",
      eventsPerFile: 20,
      signer: (d) => (d.region === "eu-west-1" ? euKey : usKey),
      loggingOff: [{ from: STOP, to: RESTART }],
      onFile: async (f) => {
        await new Promise((r) => setImmediate(r)); // async callbacks are awaited
        files.set(f.key, f);
      },
    });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("hands every file written to onFile, with the bytes on disk", async () => {
    const onDisk = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    expect(files.size).toBe(result.files);
    expect(onDisk.length).toBe(result.files);
    for (const e of onDisk) {
      const key = path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/");
      expect((await readFile(path.join(dir, key))).equals(files.get(key)!.body), key).toBe(true);
    }
    expect([...files.values()].filter((f) => f.kind === "digest").length).toBe(result.digestFiles);
    expect([...files.values()].filter((f) => f.kind === "log").length).toBe(result.logFiles);
    expect([...files.values()].filter((f) => f.kind === "check").length).toBe(1);
  });

  it("signs every digest for real, per region, chaining previousDigestSignature", () => {
    const digests = [...files.values()].filter((f) => f.kind === "digest");
    expect(digests.length).toBeGreaterThan(30);
    const bySig = new Map<string, string>();
    for (const f of digests) {
      const raw = gunzipSync(f.body);
      const doc = JSON.parse(raw.toString("utf8")) as Obj;
      const pair = doc.digestS3Object.includes("/eu-west-1/") ? euKey : usKey;
      expect(doc.digestPublicKeyFingerprint).toBe(pair.fingerprint);
      expect(doc.digestSignatureAlgorithm).toBe(DIGEST_SIGNATURE_ALGORITHM);
      expect(f.metadata).toEqual({ signature: f.digest!.signature, "signature-algorithm": "SHA256withRSA" });
      expect(verifyDigestSignature(pair.publicKey, doc as any, raw, f.metadata!.signature)).toBe(true);
      expect(f.digest!.hash).toBe(createHash("sha256").update(raw).digest("hex"));
      expect(f.digest!.logFiles).toEqual(doc.logFiles.map((l: Obj) => l.s3Object));
      expect(f.digest!.previousKey).toBe(doc.previousDigestS3Object);
      bySig.set(f.key, f.metadata!.signature);
    }
    for (const f of digests) {
      const doc = JSON.parse(gunzipSync(f.body).toString("utf8")) as Obj;
      if (doc.previousDigestS3Object === null) continue;
      expect(doc.previousDigestSignature).toBe(bySig.get(doc.previousDigestS3Object));
      expect(doc.previousDigestHashValue).toBe(files.get(doc.previousDigestS3Object)!.digest!.hash);
    }
  });

  it("stops logging and digests in the window and restarts the chains after it", () => {
    for (const region of ["eu-west-1", "us-east-1"]) {
      const chain = [...files.values()]
        .filter((f) => f.kind === "digest" && f.digest!.region === region)
        .map((f) => f.digest!)
        .sort((a, b) => a.digestEndTime.localeCompare(b.digestEndTime));
      const starts = chain.filter((d) => d.previousKey === null);
      expect(starts.length).toBe(2);
      expect(chain[0].previousKey).toBeNull();
      const restart = chain.indexOf(starts[1]);
      const before = chain[restart - 1];
      // The last digest before the stop covers the hour in which logging stopped.
      expect(Date.parse(before.digestStartTime)).toBeLessThanOrEqual(STOP.getTime());
      expect(Date.parse(before.digestEndTime)).toBeGreaterThan(STOP.getTime());
      // The new chain's hours start at StartLogging; nothing in between.
      expect(starts[1].digestStartTime).toBe("2026-11-16T13:05:30Z");
      for (let i = 1; i < chain.length; i++) {
        if (i === restart) continue;
        expect(chain[i].previousKey).toBe(chain[i - 1].key);
        expect(chain[i].digestStartTime).toBe(chain[i - 1].digestEndTime);
      }
      expect(chain[restart].digestStartTime > before.digestEndTime).toBe(true);
    }
    // No record from the window was logged, and the file names' delivery times leave a gap too.
    let records = 0;
    for (const f of files.values()) {
      if (f.kind !== "log" && f.kind !== "insight") continue;
      for (const r of (JSON.parse(gunzipSync(f.body).toString("utf8")) as { Records: Obj[] }).Records) {
        records++;
        const t = Date.parse(r.eventTime);
        expect(t < STOP.getTime() || t >= RESTART.getTime(), r.eventTime).toBe(true);
      }
    }
    expect(records).toBe(result.events);
    expect(result.events).toBeLessThan(1500);
    expect(result.events).toBeGreaterThan(1000);
  });

  it("refuses a restart before the stopped chain's last digest ends", async () => {
    const d = await mkdtemp(path.join(tmpdir(), "trailscope-signed-"));
    try {
      await expect(
        writeAwsLogsCorpus(d, { count: 200, seed: 4, start: START, end: END, loggingOff: [{ from: STOP, to: new Date(STOP.getTime() + 60_000) }] }),
      ).rejects.toThrow(/restarts at/);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });
});

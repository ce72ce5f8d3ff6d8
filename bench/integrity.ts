// Stage "integrity" (issue 21): log file integrity validation and the import forms, each measured
// beside its peer in the same run, repetitions interleaved, medians quoted as ratios.
//
//   1. On-demand validation against AWS's `aws cloudtrail validate-logs` (awscli 1.x, the
//      machine's python), on the same signed trail corpus in the S3 peer: one account, one region,
//      hourly digests really signed (RSA-SHA256, lib/demo/digest-signing.ts), the public key served
//      by the CloudTrail peer's ListPublicKeys. validate-logs: its wall time (CLI start-up
//      included), files = the digests + log files its totals count. Trailscope: in a fresh
//      database, an ordinary sync of `s3://<bucket>`, then the on-demand validation exactly as
//      `npm run verify` runs it (`runSync(…, { reread: true })`: every object read again over HTTP,
//      hashed — the log files already stored are not decoded again — then the chain, signatures and hashes checked) — its wall time, files = the
//      digests + log files of its VerifySummary. Both must count the same files and find every one
//      valid, else the stage fails. The peers run in a child process (this file, forked), so
//      neither side shares an event loop with them. Beside them, a floor: every digest and log file
//      fetched with the SDK and hashed, nothing else (what any validation through the SDK needs).
//   2. Validation after a sync (from the store, which runSync runs once the sync is done):
//      VerifySummary.elapsedMs against the sync's own SyncSummary.elapsedMs (taken before the
//      validation starts), on the S3 corpus above and on the bench's 100k folder corpus (unsigned
//      digests: hashes and the chain).
//   3. Import forms: the same events (every second log file of the 100k corpus, one group per
//      file) as a folder of gzipped `{"Records":[…]}` files, a folder of gzipped NDJSON files, and
//      one .zip of the NDJSON files (deflated members), each synced with the folder source into a
//      fresh database; events/s per form, the forms' order rotating each repetition.
import { fork, spawnSync, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { createHash } from "node:crypto";
import { gunzipSync, gzip } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { zipSync } from "fflate";
import type * as Engine from "../lib/ingest/engine";
import type * as Sources from "../lib/ingest/sources";
import type * as Store from "../lib/store/db";
import type * as Migrate from "../lib/store/migrate";
import type * as ValidateLogs from "../test/helpers/validate-logs";
import type * as S3PeerMod from "../test/peers/s3-peer";
import type * as LookupPeerMod from "../test/peers/lookup-peer";
import type * as CorpusWriter from "../lib/demo/corpus";
import type * as Signing from "../lib/demo/digest-signing";
import { onCleanup } from "./cleanup";
import { ensureCorpus, listFiles, OUT_DIR, type Corpus } from "./corpus";
import { createDb, dropDb } from "./pg";
import { load, srcRoot } from "./src";
import { log, median } from "./stats";

const gzipAsync = promisify(gzip);

// ---- the signed S3 corpus ------------------------------------------------------------------------

/** ~2,000 log files of ~20 events (a quiet single-account trail's delivery) + 73 hourly digests. */
export const S3_CORPUS = {
  events: 40_000,
  eventsPerFile: 20,
  days: 3,
  seed: 21,
  account: "111122223333",
  region: "us-east-2",
  bucket: "trailscope-bench-integrity",
  trailName: "bench-trail",
  start: "2026-11-17T00:00:00Z",
} as const;

const HOUR = 3_600_000;
const MIN = 60_000;

/** What the peer child reports once the corpus is in its bucket. */
interface PeerInfo {
  s3Url: string;
  cloudTrailUrl: string;
  bucket: string;
  account: string;
  region: string;
  trailArn: string;
  start: string;
  end: string;
  events: number;
  logFiles: number;
  digestFiles: number;
  objects: number;
  bytes: number;
  generatedInSeconds: number;
}

interface PeerStats {
  getCalls: number;
  listCalls: number;
}

// ---- results --------------------------------------------------------------------------------------

export interface ValidationRun {
  rep: number;
  /** Which went first in this repetition. */
  first: "validate-logs" | "trailscope";
  aws: { ms: number; digests: number; logs: number; files: number; ok: boolean; exitCode: number | null; gets: number; filesPerSecond: number };
  /** Wall time; of which rereadMs (SyncSummary.elapsedMs: reading every object again, hashing, decoding, storing nothing new) and verifyMs (VerifySummary.elapsedMs: chain, signatures, hashes, outcomes written). */
  ours: { ms: number; digests: number; logs: number; files: number; ok: boolean; gets: number; filesPerSecond: number; rereadMs: number; verifyMs: number };
  /**
   * What any validation needs at least: every digest and log file fetched with the SDK (8 at a
   * time, as the S3 source reads) and its SHA-256 taken over the gunzipped bytes, in this process.
   */
  floor: { ms: number; files: number; filesPerSecond: number };
  /** The ordinary sync before it (fresh database): wall, its own elapsedMs, then the validation from the store it ran. */
  sync: { wallMs: number; elapsedMs: number; verifyMs: number; events: number; gets: number };
}

export interface AfterSyncRun {
  rep: number;
  wallMs: number;
  /** SyncSummary.elapsedMs: the sync without the validation. */
  syncMs: number;
  /** VerifySummary.elapsedMs: validation from the store. */
  verifyMs: number;
  events: number;
  digests: number;
  logs: number;
  ratio: number;
}

export type FormName = "records" | "ndjson" | "zip";
export const FORMS: FormName[] = ["records", "ndjson", "zip"];

export interface FormRun {
  rep: number;
  form: FormName;
  /** Position in this repetition's order (1 = first). */
  position: number;
  wallMs: number;
  syncMs: number;
  events: number;
  ok: boolean;
  error?: string;
  eventsPerSecond: number;
}

export interface IntegrityBenchResult {
  reps: number;
  peer: string;
  s3Corpus: Omit<PeerInfo, "s3Url" | "cloudTrailUrl"> & { eventsPerFile: number; days: number };
  awsCli: { version: string; startupMs: number };
  validation: ValidationRun[];
  /** Medians over the repetitions. */
  awsFilesPerSecond: number;
  oursFilesPerSecond: number;
  /** ours / validate-logs files/s (target ≥ 2). */
  validationRatio: number;
  floorFilesPerSecond: number;
  /** Validation after the sync / the sync's time, medians (target ≤ 0.10). */
  afterSyncS3Ratio: number;
  folder: { size: string; events: number; files: number; digests: number; logs: number; runs: AfterSyncRun[]; ratio: number } | null;
  forms: {
    events: number;
    files: number;
    bytes: Record<FormName, number>;
    runs: FormRun[];
    eventsPerSecond: Record<FormName, number>;
    /** Form events/s / Records events/s (medians). */
    ratio: Record<FormName, number>;
    /** The same ratio taken within each repetition (form / Records of that repetition), then the median. */
    pairedRatio: Record<FormName, number>;
    /** (max − min) / median of the Records folder's own repetitions: the run-to-run noise. */
    recordsSpread: number;
    errors: string[];
  } | null;
  /** Problems that did not stop the stage (a form that does not import, …). */
  notes: string[];
}

// ---- the peers, in a child process ---------------------------------------------------------------

const PEER_CHILD_ENV = "TRAILSCOPE_BENCH_INTEGRITY_PEER";
const SRC_ROOT_ENV = "TRAILSCOPE_BENCH_SRC_ROOT";

type ToChild = { type: "stats" } | { type: "close" };
type FromChild = { type: "ready"; info: PeerInfo } | { type: "stats"; stats: PeerStats } | { type: "error"; message: string };

interface PeerHandle {
  info: PeerInfo;
  /** GET / List requests the S3 peer answered since the last call. */
  stats(): Promise<PeerStats>;
  close(): Promise<void>;
}

async function startPeerChild(): Promise<PeerHandle> {
  const loader = process.execArgv.some((a) => a.includes("tsx")) ? process.execArgv : ["--import", "tsx"];
  const child: ChildProcess = fork(path.join(import.meta.dirname, "integrity.ts"), [], {
    execArgv: loader,
    env: { ...process.env, [PEER_CHILD_ENV]: "1", [SRC_ROOT_ENV]: srcRoot(), NODE_NO_WARNINGS: "1" },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const undo = onCleanup(() => child.kill("SIGKILL"));
  const waiters: Array<(m: FromChild) => void> = [];
  let exited: string | null = null;
  child.on("message", (m: FromChild) => waiters.shift()?.(m));
  child.once("exit", (code, signal) => {
    exited = `peer child exited (${signal ?? code})`;
    for (const w of waiters.splice(0)) w({ type: "error", message: exited });
  });
  const next = () =>
    new Promise<FromChild>((resolve) => {
      if (exited) resolve({ type: "error", message: exited });
      else waiters.push(resolve);
    });
  const first = await next();
  if (first.type !== "ready") {
    child.kill("SIGKILL");
    undo();
    throw new Error(`integrity: the peer child did not start: ${first.type === "error" ? first.message : first.type}`);
  }
  return {
    info: first.info,
    async stats() {
      const reply = next();
      child.send({ type: "stats" } satisfies ToChild);
      const m = await reply;
      if (m.type !== "stats") throw new Error(`integrity: peer child: ${m.type === "error" ? m.message : m.type}`);
      return m.stats;
    },
    async close() {
      if (!exited) {
        const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.send({ type: "close" } satisfies ToChild);
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await gone;
        clearTimeout(timer);
      }
      undo();
    },
  };
}

/** The child: starts both peers, writes the signed corpus straight into the S3 peer's bucket. */
async function peerChild(): Promise<void> {
  const root = process.env[SRC_ROOT_ENV] ?? path.resolve(import.meta.dirname, "..");
  const from = async <T>(rel: string) => (await import(pathToFileURL(path.join(root, rel)).href)) as T;
  const { startS3Peer } = await from<typeof S3PeerMod>("test/peers/s3-peer.ts");
  const { startLookupPeer } = await from<typeof LookupPeerMod>("test/peers/lookup-peer.ts");
  const { writeAwsLogsCorpus } = await from<typeof CorpusWriter>("lib/demo/corpus.ts");
  const { generateDigestKeyPair } = await from<typeof Signing>("lib/demo/digest-signing.ts");
  const send = (m: FromChild) => process.send!(m);
  const s3 = await startS3Peer();
  const ct = await startLookupPeer();
  const dir = await mkdtemp(path.join(tmpdir(), "trailscope-bench-integrity-"));
  const c = S3_CORPUS;
  try {
    const t = performance.now();
    const start = new Date(c.start);
    const end = new Date(start.getTime() + c.days * 24 * HOUR);
    const key = generateDigestKeyPair();
    ct.setPublicKeys([{ value: key.publicKeyDer, validityStart: new Date(start.getTime() - 30 * 24 * HOUR), validityEnd: new Date(end.getTime() + 30 * 24 * HOUR), region: c.region }]);
    const trailArn = `arn:aws:cloudtrail:${c.region}:${c.account}:trail/${c.trailName}`;
    ct.setTrails([{ Name: c.trailName, TrailARN: trailArn, HomeRegion: c.region, S3BucketName: c.bucket, IsMultiRegionTrail: false, IsOrganizationTrail: false, LogFileValidationEnabled: true }]);
    s3.createBucket(c.bucket);
    let lastDigestEnd = 0;
    let bytes = 0;
    const written = await writeAwsLogsCorpus(dir, {
      count: c.events,
      seed: c.seed,
      start,
      end,
      accounts: [c.account],
      regions: [c.region],
      orgId: "",
      bucket: c.bucket,
      trailName: c.trailName,
      eventsPerFile: c.eventsPerFile,
      story: false,
      insights: false,
      signer: key,
      onFile: (f) => {
        bytes += f.body.length;
        if (f.digest) lastDigestEnd = Math.max(lastDigestEnd, Date.parse(f.digest.digestEndTime));
        s3.putObject(c.bucket, f.key, f.body, { ...(f.metadata && { metadata: f.metadata }), ...(f.kind !== "check" && { lastModified: deliveredAt(f) }) });
      },
    });
    await rm(dir, { recursive: true, force: true });
    s3.resetStats();
    send({
      type: "ready",
      info: {
        s3Url: s3.url,
        cloudTrailUrl: ct.url,
        bucket: c.bucket,
        account: c.account,
        region: c.region,
        trailArn,
        start: start.toISOString(),
        // Past the last digest's end (validate-logs lists digests up to end + 1 h).
        end: new Date(lastDigestEnd + 5 * MIN).toISOString(),
        events: written.events,
        logFiles: written.logFiles,
        digestFiles: written.digestFiles,
        objects: s3.listKeys(c.bucket).length,
        bytes,
        generatedInSeconds: (performance.now() - t) / 1000,
      },
    });
  } catch (err) {
    send({ type: "error", message: (err as Error).stack ?? String(err) });
    await rm(dir, { recursive: true, force: true });
    await s3.close();
    await ct.close();
    process.exit(1);
  }
  const close = async () => {
    await s3.close().catch(() => {});
    await ct.close().catch(() => {});
    process.exit(0);
  };
  process.on("message", (m: ToChild) => {
    if (m.type === "stats") {
      send({ type: "stats", stats: { getCalls: s3.stats.getCalls, listCalls: s3.stats.listCalls } });
      s3.resetStats();
    } else if (m.type === "close") void close();
  });
  process.once("disconnect", () => void close());
}

/** When CloudTrail would have written the object: a digest shortly after its hour, a log file at its name's minute. */
function deliveredAt(f: { key: string; digest?: { digestEndTime: string } }): Date {
  if (f.digest) return new Date(Date.parse(f.digest.digestEndTime) + 3 * MIN);
  const m = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_/.exec(f.key);
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5])) : new Date();
}

// ---- the forms ------------------------------------------------------------------------------------

interface FormFiles {
  dir: string;
  /** Source path per form (a folder, or the .zip file). */
  paths: Record<FormName, string>;
  bytes: Record<FormName, number>;
  events: number;
  files: number;
}

/**
 * Every FORMS_EVERY-th log file of the corpus (CloudTrail/ only: no Insights, digests or check
 * file; every account and region, ~50k events of the 100k corpus: nine syncs per run), one group
 * each.
 */
export const FORMS_EVERY = 2;

async function writeForms(corpus: Corpus, dir: string): Promise<FormFiles> {
  const files = (await listFiles(corpus.dir)).filter((f) => f.path.split(path.sep).includes("CloudTrail") && f.path.endsWith(".json.gz")).filter((_, i) => i % FORMS_EVERY === 0);
  const paths: Record<FormName, string> = { records: path.join(dir, "records"), ndjson: path.join(dir, "ndjson"), zip: path.join(dir, "zip", "events.zip") };
  const bytes: Record<FormName, number> = { records: 0, ndjson: 0, zip: 0 };
  await mkdir(paths.records, { recursive: true });
  await mkdir(paths.ndjson, { recursive: true });
  await mkdir(path.dirname(paths.zip), { recursive: true });
  const members: Record<string, [Uint8Array, { level: 6 }]> = {};
  let events = 0;
  let i = 0;
  for (const f of files) {
    const doc = JSON.parse(gunzipSync(await readFile(f.path)).toString("utf8")) as { Records: unknown[] };
    events += doc.Records.length;
    const name = `part-${String(++i).padStart(5, "0")}`;
    const records = await gzipAsync(Buffer.from(JSON.stringify({ Records: doc.Records }), "utf8"), { level: 6 });
    const nd = Buffer.from(doc.Records.map((r) => JSON.stringify(r)).join("\n") + "\n", "utf8");
    const ndGz = await gzipAsync(nd, { level: 6 });
    await writeFile(path.join(paths.records, `${name}.json.gz`), records);
    await writeFile(path.join(paths.ndjson, `${name}.ndjson.gz`), ndGz);
    bytes.records += records.length;
    bytes.ndjson += ndGz.length;
    members[`${name}.ndjson`] = [nd, { level: 6 }];
  }
  const zip = zipSync(members);
  await writeFile(paths.zip, zip);
  bytes.zip = zip.length;
  return { dir, paths, bytes, events, files: files.length };
}

// ---- the stage ------------------------------------------------------------------------------------

const total = (m: Record<string, number> | undefined) => Object.values(m ?? {}).reduce((a, b) => a + b, 0);
const short = (s: string, n = 400) => (s.length > n ? s.slice(0, n) + "…" : s);

export async function benchIntegrity(reps: number, runId: string, seed = 1, folderSize = "100k"): Promise<IntegrityBenchResult> {
  const { runSync } = await load<typeof Engine>("lib/ingest/engine.ts");
  const { parseSource } = await load<typeof Sources>("lib/ingest/sources/index.ts");
  const { openDb } = await load<typeof Store>("lib/store/db.ts");
  const { migrate } = await load<typeof Migrate>("lib/store/migrate.ts");
  const { runValidateLogs, awsCliCommand } = await load<typeof ValidateLogs>("test/helpers/validate-logs.ts");
  const notes: string[] = [];

  // validate-logs' CLI, and how long it takes to start at all (part of its wall time, as for a user).
  const cli = await awsCliCommand();
  const starts: number[] = [];
  let version = "?";
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = spawnSync(cli[0], [...cli.slice(1), "--version"], { encoding: "utf8" });
    starts.push(performance.now() - t);
    version = (r.stdout + r.stderr).trim().split(/\s+/)[0] ?? "?";
  }

  log(`integrity: starting the S3 and CloudTrail peers in a child process and writing the signed corpus (${S3_CORPUS.events.toLocaleString("en-US")} events, ~${S3_CORPUS.eventsPerFile} per log file, ${S3_CORPUS.days} days)`);
  const peer = await startPeerChild();
  const info = peer.info;
  const expectDigests = info.digestFiles;
  const expectLogs = info.logFiles;
  log(`integrity: ${info.logFiles.toLocaleString("en-US")} log files + ${info.digestFiles} digests (${(info.bytes / 1048576).toFixed(1)} MB) in the bucket in ${info.generatedInSeconds.toFixed(1)} s`);

  const folderCorpus = await ensureCorpus(folderSize, seed);
  const formsDir = path.join(OUT_DIR, `integrity-forms-${runId}`);
  const undoForms = onCleanup(() => rm(formsDir, { recursive: true, force: true }));
  let forms: FormFiles | null = null;
  try {
    const t = performance.now();
    forms = await writeForms(folderCorpus, formsDir);
    log(`integrity: ${forms.events.toLocaleString("en-US")} events of the ${folderSize} corpus as Records, NDJSON and zip (${forms.files} groups) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  } catch (err) {
    notes.push(`import forms not written: ${(err as Error).message}`);
  }

  const saved: Record<string, string | undefined> = {};
  const envKeys = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_CLOUDTRAIL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_PROFILE", "AWS_SESSION_TOKEN"];
  for (const k of envKeys) saved[k] = process.env[k];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: info.s3Url,
    AWS_ENDPOINT_URL_CLOUDTRAIL: info.cloudTrailUrl,
    AWS_ACCESS_KEY_ID: "AKIDBENCHINTEGRITY",
    AWS_SECRET_ACCESS_KEY: "bench-secret",
    AWS_REGION: info.region,
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;

  const source = `s3://${info.bucket}?forcePathStyle=true&region=${info.region}`;
  const validation: ValidationRun[] = [];
  const folderRuns: AfterSyncRun[] = [];
  const formRuns: FormRun[] = [];
  const formErrors = new Set<string>();

  /** A fresh, migrated database for one measurement, dropped afterwards. */
  async function withDb<T>(tag: string, fn: (db: Store.Db) => Promise<T>): Promise<T> {
    const name = `tsbench_integrity_${runId}_${tag}`;
    const url = await createDb(name);
    try {
      await migrate(url);
      const db = openDb(url, { max: 4 });
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    } finally {
      await dropDb(name).catch(() => {});
    }
  }

  async function validateLogs(): Promise<ValidationRun["aws"]> {
    await peer.stats();
    const t = performance.now();
    const r = await runValidateLogs({
      trailArn: info.trailArn,
      s3Bucket: info.bucket,
      accountId: info.account,
      region: info.region,
      startTime: new Date(info.start),
      endTime: new Date(info.end),
      s3Endpoint: info.s3Url,
      cloudTrailEndpoint: info.cloudTrailUrl,
      verbose: false,
      killAfterMs: 600_000,
    });
    const ms = performance.now() - t;
    const gets = (await peer.stats()).getCalls;
    const d = r.totals.digests ?? { valid: 0, invalid: 0 };
    const l = r.totals.logs ?? { valid: 0, invalid: 0 };
    const files = d.valid + d.invalid + l.valid + l.invalid;
    const ok = r.exitCode === 0 && d.invalid === 0 && l.invalid === 0 && r.otherErrors.length === 0 && d.valid === expectDigests && l.valid === expectLogs;
    if (!ok) {
      throw new Error(
        `integrity: validate-logs did not find the ${expectDigests} digests and ${expectLogs} log files valid (exit ${r.exitCode}; digests ${d.valid} valid / ${d.invalid} invalid, logs ${l.valid} / ${l.invalid}):\n${short(r.stderr || r.stdout, 2000)}`,
      );
    }
    return { ms, digests: d.valid + d.invalid, logs: l.valid + l.invalid, files, ok, exitCode: r.exitCode, gets, filesPerSecond: (files * 1000) / ms };
  }

  async function readFloor(): Promise<ValidationRun["floor"]> {
    const s3 = new S3Client({
      region: info.region,
      endpoint: info.s3Url,
      forcePathStyle: true,
      credentials: { accessKeyId: "AKIDBENCHINTEGRITY", secretAccessKey: "bench-secret" },
    });
    try {
      const t = performance.now();
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const r = await s3.send(new ListObjectsV2Command({ Bucket: info.bucket, Prefix: "AWSLogs/", ContinuationToken: token }));
        for (const o of r.Contents ?? []) if (o.Key && /\/CloudTrail(-Digest)?\/.*\.json\.gz$/.test(o.Key)) keys.push(o.Key);
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
      let next = 0;
      const worker = async () => {
        while (next < keys.length) {
          const key = keys[next++];
          const r = await s3.send(new GetObjectCommand({ Bucket: info.bucket, Key: key }));
          createHash("sha256").update(gunzipSync(await r.Body!.transformToByteArray())).digest("hex");
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      const ms = performance.now() - t;
      return { ms, files: keys.length, filesPerSecond: (keys.length * 1000) / ms };
    } finally {
      s3.destroy();
    }
  }

  async function trailscope(rep: number): Promise<{ ours: ValidationRun["ours"]; sync: ValidationRun["sync"] }> {
    return withDb(`s3_${rep}`, async (db) => {
      const messages: string[] = [];
      const quiet = { log: (m: string) => void messages.push(m) };
      await peer.stats();
      let t = performance.now();
      const s = await runSync(db, parseSource(source), quiet);
      const syncWall = performance.now() - t;
      const syncGets = (await peer.stats()).getCalls;
      if (!s.ok || !s.integrity || !s.integrity.ok) {
        throw new Error(`integrity: Trailscope's sync of ${source} did not succeed or validate: ${s.error ?? s.integrityError ?? "integrity not ok"} ${short(JSON.stringify({ failures: s.failures.slice(0, 5), integrity: s.integrity && { digests: s.integrity.digests, logs: s.integrity.logs, problems: s.integrity.problems.slice(0, 5), keyErrors: s.integrity.keyErrors }, log: messages.slice(-5) }), 2000)}`);
      }
      t = performance.now();
      const v = await runSync(db, parseSource(source), { ...quiet, reread: true });
      const ms = performance.now() - t;
      const gets = (await peer.stats()).getCalls;
      const i = v.integrity;
      const digests = total(i?.digests);
      const logs = total(i?.logs);
      const ok = !!i && v.ok && i.ok && i.signaturesChecked && i.keyErrors.length === 0 && i.digests.valid === expectDigests && i.logs.valid === expectLogs && digests === expectDigests && logs === expectLogs;
      if (!ok) {
        throw new Error(`integrity: Trailscope's on-demand validation did not find the ${expectDigests} digests and ${expectLogs} log files valid: ${short(JSON.stringify({ ok: v.ok, error: v.error ?? v.integrityError, digests: i?.digests, logs: i?.logs, findings: i?.findings, signaturesChecked: i?.signaturesChecked, problems: i?.problems.slice(0, 5), keyErrors: i?.keyErrors }), 2000)}`);
      }
      return {
        ours: { ms, digests, logs, files: digests + logs, ok, gets, filesPerSecond: ((digests + logs) * 1000) / ms, rereadMs: v.elapsedMs, verifyMs: i!.elapsedMs },
        sync: { wallMs: syncWall, elapsedMs: s.elapsedMs, verifyMs: s.integrity.elapsedMs, events: s.eventsNew, gets: syncGets },
      };
    });
  }

  async function folderSync(rep: number): Promise<AfterSyncRun> {
    return withDb(`folder_${rep}`, async (db) => {
      const messages: string[] = [];
      const t = performance.now();
      const s = await runSync(db, parseSource(folderCorpus.dir), { log: (m) => void messages.push(m) });
      const wallMs = performance.now() - t;
      if (!s.ok || !s.integrity) throw new Error(`integrity: sync of the ${folderSize} folder did not succeed or validate: ${s.error ?? s.integrityError} ${short(messages.slice(-5).join("; "))}`);
      return { rep, wallMs, syncMs: s.elapsedMs, verifyMs: s.integrity.elapsedMs, events: s.eventsNew, digests: total(s.integrity.digests), logs: total(s.integrity.logs), ratio: s.integrity.elapsedMs / s.elapsedMs };
    });
  }

  async function formSync(rep: number, form: FormName, position: number): Promise<FormRun> {
    return withDb(`${form}_${rep}`, async (db) => {
      const messages: string[] = [];
      const t = performance.now();
      let run: FormRun;
      try {
        const s = await runSync(db, parseSource(forms!.paths[form]), { log: (m) => void messages.push(m) });
        const wallMs = performance.now() - t;
        const events = s.eventsNew;
        const ok = s.ok && events === forms!.events;
        let error: string | undefined;
        if (!ok) error = `${events.toLocaleString("en-US")} of ${forms!.events.toLocaleString("en-US")} events stored${s.error ? `; ${s.error}` : ""}${s.failures.length ? `; e.g. ${s.failures[0].key.slice(-40)}: ${s.failures[0].reason}` : ""}`;
        run = { rep, form, position, wallMs, syncMs: s.elapsedMs, events, ok, error, eventsPerSecond: (events * 1000) / wallMs };
      } catch (err) {
        const wallMs = performance.now() - t;
        run = { rep, form, position, wallMs, syncMs: NaN, events: 0, ok: false, error: `sync failed: ${(err as Error).message}`, eventsPerSecond: NaN };
      }
      return run;
    });
  }

  try {
    for (let rep = 1; rep <= reps; rep++) {
      const tag = `rep ${rep}/${reps}`;
      // 1 + 2 (S3): validate-logs and Trailscope, alternating which goes first.
      const awsFirst = rep % 2 === 1;
      let aws: ValidationRun["aws"];
      let ours: Awaited<ReturnType<typeof trailscope>>;
      if (awsFirst) {
        aws = await validateLogs();
        ours = await trailscope(rep);
      } else {
        ours = await trailscope(rep);
        aws = await validateLogs();
      }
      if (aws.files !== ours.ours.files) throw new Error(`integrity: validate-logs counted ${aws.files} files, Trailscope ${ours.ours.files}`);
      const floor = await readFloor();
      validation.push({ rep, first: awsFirst ? "validate-logs" : "trailscope", aws, ...ours, floor });
      log(
        `integrity ${tag}: validate-logs ${aws.files} files in ${(aws.ms / 1000).toFixed(1)} s = ${aws.filesPerSecond.toFixed(0)} files/s (${aws.gets} GETs); Trailscope on demand ${ours.ours.files} files in ${(ours.ours.ms / 1000).toFixed(1)} s = ${ours.ours.filesPerSecond.toFixed(0)} files/s (${ours.ours.gets} GETs; reading again ${(ours.ours.rereadMs / 1000).toFixed(1)} s, validating ${ours.ours.verifyMs} ms) → ${(ours.ours.filesPerSecond / aws.filesPerSecond).toFixed(2)}×; read + hash floor ${floor.files} files in ${(floor.ms / 1000).toFixed(1)} s = ${floor.filesPerSecond.toFixed(0)} files/s; after its sync (${(ours.sync.elapsedMs / 1000).toFixed(1)} s) validation took ${ours.sync.verifyMs} ms = ${((ours.sync.verifyMs / ours.sync.elapsedMs) * 100).toFixed(1)}%`,
      );

      // 2 (folder): one sync of the bench's folder corpus.
      const f = await folderSync(rep);
      folderRuns.push(f);
      log(`integrity ${tag}: ${folderSize} folder sync ${(f.syncMs / 1000).toFixed(1)} s, then validation from the store (${f.digests.toLocaleString("en-US")} digests, ${f.logs.toLocaleString("en-US")} log files) ${f.verifyMs} ms = ${(f.ratio * 100).toFixed(1)}%`);

      // 3: the forms, the order rotating.
      if (forms) {
        const order = FORMS.map((_, k) => FORMS[(k + rep - 1) % FORMS.length]);
        for (const [k, form] of order.entries()) {
          const r = await formSync(rep, form, k + 1);
          formRuns.push(r);
          if (r.error) formErrors.add(`${form}: ${r.error}`);
          log(`integrity ${tag}: ${form} ${r.events.toLocaleString("en-US")} events in ${(r.wallMs / 1000).toFixed(1)} s = ${Number.isFinite(r.eventsPerSecond) ? Math.round(r.eventsPerSecond).toLocaleString("en-US") : "–"}/s${r.error ? ` — ${r.error}` : ""}`);
        }
      }
    }
  } finally {
    for (const k of envKeys) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await peer.close();
    await rm(formsDir, { recursive: true, force: true });
    undoForms();
  }

  const awsFps = median(validation.map((v) => v.aws.filesPerSecond));
  const oursFps = median(validation.map((v) => v.ours.filesPerSecond));
  let formsResult: IntegrityBenchResult["forms"] = null;
  if (forms) {
    const eps = {} as Record<FormName, number>;
    const ratio = {} as Record<FormName, number>;
    // A form's events/s only from runs that stored every event (a half import is no rate).
    for (const form of FORMS) eps[form] = median(formRuns.filter((r) => r.form === form && r.ok).map((r) => r.eventsPerSecond));
    for (const form of FORMS) ratio[form] = eps[form] / eps.records;
    const paired = {} as Record<FormName, number>;
    for (const form of FORMS) {
      const per: number[] = [];
      for (let rep = 1; rep <= reps; rep++) {
        const a = formRuns.find((r) => r.rep === rep && r.form === form && r.ok);
        const b = formRuns.find((r) => r.rep === rep && r.form === "records" && r.ok);
        if (a && b) per.push(a.eventsPerSecond / b.eventsPerSecond);
      }
      paired[form] = median(per);
    }
    const rec = formRuns.filter((r) => r.form === "records" && r.ok).map((r) => r.eventsPerSecond);
    formsResult = {
      events: forms.events,
      files: forms.files,
      bytes: forms.bytes,
      runs: formRuns,
      eventsPerSecond: eps,
      ratio,
      pairedRatio: paired,
      recordsSpread: rec.length > 1 ? (Math.max(...rec) - Math.min(...rec)) / median(rec) : NaN,
      errors: [...formErrors],
    };
  }
  const { s3Url: _s3, cloudTrailUrl: _ct, ...corpusInfo } = info;
  void _s3;
  void _ct;
  return {
    reps,
    peer: "S3 and CloudTrail peers (test/peers) in a child process: validate-logs (another process) and Trailscope (this process) both reach them over loopback HTTP",
    s3Corpus: { ...corpusInfo, eventsPerFile: S3_CORPUS.eventsPerFile, days: S3_CORPUS.days },
    awsCli: { version, startupMs: median(starts) },
    validation,
    awsFilesPerSecond: awsFps,
    oursFilesPerSecond: oursFps,
    validationRatio: oursFps / awsFps,
    floorFilesPerSecond: median(validation.map((v) => v.floor.filesPerSecond)),
    afterSyncS3Ratio: median(validation.map((v) => v.sync.verifyMs / v.sync.elapsedMs)),
    folder: folderRuns.length
      ? {
          size: folderSize,
          events: folderRuns[0].events,
          files: folderCorpus.result.files,
          digests: folderRuns[0].digests,
          logs: folderRuns[0].logs,
          runs: folderRuns,
          ratio: median(folderRuns.map((r) => r.ratio)),
        }
      : null,
    forms: formsResult,
    notes,
  };
}

// Forked as the peers' process (see startPeerChild).
if (process.env[PEER_CHILD_ENV] === "1" && typeof process.send === "function") {
  peerChild().catch((err) => {
    process.stderr.write(`integrity peer child failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}

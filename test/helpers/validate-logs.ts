// Runs AWS's own log file integrity validator, `aws cloudtrail validate-logs` (awscli 1.x, the
// machine's python), against the wire-level peers, and parses its verdicts file by file; plus a
// model of its algorithm (awscli/customizations/cloudtrail/validation.py) applied to an
// integrity corpus' ground truth, which says which verdict it must give for each file.
//
// What validate-logs does (read from validation.py, confirmed against the peers):
// - With --s3-bucket it calls only S3 GetBucketLocation, ListObjects v1 (Prefix
//   AWSLogs/<acct>/CloudTrail-Digest/<region>, Marker = the digest key start-time − 1 min would
//   have), GetObject (digest metadata `signature` / `signature-algorithm`; log files), and
//   CloudTrail ListPublicKeys(start, end + 2 h) once. Without --s3-bucket it first calls
//   DescribeTrails to find the bucket and prefix.
// - It keeps the listed digest keys whose file-name timestamp lies in [start, end + 1 h], starts at
//   the newest and walks back through previousDigestS3Object. A digest that is missing, invalid or
//   has no previous digest (chain start/restart) sends it back to the listing: the next older
//   listed key. So a deleted digest is reported ("not found") only when a valid newer digest
//   points at it; a digest that nothing valid points at and that is not listed goes unmentioned.
// - Only valid digests' log files are fetched and hashed (SHA-256 of the gunzipped bytes); the log
//   files of an invalid or missing digest are not mentioned at all. previousDigestHashValue is
//   never checked (only the signature, which covers previousDigestSignature).
// - Output: valid files on stdout (with --verbose), INVALID lines and gap notices on stderr;
//   tab-separated `Digest file|Log file`, `s3://bucket/key`, verdict. Exit 1 if anything is invalid.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { IntegrityCorpus } from "./integrity-corpus";

/** "valid" or "INVALID: <reason>", exactly as validate-logs prints it. */
export type Verdict = string;

export interface ValidateLogsOptions {
  /** arn:aws:cloudtrail:<home region>:<account>:trail/<name> */
  trailArn: string;
  startTime: Date | string;
  endTime?: Date | string;
  /** --region: the source region whose digests are validated (also ListPublicKeys' region). */
  region: string;
  /** --s3-bucket; leave out to make validate-logs find it through DescribeTrails. */
  s3Bucket?: string;
  s3Prefix?: string;
  accountId?: string;
  /** AWS_ENDPOINT_URL_S3 (path-style addressing is configured). */
  s3Endpoint: string;
  /** AWS_ENDPOINT_URL_CLOUDTRAIL */
  cloudTrailEndpoint: string;
  /** --verbose (lists valid files too). Default true. */
  verbose?: boolean;
  /** How to run the CLI. Default: `aws` from PATH, else `python3 -m awscli`. */
  command?: string[];
  /** Kill the CLI if it has not exited after this long: a guard against hangs, not a budget. Default 300 s. */
  killAfterMs?: number;
}

export interface ValidateLogsTotals {
  valid: number;
  invalid: number;
}

export interface ParsedValidateLogs {
  /** "s3://bucket/key" → verdict, for (non-backfill) digest files. */
  digests: Map<string, Verdict>;
  backfillDigests: Map<string, Verdict>;
  logs: Map<string, Verdict>;
  /** "No log files were delivered by CloudTrail between <from> and <to>" notices (chain starts). */
  gaps: Array<{ from: string; to: string }>;
  /** The summary's counts, when printed. */
  totals: { digests?: ValidateLogsTotals; backfillDigests?: ValidateLogsTotals; logs?: ValidateLogsTotals };
  /** Lines naming a file a second time (validate-logs should never print them). */
  duplicates: string[];
  /** Lines on stderr that are none of the above (errors, tracebacks). */
  otherErrors: string[];
}

export interface ValidateLogsResult extends ParsedValidateLogs {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout then stderr. */
  raw: string;
  /** The full command line run. */
  argv: string[];
}

/** validate-logs' own date format: 2026-11-16T00:00:00Z */
export function cliDate(d: Date | string): string {
  if (typeof d === "string") return d;
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

const FILE_LINE = /^(\(backfill\) )?(Digest file|Log file)\t(s3:\/\/[^\t]+)\t(.+)$/;
const GAP_LINE = /^(?:\(backfill\) )?No log files were delivered by CloudTrail between (\S+) and (\S+)$/;
const RATIO_LINE = /^(\d+)\/(\d+) (digest|backfill digest|log) files valid(?:, (\d+)\/\d+ (?:digest|backfill digest|log) files INVALID)?$/;

/** Parses validate-logs' stdout and stderr into verdicts per file. */
export function parseValidateLogsOutput(stdout: string, stderr: string): ParsedValidateLogs {
  const out: ParsedValidateLogs = { digests: new Map(), backfillDigests: new Map(), logs: new Map(), gaps: [], totals: {}, duplicates: [], otherErrors: [] };
  const consider = (line: string, fromStderr: boolean) => {
    line = line.replace(/\r$/, "");
    if (!line.trim()) return;
    const f = FILE_LINE.exec(line);
    if (f) {
      const map = f[2] === "Log file" ? out.logs : f[1] ? out.backfillDigests : out.digests;
      if (map.has(f[3])) out.duplicates.push(line);
      else map.set(f[3], f[4]);
      return;
    }
    const g = GAP_LINE.exec(line);
    if (g) {
      out.gaps.push({ from: g[1], to: g[2] });
      return;
    }
    const r = RATIO_LINE.exec(line);
    if (r) {
      const t = { valid: Number(r[1]), invalid: r[4] ? Number(r[4]) : 0 };
      if (r[3] === "digest") out.totals.digests = t;
      else if (r[3] === "log") out.totals.logs = t;
      else out.totals.backfillDigests = t;
      return;
    }
    if (fromStderr) out.otherErrors.push(line);
  };
  for (const line of stdout.split("\n")) consider(line, false);
  for (const line of stderr.split("\n")) consider(line, true);
  return out;
}

let resolvedCli: Promise<string[]> | undefined;

/** `aws` if it runs, else `python3 -m awscli` (checked once per process). */
export function awsCliCommand(): Promise<string[]> {
  resolvedCli ??= (async () => {
    for (const cmd of [["aws"], ["python3", "-m", "awscli"]]) {
      const r = await run(cmd[0], [...cmd.slice(1), "--version"], process.env, 60_000).catch(() => null);
      if (r && r.code === 0 && /aws-cli\//.test(r.stdout + r.stderr)) return cmd;
    }
    throw new Error("validate-logs: neither `aws` nor `python3 -m awscli` runs here");
  })();
  return resolvedCli;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, killAfterMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Asynchronous on purpose: the peers answering the CLI run on this process' event loop.
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const guard = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("error", (e) => {
      clearTimeout(guard);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
  });
}

/** The CLI's environment: dummy credentials, the peers' endpoints, no profile, no proxy. */
function cliEnv(o: ValidateLogsOptions, configFile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^AWS_/i.test(k) || /^(https?|all|no)_proxy$/i.test(k)) delete env[k];
  }
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: "AKIDVALIDATELOGS",
    AWS_SECRET_ACCESS_KEY: "not-a-secret",
    AWS_CONFIG_FILE: configFile,
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ENDPOINT_URL_S3: o.s3Endpoint,
    AWS_ENDPOINT_URL_CLOUDTRAIL: o.cloudTrailEndpoint,
    AWS_PAGER: "",
    NO_PROXY: "*",
    no_proxy: "*",
    PYTHONIOENCODING: "utf-8",
  });
  return env;
}

/** Builds the validate-logs argument list (without the command). */
export function validateLogsArgs(o: ValidateLogsOptions): string[] {
  const args = ["cloudtrail", "validate-logs", "--trail-arn", o.trailArn, "--start-time", cliDate(o.startTime)];
  if (o.endTime !== undefined) args.push("--end-time", cliDate(o.endTime));
  if (o.s3Bucket !== undefined) args.push("--s3-bucket", o.s3Bucket);
  if (o.s3Prefix !== undefined) args.push("--s3-prefix", o.s3Prefix);
  if (o.accountId !== undefined) args.push("--account-id", o.accountId);
  args.push("--region", o.region);
  if (o.verbose ?? true) args.push("--verbose");
  return args;
}

/** Runs `aws cloudtrail validate-logs` against the peers and parses what it says. */
export async function runValidateLogs(o: ValidateLogsOptions): Promise<ValidateLogsResult> {
  const command = o.command ?? (await awsCliCommand());
  const tmp = await mkdtemp(path.join(tmpdir(), "trailscope-awscli-"));
  try {
    // Path-style S3 requests: the peer is an IP address, so no bucket-name hosts. (There is no
    // AWS_S3_ADDRESSING_STYLE variable; the config file's s3.addressing_style is the way.)
    const configFile = path.join(tmp, "config");
    await writeFile(configFile, "[default]\ns3 =\n    addressing_style = path\n");
    const args = validateLogsArgs(o);
    const r = await run(command[0], [...command.slice(1), ...args], cliEnv(o, configFile), o.killAfterMs ?? 300_000);
    return {
      ...parseValidateLogsOutput(r.stdout, r.stderr),
      exitCode: r.code,
      signal: r.signal,
      stdout: r.stdout,
      stderr: r.stderr,
      raw: r.stdout + r.stderr,
      argv: [...command, ...args],
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The model: what validate-logs must report for an integrity corpus

export interface PredictedValidateLogs {
  digests: Map<string, Verdict>;
  logs: Map<string, Verdict>;
  gaps: Array<{ from: string; to: string }>;
}

const HOUR = 3_600_000;
const MIN = 60_000;

function keyStamp(key: string): string {
  return key.endsWith("_backfill.json.gz") ? key.slice(-33, -17) : key.slice(-24, -8);
}

function stampOf(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

function stampToDisplay(stamp: string): string {
  return `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`;
}

/**
 * validation.py's traversal (DigestProvider.load_all_digest_keys_in_range, DigestTraverser.
 * _traverse_digest_chain / _find_next_digest / _get_last_digest / _load_and_validate_digest)
 * replayed on the corpus' ground truth instead of the bytes: which verdict validate-logs gives
 * each file, for the run validateLogsOptionsFor(c) describes (or another time range).
 */
export function predictValidateLogs(c: IntegrityCorpus, range: { start: Date; end: Date } = { start: c.start, end: c.end }): PredictedValidateLogs {
  const uri = (key: string) => `s3://${c.bucket}/${key}`;
  // What the bucket holds under each digest key now.
  const at = new Map<string, (typeof c.digests)[number]>();
  for (const d of c.digests) {
    if (d.state === "deleted") continue;
    at.set(d.state === "moved" ? d.movedTo! : d.key, d);
  }
  const logState = new Map(c.logs.map((l) => [l.key, l.state]));

  // The listing: byte order after the marker, under the region's digest prefix, same trail only,
  // stopping at the first key past end + 1 h.
  const pre = c.prefix ? c.prefix.replace(/\/?$/, "/") : "";
  const folder = `${pre}AWSLogs/${c.account}/CloudTrail-Digest/${c.region}`;
  const homeRegion = c.trailArn.split(":")[3];
  const markerMs = range.start.getTime() - MIN;
  const markerDay = new Date(markerMs).toISOString().slice(0, 10).replace(/-/g, "/");
  const marker = `${folder}/${markerDay}/${c.account}_CloudTrail-Digest_${c.region}_${c.trailName}_${homeRegion}_${stampOf(markerMs)}.json.gz`;
  const startStamp = stampOf(range.start.getTime());
  const endStamp = stampOf(range.end.getTime() + HOUR);
  const keyRe = new RegExp(`^${escapeRe(folder)}/\\d+/\\d+/\\d+/${escapeRe(`${c.account}_CloudTrail-Digest_${c.region}_${c.trailName}_${homeRegion}_`)}.+(?:_backfill)?\\.json\\.gz$`);
  const listing: string[] = [];
  for (const key of [...at.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))) {
    if (Buffer.compare(Buffer.from(key), Buffer.from(marker)) <= 0 || !key.startsWith(folder) || !keyRe.test(key)) continue;
    const s = keyStamp(key);
    if (s > endStamp) break;
    if (s < startStamp) continue;
    listing.push(key);
  }

  const out: PredictedValidateLogs = { digests: new Map(), logs: new Map(), gaps: [] };
  const nextBefore = (beforeKey: string): string | undefined => {
    const before = keyStamp(beforeKey);
    while (listing.length) {
      const k = listing.pop()!;
      if (keyStamp(k) < before) return k;
    }
    return undefined;
  };
  let key = listing.pop();
  let lastStart = key ? stampToDisplay(keyStamp(key)) : "";
  const startIso = stampToDisplay(startStamp);
  while (key && startIso <= lastStart) {
    const d = at.get(key);
    if (!d) {
      out.digests.set(uri(key), "INVALID: not found");
      key = nextBefore(key);
      continue;
    }
    let error: string | undefined;
    if (d.state === "moved") error = "has been moved from its original location";
    else if (d.state === "unknown-key") error = `public key not found in region ${homeRegion} for fingerprint ${d.fingerprint}`;
    else if (d.state === "modified") error = "signature verification failed";
    if (error) {
      out.digests.set(uri(key), `INVALID: ${error}`);
      key = nextBefore(key);
      continue;
    }
    lastStart = d.digestStartTime;
    out.digests.set(uri(key), "valid");
    for (const log of d.logFiles) {
      const s = logState.get(log);
      out.logs.set(uri(log), s === "deleted" ? "INVALID: not found" : s === "modified" ? "INVALID: hash value doesn't match" : "valid");
    }
    if (d.previousKey === null) {
      const next = nextBefore(key);
      if (next) out.gaps.push({ from: stampToDisplay(keyStamp(next)), to: d.digestStartTime });
      key = next;
    } else {
      key = d.previousKey;
    }
  }
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
}

// Renders results: a compact table for stdout and BENCHMARKS.md (every figure with its peer ratio,
// the targets met or the gap stated). BENCHMARKS.md's "Findings" section is written by people and
// kept across runs (between the findings markers).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import path from "node:path";
import { version as duckVersion } from "@duckdb/node-api";
import type { AccessResult } from "./access";
import type { InvestigationResult } from "./investigation";
import type { ExportResult } from "./export";
import type { IngestResult } from "./ingest";
import { FORMS, FORMS_EVERY, type FormName, type IntegrityBenchResult } from "./integrity";
import type { LookupResult } from "./lookup";
import { cpuPerMillion, type StoreFloorRun } from "./store-floor";
import { serverInfo } from "./pg";
import type { QueriesResult, QueryStat } from "./queries";
import { buildId } from "./server";
import { fmtInt, fmtMs, fmtPct, fmtRatio, median } from "./stats";

const ROOT = path.resolve(import.meta.dirname, "..");

export interface BenchResults {
  runId: string;
  startedAt: string;
  finishedAt: string;
  machine: Record<string, string>;
  sizes: string[];
  stages: string[];
  corpora: { size: string; events: number; files: number; logFiles: number; gzBytes: number; generatedInSeconds: number; reused: boolean }[];
  ingest: IngestResult[];
  lookup: LookupResult | null;
  queries: QueriesResult[];
  export: ExportResult[];
  /** Stage "access" (absent from results written before it existed). */
  access?: AccessResult[];
  /** Stage "investigation" (issue 22; absent from results written before it existed). */
  investigation?: InvestigationResult[];
  /** Stage "integrity" (issue 21; absent from results written before it existed). */
  integrity?: IntegrityBenchResult | null;
}

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return "?";
  }
}

export async function machineInfo(head: { commit: string } | null): Promise<Record<string, string>> {
  const pgInfo = await serverInfo().catch(() => ({}) as Record<string, string>);
  // -z: NUL-separated "XY path" entries, untouched by git()'s trim (which ate the first entry's
  // leading status blank and so a letter of its path).
  const dirtyFiles = git(["status", "--porcelain", "-z", "--untracked-files=no"])
    .split("\0")
    .map((l) => l.replace(/^[ MADRCU?!]{1,2} /, ""))
    .filter(Boolean);
  let next = "?";
  try {
    next = (JSON.parse(readFileSync(path.join(ROOT, "node_modules/next/package.json"), "utf8")) as { version: string }).version;
  } catch {
    /* ignore */
  }
  let load = "?";
  try {
    load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    /* ignore */
  }
  return {
    commit: head
      ? `${head.commit} (committed HEAD, clean copy)`
      : git(["rev-parse", "--short", "HEAD"]) + (dirtyFiles.length ? ` + uncommitted changes to ${dirtyFiles.join(", ")}` : ""),
    cpu: `${cpus()[0]?.model ?? "?"} × ${cpus().length}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    next,
    nextBuild: buildId(),
    duckdb: duckVersion(),
    postgres: pgInfo.version ?? "?",
    pgSettings: Object.entries(pgInfo)
      .filter(([k]) => k !== "version")
      .map(([k, v]) => `${k}=${v}`)
      .join(", "),
    loadAtStart: load,
  };
}

const perMillion = (runs: StoreFloorRun[] = []) => median(runs.map(cpuPerMillion));

// ---- targets ------------------------------------------------------------------------------------

interface Verdict {
  target: string;
  measured: string;
  met: boolean | null;
  gap: string;
}

const largest = <T extends { size: string }>(xs: T[]): T | undefined => {
  const order = ["100k", "1m", "10m"];
  return [...xs].sort((a, b) => order.indexOf(b.size) - order.indexOf(a.size))[0];
};

const sizeLabel = (s: string) => ({ "100k": "100k", "1m": "1M", "10m": "10M" })[s] ?? s;

/** The CPU budget a rate allows on this machine, and how much of it PostgreSQL alone takes to
 * store the rows (bench/store-floor.ts, no index at all): why an ingest target is out of reach. */
function storeShare(i: IngestResult, eps: number): string {
  const bare = perMillion(i.floorBare);
  if (!Number.isFinite(bare)) return "";
  const budget = (i.threads * 1e6) / eps;
  return `; budget ${budget.toFixed(0)} CPU-s per 1M events on ${i.threads} cores, of which PostgreSQL storing the rows with no index at all takes ${bare.toFixed(0)} (${fmtPct(bare / budget)})`;
}

function verdicts(r: BenchResults): Verdict[] {
  const out: Verdict[] = [];
  for (const i of r.ingest) {
    out.push({
      target: `Folder ingest ≥ 50,000 events/s (${sizeLabel(i.size)})`,
      measured: `${fmtInt(i.oursEps)} events/s`,
      met: i.oursEps >= 50_000,
      gap: i.oursEps >= 50_000 ? "" : `${fmtInt(50_000 - i.oursEps)} events/s short (needs ${fmtRatio(50_000 / i.oursEps)})${storeShare(i, 50_000)}`,
    });
    const frac = i.oursEps / i.decodeNEps;
    out.push({
      target: `Folder ingest ≥ 50% of the decode limit (${sizeLabel(i.size)}; limit = ${i.threads}-thread gunzip + JSON.parse)`,
      measured: `${fmtPct(frac)} of ${fmtInt(i.decodeNEps)} events/s`,
      met: frac >= 0.5,
      gap: frac >= 0.5 ? "" : `${fmtPct(0.5 - frac)} points short (${fmtInt(0.5 * i.decodeNEps - i.oursEps)} events/s)${storeShare(i, 0.5 * i.decodeNEps)}`,
    });
  }
  if (r.lookup) {
    const l = r.lookup;
    out.push({
      target: "LookupEvents ≥ 95 events/s sustained (cap 100/s)",
      measured: `${l.eventsPerSecond.toFixed(1)} events/s (${fmtPct(l.eventsPerSecond / l.cap)} of cap)`,
      met: l.eventsPerSecond >= 95,
      gap: l.eventsPerSecond >= 95 ? "" : `${(95 - l.eventsPerSecond).toFixed(1)} events/s short`,
    });
    out.push({
      target: "LookupEvents: zero failed requests",
      measured: `${l.failed} failed (${l.throttled} throttled) over ${l.runs.reduce((a, x) => a + x.requests, 0)} requests`,
      met: l.failed === 0,
      gap: l.failed === 0 ? "" : `${l.failed} requests failed`,
    });
  }
  const q = largest(r.queries);
  if (q) {
    const at = q.size === "10m" ? "at 10M" : `at ${sizeLabel(q.size)} (10M not run in this run; the target is for 10M)`;
    const ok = (s: QueryStat) => s.runs > 0;
    const filt = q.stats.filter((s) => s.target === "filter" && ok(s));
    const worstF = filt.reduce<QueryStat | null>((a, s) => (!a || s.p95 > a.p95 ? s : a), null);
    if (worstF) {
      const met = filt.every((s) => s.p95 < 150);
      out.push({
        target: `Filters, first page p95 < 150 ms ${at}`,
        measured: `worst: ${worstF.name} ${fmtMs(worstF.p95)}; ${filt.filter((s) => s.p95 < 150).length}/${filt.length} under`,
        met,
        gap: met ? "" : filt.filter((s) => s.p95 >= 150).map((s) => `${s.name} ${fmtMs(s.p95)} (${fmtRatio(s.p95 / 150)} the target)`).join("; "),
      });
    }
    const text = q.stats.find((s) => s.target === "text" && ok(s));
    if (text) {
      out.push({
        target: `Free text p95 < 500 ms ${at}`,
        measured: fmtMs(text.p95),
        met: text.p95 < 500,
        gap: text.p95 < 500 ? "" : `${fmtMs(text.p95 - 500)} over (${fmtRatio(text.p95 / 500)} the target)`,
      });
    }
    for (const a of q.stats.filter((s) => s.target === "agg")) {
      out.push({
        target: `${a.name} < 500 ms ${at}`,
        measured: ok(a) ? `p95 ${fmtMs(a.p95)}${a.via.startsWith("lib") ? " (SQL via lib; no route yet)" : ""}` : a.note || "not measured",
        met: ok(a) ? a.p95 < 500 : null,
        gap: !ok(a) ? "not yet available" : a.p95 < 500 ? "" : `${fmtMs(a.p95 - 500)} over (${fmtRatio(a.p95 / 500)} the target)`,
      });
    }
    // The same targets for a user scoped to one account (issue 20: they "still hold").
    const sc = (s: QueryStat) => (s.scopedRuns ?? 0) > 0;
    const acct = q.values.scopedAccount;
    const sFilt = q.stats.filter((s) => s.target === "filter" && sc(s));
    if (sFilt.length) {
      const worst = sFilt.reduce((a, s) => (s.scopedP95! > a.scopedP95! ? s : a));
      const met = sFilt.every((s) => s.scopedP95! < 150);
      out.push({
        target: `Scoped to one account (${acct}): filters, first page p95 < 150 ms ${at}`,
        measured: `worst: ${worst.name} ${fmtMs(worst.scopedP95!)}; ${sFilt.filter((s) => s.scopedP95! < 150).length}/${sFilt.length} under`,
        met,
        gap: met ? "" : sFilt.filter((s) => s.scopedP95! >= 150).map((s) => `${s.name} ${fmtMs(s.scopedP95!)} (${fmtRatio(s.scopedP95! / 150)} the target)`).join("; "),
      });
    }
    for (const s of q.stats.filter((x) => (x.target === "text" || x.target === "agg") && sc(x))) {
      const limit = 500;
      out.push({
        target: `Scoped to one account: ${s.name} p95 < ${limit} ms ${at}`,
        measured: `${fmtMs(s.scopedP95!)} (unscoped ${fmtMs(s.p95)}, ${fmtRatio(s.scopedRatioP95!)})`,
        met: s.scopedP95! < limit,
        gap: s.scopedP95! < limit ? "" : `${fmtMs(s.scopedP95! - limit)} over (${fmtRatio(s.scopedP95! / limit)} the target)`,
      });
    }
    const measured = q.stats.filter(ok);
    const slower = measured.filter((s) => s.ratioP95 > 1);
    out.push({
      target: `No query slower than DuckDB on the same data ${at} (p95)`,
      measured: `${measured.length - slower.length}/${measured.length} at or below DuckDB`,
      met: slower.length === 0,
      gap: slower.map((s) => `${s.name} ${fmtRatio(s.ratioP95)}`).join("; "),
    });
  }
  const a = largest(r.access ?? []);
  if (a) {
    const worst = a.auth.reduce((x, y) => (y.guardP95 > x.guardP95 ? y : x));
    // Judged on every row: a credential's first request (checked against the database) as well as
    // its repeats (remembered for a few seconds).
    out.push({
      target: `Sign-in and role checks add < 5 ms p95 to an API request (${sizeLabel(a.size)}; resolveAccess + accessQuery in process, ${worst.runs} calls per credential and phase)`,
      measured: a.auth.map((x) => `${x.name} ${fmtMs(x.guardP95)}`).join(", "),
      met: a.auth.every((x) => x.guardP95 < 5),
      gap: a.auth.filter((x) => x.guardP95 >= 5).map((x) => `${x.name} ${fmtMs(x.guardP95 - 5)} over`).join("; "),
    });
    const slow = a.share.filter((x) => x.ratioP95 > SHARE_TOLERANCE);
    out.push({
      target: `A share link's view is as fast as the same view signed in (${sizeLabel(a.size)}; p95 ratio ≤ ${SHARE_TOLERANCE} per item)`,
      measured: `worst: ${a.share.reduce((x, y) => (y.ratioP95 > x.ratioP95 ? y : x)).item} ${fmtRatio(Math.max(...a.share.map((x) => x.ratioP95)))}; ${a.share.length - slow.length}/${a.share.length} within`,
      met: slow.length === 0,
      gap: slow.map((x) => `${x.view} / ${x.item} ${fmtRatio(x.ratioP95)}`).join("; "),
    });
  }
  const inv = largest(r.investigation ?? []);
  if (inv) {
    const d = inv.detections;
    out.push({
      target: `The detections page (all ${d.count} built-ins, counts and 30-day sparklines) < 1 s (${sizeLabel(inv.size)}; target at 10M)`,
      measured: `p95 ${fmtMs(d.p95)} (p50 ${fmtMs(d.p50)}; scoped to one account p95 ${fmtMs(d.scopedP95)}; every detection live p50 ${fmtMs(d.liveP50)}; the range's plain count p50 ${fmtMs(d.rangeCountP50)}, ${fmtRatio(d.p50 / d.rangeCountP50)}); its counts caught up after the sync in ${fmtMs(d.rollupAfterSyncMs)}`,
      met: Math.max(d.p95, d.scopedP95) < 1000,
      gap: Math.max(d.p95, d.scopedP95) < 1000 ? "" : `${fmtMs(Math.max(d.p95, d.scopedP95) - 1000)} over`,
    });
    const a = inv.alerts;
    out.push({
      target: `Alert evaluation after a sync of 100k events < 2 s (${sizeLabel(inv.size)}; ${a.watches} watches over the newest ${fmtInt(a.stored)} stored)`,
      measured: `p50 ${fmtMs(a.p50)} (one count of those events p50 ${fmtMs(a.countP50)}, ${fmtRatio(a.p50 / a.countP50)})`,
      met: a.p50 < 2000,
      gap: a.p50 < 2000 ? "" : `${fmtMs(a.p50 - 2000)} over`,
    });
  }
  if (r.integrity) out.push(...integrityVerdicts(r.integrity));
  const e1 = r.export.find((e) => e.size === "1m");
  if (e1) {
    out.push({
      target: "CSV export of 1M rows < 20 s",
      measured: `${e1.seconds.toFixed(1)} s`,
      met: e1.seconds < 20,
      gap: e1.seconds < 20 ? "" : `${(e1.seconds - 20).toFixed(1)} s over`,
    });
  }
  if (r.export.length) {
    const worst = r.export.reduce((a, e) => (e.peakRssMB > a.peakRssMB ? e : a));
    out.push({
      target: "Export: server peak RSS < 300 MB at any size",
      measured: r.export.map((e) => `${sizeLabel(e.size)}: ${e.peakRssMB.toFixed(0)} MB`).join(", "),
      met: worst.peakRssMB < 300,
      gap: worst.peakRssMB < 300 ? "" : `${(worst.peakRssMB - 300).toFixed(0)} MB over at ${sizeLabel(worst.size)}`,
    });
  }
  return out;
}

/**
 * "As fast as": share p95 within this factor of the signed-in p95 of the same run. The two run the
 * same SQL, so what is left is noise on a shared machine; 1.25 allows for it.
 */
const SHARE_TOLERANCE = 1.25;

const mark = (m: boolean | null) => (m === null ? "n/a" : m ? "met" : "NOT MET");

// ---- integrity (issue 21) -------------------------------------------------------------------------

const INTEGRITY_SPEEDUP = 2;
const AFTER_SYNC_SHARE = 0.1;
const FORM_LABEL: Record<FormName, string> = { records: "Records folder", ndjson: "NDJSON folder", zip: "zip of NDJSON" };
/** A percentage with one decimal (validation's share of a sync is a few percent). */
const pct1 = (x: number) => (Number.isFinite(x) ? (x * 100).toFixed(1) + "%" : "–");
const secs = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(1) : "–");

function integrityVerdicts(ig: IntegrityBenchResult): Verdict[] {
  const out: Verdict[] = [];
  const v0 = ig.validation[0];
  const ratio = ig.validationRatio;
  out.push({
    target: `On-demand validation (\`npm run verify\`'s runSync reread) ≥ ${INTEGRITY_SPEEDUP}× \`aws cloudtrail validate-logs\`' files/s (same ${fmtInt(v0?.aws.files ?? NaN)} files in the S3 peer: ${fmtInt(v0?.aws.digests ?? NaN)} signed digests + ${fmtInt(v0?.aws.logs ?? NaN)} log files, all valid on both sides)`,
    measured: `${fmtInt(ig.oursFilesPerSecond)} vs ${fmtInt(ig.awsFilesPerSecond)} files/s = ${fmtRatio(ratio)}`,
    met: ratio >= INTEGRITY_SPEEDUP,
    gap: ratio >= INTEGRITY_SPEEDUP ? "" : `${fmtInt(INTEGRITY_SPEEDUP * ig.awsFilesPerSecond - ig.oursFilesPerSecond)} files/s short (needs to be ${fmtRatio(INTEGRITY_SPEEDUP / ratio)} as fast); of Trailscope's time, reading every object again (hash, decode, store nothing new) ${pct1(median(ig.validation.map((x) => x.ours.rereadMs / x.ours.ms)))}, the validation itself ${pct1(median(ig.validation.map((x) => x.ours.verifyMs / x.ours.ms)))}${Number.isFinite(ig.floorFilesPerSecond) ? `; fetching and hashing every file alone (the floor) runs at ${fmtInt(ig.floorFilesPerSecond)} files/s = ${fmtRatio(ig.floorFilesPerSecond / ig.awsFilesPerSecond)} validate-logs` : ""}`,
  });
  const afterSync = (what: string, share: number, verifyMs: number, syncMs: number) =>
    out.push({
      target: `Validation after a sync adds ≤ ${fmtPct(AFTER_SYNC_SHARE)} to the sync's time (${what})`,
      measured: `${pct1(share)} (median; ${fmtMs(verifyMs)} after a ${secs(syncMs)} s sync)`,
      met: share <= AFTER_SYNC_SHARE,
      gap: share <= AFTER_SYNC_SHARE ? "" : `${pct1(share - AFTER_SYNC_SHARE)} points over`,
    });
  afterSync(
    `S3, ${fmtInt(ig.s3Corpus.events)} events, signed digests`,
    ig.afterSyncS3Ratio,
    median(ig.validation.map((x) => x.sync.verifyMs)),
    median(ig.validation.map((x) => x.sync.elapsedMs)),
  );
  if (ig.folder) {
    const f = ig.folder;
    afterSync(`${sizeLabel(f.size)} folder corpus, unsigned digests: hashes + chain`, f.ratio, median(f.runs.map((x) => x.verifyMs)), median(f.runs.map((x) => x.syncMs)));
  }
  if (ig.forms) {
    const fm = ig.forms;
    for (const form of ["ndjson", "zip"] as const) {
      const x = fm.ratio[form];
      const err = fm.errors.find((e) => e.startsWith(`${form}:`));
      let gap = "";
      if (!Number.isFinite(x)) gap = `does not import${err ? ` (${err.slice(form.length + 2)})` : ""}`;
      else if (x < 1) {
        const short = 1 - x;
        gap =
          x >= 0.9 && short <= fm.recordsSpread
            ? `${pct1(short)} below — within noise (the Records folder's own repetitions spread ${pct1(fm.recordsSpread)})`
            : `${pct1(short)} below${Number.isFinite(fm.recordsSpread) ? ` (the Records folder's own repetitions spread ${pct1(fm.recordsSpread)})` : ""}`;
      }
      if (err && Number.isFinite(x)) gap = [gap, err].filter(Boolean).join("; ");
      // The medians of each form and the median of the per-repetition ratios disagree: say so.
      const p = fm.pairedRatio?.[form];
      if (Number.isFinite(x) && p !== undefined && Number.isFinite(p) && x >= 1 !== p >= 1) {
        gap = [gap, `inconclusive: within each repetition the median is ${fmtRatio(p)}${Number.isFinite(fm.recordsSpread) ? ` (the Records folder's own repetitions spread ${pct1(fm.recordsSpread)})` : ""}`].filter(Boolean).join("; ");
      }
      out.push({
        target: `${form === "ndjson" ? "NDJSON" : "zip"} import at the Records folder's events/s (≥ 1.0×; the same ${fmtInt(fm.events)} events)`,
        measured: `${fmtInt(fm.eventsPerSecond[form])} vs ${fmtInt(fm.eventsPerSecond.records)} events/s = ${fmtRatio(x)}${fm.pairedRatio ? ` (within each repetition: median ${fmtRatio(fm.pairedRatio[form])})` : ""}`,
        met: Number.isFinite(x) && x >= 1 && !err,
        gap,
      });
    }
  }
  return out;
}

function integrityTable(ig: IntegrityBenchResult): string {
  const rows: string[][] = [
    ["", "files", "files/s", "ratio"],
    ["validate-logs", fmtInt(ig.validation[0]?.aws.files ?? NaN), fmtInt(ig.awsFilesPerSecond), ""],
    ["Trailscope on demand", fmtInt(ig.validation[0]?.ours.files ?? NaN), fmtInt(ig.oursFilesPerSecond), fmtRatio(ig.validationRatio)],
    ["floor: fetch + SHA-256 only", fmtInt(ig.validation[0]?.floor?.files ?? NaN), fmtInt(ig.floorFilesPerSecond), fmtRatio(ig.floorFilesPerSecond / ig.awsFilesPerSecond)],
  ];
  const lines = [`\nIntegrity (issue 21; medians of ${ig.reps} reps; peers in a child process)\n` + pad(rows)];
  lines.push(`Validation after a sync: S3 ${pct1(ig.afterSyncS3Ratio)}${ig.folder ? `, ${sizeLabel(ig.folder.size)} folder ${pct1(ig.folder.ratio)}` : ""} of the sync's time`);
  if (ig.forms) {
    const fm = ig.forms;
    lines.push(`Import forms (events/s): ${FORMS.map((f) => `${FORM_LABEL[f]} ${fmtInt(fm.eventsPerSecond[f])}${f === "records" ? "" : ` (${fmtRatio(fm.ratio[f])})`}`).join(", ")}`);
    for (const e of fm.errors) lines.push(`  ${e}`);
  }
  for (const n of ig.notes) lines.push(`  ${n}`);
  return lines.join("\n");
}

function integrityMarkdown(ig: IntegrityBenchResult): string[] {
  const lines: string[] = [];
  const c = ig.s3Corpus;
  lines.push("## 6. Log file integrity and import forms (issue 21)");
  lines.push("");
  lines.push(
    `**On-demand validation against \`aws cloudtrail validate-logs\`.** One signed trail delivery (\`writeAwsLogsCorpus\` with a real RSA signer: account ${c.account}, ${c.region}, ${c.days} days, ${fmtInt(c.events)} events, ~${c.eventsPerFile} per log file: ${fmtInt(c.logFiles)} log files + ${fmtInt(c.digestFiles)} hourly digests, ${(c.bytes / 1048576).toFixed(1)} MB gzip) in the S3 peer, digests with their \`signature\` / \`signature-algorithm\` metadata, the public key served by the CloudTrail peer's ListPublicKeys. ${ig.peer}. validate-logs (${ig.awsCli.version}, \`--s3-bucket\`, the corpus' time range, without \`--verbose\`): wall time of the CLI (its start-up included, ≈ ${fmtMs(ig.awsCli.startupMs)} for \`aws --version\`), files = the digests + log files its totals count. Trailscope: a fresh database, an ordinary sync of \`s3://${c.bucket}\`, then the on-demand validation as \`npm run verify\` runs it (\`runSync(db, source, { reread: true })\` in this process: every object read again over HTTP and hashed — the log files already stored are not decoded again —, then chain, signatures and hashes checked), its wall time; files = the digests + log files of its summary. Both sides must count the same files and find all valid (else the stage fails); GETs = GetObject requests the S3 peer answered during the run. Repetitions alternate which goes first. Floor, after both: what any validation needs at least — every digest and log file fetched with the SDK, 8 at a time (as the S3 source reads), and the SHA-256 of its gunzipped bytes taken, in this process, nothing else.`,
  );
  lines.push("");
  lines.push(
    md([
      ["rep", "first", "validate-logs s", "files", "files/s", "GETs", "Trailscope s (reading again / validating)", "files", "files/s", "GETs", "Trailscope / validate-logs", "floor s", "floor files/s", "floor / validate-logs"],
      ...ig.validation.map((x) => [
        String(x.rep),
        x.first,
        secs(x.aws.ms),
        fmtInt(x.aws.files),
        fmtInt(x.aws.filesPerSecond),
        fmtInt(x.aws.gets),
        `${secs(x.ours.ms)} (${secs(x.ours.rereadMs)} / ${secs(x.ours.verifyMs)})`,
        fmtInt(x.ours.files),
        fmtInt(x.ours.filesPerSecond),
        fmtInt(x.ours.gets),
        fmtRatio(x.ours.filesPerSecond / x.aws.filesPerSecond),
        secs(x.floor?.ms ?? NaN),
        fmtInt(x.floor?.filesPerSecond ?? NaN),
        fmtRatio((x.floor?.filesPerSecond ?? NaN) / x.aws.filesPerSecond),
      ]),
      ["median", "", "", "", fmtInt(ig.awsFilesPerSecond), "", "", "", fmtInt(ig.oursFilesPerSecond), "", fmtRatio(ig.validationRatio), "", fmtInt(ig.floorFilesPerSecond), fmtRatio(ig.floorFilesPerSecond / ig.awsFilesPerSecond)],
    ]),
  );
  lines.push("");
  lines.push(
    `**Validation after a sync.** What runSync adds once the sync is done (validation from the store: each object's SHA-256 taken when it was read, digests' JSON and signatures kept): VerifySummary.elapsedMs against SyncSummary.elapsedMs, which is taken before the validation starts. S3: the ordinary sync above (fresh database each repetition). Folder: one sync of the bench's ${ig.folder ? sizeLabel(ig.folder.size) : ""} corpus (${ig.folder ? `${fmtInt(ig.folder.files)} files: ${fmtInt(ig.folder.digests)} digests, ${fmtInt(ig.folder.logs)} log and Insights files` : "not run"}; a folder has no S3 metadata, so hashes and the chain's links, no signatures) into a fresh database, in this process.`,
  );
  lines.push("");
  const afterRows: string[][] = [["corpus", "events", "sync s per rep", "validation per rep", "validation / sync per rep", "median"]];
  afterRows.push([
    `S3, ${fmtInt(c.logFiles + c.digestFiles)} files, signed`,
    fmtInt(ig.validation[0]?.sync.events ?? NaN),
    ig.validation.map((x) => secs(x.sync.elapsedMs)).join(", "),
    ig.validation.map((x) => fmtMs(x.sync.verifyMs)).join(", "),
    ig.validation.map((x) => pct1(x.sync.verifyMs / x.sync.elapsedMs)).join(", "),
    pct1(ig.afterSyncS3Ratio),
  ]);
  if (ig.folder) {
    const f = ig.folder;
    afterRows.push([`${sizeLabel(f.size)} folder, unsigned`, fmtInt(f.events), f.runs.map((x) => secs(x.syncMs)).join(", "), f.runs.map((x) => fmtMs(x.verifyMs)).join(", "), f.runs.map((x) => pct1(x.ratio)).join(", "), pct1(f.ratio)]);
  }
  lines.push(md(afterRows));
  lines.push("");
  if (ig.forms) {
    const fm = ig.forms;
    const perRep = (f: FormName) =>
      fm.runs
        .filter((x) => x.form === f)
        .map((x) => fmtRatio(x.eventsPerSecond / (fm.runs.find((y) => y.rep === x.rep && y.form === "records")?.eventsPerSecond ?? NaN)))
        .join(", ");
    lines.push(
      `**Import forms.** The same ${fmtInt(fm.events)} events (${fmtInt(fm.files)} CloudTrail log files of the ${ig.folder ? sizeLabel(ig.folder.size) : ""} corpus — every ${FORMS_EVERY === 2 ? "second" : `${FORMS_EVERY}th`} one, all accounts and regions, Insights left out —, one group of ~${Math.round(fm.events / Math.max(1, fm.files))} events each) written as a folder of gzipped \`{"Records":[…]}\` files, a folder of gzipped NDJSON files (\`.ndjson.gz\`, gzip level 6 both), and one .zip of the NDJSON files (deflated members, level 6); each synced with the folder source (\`parseSource(path)\`, the .zip's path for the zip) into a fresh database, in this process; events/s = events stored / wall time of runSync. The forms' order rotates each repetition (the position is in brackets). A form's rate counts only runs that stored every event.`,
    );
    lines.push("");
    lines.push(
      md([
        ["form", "size", "events/s per rep [position]", "median events/s", "/ Records (medians)", "/ Records within each rep", "events stored"],
        ...FORMS.map((f) => {
          const runs = fm.runs.filter((x) => x.form === f);
          return [FORM_LABEL[f], `${(fm.bytes[f] / 1048576).toFixed(1)} MB`, runs.map((x) => `${fmtInt(x.eventsPerSecond)} [${x.position}]`).join(", "), fmtInt(fm.eventsPerSecond[f]), f === "records" ? "—" : fmtRatio(fm.ratio[f]), f === "records" ? "—" : `${perRep(f)} (median ${fmtRatio(fm.pairedRatio?.[f] ?? NaN)})`, [...new Set(runs.map((x) => fmtInt(x.events)))].join(" / ")];
        }),
      ]),
    );
    lines.push("");
    if (Number.isFinite(fm.recordsSpread)) lines.push(`- Run-to-run noise: the Records folder's own repetitions spread ${pct1(fm.recordsSpread)} ((max − min) / median).`);
    for (const e of fm.errors) lines.push(`- ${e}`);
  }
  for (const n of ig.notes) lines.push(`- ${n}`);
  lines.push("");
  return lines;
}

// ---- stdout table -------------------------------------------------------------------------------

function pad(rows: string[][]): string {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ")).join("\n");
}

export function renderTable(r: BenchResults): string {
  const parts: string[] = [`Trailscope bench ${r.runId} — commit ${r.machine.commit}, ${r.machine.cpu}, ${r.machine.memory}`];
  if (r.ingest.length) {
    parts.push(
      "\nFolder ingest (median events/s)\n" +
        pad([
          ["size", "ours", "decode×1", `decode×N`, "DuckDB", "PG alone bare/indexed", "ours/decodeN", "ours/DuckDB"],
          ...r.ingest.map((i) => [sizeLabel(i.size), fmtInt(i.oursEps), fmtInt(i.decode1Eps), fmtInt(i.decodeNEps), fmtInt(i.duckEps), i.floorBare?.length ? `${fmtInt(i.floorBareEps)}/${fmtInt(i.floorIndexedEps)}` : "—", fmtPct(i.oursEps / i.decodeNEps), fmtRatio(i.oursEps / i.duckEps)]),
        ]),
    );
  }
  if (r.lookup) {
    const l = r.lookup;
    parts.push(`\nLookupEvents: ${l.eventsPerSecond.toFixed(1)} events/s of ${l.cap}/s cap (${fmtPct(l.eventsPerSecond / l.cap)}); ${l.throttled} throttled, ${l.failed} failed`);
  }
  for (const q of r.queries) {
    parts.push(
      `\nQueries at ${sizeLabel(q.size)} (${q.runs} runs)\n` +
        pad([
          ["query", "p50", "p95", "DuckDB p50", "DuckDB p95", "ratio p95", "agree", "scoped p95", "scoped/unscoped p95"],
          ...q.stats.map((s) => [s.name, fmtMs(s.p50), fmtMs(s.p95), fmtMs(s.duckP50), fmtMs(s.duckP95), fmtRatio(s.ratioP95), s.agree === null ? "" : s.agree ? "yes" : "NO", fmtMs(s.scopedP95 ?? NaN), fmtRatio(s.scopedRatioP95 ?? NaN)]),
        ]),
    );
  }
  if (r.export.length) {
    parts.push(
      "\nCSV export (median)\n" +
        pad([
          ["size", "seconds", "peak RSS", "PG COPY", "DuckDB COPY", "ours/PG COPY"],
          ...r.export.map((e) => [sizeLabel(e.size), e.seconds.toFixed(1), `${e.peakRssMB.toFixed(0)} MB`, e.pgCopySeconds.toFixed(1), e.duckSeconds.toFixed(1), fmtRatio(e.seconds / e.pgCopySeconds)]),
        ]),
    );
  }
  for (const a of r.access ?? []) {
    parts.push(
      `\nAccess at ${sizeLabel(a.size)}: resolveAccess (+ accessQuery) in process\n` +
        pad([["credential", "p50", "p95", "+ accessQuery p95"], ...a.auth.map((x) => [x.name, fmtMs(x.p50), fmtMs(x.p95), fmtMs(x.guardP95)])]),
    );
    parts.push(
      `\nShare link vs signed in at ${sizeLabel(a.size)} (p95)\n` +
        pad([["view / item", "share", "signed in, same view", "ratio", "live view", "ratio"], ...a.share.map((x) => [`${x.view} / ${x.item}`, fmtMs(x.share.p95), fmtMs(x.signed.p95), fmtRatio(x.ratioP95), fmtMs(x.live.p95), fmtRatio(x.liveRatioP95)])]),
    );
  }
  for (const i of r.investigation ?? []) {
    parts.push(
      `\nInvestigation at ${sizeLabel(i.size)}\n` +
        pad([
          ["item", "p50", "p95 / runs", "peer p50", "ratio"],
          [`detections page (${i.detections.count}, ${i.detections.fired} fired)`, fmtMs(i.detections.p50), fmtMs(i.detections.p95), fmtMs(i.detections.rangeCountP50), fmtRatio(i.detections.p50 / i.detections.rangeCountP50)],
          ["  the same, every detection live", fmtMs(i.detections.liveP50), fmtMs(i.detections.liveP95), fmtMs(i.detections.rangeCountP50), fmtRatio(i.detections.liveP50 / i.detections.rangeCountP50)],
          ["  the same, scoped to one account", fmtMs(i.detections.scopedP50), fmtMs(i.detections.scopedP95), fmtMs(i.detections.rangeCountP50), fmtRatio(i.detections.scopedP50 / i.detections.rangeCountP50)],
          ["  its counts kept: from scratch / after the sync", fmtMs(i.detections.rollupFromScratchMs), fmtMs(i.detections.rollupAfterSyncMs), "", ""],
          [`alert evaluation (${i.alerts.watches} watches, ${fmtInt(i.alerts.stored)} new)`, fmtMs(i.alerts.p50), i.alerts.runsMs.map((x) => x.toFixed(0)).join(", "), fmtMs(i.alerts.countP50), fmtRatio(i.alerts.p50 / i.alerts.countP50)],
        ]),
    );
  }
  if (r.integrity) parts.push(integrityTable(r.integrity));
  const v = verdicts(r);
  if (v.length) parts.push("\nTargets\n" + pad([["target", "measured", "verdict"], ...v.map((x) => [x.target, x.measured, mark(x.met) + (x.gap ? ` — ${x.gap}` : "")])]));
  return parts.join("\n");
}

// ---- BENCHMARKS.md ------------------------------------------------------------------------------

const FINDINGS_START = "<!-- findings:start -->";
const FINDINGS_END = "<!-- findings:end -->";
// Sections written by hand between full runs (per-session A/B measurements): a full run keeps them
// below its own tables, so rewriting BENCHMARKS.md never drops a measurement someone recorded.
const HISTORY_START = "<!-- history:start -->";
const HISTORY_END = "<!-- history:end -->";

function keptBlock(previous: string, start: string, end: string): string | null {
  const s = previous.indexOf(start);
  const e = previous.indexOf(end);
  return s >= 0 && e > s ? previous.slice(s + start.length, e).trim() : null;
}

function md(rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, "\\|");
  return [rows[0], rows[0].map(() => "---"), ...rows.slice(1)].map((r) => `| ${r.map(esc).join(" | ")} |`).join("\n");
}

export function renderMarkdown(r: BenchResults, previous: string): string {
  const m = r.machine;
  const lines: string[] = [];
  lines.push("# Benchmarks");
  lines.push("");
  lines.push(
    "Produced by `npm run bench` (see `bench/run.ts` for flags). Every figure is measured beside its peer **in the same run**, repetitions interleaved, and reported as a median (queries: p50/p95) with the ratio to the peer: the machine is shared and noisy, so absolute times alone say little. Raw results of this run: `bench/.out/results-" +
      r.runId +
      ".json` (not committed).",
  );
  lines.push("");
  lines.push(
    md([
      ["date", "commit", "machine", "software"],
      [
        `${r.startedAt.slice(0, 16).replace("T", " ")} UTC → ${r.finishedAt.slice(11, 16)} UTC`,
        m.commit,
        `${m.cpu}, ${m.memory}, load at start ${m.loadAtStart}`,
        `Node ${m.node}, Next ${m.next} (build ${m.nextBuild}), PostgreSQL ${m.postgres} (${m.pgSettings}), DuckDB ${m.duckdb}`,
      ],
    ]),
  );
  lines.push("");

  lines.push("## Targets");
  lines.push("");
  lines.push(md([["target", "measured", "verdict", "gap"], ...verdicts(r).map((v) => [v.target, v.measured, mark(v.met), v.gap || "—"])]));
  lines.push("");

  if (r.corpora.length) {
    lines.push("## Corpora");
    lines.push("");
    lines.push(
      "Deterministic (`writeAwsLogsCorpus` of `lib/demo/corpus.ts`, seed 1, 30 days ending 2026-11-21T00:00Z, default generator settings: 3 accounts of an organization trail, 5 regions, realistic identities and request parameters, ~5% errors, Insights events), in the AWSLogs layout with hourly digest files and the ConfigWritabilityCheckFile; cached in `bench/.corpus/`.",
    );
    lines.push("");
    lines.push(
      md([
        ["size", "events", "files (log files)", "gzip bytes", "generation"],
        ...r.corpora.map((c) => [sizeLabel(c.size), fmtInt(c.events), `${fmtInt(c.files)} (${fmtInt(c.logFiles)})`, `${(c.gzBytes / 1048576).toFixed(0)} MB`, `${c.generatedInSeconds.toFixed(0)} s${c.reused ? " (cached)" : ""}`]),
      ]),
    );
    lines.push("");
  }

  if (r.ingest.length) {
    lines.push("## 1. Folder ingest");
    lines.push("");
    lines.push(
      "Ours: the CLI (`scripts/sync.ts <corpus>` under tsx, as `npm run sync` runs it) as a subprocess into a fresh database, wall clock from spawn to exit (start-up and migrations included); events/s = events stored / seconds. Decode limit: read + gunzip + `JSON.parse` of every file of the corpus and nothing else, on 1 thread and on one worker thread per core — **the parallel figure is \"the decode limit\" of the target**. DuckDB: `read_json` of the log and Insights files into a table in a fresh database file (Records unnested, nested objects as JSON, catalog columns extracted, the record kept as text), open to checkpoint. PG COPY alone (the store floor): the rows our sync stored, streamed by `COPY … TO STDOUT` into `COPY events FROM STDIN` of a fresh migrated database in one transaction, once with every index of `events` dropped and once with all of them; its CPU is the receiving backend's, from `/proc` — what PostgreSQL needs to store the rows before anything is decoded. Repetitions interleaved ours → PG COPY alone (no index, indexed) → decode×1 → decode×N → DuckDB.",
    );
    lines.push("");
    lines.push(
      md([
        ["size", "reps", "ours events/s", "decode ×1", "decode ×N (limit)", "DuckDB load", "PG COPY alone: no index / indexed", "ours / decode limit", "ours / decode ×1", "ours / DuckDB", "ours / PG indexed", "ours seconds", "CPU s: sync / PostgreSQL", "PG COPY alone CPU s per 1M: no index / indexed", "database size"],
        ...r.ingest.map((i) => [
          sizeLabel(i.size),
          String(i.reps),
          fmtInt(i.oursEps),
          fmtInt(i.decode1Eps),
          `${fmtInt(i.decodeNEps)} (N=${i.threads})`,
          fmtInt(i.duckEps),
          i.floorBare?.length ? `${fmtInt(i.floorBareEps)} / ${fmtInt(i.floorIndexedEps)}` : "—",
          fmtPct(i.oursEps / i.decodeNEps),
          fmtPct(i.oursEps / i.decode1Eps),
          fmtRatio(i.oursEps / i.duckEps),
          i.floorIndexed?.length ? fmtRatio(i.oursEps / i.floorIndexedEps) : "—",
          i.ours.map((s) => (s.ms / 1000).toFixed(1)).join(", "),
          `${median(i.ours.map((s) => s.cpu?.proc ?? NaN)).toFixed(1)} / ${median(i.ours.map((s) => s.cpu?.postgres ?? NaN)).toFixed(1)}`,
          i.floorBare?.length ? `${perMillion(i.floorBare).toFixed(1)} / ${perMillion(i.floorIndexed).toFixed(1)}` : "—",
          `${(i.ours[i.ours.length - 1]?.dbBytes / 1048576).toFixed(0)} MB`,
        ]),
      ]),
    );
    lines.push("");
    for (const i of r.ingest) {
      const bad = i.ours.filter((s) => s.exitCode !== 0 || s.storedEvents !== i.ours[0].storedEvents);
      if (bad.length) lines.push(`- ${sizeLabel(i.size)}: ${bad.length} sync run(s) exited non-zero or stored a different count — see bench/.out/sync-*.log`);
      const cli = i.ours.map((s) => s.cliEventsPerSecond).filter((x): x is number => x !== null);
      if (cli.length) lines.push(`- ${sizeLabel(i.size)}: the CLI's own events/s (clock after migrations): ${cli.map(fmtInt).join(", ")}; events stored ${fmtInt(i.ours[0]?.storedEvents ?? 0)} of ${fmtInt(i.events)} generated; ${(i.rawBytes / 1048576).toFixed(0)} MB uncompressed in ${fmtInt(i.files)} files.`);
    }
    lines.push("");
  }

  if (r.lookup) {
    const l = r.lookup;
    lines.push("## 2. LookupEvents sync");
    lines.push("");
    lines.push(
      "The real source (SDK, signing, paging, rate limiter, engine) in process, `lookup://us-east-1?insights=false&since=now-2d`, against the wire-level peer (`test/peers/lookup-peer.ts`) enforcing 2 requests/s per key and region, holding deterministic events of the last day in one region. Peer: the cap, 2 requests/s × 50 events = 100 events/s. Fresh database per repetition.",
    );
    lines.push("");
    lines.push(
      md([
        ["rep", "events stored", "seconds", "events/s", "of cap", "requests", "throttled", "failed"],
        ...l.runs.map((x, k) => [String(k + 1), fmtInt(x.stored), (x.ms / 1000).toFixed(1), x.eventsPerSecond.toFixed(1), fmtPct(x.eventsPerSecond / l.cap), String(x.requests), String(x.throttled), String(x.failed)]),
        ["median", "", "", l.eventsPerSecond.toFixed(1), fmtPct(l.eventsPerSecond / l.cap), "", String(l.throttled), String(l.failed)],
      ]),
    );
    lines.push("");
  }

  for (const q of r.queries) {
    lines.push(`## 3. Queries at ${sizeLabel(q.size)} (${fmtInt(q.events)} events)`);
    lines.push("");
    lines.push(
      `Ours: HTTP against the console's server (scripts/serve.ts on the production build), signed in as an admin (every account; a session cookie, as a browser sends), on the database of the last ingest repetition after \`VACUUM (ANALYZE)\` — first page (limit 100) of \`/api/events\`, fully read; "of which SQL" is the same library call (listEvents, facetCounts, histogram) made in the bench process over node-postgres, without HTTP and rendering. DuckDB: the same question in SQL over its table in this process, rows materialised (the list queries fetch the same 101 rows in the same order; "agree" compares the event IDs of the page, the facet's top values or the histogram's totals). ${q.runs} runs each after 2 warm-ups, ours and DuckDB alternating. Ratio = ours p95 / DuckDB p95 (> 1: slower than DuckDB). Values drawn from the data: ${Object.entries(q.values).map(([k, v]) => `${k}=\`${v}\``).join(", ")}.`,
    );
    lines.push("");
    lines.push(
      md([
        ["query", "asks", "ours via", "ours p50", "ours p95", "of which SQL (lib) p50", "DuckDB p50", "DuckDB p95", "ratio p95", "ratio p50", "agree", "note"],
        ...q.stats.map((s) => [s.name, s.what, s.via || "—", fmtMs(s.p50), fmtMs(s.p95), fmtMs(s.libP50), fmtMs(s.duckP50), fmtMs(s.duckP95), fmtRatio(s.ratioP95), fmtRatio(s.ratioP50), s.agree === null ? "—" : s.agree ? "yes" : "NO", s.note || ""]),
      ]),
    );
    lines.push("");
    lines.push(`Server peak RSS over the whole query mix: ${q.serverRssAfterMB.toFixed(0)} MB.`);
    lines.push("");
    if (q.stats.some((s) => (s.scopedRuns ?? 0) > 0)) {
      lines.push(`### Scoped to one account at ${sizeLabel(q.size)}`);
      lines.push("");
      lines.push(
        `The same questions, in the same loop (unscoped, scoped and DuckDB taking turns at going first), asked by an analyst scoped to account \`${q.values.scopedAccount}\` — of the corpus' three, the one with the fewest events, so its matches are the sparsest along the indexes — with its own signed-in session. Free text: the scoped user cycles through other rare IPs of the same kind (the server keeps recent terms' sketch probes, and whoever asked a term second would not pay its probe). Ratio = scoped / unscoped of this run.`,
      );
      lines.push("");
      lines.push(
        md([
          ["query", "unscoped p50", "unscoped p95", "scoped p50", "scoped p95", "ratio p95", "ratio p50", "scoped runs"],
          ...q.stats.filter((s) => (s.scopedRuns ?? 0) > 0).map((s) => [s.name, fmtMs(s.p50), fmtMs(s.p95), fmtMs(s.scopedP50!), fmtMs(s.scopedP95!), fmtRatio(s.scopedRatioP95!), fmtRatio(s.scopedRatioP50!), String(s.scopedRuns)]),
        ]),
      );
      lines.push("");
    }
  }

  if (r.export.length) {
    lines.push("## 4. CSV export");
    lines.push("");
    lines.push(
      "`GET /api/export?format=csv` (every event) streamed to nowhere, bytes and lines counted; the server is restarted before each repetition and its peak RSS is VmHWM of the listening process (start-up included). Peers in the same loop: PostgreSQL's own `COPY (<the export's SELECT>) TO STDOUT (FORMAT csv)` read by a client, and DuckDB's `COPY (…) TO '/dev/null' (FORMAT csv)` of its table.",
    );
    lines.push("");
    lines.push(
      md([
        ["size", "rows", "ours seconds", "MB/s", "server peak RSS", "RSS before", "PG COPY s", "DuckDB COPY s", "ours / PG COPY", "ours / DuckDB", "per rep (s)"],
        ...r.export.map((e) => [
          sizeLabel(e.size),
          fmtInt(e.rows),
          e.seconds.toFixed(1),
          e.mbPerSecond.toFixed(0),
          `${e.peakRssMB.toFixed(0)} MB`,
          `${e.rssBeforeMB.toFixed(0)} MB`,
          e.pgCopySeconds.toFixed(1),
          e.duckSeconds.toFixed(1),
          fmtRatio(e.seconds / e.pgCopySeconds),
          fmtRatio(e.seconds / e.duckSeconds),
          e.runs.map((x) => (x.ms / 1000).toFixed(1)).join(", "),
        ]),
      ]),
    );
    lines.push("");
  }

  for (const a of r.access ?? []) {
    lines.push(`## 5. Access at ${sizeLabel(a.size)} (${fmtInt(a.events)} events)`);
    lines.push("");
    lines.push(
      `What the guard (lib/auth/guard.ts) adds to a request, and a share link's view against the same view signed in. Credentials are the product's own (bench/principals.ts): an admin signed in through Better Auth, the admin's API token, and share links the admin made. Rounds interleaved, the order rotating each round.`,
    );
    lines.push("");
    lines.push(
      `**The guard's own work, in process** (${a.auth[0]?.runs ?? 0} calls per credential after ${20} warm-ups): \`resolveAccess\` (the credential checked against the database: Better Auth's session, the API token through Better Auth's key check, the share link by its token's hash; then the user's role and scope) on a credential's first request, and on a repeat within seconds (lib/auth/access-cache.ts remembers it), and with \`accessQuery\` (scope and shared view written into the request's query) — everything the guard does before the route's own work.`,
    );
    lines.push("");
    lines.push(md([["credential", "resolveAccess p50", "resolveAccess p95", "+ accessQuery p50", "+ accessQuery p95"], ...a.auth.map((x) => [x.name, fmtMs(x.p50), fmtMs(x.p95), fmtMs(x.guardP50), fmtMs(x.guardP95)])]));
    lines.push("");
    lines.push(
      `**The same request over HTTP** (scripts/serve.ts, production build) with each credential, beside the route's query alone in this process (no HTTP, no auth; the admin's query). All ask the share link's frozen view \`${a.guardView}\`, so all run the same SQL (the share link adds its view's clauses once more).`,
    );
    lines.push("");
    for (const g of a.http) {
      const lib = g.samples.find((x) => x.name === "lib");
      lines.push(
        md([
          [g.request, "p50", "p95", "runs", "p50 − route's query alone p50"],
          ...g.samples.map((x) => [x.name === "lib" ? "route's query alone (in process)" : `HTTP, ${x.name}`, fmtMs(x.p50), fmtMs(x.p95), String(x.runs), x.name === "lib" || !lib ? "—" : fmtMs(x.p50 - lib.p50)]),
        ]),
      );
      lines.push("");
    }
    lines.push(
      `**A share link's view against the same view signed in** (the admin who made it): "signed in, same view" asks the link's frozen parameters (absolute range and asOf); "live view" is the view the link was made from (the same absolute range, no asOf), what the admin was looking at. Match count: the /events page's function in process, with each principal's query. Ratio = share / signed in.`,
    );
    lines.push("");
    for (const sv of a.shareViews) lines.push(`- ${sv.name}: frozen \`${sv.frozen}\``);
    lines.push("");
    lines.push(
      md([
        ["view", "item", "via", "share p50", "share p95", "signed in, same view p50", "signed in, same view p95", "ratio p95", "ratio p50", "live view p50", "live view p95", "share / live p95", "note"],
        ...a.share.map((x) => [x.view, x.item, x.via, fmtMs(x.share.p50), fmtMs(x.share.p95), fmtMs(x.signed.p50), fmtMs(x.signed.p95), fmtRatio(x.ratioP95), fmtRatio(x.ratioP50), fmtMs(x.live.p50), fmtMs(x.live.p95), fmtRatio(x.liveRatioP95), x.note || `${x.share.runs} rounds`]),
      ]),
    );
    lines.push("");
  }

  for (const i of r.investigation ?? []) {
    lines.push(`## 6. Investigation at ${sizeLabel(i.size)} (${fmtInt(i.events)} events)`);
    lines.push("");
    lines.push(
      `The detections page: every built-in detection counted with its 30-day sparkline (\`countDetections\`, as /detections runs it: the whole days from the counts kept after each sync, lib/detections/rollup.ts, the partial first and last day live), ${i.detections.runs} runs, interleaved with the same counted live and for a scoped user, beside the plain count of the same range's events in the same loop. Alert evaluation: \`evaluateWatches\` with ${i.alerts.watches} watches (${i.alerts.detections} built-in detections, one of them the burst detection; ${i.alerts.views} saved views whose filters no index serves alone: free text, a value inside the record, columns together) over the newest ${fmtInt(i.alerts.stored)} stored events, as after a sync of that many, beside one count of those events by the instant they were stored (the BRIN index).`,
    );
    lines.push("");
    lines.push(
      md([
        ["item", "p50", "p95 / runs (ms)", "peer", "peer p50", "ratio p50"],
        [`detections page (${i.detections.count} detections, ${i.detections.fired} with events)`, fmtMs(i.detections.p50), fmtMs(i.detections.p95), "count of the range", fmtMs(i.detections.rangeCountP50), fmtRatio(i.detections.p50 / i.detections.rangeCountP50)],
        ["the same, every detection counted live (as before the kept counts)", fmtMs(i.detections.liveP50), fmtMs(i.detections.liveP95), "count of the range", fmtMs(i.detections.rangeCountP50), fmtRatio(i.detections.liveP50 / i.detections.rangeCountP50)],
        ["the same, a user scoped to the account with the fewest detection events", fmtMs(i.detections.scopedP50), fmtMs(i.detections.scopedP95), "count of the range", fmtMs(i.detections.rangeCountP50), fmtRatio(i.detections.scopedP50 / i.detections.rangeCountP50)],
        ["its kept counts: counted from scratch (once) / caught up with the last sync", fmtMs(i.detections.rollupFromScratchMs), fmtMs(i.detections.rollupAfterSyncMs), "", "", ""],
        [`alert evaluation (${i.alerts.alerts} alerts)`, fmtMs(i.alerts.p50), i.alerts.runsMs.map((x) => x.toFixed(0)).join(", "), "count of the new events", fmtMs(i.alerts.countP50), fmtRatio(i.alerts.p50 / i.alerts.countP50)],
      ]),
    );
    lines.push("");
  }
  if (r.integrity) lines.push(...integrityMarkdown(r.integrity));

  const i1 = r.ingest.find((i) => i.size === "1m");
  const c1 = r.corpora.find((c) => c.size === "1m");
  if (i1 || c1) {
    lines.push("## 10M");
    lines.push("");
    const has10 = r.corpora.some((c) => c.size === "10m");
    if (has10) lines.push("Measured in this run (see the tables above).");
    else {
      const est: string[] = [];
      if (c1 && !c1.reused) est.push(`corpus generation ≈ ${((c1.generatedInSeconds * 10) / 60).toFixed(0)} min (10 × the 1M figure)`);
      else if (c1) est.push(`corpus generation ≈ ${((c1.generatedInSeconds * 10) / 60).toFixed(0)} min (10 × the 1M figure recorded when it was generated)`);
      if (i1) est.push(`one ingest ≈ ${((1e7 / i1.oursEps) / 60).toFixed(0)} min at the 1M rate`);
      lines.push(`Not run here (\`npm run bench -- --10m\`). Extrapolated from 1M: ${est.join("; ")}; plus ~${((c1?.gzBytes ?? 0) * 10 / 2 ** 30).toFixed(1)} GB of corpus and ~${(((i1?.ours[i1.ours.length - 1]?.dbBytes ?? 0) * 10) / 2 ** 30).toFixed(0)} GB of database.`);
    }
    lines.push("");
  }

  const history = keptBlock(previous, HISTORY_START, HISTORY_END);
  if (history !== null) {
    lines.push("## Earlier runs and sessions");
    lines.push("");
    lines.push(HISTORY_START);
    lines.push(history);
    lines.push(HISTORY_END);
    lines.push("");
  }

  lines.push("## Findings / what was tried");
  lines.push("");
  const kept = keptBlock(previous, FINDINGS_START, FINDINGS_END) ?? "_(to be written after looking at the figures)_";
  lines.push(FINDINGS_START);
  lines.push(kept);
  lines.push(FINDINGS_END);
  lines.push("");
  return lines.join("\n");
}

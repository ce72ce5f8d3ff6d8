// `npm run bench` — Trailscope's benchmarks, each figure beside its peer measured in the same run.
//
//   npm run bench                       100k and 1M: ingest, LookupEvents, queries, export, access
//   npm run bench -- --10m              adds 10M (corpus generation and ingest take long)
//   npm run bench -- --sizes 100k       one size
//   npm run bench -- --only ingest --only queries     some stages (repeatable): ingest, lookup,
//                                       queries (the mix, unscoped and scoped to one account), export,
//                                       access (the guard's cost per credential; share link vs signed in),
//                                       investigation (issue 22: the detections page, alert evaluation
//                                       of 15 watches over the newest 100k stored events),
//                                       integrity (issue 21: on-demand validation vs aws cloudtrail
//                                       validate-logs, validation after a sync, NDJSON/zip imports vs
//                                       a Records folder; once per run, like lookup)
//   npm run bench -- --reps 5 --runs 30              repetitions (ingest, lookup, export, integrity) / query runs
//   npm run bench -- --keep             keep the databases (tsbench_<size>) for --only queries/export
//   npm run bench -- --head             measure the committed HEAD (a clean copy built once per commit)
//                                       instead of the working tree and its .next
//   npm run bench -- --render bench/.out/results-<run>.json    rewrite the report of a finished run
//
// Progress goes to stderr, the final table to stdout. A full run (no --only, default sizes or
// more) rewrites BENCHMARKS.md, keeping its "Findings" section; other runs write
// bench/.out/BENCHMARKS.partial.md. Raw results: bench/.out/results-<run>.json.
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { ensureCorpus, OUT_DIR, SIZES, type Corpus } from "./corpus";
import { benchAccess, type AccessResult } from "./access";
import { benchExport, type ExportResult } from "./export";
import { benchIngest, ensureKept, keptDbName, keptDuckPath, ROOT, type IngestResult } from "./ingest";
import { benchIntegrity, type IntegrityBenchResult } from "./integrity";
import { benchInvestigation, type InvestigationResult } from "./investigation";
import { benchLookup, type LookupResult } from "./lookup";
import { dropDb, listDbs } from "./pg";
import { benchQueries, type QueriesResult } from "./queries";
import { machineInfo, renderMarkdown, renderTable, type BenchResults } from "./report";
import { removeDuckFile } from "./duck";
import { buildId } from "./server";
import { runCleanup } from "./cleanup";
import { useHead } from "./src";
import { log } from "./stats";

type Stage = "ingest" | "lookup" | "queries" | "export" | "access" | "investigation" | "integrity";
const STAGES: Stage[] = ["ingest", "lookup", "queries", "export", "access", "investigation", "integrity"];
/** Stages measured per corpus size; the others (lookup, integrity) run once and bring their own data. */
const PER_SIZE: Stage[] = ["ingest", "queries", "export", "access", "investigation"];

interface Options {
  sizes: string[];
  reps: number | null;
  runs: number | null;
  only: Stage[];
  keep: boolean;
  seed: number;
  head: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { sizes: ["100k", "1m"], reps: null, runs: null, only: [], keep: false, seed: 1, head: false };
  let sizesGiven = false;
  let tenM = false;
  const args = argv.filter((a) => a !== "--");
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const val = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--sizes") {
      o.sizes = val().toLowerCase().split(",").map((s) => s.trim()).filter(Boolean);
      sizesGiven = true;
    } else if (a === "--10m") tenM = true;
    else if (a === "--reps") o.reps = Number(val());
    else if (a === "--runs") o.runs = Number(val());
    else if (a === "--only") {
      const s = val() as Stage;
      if (!STAGES.includes(s)) throw new Error(`--only: one of ${STAGES.join(", ")}`);
      o.only.push(s);
    } else if (a === "--keep") o.keep = true;
    else if (a === "--head") o.head = true;
    else if (a === "--seed") o.seed = Number(val());
    else if (a === "--help" || a === "-h") {
      process.stderr.write(
        "usage: npm run bench -- [--sizes 100k,1m] [--10m] [--reps N] [--runs N] [--only ingest|lookup|queries|export|access|investigation|integrity]… [--keep] [--head] [--seed N]\n",
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (tenM && !o.sizes.includes("10m")) o.sizes.push("10m");
  for (const s of o.sizes) if (!SIZES[s]) throw new Error(`unknown size ${s} (known: ${Object.keys(SIZES).join(", ")})`);
  if (o.reps !== null && !(o.reps >= 1 && o.reps <= 20)) throw new Error("--reps: 1..20");
  if (o.runs !== null && !(o.runs >= 3 && o.runs <= 200)) throw new Error("--runs: 3..200");
  void sizesGiven;
  return o;
}

const repsFor = (o: Options, size: string) => o.reps ?? (SIZES[size] >= 10_000_000 ? 1 : 3);
const runsFor = (o: Options, size: string) => o.runs ?? (SIZES[size] >= 10_000_000 ? 10 : 20);

async function dropRunDatabases(runId: string): Promise<void> {
  for (const name of await listDbs(`tsbench_`).catch(() => [] as string[])) {
    if (name.includes(`_${runId}_`)) await dropDb(name).catch(() => {});
  }
}

/** `--render <results.json>`: rewrite the report from a finished run (e.g. after editing report.ts). */
async function render(file: string): Promise<void> {
  const results = JSON.parse(await readFile(file, "utf8")) as BenchResults;
  process.stdout.write(renderTable(results) + "\n");
  // Results written before the integrity stage existed were full runs with the other five.
  const required = results.integrity === undefined ? STAGES.filter((s) => s !== "integrity") : STAGES;
  const full = required.every((s) => results.stages.includes(s)) && ["100k", "1m"].every((s) => results.sizes.includes(s));
  const target = full ? path.join(ROOT, "BENCHMARKS.md") : path.join(OUT_DIR, "BENCHMARKS.partial.md");
  const previous = existsSync(path.join(ROOT, "BENCHMARKS.md")) ? await readFile(path.join(ROOT, "BENCHMARKS.md"), "utf8") : "";
  await writeFile(target, renderMarkdown(results, previous));
  log(`wrote ${path.relative(process.cwd(), target)} from ${file}`);
}

async function main(): Promise<void> {
  const r = process.argv.indexOf("--render");
  if (r >= 0) return render(process.argv[r + 1] ?? "");
  const o = parseArgs(process.argv.slice(2));
  const stages = o.only.length ? o.only : STAGES;
  const has = (s: Stage) => stages.includes(s);
  const runId = Date.now().toString(36);
  let interrupted = false;
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      if (interrupted) return;
      interrupted = true;
      log(`${sig}: stopping children and dropping this run's databases`);
      void runCleanup()
        .then(() => dropRunDatabases(runId))
        .finally(() => process.exit(130));
    });
  }
  await mkdir(OUT_DIR, { recursive: true });
  const head = o.head ? await useHead() : null;
  const started = new Date();
  log(`run ${runId}: sizes ${o.sizes.join(", ")}; stages ${stages.join(", ")}`);

  const results: BenchResults = {
    runId,
    startedAt: started.toISOString(),
    finishedAt: "",
    machine: await machineInfo(head),
    sizes: o.sizes,
    stages,
    corpora: [],
    ingest: [],
    lookup: null,
    queries: [],
    export: [],
    access: [],
    investigation: [],
    integrity: null,
  };
  const save = async () => writeFile(path.join(OUT_DIR, `results-${runId}.json`), JSON.stringify(results, null, 2) + "\n");

  const kept: string[] = [];
  try {
    // Corpora only for the stages that measure per size (`--only lookup` or `--only integrity` alone
    // generate none: integrity uses the 100k corpus only, and ensures it itself).
    for (const size of stages.some((s) => PER_SIZE.includes(s)) ? o.sizes : []) {
      const corpus: Corpus = await ensureCorpus(size, o.seed);
      results.corpora.push({ size, events: corpus.result.events, files: corpus.result.files, logFiles: corpus.result.logFiles, gzBytes: corpus.result.bytes, generatedInSeconds: corpus.generatedInSeconds, reused: corpus.reused });
      kept.push(size);
      if (has("ingest")) {
        const r: IngestResult = await benchIngest(corpus, repsFor(o, size), runId);
        results.ingest.push(r);
        await save();
      }
      if (has("queries") || has("export") || has("access") || has("investigation")) await ensureKept(corpus, runId);
      if (has("queries")) {
        const q: QueriesResult = await benchQueries(corpus, runsFor(o, size));
        results.queries.push(q);
        await save();
      }
      if (has("export")) {
        const e: ExportResult = await benchExport(corpus, repsFor(o, size));
        results.export.push(e);
        await save();
      }
      if (has("access")) {
        const a: AccessResult = await benchAccess(corpus, runsFor(o, size));
        results.access!.push(a);
        await save();
      }
      if (has("investigation")) {
        const i: InvestigationResult = await benchInvestigation(corpus, runsFor(o, size));
        results.investigation!.push(i);
        await save();
      }
    }
    if (has("lookup")) {
      const l: LookupResult = await benchLookup(o.reps ?? 3, runId);
      results.lookup = l;
      await save();
    }
    if (has("integrity")) {
      const i: IntegrityBenchResult = await benchIntegrity(o.reps ?? 3, runId, o.seed);
      results.integrity = i;
      // The folder corpus it used, listed with the others.
      const size = i.folder?.size;
      if (size && !results.corpora.some((c) => c.size === size)) {
        const c = await ensureCorpus(size, o.seed);
        results.corpora.push({ size, events: c.result.events, files: c.result.files, logFiles: c.result.logFiles, gzBytes: c.result.bytes, generatedInSeconds: c.generatedInSeconds, reused: c.reused });
      }
      await save();
    }
  } finally {
    await runCleanup();
    // Databases this run made and did not mean to keep (interrupted repetitions), then the kept ones.
    await dropRunDatabases(runId);
    if (!o.keep) {
      for (const size of kept) {
        await dropDb(keptDbName(size)).catch(() => {});
        await removeDuckFile(keptDuckPath(size));
      }
    } else if (kept.length) log(`kept databases ${kept.map(keptDbName).join(", ")} and their DuckDB files (--keep)`);
  }

  results.machine.nextBuild = buildId();
  results.finishedAt = new Date().toISOString();
  await save();
  process.stdout.write(renderTable(results) + "\n");

  const full = o.only.length === 0 && ["100k", "1m"].every((s) => o.sizes.includes(s));
  const target = full ? path.join(ROOT, "BENCHMARKS.md") : path.join(OUT_DIR, "BENCHMARKS.partial.md");
  const previous = existsSync(path.join(ROOT, "BENCHMARKS.md")) ? await readFile(path.join(ROOT, "BENCHMARKS.md"), "utf8") : "";
  await writeFile(target, renderMarkdown(results, previous));
  log(`wrote ${path.relative(process.cwd(), target)} and bench/.out/results-${runId}.json`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);

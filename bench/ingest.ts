// Stage 1: folder ingest end to end (the real CLI as a subprocess, into a fresh database each
// repetition), beside its peers measured in the same run and interleaved with it:
//   decode limit: read + gunzip + JSON.parse of the same files, on 1 thread and on one worker per core
//   DuckDB: the same log files loaded into a table (Records unnested), fresh database file each time
//   store floor: PostgreSQL alone taking the rows this sync stored, one COPY, without and with the
//   indexes (bench/store-floor.ts) — the share of the CPU budget the store needs before any decoding
import { spawn } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import path from "node:path";
import { listFiles, OUT_DIR, type Corpus } from "./corpus";
import { onCleanup } from "./cleanup";
import { srcRoot } from "./src";
import { CpuSampler, type CpuUse } from "./cpu";
import { cores, decodeLimit, type DecodeResult } from "./decode";
import { loadDuck, removeDuckFile, type DuckLoad } from "./duck";
import { createDb, dbExists, dbUrl, dropDb, renameDb, withClient } from "./pg";
import { storeFloor, type StoreFloorRun } from "./store-floor";
import { log, median } from "./stats";

export const ROOT = path.resolve(import.meta.dirname, "..");

export interface SyncRun {
  db: string;
  ms: number;
  exitCode: number;
  storedEvents: number;
  /** The CLI's own figure (its clock starts after migrations). */
  cliEventsPerSecond: number | null;
  summary: string;
  dbBytes: number;
  /** CPU seconds: the sync process, and PostgreSQL (all its processes) during the run. */
  cpu: CpuUse | null;
}

export interface IngestResult {
  size: string;
  events: number;
  files: number;
  gzBytes: number;
  rawBytes: number;
  reps: number;
  ours: SyncRun[];
  decode1: DecodeResult[];
  decodeN: DecodeResult[];
  duck: DuckLoad[];
  /** PostgreSQL alone storing the same rows, one COPY: every index dropped / all kept. */
  floorBare: StoreFloorRun[];
  floorIndexed: StoreFloorRun[];
  /** Medians, events/s. */
  oursEps: number;
  decode1Eps: number;
  decodeNEps: number;
  duckEps: number;
  floorBareEps: number;
  floorIndexedEps: number;
  threads: number;
}

/** Where the last repetition's data stays for the query and export stages. */
export const keptDbName = (size: string) => `tsbench_${size}`;
export const keptDuckPath = (size: string) => path.join(OUT_DIR, `duck-${size}.duckdb`);

/** `npm run sync -- <dir>` without npm in between: node + tsx + scripts/sync.ts, DATABASE_URL set. */
export async function runCliSync(url: string, dir: string, logFile: string, timeoutMs: number): Promise<{ ms: number; exitCode: number; stderr: string; cpu: CpuUse | null }> {
  await mkdir(path.dirname(logFile), { recursive: true });
  const out = createWriteStream(logFile);
  let stderr = "";
  const t = performance.now();
  let sampler: CpuSampler | null = null;
  const exitCode = await new Promise<number>((resolve, reject) => {
    // Same loader flags as this process got from tsx (what `npm run sync` runs), else --import tsx.
    const loader = process.execArgv.some((a) => a.includes("tsx")) ? process.execArgv : ["--import", "tsx"];
    const child = spawn(process.execPath, [...loader, "scripts/sync.ts", dir], {
      cwd: srcRoot(),
      env: { ...process.env, DATABASE_URL: url, NODE_NO_WARNINGS: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (child.pid) sampler = new CpuSampler(child.pid);
    const undo = onCleanup(() => child.kill("SIGKILL"));
    const timer = setTimeout(() => {
      out.write(`\n[bench] sync did not finish within ${timeoutMs / 60000} min; killed\n`);
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      undo();
    });
    child.stdout.pipe(out, { end: false });
    child.stderr.on("data", (d: Buffer) => {
      out.write(d);
      stderr += d.toString("utf8");
      if (stderr.length > 1e6) stderr = stderr.slice(-5e5);
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code ?? 1));
  });
  const ms = performance.now() - t;
  const cpu = sampler ? (sampler as CpuSampler).stop() : null;
  out.end();
  return { ms, exitCode, stderr, cpu };
}

export async function storedEvents(url: string): Promise<{ events: number; dbBytes: number }> {
  return withClient(url, async (c) => {
    const n = Number((await c.query(`SELECT count(*)::bigint AS n FROM events`)).rows[0].n);
    const b = Number((await c.query(`SELECT pg_database_size(current_database())::bigint AS b`)).rows[0].b);
    return { events: n, dbBytes: b };
  });
}

export async function oneSync(corpus: Corpus, dbName: string, logFile: string): Promise<SyncRun> {
  const url = await createDb(dbName);
  // Bounded: 10 min + 1 min per 10k events (a 1k events/s floor); a hung sync fails the repetition.
  const r = await runCliSync(url, corpus.dir, logFile, 600_000 + corpus.result.events * 6);
  const { events, dbBytes } = await storedEvents(url);
  const m = /events:\s+[\d,]+ new, [\d,]+ duplicate, ([\d,]+) events\/s/.exec(r.stderr);
  const summaryStart = r.stderr.lastIndexOf(`file:${corpus.dir}: `);
  return {
    db: dbName,
    ms: r.ms,
    exitCode: r.exitCode,
    storedEvents: events,
    cliEventsPerSecond: m ? Number(m[1].replace(/,/g, "")) : null,
    summary: summaryStart >= 0 ? r.stderr.slice(summaryStart).trim() : r.stderr.slice(-2000).trim(),
    dbBytes,
    cpu: r.cpu,
  };
}

export async function benchIngest(corpus: Corpus, reps: number, runId: string): Promise<IngestResult> {
  const files = await listFiles(corpus.dir);
  const threads = cores();
  const res: IngestResult = {
    size: corpus.size,
    events: corpus.result.events,
    files: files.length,
    gzBytes: files.reduce((a, f) => a + f.size, 0),
    rawBytes: 0,
    reps,
    ours: [],
    decode1: [],
    decodeN: [],
    duck: [],
    floorBare: [],
    floorIndexed: [],
    oursEps: NaN,
    decode1Eps: NaN,
    decodeNEps: NaN,
    duckEps: NaN,
    floorBareEps: NaN,
    floorIndexedEps: NaN,
    threads,
  };
  const duckTmp = path.join(OUT_DIR, `duck-${corpus.size}-${runId}.duckdb`);
  let lastDb: string | null = null;
  try {
    for (let rep = 1; rep <= reps; rep++) {
      const tag = `${corpus.size} rep ${rep}/${reps}`;
      // Interleaved: ours, store floor, decode ×1, decode ×N, DuckDB — noise hits all of them alike.
      const dbName = `tsbench_${corpus.size}_${runId}_${rep}`;
      // Only the last repetition's database is kept: drop the previous one first (10M ≈ 23 GB each).
      if (lastDb) await dropDb(lastDb);
      lastDb = dbName;
      const s = await oneSync(corpus, dbName, path.join(OUT_DIR, `sync-${corpus.size}-${runId}-${rep}.log`));
      res.ours.push(s);
      log(`ingest ${tag}: ours ${s.storedEvents.toLocaleString("en-US")} events in ${(s.ms / 1000).toFixed(1)} s = ${Math.round((s.storedEvents * 1000) / s.ms).toLocaleString("en-US")}/s (exit ${s.exitCode}, CLI says ${s.cliEventsPerSecond ?? "?"}/s; CPU s: sync ${s.cpu?.proc.toFixed(1)}, PostgreSQL ${s.cpu?.postgres.toFixed(1)})`);
      if (s.exitCode !== 0 || s.storedEvents === 0) log(`ingest ${tag}: sync did not succeed:\n${s.summary}`);

      for (const variant of ["bare", "indexed"] as const) {
        const f = await storeFloor(dbUrl(dbName), `tsbench_${corpus.size}_${runId}_floor`, variant);
        (variant === "bare" ? res.floorBare : res.floorIndexed).push(f);
        log(`ingest ${tag}: PostgreSQL COPY alone, ${variant} (${f.indexes} indexes): ${f.rows.toLocaleString("en-US")} rows in ${(f.ms / 1000).toFixed(1)} s = ${Math.round((f.rows * 1000) / f.ms).toLocaleString("en-US")}/s, receiving backend ${f.backendCpu?.toFixed(1) ?? "?"} CPU-s`);
      }

      const d1 = await decodeLimit(files, 1);
      res.decode1.push(d1);
      res.rawBytes = d1.rawBytes;
      log(`ingest ${tag}: decode ×1 ${(d1.ms / 1000).toFixed(1)} s = ${Math.round(d1.eventsPerSecond).toLocaleString("en-US")}/s`);
      const dn = await decodeLimit(files, threads);
      res.decodeN.push(dn);
      log(`ingest ${tag}: decode ×${threads} ${(dn.ms / 1000).toFixed(1)} s = ${Math.round(dn.eventsPerSecond).toLocaleString("en-US")}/s`);

      const dk = await loadDuck(corpus.dir, duckTmp);
      res.duck.push(dk);
      log(`ingest ${tag}: DuckDB ${dk.rows.toLocaleString("en-US")} rows in ${(dk.ms / 1000).toFixed(1)} s = ${Math.round((dk.rows * 1000) / dk.ms).toLocaleString("en-US")}/s`);
    }
  } catch (err) {
    if (lastDb) await dropDb(lastDb).catch(() => {});
    await removeDuckFile(duckTmp);
    throw err;
  }
  // The last repetition's database and DuckDB file serve the query and export stages.
  if (lastDb) await renameDb(lastDb, keptDbName(corpus.size));
  await removeDuckFile(keptDuckPath(corpus.size));
  await rename(duckTmp, keptDuckPath(corpus.size));

  res.oursEps = median(res.ours.map((s) => (s.storedEvents * 1000) / s.ms));
  res.decode1Eps = median(res.decode1.map((d) => d.eventsPerSecond));
  res.decodeNEps = median(res.decodeN.map((d) => d.eventsPerSecond));
  res.duckEps = median(res.duck.map((d) => (d.rows * 1000) / d.ms));
  res.floorBareEps = median(res.floorBare.map((f) => (f.rows * 1000) / f.ms));
  res.floorIndexedEps = median(res.floorIndexed.map((f) => (f.rows * 1000) / f.ms));
  return res;
}

/** For --only queries/export without an ingest in this run: the kept database, or one sync now. */
export async function ensureKept(corpus: Corpus, runId: string): Promise<void> {
  const name = keptDbName(corpus.size);
  let ok = false;
  if (await dbExists(name)) {
    const { events } = await storedEvents(dbUrl(name)).catch(() => ({ events: 0 }));
    ok = events > 0 && events >= corpus.result.events * 0.99;
  }
  if (!ok) {
    log(`${corpus.size}: no kept database ${name}; syncing the corpus into one (not a measurement)`);
    const tmp = `tsbench_${corpus.size}_${runId}_k`;
    const s = await oneSync(corpus, tmp, path.join(OUT_DIR, `sync-${corpus.size}-${runId}-kept.log`));
    if (s.exitCode !== 0) throw new Error(`sync failed:\n${s.summary}`);
    await renameDb(tmp, name);
  }
  if (!existsSync(keptDuckPath(corpus.size))) {
    log(`${corpus.size}: loading the DuckDB peer (not a measurement)`);
    await loadDuck(corpus.dir, keptDuckPath(corpus.size));
  }
}

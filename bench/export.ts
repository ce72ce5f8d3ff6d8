// Stage 4: CSV export of every event through GET /api/export?format=csv, streamed to nowhere
// (bytes and lines counted), with the peak RSS of the server process. The server is restarted
// before each repetition so VmHWM (peak RSS since start) belongs to the export alone (plus start).
// Peers in the same loop: PostgreSQL's own COPY … TO STDOUT (CSV) of the same SELECT — the floor
// for producing these rows as CSV from this database — and DuckDB's COPY … TO (CSV) of its table.
// The export is asked with an admin's API token, as a script would (bench/principals.ts).
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import type * as ExportStream from "../lib/export/stream";
import type * as Params from "../lib/query/params";
import type { Corpus } from "./corpus";
import { DUCK_SELECT, openDuck } from "./duck";
import { keptDbName, keptDuckPath } from "./ingest";
import { dbUrl, withClient } from "./pg";
import { ensurePrincipals } from "./principals";
import { memoryOf, startServer } from "./server";
import { load } from "./src";
import { log, median } from "./stats";

export interface ExportRun {
  ms: number;
  bytes: number;
  lines: number;
  status: number;
  /** VmHWM of the server after the export (peak since its start). */
  peakRss: number;
  /** VmRSS right before the export (after start-up and one small request). */
  rssBefore: number;
  pgCopyMs: number;
  pgCopyBytes: number;
  duckMs: number;
}

export interface ExportResult {
  size: string;
  rows: number;
  reps: number;
  runs: ExportRun[];
  seconds: number;
  peakRssMB: number;
  rssBeforeMB: number;
  pgCopySeconds: number;
  duckSeconds: number;
  mbPerSecond: number;
}

async function countStream(body: ReadableStream<Uint8Array>): Promise<{ bytes: number; lines: number }> {
  let bytes = 0;
  let lines = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    for (let i = value.indexOf(10); i !== -1; i = value.indexOf(10, i + 1)) lines++;
  }
  return { bytes, lines };
}

async function pgCopy(url: string): Promise<{ ms: number; bytes: number }> {
  // The export's own SELECT (from the code under measurement), as COPY.
  const { exportSql } = await load<typeof ExportStream>("lib/export/stream.ts");
  const { parseEventQuery } = await load<typeof Params>("lib/query/params.ts");
  const { text } = exportSql(parseEventQuery({}), "csv");
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const t = performance.now();
    const stream = c.query(copyTo(`COPY (${text}) TO STDOUT WITH (FORMAT csv, HEADER)`));
    let bytes = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) bytes += chunk.length;
    return { ms: performance.now() - t, bytes };
  } finally {
    await c.end();
  }
}

async function duckCopy(size: string): Promise<number> {
  const h = await openDuck(keptDuckPath(size));
  try {
    const t = performance.now();
    await h.conn.run(`COPY (SELECT ${DUCK_SELECT} FROM events ORDER BY event_time DESC, id DESC) TO '/dev/null' (FORMAT csv, HEADER)`);
    return performance.now() - t;
  } finally {
    h.close();
  }
}

export async function benchExport(corpus: Corpus, reps: number): Promise<ExportResult> {
  const url = dbUrl(keptDbName(corpus.size));
  const runs: ExportRun[] = [];
  const account = (await withClient(url, (c) => c.query(`SELECT recipient_account_id AS v FROM events LIMIT 1`))).rows[0].v as string;
  const ps = await ensurePrincipals(url, account);
  const token = ps.admin.token;
  await ps.close();
  for (let rep = 1; rep <= reps; rep++) {
    const server = await startServer(url, `export-${corpus.size}`);
    let run: ExportRun;
    try {
      const rssBefore = memoryOf(server.pid).rss;
      let sampledPeak = rssBefore;
      const sampler = setInterval(() => {
        try {
          sampledPeak = Math.max(sampledPeak, memoryOf(server.pid).rss);
        } catch {
          /* gone */
        }
      }, 100);
      const t = performance.now();
      const r = await fetch(`${server.url}/api/export?format=csv`, { headers: { "accept-encoding": "identity", authorization: `Bearer ${token}` } });
      const counted = r.body ? await countStream(r.body) : { bytes: 0, lines: 0 };
      const ms = performance.now() - t;
      clearInterval(sampler);
      const hwm = memoryOf(server.pid).hwm;
      run = { ms, bytes: counted.bytes, lines: counted.lines, status: r.status, peakRss: Math.max(hwm, sampledPeak), rssBefore, pgCopyMs: NaN, pgCopyBytes: NaN, duckMs: NaN };
    } finally {
      await server.stop();
    }
    const pc = await pgCopy(url);
    run.pgCopyMs = pc.ms;
    run.pgCopyBytes = pc.bytes;
    run.duckMs = await duckCopy(corpus.size);
    runs.push(run);
    log(
      `export ${corpus.size} rep ${rep}/${reps}: ${run.lines.toLocaleString("en-US")} lines, ${(run.bytes / 1048576).toFixed(0)} MB in ${(run.ms / 1000).toFixed(1)} s (HTTP ${run.status}), server peak RSS ${(run.peakRss / 1048576).toFixed(0)} MB (before ${(run.rssBefore / 1048576).toFixed(0)} MB) | PostgreSQL COPY ${(run.pgCopyMs / 1000).toFixed(1)} s | DuckDB COPY ${(run.duckMs / 1000).toFixed(1)} s`,
    );
  }
  const seconds = median(runs.map((r) => r.ms)) / 1000;
  return {
    size: corpus.size,
    rows: corpus.result.events,
    reps,
    runs,
    seconds,
    peakRssMB: Math.max(...runs.map((r) => r.peakRss)) / 1048576,
    rssBeforeMB: median(runs.map((r) => r.rssBefore)) / 1048576,
    pgCopySeconds: median(runs.map((r) => r.pgCopyMs)) / 1000,
    duckSeconds: median(runs.map((r) => r.duckMs)) / 1000,
    mbPerSecond: median(runs.map((r) => r.bytes / 1048576 / (r.ms / 1000))),
  };
}

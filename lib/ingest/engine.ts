// The sync engine, written once for every source: one sync per source at a time (advisory lock),
// batching into large COPY transactions while the source keeps reading (one commit in flight),
// dedupe by eventID, bookkeeping of every object, progress, a run record and a summary.
import type { Db } from "../store/db";
import { createDecodePool, inlineDecoder, type DecodePool } from "./decode-pool";
import { emptyBatch, Loader, type Batch } from "./loader";
import { checkOut, giveBack } from "../store/checkout";
import { analyzeAfterSync } from "../store/analyze";
import { resketchBlocks } from "../store/resketch";
import { groupSearchBlocks } from "../store/search-groups";
import { appendRows } from "./normalize";
import { relinkLateEvents } from "../actors/link";
import { finishedText, newProgress, progressText, silentRenderer, workItems, type ProgressRenderer, type ProgressState } from "./progress";
import { isExpectedObject } from "./expected";
import type { KnownObject, SourceContext, SourcePlugin } from "./source";
import { scopeOfSource } from "../integrity/scope";
import { storedObjectKeys, validatedBefore, verifyScope, type VerifySummary } from "../integrity/verify";
import { integrityLine } from "../integrity/report";
import { activeRanges } from "../enrich/ranges-store";
import { activeRangeTable, installedRanges, installRanges, SHIPPED_RANGES } from "../enrich/enrich";

export interface SyncSummary {
  source: string;
  ok: boolean;
  objectsRead: number;
  objectsUnchanged: number;
  objectsSkipped: number;
  objectsFailed: number;
  eventsNew: number;
  eventsDuplicate: number;
  elapsedMs: number;
  eventsPerSecond: number;
  /** Files skipped or failed, with why; `expected`: skipped as every trail bucket's (not a problem). */
  failures: { key: string; reason: string; expected?: true }[];
  /** Units that could not be read this time and will be retried (they make the run not ok). */
  unreadable: number;
  error?: string;
  /** Log file integrity validation of the source after the sync (sources of files only). */
  integrity?: VerifySummary;
  /** Why integrity validation could not run (the sync itself is unaffected). */
  integrityError?: string;
  /** Time spent linking events to the identities behind their sessions (lib/actors), ms: the bench's figure. */
  linkMs?: number;
  /** Time the detections page's counts took to catch up after the sync (lib/detections/rollup.ts), ms. */
  detectionRollupMs?: number;
  /** Alert watches evaluated after the sync and alerts queued (lib/alerts); never fails the sync. */
  alerts?: { watches: number; alerts: number; error?: string };
}

export interface SyncOptions {
  renderer?: ProgressRenderer;
  log?: (m: string) => void;
  signal?: AbortSignal;
  /** Decode workers: a pool to share, 0 to decode on this thread; default one per core (max 4). */
  decodeWorkers?: number;
  /** Batch thresholds; defaults suit files of a few hundred events. */
  batchRows?: number;
  batchObjects?: number;
  /** Search blocks per group (lib/store/search-groups.ts); tests use fewer to group small data. */
  groupBlocks?: number;
  /** Read every object again, recorded or not (on-demand integrity validation). */
  reread?: boolean;
}

const MAX_FAILURES_KEPT = 100;
/** Problems and expected skips a run record keeps (the newest problems; expected ones only name what was left out). */
const PROBLEMS_SAVED = 20;
const EXPECTED_SAVED = 10;

/** What a run record keeps: the newest problems, and a few expected skips, which never crowd problems out. */
function keptFailures(failures: SyncSummary["failures"]): SyncSummary["failures"] {
  const problems = failures.filter((f) => !f.expected);
  const expected = failures.filter((f) => f.expected);
  return [...problems.slice(-PROBLEMS_SAVED), ...expected.slice(0, EXPECTED_SAVED)];
}
const COMMITS_IN_FLIGHT = 2;

export async function runSync(db: Db, plugin: SourcePlugin, opts: SyncOptions = {}): Promise<SyncSummary> {
  const log = opts.log ?? ((m: string) => process.stderr.write(m + "\n"));
  const renderer = opts.renderer ?? silentRenderer;
  const signal = opts.signal ?? new AbortController().signal;
  const batchRows = opts.batchRows ?? 20_000;
  const batchObjects = opts.batchObjects ?? 2_000;
  const progress: ProgressState = newProgress(plugin.id);
  const failures: SyncSummary["failures"] = [];
  let unreadable = 0;

  // One sync per source at a time, across processes. A second one waits, then finds the work done.
  const lockClient = await checkOut(db.pool);
  const lockKey = `trailscope-sync:${plugin.id}`;
  const got = await lockClient.query(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok`, [lockKey]);
  if (!got.rows[0].ok) {
    log(`${plugin.id}: another sync of this source is running; waiting for it to finish`);
    await lockClient.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [lockKey]);
  }

  // Runs left "running" by a killed process are marked so, now that we hold the lock.
  await db.prisma.syncRun.updateMany({
    where: { source: plugin.id, status: "running" },
    data: { status: "interrupted", finishedAt: new Date() },
  });
  const run = await db.prisma.syncRun.create({ data: { source: plugin.id, status: "running" } });
  // The database's clock: objects recorded by this run have ingested_at at or after it.
  const runStart = (await lockClient.query(`SELECT now() AS t`)).rows[0].t as Date;
  const unreadableKeys = new Set<string>();
  const loader = new Loader(db.pool, log);
  let pool: DecodePool = inlineDecoder;
  // The AWS IP ranges to classify source addresses with (lib/enrich): this thread's, for inline decoding, and the workers'.
  const awsIpRanges = await activeRanges(db.pool).catch((err: Error) => (log(`AWS IP ranges: ${err.message}; using the shipped snapshot`), SHIPPED_RANGES));
  installRanges(awsIpRanges);
  try {
    // A sync classifies: its workers get this thread's table, built once per process rather than
    // once per worker and sync. A validation's reread only hashes: nothing is built for it.
    pool = createDecodePool(opts.decodeWorkers, { awsIpRanges: opts.reread ? installedRanges() : activeRangeTable() });
  } catch (err) {
    log(`decode workers unavailable (${(err as Error).message}); decoding on the main thread`);
  }

  const saveRun = (extra: Record<string, unknown> = {}) =>
    db.prisma.syncRun
      .update({
        where: { id: run.id },
        data: {
          heartbeatAt: new Date(),
          objectsRead: progress.objectsRead,
          objectsSkipped: progress.objectsSkipped,
          objectsFailed: progress.objectsFailed,
          eventsNew: progress.eventsNew,
          eventsDuplicate: progress.eventsDuplicate,
          progress: progressText(progress),
          failures: failures.length ? keptFailures(failures) : undefined,
          ...extra,
        },
      })
      .catch((err: Error) => log(`could not update sync status: ${err.message}`));
  const heartbeat = setInterval(() => void saveRun(), 2000);

  // The objects integrity validation judges after the run (null: a source without files).
  const scope = await scopeOfSource(plugin.id);
  // On demand validation reads every object again; those already stored are only hashed.
  const storedKeys = opts.reread && scope ? await storedObjectKeys(db, scope) : null;
  // Loaded once per run and object store: S3 sources ask once per region folder.
  const known = new Map<string, Promise<Map<string, KnownObject>>>();
  const ctx: SourceContext = {
    db,
    progress,
    signal,
    log,
    // Read again for validation, a log file already stored is only hashed (its events are stored).
    decode: (key, bytes, metadata) => pool.decode(key, bytes, metadata, storedKeys?.has(key)),
    decodeFile: (key, path) => pool.decodeFile(key, path, storedKeys?.has(key)),
    rereadAll: opts.reread ?? false,
    knownObjects(objectSource) {
      if (opts.reread) return Promise.resolve(new Map());
      if (!known.has(objectSource)) {
        known.set(
          objectSource,
          db.prisma.ingestedObject
            .findMany({ where: { source: objectSource }, select: { key: true, etag: true, status: true } })
            .then((rows) => new Map(rows.map((r) => [r.key, { etag: r.etag, status: r.status }]))),
        );
      }
      return known.get(objectSource)!;
    },
    async cursors() {
      const rows = await db.prisma.syncCursor.findMany({ where: { source: plugin.id } });
      return new Map(rows.map((r) => [`${r.account}/${r.region}`, r.position as unknown]));
    },
  };

  // Stored search blocks are bit-sliced into groups of 512 beside the commits (one grouping at a
  // time), and once more at the end. A failure leaves blocks ungrouped, which searches still read.
  let grouping: Promise<void> | null = null;
  const groupBlocks = () => {
    grouping ??= groupSearchBlocks(db.pool, { signal, groupBlocks: opts.groupBlocks, log })
      .then(() => {}, (err: Error) => log(`search blocks not grouped: ${err.message} (searches still read them)`))
      .finally(() => (grouping = null));
  };

  let batch: Batch = emptyBatch();
  // Up to COMMITS_IN_FLIGHT batches commit at once on separate connections while the source reads
  // on: PostgreSQL parses one batch's JSON on one core while the next is decoded or parsed on the
  // other. A batch that moves a cursor waits for every earlier batch, so a cursor is never
  // committed ahead of the objects it passes.
  const inFlight: Promise<void>[] = [];
  let failure: unknown;
  const flush = async () => {
    const b = batch;
    batch = emptyBatch();
    if (failure) throw failure;
    if (b.cursors.length) await Promise.all(inFlight);
    while (inFlight.length >= COMMITS_IN_FLIGHT) await Promise.race(inFlight);
    if (failure) throw failure;
    const done: Promise<void> = loader.commit(b, { signal }).then((inserted) => {
      if (inserted > 0) groupBlocks();
      progress.eventsNew += inserted;
      progress.eventsDuplicate += b.rows.ids.length - inserted;
      for (const o of b.objects) {
        if (o.status === "failed") progress.objectsFailed++;
        else if (o.status === "skipped") progress.objectsSkipped++;
        else progress.objectsRead++;
        // Everything but an empty file is worth reporting (records an ok file could not store, too);
        // files every trail bucket holds by design are reported as expected, not as problems.
        if (o.reason && o.reason !== "empty Records") failures.push(isExpectedObject(o.key, o.status) ? { key: o.key, reason: o.reason, expected: true } : { key: o.key, reason: o.reason });
        if (failures.length > MAX_FAILURES_KEPT) failures.shift();
      }
      renderer.update(progress);
    }, (err) => {
      failure ??= err;
    }).finally(() => {
      inFlight.splice(inFlight.indexOf(done), 1);
    });
    inFlight.push(done);
  };

  let fatal: Error | undefined;
  try {
    for await (const chunk of plugin.chunks(ctx)) {
      if (signal.aborted) throw new Error("sync aborted");
      if (chunk.error) {
        unreadable++;
        unreadableKeys.add(chunk.error.key);
        failures.push({ key: chunk.error.key, reason: `${chunk.error.reason} (will retry next run)` });
        if (failures.length > MAX_FAILURES_KEPT) failures.shift();
        continue;
      }
      if (chunk.rows?.ids.length) {
        appendRows(batch.rows, chunk.rows);
        // Each event remembers its log file (integrity is per file: lib/integrity).
        const from = chunk.object ? batch.objects.length : -1;
        for (let i = 0; i < chunk.rows.ids.length; i++) batch.rowObjects!.push(from);
      }
      if (chunk.object) batch.objects.push(chunk.object);
      if (chunk.cursor) batch.cursors.push(chunk.cursor);
      renderer.update(progress);
      if (chunk.flush || batch.rows.ids.length >= batchRows || batch.objects.length >= batchObjects) await flush();
    }
    if (batch.rows.ids.length || batch.objects.length || batch.cursors.length) await flush();
    await Promise.all(inFlight);
    if (failure) throw failure;
  } catch (err) {
    fatal = err as Error;
    await Promise.all(inFlight);
  } finally {
    await grouping;
    if (!fatal) {
      // Fresh statistics for what the sync grew (lib/store/analyze.ts); the facets also choose
      // between rollups and sampling from pg_class.reltuples. Before the late links: planned on a
      // never-analyzed table (the end of a fresh 10M sync), their UPDATE looked up 1.1M events
      // one by one for minutes; on the analyzed database the same pass took 17–23 s.
      if (progress.eventsNew > 0) {
        await analyzeAfterSync(db.pool).catch((err: Error) => log(`could not update the planner's statistics: ${err.message}`));
      }
      // Events stored before the event that issued their session's credentials (another file or
      // source, LookupEvents' newest-first pages) get their actor now that it is known.
      const relinkStart = performance.now();
      await relinkLateEvents(db.pool, runStart).then(
        (n) => n > 0 && log(`${plugin.id}: ${n} event(s) linked to the identity behind their session`),
        (err: Error) => log(`${plugin.id}: events stored before their session was known not linked to an actor: ${err.message}`),
      );
      loader.linkMs += performance.now() - relinkStart;
      // Filters of an older release rebuilt once (then grouped with the rest).
      await resketchBlocks(db.pool, { signal, log }).catch((err: Error) => log(`search filters not rebuilt: ${err.message} (searches still read those blocks)`));
      groupBlocks();
      await grouping;
    }
    clearInterval(heartbeat);
    renderer.done();
    await pool.close();
  }

  const elapsedMs = Date.now() - progress.startedAt;
  const events = progress.eventsNew + progress.eventsDuplicate;
  const summary: SyncSummary = {
    linkMs: Math.round(loader.linkMs),
    source: plugin.id,
    ok: !fatal && unreadable === 0,
    objectsRead: progress.objectsRead,
    objectsUnchanged: progress.objectsUnchanged,
    objectsSkipped: progress.objectsSkipped,
    objectsFailed: progress.objectsFailed,
    eventsNew: progress.eventsNew,
    eventsDuplicate: progress.eventsDuplicate,
    elapsedMs,
    eventsPerSecond: elapsedMs > 0 ? Math.round((events * 1000) / elapsedMs) : 0,
    failures,
    unreadable,
    error: fatal ? fatal.message : unreadable ? `${unreadable} ${workItems(plugin.id, unreadable)} could not be read; ${unreadable === 1 ? "it is" : "they are"} retried next run` : undefined,
  };
  if (!fatal && scope) {
    try {
      // Nothing recorded this run and validated before: the outcomes stand as they are. Validated
      // before, a sync's validation covers what it added (newSince); the first covers everything.
      const changed = progress.objectsRead + progress.objectsSkipped + progress.objectsFailed > 0;
      const before = await validatedBefore(db, scope);
      if (opts.reread || changed || !before) {
        summary.integrity = await verifyScope(db, scope, {
          mode: opts.reread ? "on-demand" : "after-sync",
          readSince: opts.reread ? runStart : undefined,
          newSince: before && !opts.reread ? runStart : undefined,
          unreadable: unreadableKeys,
        });
      }
    } catch (err) {
      summary.integrityError = (err as Error).message;
      log(`${plugin.id}: log file integrity not validated: ${summary.integrityError}`);
    }
  }
  // The detections page's counts brought up to what this run stored (lib/detections/rollup.ts);
  // never fails the sync: the page counts live until a refresh succeeds.
  if (!signal.aborted) {
    const { refreshDetectionRollups } = await import("../detections/rollup");
    await refreshDetectionRollups(db.pool).then(
      (r) => (summary.detectionRollupMs = r.ms),
      (err: Error) => log(`detection counts not brought up to date: ${err.message} (the detections page counts live meanwhile)`),
    );
  }
  // Whatever this run committed (even one that failed later) is alerted on; not on shutdown.
  if (!signal.aborted) summary.alerts = await (await import("../alerts/after-sync")).alertsAfterSync(db, log);
  await saveRun({
    status: fatal ? "failed" : unreadable ? "partial" : "ok",
    finishedAt: new Date(),
    error: summary.error ?? null,
    progress: finishedText(progress),
  });
  await lockClient.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [lockKey]).catch(() => {});
  giveBack(lockClient);
  return summary;
}

export function formatSummary(s: SyncSummary): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const lines = [
    `${s.source}: ${s.ok ? "done" : "FAILED"} in ${(s.elapsedMs / 1000).toFixed(1)} s`,
    `  objects: ${n(s.objectsRead)} read, ${n(s.objectsUnchanged)} unchanged (already ingested), ${n(s.objectsSkipped)} skipped, ${n(s.objectsFailed)} failed`,
    `  events:  ${n(s.eventsNew)} new, ${n(s.eventsDuplicate)} duplicate, ${n(s.eventsPerSecond)} events/s`,
  ];
  const problems = s.failures.filter((f) => !f.expected);
  const expected = s.failures.filter((f) => f.expected);
  if (problems.length) {
    lines.push(`  problems (${problems.length}${s.failures.length >= MAX_FAILURES_KEPT ? ", most recent" : ""}):`);
    for (const f of problems) lines.push(`    ${f.key}: ${f.reason}`);
  }
  if (expected.length) {
    lines.push(`  skipped as expected (${expected.length}; not problems):`);
    for (const f of expected) lines.push(`    ${f.key}: ${f.reason}`);
  }
  if (s.integrity) lines.push(integrityLine(s.integrity));
  if (s.integrityError) lines.push(`  integrity: not validated (${s.integrityError})`);
  if (s.alerts && (s.alerts.watches || s.alerts.error)) lines.push(`  alerts:  ${n(s.alerts.alerts)} queued from ${n(s.alerts.watches)} watch(es)${s.alerts.error ? ` (${s.alerts.error})` : ""}`);
  if (s.error) lines.push(`  error: ${s.error}`);
  return lines.join("\n");
}

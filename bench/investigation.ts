// Issue 22's speed figures, each beside a peer measured in the same run (`npx tsx bench/investigation.ts
// [--size 100k] [--reps 4] [--runs 20]`; prints a table, the figures go into BENCHMARKS.md by hand):
//   1. Chain linking's share of ingest: the bench corpus synced in-process into fresh databases,
//      repetitions alternating with and without the actor index (the index's own cost), each
//      reporting the time the loader spent linking (SyncSummary.linkMs: recording issuances,
//      following keys, the late-link pass) against the sync's wall time.
//   2. The detections page: every built-in detection counted with its per-day sparkline over the
//      corpus's last 30 days (lib/detections countDetections, as /detections runs it), against the
//      plain count of the same range's events (the cheapest question of that range).
//   3. Alert evaluation after a sync: fifteen watches — ten built-in detections and five views whose
//      filters no index serves (free text, a value inside the record, plain columns together) —
//      evaluated over the events the last sync stored (all of them), against one count of those
//      events.
// With `--db <name>` (e.g. tsbench_10m, kept by `npm run bench -- --keep`) no ingest: 2 and 3 run
// on that database, 3 over its newest `--new` (100000) stored events, as after a sync of that many.
import { performance } from "node:perf_hooks";
import { ensureCorpus, CORPUS_END } from "./corpus";
import { createDb, dbUrl, dropDb } from "./pg";
import { keptDbName } from "./ingest";
import type { Corpus } from "./corpus";
import { log, median, percentile } from "./stats";
import { runSync } from "../lib/ingest/engine";
import { FolderSource } from "../lib/ingest/sources/folder";
import { migrate } from "../lib/store/migrate";
import { openDb, type Db } from "../lib/store/db";
import { upsertUser } from "../lib/auth/users";
import { backgroundAccess } from "../lib/auth/access";
import { BUILTIN_DETECTIONS } from "../lib/detections/library";
import { countDetections } from "../lib/detections";
import { refreshDetectionRollups } from "../lib/detections/rollup";
import { evaluateWatches } from "../lib/alerts/evaluate";

// The bench's watches point at a loopback webhook (evaluation sends nothing; a URL is required).
process.env.TRAILSCOPE_WEBHOOK_ALLOW_PRIVATE = "true";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const size = arg("size", "100k");
const reps = Number(arg("reps", "4"));
const runs = Number(arg("runs", "20"));
const ms = (v: number) => `${v.toFixed(1)} ms`;
const existing = process.argv.includes("--db") ? arg("db", "") : null;
const newest = Number(arg("new", "100000"));

async function ingestOnce(dir: string, withIndex: boolean, keep: boolean): Promise<{ elapsed: number; link: number; db?: Db; name: string }> {
  const name = `tsbench_inv_${withIndex ? "idx" : "noidx"}_${Date.now().toString(36)}`;
  const url = await createDb(name);
  await migrate(url);
  const db = openDb(url, { max: 4 });
  if (!withIndex) await db.pool.query(`DROP INDEX events_actor_time_idx`);
  const s = await runSync(db, new FolderSource(dir), { log: () => {} });
  if (!s.ok) throw new Error(`sync failed: ${s.error}`);
  if (keep) return { elapsed: s.elapsedMs, link: s.linkMs ?? 0, db, name };
  await db.close();
  await dropDb(name);
  return { elapsed: s.elapsedMs, link: s.linkMs ?? 0, name };
}

export interface InvestigationResult {
  size: string;
  events: number;
  /** countDetections of every built-in with 30-day sparklines, against the plain count of that range. */
  detections: {
    count: number;
    fired: number;
    runs: number;
    /** The page as it runs: the kept counts' whole days, the rest live. */
    p50: number;
    p95: number;
    /** Every detection counted live (as before the rollups). */
    liveP50: number;
    liveP95: number;
    /** A user scoped to the account with the fewest detection events. */
    scopedP50: number;
    scopedP95: number;
    rangeCountP50: number;
    /** The rollups counted from scratch up to the last sync, and caught up with that sync. */
    rollupFromScratchMs: number;
    rollupAfterSyncMs: number;
  };
  /** evaluateWatches after "a sync" of `stored` events, against one count of those events (BRIN). */
  alerts: { watches: number; detections: number; views: number; stored: number; alerts: number; runsMs: number[]; p50: number; countP50: number };
}

/**
 * The detections page and alert evaluation on a database that holds a corpus (`npm run bench`'s
 * stage "investigation" on the kept one, or `--db`): alert evaluation over its newest `newest`
 * stored events, as after a sync of that many.
 */
export async function measureInvestigation(db: Db, size: string, runs: number, opts: { newest?: number; end?: Date } = {}): Promise<InvestigationResult> {
  const newest = opts.newest ?? 100_000;
  const events = Number((await db.pool.query(`SELECT coalesce(sum(events), 0)::bigint AS n FROM event_minutes`)).rows[0].n);
  const { user } = await upsertUser(db, { email: "bench@example.test", role: "analyst", accounts: null });
  const access = await backgroundAccess(db, user.id);
  const end = opts.end ?? ((await db.pool.query(`SELECT max(minute) + interval '1 minute' AS t FROM event_minutes`)).rows[0].t as Date);
  const from = new Date(end.getTime() - 30 * 86400e3);
  const params = new URLSearchParams({ from: from.toISOString(), to: end.toISOString() });
  // The lower bound of the newest `newest` stored events (all of them in a smaller database): what
  // "the last sync" stored, for the rollups' catch-up and the watches below.
  const since: Date = (await db.pool.query(`SELECT ingested_at FROM events ORDER BY ingested_at DESC OFFSET $1 LIMIT 1`, [Math.max(1, Math.min(newest, events)) - 1])).rows[0]?.ingested_at ?? new Date("2000-01-01Z");

  // The detections page's kept counts (lib/detections/rollup.ts): counted from scratch up to that
  // sync (once per database and release), then caught up with it (after every sync).
  await db.pool.query(`DELETE FROM detection_rollups; DELETE FROM detection_days; DELETE FROM detection_groups`);
  let t0 = performance.now();
  await refreshDetectionRollups(db.pool, { upTo: new Date(since.getTime() - 1) });
  const fromScratchMs = performance.now() - t0;
  t0 = performance.now();
  const caughtUp = await refreshDetectionRollups(db.pool);
  const afterSyncMs = performance.now() - t0;
  if (caughtUp.updated === 0) throw new Error("investigation: the rollups' catch-up counted nothing");
  // A user scoped to the account with the fewest detection events (issue 20's scoped case).
  const smallest = (await db.pool.query(`SELECT account FROM detection_days WHERE account <> '' GROUP BY 1 ORDER BY sum(events) LIMIT 1`)).rows[0]?.account as string | undefined;
  const scoped = smallest ? await backgroundAccess(db, (await upsertUser(db, { email: "bench-scoped@example.test", role: "analyst", accounts: [smallest] })).user.id) : access;

  const pageMs: number[] = [];
  const liveMs: number[] = [];
  const scopedMs: number[] = [];
  const countMs: number[] = [];
  let fired = 0;
  const all = () => [...BUILTIN_DETECTIONS];
  for (let i = 0; i < runs + 2; i++) {
    let t = performance.now();
    const counted = await countDetections(db.pool, access, all(), params, { now: end, days: { from, to: end } });
    const a = performance.now() - t;
    fired = counted.filter((c) => (c.count ?? 0) > 0).length;
    t = performance.now();
    const live = await countDetections(db.pool, access, all(), params, { now: end, days: { from, to: end }, live: true });
    const l = performance.now() - t;
    if (JSON.stringify(live.map((c) => [c.count, c.days])) !== JSON.stringify(counted.map((c) => [c.count, c.days]))) throw new Error("investigation: the detections page's kept counts differ from counting live");
    t = performance.now();
    await countDetections(db.pool, scoped, all(), params, { now: end, days: { from, to: end } });
    const sc = performance.now() - t;
    t = performance.now();
    await db.pool.query(`SELECT count(*) FROM events WHERE event_time >= $1 AND event_time < $2`, [from, end]);
    const b = performance.now() - t;
    if (i >= 2) (pageMs.push(a), liveMs.push(l), scopedMs.push(sc), countMs.push(b));
  }

  // Fifteen watches over what "the last sync" stored: everything (a fresh sync) or, on an
  // existing database, its newest `newest` stored events.
  const stored = Number((await db.pool.query(`SELECT count(*)::int AS n FROM events WHERE ingested_at >= $1`, [since])).rows[0].n);
  const ip = (await db.pool.query(`SELECT source_ip_address AS ip FROM events WHERE ingested_at >= $1 AND source_ip_address ~ '^[0-9.]+$' LIMIT 1`, [since])).rows[0]?.ip ?? "203.0.113.7";
  const views: [string, string][] = [
    ["iam writes", "eventSource=iam.amazonaws.com&readOnly=false"],
    ["denied", "errorCode=AccessDenied"],
    ["one address anywhere in the record", `q=${ip}`],
    ["buckets named", "requestParameters.bucketName=*"],
    ["public writes", "ipClass=public&readOnly=false"],
  ];
  for (const [k, [name, query]] of views.entries()) {
    await db.pool.query(`INSERT INTO saved_views (id, name, query, owner_id, shared) VALUES ($1, $2, $3, $4, false) ON CONFLICT (id) DO UPDATE SET query = EXCLUDED.query, owner_id = EXCLUDED.owner_id`, [`bench-view-${k}`, name, query, user.id]);
  }
  const targets: [string, string][] = [...[...BUILTIN_DETECTIONS.filter((d) => !d.threshold).slice(0, 9), ...BUILTIN_DETECTIONS.filter((d) => d.threshold)].slice(0, 10).map((d): [string, string] => ["detection", d.id]), ...views.map((_, k): [string, string] => ["view", `bench-view-${k}`])];
  const evalMs: number[] = [];
  const oneCount: number[] = [];
  let alerts = 0;
  for (let i = 0; i < Math.max(3, Math.ceil(runs / 4)); i++) {
    await db.pool.query(`DELETE FROM alert_deliveries; DELETE FROM alerts; DELETE FROM watches`);
    for (const [k, [kind, id]] of targets.entries()) {
      await db.pool.query(
        `INSERT INTO watches (id, owner_id, target_kind, target_id, webhook_url, webhook_format, emails, stored_after) VALUES ($1, $2, $3, $4, 'http://127.0.0.1:9/x', 'json', '{}', $5)`,
        [`bench-${k}`, user.id, kind, id, new Date(since.getTime() - 1)],
      );
    }
    let t = performance.now();
    const s = await evaluateWatches(db);
    evalMs.push(performance.now() - t);
    alerts = s.alerts;
    if (s.problems.length) throw new Error(`watches not evaluated: ${JSON.stringify(s.problems.slice(0, 2))}`);
    t = performance.now();
    await db.pool.query(`SELECT count(*) FROM events WHERE ingested_at >= $1`, [since]);
    oneCount.push(performance.now() - t);
  }

  return {
    size,
    events,
    detections: {
      count: BUILTIN_DETECTIONS.length,
      fired,
      runs: pageMs.length,
      p50: median(pageMs),
      p95: percentile(pageMs, 95),
      liveP50: median(liveMs),
      liveP95: percentile(liveMs, 95),
      scopedP50: median(scopedMs),
      scopedP95: percentile(scopedMs, 95),
      rangeCountP50: median(countMs),
      rollupFromScratchMs: fromScratchMs,
      rollupAfterSyncMs: afterSyncMs,
    },
    alerts: { watches: targets.length, detections: targets.length - views.length, views: views.length, stored, alerts, runsMs: evalMs, p50: median(evalMs), countP50: median(oneCount) },
  };
}

/** Stage "investigation" of `npm run bench`: on the kept database of the corpus. */
export async function benchInvestigation(corpus: Corpus, runs: number): Promise<InvestigationResult> {
  const db = openDb(dbUrl(keptDbName(corpus.size)), { max: 4 });
  try {
    log(`investigation ${corpus.size}: detections page and alert evaluation`);
    return await measureInvestigation(db, corpus.size, runs, { end: CORPUS_END });
  } finally {
    await db.close();
  }
}

async function main() {
  const corpus = existing ? null : await ensureCorpus(size);
  log(existing ? `investigation bench on ${existing}, ${runs} query runs` : `investigation bench: ${size} (${corpus!.count} events), ${reps} ingest repetitions, ${runs} query runs`);
  const withIdx: { elapsed: number; link: number }[] = [];
  const noIdx: number[] = [];
  let kept: { db: Db; name: string } | null = existing ? { db: openDb(dbUrl(existing), { max: 4 }), name: existing } : null;
  if (existing) await migrate(dbUrl(existing));
  for (let r = 0; r < (existing ? 0 : reps); r++) {
    for (const idx of r % 2 === 0 ? [true, false] : [false, true]) {
      const last = r === reps - 1 && idx;
      const x = await ingestOnce(corpus!.dir, idx, last);
      log(`  rep ${r + 1} ${idx ? "with" : "without"} the actor index: ${(x.elapsed / 1000).toFixed(1)} s, linking ${(x.link / 1000).toFixed(2)} s`);
      if (idx) withIdx.push({ elapsed: x.elapsed, link: x.link });
      else noIdx.push(x.elapsed);
      if (x.db) kept = { db: x.db, name: x.name };
    }
  }
  const db = kept!.db;
  try {
    const m = await measureInvestigation(db, existing ?? size, runs, { newest, end: existing ? undefined : CORPUS_END });
    const linkShare = withIdx.map((x) => x.link / x.elapsed);
    const indexShare = median(withIdx.map((x) => x.elapsed)) / median(noIdx) - 1;
    const rows = existing ? [] : [
      ["chain linking, share of ingest (linkMs / sync wall time)", `median ${(median(linkShare) * 100).toFixed(1)}% (${linkShare.map((v) => (v * 100).toFixed(1) + "%").join(", ")})`, "≤ 10% (with the index below)"],
      ["the actor index, ingest with vs without", `${(median(withIdx.map((x) => x.elapsed)) / 1000).toFixed(1)} s vs ${(median(noIdx) / 1000).toFixed(1)} s: ${(indexShare * 100).toFixed(1)}%`, ""],
    ];
    rows.push(
      [`detections page: ${m.detections.count} built-ins, counts + 30-day sparklines (${m.detections.fired} fired)`, `p50 ${ms(m.detections.p50)}, p95 ${ms(m.detections.p95)}; range count alone p50 ${ms(m.detections.rangeCountP50)} (${(m.detections.p50 / m.detections.rangeCountP50).toFixed(1)}×)`, "< 1 s at 10M"],
      ["  the same, every detection counted live", `p50 ${ms(m.detections.liveP50)}, p95 ${ms(m.detections.liveP95)}`, ""],
      ["  the same, scoped to the account with the fewest detection events", `p50 ${ms(m.detections.scopedP50)}, p95 ${ms(m.detections.scopedP95)}`, ""],
      ["  its kept counts: from scratch up to the last sync / caught up with it", `${ms(m.detections.rollupFromScratchMs)} / ${ms(m.detections.rollupAfterSyncMs)}`, ""],
      [`alert evaluation, ${m.alerts.watches} watches (${m.alerts.detections} detections, one of them a burst detection; ${m.alerts.views} views) over the ${m.alerts.stored.toLocaleString("en-US")} events stored last (${m.alerts.alerts} alerts)`, `p50 ${ms(m.alerts.p50)} (${m.alerts.runsMs.map((v) => v.toFixed(0)).join(", ")} ms); one count of those events p50 ${ms(m.alerts.countP50)}`, "< 2 s after a sync of 100k"],
    );
    console.log(`\n| ${existing ?? size} | measured | target |\n|---|---|---|`);
    for (const r of rows) console.log(`| ${r.join(" | ")} |`);
  } finally {
    await db.close();
    if (!existing) await dropDb(kept!.name);
  }
}

// Run directly (`npx tsx bench/investigation.ts`), not when `npm run bench` imports the stage.
if (process.argv[1]?.endsWith("investigation.ts")) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

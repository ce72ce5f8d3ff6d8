// Issue 22's speed figures, each beside a peer measured in the same run (`npx tsx bench/investigation.ts
// [--size 100k] [--reps 4] [--runs 20]`; prints a table, the figures go into BENCHMARKS.md by hand):
//   1. Chain linking's share of ingest: the bench corpus synced in-process into fresh databases,
//      repetitions alternating with and without the actor index (the index's own cost), each
//      reporting the time the loader spent linking (SyncSummary.linkMs: recording issuances,
//      following keys, the late-link pass) against the sync's wall time.
//   2. The detections page: every built-in detection counted with its per-day sparkline over the
//      corpus's last 30 days (lib/detections countDetections, as /detections runs it), against the
//      plain count of the same range's events (the cheapest question of that range).
//   3. Alert evaluation after a sync: ten watches on built-in detections, each evaluated over the
//      events the last sync stored (all of them), against one count of those events.
import { performance } from "node:perf_hooks";
import { ensureCorpus, CORPUS_END } from "./corpus";
import { createDb, dropDb } from "./pg";
import { log, median, percentile } from "./stats";
import { runSync } from "../lib/ingest/engine";
import { FolderSource } from "../lib/ingest/sources/folder";
import { migrate } from "../lib/store/migrate";
import { openDb, type Db } from "../lib/store/db";
import { upsertUser } from "../lib/auth/users";
import { backgroundAccess } from "../lib/auth/access";
import { BUILTIN_DETECTIONS } from "../lib/detections/library";
import { countDetections } from "../lib/detections";
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

async function main() {
  const corpus = await ensureCorpus(size);
  log(`investigation bench: ${size} (${corpus.count} events), ${reps} ingest repetitions, ${runs} query runs`);
  const withIdx: { elapsed: number; link: number }[] = [];
  const noIdx: number[] = [];
  let kept: { db: Db; name: string } | null = null;
  for (let r = 0; r < reps; r++) {
    for (const idx of r % 2 === 0 ? [true, false] : [false, true]) {
      const last = r === reps - 1 && idx;
      const x = await ingestOnce(corpus.dir, idx, last);
      log(`  rep ${r + 1} ${idx ? "with" : "without"} the actor index: ${(x.elapsed / 1000).toFixed(1)} s, linking ${(x.link / 1000).toFixed(2)} s`);
      if (idx) withIdx.push({ elapsed: x.elapsed, link: x.link });
      else noIdx.push(x.elapsed);
      if (x.db) kept = { db: x.db, name: x.name };
    }
  }
  const db = kept!.db;
  try {
    const { user } = await upsertUser(db, { email: "bench@example.test", role: "analyst", accounts: null });
    const access = await backgroundAccess(db, user.id);
    const from = new Date(CORPUS_END.getTime() - 30 * 86400e3);
    const params = new URLSearchParams({ from: from.toISOString(), to: CORPUS_END.toISOString() });
    const pageMs: number[] = [];
    const countMs: number[] = [];
    let fired = 0;
    for (let i = 0; i < runs + 2; i++) {
      let t = performance.now();
      const counted = await countDetections(db.pool, access, [...BUILTIN_DETECTIONS], params, { now: CORPUS_END, days: { from, to: CORPUS_END } });
      const a = performance.now() - t;
      fired = counted.filter((c) => (c.count ?? 0) > 0).length;
      t = performance.now();
      await db.pool.query(`SELECT count(*) FROM events WHERE event_time >= $1 AND event_time < $2`, [from, CORPUS_END]);
      const b = performance.now() - t;
      if (i >= 2) (pageMs.push(a), countMs.push(b));
    }

    // Ten watches over everything the sync stored.
    const targets = BUILTIN_DETECTIONS.filter((d) => !d.threshold).slice(0, 10);
    const evalMs: number[] = [];
    const oneCount: number[] = [];
    let alerts = 0;
    for (let i = 0; i < Math.max(3, Math.ceil(runs / 4)); i++) {
      await db.pool.query(`DELETE FROM alert_deliveries; DELETE FROM alerts; DELETE FROM watches`);
      for (const [k, d] of targets.entries()) {
        await db.pool.query(
          `INSERT INTO watches (id, owner_id, target_kind, target_id, webhook_url, webhook_format, emails, stored_after) VALUES ($1, $2, 'detection', $3, 'http://127.0.0.1:9/x', 'json', '{}', '2000-01-01Z')`,
          [`bench-${k}`, user.id, d.id],
        );
      }
      let t = performance.now();
      const s = await evaluateWatches(db);
      evalMs.push(performance.now() - t);
      alerts = s.alerts;
      if (s.problems.length) throw new Error(`watches not evaluated: ${JSON.stringify(s.problems.slice(0, 2))}`);
      t = performance.now();
      await db.pool.query(`SELECT count(*) FROM events WHERE ingested_at > '2000-01-01Z'`);
      oneCount.push(performance.now() - t);
    }

    const linkShare = withIdx.map((x) => x.link / x.elapsed);
    const indexShare = median(withIdx.map((x) => x.elapsed)) / median(noIdx) - 1;
    const rows = [
      ["chain linking, share of ingest (linkMs / sync wall time)", `median ${(median(linkShare) * 100).toFixed(1)}% (${linkShare.map((v) => (v * 100).toFixed(1) + "%").join(", ")})`, "≤ 10% (with the index below)"],
      ["the actor index, ingest with vs without", `${(median(withIdx.map((x) => x.elapsed)) / 1000).toFixed(1)} s vs ${(median(noIdx) / 1000).toFixed(1)} s: ${(indexShare * 100).toFixed(1)}%`, ""],
      [`detections page: ${BUILTIN_DETECTIONS.length} built-ins, counts + 30-day sparklines (${fired} fired)`, `p50 ${ms(median(pageMs))}, p95 ${ms(percentile(pageMs, 95))}; range count alone p50 ${ms(median(countMs))} (${(median(pageMs) / median(countMs)).toFixed(1)}×)`, "< 1 s at 10M"],
      [`alert evaluation, ${targets.length} watches over the ${corpus.count} events just stored (${alerts} alerts)`, `p50 ${ms(median(evalMs))} (${evalMs.map((v) => v.toFixed(0)).join(", ")} ms); one count of those events p50 ${ms(median(oneCount))}`, "< 2 s after a sync of 100k"],
    ];
    console.log(`\n| ${size} | measured | target |\n|---|---|---|`);
    for (const r of rows) console.log(`| ${r.join(" | ")} |`);
  } finally {
    await db.close();
    await dropDb(kept!.name);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

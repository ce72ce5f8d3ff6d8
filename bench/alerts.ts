// Alert evaluation after a sync (issue 22: "< 2 s after a sync of 100k events at 10M stored"):
// a database with `--stored` events stored earlier (synthetic rows of realistic size, written by
// SQL: the loader's speed is measured elsewhere), then `--new` events stored by a later
// transaction, `--watches` watches on detections and views of different selectivity; evaluateWatches
// is timed, and the plan of one watch's query shown. The cost follows the new events, not the
// stored ones (events_ingested_at_idx, a BRIN index): run it at two stored sizes to see it flat.
//
//   npx tsx bench/alerts.ts [--stored 1000000] [--new 100000] [--watches 10] [--keep]
import { performance } from "node:perf_hooks";
import pg from "pg";
import { evaluateWatches } from "../lib/alerts/evaluate";
import { openDb } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const STORED = opt("stored", 1_000_000);
const NEW = opt("new", 100_000);
const WATCHES = opt("watches", 10);
const SERVER = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const NAME = `tsbench_alerts_${STORED}`;

function urlOf(name: string): string {
  const u = new URL(SERVER);
  u.pathname = "/" + name;
  return u.toString();
}

const NAMES = ["GetObject", "DescribeInstances", "ListUsers", "AssumeRole", "PutObject", "GetCallerIdentity", "CreateUser", "StopLogging", "ConsoleLogin", "DeleteTrail"];
const SOURCES = ["s3.amazonaws.com", "ec2.amazonaws.com", "iam.amazonaws.com", "sts.amazonaws.com", "s3.amazonaws.com", "sts.amazonaws.com", "iam.amazonaws.com", "cloudtrail.amazonaws.com", "signin.amazonaws.com", "cloudtrail.amazonaws.com"];

/** Rows g in [from, to): rare names (StopLogging, DeleteTrail, CreateUser) on a few rows only; ~1.2 KB records. */
function insertSql(from: number, to: number): string {
  const names = `(ARRAY[${NAMES.map((n) => `'${n}'`).join(",")}])`;
  const sources = `(ARRAY[${SOURCES.map((n) => `'${n}'`).join(",")}])`;
  // Index into the arrays: mostly the common five, every 997th row one of the rare ones.
  const k = `(CASE WHEN g % 997 = 0 THEN 6 + (g / 997) % 4 WHEN g % 5003 = 0 THEN 8 ELSE g % 6 END) + 1`;
  return `INSERT INTO events (id, event_time, event_name, event_source, aws_region, recipient_account_id, username, identity_type, principal_arn, source_ip_address, read_only, record)
    SELECT 'e' || g, timestamptz '2026-01-01' + g * interval '300 ms', ${names}[${k}], ${sources}[${k}], 'us-east-1',
           (ARRAY['111111111111','222222222222','333333333333'])[g % 3 + 1], 'user' || (g % 50),
           CASE WHEN g % 7919 = 0 THEN 'Root' ELSE 'IAMUser' END, 'arn:aws:iam::111111111111:user/user' || (g % 50), '203.0.113.' || (g % 250), g % 4 <> 0,
           json_build_object('eventID', 'e' || g, 'pad', repeat('x', 1100))
      FROM generate_series(${from}, ${to - 1}) AS g`;
}

async function main() {
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  const exists = (await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [NAME])).rowCount;
  if (!exists) await admin.query(`CREATE DATABASE "${NAME}"`);
  await admin.end();
  const url = urlOf(NAME);
  await migrate(url);
  const db = openDb(url);
  try {
    const have = (await db.pool.query(`SELECT count(*)::int AS n FROM events WHERE id LIKE 'e%'`)).rows[0].n as number;
    if (have < STORED) {
      process.stderr.write(`storing ${STORED - have} events…\n`);
      for (let from = have; from < STORED; from += 250_000) await db.pool.query(insertSql(from, Math.min(STORED, from + 250_000)));
      await db.pool.query(`VACUUM ANALYZE events`);
    }
    await db.pool.query(`DELETE FROM events WHERE id LIKE 'n%'`);
    // Kept databases: the last run's new events' space reused, not appended to (a heap grown by
    // every run made each evaluation's scan longer).
    await db.pool.query(`VACUUM events`);
    await db.pool.query(`DELETE FROM watches`);
    await db.pool.query(`INSERT INTO auth_users (id, name, email, role, account_scope) VALUES ('bench-a', 'a', 'a@bench', 'analyst', NULL), ('bench-s', 's', 's@bench', 'analyst', '111111111111') ON CONFLICT DO NOTHING`);
    await db.pool.query(
      `INSERT INTO saved_views (id, name, query, owner_id, shared) VALUES ('bench-v1', 'iam writes', 'eventSource=iam.amazonaws.com&readOnly=false', 'bench-a', true), ('bench-v2', 'errors by one user', 'username=user7&errorCode=*', 'bench-a', true), ('bench-v3', 'free text', 'q=user13', 'bench-a', true) ON CONFLICT DO NOTHING`,
    );
    const targets = [["detection", "cloudtrail-tampering"], ["detection", "cis-root-account-usage"], ["view", "bench-v1"], ["view", "bench-v2"], ["view", "bench-v3"]];
    for (let i = 0; i < WATCHES; i++) {
      const [kind, id] = targets[i % targets.length];
      await db.pool.query(`INSERT INTO watches (id, owner_id, target_kind, target_id, webhook_url, webhook_format, emails, stored_after) VALUES ($1, $2, $3, $4, 'https://hooks.example.com/x', 'json', '{}', now())`, [
        `bench-w${i}`,
        i % 2 ? "bench-s" : "bench-a",
        kind,
        id,
      ]);
    }
    // "The sync": new events, stored after the watches' bound, in a later transaction.
    const t0 = performance.now();
    await db.pool.query(insertSql(STORED, STORED + NEW).replace(`'e' || g, timestamptz`, `'n' || g, timestamptz`));
    process.stderr.write(`stored ${NEW} new events in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    await db.pool.query(`ANALYZE events`);
    // What evaluateWatches does first, timed on its own (its own call then finds nothing new).
    const tb = performance.now();
    await db.pool.query(`SELECT brin_summarize_new_values('events_ingested_at_idx')`);
    console.log(`BRIN summarisation of the new ranges: ${(performance.now() - tb).toFixed(0)} ms`);
    const t1 = performance.now();
    const perWatch: string[] = [];
    const s = await evaluateWatches(db, { log: (m) => process.stderr.write(m + "\n"), onWatch: (id, ms) => perWatch.push(`${id} ${ms.toFixed(0)} ms`) });
    const ms = performance.now() - t1;
    console.log(`per watch: ${perWatch.join(", ")}`);
    const alerts = (await db.pool.query(`SELECT a.count, w.target_id, w.owner_id FROM alerts a JOIN watches w ON w.id = a.watch_id ORDER BY w.id`)).rows;
    const plan = (
      await db.pool.query(
        `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*) OVER () AS total, id FROM events WHERE ingested_at > now() - interval '10 minutes' AND ingested_at <= now() AND event_source = 'cloudtrail.amazonaws.com' AND event_name = ANY('{StopLogging,DeleteTrail,UpdateTrail}') ORDER BY event_time DESC, id DESC LIMIT 5`,
      )
    ).rows.map((r) => r["QUERY PLAN"]);
    const size = (await db.pool.query(`SELECT pg_size_pretty(pg_relation_size('events')) AS heap, pg_size_pretty(pg_relation_size('events_ingested_at_idx')) AS brin`)).rows[0];
    console.log(`stored ${STORED.toLocaleString("en-US")} + new ${NEW.toLocaleString("en-US")} events (heap ${size.heap}, BRIN ${size.brin}); ${s.watches} watches → ${s.alerts} alerts in ${ms.toFixed(0)} ms`);
    for (const a of alerts) console.log(`  ${a.target_id} (${a.owner_id}): ${a.count}`);
    console.log(plan.join("\n"));
  } finally {
    await db.close();
    if (!args.includes("--keep")) {
      const c = new pg.Client({ connectionString: SERVER });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${NAME}" WITH (FORCE)`);
      await c.end();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

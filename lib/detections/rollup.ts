// The detections page's counts, kept after each sync: how many events each built-in detection
// matches per account and UTC day (detection_days), and a burst detection's groups with up to its
// threshold's number of distinct values (detection_groups). Counting the page live read every
// match of 30 days — at 10M events 3.7–5.0 s, most of it the 221k secret reads whose records the
// burst detection opens — where its target is 1 s (BENCHMARKS, session 14).
//
// Exact, not approximate: the page adds up the days its range holds whole and whose events were
// all stored by the time the rollups last counted (event_minutes.last_stored_at), and counts the
// rest live — the range's partial first and last days, and any day a sync has stored into since.
// A burst window lies inside one day (windows divide a day), so a day's bursts are whole either way.
//
// Only built-ins whose filters read values fixed when an event is stored are kept (a catalog
// field's changesAfterStore: the actor, enrichment, integrity); the others, user-made detections
// and any request with filters, free text or an asOf bound are counted live as before.
import { createHash } from "node:crypto";
import type pg from "pg";
import { freezeInstant } from "../auth/shares";
import { parseEventQuery, type EventQuery } from "../query/params";
import { SqlParams, whereClauses } from "../query/sql";
import { checkOut, giveBack } from "../store/checkout";
import { burstGroupSql, DAY_MS, fieldExpr, newBurstGroupsSql, ORIGIN, type Burst, type CountRow } from "./count";
import { BUILTIN_DETECTIONS } from "./library";
import type { Detection } from "./types";

const DAY = `date_bin('1 day'::interval, event_time, ${ORIGIN})`;
const ACCOUNT = `coalesce(recipient_account_id, '')`;

/** A detection the rollups keep: its conditions, and a hash of them as SQL (its definition). */
export interface KeptDetection {
  detection: Detection;
  definition: string;
  q: EventQuery;
}

/** Its WHERE over events, with its own parameters. */
function conditions(k: KeptDetection, p: SqlParams): string[] {
  return whereClauses({ ...k.q, searchBlocks: undefined }, p);
}

function keep(d: Detection): KeptDetection | null {
  const q = parseEventQuery(new URLSearchParams(d.query));
  if (q.filters.some((f) => f.field.changesAfterStore)) return null;
  // The SQL itself, not only the query string: a release that changes a catalog field's column or
  // match changes what the detection counts, and so its definition.
  const p = new SqlParams();
  const sql = conditions({ detection: d, definition: "", q }, p).join(" AND ");
  const definition = createHash("sha256").update(JSON.stringify([sql, p.values, d.threshold ?? null])).digest("hex").slice(0, 16);
  return { detection: d, definition, q };
}

let kept: KeptDetection[] | null = null;

/** The built-ins the rollups keep. */
export function keptDetections(): KeptDetection[] {
  return (kept ??= BUILTIN_DETECTIONS.map(keep).filter((k): k is KeptDetection => k !== null));
}

export interface RollupRefresh {
  /** Detections counted from scratch (new, or changed by a release). */
  counted: number;
  /** Detections brought up to date with the events stored since they last counted. */
  updated: number;
  ms: number;
}

/**
 * Brings the rollups up to the events stored so far (called after each sync, before alerts). One
 * refresh at a time (a transaction-scoped advisory lock); no event is counted twice or missed: the
 * upper bound is freezeInstant's, taken once the lock is held.
 */
export async function refreshDetectionRollups(pool: pg.Pool, opts: { upTo?: Date } = {}): Promise<RollupRefresh> {
  const started = performance.now();
  const all = keptDetections();
  const c = await checkOut(pool);
  try {
    await c.query("BEGIN");
    await c.query(`SELECT pg_advisory_xact_lock(hashtextextended('trailscope-detection-rollups', 0))`);
    // Enough memory for the burst groups' distinct values to be sorted in memory.
    await c.query(`SET LOCAL work_mem = '64MB'`);
    // `upTo`: no further than that (the bench counts up to its "last sync", then that sync).
    const frozen = await freezeInstant(c);
    const bound = opts.upTo && opts.upTo < frozen ? opts.upTo : frozen;
    // Definitions no longer in use (a changed or removed built-in): their counts go.
    const ids = all.map((k) => k.detection.id);
    const defs = all.map((k) => k.definition);
    for (const table of ["detection_days", "detection_groups", "detection_rollups"]) {
      await c.query(`DELETE FROM ${table} WHERE (detection_id, definition) NOT IN (SELECT * FROM unnest($1::text[], $2::text[]))`, [ids, defs]);
    }
    const { rows } = await c.query<{ detection_id: string; counted_through: Date }>(`SELECT detection_id, counted_through FROM detection_rollups`);
    const through = new Map(rows.map((r) => [r.detection_id, r.counted_through]));
    const fresh = all.filter((k) => !through.has(k.detection.id));
    const behind = all.filter((k) => through.has(k.detection.id) && through.get(k.detection.id)! < bound);
    await countPlain(c, fresh.filter((k) => !k.detection.threshold), null, bound);
    await countPlain(c, behind.filter((k) => !k.detection.threshold), through, bound);
    for (const k of [...fresh, ...behind]) if (k.detection.threshold) await countGroups(c, k, through.get(k.detection.id) ?? null, bound);
    const moved = [...fresh, ...behind];
    await c.query(
      `INSERT INTO detection_rollups (detection_id, definition, counted_through) SELECT *, $3::timestamptz FROM unnest($1::text[], $2::text[])
       ON CONFLICT (detection_id, definition) DO UPDATE SET counted_through = EXCLUDED.counted_through`,
      [moved.map((k) => k.detection.id), moved.map((k) => k.definition), bound],
    );
    await c.query("COMMIT");
    giveBack(c);
    return { counted: fresh.length, updated: behind.length, ms: Math.round(performance.now() - started) };
  } catch (err) {
    await c.query("ROLLBACK").catch(() => {});
    giveBack(c, err as Error);
    throw err;
  }
}

/** Adds per-day counts into detection_days. */
async function addDays(c: pg.ClientBase, list: KeptDetection[], rows: { b: number; a: string; d: Date; n: string | number }[]): Promise<void> {
  const hit = rows.filter((r) => Number(r.n) > 0);
  if (hit.length === 0) return;
  await c.query(
    `INSERT INTO detection_days (detection_id, definition, account, day, events)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::int[])
     ON CONFLICT (detection_id, definition, account, day) DO UPDATE SET events = detection_days.events + EXCLUDED.events`,
    [hit.map((r) => list[r.b].detection.id), hit.map((r) => list[r.b].definition), hit.map((r) => r.a), hit.map((r) => r.d), hit.map((r) => Number(r.n))],
  );
}

/**
 * Plain detections. From scratch (`through` null): one branch per detection over all events stored
 * by the bound, each through its own index. Since `through`: ONE pass over the events stored
 * since (events_ingested_at_idx, a BRIN index), each detection a count(*) FILTER.
 */
async function countPlain(c: pg.ClientBase, list: KeptDetection[], through: Map<string, Date> | null, bound: Date): Promise<void> {
  if (list.length === 0) return;
  const p = new SqlParams();
  const b = p.add(bound);
  if (!through) {
    const sql = list
      .map((k, i) => `(SELECT ${i} AS b, ${ACCOUNT} AS a, ${DAY} AS d, count(*) AS n FROM events WHERE ${[...conditions(k, p), `ingested_at <= ${b}`].join(" AND ")} GROUP BY 2, 3)`)
      .join(" UNION ALL ");
    const { rows } = await c.query<{ b: number; a: string; d: Date; n: string }>(sql, p.values);
    return addDays(c, list, rows);
  }
  const since = list.map((k) => through.get(k.detection.id)!);
  const lowest = new Date(Math.min(...since.map((t) => t.getTime())));
  // Each condition evaluated once per row below the grouping (OFFSET 0: not flattened), so that
  // the rows grouped are an account, a day and booleans: grouped with the conditions above it,
  // PostgreSQL sorted whole records (88 MB on disk for 100k events).
  const matches = list.map((k, i) => `(ingested_at > ${p.add(since[i])} AND ${conditions(k, p).join(" AND ") || "true"}) AS m${i}`);
  const { rows } = await c.query<Record<string, string | Date>>(
    `SELECT a, d, ${list.map((_, i) => `count(*) FILTER (WHERE m${i}) AS n${i}`).join(", ")}
       FROM (SELECT ${ACCOUNT} AS a, ${DAY} AS d, ${matches.join(", ")} FROM events WHERE ingested_at > ${p.add(lowest)} AND ingested_at <= ${b} OFFSET 0) x
      GROUP BY 1, 2`,
    p.values,
  );
  return addDays(c, list, rows.flatMap((r) => list.map((_, i) => ({ b: i, a: r.a as string, d: r.d as Date, n: r[`n${i}`] as string }))));
}

/**
 * A burst detection's groups: from scratch, every group; since `through`, the groups the events
 * stored since fall in, counted again whole (with events of any account, stored before or since).
 */
async function countGroups(c: pg.ClientBase, k: KeptDetection, through: Date | null, bound: Date): Promise<void> {
  const t = k.detection.threshold!;
  const p = new SqlParams();
  const { per, window } = burstGroupSql(t, p);
  const key = `coalesce(${per}, '')`;
  const where = conditions(k, p);
  let only = "";
  if (through) {
    const p2 = new SqlParams();
    const touched = await c.query<{ k: string | null; w: Date }>(newBurstGroupsSql(t, conditions(k, p2), p2, through, bound), p2.values);
    if (touched.rows.length === 0) return;
    const keys = touched.rows.map((r) => r.k ?? ""); // kept with '' for no value
    const windows = touched.rows.map((r) => r.w);
    await c.query(`DELETE FROM detection_groups WHERE detection_id = $1 AND definition = $2 AND (key, "window") IN (SELECT * FROM unnest($3::text[], $4::timestamptz[]))`, [k.detection.id, k.definition, keys, windows]);
    const times = windows.map((w) => w.getTime());
    only = [
      `event_time >= ${p.add(new Date(Math.min(...times)))}`,
      `event_time < ${p.add(new Date(Math.max(...times) + t.windowMinutes * 60_000))}`,
      `(${key}, ${window}) IN (SELECT * FROM unnest(${p.add(keys)}::text[], ${p.add(windows)}::timestamptz[]))`,
    ].join(" AND ");
  } else {
    only = `ingested_at <= ${p.add(bound)}`;
  }
  // Up to the threshold's number of different values: enough to tell whether any union of groups
  // of several accounts reaches it.
  const id = p.add(k.detection.id);
  const def = p.add(k.definition);
  const values = t.distinct ? `coalesce((array_agg(DISTINCT ${fieldExpr(t.distinct, p)}) FILTER (WHERE ${fieldExpr(t.distinct, p)} IS NOT NULL))[1:${p.add(t.atLeast)}::int], '{}')` : `'{}'::text[]`;
  await c.query(
    `INSERT INTO detection_groups (detection_id, definition, account, key, "window", events, values, last_stored_at)
     SELECT ${id}::text, ${def}::text, ${ACCOUNT}, ${key}, ${window}, count(*), ${values}, max(ingested_at) FROM events WHERE ${[...where, only].join(" AND ")} GROUP BY 3, 4, 5`,
    p.values,
  );
}

/** The request shapes the rollups answer: a range (and account scope) and nothing else. */
export function rollupServes(q: EventQuery): boolean {
  return q.filters.length === 0 && q.q.length === 0 && !q.storedAfter && !q.within && !q.asOf;
}

export interface RollupPlan {
  /** Counted from the rollups: whole days [start, end) but `dirty`. */
  start: Date;
  end: Date;
  /** Ranges to count live (the range's partial days, and days stored into since the last refresh). */
  live: { from?: Date; to?: Date }[];
  through: Date;
}

/** At most this many ranges counted live beside the rollups; more (a sync under way over many days), all live. */
const MAX_LIVE_RANGES = 6;

/**
 * How to count a range with the rollups: the whole days they hold, the rest live. null when they
 * cannot help (never refreshed, a range within a day, a sync storing into most of the range).
 */
export async function rollupPlan(pool: pg.Pool, from: Date | undefined, to: Date | undefined): Promise<RollupPlan | null> {
  const all = keptDetections();
  const { rows } = await pool.query<{ n: string; through: Date | null; first: Date | null; last: Date | null }>(
    `SELECT count(*) AS n, min(counted_through) AS through,
            (SELECT min(minute) FROM event_minutes) AS first, (SELECT max(minute) FROM event_minutes) AS last
       FROM detection_rollups WHERE (detection_id, definition) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [all.map((k) => k.detection.id), all.map((k) => k.definition)],
  );
  const r = rows[0];
  if (Number(r.n) !== all.length || !r.through) return null;
  if (!r.first || !r.last) return null; // nothing stored: live is instant
  // An open end stops at the days anything was stored in.
  const start = new Date(Math.ceil((from ?? r.first).getTime() / DAY_MS) * DAY_MS);
  const end = new Date(Math.floor((to ?? new Date(r.last.getTime() + DAY_MS)).getTime() / DAY_MS) * DAY_MS);
  if (start >= end) return null;
  // Days holding an event stored after the rollups counted (or before stamps were kept): live.
  const dirty = await pool.query<{ d: Date }>(
    `SELECT DISTINCT date_bin('1 day'::interval, minute, ${ORIGIN}) AS d FROM event_minutes
      WHERE minute >= $1 AND minute < $2 AND (last_stored_at IS NULL OR last_stored_at > $3) ORDER BY 1`,
    [start, end, r.through],
  );
  const live: RollupPlan["live"] = [];
  if (from === undefined || from < start) live.push({ from, to: start });
  for (const { d } of dirty.rows) {
    const last = live[live.length - 1];
    const dayEnd = new Date(d.getTime() + DAY_MS);
    if (last && last.to?.getTime() === d.getTime()) last.to = dayEnd;
    else live.push({ from: d, to: dayEnd });
  }
  if (to === undefined || to > end) {
    const last = live[live.length - 1];
    if (last && last.to?.getTime() === end.getTime()) last.to = to;
    else live.push({ from: end, to });
  }
  if (live.length > MAX_LIVE_RANGES) return null;
  // Whole days counted from the rollups are those in [start, end) outside the live ranges.
  return { start, end, live, through: r.through };
}

/**
 * The rollups' counts of `list` (each with its output index `b`) over the plan's whole days not
 * counted live, for these accounts (undefined: all), per day.
 */
export async function rollupRows(pool: pg.Pool, plan: RollupPlan, list: { b: number; kept: KeptDetection }[], accounts: string[] | undefined): Promise<CountRow[]> {
  const out: CountRow[] = [];
  if (list.length === 0) return out;
  const p = new SqlParams();
  const days = (col: string) => {
    const w = [`${col} >= ${p.add(plan.start)}`, `${col} < ${p.add(plan.end)}`];
    // Not the live ranges' days (a live range inside [start, end) covers whole days).
    for (const l of plan.live) if (l.from && l.to && l.from >= plan.start && l.to <= plan.end) w.push(`NOT (${col} >= ${p.add(l.from)} AND ${col} < ${p.add(l.to)})`);
    if (accounts) w.push(`account = ANY(${p.add(accounts)}::text[])`);
    return w.join(" AND ");
  };
  const plain = list.filter((x) => !x.kept.detection.threshold);
  const bursts = list.filter((x) => x.kept.detection.threshold);
  const parts: string[] = [];
  if (plain.length) {
    parts.push(
      `(SELECT x.b, r.day AS d, sum(r.events)::bigint AS n FROM detection_days r
         JOIN unnest(${p.add(plain.map((x) => x.b))}::int[], ${p.add(plain.map((x) => x.kept.detection.id))}::text[], ${p.add(plain.map((x) => x.kept.definition))}::text[]) AS x(b, id, def)
           ON r.detection_id = x.id AND r.definition = x.def
        WHERE ${days("r.day")} GROUP BY 1, 2)`,
    );
  }
  for (const x of bursts) {
    const t = x.kept.detection.threshold!;
    const g = `SELECT key, "window", events, values FROM detection_groups WHERE detection_id = ${p.add(x.kept.detection.id)} AND definition = ${p.add(x.kept.definition)} AND ${days(`"window"`)}`;
    // A group over the accounts asked: its events summed, its values united.
    const atLeast = `${p.add(t.atLeast)}::int`;
    // One aggregate (a join of two made the planner, which has no statistics of a fresh table,
    // aggregate again per group: 2 s for 1,776 groups): each row's events once (its first value,
    // or no value), its values counted across the accounts' rows.
    const reached = t.distinct
      ? `SELECT "window" AS w, sum(events) FILTER (WHERE o IS NULL OR o = 1) AS n
           FROM g LEFT JOIN LATERAL unnest(g.values) WITH ORDINALITY AS u(v, o) ON true
          GROUP BY key, "window" HAVING count(DISTINCT v) >= ${atLeast}`
      : `SELECT "window" AS w, sum(events) AS n FROM g GROUP BY key, "window" HAVING sum(events) >= ${atLeast}`;
    parts.push(`(WITH g AS MATERIALIZED (${g}) SELECT ${p.add(x.b)}::int AS b, date_bin('1 day'::interval, w, ${ORIGIN}) AS d, sum(n)::bigint AS n FROM (${reached}) s GROUP BY 2)`);
  }
  const { rows } = await pool.query<{ b: number; d: Date; n: string }>(parts.join(" UNION ALL "), p.values);
  for (const r of rows) out.push({ b: r.b, d: r.d, n: Number(r.n) });
  return out;
}

/**
 * A kept burst detection's bursts that events stored in (after, bound] made or grew, over these
 * accounts (undefined: all), from its groups — each counted whole, as burstsOfGroups counts them
 * live. null when the kept groups cannot say exactly: the detection is not kept or not counted
 * for its current definition, or events were stored between the instant they last counted and
 * `bound` (a sync that ended meanwhile): the caller counts live.
 */
export async function keptBursts(pool: pg.Pool, detectionId: string, accounts: string[] | undefined, after: Date, bound: Date): Promise<Burst[] | null> {
  const k = keptDetections().find((x) => x.detection.id === detectionId && x.detection.threshold);
  if (!k) return null;
  const t = k.detection.threshold!;
  const state = await pool.query<{ through: Date }>(`SELECT counted_through AS through FROM detection_rollups WHERE detection_id = $1 AND definition = $2`, [k.detection.id, k.definition]);
  const through = state.rows[0]?.through;
  if (!through) return null;
  if (through.getTime() !== bound.getTime()) {
    const [lo, hi] = through < bound ? [through, bound] : [bound, through];
    const between = await pool.query(`SELECT 1 FROM events WHERE ingested_at > $1 AND ingested_at <= $2 LIMIT 1`, [lo, hi]);
    if (between.rows.length > 0) return null;
  }
  const p = new SqlParams();
  const mine = `detection_id = ${p.add(k.detection.id)} AND definition = ${p.add(k.definition)}${accounts ? ` AND account = ANY(${p.add(accounts)}::text[])` : ""}`;
  const atLeast = `${p.add(t.atLeast)}::int`;
  const { rows } = await pool.query<{ k: string; w: Date; n: string }>(
    `WITH touched AS (SELECT DISTINCT key, "window" FROM detection_groups WHERE ${mine} AND last_stored_at > ${p.add(after)}),
          g AS MATERIALIZED (SELECT key, "window", events, values FROM detection_groups JOIN touched USING (key, "window") WHERE ${mine})
     SELECT key AS k, "window" AS w, sum(events) FILTER (WHERE o IS NULL OR o = 1) AS n
       FROM g LEFT JOIN LATERAL unnest(g.values) WITH ORDINALITY AS u(v, o) ON true
      GROUP BY key, "window" HAVING ${t.distinct ? `count(DISTINCT v)` : `sum(events) FILTER (WHERE o IS NULL OR o = 1)`} >= ${atLeast}
      ORDER BY "window" DESC, key`,
    p.values,
  );
  // Kept with '' for events without a `per` value (a primary key holds no NULL).
  return rows.map((r) => ({ key: r.k === "" ? null : r.k, window: r.w, events: Number(r.n) }));
}

// Counting many queries at once: the detections page (every detection, with a per-day sparkline)
// and the saved views page (each view over its own range). One SQL statement, one round trip: a
// UNION ALL of one aggregate per query. Each branch is an ordinary WHERE of lib/query/sql.ts
// (access, range and filters included), so the planner picks each one's own index — a detection
// is nearly always an eventName list, which events_event_name_time_idx answers as a range scan of
// those names within the time range, reading only the rows that match. A single pass with
// count(*) FILTER (WHERE …) per detection would read every row of the range instead.
import type pg from "pg";
import { FIELD_BY_KEY, filterFieldOf, type FieldDef } from "../fields";
import type { EventQuery } from "../query/params";
import { SqlParams, whereClauses } from "../query/sql";
import { queryWithSettings } from "../store/settings";
import type { Threshold } from "./types";

export interface CountBranch {
  q: EventQuery;
  threshold?: Threshold;
}

export interface BranchCount {
  count: number;
  /** Events per UTC day from the first day of `days.from` to the day of `days.to` (when asked). */
  days?: number[];
}

export const DAY_MS = 86400_000;
/** Days and windows are aligned to UTC midnight: date_bin from the epoch. */
export const ORIGIN = `TIMESTAMPTZ '1970-01-01 00:00:00+00'`;
/** The sparkline's bins: at most this many days (a longer range is binned by several days). */
export const MAX_BINS = 120;

export interface DayBins {
  from: Date;
  to: Date;
}

/** The first bin's start (UTC midnight at or before from), the bin width and how many bins. */
export function binsOf(range: DayBins): { start: number; width: number; count: number } {
  const days = Math.max(1, Math.ceil((range.to.getTime() - Math.floor(range.from.getTime() / DAY_MS) * DAY_MS) / DAY_MS));
  const width = Math.ceil(days / MAX_BINS) * DAY_MS;
  // Bins are multiples of their width since the epoch, as date_bin makes them.
  const start = Math.floor(range.from.getTime() / width) * width;
  return { start, width, count: Math.max(1, Math.ceil((range.to.getTime() - start) / width)) };
}

/** The SQL expression of a field key or record path (record paths bound, like lib/query/sql.ts). */
export function fieldExpr(key: string, p: SqlParams): string {
  const f: FieldDef | undefined = FIELD_BY_KEY.get(key) ?? filterFieldOf(key);
  if (!f) throw new Error(`threshold: unknown field ${key}`);
  return f.path ? `(record #>> ${p.add([...f.path])}::text[])` : f.column;
}

function branchSql(i: number, b: CountBranch, p: SqlParams, binWidthMs: number | null): string {
  const bin = (col: string) => (binWidthMs === null ? "NULL::timestamptz" : `date_bin(${p.add(`${binWidthMs / 1000} seconds`)}::interval, ${col}, ${ORIGIN})`);
  const t = b.threshold;
  if (!t) {
    const where = whereClauses({ ...b.q, searchBlocks: undefined }, p);
    return `(SELECT ${i} AS b, ${bin("event_time")} AS d, count(*)::bigint AS n FROM events ${where.length ? `WHERE ${where.join(" AND ")}` : ""} GROUP BY 2)`;
  }
  // Bursts: groups of (per, window) that reach the threshold count with all of their events.
  // A window divides a day, so each lies inside one sparkline bin.
  return `(SELECT ${i} AS b, ${bin("w")} AS d, sum(n)::bigint AS n FROM (${burstGroupsSql(b.q, t, p)}) g GROUP BY 2)`;
}

/**
 * The (per, window) groups of a threshold detection that reach it: k, w, n (their events). A
 * group with fewer events than the threshold cannot hold that many different values, so groups
 * are first counted by events alone — from columns, which an index can answer without reading
 * the records (events_secret_reads_idx for secrets read in bulk) — and only the groups that pass
 * read their records for the distinct values.
 */
function burstGroupsSql(q: EventQuery, t: Threshold, p: SqlParams, only?: BurstGroup[]): string {
  const where = (extra: string[] = []) => {
    const w = [...whereClauses({ ...q, searchBlocks: undefined }, p), ...extra];
    return w.length ? `WHERE ${w.join(" AND ")}` : "";
  };
  const { per, window } = burstGroupSql(t, p);
  const atLeast = `${p.add(t.atLeast)}::int`;
  // Only these groups (an alert's: those new events fall in), so that only their events are read.
  const onlyThese = only
    ? [`(coalesce(${per}, ''), ${window}) IN (SELECT * FROM unnest(${p.add(only.map((g) => g.key ?? ""))}::text[], ${p.add(only.map((g) => g.window))}::timestamptz[]))`]
    : [];
  const byEvents = `SELECT ${per} AS k, ${window} AS w, count(*) AS n FROM events ${where(onlyThese)} GROUP BY 1, 2 HAVING count(*) >= ${atLeast}`;
  if (!t.distinct) return byEvents;
  // The groups that pass by events, then their distinct values in ONE pass over their events (a
  // hash semi-join on the group): each record is read once. A subquery per group read the whole
  // window's events again for each group — at 10M events 6,462 groups of secret reads took 16 s.
  // A missing `per` value groups with the empty text (coalesce: NULL is not hashable as equal).
  const key = `coalesce(${per}, '')`;
  return `(WITH c AS MATERIALIZED (${byEvents})
    SELECT d.k, d.w, d.n FROM (
      SELECT x.k, x.w, count(*) AS n, count(DISTINCT x.v) AS v FROM (
        -- The value taken out of the record here (OFFSET 0: not flattened), so that grouping
        -- sorts three short columns, not whole records.
        SELECT ${per} AS k, ${window} AS w, ${fieldExpr(t.distinct, p)} AS v
          FROM events ${where([`(${key}, ${window}) IN (SELECT coalesce(c.k, ''), c.w FROM c)`])} OFFSET 0) x
       GROUP BY 1, 2) d
    WHERE d.v >= ${atLeast})`;
}

/** A count of branch `b` in the bin starting at `d` (null: not binned). */
export interface CountRow {
  b: number;
  d: Date | null;
  n: number;
}

/**
 * The counts of branches in one statement: each branch `b` (several may share one, e.g. one query
 * over several time ranges) per bin of `binWidthMs` (null: one count each).
 */
export async function countRows(pool: pg.Pool, branches: (CountBranch & { b: number })[], binWidthMs: number | null): Promise<CountRow[]> {
  if (branches.length === 0) return [];
  const p = new SqlParams();
  const sql = branches.map((b) => branchSql(b.b, b, p, binWidthMs)).join(" UNION ALL ");
  // Memory enough that a burst detection's bitmap of matching rows stays exact (4 MB made it
  // lossy at 10M events: 0.7M rows rechecked) and its groups are sorted in memory.
  const { rows } = (await queryWithSettings(pool, { work_mem: "64MB" }, sql, p.values)) as pg.QueryResult<{ b: number; d: Date | null; n: string }>;
  return rows.map((r) => ({ b: r.b, d: r.d, n: Number(r.n) }));
}

/** Adds rows into counts (and their bins of `days`, as binsOf makes them). */
export function addCountRows(out: BranchCount[], rows: CountRow[], bins: ReturnType<typeof binsOf> | null): void {
  for (const r of rows) {
    const o = out[r.b];
    o.count += r.n;
    if (bins && r.d) {
      const at = Math.floor((r.d.getTime() - bins.start) / bins.width);
      if (at >= 0 && at < bins.count) o.days![at] += r.n;
    }
  }
}

/** Counts with empty bins over `days` (when asked). */
export function emptyCounts(n: number, bins: ReturnType<typeof binsOf> | null): BranchCount[] {
  return Array.from({ length: n }, () => (bins ? { count: 0, days: new Array(bins.count).fill(0) } : { count: 0 }));
}

/**
 * Each branch's count (and per-day counts over `days`), in one statement. Branches are
 * independent: the same event may count in several.
 */
export async function countBranches(pool: pg.Pool, branches: CountBranch[], days?: DayBins): Promise<BranchCount[]> {
  const bins = days ? binsOf(days) : null;
  const out = emptyCounts(branches.length, bins);
  addCountRows(out, await countRows(pool, branches.map((b, i) => ({ ...b, b: i })), bins ? bins.width : null), bins);
  return out;
}

/**
 * The ids of the events a threshold detection counts (those of the groups that reach it), newest
 * first, at most `limit`: what a burst consists of (tests, alerts that name the events).
 */
export async function burstEventIds(pool: pg.Pool, q: EventQuery, t: Threshold, limit = 10_000): Promise<string[]> {
  const p = new SqlParams();
  const { per, window } = burstGroupSql(t, p);
  const groups = burstGroupsSql(q, t, p);
  const outer = whereClauses({ ...q, searchBlocks: undefined }, p);
  outer.push(`EXISTS (SELECT 1 FROM g WHERE g.k IS NOT DISTINCT FROM ${per} AND g.w = ${window})`);
  const { rows } = await pool.query<{ id: string }>(`WITH g AS (${groups}) SELECT id FROM events WHERE ${outer.join(" AND ")} ORDER BY event_time DESC, id DESC LIMIT ${p.add(limit)}`, p.values);
  return rows.map((r) => r.id);
}

export interface Burst extends BurstGroup {
  /** Its events (all of them, stored before or since). */
  events: number;
}

/** A group of a threshold detection: its `per` value (null: events without one) and window start. */
export interface BurstGroup {
  key: string | null;
  window: Date;
}

/**
 * The groups (k: `per` value, w: window start) of the events stored in (after, bound] that match
 * `clauses`: the new events first (OFFSET 0: through the BRIN index on ingested_at), not every
 * stored event of the detection's own index.
 */
export function newBurstGroupsSql(t: Threshold, clauses: string[], p: SqlParams, after: Date, bound: Date): string {
  const { per, window } = burstGroupSql(t, p);
  return `SELECT DISTINCT k, w FROM (SELECT ${per} AS k, ${window} AS w, (${clauses.join(" AND ") || "true"}) AS m FROM events
           WHERE ingested_at > ${p.add(after)} AND ingested_at <= ${p.add(bound)} OFFSET 0) x WHERE m`;
}

/** A threshold's group of an events row as SQL: its `per` value and the start of its window. */
export function burstGroupSql(t: Threshold, p: SqlParams): { per: string; window: string } {
  return { per: fieldExpr(t.per, p), window: `date_bin(${p.add(`${t.windowMinutes} minutes`)}::interval, event_time, ${ORIGIN})` };
}

/**
 * Of these groups (an alert's: those its new events fall in), the ones that reach the threshold,
 * newest first. A group counts over every event of its window the query sees (its `asOf` bound
 * included), not only the new ones: ten secrets read across two syncs are one burst.
 */
export async function burstsOfGroups(pool: pg.Pool, q: EventQuery, t: Threshold, groups: BurstGroup[]): Promise<Burst[]> {
  if (groups.length === 0) return [];
  const times = groups.map((g) => g.window.getTime());
  const from = new Date(Math.max(Math.min(...times), q.from?.getTime() ?? -Infinity));
  const to = new Date(Math.min(Math.max(...times) + t.windowMinutes * 60_000, q.to?.getTime() ?? Infinity));
  const p = new SqlParams();
  const { rows } = await pool.query<{ k: string | null; w: Date; n: string }>(burstGroupsSql({ ...q, from, to }, t, p, groups), p.values);
  // The SQL matches groups by coalesce(per, ''): a group without a value and one of '' are told apart here.
  const id = (key: string | null, w: Date) => JSON.stringify([key, w.getTime()]);
  const asked = new Set(groups.map((g) => id(g.key, g.window)));
  return rows
    .filter((r) => asked.has(id(r.k, r.w)))
    .map((r) => ({ key: r.k, window: r.w, events: Number(r.n) }))
    .sort((a, b) => b.window.getTime() - a.window.getTime());
}

/** The newest `limit` events of these bursts, newest first. */
export async function burstSample(pool: pg.Pool, q: EventQuery, t: Threshold, bursts: Burst[], limit: number): Promise<string[]> {
  if (bursts.length === 0) return [];
  const p = new SqlParams();
  const per = fieldExpr(t.per, p);
  const windowMs = t.windowMinutes * 60_000;
  // The newest bursts hold the newest events: a bounded OR of their windows.
  const groups = bursts.slice(0, limit).map((b) => `(${per} IS NOT DISTINCT FROM ${p.add(b.key)}::text AND event_time >= ${p.add(b.window)} AND event_time < ${p.add(new Date(b.window.getTime() + windowMs))})`);
  const where = [...whereClauses({ ...q, searchBlocks: undefined }, p), `(${groups.join(" OR ")})`];
  const { rows } = await pool.query<{ id: string }>(`SELECT id FROM events WHERE ${where.join(" AND ")} ORDER BY event_time DESC, id DESC LIMIT ${p.add(limit)}`, p.values);
  return rows.map((r) => r.id);
}

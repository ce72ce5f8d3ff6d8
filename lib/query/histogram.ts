// Events over time for the timeline's histogram: counts per time bucket (errors apart) under the
// same WHERE as the list (parseEventQuery + whereClauses), so the bars always add up to the count.
import type pg from "pg";
import { edgesSql, intervalsSql, type RangeView, splitView } from "../store/rollups";
import type { EventQuery } from "./params";
import { queryWithSettings } from "../store/settings";
import { searchWindow, windowSettings, withSearchBlocks } from "./search";
import { rangeView, SqlParams, whereClauses } from "./sql";

/** Bucket sizes on offer, smallest first; each is a whole number of seconds for date_bin. */
export const BUCKET_STEPS_MS: readonly number[] = [
  1e3, 5e3, 10e3, 30e3,
  60e3, 5 * 60e3, 15 * 60e3, 30 * 60e3,
  3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3,
  86400e3, 7 * 86400e3, 30 * 86400e3, 90 * 86400e3, 365 * 86400e3,
];

/** Enough bars to see a burst, few enough that each is wider than a pixel or two. */
export const MAX_BUCKETS = 120;

/**
 * Buckets start at this instant plus whole steps: a Monday at UTC midnight, so hours and days
 * start on the hour and at midnight UTC, and weeks on Monday.
 */
export const BUCKET_ORIGIN = Date.UTC(2000, 0, 3);

/** The smallest step that covers the range in at most `maxBuckets` bars. */
export function chooseBucket(rangeMs: number, maxBuckets = MAX_BUCKETS): number {
  const range = Math.max(rangeMs, 1);
  for (const step of BUCKET_STEPS_MS) if (Math.ceil(range / step) <= maxBuckets) return step;
  return BUCKET_STEPS_MS[BUCKET_STEPS_MS.length - 1];
}

/** Start of the bucket holding `t` (date_bin's arithmetic, in JS). */
export function bucketStart(t: number, stepMs: number): number {
  return BUCKET_ORIGIN + Math.floor((t - BUCKET_ORIGIN) / stepMs) * stepMs;
}

export interface Bucket {
  /** Bucket start, epoch ms. */
  t: number;
  total: number;
  errors: number;
}

export interface Histogram {
  /** The range drawn: the query's bounds, or the data's extent where the query has none. */
  from: number;
  to: number;
  stepMs: number;
  /** Every bucket from `from` to `to`, empty ones included (zeros are information too). */
  buckets: Bucket[];
  /**
   * Free text counted only since this instant (epoch ms; lib/query/search.ts searchWindow): the
   * buckets before it were not searched and read 0, which the chart shades as such.
   */
  searchedFrom?: number;
}

/** Fills the gaps between the buckets the database returned. */
export function fillBuckets(from: number, to: number, stepMs: number, rows: Bucket[]): Bucket[] {
  const byStart = new Map(rows.map((r) => [r.t, r]));
  const out: Bucket[] = [];
  const end = Math.max(to, from + 1);
  for (let t = bucketStart(from, stepMs); t < end; t += stepMs) out.push(byStart.get(t) ?? { t, total: 0, errors: 0 });
  return out;
}

/**
 * The range to draw. Without `from`, the oldest matching event starts it (min() over the
 * event_time index is cheap); without `to`, now (or the newest event, if clocks put one later).
 */
async function extent(db: pg.Pool, q: EventQuery, now: Date): Promise<{ from: number; to: number } | null> {
  if (q.from && q.to) return { from: q.from.getTime(), to: q.to.getTime() };
  const p = new SqlParams();
  const where = whereClauses(q, p);
  // Narrowed free text: min/max over the candidate blocks' rows (OFFSET 0 keeps PostgreSQL from
  // turning them into walks of the time index, which read the whole table when nothing matches:
  // a 5,000-character term with no candidate block took 16 s at 1M).
  const matches = `SELECT event_time FROM events ${where.length ? "WHERE " + where.join(" AND ") : ""}${q.searchBlocks ? " OFFSET 0" : ""}`;
  const { rows } = await db.query(`SELECT min(event_time) AS lo, max(event_time) AS hi FROM (${matches}) AS m`, p.values);
  const lo = rows[0]?.lo as Date | null;
  const hi = rows[0]?.hi as Date | null;
  if (!lo || !hi) return q.from ? { from: q.from.getTime(), to: (q.to ?? now).getTime() } : null;
  return {
    from: q.from?.getTime() ?? lo.getTime(),
    to: q.to?.getTime() ?? Math.max(now.getTime(), hi.getTime() + 1),
  };
}

/**
 * Without filters and with buckets of whole minutes (every step from 60 s up; BUCKET_ORIGIN is a
 * midnight), each minute lies in one bucket: whole minutes come from event_minutes, the partial
 * minutes at the query's edges from `events` — the same counts as the scan, without it.
 */
async function fromRollups(db: pg.Pool, view: RangeView, stepMs: number): Promise<Bucket[]> {
  const { levels, edges } = await splitView(db, view, [60_000]);
  const values: unknown[] = [`${stepMs / 1000} seconds`, new Date(BUCKET_ORIGIN)];
  const { rows } = await db.query(
    `SELECT date_bin($1::interval, t, $2::timestamptz) AS b, sum(total)::bigint AS total, sum(errors)::bigint AS errors FROM (
       SELECT minute AS t, events AS total, errors FROM event_minutes WHERE ${intervalsSql("minute", levels[0], values)}
       UNION ALL
       SELECT event_time, 1, (error_code IS NOT NULL)::int FROM events WHERE ${edgesSql(edges, values, view.asOf)}
     ) AS m GROUP BY b ORDER BY b`,
    values,
  );
  return rows.map((r) => ({ t: (r.b as Date).getTime(), total: Number(r.total), errors: Number(r.errors) }));
}

/**
 * `opts.rollups: false` always scans `events` (tests compare both paths); `opts.searchWindow`: the
 * events free text is searched in at most (default SEARCH_WINDOW_EVENTS).
 */
export async function histogram(
  db: pg.Pool,
  query: EventQuery,
  now = new Date(),
  opts: { rollups?: boolean; searchWindow?: number } = {},
): Promise<Histogram | null> {
  const all = await withSearchBlocks(db, query);
  const q = await searchWindow(db, all, opts.searchWindow);
  // Searched in part: the chart still spans the whole range (without a `from`, from the oldest
  // event under the filters alone: the oldest match would take the scan the window avoids).
  const range = q.searchedFrom ? await extent(db, { ...all, q: [], searchBlocks: null }, now) : await extent(db, q, now);
  if (!range) return null;
  const stepMs = chooseBucket(range.to - range.from);
  const view = rangeView(q);
  if (opts.rollups !== false && view && stepMs % 60_000 === 0) {
    const found = await fromRollups(db, view, stepMs);
    return { from: range.from, to: range.to, stepMs, buckets: fillBuckets(range.from, range.to, stepMs, found) };
  }
  const p = new SqlParams();
  const where = whereClauses(q, p);
  const step = p.add(`${stepMs / 1000} seconds`);
  const origin = p.add(new Date(BUCKET_ORIGIN));
  const { rows } = await queryWithSettings(
    db,
    windowSettings(q),
    `SELECT date_bin(${step}::interval, event_time, ${origin}::timestamptz) AS b, count(*)::bigint AS total, count(error_code)::bigint AS errors
       FROM events ${where.length ? "WHERE " + where.join(" AND ") : ""}
      GROUP BY b ORDER BY b`,
    p.values,
  );
  const found: Bucket[] = rows.map((r) => ({ t: (r.b as Date).getTime(), total: Number(r.total), errors: Number(r.errors) }));
  const searchedFrom = q.searchedFrom ? { searchedFrom: q.searchedFrom.getTime() } : {};
  return { from: range.from, to: range.to, stepMs, buckets: fillBuckets(range.from, range.to, stepMs, found), ...searchedFrom };
}

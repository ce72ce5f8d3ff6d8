// Rollups of `events`, kept exact under ingest: the unfiltered timeline (histogram, match count,
// facets) adds them up instead of scanning millions of rows.
//   event_minutes      per UTC minute: events, events with an errorCode, and when one was last
//                      stored (now() of the storing transaction, as events.ingested_at)
//   event_facet_hours  per facet field, UTC hour and value: events (array fields per element,
//                      booleans as text). Events WITHOUT a value are not stored: for a text field
//                      they are the hours' total (event_minutes) minus the stored values.
//   event_facet_days   the same per UTC day (event_facet_hours summed), so long ranges read a row
//                      per value and day instead of one per value and hour.
// The loader calls addEntriesToRollups in the transaction that stores the events, with the entries of
// exactly the events that transaction inserted, so rollups and events commit (or vanish) together. Queries read whole
// days/hours/minutes from the rollups and the partial ones at a range's edges from `events`.
import type pg from "pg";
import { FIELD_BY_KEY, type FieldDef } from "../fields";

/**
 * The fields event_facet_hours and event_facet_days hold: the facet fields when migration
 * 20261122000100_rollups backfilled the hours (20261122020000_facet_days summed them into days).
 * Adding a field here needs a migration that backfills it (test/rollups.test.ts fails while this
 * list and FACET_FIELDS differ).
 */
export const ROLLUP_FIELD_KEYS = [
  "username", "eventName", "eventSource", "awsRegion", "accountId", "sourceIPAddress",
  "errorCode", "readOnly", "identityType", "principalArn", "eventType", "eventCategory",
  // Enrichment (migration 20261207080000_enrichment): nothing to backfill at migration time — rows
  // stored before it have no class, and lib/enrich/backfill.ts adds each class it sets later.
  "ipClass", "userAgentClass",
] as const;

export const ROLLUP_FIELDS: readonly FieldDef[] = ROLLUP_FIELD_KEYS.map((k) => FIELD_BY_KEY.get(k)!);
const ROLLED_UP = new Set<string>(ROLLUP_FIELD_KEYS);

export const isRolledUp = (f: FieldDef) => ROLLED_UP.has(f.key);

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * SELECT <keep>, f, v over the rows of the relation `from` (a table or CTE name): one row per
 * (field, value) pair, array fields once per element, NULLs included. Only catalog keys and columns
 * are spliced in.
 */
export function unpivotSql(fields: readonly FieldDef[], from: string, keep: string[] = []): string {
  const scalars = fields.filter((f) => f.kind !== "textArray");
  const arrays = fields.filter((f) => f.kind === "textArray");
  const cols = keep.map((c) => `${from}.${c}, `).join("");
  return [
    ...(scalars.length
      ? [`SELECT ${cols}x.f, x.v FROM ${from} CROSS JOIN LATERAL (VALUES ${scalars.map((f) => `('${f.key}', ${from}.${f.column}${f.kind === "bool" ? "::text" : ""})`).join(", ")}) AS x(f, v)`]
      : []),
    ...arrays.map((f) => `SELECT ${cols}'${f.key}' AS f, u.v FROM ${from} CROSS JOIN LATERAL unnest(${from}.${f.column}) AS u(v)`),
  ].join(" UNION ALL ");
}

/**
 * Adds events to the rollups from their rollup entries (lib/ingest/normalize.ts: JSON
 * `[eventTime ms, ...values of ROLLUP_FIELD_KEYS]`), summed here rather than by reading the
 * just-inserted rows back out of PostgreSQL. The caller passes exactly the entries of the events its
 * open transaction inserted. Upserts go in key order so that concurrent commits lock rows in one
 * order and cannot deadlock; callers run this last before COMMIT to hold those row locks briefly.
 */
export async function addEntriesToRollups(client: pg.ClientBase, entries: readonly string[]): Promise<void> {
  if (entries.length === 0) return;
  const minutes = new Map<number, [number, number]>();
  const hours = new Map<string, number>();
  const days = new Map<string, number>();
  const errorAt = ROLLUP_FIELD_KEYS.indexOf("errorCode") + 1;
  for (const e of entries) {
    const row = JSON.parse(e) as [number, ...(string | null)[]];
    const t = row[0];
    const minute = Math.floor(t / 60_000) * 60_000;
    const m = minutes.get(minute) ?? [0, 0];
    m[0]++;
    if (row[errorAt] !== null) m[1]++;
    minutes.set(minute, m);
    const hour = Math.floor(t / HOUR_MS) * HOUR_MS;
    const day = Math.floor(t / DAY_MS) * DAY_MS;
    for (let i = 0; i < ROLLUP_FIELD_KEYS.length; i++) {
      const v = row[i + 1];
      if (v === null) continue;
      // Stored text never holds U+0000 (cleanText replaces it), so it can separate the parts.
      const hk = `${i}\u0000${hour}\u0000${v}`;
      hours.set(hk, (hours.get(hk) ?? 0) + 1);
      const dk = `${i}\u0000${day}\u0000${v}`;
      days.set(dk, (days.get(dk) ?? 0) + 1);
    }
  }
  // Every commit upserts the three tables in this statement's fixed order, each in key order.
  await client.query(
    `WITH minutes AS (
       INSERT INTO event_minutes (minute, events, errors, last_stored_at)
       SELECT m.*, now() FROM unnest($1::timestamptz[], $2::int[], $3::int[]) AS m ORDER BY 1
       ON CONFLICT (minute) DO UPDATE SET events = event_minutes.events + EXCLUDED.events, errors = event_minutes.errors + EXCLUDED.errors,
         last_stored_at = greatest(event_minutes.last_stored_at, EXCLUDED.last_stored_at)
     ),
     hours AS (
       INSERT INTO event_facet_hours (field, hour, value, events)
       SELECT * FROM unnest($4::text[], $5::timestamptz[], $6::text[], $7::int[]) ORDER BY 1, 2, 3
       ON CONFLICT (field, hour, value) DO UPDATE SET events = event_facet_hours.events + EXCLUDED.events
     )
     INSERT INTO event_facet_days (field, day, value, events)
     SELECT * FROM unnest($8::text[], $9::timestamptz[], $10::text[], $11::int[]) ORDER BY 1, 2, 3
     ON CONFLICT (field, day, value) DO UPDATE SET events = event_facet_days.events + EXCLUDED.events`,
    [
      [...minutes.keys()].map((t) => new Date(t)),
      [...minutes.values()].map((m) => m[0]),
      [...minutes.values()].map((m) => m[1]),
      ...facetColumns(hours),
      ...facetColumns(days),
    ],
  );
}

/** The (field, time, value, events) columns of summed facet keys (`index\0time\0value`), for unnest. */
function facetColumns(sums: Map<string, number>): [string[], Date[], string[], number[]] {
  const cols: [string[], Date[], string[], number[]] = [[], [], [], []];
  for (const [k, n] of sums) {
    const [i, t, v] = k.split("\u0000", 3);
    cols[0].push(ROLLUP_FIELD_KEYS[Number(i)]);
    cols[1].push(new Date(Number(t)));
    cols[2].push(v);
    cols[3].push(n);
  }
  return cols;
}

// ---- reading ------------------------------------------------------------------------------------

export interface Interval {
  from?: Date;
  to?: Date;
}

/** A range split over rollup levels: whole units per level (coarsest first), partial ones at the edges. */
export interface LevelSplit {
  levels: Interval[][];
  edges: Interval[];
}

/**
 * Splits the query range [from, to) (either end open) into whole UTC units of `unitMs` — read from
 * a rollup; null when none fit — and the partial units at the edges, read from `events`.
 */
export function splitRange(from: Date | undefined, to: Date | undefined, unitMs: number): { whole: Interval | null; edges: Interval[] } {
  const up = from && new Date(Math.ceil(from.getTime() / unitMs) * unitMs);
  const down = to && new Date(Math.floor(to.getTime() / unitMs) * unitMs);
  if (up && down && up.getTime() >= down.getTime()) {
    // No whole unit inside: the range is at most two units, all read from events.
    return { whole: null, edges: from!.getTime() < to!.getTime() ? [{ from, to }] : [] };
  }
  const edges: Interval[] = [];
  if (from && up!.getTime() > from.getTime()) edges.push({ from, to: up });
  if (to && down!.getTime() < to.getTime()) edges.push({ from: down, to });
  return { whole: { from: up, to: down }, edges };
}

/**
 * Splits [from, to) over rollup levels, coarsest unit first (each a multiple of the next): the whole
 * units of the first level, then those of each finer level in what is left (at most two intervals
 * per level, either side of the coarser ones), and the partial finest units at the edges, read from
 * `events`. Together they cover the range exactly once.
 */
export function splitLevels(from: Date | undefined, to: Date | undefined, unitsMs: readonly number[]): LevelSplit {
  const levels: Interval[][] = [];
  let rest: Interval[] = [{ from, to }];
  for (const unit of unitsMs) {
    const parts = rest.map((iv) => splitRange(iv.from, iv.to, unit));
    levels.push(parts.flatMap((p) => (p.whole ? [p.whole] : [])));
    rest = parts.flatMap((p) => p.edges);
  }
  return { levels, edges: rest };
}

/** A SQL condition on `col` for the interval (bounds added to `values`). */
export function intervalSql(col: string, iv: Interval | null, values: unknown[]): string {
  if (!iv) return "false";
  const parts: string[] = [];
  if (iv.from) parts.push(`${col} >= $${values.push(iv.from)}`);
  if (iv.to) parts.push(`${col} < $${values.push(iv.to)}`);
  return parts.length ? parts.join(" AND ") : "true";
}

/** A SQL condition on `col` matching any of the intervals ("false" when there are none). */
export function intervalsSql(col: string, ivs: Interval[], values: unknown[]): string {
  return ivs.length ? ivs.map((iv) => `(${intervalSql(col, iv, values)})`).join(" OR ") : "false";
}

/**
 * A SQL condition on event_time matching any of the edges ("false" when there are none); with
 * `asOf`, only events stored by then (edges are where a frozen view's late minutes are read).
 */
export function edgesSql(edges: Interval[], values: unknown[], asOf?: Date): string {
  const on = intervalsSql("event_time", edges, values);
  return asOf && edges.length ? `(${on}) AND ingested_at <= $${values.push(asOf)}` : on;
}

/**
 * A range seen as of an instant: the rollups count every event stored, so the first whole minute
 * of [from, to) that holds an event stored after `asOf` (event_minutes.last_stored_at) is where
 * they stop being usable; from there to `to` is read from `events` with the bound. undefined: no
 * such minute, the bound changes nothing in this range. Events arrive late by CloudTrail's
 * delivery delay, so for a view frozen at "now" the cut is minutes before its end.
 */
export async function lateCut(db: Pick<pg.Pool, "query">, from: Date | undefined, to: Date | undefined, asOf: Date): Promise<Date | undefined> {
  const values: unknown[] = [asOf];
  const range = intervalSql("minute", { from: from && new Date(Math.floor(from.getTime() / 60_000) * 60_000), to }, values);
  const { rows } = await db.query(
    `SELECT min(minute) AS cut FROM event_minutes WHERE ${range} AND (last_stored_at IS NULL OR last_stored_at > $1)`,
    values,
  );
  const cut = rows[0]?.cut as Date | null;
  if (!cut) return undefined;
  return from && cut.getTime() < from.getTime() ? from : cut;
}

/** A range and an asOf bound (undefined: every event stored), answered from the rollups. */
export interface RangeView {
  from?: Date;
  to?: Date;
  asOf?: Date;
}

/**
 * The view's range as rollup levels (coarsest unit first) and edges read from `events`; with an
 * asOf bound, everything from its late cut on is one more edge (read with the bound, edgesSql).
 */
export async function splitView(db: Pick<pg.Pool, "query">, view: RangeView, unitsMs: readonly number[]): Promise<LevelSplit> {
  const cut = view.asOf ? await lateCut(db, view.from, view.to, view.asOf) : undefined;
  if (!cut) return splitLevels(view.from, view.to, unitsMs);
  const head = splitLevels(view.from, cut, unitsMs);
  return { levels: head.levels, edges: [...head.edges, { from: cut, to: view.to }] };
}

/** Exact number of events of the view: whole minutes from event_minutes, edges from events. */
export async function countInRange(db: pg.Pool, view: RangeView): Promise<number> {
  const { levels, edges } = await splitView(db, view, [60_000]);
  const values: unknown[] = [];
  const { rows } = await db.query(
    `SELECT (SELECT coalesce(sum(events), 0) FROM event_minutes WHERE ${intervalsSql("minute", levels[0], values)})
          + (SELECT count(*) FROM events WHERE ${edgesSql(edges, values, view.asOf)}) AS n`,
    values,
  );
  return Number(rows[0].n);
}

// ---- checking -----------------------------------------------------------------------------------

/**
 * Differences between the rollups and a recomputation from `events` (empty: exact), and between
 * event_facet_days and event_facet_hours summed per day. A full scan, for tests and for checking a
 * database by hand.
 */
export async function verifyRollups(db: pg.Pool | pg.ClientBase): Promise<string[]> {
  const { rows } = await db.query(
    `WITH want_m AS (
       SELECT date_trunc('minute', event_time, 'UTC') AS minute, count(*)::bigint AS events, count(error_code)::bigint AS errors
         FROM events GROUP BY 1
     ),
     want_f AS (
       SELECT p.f AS field, date_trunc('hour', p.event_time, 'UTC') AS hour, p.v AS value, count(*)::bigint AS events
         FROM (${unpivotSql(ROLLUP_FIELDS, "events", ["event_time"])}) AS p
        WHERE p.v IS NOT NULL GROUP BY 1, 2, 3
     ),
     want_d AS (
       SELECT field, date_trunc('day', hour, 'UTC') AS day, value, sum(events)::bigint AS events
         FROM event_facet_hours GROUP BY 1, 2, 3
     )
     SELECT format('event_minutes %s: stored %s, events say %s', coalesce(w.minute, m.minute), m.events || '/' || m.errors, w.events || '/' || w.errors) AS d
       FROM want_m w FULL JOIN event_minutes m ON m.minute = w.minute
      WHERE m.events IS DISTINCT FROM w.events OR m.errors IS DISTINCT FROM w.errors
     UNION ALL
     SELECT format('event_facet_hours %s %s %L: stored %s, events say %s', coalesce(w.field, f.field), coalesce(w.hour, f.hour), coalesce(w.value, f.value), f.events, w.events)
       FROM want_f w FULL JOIN event_facet_hours f ON f.field = w.field AND f.hour = w.hour AND f.value = w.value
      WHERE f.events IS DISTINCT FROM w.events
     UNION ALL
     SELECT format('event_facet_days %s %s %L: stored %s, event_facet_hours say %s', coalesce(w.field, d.field), coalesce(w.day, d.day), coalesce(w.value, d.value), d.events, w.events)
       FROM want_d w FULL JOIN event_facet_days d ON d.field = w.field AND d.day = w.day AND d.value = w.value
      WHERE d.events IS DISTINCT FROM w.events
     LIMIT 20`,
  );
  return rows.map((r) => r.d as string);
}

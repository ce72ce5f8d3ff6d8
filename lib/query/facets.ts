// Top values with counts per field, for the facet sidebar and the filter bar's suggestions.
//
// A facet is counted under every current filter EXCEPT its own field's: with eventName=CreateUser
// set, the eventName facet still lists the other event names (with the counts they would add),
// which is what you need to widen or switch a value. Facets whose fields carry no filter share one
// query: one pass feeds all of them through a LATERAL list of (field, value) pairs.
//
// Cost is bounded: counts come from the newest SAMPLE_LIMIT matching events (read backwards along
// the event_time index), so a facet over 10M events costs what one over 100k does. When more events
// match, the answer says `sampled` and the UI says so; below that, counts are exact. Free text
// that would examine more than SEARCH_WINDOW_EVENTS events is counted in the newest of them
// (`searchedFrom`), which bounds the rows read, not only the matches counted.
//
// Without filters or free text (a time range at most), counts are exact instead: whole days come
// from the event_facet_days rollup, whole hours of the partial days from event_facet_hours, the
// partial hours at the range's edges from `events` (lib/store/rollups.ts) — while that reads at most
// MAX_ROLLUP_ROWS rollup rows. Those sums run as two queries at once in one snapshot, the fields
// balanced between them by their share of the rollup rows.
import type pg from "pg";
import { DEFAULT_FACET_FIELDS, FACET_FIELDS, FIELD_BY_KEY, type FieldDef } from "../fields";
import { queriesInOneSnapshot } from "../store/settings";
import { DAY_MS, edgesSql, HOUR_MS, type Interval, intervalsSql, isRolledUp, type LevelSplit, type RangeView, splitView, unpivotSql } from "../store/rollups";
import { type EventQuery, ParamError, quoted } from "./params";
import { searchWindow, withSearchBlocks } from "./search";
import { columnFor, likePattern, rangeView, SqlParams, whereClauses } from "./sql";

export interface FacetValue {
  /** null: events without a value (filter with `!*`, exclude with `*`). */
  value: string | null;
  count: number;
}

export interface Facet {
  field: string;
  values: FacetValue[];
  /** Counted over the newest `SAMPLE_LIMIT` matching events only (more match). */
  sampled: boolean;
  /**
   * Free text counted only in the events since this instant (ISO; lib/query/search.ts
   * searchWindow): older events were not searched for these counts.
   */
  searchedFrom?: string;
}

export interface FacetOptions {
  /** Values per field (default 10). */
  limit?: number;
  /** Only values containing this text (case-insensitive): the filter bar's typeahead. */
  contains?: string;
  /** Events counted at most (default SAMPLE_LIMIT). */
  sample?: number;
  /** false: never use the rollups (tests compare both paths). */
  rollups?: boolean;
  /** Events free text is searched in at most (default SEARCH_WINDOW_EVENTS). */
  searchWindow?: number;
}

export const DEFAULT_FACET_LIMIT = 10;
export const MAX_FACET_LIMIT = 100;
export const SAMPLE_LIMIT = 100_000;

/** Fields that can be faceted: catalog fields with a filter parameter (arrays count per element). */
export function facetable(key: string): FieldDef | undefined {
  const f = FIELD_BY_KEY.get(key);
  return f && f.filter && (f.kind === "text" || f.kind === "bool" || f.kind === "textArray") ? f : undefined;
}

// ---- /api/facets' own parameters ----------------------------------------------------------------

/** Parameters of /api/facets itself; every other one is a timeline filter (parseEventQuery). */
export const FACET_OWN_PARAMS: readonly string[] = ["field", "limit", "contains"];
/**
 * Distinct fields one request may count: as many as the sidebar shows, the most the console asks
 * at once. Repeats count once (`field=` 300 times started 300 queries).
 */
export const MAX_FACET_FIELDS = FACET_FIELDS.length;
/** Characters of `contains`: what someone types into the filter bar's typeahead. */
export const MAX_CONTAINS_CHARS = 200;

export interface FacetParams {
  /** Distinct, in the order first given; the default facet fields (not the on-demand ones) when none is given. */
  fields: FieldDef[];
  limit?: number;
  contains?: string;
  /** The request's other parameters: the timeline's filters, for parseEventQuery. */
  filters: URLSearchParams;
}

/** /api/facets' own parameters, checked; a bad one is a ParamError naming it (HTTP 400). */
export function parseFacetParams(sp: URLSearchParams): FacetParams {
  const fields: FieldDef[] = [];
  for (const key of new Set(sp.getAll("field"))) {
    const f = facetable(key);
    if (!f) throw new ParamError("field", `${quoted(key)} is not a filterable field`);
    fields.push(f);
  }
  if (fields.length > MAX_FACET_FIELDS) {
    throw new ParamError("field", `at most ${MAX_FACET_FIELDS} different fields in one request (${fields.length} given)`);
  }

  const limits = sp.getAll("limit");
  if (limits.length > 1) throw new ParamError("limit", "may be given only once");
  const limitRaw = limits[0];
  if (limitRaw !== undefined && (!/^\d+$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > MAX_FACET_LIMIT)) {
    throw new ParamError("limit", `must be a whole number from 1 to ${MAX_FACET_LIMIT}`);
  }

  const containsAll = sp.getAll("contains");
  if (containsAll.length > 1) throw new ParamError("contains", "may be given only once");
  const contains = containsAll[0] || undefined;
  if (contains !== undefined) {
    if (contains.length > MAX_CONTAINS_CHARS) {
      throw new ParamError("contains", `at most ${MAX_CONTAINS_CHARS} characters long (this one is ${contains.length})`);
    }
    // PostgreSQL rejects U+0000 in a text value (and no stored value holds it); an unpaired
    // surrogate is not text either.
    if (contains.includes("\u0000")) throw new ParamError("contains", "must not contain U+0000 (%00)");
    if (!contains.isWellFormed()) throw new ParamError("contains", "is not valid Unicode text (an unpaired surrogate)");
  }

  const filters = new URLSearchParams(sp);
  for (const k of FACET_OWN_PARAMS) filters.delete(k);
  return { fields: fields.length ? fields : [...DEFAULT_FACET_FIELDS], limit: limitRaw === undefined ? undefined : Number(limitRaw), contains, filters };
}

function withoutOwnFilter(q: EventQuery, field: FieldDef): EventQuery {
  return { ...q, filters: q.filters.filter((ff) => ff.field.key !== field.key) };
}

/**
 * (f, v, n) per field and value over the sampled rows `m`. Scalar fields in one GROUPING SETS pass
 * (measured on 1M events: 0.73 s against 1.24 s for a LATERAL VALUES unpivot + GROUP BY); in each
 * set the other columns come out NULL, so coalesce() yields the set's own value. Arrays per element.
 */
function groupedSql(fields: FieldDef[]): string {
  const scalars = fields.filter((f) => f.kind !== "textArray");
  const arrays = fields.filter((f) => f.kind === "textArray");
  const text = (f: FieldDef) => `m.${f.column}${f.kind === "bool" ? "::text" : ""}`;
  return [
    ...(scalars.length
      ? [`SELECT CASE ${scalars.map((f) => `WHEN GROUPING(m.${f.column}) = 0 THEN '${f.key}'`).join(" ")} END AS f,
                coalesce(${scalars.map(text).join(", ")}) AS v, count(*)::bigint AS n
           FROM m GROUP BY GROUPING SETS (${scalars.map((f) => `(m.${f.column})`).join(", ")})`]
      : []),
    ...arrays.map((f) => `SELECT '${f.key}' AS f, u.v, count(*)::bigint AS n FROM m CROSS JOIN LATERAL unnest(m.${f.column}) AS u(v) GROUP BY u.v`),
  ].join(" UNION ALL ");
}

async function countTogether(db: pg.Pool, q: EventQuery, fields: FieldDef[], opts: { limit: number; sample: number; contains?: string }): Promise<Facet[]> {
  const p = new SqlParams();
  const where = whereClauses(q, p);
  // Only catalog keys and columns are spliced into the text; everything user-given is a parameter.
  // A missing text value is a choice too ("no error": errorCode=!*); a missing boolean is not.
  const nullable = p.add(fields.filter((f) => f.kind === "text").map((f) => f.key));
  const contains = opts.contains ? ` AND v ILIKE ${p.add("%" + likePattern(opts.contains) + "%")}` : "";
  const sql = `
    WITH m AS MATERIALIZED (
      SELECT ${[...new Map(fields.map((f) => [f.column, `${columnFor(f, q, p)} AS ${f.column}`])).values()].join(", ")} FROM events
      ${where.length ? "WHERE " + where.join(" AND ") : ""}
      ORDER BY event_time DESC, id DESC LIMIT ${p.add(opts.sample + 1)}
    ),
    grouped AS (${groupedSql(fields)}),
    counted AS (SELECT f, v, n FROM grouped WHERE (v IS NOT NULL OR f = ANY(${nullable}::text[]))${contains}),
    ranked AS (SELECT f, v, n, row_number() OVER (PARTITION BY f ORDER BY n DESC, v NULLS LAST) AS rank FROM counted)
    SELECT f, v, n, (SELECT count(*) FROM m) AS scanned FROM ranked WHERE rank <= ${p.add(opts.limit)} ORDER BY f, rank`;
  const { rows } = await db.query(sql, p.values);
  const sampled = rows.length > 0 && Number(rows[0].scanned) > opts.sample;
  const byField = new Map<string, FacetValue[]>(fields.map((f) => [f.key, []]));
  for (const r of rows) byField.get(r.f as string)?.push({ value: (r.v as string | null) ?? null, count: Number(r.n) });
  return fields.map((f) => ({ field: f.key, values: byField.get(f.key) ?? [], sampled }));
}

/**
 * Above this many rollup rows read, adding them up costs about what the sampled scan does, so the
 * sampled scan (marked `sampled`) answers instead and cost stays bounded. Measured on a busy 2-core
 * machine: 1M events over 30 days, all of them = 110k day rows ≈ 0.25–0.35 s against 0.65–1.1 s for
 * the 100k sample; a simulated 10M week = 185k day rows ≈ 0.7–0.95 s, nearly all of it one field's
 * long tail of values seen once a day (sourceIPAddress), which days do not shrink.
 */
export const MAX_ROLLUP_ROWS = 500_000;

/** The query's range for the facet rollups: whole days, whole hours of the partial days, edges. */
const splitForFacets = (db: pg.Pool, view: RangeView): Promise<LevelSplit> => splitView(db, view, [DAY_MS, HOUR_MS]);

/** What the planner knows of the rollups: their row counts and each field's share of the day rows. */
interface RollupStats {
  days: number;
  hours: number;
  /** Earliest and latest minute stored; undefined when there are no events. */
  lo?: number;
  hi?: number;
  /**
   * Each field's share of event_facet_days' rows, from ANALYZE's most common values of `field`
   * (a dozen distinct values: all of them are "most common"). Empty before the first ANALYZE.
   */
  dayShare: Map<string, number>;
}

async function rollupStats(db: pg.Pool): Promise<RollupStats> {
  const { rows } = await db.query(
    `SELECT (SELECT reltuples FROM pg_class WHERE oid = 'event_facet_days'::regclass) AS days,
            (SELECT reltuples FROM pg_class WHERE oid = 'event_facet_hours'::regclass) AS hours,
            (SELECT min(minute) FROM event_minutes) AS lo, (SELECT max(minute) FROM event_minutes) AS hi,
            (SELECT most_common_vals::text::text[] FROM pg_stats
              WHERE schemaname = current_schema() AND tablename = 'event_facet_days' AND attname = 'field') AS fields,
            (SELECT most_common_freqs FROM pg_stats
              WHERE schemaname = current_schema() AND tablename = 'event_facet_days' AND attname = 'field') AS shares`,
  );
  const r = rows[0];
  const fields = (r.fields as string[] | null) ?? [];
  const shares = (r.shares as number[] | null) ?? [];
  return {
    days: Number(r.days),
    hours: Number(r.hours),
    lo: (r.lo as Date | null)?.getTime(),
    hi: (r.hi as Date | null)?.getTime(),
    dayShare: new Map(fields.map((f, i) => [f, Number(shares[i] ?? 0)])),
  };
}

/**
 * Rollup rows countFromRollups reads, estimated per table from the planner's row count and the
 * share of the data's span (in whole units of the table) that the split's intervals cover.
 */
function rollupRowsRead(stats: RollupStats, split: LevelSplit): number {
  const { lo, hi } = stats;
  if (lo === undefined || hi === undefined) return 0; // empty
  const share = (n: number, unit: number, ivs: Interval[]) => {
    if (n <= 0) return 0; // never analysed (small) or empty
    const start = Math.floor(lo / unit) * unit;
    const end = Math.ceil((hi + 60_000) / unit) * unit;
    const covered = ivs.reduce((sum, iv) => sum + Math.max(0, Math.min(end, iv.to?.getTime() ?? end) - Math.max(start, iv.from?.getTime() ?? start)), 0);
    return (n * covered) / (end - start);
  };
  return share(stats.days, DAY_MS, split.levels[0]) + share(stats.hours, HOUR_MS, split.levels[1]);
}

/**
 * Rollup facets run as this many queries at once, in one snapshot (queriesInOneSnapshot): one
 * PostgreSQL query uses one core. More would rarely help: the longest field's sum is most of the
 * time (sourceIPAddress: 31 of 38 ms for all twelve fields at 1M events, 82% of the day rows).
 */
const ROLLUP_LANES = 2;

/**
 * The fields in at most `lanes` groups of about equal work, each field's work its share of the day
 * rows (longest first, each to the lightest group so far). Without statistics, every field the same.
 */
export function balanceFields(fields: FieldDef[], dayShare: Map<string, number>, lanes: number): FieldDef[][] {
  const weight = (f: FieldDef) => (dayShare.size ? (dayShare.get(f.key) ?? 0) : 1);
  const groups = Array.from({ length: Math.max(1, Math.min(lanes, fields.length)) }, () => ({ fields: [] as FieldDef[], work: 0 }));
  const byWork = fields.map((f, i) => ({ f, i, w: weight(f) })).sort((a, b) => b.w - a.w || a.i - b.i);
  for (const { f, w } of byWork) {
    const g = groups.reduce((min, x) => (x.work < min.work ? x : min));
    g.fields.push(f);
    g.work += w;
  }
  return groups.filter((g) => g.fields.length > 0).map((g) => g.fields);
}

/**
 * Memory for summing a long-tail field's values: a week of sourceIPAddress at 10M events is 187k
 * day rows, 123k values, an 18 MB hash table. With the default 4 MB it spilled to disk (or, with
 * stale statistics, sorted on disk): 160–250 ms for that field; with this, 114–123 ms (measured
 * interleaved on the 10M bench database).
 */
const ROLLUP_WORK_MEM = "64MB";

/**
 * The query for exact counts without filters: the rollups' whole days and hours plus the events
 * at the range's edges. Missing values are not stored; each event in the range has exactly one
 * value per text field, so a text field's missing values are the range's events minus its values.
 */
function rollupFacetsSql(split: LevelSplit, fields: FieldDef[], opts: { limit: number; contains?: string; asOf?: Date }): { sql: string; values: unknown[] } {
  const [days, hours] = split.levels;
  const values: unknown[] = [];
  const p = (v: unknown) => `$${values.push(v)}`;
  const dayWhere = intervalsSql("day", days, values);
  const hourWhere = intervalsSql("hour", hours, values);
  const minuteWhere = intervalsSql("minute", [...days, ...hours], values);
  const edgeWhere = edgesSql(split.edges, values, opts.asOf);
  const contains = opts.contains ? `WHERE v ILIKE ${p("%" + likePattern(opts.contains) + "%")}` : "";
  // A missing value never contains text: with `contains`, no missing-value rows at all.
  const nullable = opts.contains ? [] : fields.filter((f) => f.kind === "text").map((f) => f.key);
  // One field at a time: each reads only its own rollup rows (primary keys lead with the field),
  // sums them and keeps a bounded sort of its own values. One aggregate of all fields, ranked per
  // field, had to be rescanned for every field: on 1M events that was most of the time.
  const sql = `
    WITH edge AS MATERIALIZED (SELECT ${[...new Set(fields.map((f) => f.column))].join(", ")} FROM events WHERE ${edgeWhere}),
    edge_pairs AS MATERIALIZED (
      SELECT x.f, x.v, count(*)::bigint AS n FROM (${unpivotSql(fields, "edge")}) AS x WHERE x.v IS NOT NULL GROUP BY x.f, x.v
    ),
    total AS MATERIALIZED (
      SELECT (SELECT coalesce(sum(events), 0) FROM event_minutes WHERE ${minuteWhere}) + (SELECT count(*) FROM edge) AS n
    )
    SELECT k.f, top.v, top.n FROM unnest(${p(fields.map((f) => f.key))}::text[]) AS k(f)
     CROSS JOIN LATERAL (
       WITH agg AS (
         SELECT v, sum(n)::bigint AS n FROM (
           SELECT value AS v, events AS n FROM event_facet_days WHERE field = k.f AND (${dayWhere})
           UNION ALL
           SELECT value, events FROM event_facet_hours WHERE field = k.f AND (${hourWhere})
           UNION ALL
           SELECT v, n FROM edge_pairs WHERE edge_pairs.f = k.f
         ) AS pairs ${contains} GROUP BY v
       )
       SELECT v, n FROM agg
       UNION ALL
       SELECT NULL, missing.n FROM (SELECT total.n - (SELECT coalesce(sum(n), 0) FROM agg) AS n FROM total) AS missing
        WHERE k.f = ANY(${p(nullable)}::text[]) AND missing.n > 0
       ORDER BY n DESC, v NULLS LAST LIMIT ${p(opts.limit)}
     ) AS top`;
  return { sql, values };
}

/**
 * The exact counts of `groups` of fields, each group one query (rollupFacetsSql), all at once in
 * one snapshot; in the order of `fields`.
 */
async function countFromRollups(db: pg.Pool, split: LevelSplit, fields: FieldDef[], groups: FieldDef[][], opts: { limit: number; contains?: string; asOf?: Date }): Promise<Facet[]> {
  const results = await queriesInOneSnapshot(db, { work_mem: ROLLUP_WORK_MEM }, groups.map((g) => rollupFacetsSql(split, g, opts)));
  const byField = new Map<string, FacetValue[]>(fields.map((f) => [f.key, []]));
  for (const { rows } of results) for (const r of rows) byField.get(r.f as string)?.push({ value: (r.v as string | null) ?? null, count: Number(r.n) });
  return fields.map((f) => ({ field: f.key, values: byField.get(f.key) ?? [], sampled: false }));
}

/**
 * Top values of each field under the query's other filters, in the order the fields were given.
 * Defaults to the catalog's default facet fields (the on-demand ones are counted when named).
 */
export async function facetCounts(db: pg.Pool, query: EventQuery, fields: readonly FieldDef[] = DEFAULT_FACET_FIELDS, opts: FacetOptions = {}): Promise<Facet[]> {
  const q = await searchWindow(db, await withSearchBlocks(db, query), opts.searchWindow);
  const limit = Math.min(Math.max(1, opts.limit ?? DEFAULT_FACET_LIMIT), MAX_FACET_LIMIT);
  const sample = Math.max(1, opts.sample ?? SAMPLE_LIMIT);
  const view = rangeView(q);
  const rolled = fields.filter(isRolledUp);
  if (opts.rollups !== false && rolled.length > 0 && view) {
    const split = await splitForFacets(db, view);
    const stats = await rollupStats(db);
    if (rollupRowsRead(stats, split) <= MAX_ROLLUP_ROWS) {
      // Fields the rollups do not hold (the actor, set after ingest; the access key, too many
      // values) are counted over the matching events alongside.
      const rest = fields.filter((f) => !isRolledUp(f));
      const [exact, counted] = await Promise.all([
        countFromRollups(db, split, rolled, balanceFields(rolled, stats.dayShare, ROLLUP_LANES), { limit, contains: opts.contains, asOf: view.asOf }),
        rest.length ? scannedFacets(db, q, rest, { ...opts, limit, sample }) : Promise.resolve([]),
      ]);
      const byField = new Map([...exact, ...counted].map((r) => [r.field, r]));
      return fields.map((f) => byField.get(f.key)!);
    }
  }
  return scannedFacets(db, q, fields, { ...opts, limit, sample });
}

/** Counts over the matching events (the newest `sample` of them when more match), each field's own filter left out. */
async function scannedFacets(db: pg.Pool, q: EventQuery, fields: readonly FieldDef[], opts: FacetOptions & { limit: number; sample: number }): Promise<Facet[]> {
  const { limit, sample } = opts;
  const filtered = new Set(q.filters.map((ff) => ff.field.key));
  const shared = fields.filter((f) => !filtered.has(f.key));
  const own = fields.filter((f) => filtered.has(f.key));
  const results = await Promise.all([
    shared.length ? countTogether(db, q, shared, { ...opts, limit, sample }) : Promise.resolve([]),
    ...own.map((f) => countTogether(db, withoutOwnFilter(q, f), [f], { ...opts, limit, sample })),
  ]);
  const byField = new Map(results.flat().map((r) => [r.field, r]));
  const searchedFrom = q.searchedFrom?.toISOString();
  return fields.map((f) => ({ ...(byField.get(f.key) ?? { field: f.key, values: [], sampled: false }), ...(searchedFrom ? { searchedFrom } : {}) }));
}

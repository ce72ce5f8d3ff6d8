// Free text narrowed by the search sketches (lib/store/sketch.ts): before a query with `q` runs,
// one pass over search_blocks finds the blocks whose filter has every gram of some term, and the
// query then reads only their events (plus events no block covers). The ILIKE still decides: this
// only chooses where to look, so results are exactly those of a full scan.
import type pg from "pg";
import { BLOCK_EVENTS, GROUP_WORD_BYTES, probePositions, SKETCH_FORMAT } from "../store/sketch";
import { basePool } from "../store/abort";
import type { EventQuery } from "./params";
import { qLiteral, SqlParams, whereClauses } from "./sql";

type Queryable = Pick<pg.Pool, "query">;

/**
 * Up to this share of candidate blocks narrowing pays for lists (first pages): a term found in
 * more blocks is common, and walking the time index finds its newest matches sooner.
 */
export const LIST_MAX_SHARE = 0.25;
/** Counts, facets, histogram and exports read every match: narrowing pays until nearly all blocks qualify. */
export const SCAN_MAX_SHARE = 0.75;

/** `get_bit` of one filter bit through a one-byte substring: fetches one TOAST chunk, not the whole filter. */
const probe = (p: number) => `get_bit(substring(bloom from ${(p >>> 3) + 1} for 1), ${p & 7}) = 1`;

/**
 * Whether the database's ILIKE folds case as the sketches assume: one character at a time, only
 * İ and K (U+212A) lowercasing into ASCII. libc and the builtin C/C.UTF-8 locales do, except in a
 * Turkic locale (lower('I') = 'ı'); ICU and PG_UNICODE_FAST use full case mapping (İ → i + U+0307).
 * Read through to_jsonb so the query also runs where pg_database lacks these columns (< 15, < 17).
 */
const FOLDS_AS_ASSUMED = `(SELECT coalesce(d ->> 'datlocprovider', 'c') = 'c' AND (d ->> 'datctype') !~* '^(tr|az)([_.@-]|$)'
                                 OR d ->> 'datlocprovider' = 'b' AND d ->> 'datlocale' IN ('C', 'C.UTF-8')
                            FROM (SELECT to_jsonb(pg_database) AS d FROM pg_database WHERE datname = current_database()) AS x)`;

interface Probe {
  total: number;
  max: number;
  ids: number[];
  firsts: number[];
  lasts: number[];
  events: number[];
  folds: boolean;
  /** Some block is of another format: an upgrade's resketch may split blocks while this probe is used. */
  stale: boolean;
}

/**
 * Probes by database handle and terms. Blocks are only ever added (grouping moves a filter into
 * its group without changing it; a resketch rebuilds an older block, a candidate already, in
 * place, or splits it into new blocks with higher ids), so a probe stays right while search_blocks
 * holds as many rows with the same highest id (an index-only check): the /events page's list,
 * count, facets and histogram, and every "load more", then share one probe (tens of ms warm at 10M
 * events with the blocks grouped; up to ~2 s when the groups' pages must come from a busy disk).
 */
const probes = new WeakMap<object, Map<string, Probe>>();
const PROBES_KEPT = 64;

async function probeBlocks(db: Queryable, terms: string[], perTerm: number[][]): Promise<Probe> {
  // Keyed by the pool, not a request's abortablePool view of it: requests share probes.
  let cache = probes.get(basePool(db));
  if (!cache) probes.set(basePool(db), (cache = new Map()));
  const key = JSON.stringify(terms);
  const kept = cache.get(key);
  if (kept) {
    const { rows } = await db.query(`SELECT count(*)::int AS total, coalesce(max(id), 0) AS max FROM search_blocks`);
    if (rows[0].total === kept.total && rows[0].max === kept.max) return kept;
  }
  // Blocks not grouped yet: PostgreSQL stops an AND at the first unset bit, so most cost one or two
  // chunk reads. A block written in another format (an older release) cannot be probed: always a
  // candidate.
  const cond = `format <> ${SKETCH_FORMAT} OR ` + perTerm.map((ps) => `(${ps.map(probe).join(" AND ")})`).join(" OR ");
  // Grouped blocks: one search_group_slots call per group of 512 (its slots as a bit string; a
  // group of another format: NULL, all candidates). Then the probe once per block (OFFSET 0 keeps
  // the subquery from being flattened, which would copy the probe into every aggregate's FILTER),
  // and the candidates with their time spans.
  const ms = (col: string) => `coalesce(array_agg((extract(epoch FROM ${col}) * 1000)::float8 ORDER BY id) FILTER (WHERE hit), '{}')`;
  const { rows } = await db.query(
    `WITH g AS MATERIALIZED (
       SELECT blocks, CASE WHEN format = ${SKETCH_FORMAT} THEN search_group_slots(bits, ${GROUP_WORD_BYTES}, $1::int[], $2::int[]) END AS m FROM search_groups
     ), grouped AS (
       SELECT s.id FROM g, unnest(g.blocks) WITH ORDINALITY AS s(id, slot)
        WHERE g.m IS NULL OR position(B'1' IN g.m) > 0 AND get_bit(g.m, s.slot::int - 1) = 1
     )
     SELECT count(*)::int AS total, coalesce(max(id), 0) AS max, coalesce(array_agg(id ORDER BY id) FILTER (WHERE hit), '{}') AS ids,
            ${ms("first_time")} AS firsts, ${ms("last_time")} AS lasts, coalesce(array_agg(events ORDER BY id) FILTER (WHERE hit), '{}') AS events,
            ${FOLDS_AS_ASSUMED} AS folds, coalesce(bool_or(format <> ${SKETCH_FORMAT}), false) AS stale
       FROM (SELECT id, format, first_time, last_time, events, CASE WHEN group_id IS NULL THEN (${cond}) ELSE id IN (SELECT id FROM grouped) END AS hit
               FROM search_blocks OFFSET 0) AS b`,
    [perTerm.flat(), perTerm.map((ps) => ps.length)],
  );
  const found = rows[0] as Probe;
  cache.delete(key);
  cache.set(key, found);
  if (cache.size > PROBES_KEPT) cache.delete(cache.keys().next().value!);
  return found;
}

/**
 * The query with `searchBlocks` set: the candidate blocks, or null when the sketches cannot narrow
 * it (no `q`, a term without 4 consecutive ASCII characters, more than `maxShare` of the blocks
 * are candidates, a database whose case folding the sketches do not model).
 */
export async function withSearchBlocks(db: Queryable, q: EventQuery, maxShare = SCAN_MAX_SHARE): Promise<EventQuery> {
  if (q.searchBlocks !== undefined) return q;
  if (q.q.length === 0) return { ...q, searchBlocks: null };
  const perTerm = q.q.map((t) => probePositions(qLiteral(t)));
  if (perTerm.some((ps) => ps === null)) return { ...q, searchBlocks: null };
  const { total, max, ids, firsts, lasts, events, folds, stale } = await probeBlocks(db, q.q, perTerm as number[][]);
  // No blocks at all (events loaded before the sketches, or by other means): nothing to narrow.
  if (!folds || total === 0) return { ...q, searchBlocks: null };
  const searchShare = ids.length / total;
  if (searchShare > maxShare) return { ...q, searchBlocks: null, searchShare };
  // While older blocks remain, resketch may split one and move its events to blocks above `max`:
  // the query reads those too (only then: an extra range the planner must estimate).
  const searchMax = stale ? max : undefined;
  return { ...q, searchBlocks: ids, searchSpans: ids.map((_, i) => [firsts[i], lasts[i]]), searchBlockEvents: events, searchMax, searchShare };
}

/**
 * Events a count, the facets or the histogram of free text examine at most: what the sampled facets
 * read, about a second of ILIKE on this machine (11 µs per event at 1M, measured). Tunable with
 * TRAILSCOPE_SEARCH_WINDOW_EVENTS (the end-to-end tests set it tiny to see the labels).
 */
export const SEARCH_WINDOW_EVENTS = Number(process.env.TRAILSCOPE_SEARCH_WINDOW_EVENTS) || 100_000;

/**
 * For counts, facets and the histogram of free text (after withSearchBlocks): the query limited to
 * its newest events when answering it over the whole range would examine more than `budget` of
 * them: a term the sketches cannot place (common, or without 4 consecutive ASCII characters) or
 * place in too many blocks. Without this, "accessdenied" over 10M events rescans the table for each
 * of the three (about 110 s each). `from` then moves to the minute where the newest `budget` events
 * of the range begin (from the event_minutes rollup), and `searchedFrom` says so, for the answer to
 * carry and the page to show. Lists and exports always search everything.
 */
/**
 * Planner settings for a query limited by searchWindow: the window bounds the rows read only if
 * the time index drives the scan. Estimating the window at a tenth of the table, PostgreSQL chose
 * a parallel scan of all of it (an emoji's windowed histogram at 1M: 28 s, against 1.7 s for the
 * facets, which walk the index).
 */
export const windowSettings = (q: EventQuery): Record<string, string> => (q.searchedFrom ? { enable_seqscan: "off" } : {});

export async function searchWindow(db: Queryable, q: EventQuery, budget = SEARCH_WINDOW_EVENTS): Promise<EventQuery> {
  if (q.q.length === 0 || q.searchedFrom) return q;
  if (q.searchBlocks) {
    // The candidate blocks' events in the range: what the query rechecks.
    const lo = q.from?.getTime() ?? -Infinity;
    const hi = q.to?.getTime() ?? Infinity;
    let rows = 0;
    q.searchBlocks.forEach((_, i) => {
      const [first, last] = q.searchSpans?.[i] ?? [-Infinity, Infinity];
      if (last >= lo && first < hi) rows += q.searchBlockEvents?.[i] ?? BLOCK_EVENTS;
    });
    if (rows <= budget) return q;
  }
  if (q.accounts || q.within || q.asOf || q.storedAfter) return windowOfVisible(db, q, budget);
  const values: unknown[] = [budget];
  const range = [q.from && `minute >= date_trunc('minute', $${values.push(q.from)}::timestamptz, 'UTC')`, q.to && `minute < $${values.push(q.to)}`].filter(Boolean);
  // Newest minutes first, summed until the budget: an index scan that stops there.
  const { rows } = await db.query(
    `SELECT minute FROM (SELECT minute, sum(events) OVER (ORDER BY minute DESC) AS seen FROM event_minutes ${range.length ? "WHERE " + range.join(" AND ") : ""}) AS m
      WHERE seen >= $1 ORDER BY minute DESC LIMIT 1`,
    values,
  );
  const cut = rows[0]?.minute as Date | undefined;
  if (!cut || (q.from && cut.getTime() <= q.from.getTime())) return q;
  return { ...q, from: cut, searchedFrom: cut };
}

/**
 * searchWindow for a principal limited to some accounts, a share link's view or an asOf bound: the
 * cut where the newest `budget` events *it may see* begin, read from the time index. The rollup
 * counts every account, so a cut taken from it would tell a scoped user how busy other accounts
 * are; this one reads at most the range's events down to the cut, like the windowed query itself.
 */
async function windowOfVisible(db: Queryable, q: EventQuery, budget: number): Promise<EventQuery> {
  const p = new SqlParams();
  const where = whereClauses({ ...q, filters: [], q: [], searchBlocks: undefined }, p);
  const { rows } = await db.query(
    `SELECT event_time FROM events ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY event_time DESC OFFSET ${p.add(budget - 1)} LIMIT 1`,
    p.values,
  );
  const at = rows[0]?.event_time as Date | undefined;
  if (!at) return q;
  const cut = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
  if (q.from && cut.getTime() <= q.from.getTime()) return q;
  return { ...q, from: cut, searchedFrom: cut };
}

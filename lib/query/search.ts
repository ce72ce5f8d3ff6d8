// Free text narrowed by the search sketches (lib/store/sketch.ts): before a query with `q` runs,
// one pass over search_blocks finds the blocks whose filter has every gram of some term, and the
// query then reads only their events (plus events no block covers). The ILIKE still decides: this
// only chooses where to look, so results are exactly those of a full scan.
import type pg from "pg";
import { probePositions } from "../store/sketch";
import type { EventQuery } from "./params";
import { qLiteral } from "./sql";

type Queryable = Pick<pg.Pool, "query">;

/**
 * Above this share of candidate blocks the narrowing is dropped: a term that common finds its
 * first page sooner by walking the time index, and the block list would only slow the plan.
 */
const MAX_SHARE = 0.25;

/** `get_bit` of one filter bit through a one-byte substring: fetches one TOAST chunk, not the whole filter. */
const probe = (p: number) => `get_bit(substring(bloom from ${(p >>> 3) + 1} for 1), ${p & 7}) = 1`;

/**
 * The query with `searchBlocks` set: the candidate blocks, or null when the sketches cannot narrow
 * it (no `q`, a term without 4 consecutive ASCII characters, too many candidates, a Turkic
 * locale where lower('I') is not 'i').
 */
export async function withSearchBlocks(db: Queryable, q: EventQuery): Promise<EventQuery> {
  if (q.searchBlocks !== undefined) return q;
  if (q.q.length === 0) return { ...q, searchBlocks: null };
  const perTerm = q.q.map((t) => probePositions(qLiteral(t)));
  if (perTerm.some((ps) => ps === null)) return { ...q, searchBlocks: null };
  // PostgreSQL stops an AND at the first unset bit: most blocks cost one or two chunk reads.
  const cond = perTerm.map((ps) => `(${ps!.map(probe).join(" AND ")})`).join(" OR ");
  const { rows } = await db.query(
    `SELECT count(*)::int AS total, coalesce(array_agg(id) FILTER (WHERE ${cond}), '{}') AS ids,
            current_setting('lc_ctype') AS ctype
       FROM search_blocks`,
  );
  const { total, ids, ctype } = rows[0] as { total: number; ids: number[]; ctype: string };
  if (/^(tr|az)([_.@-]|$)/i.test(ctype)) return { ...q, searchBlocks: null };
  if (total > 0 && ids.length > total * MAX_SHARE) return { ...q, searchBlocks: null };
  return { ...q, searchBlocks: ids };
}

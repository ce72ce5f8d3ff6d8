// "N events match", bounded at any size. Without filters or free text the count is exact from the
// event_minutes rollup (plus the partial minutes at the range's edges). With filters, matches are
// counted up to COUNT_CAP and no further: the count then says it is a lower bound ("more than N"),
// which the UI shows as such. Free text that would examine more than SEARCH_WINDOW_EVENTS events is
// counted in the newest of them only, and says from when ("at least N").
import type pg from "pg";
import type { EventQuery } from "../../../lib/query/params";
import { SEARCH_WINDOW_EVENTS, searchWindow, windowSettings, withSearchBlocks } from "../../../lib/query/search";
import { queryWithSettings } from "../../../lib/store/settings";
import { rangeView, SqlParams, whereClauses } from "../../../lib/query/sql";
import { countInRange } from "../../../lib/store/rollups";

export interface MatchCount {
  value: number;
  /** false: a lower bound — more than `value` events match (shown as "more than N"). */
  exact: boolean;
  /**
   * Free text counted only in the events since this instant (lib/query/search.ts searchWindow):
   * `value` of them match, older ones were not searched (shown as "at least N").
   */
  searchedFrom?: Date;
}

/** Matches counted at most for a filtered query: about as many rows as the sampled facets read. */
export const COUNT_CAP = 100_000;

export async function matchCount(db: pg.Pool, query: EventQuery, cap = COUNT_CAP, window = SEARCH_WINDOW_EVENTS): Promise<MatchCount> {
  const view = rangeView(query);
  if (view) return { value: await countInRange(db, view), exact: true };
  const q = await searchWindow(db, await withSearchBlocks(db, query), window);
  const p = new SqlParams();
  const where = whereClauses(q, p);
  const { rows } = await queryWithSettings(
    db,
    windowSettings(q),
    `SELECT count(*)::bigint AS n FROM (SELECT 1 FROM events WHERE ${where.join(" AND ")} LIMIT ${p.add(cap + 1)}) AS m`,
    p.values,
  );
  const n = Number(rows[0].n);
  if (n > cap) return { value: cap, exact: false, searchedFrom: q.searchedFrom };
  return q.searchedFrom ? { value: n, exact: false, searchedFrom: q.searchedFrom } : { value: n, exact: true };
}

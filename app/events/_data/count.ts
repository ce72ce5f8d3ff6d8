// "N events match". Exact for now; on very large sets count(*) may get slow, so callers get a
// MatchCount that says whether it is exact, and the UI labels an estimate as such. Swapping in an
// estimate (EXPLAIN's row estimate, or a capped count: count(*) over a LIMITed subquery) changes
// only this file.
import type pg from "pg";
import { countEvents } from "../../../lib/query/events";
import type { EventQuery } from "../../../lib/query/params";

export interface MatchCount {
  value: number;
  /** false: an estimate (or a lower bound), shown with "≈" / "at least". */
  exact: boolean;
}

export async function matchCount(db: pg.Pool, q: EventQuery): Promise<MatchCount> {
  return { value: await countEvents(db, q), exact: true };
}

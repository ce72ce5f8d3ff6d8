// The planner's statistics after a sync that stored events. Without them PostgreSQL plans with
// default estimates: at 10M events the free-text list, with `events` never analyzed, took a
// parallel scan of the whole table (11 s) instead of a bitmap scan of its candidate blocks,
// and a facet sorted 187k rollup rows on disk, sized from a stale count of 16. Autovacuum would
// analyze eventually, but it can be off (it is on the bench machine's server) or behind a bulk load.
import type pg from "pg";
import { FIELDS } from "../fields";

/**
 * The columns queries filter, sort and narrow on; the record text is left out (nothing compares
 * it, and detoasting sampled records is most of an ANALYZE's cost: all columns took 18 s at 1M,
 * these 1.3 s at 10M). ingested_at too: without its statistics "stored after an instant" (alert
 * evaluation, the detection counts' catch-up, `storedAfter`) was estimated at a third of the
 * table, and PostgreSQL scanned all of it (4.3 s at 10M) instead of the few block ranges the BRIN
 * index names.
 */
const EVENT_COLUMNS = ["id", ...FIELDS.filter((f) => !f.derived && f.key !== "eventID").map((f) => f.column), "search_block", "object_id", "ingested_at"].map((c) => `"${c}"`).join(", ");

/** autovacuum's default analyze threshold: 50 rows plus a tenth of the table changed since. */
const STALE_SHARE = 0.1;
const STALE_BASE = 50;

/**
 * Rollups, search blocks and the credential sessions (grown by every sync): always. `events`: when it was never
 * analyzed or a tenth of it changed since; returns whether it was.
 */
export async function analyzeAfterSync(pool: pg.Pool): Promise<boolean> {
  await pool.query(`ANALYZE event_minutes, event_facet_hours, event_facet_days, search_blocks, search_groups, credential_sessions`);
  const { rows } = await pool.query<{ tuples: number; changed: string | null }>(
    `SELECT c.reltuples AS tuples, s.n_mod_since_analyze AS changed
       FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = 'events'::regclass`,
  );
  const { tuples, changed } = rows[0];
  // reltuples is -1 until the first ANALYZE (or VACUUM); without statistics counters (track_counts
  // off) `changed` is NULL: analyze rather than guess.
  const stale = tuples < 0 || changed === null || Number(changed) > STALE_BASE + STALE_SHARE * tuples;
  if (stale) await pool.query(`ANALYZE events (${EVENT_COLUMNS})`);
  return stale;
}

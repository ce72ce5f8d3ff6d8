// Rewrites stored search blocks as bit-sliced groups (lib/store/sketch.ts transposeGroup): every
// GROUP_BLOCKS blocks not yet grouped, in id order, become one search_groups row, and their own
// filters are dropped. Each group is one transaction, so a crash leaves every block either in a
// group or with its own filter; the probe reads both kinds. Runs after a sync's commits.
import type pg from "pg";
import { withClient } from "./checkout";
import { GROUP_BLOCKS, SKETCH_FORMAT, transposeGroup } from "./sketch";

/** One grouping at a time, across processes: a second caller finds the lock taken and leaves. */
const LOCK = "trailscope-search-groups";

/**
 * Groups stored blocks while at least `groupBlocks` (tests: fewer, for small data) of the current
 * format are ungrouped; returns how many groups it made. Blocks of another format stay alone and
 * are always candidates. Stops early, without error, when another process is grouping.
 */
export async function groupSearchBlocks(pool: pg.Pool, opts: { groupBlocks?: number; signal?: AbortSignal; log?: (m: string) => void } = {}): Promise<number> {
  const size = opts.groupBlocks ?? GROUP_BLOCKS;
  if (!(size >= 1 && size <= GROUP_BLOCKS)) throw new Error(`groupBlocks: 1..${GROUP_BLOCKS}`);
  let made = 0;
  while (!opts.signal?.aborted && (await withClient(pool, (c) => groupOnce(c, size)))) made++;
  if (made > 0) await reclaimFilters(pool).catch((err: Error) => opts.log?.(`search filters grouped, their old space not reclaimed: ${err.message}`));
  return made;
}

/**
 * One group of the oldest `size` ungrouped blocks, in one transaction; false when there are too few
 * or another process is grouping.
 */
async function groupOnce(c: pg.PoolClient, size: number): Promise<boolean> {
  await c.query("BEGIN");
  const lock = await c.query(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS ok`, [LOCK]);
  if (!lock.rows[0].ok) {
    await c.query("ROLLBACK");
    return false;
  }
  // As base64, not bytea's hex: 512 filters are 64 MB of hex for the sync's main thread to decode
  // (pg has no lossless binary mode for rows: it reads every value as UTF-8 text); base64 is 43 MB
  // and decodes in about half the CPU (bench/.scratch measurement, 512 × 64 KiB: 0.19–0.39 s against
  // 0.41–0.54 s). PostgreSQL breaks base64 into lines, which Buffer.from skips.
  const { rows } = await c.query<{ id: number; bloom: string }>(
    `SELECT id, encode(bloom, 'base64') AS bloom FROM search_blocks WHERE group_id IS NULL AND format = $1 ORDER BY id LIMIT $2`,
    [SKETCH_FORMAT, size],
  );
  if (rows.length < size) {
    await c.query("ROLLBACK");
    return false;
  }
  const bits = transposeGroup(rows.map((r) => Buffer.from(r.bloom, "base64")));
  const ids = rows.map((r) => r.id);
  const g = await c.query(`INSERT INTO search_groups (format, blocks, bits) VALUES ($1, $2::int[], $3) RETURNING id`, [
    SKETCH_FORMAT,
    ids,
    Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength),
  ]);
  await c.query(`UPDATE search_blocks SET group_id = $1, bloom = NULL WHERE id = ANY($2::int[])`, [g.rows[0].id, ids]);
  await c.query("COMMIT");
  return true;
}

/**
 * The grouped blocks' own filters are dead TOAST rows now (64 KiB each, as much again as the groups
 * hold). Vacuumed, their space takes the next blocks' filters; left to autovacuum, which may be off
 * or behind a bulk load, it piled up: 3.4 GB at 10M events on the bench machine. Runs beside
 * inserts (VACUUM takes no lock against them) and cannot run inside a transaction.
 */
async function reclaimFilters(pool: pg.Pool) {
  await pool.query(`VACUUM search_blocks`);
}

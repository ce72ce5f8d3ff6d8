// Rebuilds the search filters of blocks written in another SKETCH_FORMAT (an older release), from
// the stored record text, so an upgrade does not leave free text unnarrowed: until then those
// blocks are always candidates, which is right but scans them all. A block's events are all
// inserted in the transaction that stores the block, and RECORD_TEXT is exactly the text its
// filter was built from (test/search.test.ts checks both), so the rebuilt filter is the one a
// fresh sync would write. A block of more events than a block now holds (format 2 had 1,024) is
// split: its events, in time order, go to new blocks of BLOCK_EVENTS, in one transaction with
// the old block's removal. The new blocks' ids are above any a running query probed, so that
// query still reads them (EventQuery.searchMax). Newest blocks first: recent events are searched
// most. Runs after a sync's commits, before grouping; an interrupted run continues where it stopped.
import type pg from "pg";
import { RECORD_TEXT } from "../query/sql";
import { withClient } from "./checkout";
import { BLOCK_EVENTS, mergeSketch, SKETCH_BYTES, SKETCH_FORMAT, SketchBuilder } from "./sketch";

/** Blocks fetched per round; each is then read, sketched and written on its own. */
const ROUND = 32;

/** The filter of some events' record text, as a block stores it. */
function filterOf(texts: string[]): Buffer {
  const builder = new SketchBuilder(Math.max(BLOCK_EVENTS, texts.length));
  for (const t of texts) builder.add(t);
  const bits = new Uint8Array(SKETCH_BYTES);
  for (const s of builder.finish()) mergeSketch(bits, s);
  return Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength);
}

/** Rebuilds one block (in place, or split); false when another process did it first. */
async function rebuild(c: pg.PoolClient, id: number): Promise<boolean> {
  await c.query("BEGIN");
  const own = await c.query(`SELECT 1 FROM search_blocks WHERE id = $1 AND format <> $2 FOR UPDATE`, [id, SKETCH_FORMAT]);
  if (own.rowCount === 0) {
    await c.query("ROLLBACK");
    return false;
  }
  const { rows } = await c.query<{ id: string; t: Date; text: string }>(
    `SELECT id, event_time AS t, ${RECORD_TEXT} AS text FROM events WHERE search_block = $1 ORDER BY event_time, id`,
    [id],
  );
  if (rows.length <= BLOCK_EVENTS) {
    await c.query(`UPDATE search_blocks SET format = $1, bloom = $2, group_id = NULL WHERE id = $3`, [SKETCH_FORMAT, filterOf(rows.map((r) => r.text)), id]);
  } else {
    for (let at = 0; at < rows.length; at += BLOCK_EVENTS) {
      const part = rows.slice(at, at + BLOCK_EVENTS);
      const made = await c.query(
        `INSERT INTO search_blocks (format, events, first_time, last_time, bloom) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        // Widened by a millisecond each way, as the loader does.
        [SKETCH_FORMAT, part.length, new Date(part[0].t.getTime() - 1), new Date(part[part.length - 1].t.getTime() + 1), filterOf(part.map((r) => r.text))],
      );
      await c.query(`UPDATE events SET search_block = $1 WHERE search_block = $2 AND id = ANY($3::text[])`, [made.rows[0].id, id, part.map((r) => r.id)]);
    }
    await c.query(`DELETE FROM search_blocks WHERE id = $1`, [id]);
  }
  await c.query("COMMIT");
  return true;
}

export async function resketchBlocks(pool: pg.Pool, opts: { signal?: AbortSignal; log?: (m: string) => void } = {}): Promise<number> {
  // Groups of another format are dissolved first, in one statement, so a block is never left
  // without a group while a probe could still skip it: its own old format keeps it a candidate
  // until it is rebuilt below.
  await pool.query(
    `WITH old AS (DELETE FROM search_groups WHERE format <> $1 RETURNING blocks)
     UPDATE search_blocks SET group_id = NULL WHERE id IN (SELECT unnest(blocks) FROM old)`,
    [SKETCH_FORMAT],
  );
  const left = Number((await pool.query(`SELECT count(*) AS n FROM search_blocks WHERE format <> $1`, [SKETCH_FORMAT])).rows[0].n);
  if (left === 0) return 0;
  opts.log?.(`search: rebuilding ${left.toLocaleString("en-US")} search filters written by an older release (once; free text scans those blocks until then)`);
  let done = 0;
  let below = 2 ** 31 - 1;
  while (!opts.signal?.aborted) {
    const { rows } = await pool.query<{ id: number }>(`SELECT id FROM search_blocks WHERE format <> $1 AND id < $2 ORDER BY id DESC LIMIT ${ROUND}`, [
      SKETCH_FORMAT,
      below,
    ]);
    if (rows.length === 0) break;
    for (const { id } of rows) {
      if (opts.signal?.aborted) break;
      below = id;
      if (await withClient(pool, (c) => rebuild(c, id))) done++;
    }
  }
  return done;
}

// Rebuilds the search filters of blocks written in another SKETCH_FORMAT (an older release), from
// the stored record text, so an upgrade does not leave free text unnarrowed: until then those
// blocks are always candidates, which is right but scans them all. A block's events are all
// inserted in the transaction that stores the block, and RECORD_TEXT is exactly the text its
// filter was built from (test/search.test.ts checks both), so the rebuilt filter is the one a
// fresh sync would write. Newest blocks first: recent events are searched most. Runs after a
// sync's commits, before grouping; an interrupted run continues where it stopped.
import type pg from "pg";
import { RECORD_TEXT } from "../query/sql";
import { BLOCK_EVENTS, mergeSketch, SKETCH_BYTES, SKETCH_FORMAT, SketchBuilder } from "./sketch";

/** Blocks fetched per round; each is then read, sketched and written on its own. */
const ROUND = 32;

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
      const events = await pool.query<{ text: string }>(`SELECT ${RECORD_TEXT} AS text FROM events WHERE search_block = $1`, [id]);
      const builder = new SketchBuilder(Math.max(BLOCK_EVENTS, events.rows.length));
      for (const e of events.rows) builder.add(e.text);
      const bits = new Uint8Array(SKETCH_BYTES);
      for (const s of builder.finish()) mergeSketch(bits, s);
      const r = await pool.query(`UPDATE search_blocks SET format = $1, bloom = $2, group_id = NULL WHERE id = $3 AND format <> $1`, [
        SKETCH_FORMAT,
        Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength),
        id,
      ]);
      done += r.rowCount ?? 0;
    }
  }
  return done;
}

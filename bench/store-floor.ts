// Peer for folder ingest: what PostgreSQL alone spends to store the rows our sync stored, with no
// Node in the way. The events of the repetition's database are streamed by one COPY TO STDOUT
// straight into a COPY FROM STDIN of a fresh database migrated by the product, once with every
// index of `events` dropped ("bare": parsing, the JSON check of the record, heap, TOAST, WAL) and
// once with them ("indexed"). Why it is here: the ingest targets are CPU budgets on this machine,
// and this says how much of the budget the store takes before any decoding is done.
// The figure that matters is the CPU of the receiving backend, read from /proc (the server must be
// local; elsewhere it is null); the sending backend runs on the other core.
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import type * as Migrate from "../lib/store/migrate";
import { cpuTicks, TICK } from "./cpu";
import { createDb, dbUrl, dropDb } from "./pg";
import { load } from "./src";

export type FloorVariant = "bare" | "indexed";

export interface StoreFloorRun {
  variant: FloorVariant;
  rows: number;
  ms: number;
  /** CPU seconds of the backend that received the COPY; null when the server is not local. */
  backendCpu: number | null;
  /** Indexes left on events during the COPY. */
  indexes: number;
}

const procCpuSeconds = (pid: number): number | null => {
  const t = cpuTicks(pid);
  return t ? t.ticks / TICK : null;
};

export async function storeFloor(srcUrl: string, dbName: string, variant: FloorVariant): Promise<StoreFloorRun> {
  const { migrate } = await load<typeof Migrate>("lib/store/migrate.ts");
  const url = await createDb(dbName);
  try {
    await migrate(url);
    const dst = new pg.Client({ connectionString: url });
    await dst.connect();
    try {
      if (variant === "bare") {
        const idx = await dst.query(
          `SELECT i.indexrelid::regclass::text AS name, c.conname
             FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
            WHERE i.indrelid = 'events'::regclass`,
        );
        for (const r of idx.rows) {
          await dst.query(r.conname ? `ALTER TABLE events DROP CONSTRAINT "${r.conname}"` : `DROP INDEX ${r.name}`);
        }
      }
      const indexes = Number((await dst.query(`SELECT count(*)::int AS n FROM pg_index WHERE indrelid = 'events'::regclass`)).rows[0].n);
      const cols = (
        await dst.query(
          `SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) AS cols
             FROM pg_attribute WHERE attrelid = 'events'::regclass AND attnum > 0 AND NOT attisdropped`,
        )
      ).rows[0].cols as string;
      // Both variants start from clean buffers.
      await dst.query("CHECKPOINT");
      const pid = Number((await dst.query("SELECT pg_backend_pid() AS pid")).rows[0].pid);
      const cpu0 = procCpuSeconds(pid);
      const src = new pg.Client({ connectionString: srcUrl });
      await src.connect();
      const t = performance.now();
      let rows = 0;
      try {
        const out = src.query(copyTo(`COPY (SELECT ${cols} FROM events) TO STDOUT`));
        const into = dst.query(copyFrom(`COPY events (${cols}) FROM STDIN`));
        await pipeline(out, into);
        rows = into.rowCount;
      } finally {
        await src.end();
      }
      const ms = performance.now() - t;
      const cpu1 = procCpuSeconds(pid);
      return { variant, rows, ms, backendCpu: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0, indexes };
    } finally {
      await dst.end();
    }
  } finally {
    await dropDb(dbName);
  }
}

/** The receiving backend's CPU seconds per million rows (the store's share of a CPU budget). */
export const cpuPerMillion = (r: StoreFloorRun): number => (r.backendCpu === null ? NaN : (r.backendCpu * 1e6) / r.rows);

// For a standalone look: `npx tsx bench/store-floor.ts <database with events> [bare|indexed]`.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [db, v = "bare"] = process.argv.slice(2);
  const r = await storeFloor(dbUrl(db), `tsbench_floor_${Date.now().toString(36)}`, v as FloorVariant);
  console.log(JSON.stringify({ ...r, eventsPerSecond: (r.rows * 1000) / r.ms, cpuPerMillion: cpuPerMillion(r) }));
}

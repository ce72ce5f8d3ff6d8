// Classifies the events stored before enrichment existed (migration 20261207080000_enrichment),
// in the background: at 10M events an UPDATE of every row takes a long while, and start-up must
// not wait for it. Until a row is reached it has no class — it counts under "(none)" in the facets
// and matches no class filter — which is what the table holds, so counts stay exact throughout.
//
// The walk goes through `events` in physical order (TID range scans: sequential pages, no index)
// from page 0 to the table's size when it began; rows stored since were classified at ingest.
// Each batch is one transaction: read the unclassified rows of some pages, classify them in Node
// with the very function ingest uses (lib/enrich/enrich.ts), UPDATE the rows still unclassified
// (another process may have been first), add the classes set to the facet rollups, move the
// cursor. An interrupted backfill resumes where it stopped; running it twice at once is safe (the
// cursor row is locked per batch). Once done, the userAgentClass index is built CONCURRENTLY when
// the migration left that for later (a large table).
import type pg from "pg";
import { withClient } from "../store/checkout";
import { DAY_MS, HOUR_MS, ROLLUP_FIELD_KEYS } from "../store/rollups";
import { enrich, installRanges } from "./enrich";
import { activeRanges } from "./ranges-store";

/** Heap pages per batch: ~8 events a page, a few thousand rows per transaction. */
export const BACKFILL_PAGES = 400;

/** The enrichment columns the facet rollups hold, as [field key, column of the UPDATE's RETURNING]. */
const ROLLED: [string, "ip_class" | "user_agent_class"][] = (
  [
    ["ipClass", "ip_class"],
    ["userAgentClass", "user_agent_class"],
  ] as [string, "ip_class" | "user_agent_class"][]
).filter(([k]) => (ROLLUP_FIELD_KEYS as readonly string[]).includes(k));

export const ENRICHMENT_INDEXES = [
  { name: "events_user_agent_class_time_idx", sql: `ON events (user_agent_class, event_time DESC, id DESC)` },
];

export interface BackfillState {
  nextPage: number;
  endPage: number | null;
  classified: number;
  finished: boolean;
}

export async function backfillState(db: Pick<pg.Pool, "query">): Promise<BackfillState> {
  const { rows } = await db.query(`SELECT next_page, end_page, classified, finished_at FROM enrichment_backfill WHERE id = 1`);
  const r = rows[0];
  if (!r) return { nextPage: 0, endPage: 0, classified: 0, finished: true };
  return { nextPage: r.next_page, endPage: r.end_page, classified: r.classified, finished: r.finished_at !== null };
}

/** Adds classes set on stored events to event_facet_hours/_days, in key order (as the loader does). */
async function addToRollups(c: pg.ClientBase, rows: { event_time: Date; ip_class: string | null; user_agent_class: string | null }[]) {
  const hours = new Map<string, number>();
  const days = new Map<string, number>();
  for (const r of rows) {
    const t = r.event_time.getTime();
    const hour = Math.floor(t / HOUR_MS) * HOUR_MS;
    const day = Math.floor(t / DAY_MS) * DAY_MS;
    for (const [field, col] of ROLLED) {
      const v = r[col];
      if (v === null) continue;
      const hk = `${field}\u0000${hour}\u0000${v}`;
      hours.set(hk, (hours.get(hk) ?? 0) + 1);
      const dk = `${field}\u0000${day}\u0000${v}`;
      days.set(dk, (days.get(dk) ?? 0) + 1);
    }
  }
  if (hours.size === 0) return;
  const columns = (sums: Map<string, number>) => {
    const cols: [string[], Date[], string[], number[]] = [[], [], [], []];
    for (const [k, n] of sums) {
      const [f, t, v] = k.split("\u0000", 3);
      cols[0].push(f);
      cols[1].push(new Date(Number(t)));
      cols[2].push(v);
      cols[3].push(n);
    }
    return cols;
  };
  await c.query(
    `WITH hours AS (
       INSERT INTO event_facet_hours (field, hour, value, events)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::int[]) ORDER BY 1, 2, 3
       ON CONFLICT (field, hour, value) DO UPDATE SET events = event_facet_hours.events + EXCLUDED.events
     )
     INSERT INTO event_facet_days (field, day, value, events)
     SELECT * FROM unnest($5::text[], $6::timestamptz[], $7::text[], $8::int[]) ORDER BY 1, 2, 3
     ON CONFLICT (field, day, value) DO UPDATE SET events = event_facet_days.events + EXCLUDED.events`,
    [...columns(hours), ...columns(days)],
  );
}

/** One batch; the state after it. */
export async function backfillBatch(pool: pg.Pool, pages = BACKFILL_PAGES): Promise<BackfillState> {
  return withClient(pool, async (c) => {
    await c.query("BEGIN");
    await c.query("SET LOCAL statement_timeout = 0");
    const { rows } = await c.query(`SELECT next_page, end_page, classified, finished_at FROM enrichment_backfill WHERE id = 1 FOR UPDATE`);
    const s = rows[0];
    if (!s || s.finished_at !== null) {
      await c.query("COMMIT");
      return backfillState(pool);
    }
    let end: number = s.end_page;
    if (end === null) {
      const size = await c.query(`SELECT (pg_relation_size('events') / current_setting('block_size')::bigint)::int AS pages`);
      end = size.rows[0].pages;
      await c.query(`UPDATE enrichment_backfill SET end_page = $1 WHERE id = 1`, [end]);
    }
    const from: number = s.next_page;
    if (from >= end) {
      await c.query(`UPDATE enrichment_backfill SET finished_at = now() WHERE id = 1`);
      await c.query("COMMIT");
      return { nextPage: from, endPage: end, classified: s.classified, finished: true };
    }
    const to = Math.min(end, from + pages);
    const found = await c.query<{ id: string; source_ip_address: string | null; user_agent: string | null; event_category: string | null }>(
      `SELECT id, source_ip_address, user_agent, event_category FROM events
        WHERE ctid >= $1::tid AND ctid < $2::tid
          AND ip_class IS NULL AND ip_aws_range IS NULL AND user_agent_class IS NULL
          AND (source_ip_address IS NOT NULL OR user_agent IS NOT NULL)`,
      [`(${from},0)`, `(${to},0)`],
    );
    const ids: string[] = [];
    const ipClass: (string | null)[] = [];
    const awsRange: (string | null)[] = [];
    const uaClass: (string | null)[] = [];
    for (const r of found.rows) {
      const e = enrich(r.source_ip_address, r.user_agent, r.event_category);
      if (e.ipClass === null && e.userAgentClass === null) continue;
      ids.push(r.id);
      ipClass.push(e.ipClass);
      awsRange.push(e.awsRange);
      uaClass.push(e.userAgentClass);
    }
    let n = 0;
    if (ids.length) {
      // Only rows still unclassified: one another backfill or a re-sync classified meanwhile are left as they are.
      const set = await c.query<{ event_time: Date; ip_class: string | null; user_agent_class: string | null }>(
        `UPDATE events e SET ip_class = u.ip_class, ip_aws_range = u.aws_range, user_agent_class = u.ua_class
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(id, ip_class, aws_range, ua_class)
          WHERE e.id = u.id AND e.ip_class IS NULL AND e.ip_aws_range IS NULL AND e.user_agent_class IS NULL
          RETURNING e.event_time, e.ip_class, e.user_agent_class`,
        [ids, ipClass, awsRange, uaClass],
      );
      n = set.rows.length;
      await addToRollups(c, set.rows);
    }
    await c.query(`UPDATE enrichment_backfill SET next_page = $1, classified = classified + $2 WHERE id = 1`, [to, n]);
    await c.query("COMMIT");
    return { nextPage: to, endPage: end, classified: s.classified + n, finished: false };
  });
}

/** Builds the class indexes the migration left to the backfill (large tables), without blocking writes. */
export async function ensureEnrichmentIndexes(pool: pg.Pool, log: (m: string) => void = () => {}): Promise<void> {
  await withClient(pool, async (c) => {
    await c.query("SET statement_timeout = 0");
    try {
      for (const ix of ENRICHMENT_INDEXES) {
        const { rows } = await c.query(
          `SELECT i.indisvalid AS valid FROM pg_class x JOIN pg_index i ON i.indexrelid = x.oid
            WHERE x.relname = $1 AND x.relnamespace = current_schema()::regnamespace`,
          [ix.name],
        );
        if (rows[0]?.valid) continue;
        // An interrupted CREATE INDEX CONCURRENTLY leaves an invalid index behind: drop it first.
        if (rows[0]) await c.query(`DROP INDEX CONCURRENTLY IF EXISTS "${ix.name}"`);
        log(`building index ${ix.name} (concurrently)`);
        await c.query(`CREATE INDEX CONCURRENTLY "${ix.name}" ${ix.sql}`);
      }
    } finally {
      await c.query("RESET statement_timeout");
    }
  });
}

export interface BackfillOptions {
  signal?: AbortSignal;
  log?: (m: string) => void;
  /** Pause between batches (ms), leaving the database to the console and syncs; default 20. */
  pauseMs?: number;
  pages?: number;
}

/** Runs the backfill to its end (or until aborted); resolves with the last state. */
export async function runBackfill(pool: pg.Pool, opts: BackfillOptions = {}): Promise<BackfillState> {
  const log = opts.log ?? (() => {});
  let state = await backfillState(pool);
  if (state.finished) {
    await ensureEnrichmentIndexes(pool, log);
    return state;
  }
  installRanges(await activeRanges(pool));
  // Said once there is something to do: a new, empty console has no events from before.
  let announced = false;
  let lastLog = Date.now();
  while (!opts.signal?.aborted) {
    state = await backfillBatch(pool, opts.pages);
    if (state.finished) break;
    if (!announced && state.classified > 0) {
      announced = true;
      log(`classifying events stored before enrichment existed (page ${state.nextPage} of ${state.endPage ?? "?"})`);
    }
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      log(`enrichment backfill: page ${state.nextPage} of ${state.endPage}, ${state.classified} events classified`);
    }
    const pause = opts.pauseMs ?? 20;
    if (pause > 0) await new Promise((r) => setTimeout(r, pause));
  }
  if (state.finished) {
    await ensureEnrichmentIndexes(pool, log);
    if (state.classified > 0) log(`enrichment backfill done: ${state.classified} events classified`);
  }
  return state;
}

/**
 * The backfill in the background of `npm start`: errors are logged and retried a minute later,
 * never fatal. Returns a stop function.
 */
export function startBackfill(pool: pg.Pool, log: (m: string) => void): { stop(): Promise<void> } {
  const controller = new AbortController();
  const done = (async () => {
    while (!controller.signal.aborted) {
      try {
        const s = await runBackfill(pool, { signal: controller.signal, log });
        if (s.finished) return;
      } catch (err) {
        if (controller.signal.aborted) return;
        log(`enrichment backfill: ${(err as Error).message}; trying again in a minute`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, 60_000);
          controller.signal.addEventListener("abort", () => (clearTimeout(t), r()), { once: true });
        });
      }
    }
  })();
  return {
    // The batch in flight ends with its transaction; an index being built is not waited for (a
    // build cut short leaves an invalid index, which the next start drops and builds again).
    async stop() {
      controller.abort();
      await Promise.race([done, new Promise((r) => setTimeout(r, 5_000).unref())]);
    },
  };
}

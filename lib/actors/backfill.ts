// The actors of events stored before credentials chains existed (0.4.0): migration
// 20261207090000_actor_chains records a job when the database already held events, and `npm start`
// works through them in the background, a batch per transaction in id order, resuming where it
// stopped after a restart. Each batch goes through the same linkBatch as a sync's (issuances
// recorded, actors resolved), and the late-link pass at the end gives every session whose issuing
// event came later in id order its actor.
import type pg from "pg";
import { credentialLinkOf } from "./origin";
import { linkBatch, relinkLateEvents } from "./link";
import { FIELD_BY_KEY, type CloudTrailRecord } from "../fields";
import { checkOut, giveBack } from "../store/checkout";

export const ACTOR_BACKFILL = "actor-chains";
const sessionIssuer = FIELD_BY_KEY.get("sessionIssuer")!;

interface Job {
  created_at: Date;
  cursor: string | null;
}

/** One batch; returns how many events it did (0: the job is done). */
export async function backfillBatch(pool: pg.Pool, size = 2000): Promise<number> {
  const c = await checkOut(pool);
  let broken: Error | undefined;
  try {
    await c.query("BEGIN");
    const job = (await c.query<Job>(`SELECT created_at, cursor FROM backfill_jobs WHERE name = $1 AND done_at IS NULL FOR UPDATE`, [ACTOR_BACKFILL])).rows[0];
    if (!job) {
      await c.query("COMMIT");
      return 0;
    }
    const { rows } = await c.query<{ id: string; j: string }>(
      `SELECT id, coalesce(raw_json, record::text) AS j FROM events
        WHERE ($1::text IS NULL OR id > $1) AND ingested_at < $2 ORDER BY id LIMIT $3`,
      [job.cursor, job.created_at, size],
    );
    if (rows.length === 0) {
      await relinkLateEvents(c, job.created_at);
      await c.query(`UPDATE backfill_jobs SET done_at = now() WHERE name = $1`, [ACTOR_BACKFILL]);
      await c.query("COMMIT");
      return 0;
    }
    const records = rows.map((r) => {
      try {
        return JSON.parse(r.j) as CloudTrailRecord;
      } catch {
        return {} as CloudTrailRecord; // stored, so it parsed once; nothing to link if it no longer does
      }
    });
    const ids = rows.map((r) => r.id);
    const linked = await linkBatch(c, records.map(credentialLinkOf), ids);
    const issuers = records.map((r) => sessionIssuer.extract(r, {}) as string | null);
    await c.query(
      `UPDATE events e SET actor = x.a, actor_accounts = string_to_array(x.aa, ','), session_issuer_arn = x.s
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(id, a, aa, s)
        WHERE e.id = x.id AND (x.a IS NOT NULL OR x.s IS NOT NULL)`,
      [ids, linked.map((l) => l.actor), linked.map((l) => l.accounts?.join(",") ?? null), issuers],
    );
    await c.query(`UPDATE backfill_jobs SET cursor = $2 WHERE name = $1`, [ACTOR_BACKFILL, ids[ids.length - 1]]);
    await c.query("COMMIT");
    return rows.length;
  } catch (err) {
    broken = err as Error;
    await c.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    giveBack(c, broken);
  }
}

/**
 * Runs the backfill in the background until it is done or stopped; a failing batch (the database
 * restarting) is tried again a little later. Logs its start and end only.
 */
export function startActorBackfill(pool: pg.Pool, log: (m: string) => void) {
  const controller = new AbortController();
  const running = (async () => {
    let done = 0;
    let pauseMs = 0;
    while (!controller.signal.aborted) {
      if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
      try {
        const n = await backfillBatch(pool);
        if (n === 0) break;
        if (done === 0) log("trailscope: linking the events stored before this release to the identities behind them (in the background)");
        done += n;
        pauseMs = 0;
      } catch (err) {
        log(`trailscope: actor backfill paused: ${(err as Error).message}`);
        pauseMs = 5000;
      }
    }
    if (done > 0) log(`trailscope: ${done.toLocaleString("en-US")} stored events linked to the identities behind them`);
  })();
  return {
    async stop() {
      controller.abort();
      await running.catch(() => {});
    },
  };
}

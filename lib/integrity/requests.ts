// "Validate again" from the console. A request handler must not run a sync (minutes for a bucket;
// the engine's decode workers belong to the background process, not to the web server), so the
// console records a request and the background sync of `npm start` (lib/sync/scheduler.ts) runs it:
// the source read again in full (every object re-hashed, a deleted one named missing) and validated.
import type { Db } from "../store/db";
import { listSources } from "../sync/sources-store";

export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface PendingRequest {
  id: number;
  source: string;
  requestedAt: Date;
  startedAt: Date | null;
}

/** Records a request to validate `sourceId` again; 400/404/409 as RequestError. */
export async function requestReverify(db: Db, sourceId: string, requestedBy: string | null): Promise<PendingRequest> {
  if (!/^(s3:\/\/|file:)/.test(sourceId)) throw new RequestError(400, "source: only folder and S3 sources hold log files to validate");
  const known = (await db.pool.query(`SELECT 1 FROM integrity_runs WHERE source = $1 LIMIT 1`, [sourceId])).rowCount;
  if (!known && !(await listSources(db)).some((s) => s.source === sourceId)) throw new RequestError(404, "source: no validated or configured source of that id");
  const r = await db.pool.query(
    `INSERT INTO integrity_requests (source, requested_by)
     SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM integrity_requests WHERE source = $1 AND finished_at IS NULL)
     RETURNING id, source, requested_at, started_at`,
    [sourceId, requestedBy],
  );
  if (!r.rowCount) throw new RequestError(409, "source: a validation of it is asked for or running already");
  const row = r.rows[0];
  return { id: row.id, source: row.source, requestedAt: row.requested_at, startedAt: row.started_at };
}

/** Requests not finished yet, oldest first (the page shows them; the scheduler runs them). */
export async function pendingRequests(db: Db): Promise<PendingRequest[]> {
  const r = await db.pool.query(`SELECT id, source, requested_at, started_at FROM integrity_requests WHERE finished_at IS NULL ORDER BY requested_at`);
  return r.rows.map((row) => ({ id: row.id, source: row.source, requestedAt: row.requested_at, startedAt: row.started_at }));
}

/** The next request to run, marked started; the URI to run it with (as configured, else its id). */
export async function takeRequest(db: Db): Promise<{ id: number; source: string; uri: string } | null> {
  const r = await db.pool.query(
    `UPDATE integrity_requests SET started_at = now() WHERE id = (
       SELECT id FROM integrity_requests WHERE finished_at IS NULL AND started_at IS NULL ORDER BY requested_at LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING id, source`,
  );
  if (!r.rowCount) return null;
  const { id, source } = r.rows[0];
  const configured = (await listSources(db)).find((s) => s.source === source);
  return { id, source, uri: configured?.uri ?? source };
}

export async function finishRequest(db: Db, id: number, error: string | null): Promise<void> {
  await db.pool.query(`UPDATE integrity_requests SET finished_at = now(), error = $2 WHERE id = $1`, [id, error]);
}

/** Requests a killed process left started: run again. */
export async function resetStartedRequests(db: Db): Promise<void> {
  await db.pool.query(`UPDATE integrity_requests SET started_at = NULL WHERE finished_at IS NULL AND started_at IS NOT NULL`);
}

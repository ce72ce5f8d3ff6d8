// The log file an event was stored from, as its detail shows it: the key from `AWSLogs/` on (a
// folder's own path on the server is not the reader's business), the verdict and why.
import type pg from "pg";
import { shownKey } from "./scope";

export async function logFileOf(db: pg.Pool, eventId: string): Promise<{ key: string; outcome: string | null; detail: string | null; verifiedAt: string | null } | null> {
  const r = await db.query(
    `SELECT o.source, o.key, o.integrity, o.integrity_detail, o.verified_at FROM events e JOIN ingested_objects o ON o.id = e.object_id WHERE e.id = $1`,
    [eventId],
  );
  const row = r.rows[0];
  if (!row) return null;
  return { key: shownKey(row.source, row.key), outcome: row.integrity, detail: row.integrity_detail, verifiedAt: row.verified_at?.toISOString() ?? null };
}

-- A frozen view (a share link, or "Copy link": an absolute range and asOf) leaves out events stored
-- after its asOf bound, which the rollups cannot tell apart, so every count, facet and histogram of
-- it scanned `events` (at 1M events, a 7-day view's facets 1.1 s against 0.1 s live; at 10M beyond
-- the query time limit). event_minutes.last_stored_at is the latest instant an event of the minute
-- was stored: minutes whose last_stored_at is at or before the bound hold nothing stored after it and
-- are read from the rollups; only the later ones (in practice CloudTrail's delivery delay before the
-- link was made) are read from `events` with the bound (lib/store/rollups.ts, lateCut).
-- NULL (not known) counts as later than any bound.

-- AlterTable
ALTER TABLE "event_minutes" ADD COLUMN     "last_stored_at" TIMESTAMPTZ(3);

UPDATE event_minutes m SET last_stored_at = x.last
  FROM (SELECT date_trunc('minute', event_time, 'UTC') AS minute, max(ingested_at) AS last FROM events GROUP BY 1) AS x
 WHERE m.minute = x.minute;

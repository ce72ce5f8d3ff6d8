-- The /sync page shows, per account and region, the newest stored event (freshness: a region whose
-- trail stopped delivering stands out). events_account_time_idx orders an account's events by time
-- alone: the newest event of one region is found only by walking past every other region's, and a
-- region an account never used costs a walk over all of that account's events. With the region
-- second, each (account, region) pair is a skip-scan step and its newest event the first entry
-- under it: a few index probes per pair whatever the table's size (lib/sync/freshness.ts).

-- CreateIndex
CREATE INDEX "events_account_region_time_idx" ON "events"("recipient_account_id", "aws_region", "event_time" DESC);

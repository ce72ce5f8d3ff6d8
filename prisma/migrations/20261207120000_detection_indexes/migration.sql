-- Indexes for the built-in detections (lib/detections/library.ts), counted all together on the
-- detections page (lib/detections/count.ts). Most detections are eventName lists, which
-- events_event_name_time_idx answers; these two are the rest. Both are partial: a row outside the
-- predicate costs one predicate check at ingest and no space.
-- Not in prisma/schema.prisma (Prisma has no partial indexes; listed in test/schema-drift.test.ts).

-- Root user activity (CIS 4.3): identity_type has no index, and root events are rare; without
-- this the detection read every event of the range (15 s at 1M on the bench machine).
CREATE INDEX "events_root_time_idx" ON "events"("event_time" DESC, "id" DESC) WHERE "identity_type" = 'Root';

-- Secrets read in bulk (a threshold detection): the first pass counts GetSecretValue per principal
-- and hour from this index alone (index-only scan), so only the hours that reach the threshold
-- read their records for the distinct secrets; the heap rows of every read were 0.5 s at 1M.
CREATE INDEX "events_secret_reads_idx" ON "events"("event_time" DESC, "principal_arn", "event_source", "error_code") INCLUDE ("recipient_account_id") WHERE "event_name" = 'GetSecretValue';

-- The events made with a session's credentials whose actor is not known yet: the late-link pass
-- at the end of each sync (lib/actors/link.ts relinkLateEvents) starts from these rows instead
-- of every event of every key the sync resolved. At 10M events that pass walked the events of
-- ~1.9M keys (minutes); these are the sessions whose issuing event is not stored (or not yet).
-- Partial: a row leaves it when its actor is set; with the id, the pass reads it alone (an
-- index-only scan: 0.17 s for 1.1M such events at 10M, against ~25 s through the heap). Prisma has
-- no partial indexes (schema-drift test).
CREATE INDEX "events_unlinked_sessions_idx" ON "events" ("access_key_id") INCLUDE ("id") WHERE "actor" IS NULL AND "identity_type" IN ('AssumedRole', 'FederatedUser', 'AWSAccount');

-- Who really did it (lib/actors): each event's actor at the origin of its credentials chain, the
-- role behind a session, and the credentials events issued (the chain's links).
-- AlterTable
ALTER TABLE "events" ADD COLUMN "actor" TEXT,
ADD COLUMN "actor_accounts" TEXT[],
ADD COLUMN "session_issuer_arn" TEXT;

-- CreateTable
CREATE TABLE "credential_sessions" (
    "access_key_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "event_time" TIMESTAMPTZ(3) NOT NULL,
    "event_name" TEXT,
    "account_id" TEXT,
    "session_arn" TEXT,
    "source_identity" TEXT,
    "copies" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "parent_key" TEXT,
    "origin" TEXT,
    "accounts" TEXT[],
    "resolved_at" TIMESTAMPTZ(3),

    CONSTRAINT "credential_sessions_pkey" PRIMARY KEY ("access_key_id")
);

-- CreateIndex
CREATE INDEX "events_actor_time_idx" ON "events"("actor", "event_time" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "credential_sessions_parent_key_idx" ON "credential_sessions"("parent_key");

-- CreateIndex
CREATE INDEX "credential_sessions_resolved_at_idx" ON "credential_sessions"("resolved_at");

-- Events already stored get their actor and session issuer in the background (lib/actors/backfill.ts).
-- CreateTable
CREATE TABLE "backfill_jobs" (
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "cursor" TEXT,
    "done_at" TIMESTAMPTZ(3),

    CONSTRAINT "backfill_jobs_pkey" PRIMARY KEY ("name")
);

INSERT INTO "backfill_jobs" ("name") SELECT 'actor-chains' WHERE EXISTS (SELECT 1 FROM "events");

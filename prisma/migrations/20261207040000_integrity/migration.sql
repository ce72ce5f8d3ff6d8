-- Log file integrity validation (lib/integrity/): which log file each event was stored from
-- (events.object_id; NULL for LookupEvents, and for events stored before this migration — they
-- read as unverified until their files are synced again), the outcome per object, CloudTrail's
-- public keys, findings (missing files, gaps) and runs.
-- events_object_id_idx: `integrity=failed` finds the few failed files' events through it instead
-- of reading every event; it is an int column, the cheapest index the loader maintains.
-- AlterTable
ALTER TABLE "events" ADD COLUMN     "object_id" INTEGER;

-- AlterTable
ALTER TABLE "ingested_objects" ADD COLUMN     "event_integrity" TEXT,
ADD COLUMN     "integrity" TEXT,
ADD COLUMN     "integrity_detail" TEXT,
ADD COLUMN     "verified_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "integrity_public_keys" (
    "region" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "value" BYTEA NOT NULL,
    "valid_from" TIMESTAMPTZ(3) NOT NULL,
    "valid_to" TIMESTAMPTZ(3) NOT NULL,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "integrity_public_keys_pkey" PRIMARY KEY ("region","fingerprint")
);

-- CreateTable
CREATE TABLE "integrity_findings" (
    "id" SERIAL NOT NULL,
    "scope" TEXT NOT NULL,
    "account" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "trail" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT,
    "named_by" TEXT,
    "from_time" TIMESTAMPTZ(3),
    "to_time" TIMESTAMPTZ(3),
    "detail" TEXT,

    CONSTRAINT "integrity_findings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "integrity_runs" (
    "id" SERIAL NOT NULL,
    "scope" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "summary" JSONB,

    CONSTRAINT "integrity_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "integrity_findings_scope_account_region_idx" ON "integrity_findings"("scope", "account", "region");

-- CreateIndex
CREATE INDEX "integrity_runs_scope_started_at_idx" ON "integrity_runs"("scope", "started_at" DESC);

-- CreateIndex
CREATE INDEX "events_object_id_idx" ON "events"("object_id");

-- CreateIndex
CREATE INDEX "ingested_objects_event_integrity_idx" ON "ingested_objects"("event_integrity");

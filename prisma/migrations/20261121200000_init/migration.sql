-- CreateTable
CREATE TABLE "events" (
    "id" TEXT NOT NULL,
    "event_time" TIMESTAMPTZ(3) NOT NULL,
    "event_version" TEXT,
    "event_name" TEXT,
    "event_source" TEXT,
    "aws_region" TEXT,
    "event_type" TEXT,
    "event_category" TEXT,
    "recipient_account_id" TEXT,
    "username" TEXT,
    "principal_arn" TEXT,
    "identity_type" TEXT,
    "access_key_id" TEXT,
    "source_ip_address" TEXT,
    "user_agent" TEXT,
    "read_only" BOOLEAN,
    "error_code" TEXT,
    "error_message" TEXT,
    "request_id" TEXT,
    "shared_event_id" TEXT,
    "resource_names" TEXT[],
    "resource_types" TEXT[],
    "record" JSONB NOT NULL,
    "raw_json" TEXT,

    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ingested_objects" (
    "id" SERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "size" BIGINT,
    "etag" TEXT,
    "sha256" TEXT,
    "kind" TEXT NOT NULL,
    "records" INTEGER NOT NULL DEFAULT 0,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "meta" JSONB,
    "ingested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ingested_objects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sync_cursors" (
    "source" TEXT NOT NULL,
    "account" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "position" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sync_cursors_pkey" PRIMARY KEY ("source","account","region")
);

-- CreateTable
CREATE TABLE "sync_runs" (
    "id" SERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "objects_read" INTEGER NOT NULL DEFAULT 0,
    "objects_skipped" INTEGER NOT NULL DEFAULT 0,
    "objects_failed" INTEGER NOT NULL DEFAULT 0,
    "events_new" INTEGER NOT NULL DEFAULT 0,
    "events_duplicate" INTEGER NOT NULL DEFAULT 0,
    "progress" TEXT,
    "error" TEXT,
    "failures" JSONB,

    CONSTRAINT "sync_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "events_time_id_idx" ON "events"("event_time" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "ingested_objects_status_idx" ON "ingested_objects"("status");

-- CreateIndex
CREATE UNIQUE INDEX "ingested_objects_source_key_key" ON "ingested_objects"("source", "key");

-- CreateIndex
CREATE INDEX "sync_runs_source_started_at_idx" ON "sync_runs"("source", "started_at" DESC);

-- Alerts (lib/alerts/): watches on saved views and detections, their alerts and deliveries; and
-- a block range index on events.ingested_at for the storedAfter parameter (an alert's new events).
-- CreateTable
CREATE TABLE "watches" (
    "id" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "target_kind" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "webhook_url" TEXT,
    "webhook_format" TEXT,
    "emails" TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "stored_after" TIMESTAMPTZ(3) NOT NULL,
    "last_evaluated_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "watches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alerts" (
    "id" SERIAL NOT NULL,
    "watch_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "stored_after" TIMESTAMPTZ(3),
    "as_of" TIMESTAMPTZ(3) NOT NULL,
    "title" TEXT NOT NULL,
    "link" TEXT NOT NULL,
    "sample" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alerts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_deliveries" (
    "id" SERIAL NOT NULL,
    "alert_id" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "response" TEXT,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "alert_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
-- A block range index: ingested_at follows insertion order (see prisma/schema.prisma, Event).
CREATE INDEX "events_ingested_at_idx" ON "events" USING BRIN ("ingested_at");

-- CreateIndex
CREATE INDEX "watches_owner_id_idx" ON "watches"("owner_id");

-- CreateIndex
CREATE INDEX "alerts_watch_id_created_at_idx" ON "alerts"("watch_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "alert_deliveries_status_next_attempt_at_idx" ON "alert_deliveries"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "alert_deliveries_alert_id_idx" ON "alert_deliveries"("alert_id");

-- AddForeignKey
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_watch_id_fkey" FOREIGN KEY ("watch_id") REFERENCES "watches"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_alert_id_fkey" FOREIGN KEY ("alert_id") REFERENCES "alerts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

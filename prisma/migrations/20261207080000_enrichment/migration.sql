-- Enrichment at ingest (lib/enrich/): the class of each event's source IP (with the AWS range its
-- address is in) and of its user agent, filterable and faceted (lib/fields.ts); the refreshed AWS
-- IP ranges snapshot; the progress of classifying events stored before this migration.
--
-- Nothing here reads `events` whole, so start-up does not wait on a large table: the columns are
-- added NULL (a catalog change only), the events already stored are classified afterwards by a
-- batched background backfill (lib/enrich/backfill.ts, which also adds their classes to the facet
-- rollups), and on a large table the two indexes are built by that backfill once it is done
-- (CREATE INDEX CONCURRENTLY: queries and syncs go on meanwhile) instead of here.

-- AlterTable
ALTER TABLE "events" ADD COLUMN     "ip_aws_range" TEXT,
ADD COLUMN     "ip_class" TEXT,
ADD COLUMN     "user_agent_class" TEXT;

-- CreateTable
CREATE TABLE "aws_ip_ranges" (
    "sync_token" TEXT NOT NULL,
    "create_date" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "prefixes" INTEGER NOT NULL,
    "ranges" JSONB NOT NULL,
    "stored_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "aws_ip_ranges_pkey" PRIMARY KEY ("sync_token")
);

-- CreateTable
CREATE TABLE "enrichment_backfill" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "next_page" INTEGER NOT NULL DEFAULT 0,
    "end_page" INTEGER,
    "classified" INTEGER NOT NULL DEFAULT 0,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "enrichment_backfill_pkey" PRIMARY KEY ("id")
);

INSERT INTO "enrichment_backfill" ("id") VALUES (1);

-- A rare user agent class (terraform, powershell, browser …) in page order, like the other filter
-- indexes (migration 20261122000200_filter_indexes). Built here only while `events` is small (under
-- 1 GiB of heap, some 500k events: seconds); on a larger table by the backfill, as said above.
-- ipClass has none: its values are few and common (aws, public, aws-service), and an index costs
-- every COPYed row (bench/enrichment-ingest.ts: both class indexes ≈ +15 µs per row).
DO $$
BEGIN
  IF pg_relation_size('events') < 1073741824 THEN
    CREATE INDEX "events_user_agent_class_time_idx" ON "events"("user_agent_class", "event_time" DESC, "id" DESC);
  END IF;
END $$;

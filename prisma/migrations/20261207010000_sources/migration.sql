-- Sources managed by admins in the console (issue 20 item 9): synced by `npm start`'s scheduler
-- beside TRAILSCOPE_SOURCES. No secret is stored here: URIs holding credentials are refused
-- before they reach this table (lib/sync/sources-store.ts).

-- CreateTable
CREATE TABLE "sources" (
    "id" TEXT NOT NULL,
    "uri" TEXT NOT NULL,
    "source_id" TEXT NOT NULL,
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sync_requested_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sources_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "sources_source_id_key" ON "sources"("source_id");

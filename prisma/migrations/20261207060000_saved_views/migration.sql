-- Saved views and user-made detections (lib/views/, lib/detections/).
-- CreateTable
CREATE TABLE "saved_views" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "query" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "shared" BOOLEAN NOT NULL DEFAULT false,
    "detection" BOOLEAN NOT NULL DEFAULT false,
    "severity" TEXT,
    "technique" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "saved_views_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "saved_views_owner_id_idx" ON "saved_views"("owner_id");

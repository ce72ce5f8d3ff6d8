-- The detections page's counts kept after each sync (issue 22: the page at 10M took 3.7–5.0 s, the
-- target is 1 s): per built-in detection, account and UTC day; burst detections' groups with up to
-- their threshold's number of distinct values; and how far each has counted (lib/detections/rollup.ts).
-- CreateTable
CREATE TABLE "detection_days" (
    "detection_id" TEXT NOT NULL,
    "definition" TEXT NOT NULL,
    "account" TEXT NOT NULL,
    "day" TIMESTAMPTZ(3) NOT NULL,
    "events" INTEGER NOT NULL,

    CONSTRAINT "detection_days_pkey" PRIMARY KEY ("detection_id","definition","account","day")
);

-- CreateTable
CREATE TABLE "detection_groups" (
    "detection_id" TEXT NOT NULL,
    "definition" TEXT NOT NULL,
    "account" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "window" TIMESTAMPTZ(3) NOT NULL,
    "events" INTEGER NOT NULL,
    "values" TEXT[],
    "last_stored_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "detection_groups_pkey" PRIMARY KEY ("detection_id","definition","key","window","account")
);

-- CreateTable
CREATE TABLE "detection_rollups" (
    "detection_id" TEXT NOT NULL,
    "definition" TEXT NOT NULL,
    "counted_through" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "detection_rollups_pkey" PRIMARY KEY ("detection_id","definition")
);

-- CreateIndex
CREATE INDEX "detection_groups_window_idx" ON "detection_groups"("detection_id", "definition", "window");

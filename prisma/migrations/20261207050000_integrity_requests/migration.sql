-- "Validate again" requests, run by the background sync of npm start (lib/integrity/requests.ts).
-- CreateTable
CREATE TABLE "integrity_requests" (
    "id" SERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "requested_by" TEXT,
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "error" TEXT,

    CONSTRAINT "integrity_requests_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "integrity_requests_finished_at_requested_at_idx" ON "integrity_requests"("finished_at", "requested_at");

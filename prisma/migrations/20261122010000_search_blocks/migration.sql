-- Free-text search sketches (lib/store/sketch.ts): a Bloom filter of the 4-grams of the record
-- text of up to 1,024 events per block, built by the loader in the same transaction as the events.
-- `q` probes the filters for blocks that can hold a term and rechecks only their events with the
-- exact ILIKE (lib/query/search.ts).
CREATE TABLE "search_blocks" (
    "id" SERIAL NOT NULL,
    "format" SMALLINT NOT NULL,
    "events" INTEGER NOT NULL,
    "first_time" TIMESTAMPTZ(3) NOT NULL,
    "last_time" TIMESTAMPTZ(3) NOT NULL,
    "bloom" BYTEA NOT NULL,

    CONSTRAINT "search_blocks_pkey" PRIMARY KEY ("id")
);

-- Stored uncompressed out of line: a probe reads single bytes with substring(), which then fetches
-- only the TOAST chunk holding them instead of the whole 64 KiB (a random bitmap would not
-- compress anyway).
ALTER TABLE "search_blocks" ALTER COLUMN "bloom" SET STORAGE EXTERNAL;

-- NULL for events stored before this migration or written by other means: always searched.
ALTER TABLE "events" ADD COLUMN "search_block" INTEGER;

CREATE INDEX "events_search_block_idx" ON "events"("search_block");

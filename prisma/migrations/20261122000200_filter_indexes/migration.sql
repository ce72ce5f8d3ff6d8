-- Indexes for selective filters and free text (measurements: bench/INDEXES.md).
--
-- A first page is `WHERE <filters> ORDER BY event_time DESC, id DESC LIMIT 101`. Unselective values
-- are served by walking events_time_id_idx backwards until 101 rows match; a rare value (an access
-- key with 300 events, one IP, StopLogging) had PostgreSQL read the whole heap instead. (column,
-- event_time DESC, id DESC) returns a value's rows already in page order, so the first page and
-- every keyset page (`(event_time, id) < (…)`) read only the rows they return.
-- Only fields where a rare value is a realistic question are indexed: each index is paid at ingest
-- (all of these together ≈ +30–60 µs per COPYed row on a base of ≈ 60).

-- CreateIndex
CREATE INDEX "events_access_key_id_time_idx" ON "events"("access_key_id", "event_time" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "events_principal_arn_time_idx" ON "events"("principal_arn", "event_time" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "events_username_time_idx" ON "events"("username", "event_time" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "events_source_ip_address_time_idx" ON "events"("source_ip_address", "event_time" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "events_event_name_time_idx" ON "events"("event_name", "event_time" DESC, "id" DESC);

-- requestID is (nearly) unique per event: a plain index finds it, no page order needed.
-- CreateIndex
CREATE INDEX "events_request_id_idx" ON "events"("request_id");

-- resourceName=X is `resource_names @> ARRAY[X]`, several values `&&`: GIN answers both.
-- CreateIndex
CREATE INDEX "events_resource_names_idx" ON "events" USING GIN ("resource_names");

-- Not in prisma/schema.prisma (Prisma cannot express it; listed in test/schema-drift.test.ts):
-- ~95% of events have no errorCode. Partial, so those rows cost nothing at ingest and no space;
-- `error_code = $1` implies IS NOT NULL, so the planner uses it for every errorCode=X filter.
CREATE INDEX "events_error_code_time_idx" ON "events"("error_code", "event_time" DESC, "id" DESC) WHERE "error_code" IS NOT NULL;

-- Free text (q) has NO index here on purpose. A trigram GIN on the expression q matches,
--   CREATE EXTENSION IF NOT EXISTS pg_trgm;
--   CREATE INDEX events_record_trgm_idx ON events USING GIN ((coalesce(raw_json, record::text)) gin_trgm_ops);
-- makes rare terms fast (17–72 ms at 1M) but multiplied the COPY cost per row by ~25 (≈ 1,990
-- µs/row against ≈ 80 without at the same load; bench/INDEXES.md), is 1.3 GB at 1M (heap 1.9 GB) and
-- took 20 min to build: folder ingest would drop from ~18k to under 1k events/s. lib/query/sql.ts
-- matches exactly that expression, so a deployment that prefers q over ingest speed can create it
-- by hand (test/indexes.test.ts checks that the planner uses it and that results stay exact).

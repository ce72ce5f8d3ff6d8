-- A user scoped to some accounts (issue 20) has `recipient_account_id = ANY(…)` in every query, and
-- the rollups (which know nothing of accounts) cannot answer its counts, facets or histogram: they
-- read `events`. Without this index that was a scan of the whole table (the range is most of it):
-- at 1M events, 7 days, the smallest of three accounts, histogram 0.93 s, match count 0.90 s and
-- facets 1.2 s p95 against 44 / 11 / 132 ms unscoped; at 10M, beyond the 5 s query time limit.
-- (recipient_account_id, event_time DESC, id DESC) gives an account's events of a range in page
-- order; error_code at the end lets the histogram (count and errors per bucket) and the match count
-- read the index alone. Measurements: BENCHMARKS.md, session 11.

-- CreateIndex
CREATE INDEX "events_account_time_idx" ON "events"("recipient_account_id", "event_time" DESC, "id" DESC, "error_code");

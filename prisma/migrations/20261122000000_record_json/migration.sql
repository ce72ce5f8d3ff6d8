-- The record is only ever read back as text (detail view, export, free-text search); every field
-- the console filters on has its own typed column. json stores the text as given, so the record
-- keeps its original key order, and PostgreSQL only validates it on COPY instead of building jsonb:
-- measured 9 s instead of 28 s for the same 200k-row COPY (bench/INDEXES.md, BENCHMARKS.md).
-- The loader still writes text that jsonb accepts (no U+0000, no lone surrogates, capped depth;
-- raw_json keeps the exact original then), so `record::jsonb` stays valid for any future index.

-- AlterTable
ALTER TABLE "events" ALTER COLUMN "record" SET DATA TYPE JSON USING "record"::json;

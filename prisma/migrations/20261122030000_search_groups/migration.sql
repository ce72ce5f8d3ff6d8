-- Search groups (lib/store/sketch.ts, "groups"): every 64 stored search blocks are rewritten as one
-- bit-sliced filter, so a probe reads one 8-byte word per filter bit for 64 blocks instead of a
-- chunk of each block's own filter. Grouping runs after a sync's commits (lib/store/search-groups.ts);
-- blocks not yet grouped keep their own filter and are probed as before.
CREATE TABLE "search_groups" (
    "id" SERIAL NOT NULL,
    "format" SMALLINT NOT NULL,
    "blocks" INTEGER[],
    "bits" BYTEA NOT NULL,

    CONSTRAINT "search_groups_pkey" PRIMARY KEY ("id")
);

-- 8 MiB per group (a word per filter bit), read 8 bytes at a time: uncompressed and out of line, so substring() fetches
-- one TOAST chunk (as for search_blocks.bloom).
ALTER TABLE "search_groups" ALTER COLUMN "bits" SET STORAGE EXTERNAL;

-- A grouped block's filter lives in its group; its own is dropped.
ALTER TABLE "search_blocks" ADD COLUMN "group_id" INTEGER;
ALTER TABLE "search_blocks" ALTER COLUMN "bloom" DROP NOT NULL;

-- The slots of a group whose filter holds every position of some term: `positions` is the terms'
-- bit positions one after another, `lengths` how many belong to each term. Bit j of the result
-- (from the most significant, 0-based) is slot j, blocks[j + 1]. A term's AND stops at the first
-- all-zero word: most groups cost a few chunk reads. PL/pgSQL keeps `bits` a TOAST pointer in a
-- function called from a query (an atomic context), so each substring() reads only its chunk.
CREATE FUNCTION "search_group_hits"(bits BYTEA, positions INTEGER[], lengths INTEGER[]) RETURNS BIGINT
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  hits BIGINT := 0;
  m BIGINT;
  k INTEGER := 1;
  n INTEGER;
BEGIN
  FOREACH n IN ARRAY lengths LOOP
    m := -1;
    FOR i IN k .. k + n - 1 LOOP
      m := m & ('x' || encode(substring(bits FROM positions[i] * 8 + 1 FOR 8), 'hex'))::BIT(64)::BIGINT;
      EXIT WHEN m = 0;
    END LOOP;
    hits := hits | m;
    k := k + n;
  END LOOP;
  RETURN hits;
END
$$;

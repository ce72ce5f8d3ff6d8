-- Search format 3 (lib/store/sketch.ts): blocks of 256 events in groups of 512, so a group's word
-- for a filter bit is 64 bytes, one bit per slot, which no integer type holds. The probe function
-- now returns the slots as a bit string; search_group_hits (64-bit words, format 2) goes. Groups of
-- format 2 are dissolved and their blocks rebuilt after the next sync (lib/store/resketch.ts);
-- until then the probe treats them as all candidates without calling any function.
DROP FUNCTION "search_group_hits"(BYTEA, INTEGER[], INTEGER[]);

-- The slots of a group whose filter holds every position of some term: `positions` is the terms'
-- bit positions one after another, `lengths` how many belong to each term, `word` the bytes per
-- word. Bit j of the result (get_bit, from the left, 0-based) is slot j, blocks[j + 1]. A term's
-- AND stops at the first all-zero word: most groups cost a few chunk reads. PL/pgSQL keeps `bits`
-- a TOAST pointer in a function called from a query (an atomic context), so each substring()
-- reads only its chunk.
CREATE FUNCTION "search_group_slots"(bits BYTEA, word INTEGER, positions INTEGER[], lengths INTEGER[]) RETURNS VARBIT
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  none VARBIT := repeat('0', word * 8)::VARBIT;
  hits VARBIT := none;
  m VARBIT;
  k INTEGER := 1;
  n INTEGER;
BEGIN
  FOREACH n IN ARRAY lengths LOOP
    m := ~none;
    FOR i IN k .. k + n - 1 LOOP
      m := m & ('x' || encode(substring(bits FROM positions[i] * word + 1 FOR word), 'hex'))::VARBIT;
      EXIT WHEN m = none;
    END LOOP;
    hits := hits | m;
    k := k + n;
  END LOOP;
  RETURN hits;
END
$$;

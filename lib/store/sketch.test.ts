// Search sketches (sketch.ts): the filter may say "maybe" for a block that holds no match, but must
// never say "no" for a block that holds one. The soundness tests below check that against a model
// of PostgreSQL's ILIKE (lower() of both sides, then LIKE), on random texts mixing ASCII with the
// characters that could break it: case pairs, the two non-ASCII characters whose lowercase is ASCII
// (U+0130 İ, U+212A KELVIN SIGN), astral characters, NUL, quotes and backslashes.
import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import {
  appendSketch,
  BLOCK_EVENTS,
  GROUP_BLOCKS,
  GROUP_BYTES,
  GROUP_WORD_BYTES,
  groupHits,
  hasAll,
  mergeSketch,
  packBlocks,
  probePositions,
  SKETCH_BYTES,
  SKETCH_FORMAT,
  SketchBuilder,
  slotHit,
  transposeGroup,
  type Sketch,
} from "./sketch";

// ---- helpers ------------------------------------------------------------------------------------

/** mulberry32: a tiny seeded PRNG, so a failing case can be replayed from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof prng>;

/**
 * lower() as PostgreSQL computes it with a libc UTF-8 locale (towlower, one code point at a time):
 * the simple case mapping, under which U+0130 İ lowercases to ASCII i. Checked against the server
 * (C.UTF-8): U+0130 and U+212A are the only non-ASCII code points whose lower() is ASCII, and no
 * ASCII character lowercases to a non-ASCII one.
 */
function pgLower(s: string): string {
  let out = "";
  for (const ch of s) {
    if (ch === "\u0130") {
      out += "i";
      continue;
    }
    const l = ch.toLowerCase();
    out += [...l].length === 1 ? l : ch; // a full mapping that expands is not what towlower does
  }
  return out;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `text ILIKE '%' || literal || '%'`, `*` in the literal standing for any run of characters. */
function ilikeContains(text: string, literal: string, loweredText = pgLower(text)): boolean {
  const re = new RegExp(pgLower(literal).split("*").map(escapeRe).join("[\\s\\S]*"));
  return re.test(loweredText);
}

/** Whether two bitmaps are equal (toEqual on 128 KiB arrays is slow and prints them whole). */
function expectSameBits(a: Uint8Array | undefined, b: Uint8Array | undefined) {
  expect(a?.length).toBe(SKETCH_BYTES);
  expect(b?.length).toBe(SKETCH_BYTES);
  expect(Buffer.compare(Buffer.from(a!.buffer, a!.byteOffset, a!.length), Buffer.from(b!.buffer, b!.byteOffset, b!.length))).toBe(0);
}

/** Whether probePositions must find a gram: some `*`-part has 4 consecutive foldable code units. */
const hasGram = (literal: string) => literal.split("*").some((p) => /[\u0000-\u007f\u0130\u212a]{4}/.test(p));

function sketchesOf(texts: string[], blockEvents?: number): Sketch[] {
  const b = new SketchBuilder(blockEvents);
  for (const t of texts) b.add(t);
  return b.finish();
}

/** The filter of one block holding exactly `texts`. */
function blockOf(texts: string[]): Uint8Array {
  const blocks = packBlocks(sketchesOf(texts));
  expect(blocks).toHaveLength(1);
  return blocks[0].bits;
}

const ASCII_LETTERS = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"];
const ASCII_OTHER = [...'0123456789 -_.:/,{}[]"\\\'*%@=+!?\t'];
const NON_ASCII = [
  "é", "É", "ü", "Ü", "ö", "ß", "ẞ", "ſ", "ﬀ", // Latin, incl. ß whose uppercase expands, long s, a ligature
  "\u0130", "ı", "\u0307", "i\u0307", // İ, dotless ı, combining dot above, i + combining dot
  "\u212a", "\u212b", // KELVIN SIGN, ANGSTROM SIGN
  "Σ", "σ", "ς", "Ω", "ω", // Greek, final sigma
  "東", "京", "中", "文", // CJK
  "😀", "🦄", "𝐀", // astral (surrogate pairs), a mathematical capital A
  "\u0000", "\u00a0", "\u2028", "\ufffd",
];

function randomText(r: Rng, length: number, asciiShare: number): string {
  let s = "";
  while (s.length < length) {
    if (r.chance(asciiShare)) s += r.pick(r.chance(0.8) ? ASCII_LETTERS : ASCII_OTHER);
    else s += r.pick(NON_ASCII);
  }
  return s;
}

/**
 * A search term for a match inside `sub`: ASCII letters in any case, i/k swapped with İ/K (and
 * back), sometimes a non-ASCII letter's case changed (which may or may not still match: the oracle
 * decides), sometimes a middle stretch replaced by `*`.
 */
function variant(r: Rng, sub: string): string {
  let out = "";
  for (const ch of sub) {
    if (/[a-zA-Z]/.test(ch)) {
      const lower = ch.toLowerCase();
      if (lower === "i" && r.chance(0.25)) out += "\u0130";
      else if (lower === "k" && r.chance(0.25)) out += "\u212a";
      else out += r.chance(0.5) ? lower : ch.toUpperCase();
    } else if (ch === "\u0130") out += r.pick(["i", "I", "\u0130"]);
    else if (ch === "\u212a") out += r.pick(["k", "K", "\u212a"]);
    else if (ch.codePointAt(0)! > 0x7f && r.chance(0.3)) {
      const other = r.chance(0.5) ? ch.toUpperCase() : ch.toLowerCase();
      out += [...other].length === 1 ? other : ch;
    } else out += ch;
  }
  if (out.length > 6 && r.chance(0.15)) {
    const a = 1 + r.int(out.length - 2);
    const b = a + r.int(out.length - a);
    out = out.slice(0, a) + "*" + out.slice(b);
  }
  return out;
}

// ---- soundness ----------------------------------------------------------------------------------

describe("soundness: a block holding a match always passes the probe", () => {
  it("random texts, and terms taken from them in other cases (seeded)", () => {
    const r = prng(20261122);
    const scratch = new Uint8Array(SKETCH_BYTES);
    let checked = 0;
    let dense = 0;
    let sparse = 0;
    let nulls = 0;
    for (let n = 0; n < 3000; n++) {
      // Mostly short records (sparse sketches), some long enough to switch to a bitmap.
      const long = n % 40 === 0;
      const text = long ? randomText(r, 30_000 + r.int(20_000), 0.92 + r.next() * 0.07) : randomText(r, 5 + r.int(300), 0.5 + r.next() * 0.48);
      const sketches = sketchesOf([text]);
      expect(sketches).toHaveLength(1);
      if (sketches[0].dense) dense++;
      else sparse++;
      scratch.fill(0);
      mergeSketch(scratch, sketches[0]);
      const lowered = pgLower(text);
      for (let t = 0; t < 4; t++) {
        const a = r.int(text.length);
        const b = Math.min(text.length, a + 1 + r.int(t === 0 ? 60 : 12));
        const term = variant(r, text.slice(a, b));
        if (!ilikeContains(text, term, lowered)) continue; // a case change the ILIKE itself does not equate
        const ps = probePositions(term);
        expect(ps === null, `gram or not: ${JSON.stringify(term)}`).toBe(!hasGram(term));
        if (ps === null) {
          nulls++;
          continue;
        }
        if (!hasAll(scratch, ps)) {
          throw new Error(`false negative (case ${n}): text ${JSON.stringify(text.length > 400 ? text.slice(Math.max(0, a - 50), b + 50) : text)} term ${JSON.stringify(term)}`);
        }
        checked++;
      }
    }
    // The seeded run reaches every kind of case in quantity.
    expect(checked).toBeGreaterThan(5000);
    expect(nulls).toBeGreaterThan(100);
    expect(dense).toBeGreaterThanOrEqual(50);
    expect(sparse).toBeGreaterThan(2000);
  });

  it("a tiny alphabet of i/k look-alikes: independent random terms that often match (seeded)", () => {
    const r = prng(7);
    const LETTERS = ["a", "A", "i", "I", "\u0130", "k", "K", "\u212a", "ı", "é"];
    const scratch = new Uint8Array(SKETCH_BYTES);
    let matched = 0;
    for (let n = 0; n < 4000; n++) {
      const text = Array.from({ length: 10 + r.int(40) }, () => r.pick(LETTERS)).join("");
      scratch.fill(0);
      for (const s of sketchesOf([text])) mergeSketch(scratch, s);
      for (let t = 0; t < 5; t++) {
        const term = Array.from({ length: 4 + r.int(3) }, () => r.pick(LETTERS)).join("");
        if (!ilikeContains(text, term)) continue;
        const ps = probePositions(term);
        if (ps === null) continue;
        matched++;
        if (!hasAll(scratch, ps)) throw new Error(`false negative: text ${JSON.stringify(text)} term ${JSON.stringify(term)}`);
      }
    }
    expect(matched).toBeGreaterThan(500);
  });

  it("İ and the Kelvin sign match ASCII i and k, in both directions", () => {
    const cases: [string, string][] = [
      ["\u0130stanbul-gate", "istanbul"],
      ["\u0130stanbul-gate", "ISTANBUL-GATE"],
      ["istanbul-gate", "\u0130STANBUL"],
      ["kelvin-\u212aase", "kelvin-kase"],
      ["kelvin-\u212aase", "KELVIN-KASE"],
      ["kelvin-kase", "\u212aELVIN-\u212aASE"],
      ["\u212a\u212a\u212a\u212a", "kkkk"],
      ['{"k":"say \\"hi\\" to C:\\\\dir"}', '\\"HI\\" TO c:\\\\DIR'],
    ];
    for (const [text, term] of cases) {
      expect(ilikeContains(text, term), `${text} ILIKE ${term}`).toBe(true);
      const ps = probePositions(term);
      expect(ps, term).not.toBeNull();
      expect(hasAll(blockOf([text]), ps!), `${term} in ${text}`).toBe(true);
    }
  });

  it("blocks of several events: every event's terms pass its block's probe", () => {
    const r = prng(99);
    const texts = Array.from({ length: 700 }, () => randomText(r, 50 + r.int(400), 0.9));
    const blocks = packBlocks(sketchesOf(texts, 64), 200);
    // 11 sketches of 64 (the last 60); three fit a block of 200, so blocks of 192, 192, 192, 124.
    expect(blocks.map((b) => [b.first, b.rows])).toEqual([[0, 192], [192, 192], [384, 192], [576, 124]]);
    for (const [i, text] of texts.entries()) {
      const block = blocks.find((b) => i >= b.first && i < b.first + b.rows)!;
      for (let t = 0; t < 3; t++) {
        const a = r.int(text.length);
        const term = variant(r, text.slice(a, a + 4 + r.int(30)));
        if (!ilikeContains(text, term)) continue;
        const ps = probePositions(term);
        if (ps) expect(hasAll(block.bits, ps), `event ${i}: ${JSON.stringify(term)}`).toBe(true);
      }
    }
  });
});

// ---- probePositions -----------------------------------------------------------------------------

describe("probePositions", () => {
  const asSet = (ps: number[] | null) => new Set(ps);

  it("needs 4 consecutive ASCII characters", () => {
    expect(probePositions("")).toBeNull();
    expect(probePositions("abc")).toBeNull();
    const abcd = probePositions("abcd");
    expect(abcd).not.toBeNull();
    expect(abcd!.length).toBeGreaterThanOrEqual(1);
    expect(abcd!.length).toBeLessThanOrEqual(2);
    for (const p of abcd!) expect(p).toBeLessThan(SKETCH_BYTES * 8);
    // A non-ASCII character breaks the gram: no 4-run, no positions.
    expect(probePositions("ab\u00e9cd")).toBeNull();
    expect(probePositions("ab😀cd")).toBeNull();
    expect(probePositions("東京")).toBeNull();
    expect(asSet(probePositions("a\u00e9bcde"))).toEqual(asSet(probePositions("bcde")));
  });

  it("is case-insensitive, İ and the Kelvin sign counting as i and k", () => {
    const base = asSet(probePositions("assumerole"));
    expect(asSet(probePositions("AssumeRole"))).toEqual(base);
    expect(asSet(probePositions("ASSUMEROLE"))).toEqual(base);
    expect(asSet(probePositions("\u0130stanbul"))).toEqual(asSet(probePositions("istanbul")));
    expect(asSet(probePositions("\u212aelvin"))).toEqual(asSet(probePositions("Kelvin")));
    // Other non-ASCII letters do not fold into ASCII ones.
    expect(probePositions("\u0131stanbul")).not.toEqual(probePositions("istanbul"));
  });

  it("takes grams from each `*`-separated part, none across the `*`", () => {
    expect(probePositions("ab*cd")).toBeNull();
    expect(probePositions("abc*def*ghi")).toBeNull();
    expect(probePositions("*")).toBeNull();
    expect(asSet(probePositions("abc*defg"))).toEqual(asSet(probePositions("defg")));
    expect(asSet(probePositions("abcd*efgh"))).toEqual(new Set([...probePositions("abcd")!, ...probePositions("efgh")!]));
  });

  it("caps the probe at 16 grams (32 positions) spread over a long term", () => {
    const long = "The quick brown fox jumps over the lazy dog while AssumeRole runs in us-east-1".repeat(3);
    const ps = probePositions(long)!;
    expect(ps.length).toBeLessThanOrEqual(32);
    expect(ps.length).toBeGreaterThan(16);
    expect(probePositions(long, 4)!.length).toBeLessThanOrEqual(8);
    // Still sound: the text holding the term passes.
    expect(hasAll(blockOf([`{"x":"${long}"}`]), ps)).toBe(true);
  });
});

describe("8-grams", () => {
  it("pin the combination: a block holding every 4-gram of an IP but not the IP is rejected", () => {
    const ip = "10.0.191.142";
    // 10.0 0.0. .0.1 0.19 | 0.19 .191 191. 91.1 1.14 | 91.1 1.14 .142: all nine 4-grams, never the IP.
    const decoy = blockOf(['{"a":"10.0.19","b":"0.191.14","c":"91.142"}']);
    const holder = blockOf([`{"sourceIPAddress":"${ip}"}`]);
    const fourGrams = (t: string) => probePositions(t.slice(0, 7))!.concat(probePositions(t.slice(3, 10))!, probePositions(t.slice(5))!);
    expect(hasAll(decoy, fourGrams(ip))).toBe(true); // what format 1 probed: a candidate
    expect(hasAll(decoy, probePositions(ip)!)).toBe(false);
    expect(hasAll(holder, probePositions(ip)!)).toBe(true);
  });

  it("a run of 8 or more is probed by its 8-grams, a shorter one by its 4-grams, runs split by other characters apart", () => {
    const asSet = (ps: number[] | null) => new Set(ps);
    expect(probePositions("abcdefg")!.length).toBe(8); // 4 4-grams
    expect(probePositions("abcdefgh")!.length).toBe(2); // one 8-gram
    expect(probePositions("abcdefghij")!.length).toBe(6); // three 8-grams
    // "Grüße aus Köln": runs "Gr" (none), "e aus K" (4-grams), "ln" (none).
    expect(asSet(probePositions("Grüße aus Köln"))).toEqual(asSet(probePositions("e aus K")));
    expect(hasAll(blockOf(['{"note":"Grüße aus Köln"}']), probePositions("AUS KÖLN")!)).toBe(true);
    expect(hasAll(blockOf(['{"note":"Grüße aus Köln"}']), probePositions("Grüße aus Köln")!)).toBe(true);
  });
});

// ---- rejection ----------------------------------------------------------------------------------

describe("a clearly absent term is rejected", () => {
  it("over a small fixed text (fixed hashing: deterministic)", () => {
    const bits = blockOf(["hello world"]);
    for (const present of ["hello", "HELLO WORLD", "lo wo", "o Wor", "world"]) expect(hasAll(bits, probePositions(present)!), present).toBe(true);
    for (const absent of ["zzzzqqqq", "AssumeRole", "hellx", "worlds", "ello  world", "qwerty", "dlrow olleh"]) {
      expect(hasAll(bits, probePositions(absent)!), absent).toBe(false);
    }
  });

  it("a text without any 4-run of ASCII sets no bit at all", () => {
    const bits = blockOf(["ab😀cd", "東京café", "xyzé", "İı\u212bσ"]);
    expect(bits.every((b) => b === 0)).toBe(true);
    expect(hasAll(bits, probePositions("abcd")!)).toBe(false);
  });
});

// ---- building and packing -----------------------------------------------------------------------

describe("SketchBuilder and packBlocks", () => {
  const r = prng(12345);
  const texts = Array.from({ length: 3000 }, (_, i) => `{"eventID":"e-${i}","requestID":"${randomText(r, 60 + r.int(200), 0.95)}"}`);

  it("splits at the block size and accounts for every row", () => {
    const ten = texts.slice(0, 10);
    const sketches = sketchesOf(ten, 3);
    expect(sketches.map((s) => s.rows)).toEqual([3, 3, 3, 1]);
    const blocks = packBlocks(sketches, 7);
    expect(blocks.map((b) => ({ first: b.first, rows: b.rows }))).toEqual([
      { first: 0, rows: 6 },
      { first: 6, rows: 4 },
    ]);
    // Each block is the OR of its events, whichever way they were grouped.
    expectSameBits(blocks[0].bits, blockOf(ten.slice(0, 6)));
    expectSameBits(blocks[1].bits, blockOf(ten.slice(6)));
    expect(blocks[0].bits.some((b) => b !== 0)).toBe(true);
    // An exact fit closes the block.
    expect(packBlocks(sketches, 6).map((b) => [b.first, b.rows])).toEqual([[0, 6], [6, 4]]);
    expect(packBlocks(sketches, 3).map((b) => [b.first, b.rows])).toEqual([[0, 3], [3, 3], [6, 3], [9, 1]]);
    expect(new SketchBuilder(3).finish()).toEqual([]);
    expect(packBlocks([])).toEqual([]);
  });

  it("a sketch larger than the block size stays alone", () => {
    const blocks = packBlocks([...sketchesOf(texts.slice(0, 5)), ...sketchesOf(texts.slice(5, 20)), ...sketchesOf(texts.slice(20, 22))], 10);
    expect(blocks.map((b) => [b.first, b.rows])).toEqual([[0, 5], [5, 15], [20, 2]]);
  });

  it("switches from positions to a bitmap, and packing loses nothing (OR of per-event sketches = one builder)", () => {
    // Default block size over 3000 events: full blocks, then the rest.
    const sizes = Array.from({ length: Math.ceil(texts.length / BLOCK_EVENTS) }, (_, i) => Math.min(BLOCK_EVENTS, texts.length - i * BLOCK_EVENTS));
    expect(sizes.length).toBeGreaterThan(1);
    const whole = sketchesOf(texts);
    expect(whole.map((s) => s.rows)).toEqual(sizes);
    expect(whole.every((s) => s.dense && !s.sparse && s.dense.length === SKETCH_BYTES)).toBe(true);
    const perEvent = texts.map((t) => sketchesOf([t])[0]);
    expect(perEvent.every((s) => s.rows === 1 && s.sparse && !s.dense)).toBe(true);
    const packed = packBlocks(perEvent);
    expect(packed.map((b) => [b.first, b.rows])).toEqual(sizes.map((n, i) => [i * BLOCK_EVENTS, n]));
    packed.forEach((b, i) => expectSameBits(b.bits, whole[i].dense));
    // Mid-sized sketches (some sparse, some dense) packed together: the same bitmap again.
    const mid = Math.floor(BLOCK_EVENTS * 0.7);
    const mixed = [...sketchesOf(texts.slice(0, 7)), ...sketchesOf(texts.slice(7, mid)), ...sketchesOf(texts.slice(mid, BLOCK_EVENTS))];
    expect(mixed.some((s) => s.sparse) && mixed.some((s) => s.dense)).toBe(true);
    const one = packBlocks(mixed);
    expect(one).toHaveLength(1);
    expectSameBits(one[0].bits, whole[0].dense);
  });

  it("one huge event turns dense; a small one stays sparse; both merge to the same bits", () => {
    const huge = randomText(prng(3), 60_000, 1);
    const [dense] = sketchesOf([huge]);
    expect(dense.dense).toBeDefined();
    const [small] = sketchesOf(["hello world"]);
    expect(small.sparse).toBeDefined();
    expect(small.sparse!.length).toBe(24); // (8 4-grams + 4 8-grams) × 2 positions
    // mergeSketch on a bitmap at an unaligned offset (the byte-by-byte path) gives the same result.
    const aligned = new Uint8Array(SKETCH_BYTES);
    const unaligned = new Uint8Array(SKETCH_BYTES + 1).subarray(1);
    for (const into of [aligned, unaligned]) {
      mergeSketch(into, dense);
      mergeSketch(into, small);
    }
    expectSameBits(unaligned, aligned);
    expectSameBits(aligned, blockOf([huge, "hello world"]));
    expect(hasAll(aligned, probePositions("hello world")!)).toBe(true);
  });
});

describe("appendSketch", () => {
  it("ORs small sketches into one bitmap per block, as packBlocks would, without touching its inputs", () => {
    const texts = Array.from({ length: BLOCK_EVENTS * 1.25 }, (_, i) => `event ${i} AssumeRole arn:aws:iam::${100000000000 + i}:role/r${i % 17}`);
    // Objects of 1 to 40 events each, some sketches sparse, some dense.
    const pieces: Sketch[] = [];
    for (let i = 0, n = 1; i < texts.length; i += n, n = (n * 7) % 40 + 1) pieces.push(...sketchesOf(texts.slice(i, i + n)));
    const before = pieces.map((p) => Uint8Array.from(p.dense ?? new Uint8Array(p.sparse!.buffer)));
    const list: Sketch[] = [];
    for (const p of pieces) appendSketch(list, p);
    pieces.forEach((p, i) => expect(Buffer.from(p.dense ?? new Uint8Array(p.sparse!.buffer)).equals(Buffer.from(before[i]))).toBe(true));
    const packed = packBlocks(pieces);
    expect(list.map((s) => s.rows)).toEqual(packed.map((b) => b.rows));
    list.forEach((s, i) => {
      const bits = new Uint8Array(SKETCH_BYTES);
      mergeSketch(bits, s);
      expectSameBits(bits, packed[i].bits);
    });
    expect(list.length).toBe(2);
  });
});

describe("groups: bit-sliced filters", () => {
  /** A filter with about `fill` of its bits set (seeded). */
  function randomFilter(rng: Rng, fill: number): Uint8Array {
    const f = new Uint8Array(SKETCH_BYTES);
    for (let i = 0; i < SKETCH_BYTES; i++) for (let b = 0; b < 8; b++) if (rng.chance(fill)) f[i] |= 1 << b;
    return f;
  }

  it("bit p of filter j is bit j (from the left) of word p, for 512 filters", () => {
    const rng = prng(7);
    // Random bytes (xorshift; about a quarter of the bits set), slot 5 empty, slot 9 full.
    let x = 0x2545f491;
    const bytes = () => {
      const f = new Uint32Array(SKETCH_BYTES / 4);
      for (let i = 0; i < f.length; i++) {
        const a = (x ^= x << 13, x ^= x >>> 17, x ^= x << 5);
        f[i] = a & (x ^= x << 13, x ^= x >>> 17, x ^= x << 5);
      }
      return new Uint8Array(f.buffer);
    };
    const filters = Array.from({ length: GROUP_BLOCKS }, (_, j) =>
      j === 5 ? new Uint8Array(SKETCH_BYTES) : j === 9 ? new Uint8Array(SKETCH_BYTES).fill(0xff) : bytes(),
    );
    const group = transposeGroup(filters);
    expect(group.length).toBe(GROUP_BYTES);
    expect(GROUP_WORD_BYTES * 8).toBe(GROUP_BLOCKS);
    // Every slot of the first 4,096 words, of the last, and of 4,096 spread over the rest.
    const bits = SKETCH_BYTES * 8;
    const ps = [...Array.from({ length: 4096 }, (_, i) => i), bits - 1, ...Array.from({ length: 4096 }, () => rng.int(bits))];
    for (const p of ps) {
      for (let j = 0; j < GROUP_BLOCKS; j++) {
        const want = (filters[j][p >>> 3] & (1 << (p & 7))) !== 0;
        const got = (group[p * GROUP_WORD_BYTES + (j >>> 3)] & (0x80 >>> (j & 7))) !== 0;
        if (want !== got) throw new Error(`word ${p}, slot ${j}: ${got}, expected ${want}`);
      }
    }
    // And the whole group holds no bit the filters do not: the counts of set bits agree.
    const POP = Uint8Array.from({ length: 256 }, (_, v) => v.toString(2).replace(/0/g, "").length);
    const ones = (a: Uint8Array) => a.reduce((n, v) => n + POP[v], 0);
    expect(ones(group)).toBe(filters.reduce((n, f) => n + ones(f), 0));
  });

  it("a group's hits are exactly the slots whose own filter passes the probe, for real sketches and random terms", () => {
    const rng = prng(21);
    // 40 filters (a partial group) of sketched texts, one empty; terms from those texts and random ones.
    const texts: string[][] = [];
    const filters = Array.from({ length: 40 }, (_, j) => {
      const b = new SketchBuilder();
      const mine: string[] = [];
      for (let e = 0; e < (j === 3 ? 0 : 30); e++) {
        const t = Array.from({ length: 40 + rng.int(400) }, () => String.fromCharCode(0x20 + rng.int(95))).join("");
        mine.push(t);
        b.add(t);
      }
      texts.push(mine);
      const [s] = b.finish();
      const f = new Uint8Array(SKETCH_BYTES);
      if (s) mergeSketch(f, s);
      return f;
    });
    const group = transposeGroup(filters);
    let hitsSeen = 0;
    for (let n = 0; n < 300; n++) {
      const terms = Array.from({ length: 1 + rng.int(3) }, () => {
        if (rng.chance(0.5)) {
          const mine = texts[rng.int(texts.length)];
          const t = mine.length ? rng.pick(mine) : "nothing here";
          const a = rng.int(t.length - 8);
          return t.slice(a, a + 4 + rng.int(20));
        }
        return Array.from({ length: 4 + rng.int(12) }, () => String.fromCharCode(0x61 + rng.int(26))).join("");
      });
      const perTerm = terms.map((t) => probePositions(t)).filter((p): p is number[] => p !== null);
      if (perTerm.length === 0) continue;
      const mask = groupHits(group, perTerm);
      const slots = Array.from({ length: GROUP_BLOCKS }, (_, j) => j);
      const expected = slots.filter((j) => j < filters.length && perTerm.some((ps) => hasAll(filters[j], ps)));
      expect(slots.filter((j) => slotHit(mask, j)), `terms ${JSON.stringify(terms)}`).toEqual(expected);
      hitsSeen += expected.length;
      // As PostgreSQL's bit string returns it (text, slot 0 first): the same slots.
      const text = Array.from(mask, (v) => v.toString(2).padStart(8, "0")).join("");
      expect(text.length).toBe(GROUP_BLOCKS);
      expect(slots.filter((j) => slotHit(text, j))).toEqual(expected);
    }
    expect(hitsSeen).toBeGreaterThan(100);
  });

  it("refuses more than 512 filters and filters of another size", () => {
    expect(() => transposeGroup(Array.from({ length: GROUP_BLOCKS + 1 }, () => new Uint8Array(SKETCH_BYTES)))).toThrow(/at most 512/);
    expect(() => transposeGroup([new Uint8Array(16)])).toThrow(/bytes/);
  });
});

describe("SKETCH_FORMAT", () => {
  // Stored filters are probed with today's code; a block of another format is always searched.
  // Changing grams, folding, hashing or size without a new format would probe old filters at the
  // wrong bits and lose matches. So each format pins a fingerprint of what it writes: when this
  // fails, bump SKETCH_FORMAT and add the new fingerprint (never edit an old one).
  const FINGERPRINTS: Record<number, string> = {
    1: "0944fd3905ca9faf",
    2: "09084aefc073819b",
    3: "2e6e795245fd496e",
  };
  it("writes exactly what its fingerprint says", () => {
    const b = new SketchBuilder();
    for (const t of ["AssumeRole arn:aws:iam::123456789012:role/Admin", "İstanbul Kelvin \u212a 146.70.199.23", "{\"eventName\":\"GetObject\"}"]) b.add(t);
    const [s] = b.finish();
    const bits = new Uint8Array(SKETCH_BYTES);
    mergeSketch(bits, s);
    const digest = createHash("sha256")
      .update(JSON.stringify({ bytes: SKETCH_BYTES, probe: probePositions("AssumeRole*Admin") }))
      .update(bits)
      .digest("hex")
      .slice(0, 16);
    expect(digest).toBe(FINGERPRINTS[SKETCH_FORMAT]);
  });
});

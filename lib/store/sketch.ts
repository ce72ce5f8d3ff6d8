// Search sketches: what lets free text (`q`) skip most of the table without an index per row.
//
// Every block of up to BLOCK_EVENTS stored events gets a Bloom filter of the 4-grams and 8-grams
// of their record text (the text q matches: lib/query/sql.ts RECORD_TEXT), and each event row carries its
// block's number. A query term's grams must all be in a block's filter for any event of the block
// to contain the term, so q reads only candidate blocks and rechecks them with the exact ILIKE:
// answers stay exact, the filter only decides where to look.
//
// Why 8-grams too (format 2): the 4-grams of an IP address or an ID ("10.0", ".191", "91.1", …)
// each occur in most blocks, so a block holds all of them without holding the term: a rare
// private IP had 245 candidate blocks of 1,180 at 1M events with 4-grams alone. A term with a run
// of 8 or more ASCII characters is probed by its 8-grams, which pin the combination.
//
// Why not a trigram index (pg_trgm GIN): it costs about 25× per row at ingest (bench/INDEXES.md),
// because every row adds ~1,500 entries. A block's filter is built in the decode workers and
// written as one 64 KiB value per 256 events (256 bytes per event, no index maintenance).
//
// Case: PostgreSQL's ILIKE compares lower() of both sides. Grams are taken over characters whose
// lowercase is ASCII (A–Z folded; U+0130 İ and U+212A KELVIN SIGN lowercase to ASCII too); any
// other character breaks the gram. So when lower(text) contains lower(term), every gram of the
// term is a gram of the text, whatever non-ASCII characters either holds.
// Pure and dependency-free: runs in decode workers and in the server.

/**
 * The layout of a filter: what grams are, how they hash, how many bits. Stored with every block; a
 * block of another format is always a candidate, so changing any of these without bumping it would
 * silently lose matches (lib/store/sketch.test.ts pins a fingerprint per format).
 */
export const SKETCH_FORMAT = 3;

/**
 * Events per block: what a candidate block costs to recheck (its rows read and matched by ILIKE),
 * against the filters every q must probe. Format 2 had 1,024: at 10M events a rare IP then had
 * 31 candidate blocks, 7 of them holding it, and the recheck of ~32k rows (read cold) was most of
 * the query. Four times smaller blocks read a quarter of the rows per candidate, and fewer blocks
 * hold a term's 8-grams in unrelated events; groups of 512 (below) keep the probe's reads as few.
 */
export const BLOCK_EVENTS = 256;
const BITS_LOG2 = 19;
/**
 * Bits per filter: 2^19 for the 4-grams and 8-grams of a block of 256 at k = 2. Measured on the
 * bench corpus: a block of 256 holds ~87k distinct grams (a block of 1,024 ~251k: IDs and times
 * are unique per event), so 28% of the bits are set (~8% false positives per gram; an 11-character
 * IP's four 8-grams all pass in 1 block of 26,000). 2^18 would be 49% (1 in 300). 256 bytes per
 * event, twice format 2's.
 */
const SKETCH_BITS = 1 << BITS_LOG2;
export const SKETCH_BYTES = SKETCH_BITS / 8;
/** A small sketch keeps bit positions until they would outweigh the bitmap. */
const SPARSE_MAX = SKETCH_BYTES / 4;

/**
 * The filter of consecutive rows of an EventRows: a bitmap (`dense`) or, for a few events, the
 * bit positions to set (`sparse`). Plain typed arrays, so they cross worker boundaries cheaply.
 */
export interface Sketch {
  rows: number;
  dense?: Uint8Array;
  sparse?: Uint32Array;
}

// Multiplicative (Fibonacci) hashing: the top bits of g × an odd constant. Two constants, two
// nearly independent positions; cheap enough for the per-character loop.
const first = (g: number) => Math.imul(g, 0x9e3779b1) >>> (32 - BITS_LOG2);
const second = (g: number) => Math.imul(g, 0x85ebca77) >>> (32 - BITS_LOG2);
/** An 8-gram from its two 4-gram halves (28 bits each) as 32 bits, hashed with constants of its own. */
const long = (a: number, b: number) => Math.imul(a, 0xc2b2ae3d) ^ b;
const first8 = (h: number) => Math.imul(h, 0x27d4eb2f) >>> (32 - BITS_LOG2);
const second8 = (h: number) => Math.imul(h, 0x165667b1) >>> (32 - BITS_LOG2);

/** The case-folded 7-bit code of a character, or -1 when its lowercase is not ASCII. */
function fold(c: number): number {
  if (c < 0x80) return c >= 0x41 && c <= 0x5a ? c + 32 : c;
  if (c === 0x130) return 0x69; // İ → i
  if (c === 0x212a) return 0x6b; // KELVIN SIGN → k
  return -1;
}

const FOLD = Int8Array.from({ length: 0x80 }, (_, c) => fold(c));

/**
 * The runs of consecutive characters whose lowercase is ASCII in `text`, each as the 4-grams
 * ending at each of its characters from the fourth on (a run shorter than 4 has none).
 */
function runs(text: string): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  let g = 0;
  let run = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? fold(text.charCodeAt(i)) : -1;
    if (c < 0) {
      if (cur.length) out.push(cur);
      cur = [];
      run = 0;
      continue;
    }
    g = ((g << 7) | c) & 0xfffffff;
    if (++run >= 4) cur.push(g);
  }
  return out;
}

/** Builds the sketches of a run of events, one per BLOCK_EVENTS of them, in order. */
export class SketchBuilder {
  /** `blockEvents` smaller than BLOCK_EVENTS: tests that need many blocks from few events. */
  constructor(private readonly blockEvents = BLOCK_EVENTS) {}
  private readonly done: Sketch[] = [];
  /** The last four 4-grams, by character index mod 4: an 8-gram is the one 4 back and the current one. */
  private readonly ring = new Int32Array(4);
  private rows = 0;
  private dense: Uint8Array | null = null;
  private sparse = new Uint32Array(1024);
  private n = 0;

  /** Adds one event's record text (exactly what the row's RECORD_TEXT will be). */
  add(text: string) {
    if (this.rows === this.blockEvents) this.close();
    this.rows++;
    // The hot loop of the sketches (every character of every record): grams() inlined, no
    // allocation per gram.
    const ring = this.ring;
    let g = 0;
    let run = 0;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      c = c < 0x80 ? FOLD[c] : fold(c);
      if (c < 0) {
        run = 0;
        continue;
      }
      g = ((g << 7) | c) & 0xfffffff;
      if (++run < 4) continue;
      this.set(first(g), second(g));
      if (run >= 8) {
        const h = long(ring[i & 3], g);
        this.set(first8(h), second8(h));
      }
      ring[i & 3] = g;
    }
  }

  private set(a: number, b: number) {
    const dense = this.dense;
    if (dense) {
      dense[a >>> 3] |= 1 << (a & 7);
      dense[b >>> 3] |= 1 << (b & 7);
    } else this.push(a, b);
  }

  private push(a: number, b: number) {
    if (this.n + 2 > this.sparse.length) {
      if (this.sparse.length >= SPARSE_MAX) {
        this.dense = new Uint8Array(SKETCH_BYTES);
        setPositions(this.dense, this.sparse.subarray(0, this.n));
        this.dense[a >>> 3] |= 1 << (a & 7);
        this.dense[b >>> 3] |= 1 << (b & 7);
        return;
      }
      const grown = new Uint32Array(this.sparse.length * 2);
      grown.set(this.sparse);
      this.sparse = grown;
    }
    this.sparse[this.n++] = a;
    this.sparse[this.n++] = b;
  }

  private close() {
    if (this.rows === 0) return;
    this.done.push(this.dense ? { rows: this.rows, dense: this.dense } : { rows: this.rows, sparse: this.sparse.slice(0, this.n) });
    this.rows = 0;
    this.dense = null;
    this.sparse = new Uint32Array(1024);
    this.n = 0;
  }

  finish(): Sketch[] {
    this.close();
    return this.done;
  }
}

function setPositions(bits: Uint8Array, ps: Uint32Array) {
  for (let i = 0; i < ps.length; i++) bits[ps[i] >>> 3] |= 1 << (ps[i] & 7);
}

/** ORs a sketch into a block's bitmap. */
export function mergeSketch(into: Uint8Array, s: Sketch) {
  if (s.sparse) return setPositions(into, s.sparse);
  const src = s.dense!;
  if (into.byteOffset % 4 === 0 && src.byteOffset % 4 === 0) {
    const a = new Uint32Array(into.buffer, into.byteOffset, SKETCH_BYTES / 4);
    const b = new Uint32Array(src.buffer, src.byteOffset, SKETCH_BYTES / 4);
    for (let i = 0; i < a.length; i++) a[i] |= b[i];
  } else for (let i = 0; i < SKETCH_BYTES; i++) into[i] |= src[i];
}

/** Bitmaps appendSketch allocated: later sketches may be ORed into them in place. */
const owned = new WeakSet<Uint8Array>();

/**
 * Appends a sketch to a batch's list, ORed into the last one while their rows fit one block: a
 * batch of 2,000 small objects then holds a bitmap per block, not a sketch per object (up to 64 KiB
 * each), so its memory follows its rows.
 */
export function appendSketch(list: Sketch[], s: Sketch) {
  const last = list[list.length - 1];
  if (!last || last.rows + s.rows > BLOCK_EVENTS) {
    list.push(s);
    return;
  }
  let bits = last.dense;
  if (!bits || !owned.has(bits)) {
    bits = new Uint8Array(SKETCH_BYTES);
    mergeSketch(bits, last);
    owned.add(bits);
  }
  mergeSketch(bits, s);
  list[list.length - 1] = { rows: last.rows + s.rows, dense: bits };
}

/** The typed arrays of sketches, for a worker's postMessage transfer list. */
export function sketchBuffers(sketches: Sketch[]): ArrayBuffer[] {
  return sketches.map((s) => (s.dense ?? s.sparse!).buffer as ArrayBuffer);
}

/**
 * Consecutive sketches packed into blocks of at most BLOCK_EVENTS rows (a sketch that is already
 * full stays alone). `first` is the index of the block's first row among all the sketches' rows.
 */
export function packBlocks(sketches: Sketch[], blockEvents = BLOCK_EVENTS): { first: number; rows: number; bits: Uint8Array }[] {
  const blocks: { first: number; rows: number; bits: Uint8Array }[] = [];
  let row = 0;
  let cur: { first: number; rows: number; bits: Uint8Array } | null = null;
  let borrowed = false; // cur.bits is a sketch's own bitmap: copy before ORing another into it
  for (const s of sketches) {
    if (!cur || cur.rows + s.rows > blockEvents) {
      // A block of one dense sketch (what a batch's appendSketch leaves) uses its bitmap as is.
      borrowed = s.dense !== undefined;
      cur = { first: row, rows: 0, bits: s.dense ?? new Uint8Array(SKETCH_BYTES) };
      blocks.push(cur);
      if (!borrowed) mergeSketch(cur.bits, s);
    } else {
      if (borrowed) cur.bits = Uint8Array.from(cur.bits);
      borrowed = false;
      mergeSketch(cur.bits, s);
    }
    cur.rows += s.rows;
    row += s.rows;
  }
  return blocks;
}

/**
 * The bit positions a block's filter must have set for some event of it to match the ILIKE term
 * `literal` (the term as the LIKE pattern has it before escaping, `*` standing for any run), or
 * null when the term has no 4 consecutive ASCII characters and so cannot narrow anything. At most
 * `max` grams, spread over the term: more would add little selectivity and only lengthen the probe.
 */
export function probePositions(literal: string, max = 16): number[] | null {
  // Each gram as its two positions: a run of 8 or more characters by its 8-grams (they imply its
  // 4-grams), a shorter one by its 4-grams.
  const pairs = new Map<string, [number, number]>();
  for (const part of literal.split("*")) {
    for (const gs of runs(part)) {
      if (gs.length >= 5) {
        for (let j = 4; j < gs.length; j++) {
          const h = long(gs[j - 4], gs[j]);
          pairs.set(`8:${h}`, [first8(h), second8(h)]);
        }
      } else for (const g of gs) pairs.set(`4:${g}`, [first(g), second(g)]);
    }
  }
  if (pairs.size === 0) return null;
  const unique = [...pairs.values()];
  const step = Math.max(1, unique.length / max);
  const out = new Set<number>();
  for (let i = 0; i < unique.length && out.size < 2 * max; i += step) {
    const [a, b] = unique[Math.floor(i)];
    out.add(a).add(b);
  }
  return [...out];
}

/** Whether a bitmap has every position set (tests; the server asks PostgreSQL). */
export function hasAll(bits: Uint8Array, ps: number[]): boolean {
  return ps.every((p) => (bits[p >>> 3] & (1 << (p & 7))) !== 0);
}

// ---- groups: bit-sliced filters -------------------------------------------------------------------
//
// A probe of separate filters reads one or two TOAST chunks per block: at 10M events that is tens
// of thousands of random chunk reads over gigabytes of filters, which do not stay cached (a cold
// probe took 5–7 s). Once 512 blocks are stored, they are rewritten as one group: for each filter
// bit, one 64-byte word holding that bit of each of the 512 blocks. One 64-byte read then tests a
// bit for 512 blocks, and an AND of a term's words is usually zero after 6–8 reads, so a group
// costs about what one block did (lib/query/search.ts; the SQL function search_group_slots).

/** Blocks per group: the bits of one word. */
export const GROUP_BLOCKS = 512;
/** Bytes of one word: one bit per slot. */
export const GROUP_WORD_BYTES = GROUP_BLOCKS / 8;
/** A group's bit-sliced filter: one word per filter bit. */
export const GROUP_BYTES = SKETCH_BITS * GROUP_WORD_BYTES;

/**
 * The bit-sliced filter of up to GROUP_BLOCKS block filters: the word of filter bit p is bytes
 * 64p … 64p+63, and holds filter j (its slot) at byte 64p + (j >> 3), bit 7 - (j & 7). Most
 * significant bit first, so the word read as a bit string lists the slots in order (PostgreSQL's
 * get_bit(varbit, j) is slot j).
 */
export function transposeGroup(filters: Uint8Array[]): Uint8Array {
  if (filters.length > GROUP_BLOCKS) throw new Error(`a group holds at most ${GROUP_BLOCKS} filters`);
  filters.forEach((f, j) => {
    if (f.length !== SKETCH_BYTES) throw new Error(`filter ${j}: ${f.length} bytes, expected ${SKETCH_BYTES}`);
  });
  const out = new Uint8Array(GROUP_BYTES);
  const none = new Uint8Array(SKETCH_BYTES);
  const f = Array.from({ length: GROUP_BLOCKS }, (_, j) => filters[j] ?? none);
  // Byte i of 8 filters at a time is an 8×8 bit matrix; transposed (Hacker's Delight,
  // transpose8rS32), its column for bit b is the byte of those 8 slots in word 8i + b. Byte i of
  // every filter before the next byte keeps the 512 output bytes in cache. (Bit by bit, filter by
  // filter, swept the 32 MiB output 512 times: 5 s a group; this is ~30× faster.)
  for (let i = 0; i < SKETCH_BYTES; i++) {
    const base = i * 8 * GROUP_WORD_BYTES;
    for (let s = 0, j = 0; s < GROUP_WORD_BYTES; s++, j += 8) {
      let x = (f[j][i] << 24) | (f[j + 1][i] << 16) | (f[j + 2][i] << 8) | f[j + 3][i];
      let y = (f[j + 4][i] << 24) | (f[j + 5][i] << 16) | (f[j + 6][i] << 8) | f[j + 7][i];
      if ((x | y) === 0) continue;
      let t = (x ^ (x >>> 7)) & 0x00aa00aa;
      x = x ^ t ^ (t << 7);
      t = (y ^ (y >>> 7)) & 0x00aa00aa;
      y = y ^ t ^ (t << 7);
      t = (x ^ (x >>> 14)) & 0x0000cccc;
      x = x ^ t ^ (t << 14);
      t = (y ^ (y >>> 14)) & 0x0000cccc;
      y = y ^ t ^ (t << 14);
      t = (x & 0xf0f0f0f0) | ((y >>> 4) & 0x0f0f0f0f);
      y = ((x << 4) & 0xf0f0f0f0) | (y & 0x0f0f0f0f);
      x = t;
      // Row c of the result is the filters' bit 7 - c: word 8i + 7 - c.
      const at = base + s;
      out[at + 7 * GROUP_WORD_BYTES] = x >>> 24;
      out[at + 6 * GROUP_WORD_BYTES] = x >>> 16;
      out[at + 5 * GROUP_WORD_BYTES] = x >>> 8;
      out[at + 4 * GROUP_WORD_BYTES] = x;
      out[at + 3 * GROUP_WORD_BYTES] = y >>> 24;
      out[at + 2 * GROUP_WORD_BYTES] = y >>> 16;
      out[at + GROUP_WORD_BYTES] = y >>> 8;
      out[at] = y;
    }
  }
  return out;
}

/**
 * What search_group_slots computes in PostgreSQL (tests): the slots whose filter has every
 * position of some term, as a word (slot j at byte j >> 3, bit 7 - (j & 7)).
 */
export function groupHits(group: Uint8Array, perTerm: number[][]): Uint8Array {
  const hits = new Uint8Array(GROUP_WORD_BYTES);
  for (const ps of perTerm) {
    const m = new Uint8Array(GROUP_WORD_BYTES).fill(0xff);
    for (const p of ps) {
      let any = 0;
      for (let i = 0; i < GROUP_WORD_BYTES; i++) any |= m[i] &= group[p * GROUP_WORD_BYTES + i];
      if (any === 0) break;
    }
    for (let i = 0; i < GROUP_WORD_BYTES; i++) hits[i] |= m[i];
  }
  return hits;
}

/** Whether slot `j` is set in a word of groupHits, or in search_group_slots' bit string as text. */
export const slotHit = (mask: Uint8Array | string, j: number) =>
  typeof mask === "string" ? mask[j] === "1" : (mask[j >>> 3] & (0x80 >>> (j & 7))) !== 0;

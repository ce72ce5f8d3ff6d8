// Free text narrowed by the search sketches (lib/store/sketch.ts, lib/query/search.ts) against a
// real PostgreSQL: demo records plus a few hostile ones go in through normalizeRecord → Loader in
// blocks of 100 events (one commit left without sketches), and every q must give exactly what the
// same query gives without narrowing, and what a reference ILIKE over the stored record text gives.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportStream } from "../lib/export/stream";
import { generateRecords } from "../lib/demo/generate";
import { Loader } from "../lib/ingest/loader";
import { encodeLine, normalizeRecord, type EventRows } from "../lib/ingest/normalize";
import { countEvents, listEvents } from "../lib/query/events";
import { facetCounts } from "../lib/query/facets";
import { histogram } from "../lib/query/histogram";
import { parseEventQuery, type EventQuery } from "../lib/query/params";
import { searchWindow, withSearchBlocks } from "../lib/query/search";
import { qLiteral } from "../lib/query/sql";
import { migrate } from "../lib/store/migrate";
import { resketchBlocks } from "../lib/store/resketch";
import { groupSearchBlocks } from "../lib/store/search-groups";
import { BLOCK_EVENTS, hasAll, probePositions, SKETCH_FORMAT, SketchBuilder } from "../lib/store/sketch";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";
import { readAll } from "./helpers/stream";
import { matchCount } from "../app/events/_data/count";

type Rec = Record<string, unknown>;

const START = new Date("2026-11-10T00:00:00Z");
const END = new Date("2026-11-12T00:00:00Z");
const NOW = END;
const BLOCK = 100;

const GENERATED: Rec[] = [...generateRecords({ count: 3000, seed: 11, start: START, end: END })].map((r) => structuredClone(r));

function special(id: string, requestParameters: Rec): Rec {
  return {
    eventVersion: "1.08",
    userIdentity: { type: "IAMUser", principalId: "AIDASEARCHTEST", arn: "arn:aws:iam::408351722164:user/search-tester", accountId: "408351722164", userName: "search-tester" },
    eventTime: "2026-11-11T06:30:00Z",
    eventSource: "s3.amazonaws.com",
    eventName: "PutObject",
    awsRegion: "eu-west-1",
    sourceIPAddress: "198.51.100.7",
    userAgent: "search-test",
    requestParameters,
    responseElements: null,
    requestID: `req-${id}`,
    eventID: id,
    eventType: "AwsApiCall",
    managementEvent: false,
    recipientAccountId: "408351722164",
    eventCategory: "Data",
  };
}

const S = {
  rare: special("special-rare", { note: "zq-rare-marker-7731" }),
  upper: special("special-upper", { note: "UPPERCASE-MARKER-QX93" }),
  quote: special("special-quote", { description: 'say "hello-quoted-zz" now' }),
  unicode: special("special-unicode", { note: "Grüße aus Köln — 東京 😀 café-Ωmega" }),
  // İ in the record found with ASCII I/i, ASCII i/k found with İ / KELVIN SIGN, and the reverse.
  dotted: special("special-dotted", { city: "\u0130STANBUL-GATE-9", port: "izmir-harbor-5", fruit: "kiwi-orchard-77" }),
  kelvin: special("special-kelvin", { unit: "kelvin-\u212aase-42" }),
  backslash: special("special-backslash", { path: "C:\\Users\\zzbackslash\\dir" }),
  percent: special("special-percent", { progress: "100%_done-zz" }),
  // U+0000 makes normalizeRecord keep the exact record in raw_json: q searches that text.
  nul: special("special-nul", { note: "nul\u0000byte-marker-zz" }),
  // Stored by the commit without sketches (search_block NULL): always searched.
  unsketched: special("special-unsketched", { note: "zz-unsketched-marker" }),
};

/** `records` with `extra` inserted in the middle, so specials do not sit at a block edge. */
const withSpecials = (records: Rec[], extra: Rec[]) => [...records.slice(0, 450), ...extra, ...records.slice(450)];

// The commits, and how their sketches are cut: blocks of 100 from a builder of 100; blocks of 90
// packed from sketches of 30; no sketches at all; blocks of 100 packed from one sketch per event
// (with one event already stored by the first commit, which this commit must skip).
const COMMITS: { records: Rec[]; sketch: "builder100" | "builder30" | "none" | "perEvent" }[] = [
  { records: withSpecials(GENERATED.slice(0, 1000), [S.rare, S.upper, S.quote]), sketch: "builder100" },
  { records: withSpecials(GENERATED.slice(1000, 1900), [S.unicode, S.dotted, S.kelvin]), sketch: "builder30" },
  { records: withSpecials(GENERATED.slice(1900, 2300), [S.unsketched]), sketch: "none" },
  { records: withSpecials(GENERATED.slice(2300, 3000), [S.backslash, S.percent, S.nul, GENERATED[5]]), sketch: "perEvent" },
];
// 1003 rows → 11 blocks; 903 rows → 31 sketches (30 of 30, one of 3) → 9 blocks of 90 and one of
// 93; none; 704 rows → 8 blocks.
const EXPECTED_BLOCKS = 11 + 10 + 0 + 8;
const ALL_RECORDS = [...GENERATED, ...Object.values(S)];

// ---- reference ----------------------------------------------------------------------------------

/** lower() as PostgreSQL computes it with a libc UTF-8 locale: simple case mapping per code point. */
function pgLower(s: string): string {
  let out = "";
  for (const ch of s) {
    if (ch === "\u0130") out += "i";
    else {
      const l = ch.toLowerCase();
      out += [...l].length === 1 ? l : ch;
    }
  }
  return out;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Record text (what q searches) by event id, lowercased as ILIKE compares it. */
const TEXT = new Map<string, string>();
const LOWER = new Map<string, string>();

/** Event ids whose record text matches some term of q (ILIKE '%term%' on the JSON-escaped term). */
function reference(terms: string[]): string[] {
  const res = terms.map((t) => new RegExp(pgLower(qLiteral(t)).split("*").map(escapeRe).join("[\\s\\S]*")));
  return [...LOWER].filter(([, text]) => res.some((re) => re.test(text))).map(([id]) => id);
}

// ---- database -----------------------------------------------------------------------------------

let tdb: TestDatabase;
let pool: pg.Pool;
/** search_block of every stored event (null: no sketch covers it). */
const BLOCK_OF = new Map<string, number | null>();

beforeAll(async () => {
  tdb = await createTestDatabase("ts_search");
  await migrate(tdb.url);
  pool = new pg.Pool({ connectionString: tdb.url, max: 4 });
  pool.on("error", () => {}); // a connection closed by afterAll's DROP DATABASE
  const loader = new Loader(pool, () => {}, { blockEvents: BLOCK });
  for (const c of COMMITS) {
    const rows: EventRows = { lines: [], ids: [], rollups: [], sketches: [] };
    const builder = c.sketch === "builder100" ? new SketchBuilder(BLOCK) : c.sketch === "builder30" ? new SketchBuilder(30) : null;
    for (const r of c.records) {
      const n = normalizeRecord(r, {});
      if (!n.ok) throw new Error(`record ${String(r.eventID)} rejected: ${n.reason}`);
      rows.lines.push(encodeLine(n.line));
      rows.ids.push(n.id);
      rows.rollups.push(n.rollup);
      builder?.add(n.text);
      if (c.sketch === "perEvent") {
        const one = new SketchBuilder();
        one.add(n.text);
        rows.sketches.push(...one.finish());
      }
      if (!TEXT.has(n.id)) {
        TEXT.set(n.id, n.text);
        LOWER.set(n.id, pgLower(n.text));
      }
    }
    if (builder) rows.sketches = builder.finish();
    const inserted = await loader.commit({ rows, objects: [], cursors: [] });
    expect(inserted).toBe(c.sketch === "perEvent" ? c.records.length - 1 : c.records.length);
  }
  const { rows } = await pool.query(`SELECT id, search_block FROM events`);
  for (const r of rows) BLOCK_OF.set(r.id as string, r.search_block as number | null);
});

afterAll(async () => {
  await pool?.end();
  await tdb?.drop();
});

const parse = (qs: string): EventQuery => parseEventQuery(new URLSearchParams(qs), { now: NOW, paging: true });

/** Every event of a query, in order, page by page (1000 a page). */
async function listAll(q: EventQuery): Promise<string[]> {
  const ids: string[] = [];
  let page = await listEvents(pool, { ...q, limit: 1000 });
  for (let n = 0; ; n++) {
    ids.push(...page.events.map((e) => e.eventID as string));
    if (!page.nextCursor || n > 20) break;
    page = await listEvents(pool, { ...q, limit: 1000, cursor: page.nextCursor });
  }
  return ids;
}

/**
 * Runs a q query narrowed (the default) and not narrowed (`searchBlocks: null`); both must list and
 * count exactly the reference's events, and the candidate blocks must hold every matching event's
 * block. Returns the candidate blocks and the matching ids.
 */
async function expectSame(qs: string, expected?: string[]) {
  const q = parse(qs);
  const narrowed = (await withSearchBlocks(pool, q)).searchBlocks;
  const ids = await listAll(q);
  const full = await listAll({ ...q, searchBlocks: null });
  expect(ids, qs).toEqual(full);
  expect(await countEvents(pool, q), `count ${qs}`).toBe(full.length);
  expect(await countEvents(pool, { ...q, searchBlocks: null }), `full count ${qs}`).toBe(full.length);
  const filtered = q.filters.length > 0 || q.from || q.to;
  if (!filtered) expect([...ids].sort(), `reference ${qs}`).toEqual(reference(q.q).sort());
  if (expected) expect([...ids].sort(), qs).toEqual([...expected].sort());
  if (narrowed) {
    for (const id of ids) {
      const b = BLOCK_OF.get(id);
      if (b !== null) expect(narrowed, `${qs}: block of ${id}`).toContain(b);
    }
  }
  return { narrowed: narrowed ?? null, ids };
}

const id = (r: Rec) => r.eventID as string;

// ---- tests --------------------------------------------------------------------------------------

describe("stored blocks", () => {
  it("one search_blocks row per block, every sketched event in one, the unsketched commit in none", async () => {
    const { rows } = await pool.query(`SELECT count(*)::int AS n, sum(events)::int AS events FROM search_blocks`);
    expect(rows[0].n).toBe(EXPECTED_BLOCKS);
    // The re-delivered event is in its block's count but was not stored again.
    expect(rows[0].events).toBe(1003 + 903 + 704);
    expect(BLOCK_OF.size).toBe(ALL_RECORDS.length);
    const unsketched = new Set([...COMMITS[2].records.map(id)]);
    for (const [eid, b] of BLOCK_OF) {
      if (unsketched.has(eid)) expect(b, eid).toBeNull();
      else expect(b, eid).not.toBeNull();
    }
    // The re-delivered event keeps the block of its first commit.
    expect(BLOCK_OF.get(id(GENERATED[5]))).toBe(BLOCK_OF.get(id(GENERATED[6])));
    const perBlock = await pool.query(
      `SELECT b.id, b.events, count(e.id)::int AS stored FROM search_blocks b LEFT JOIN events e ON e.search_block = b.id GROUP BY b.id ORDER BY b.id`,
    );
    expect(perBlock.rows.map((r) => r.events)).toEqual([...Array(10).fill(100), 3, ...Array(9).fill(90), 93, ...Array(7).fill(100), 4]);
    // The re-delivered event sits at row 453 of the last commit: its fifth block stores one fewer.
    expect(perBlock.rows.map((r) => r.stored)).toEqual([...Array(10).fill(100), 3, ...Array(9).fill(90), 93, 100, 100, 100, 100, 99, 100, 100, 4]);
  });

  it("the sketched text is the text q searches, and every gram of it is in its block's filter", async () => {
    const { rows } = await pool.query(`SELECT id, search_block, coalesce(raw_json, record::text) AS text FROM events`);
    const blooms = new Map<number, Uint8Array>();
    for (const b of (await pool.query(`SELECT id, bloom FROM search_blocks`)).rows) blooms.set(b.id as number, new Uint8Array(b.bloom as Buffer));
    let probes = 0;
    for (const r of rows) {
      expect(r.text, r.id).toBe(TEXT.get(r.id));
      if (r.search_block === null) continue;
      const bits = blooms.get(r.search_block)!;
      const text = r.text as string;
      // Windows of 19 characters (16 grams, probePositions' cap) overlapping by 3: every gram.
      for (let a = 0; a < text.length; a += 16) {
        const ps = probePositions(text.slice(a, a + 19));
        if (ps && !hasAll(bits, ps)) throw new Error(`event ${r.id}: gram at ${a} missing from block ${r.search_block}: ${text.slice(a, a + 19)}`);
        if (ps) probes++;
      }
    }
    expect(probes).toBeGreaterThan(100_000);
  });
});

describe("q: narrowed results equal full scans and the reference", () => {
  it("a rare marker, in its own case and another", async () => {
    const rare = await expectSame("q=zq-rare-marker-7731", [id(S.rare)]);
    expect(rare.narrowed).not.toBeNull();
    expect(rare.narrowed!.length).toBeLessThanOrEqual(2);
    expect(rare.narrowed).toContain(BLOCK_OF.get(id(S.rare)));
    await expectSame("q=ZQ-RARE-MARKER-7731", [id(S.rare)]);
    const upper = await expectSame("q=uppercase-marker-qx93", [id(S.upper)]);
    expect(upper.narrowed).toContain(BLOCK_OF.get(id(S.upper)));
    expect(upper.narrowed!.length).toBeLessThanOrEqual(2);
  });

  it("values of single generated records", async () => {
    const g = GENERATED[1234];
    const one = await expectSame(`q=${encodeURIComponent(g.requestID as string)}`, [id(g)]);
    expect(one.narrowed!.length).toBeLessThanOrEqual(2);
    expect(one.narrowed).toContain(BLOCK_OF.get(id(g)));
    // An IP address from the last commit (blocks packed from one sketch per event).
    const withIp = GENERATED.slice(2600).find((r) => /^\d+\.\d+\.\d+\.\d+$/.test(r.sourceIPAddress as string))!;
    const ip = await expectSame(`q=${withIp.sourceIPAddress as string}`);
    expect(ip.ids).toContain(id(withIp));
    // The eventID of one record from each sketched commit.
    for (const g of [GENERATED[17], GENERATED[1500], GENERATED[2999]]) {
      const r = await expectSame(`q=${id(g).toUpperCase()}`, [id(g)]);
      expect(r.narrowed).toContain(BLOCK_OF.get(id(g)));
    }
  });

  it("a common term and a 3-character term are not narrowed", async () => {
    const common = await expectSame("q=AssumeRole");
    expect(common.ids.length).toBeGreaterThan(20);
    expect(common.narrowed).toBeNull();
    const short = await expectSame("q=kms");
    expect(short.ids.length).toBeGreaterThan(20);
    expect(short.narrowed).toBeNull();
    expect((await withSearchBlocks(pool, parse("q=amazonaws"))).searchBlocks).toBeNull();
    expect((await withSearchBlocks(pool, parse(""))).searchBlocks).toBeNull();
  });

  it("terms with *", async () => {
    const star = await expectSame("q=zq-rare*7731", [id(S.rare)]);
    expect(star.narrowed!.length).toBeLessThanOrEqual(2);
    await expectSame("q=UPPERCASE*QX93", [id(S.upper)]);
    // Only short parts: no gram, no narrowing, still the right events.
    const short = await expectSame("q=zq-*ker*731", [id(S.rare)]);
    expect(short.narrowed).toBeNull();
    await expectSame("q=arn:aws:iam::*:role/");
  });

  it("several terms are ORed: candidates of each", async () => {
    const g = GENERATED[1234];
    const r = await expectSame(`q=zq-rare-marker-7731&q=${g.requestID as string}`, [id(S.rare), id(g)]);
    expect(r.narrowed).toContain(BLOCK_OF.get(id(S.rare)));
    expect(r.narrowed).toContain(BLOCK_OF.get(id(g)));
    expect(r.narrowed!.length).toBeLessThanOrEqual(4);
    // One term without grams turns narrowing off for the query.
    const mixed = await expectSame(`q=zq-rare-marker-7731&q=東京`, [id(S.rare), id(S.unicode)]);
    expect(mixed.narrowed).toBeNull();
  });

  it("non-ASCII terms", async () => {
    const aus = await expectSame("q=aus Köln", [id(S.unicode)]);
    expect(aus.narrowed).toContain(BLOCK_OF.get(id(S.unicode)));
    await expectSame("q=AUS KÖLN", [id(S.unicode)]);
    await expectSame("q=café-Ωmega", [id(S.unicode)]);
    await expectSame("q=CAFÉ-ωMEGA", [id(S.unicode)]);
    expect((await expectSame("q=東京", [id(S.unicode)])).narrowed).toBeNull();
    await expectSame("q=😀 café", [id(S.unicode)]);
    // lower('ẞ') is ß but lower('SS') is ss: ILIKE does not equate them, and neither does anything here.
    await expectSame("q=GRÜSSE", []);
    await expectSame("q=GRÜẞE aus", [id(S.unicode)]);
  });

  it("İ and the Kelvin sign against ASCII i and k, both ways", async () => {
    for (const qs of ["q=istanbul-gate-9", "q=ISTANBUL-GATE", "q=\u0130stanbul-gate", "q=\u0130ZM\u0130R-HARBOR", "q=\u212aIWI-ORCHARD-77", "q=\u212aiwi-orchard"]) {
      const r = await expectSame(qs, [id(S.dotted)]);
      expect(r.narrowed, qs).toContain(BLOCK_OF.get(id(S.dotted)));
    }
    for (const qs of ["q=KELVIN-KASE-42", "q=kelvin-\u212aase", "q=\u212aELVIN-\u212aASE"]) {
      const r = await expectSame(qs, [id(S.kelvin)]);
      expect(r.narrowed, qs).toContain(BLOCK_OF.get(id(S.kelvin)));
    }
    // Dotless ı is not i.
    await expectSame("q=\u0131stanbul-gate", []);
  });

  it('a double quote, a backslash, % and _, and raw_json text', async () => {
    const quoted = await expectSame(`q=${encodeURIComponent('"hello-quoted-zz"')}`, [id(S.quote)]);
    expect(quoted.narrowed).toContain(BLOCK_OF.get(id(S.quote)));
    await expectSame(`q=${encodeURIComponent('say "HELLO')}`, [id(S.quote)]);
    const bs = await expectSame(`q=${encodeURIComponent("Users\\zzbackslash")}`, [id(S.backslash)]);
    expect(bs.narrowed).toContain(BLOCK_OF.get(id(S.backslash)));
    await expectSame(`q=${encodeURIComponent("c:\\users\\ZZBACKSLASH\\dir")}`, [id(S.backslash)]);
    // The JSON escaping itself is not matched: one backslash before zz is not in the text.
    await expectSame(`q=${encodeURIComponent("\\\\zzbackslash")}`, []);
    const pct = await expectSame(`q=${encodeURIComponent("100%_done")}`, [id(S.percent)]);
    expect(pct.narrowed).toContain(BLOCK_OF.get(id(S.percent)));
    await expectSame(`q=${encodeURIComponent("100x_done")}`, []);
    await expectSame(`q=${encodeURIComponent("100%xdone")}`, []);
    const nul = await expectSame("q=byte-marker-zz", [id(S.nul)]);
    expect(nul.narrowed).toContain(BLOCK_OF.get(id(S.nul)));
  });

  it("events no block covers are always searched", async () => {
    const r = await expectSame("q=zz-unsketched-marker", [id(S.unsketched)]);
    expect(BLOCK_OF.get(id(S.unsketched))).toBeNull();
    expect(r.narrowed).not.toBeNull(); // narrowed (to few or no blocks), and still found
    expect(r.narrowed!.length).toBeLessThanOrEqual(2);
    // A value of a generated record in the unsketched commit.
    const g = GENERATED[2100];
    await expectSame(`q=${g.requestID as string}`, [id(g)]);
  });

  it("a term matching nothing, and q with other filters and a time range", async () => {
    const none = await expectSame("q=zz-nothing-matches-this-9q", []);
    expect(none.narrowed).not.toBeNull();
    expect(none.narrowed!.length).toBeLessThanOrEqual(2);
    await expectSame("q=zq-rare-marker-7731&eventName=PutObject", [id(S.rare)]);
    await expectSame("q=zq-rare-marker-7731&eventName=Decrypt", []);
    await expectSame("q=zq-rare-marker-7731&from=2026-11-11T06:00:00Z&to=2026-11-11T07:00:00Z", [id(S.rare)]);
    await expectSame("q=zq-rare-marker-7731&from=2026-11-11T07:00:00Z", []);
    await expectSame("q=AssumeRole&awsRegion=us-east-1&from=2026-11-10T12:00:00Z");
  });

  it("facets and histogram agree narrowed and not", async () => {
    for (const qs of ["q=zq-rare-marker-7731&q=uppercase-marker-qx93", "q=istanbul-gate-9&q=zz-unsketched-marker", `q=${GENERATED[1234].requestID as string}`]) {
      const q = parse(qs);
      expect((await withSearchBlocks(pool, q)).searchBlocks, qs).not.toBeNull();
      expect(await facetCounts(pool, q), qs).toEqual(await facetCounts(pool, { ...q, searchBlocks: null }));
      const h = await histogram(pool, q, NOW);
      expect(h, qs).toEqual(await histogram(pool, { ...q, searchBlocks: null }, NOW));
      expect(h!.buckets.reduce((n, b) => n + b.total, 0)).toBe(await countEvents(pool, q));
    }
  });
});

describe("time-sorted pages over many candidate blocks (read newest blocks first)", () => {
  /** Every page of `q` at `limit`, as ids, following nextCursor. */
  async function pages(q: EventQuery, limit: number): Promise<string[][]> {
    const out: string[][] = [];
    let cursor: string | undefined;
    for (let n = 0; n < 500; n++) {
      const page = await listEvents(pool, { ...q, limit, cursor });
      out.push(page.events.map((e) => e.eventID as string));
      if (!page.nextCursor) return out;
      cursor = page.nextCursor;
    }
    throw new Error("too many pages");
  }

  it("block spans cover their events' times", async () => {
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM events e JOIN search_blocks b ON b.id = e.search_block
        WHERE e.event_time < b.first_time OR e.event_time > b.last_time`,
    );
    expect(rows[0].n).toBe(0);
  });

  it.each([
    ["AssumeRole", [25, 100]],
    ["GetObject", [25, 100]],
    ["sts.amazonaws.com&q=kms.amazonaws.com", [100]],
  ] as const)(
    "q=%s, every page at limits %j, both directions, equals the unnarrowed pages",
    async (term, limits) => {
      for (const sort of ["eventTime:desc", "eventTime:asc"]) {
        const q = parse(`q=${term}&sort=${sort}`);
        // Narrowed whatever the share (lists would walk the time index for terms this common).
        const wide = await withSearchBlocks(pool, q, 1);
        expect(wide.searchBlocks!.length, `${term} ${sort}: candidates`).toBeGreaterThan(8);
        for (const limit of limits) {
          const got = await pages(wide, limit);
          const want = await pages({ ...q, searchBlocks: null }, limit);
          expect(got, `${term} ${sort} limit ${limit}`).toEqual(want);
        }
      }
    },
  );

  it("a first page reads only the newest candidate blocks when they hold it", async () => {
    const q = await withSearchBlocks(pool, parse("q=AssumeRole"), 1);
    const lists: number[] = [];
    const spy = {
      query: (text: string, values: unknown[]) => {
        for (const v of values) if (Array.isArray(v) && v.every(Number.isInteger)) lists.push(v.length);
        return pool.query(text, values);
      },
    } as unknown as pg.Pool;
    const page = await listEvents(spy, { ...q, limit: 5 });
    expect(page.events).toHaveLength(5);
    expect(page.events.map((e) => e.eventID)).toEqual((await listEvents(pool, { ...q, searchBlocks: null, limit: 5 })).events.map((e) => e.eventID));
    expect(lists.length).toBeGreaterThan(0);
    expect(Math.max(...lists)).toBeLessThan(q.searchBlocks!.length);
  });
});

describe("plans", () => {
  it("a narrowed list query reads the candidate blocks through events_search_block_idx", async () => {
    const c = await pool.connect();
    try {
      await c.query("ANALYZE events");
      // On a table this small a sequential scan is cheapest; without it the block index must win.
      await c.query("SET enable_seqscan = off");
      const calls: { text: string; values?: unknown[] }[] = [];
      const spy = { query: (text: string, values?: unknown[]) => (calls.push({ text, values }), c.query(text, values)) } as unknown as pg.Pool;
      for (const run of [(q: EventQuery) => listEvents(spy, q), (q: EventQuery) => countEvents(spy, q)]) {
        calls.length = 0;
        await run(parse("q=zq-rare-marker-7731"));
        const last = calls[calls.length - 1];
        expect(last.text).toContain("search_block = ANY(");
        const plan = await c.query(`EXPLAIN (FORMAT JSON) ${last.text}`, last.values);
        expect(JSON.stringify(plan.rows[0]), last.text).toContain("events_search_block_idx");
      }
    } finally {
      await c.query("RESET enable_seqscan").catch(() => {});
      c.release();
    }
  });

  it("a term without letters is matched with LIKE (the same answer, no lowercasing); others with ILIKE", async () => {
    const sqlOf = async (qs: string) => {
      const texts: string[] = [];
      const spy = { query: (text: string, values?: unknown[]) => (texts.push(text), pool.query(text, values)) } as unknown as pg.Pool;
      await countEvents(spy, parse(qs));
      return texts[texts.length - 1];
    };
    for (const qs of ["q=198.51.100.7", "q=100%25", "q=408351722164", "q=198.51.*.7"]) {
      const text = await sqlOf(qs);
      expect(text, qs).toMatch(/ LIKE \$/);
      expect(text, qs).not.toContain("ILIKE");
    }
    for (const qs of ["q=AssumeRole", "q=i", "q=2026-11-11T06", "q=%C3%A9"]) expect(await sqlOf(qs), qs).toContain("ILIKE");
    // And the answers are the reference's (case-insensitive containment), narrowed or not.
    await expectSame("q=198.51.100.7");
    await expectSame("q=408351722164");
  });
});

describe("export", () => {
  const exportQuery = (qs: string) => parseEventQuery(new URLSearchParams(qs), { now: NOW });

  it("CSV by COPY equals the cursor path and the unnarrowed export, and holds the match", async () => {
    for (const [qs, expected] of [
      ["q=zq-rare-marker-7731", [id(S.rare)]],
      ["q=zz-unsketched-marker", [id(S.unsketched)]],
      [`q=zq-rare-marker-7731&q=${GENERATED[1234].requestID as string}`, [id(S.rare), id(GENERATED[1234])]],
      ["q=zz-nothing-matches-this-9q", []],
    ] as const) {
      const q = exportQuery(qs);
      expect((await withSearchBlocks(pool, q)).searchBlocks, qs).not.toBeNull();
      const copy = await readAll(exportStream(pool, q, "csv"));
      expect(await readAll(exportStream(pool, q, "csv", { via: "cursor" })), qs).toBe(copy);
      expect(await readAll(exportStream(pool, { ...q, searchBlocks: null }, "csv")), qs).toBe(copy);
      const lines = copy.split("\r\n").filter((l) => l !== "");
      expect(lines.length, qs).toBe(1 + expected.length);
      for (const e of expected) expect(copy, qs).toContain(e);
      const ndjson = await readAll(exportStream(pool, q, "ndjson"));
      expect(ndjson.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l).eventID).sort(), qs).toEqual([...expected].sort());
    }
  });
});

describe("free text in too many events: counts, facets and histogram search the newest events only, and say so", () => {
  const WINDOW = 500;
  const eventsSince = async (t: Date) => Number((await pool.query(`SELECT count(*) FROM events WHERE event_time >= $1`, [t])).rows[0].count);

  it("the window starts at the minute where the newest WINDOW events begin; rare terms and no q are not windowed", async () => {
    const common = await searchWindow(pool, await withSearchBlocks(pool, parse("q=AssumeRole")), WINDOW);
    expect(common.searchedFrom).toBeInstanceOf(Date);
    const cut = common.searchedFrom!;
    expect(cut.getTime() % 60_000).toBe(0);
    expect(common.from).toEqual(cut);
    expect(await eventsSince(cut)).toBeGreaterThanOrEqual(WINDOW);
    expect(await eventsSince(new Date(cut.getTime() + 60_000))).toBeLessThan(WINDOW);
    // A term without grams is windowed too (it cannot be narrowed).
    expect((await searchWindow(pool, await withSearchBlocks(pool, parse("q=kms")), WINDOW)).searchedFrom).toEqual(cut);
    // A rare term reads one or two blocks: searched everywhere.
    const rare = await searchWindow(pool, await withSearchBlocks(pool, parse("q=zq-rare-marker-7731")), WINDOW);
    expect(rare.searchedFrom).toBeUndefined();
    expect(rare.from).toBeUndefined();
    // No q, or a range that holds fewer events than the window: unchanged.
    expect((await searchWindow(pool, parse(""), WINDOW)).searchedFrom).toBeUndefined();
    const late = parse(`q=AssumeRole&from=${new Date(cut.getTime() + 60_000).toISOString()}`);
    expect((await searchWindow(pool, await withSearchBlocks(pool, late), WINDOW)).searchedFrom).toBeUndefined();
    // With the default window (100,000) nothing here is windowed.
    expect((await searchWindow(pool, await withSearchBlocks(pool, parse("q=AssumeRole")))).searchedFrom).toBeUndefined();
  });

  it("count, facets and histogram are exact over the window and carry its start; the list is not windowed", async () => {
    const q = parse("q=AssumeRole");
    const cut = (await searchWindow(pool, await withSearchBlocks(pool, q), WINDOW)).searchedFrom!;
    const inWindow = parse(`q=AssumeRole&from=${cut.toISOString()}`);
    const expectedCount = await countEvents(pool, inWindow);
    expect(expectedCount).toBeGreaterThan(0);
    expect(expectedCount).toBeLessThan(await countEvents(pool, q));

    expect(await matchCount(pool, q, 100_000, WINDOW)).toEqual({ value: expectedCount, exact: false, searchedFrom: cut });
    expect(await matchCount(pool, q, 100_000)).toEqual({ value: await countEvents(pool, q), exact: true });

    const facets = await facetCounts(pool, q, undefined, { searchWindow: WINDOW });
    const reference = await facetCounts(pool, inWindow);
    expect(facets.map(({ searchedFrom, ...f }) => f)).toEqual(reference);
    for (const f of facets) expect(f.searchedFrom).toBe(cut.toISOString());
    expect(facets.find((f) => f.field === "eventName")!.values.length).toBeGreaterThan(0);
    for (const f of await facetCounts(pool, q)) expect(f.searchedFrom).toBeUndefined();

    const h = (await histogram(pool, q, NOW, { searchWindow: WINDOW }))!;
    const full = (await histogram(pool, q, NOW))!;
    expect(h.searchedFrom).toBe(cut.getTime());
    expect(full.searchedFrom).toBeUndefined();
    // The same axis as the full answer (from the oldest event, no q needed), zeros before the cut,
    // the full answer's buckets from the first bucket wholly after it.
    expect([h.from, h.to, h.stepMs]).toEqual([full.from, full.to, full.stepMs]);
    for (const [i, b] of h.buckets.entries()) {
      if (b.t + h.stepMs <= cut.getTime()) expect(b.total, `bucket ${i}`).toBe(0);
      else if (b.t >= cut.getTime()) expect(b, `bucket ${i}`).toEqual(full.buckets[i]);
    }
    expect(h.buckets.reduce((n, b) => n + b.total, 0)).toBe(expectedCount);

    // The list still searches everything.
    expect((await listEvents(pool, { ...q, limit: 1000 })).events.length).toBe(Math.min(1000, await countEvents(pool, q)));
  });
});

// Last: it adds an event.
describe("probes are reused until a block is added", () => {
  it("a repeated q skips the probe; a new block (another commit) makes it probe again and find the new event", async () => {
    const probesRun: string[] = [];
    const spy = {
      query: (text: string, values?: unknown[]) => {
        if (text.includes("get_bit(")) probesRun.push(text);
        return pool.query(text, values);
      },
    } as unknown as pg.Pool;
    const q = parse("q=zz-late-marker-5150");
    expect((await withSearchBlocks(spy, q)).searchBlocks).toEqual([]);
    expect((await withSearchBlocks(spy, q)).searchBlocks).toEqual([]);
    expect(probesRun).toHaveLength(1);
    // Another commit adds a block holding the marker: the next probe must see it.
    const late = special("special-late", { note: "zz-late-marker-5150" });
    const n = normalizeRecord(late, {});
    if (!n.ok) throw new Error(n.reason);
    const sketch = new SketchBuilder();
    sketch.add(n.text);
    await new Loader(pool).commit({ rows: { lines: [encodeLine(n.line)], ids: [n.id], rollups: [n.rollup], sketches: sketch.finish() }, objects: [], cursors: [] });
    const again = await withSearchBlocks(spy, q);
    expect(probesRun).toHaveLength(2);
    expect(again.searchBlocks).toHaveLength(1);
    expect((await listEvents(spy, q)).events.map((e) => e.eventID)).toEqual(["special-late"]);
    expect(probesRun).toHaveLength(2); // listEvents reused the new probe
  });
});

// Last, after the block the test above adds: the blocks are grouped.
describe("grouped blocks (bit-sliced filters) give the candidates their own filters gave", () => {
  const g = GENERATED[1234];
  const TERMS = [
    "q=zq-rare-marker-7731",
    "q=UPPERCASE-MARKER-QX93",
    "q=istanbul-gate-9",
    "q=\u212aELVIN-\u212aASE",
    "q=aus Köln",
    "q=zz-late-marker-5150",
    `q=${g.requestID as string}`,
    `q=zq-rare-marker-7731&q=${g.requestID as string}`,
    `q=${GENERATED[2999].sourceIPAddress as string}`,
    "q=arn:aws:iam::*:role/",
    "q=AssumeRole",
    "q=no-such-thing-anywhere-qqzz",
  ];
  /** A new handle: probes are cached per handle, and these must run. */
  const fresh = () => {
    const p = new pg.Pool({ connectionString: tdb.url, max: 2 });
    p.on("error", () => {});
    return p;
  };
  /** Candidates of every term, unlimited share (so common terms are compared too). */
  async function candidates(db: pg.Pool) {
    const out: Record<string, number[] | null> = {};
    for (const qs of TERMS) out[qs] = (await withSearchBlocks(db, parse(qs), 1)).searchBlocks ?? null;
    return out;
  }

  it("groups of 8, then of 2 by two callers at once; every answer unchanged; a group of another format is all candidates", async () => {
    const before = fresh();
    const expected = await candidates(before);
    await before.end();
    expect(expected["q=AssumeRole"]!.length).toBeGreaterThan(20);
    expect(expected["q=no-such-thing-anywhere-qqzz"]).toEqual([]);

    // 30 blocks: 3 groups of 8, and 6 left with their own filters.
    const vacuums = async () => Number((await pool.query(`SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'search_blocks'`)).rows[0].vacuum_count);
    const vacuumed = await vacuums();
    expect(await groupSearchBlocks(pool, { groupBlocks: 8 })).toBe(3);
    // The grouped blocks' own filters are dead rows now: vacuumed, so the next filters reuse the space.
    expect(await vacuums()).toBe(vacuumed + 1);
    expect(await groupSearchBlocks(pool, { groupBlocks: 8 })).toBe(0);
    expect(await vacuums()).toBe(vacuumed + 1);
    const state = async () =>
      (
        await pool.query(
          `SELECT count(*) FILTER (WHERE group_id IS NULL)::int AS open, count(*) FILTER (WHERE bloom IS NULL)::int AS dropped,
                  (SELECT count(*)::int FROM search_groups) AS groups,
                  (SELECT count(*) - count(DISTINCT x) FROM search_groups, unnest(blocks) AS x)::int AS twice,
                  count(*) FILTER (WHERE group_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM search_groups s WHERE s.id = group_id AND b.id = ANY (s.blocks)))::int AS misfiled
             FROM search_blocks b`,
        )
      ).rows[0];
    expect(await state()).toEqual({ open: 6, dropped: 24, groups: 3, twice: 0, misfiled: 0 });
    // Slots in id order.
    const groups = (await pool.query(`SELECT blocks FROM search_groups ORDER BY id`)).rows.map((r) => r.blocks as number[]);
    expect(groups.flat()).toEqual([...groups.flat()].sort((a, b) => a - b));

    const mixed = fresh();
    try {
      expect(await candidates(mixed)).toEqual(expected);
    } finally {
      await mixed.end();
    }

    // Two callers at once: one takes the lock, the other leaves (or they take turns); 3 more groups in all.
    const made = await Promise.all([groupSearchBlocks(pool, { groupBlocks: 2 }), groupSearchBlocks(pool, { groupBlocks: 2 })]);
    expect(made[0] + made[1]).toBe(3);
    expect(await state()).toEqual({ open: 0, dropped: 30, groups: 6, twice: 0, misfiled: 0 });

    const grouped = fresh();
    try {
      expect(await candidates(grouped)).toEqual(expected);
      // Lists, counts and exports through grouped filters equal the unnarrowed answers and the reference.
      const shared = pool;
      pool = grouped;
      try {
        // (Not the late marker: the reference holds only the records of beforeAll.)
        for (const qs of TERMS.slice(0, 9)) if (!qs.includes("late")) await expectSame(qs);
      } finally {
        pool = shared;
      }
      // A group written in another format cannot be probed: all its blocks are candidates.
      const first = groups[0];
      await pool.query(`UPDATE search_groups SET format = format + 100 WHERE blocks = $1::int[]`, [first]);
      const again = fresh();
      try {
        const r = await withSearchBlocks(again, parse("q=no-such-thing-anywhere-qqzz"), 1);
        expect(r.searchBlocks).toEqual(first);
      } finally {
        await again.end();
        await pool.query(`UPDATE search_groups SET format = format - 100 WHERE blocks = $1::int[]`, [first]);
      }
    } finally {
      await grouped.end();
    }
  });

  it("the probe reads a group's words, not the whole 32 MiB value", async () => {
    // Each word read is one TOAST chunk: a rare term's probe reads a few per group, far below the
    // ~16,800 chunks a group's value has. Counted by this backend's own transaction counters, so no
    // other connection's reads (or their statistics arriving late) are in the figure.
    const c = await pool.connect();
    try {
      await c.query("BEGIN");
      const toast = `(SELECT reltoastrelid FROM pg_class WHERE relname = 'search_groups')`;
      const pages = async () => Number((await c.query(`SELECT pg_stat_get_xact_blocks_fetched(${toast}) AS n`)).rows[0].n);
      const before = await pages();
      // A new client object: probes are cached per handle, and this one must run.
      const r = await withSearchBlocks(c, parse("q=zq-rare-marker-7731"), 1);
      expect(r.searchBlocks).toContain(BLOCK_OF.get(id(S.rare)));
      const read = (await pages()) - before;
      const groups = Number((await c.query(`SELECT count(*) AS n FROM search_groups`)).rows[0].n);
      expect(groups).toBeGreaterThan(3);
      expect(read).toBeGreaterThan(0);
      expect(read).toBeLessThan(groups * 32);
      await c.query("COMMIT");
    } finally {
      c.release();
    }
  });
});

// Last: it rewrites the groups of the test above.
describe("filters of an older format are rebuilt from the stored text", () => {
  it("an old group is dissolved, its blocks rebuilt to the same candidates, then grouped again", async () => {
    const terms = ["q=zq-rare-marker-7731", "q=istanbul-gate-9", `q=${GENERATED[1234].requestID as string}`, `q=${GENERATED[2999].sourceIPAddress as string}`, "q=AssumeRole"];
    const probeAll = async () => {
      const p = new pg.Pool({ connectionString: tdb.url, max: 2 });
      p.on("error", () => {});
      try {
        const out: Record<string, number[] | null> = {};
        for (const qs of terms) out[qs] = (await withSearchBlocks(p, parse(qs), 1)).searchBlocks ?? null;
        return out;
      } finally {
        await p.end();
      }
    };
    const expected = await probeAll();
    // As an older release would have left them: one group and its blocks in format 1.
    const old = (await pool.query(`SELECT id, blocks FROM search_groups ORDER BY id LIMIT 1`)).rows[0] as { id: number; blocks: number[] };
    await pool.query(`UPDATE search_groups SET format = 1 WHERE id = $1`, [old.id]);
    await pool.query(`UPDATE search_blocks SET format = 1 WHERE group_id = $1`, [old.id]);
    const damaged = await probeAll();
    for (const qs of terms.slice(0, 4)) expect(damaged[qs], qs).toEqual(expect.arrayContaining(old.blocks));

    const messages: string[] = [];
    expect(await resketchBlocks(pool, { log: (m) => messages.push(m) })).toBe(old.blocks.length);
    expect(messages.join("\n")).toMatch(/rebuilding 8 search filters/);
    expect(await resketchBlocks(pool)).toBe(0);
    const state = (
      await pool.query(
        `SELECT (SELECT count(*)::int FROM search_groups WHERE id = $1) AS group_left,
                count(*) FILTER (WHERE format <> $2)::int AS old, count(*) FILTER (WHERE group_id IS NULL AND bloom IS NOT NULL)::int AS open
           FROM search_blocks`,
        [old.id, SKETCH_FORMAT],
      )
    ).rows[0];
    expect(state).toEqual({ group_left: 0, old: 0, open: old.blocks.length });
    expect(await probeAll()).toEqual(expected);

    // And the rebuilt blocks group again, still with the same candidates.
    expect(await groupSearchBlocks(pool, { groupBlocks: 8 })).toBe(1);
    expect(await probeAll()).toEqual(expected);
  });

  it("a block of more events than a block now holds is split in time order; a query probed before the split still finds the moved events", async () => {
    // Four blocks of 100 merged into one block of 400 in an older format, as format 2 (1,024 a
    // block) left them; BLOCK_EVENTS is now smaller.
    expect(BLOCK_EVENTS).toBeLessThan(400);
    const first = (await pool.query(`SELECT id FROM search_blocks WHERE events = ${BLOCK} ORDER BY id`)).rows.map((r) => r.id as number);
    const at = Math.min(first.indexOf(BLOCK_OF.get(id(S.rare))!), first.length - 4);
    expect(at).toBeGreaterThanOrEqual(0);
    const merged = first.slice(at, at + 4);
    const [keep, ...gone] = merged;
    await pool.query(`UPDATE events SET search_block = $1 WHERE search_block = ANY($2::int[])`, [keep, gone]);
    await pool.query(`DELETE FROM search_blocks WHERE id = ANY($1::int[])`, [gone]);
    await pool.query(
      `UPDATE search_groups SET format = 2 WHERE id IN (SELECT group_id FROM search_blocks WHERE id = $1);
       UPDATE search_blocks SET format = 2 WHERE group_id IN (SELECT group_id FROM search_blocks WHERE id = $1) OR id = $1;`.replace(/\$1/g, String(keep)),
    );
    await pool.query(
      `UPDATE search_blocks SET events = 400, first_time = t.lo, last_time = t.hi
         FROM (SELECT min(event_time) AS lo, max(event_time) AS hi FROM events WHERE search_block = $1) AS t WHERE id = $1`,
      [keep],
    );
    const movedIds = (await pool.query(`SELECT id FROM events WHERE search_block = $1`, [keep])).rows.map((r) => r.id as string);
    expect(movedIds).toHaveLength(400);
    expect(movedIds).toContain(id(S.rare));

    // Probed now, run after the split: its candidates name the old block, whose events move.
    const before = new pg.Pool({ connectionString: tdb.url, max: 2 });
    before.on("error", () => {});
    const stale = await withSearchBlocks(before, parse("q=zq-rare-marker-7731"), 1);
    await before.end();
    expect(stale.searchBlocks).toContain(keep);

    expect(await resketchBlocks(pool)).toBeGreaterThan(0);
    const parts = (
      await pool.query(
        `SELECT b.id, b.events, b.format, b.first_time, b.last_time, count(e.id)::int AS stored, min(e.event_time) AS lo, max(e.event_time) AS hi
           FROM search_blocks b JOIN events e ON e.search_block = b.id WHERE e.id = ANY($1::text[]) GROUP BY b.id ORDER BY b.id`,
        [movedIds],
      )
    ).rows;
    expect(await pool.query(`SELECT 1 FROM search_blocks WHERE id = $1`, [keep]).then((r) => r.rowCount)).toBe(0);
    expect(parts.map((p) => [p.events, p.stored, p.format])).toEqual([
      [BLOCK_EVENTS, BLOCK_EVENTS, SKETCH_FORMAT],
      [400 - BLOCK_EVENTS, 400 - BLOCK_EVENTS, SKETCH_FORMAT],
    ]);
    expect(parts[0].id).toBeGreaterThan(stale.searchMax!);
    // In time order, and each span covers its events.
    expect(parts[0].hi.getTime()).toBeLessThanOrEqual(parts[1].lo.getTime());
    for (const p of parts) expect(p.first_time <= p.lo && p.hi <= p.last_time, `span of block ${p.id}`).toBe(true);
    expect(Number((await pool.query(`SELECT count(*) AS n FROM search_blocks WHERE format <> $1`, [SKETCH_FORMAT])).rows[0].n)).toBe(0);
    // With no older block left, no split can happen: a new probe adds no range of later blocks.
    const after = new pg.Pool({ connectionString: tdb.url, max: 2 });
    after.on("error", () => {});
    expect((await withSearchBlocks(after, parse("q=zq-rare-marker-7731"), 1)).searchMax).toBeUndefined();
    await after.end();

    // The query probed before the split: its old candidate is empty now, the moved events are
    // in blocks above its probe, and it still finds the match.
    expect((await listEvents(pool, stale)).events.map((e) => e.eventID)).toEqual([id(S.rare)]);
    expect(await countEvents(pool, stale)).toBe(1);

    // Probed afresh, narrowed answers equal full scans and the reference; the new blocks are candidates.
    const { rows } = await pool.query(`SELECT id, search_block FROM events`);
    for (const r of rows) BLOCK_OF.set(r.id as string, r.search_block as number | null);
    for (const qs of ["q=zq-rare-marker-7731", "q=UPPERCASE-MARKER-QX93", `q=${GENERATED[at * BLOCK + 150].requestID as string}`, "q=AssumeRole"]) {
      const fresh = new pg.Pool({ connectionString: tdb.url, max: 2 });
      fresh.on("error", () => {});
      const shared = pool;
      pool = fresh;
      try {
        await expectSame(qs);
      } finally {
        pool = shared;
        await fresh.end();
      }
    }
  });
});

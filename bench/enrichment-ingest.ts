// What enrichment at ingest (lib/enrich) costs a sync: run this file from two checkouts — one with
// enrichment, one from before it — against the same corpus, alternating, and compare. Each run:
// a fresh database, migrations, one folder sync of the corpus (decode workers as `npm run sync`
// uses them), wall time of runSync. Usage:
//   npx tsx bench/enrichment-ingest.ts write <dir> [events]     # the corpus (demo generator), once
//   npx tsx bench/enrichment-ingest.ts sync <dir>               # prints {"events":…, "ms":…}
//   npx tsx bench/enrichment-ingest.ts indexes <dir> [rounds]   # COPY with and without the class indexes
import { mkdir } from "node:fs/promises";
import { writeAwsLogsCorpus } from "../lib/demo/corpus";
import { runSync } from "../lib/ingest/engine";
import { parseSource } from "../lib/ingest/sources";
import { openDb } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { createTestDatabase } from "../test/helpers/pg";

const [cmd, dir, n] = process.argv.slice(2);
if (cmd === "write") {
  await mkdir(dir, { recursive: true });
  const end = new Date("2026-11-20T00:00:00Z");
  const r = await writeAwsLogsCorpus(dir, { count: Number(n ?? 100_000), seed: 7, start: new Date(end.getTime() - 7 * 86400e3), end, digests: false });
  console.log(JSON.stringify(r));
} else if (cmd === "sync") {
  const tdb = await createTestDatabase("ts_bench_enrich");
  try {
    await migrate(tdb.url);
    const db = openDb(tdb.url, { max: 4 });
    try {
      const t = performance.now();
      const s = await runSync(db, parseSource(dir), { log: () => {} });
      console.log(JSON.stringify({ events: s.eventsNew, ms: Math.round(performance.now() - t) }));
    } finally {
      await db.close();
    }
  } finally {
    await tdb.drop();
  }
} else if (cmd === "indexes") {
  // The database side alone: COPY of the corpus's rows (enrichment columns filled) into `events`
  // with the two class indexes and without, alternating, several rounds.
  const { readdirSync, readFileSync, statSync } = await import("node:fs");
  const { gunzipSync } = await import("node:zlib");
  const { normalizeRecord, COPY_COLUMNS } = await import("../lib/ingest/normalize");
  const { ENRICHMENT_INDEXES } = await import("../lib/enrich/backfill");
  const { from: copyFrom } = await import("pg-copy-streams");
  const files: string[] = [];
  const walk = (d: string) => readdirSync(d).forEach((f) => (statSync(`${d}/${f}`).isDirectory() ? walk(`${d}/${f}`) : f.endsWith(".json.gz") && files.push(`${d}/${f}`)));
  walk(dir);
  const lines: string[] = [];
  for (const f of files) for (const r of JSON.parse(gunzipSync(readFileSync(f)).toString()).Records ?? []) {
    const n = normalizeRecord(r, {});
    if (n.ok) lines.push(n.line);
  }
  const body = Buffer.from(lines.join(""));
  const tdb = await createTestDatabase("ts_bench_enrich_ix");
  const db = openDb(tdb.url, { max: 2 });
  try {
    await migrate(tdb.url);
    const copy = async () => {
      const c = await db.pool.connect();
      try {
        await c.query("TRUNCATE events");
        const t = performance.now();
        await new Promise<void>((resolve, reject) => {
          const s = c.query(copyFrom(`COPY events (${COPY_COLUMNS.map((x) => `"${x}"`).join(", ")}) FROM STDIN`));
          s.on("error", reject);
          s.on("finish", () => resolve());
          s.end(body);
        });
        return performance.now() - t;
      } finally {
        c.release();
      }
    };
    for (let round = 0; round < Number(n ?? 4); round++) {
      // Which goes first alternates, so a warmer cache favours neither.
      const drop = async () => { for (const ix of ENRICHMENT_INDEXES) await db.pool.query(`DROP INDEX "${ix.name}"`); };
      const create = async () => { for (const ix of ENRICHMENT_INDEXES) await db.pool.query(`CREATE INDEX "${ix.name}" ${ix.sql}`); };
      let withIx: number, without: number;
      if (round % 2 === 0) {
        withIx = await copy();
        await drop();
        without = await copy();
        await create();
      } else {
        await drop();
        without = await copy();
        await create();
        withIx = await copy();
      }
      console.log(JSON.stringify({ rows: lines.length, withIndexesMs: Math.round(withIx), withoutMs: Math.round(without), extraUsPerRow: Number((((withIx - without) * 1000) / lines.length).toFixed(1)) }));
    }
  } finally {
    await db.close();
    await tdb.drop();
  }
} else {
  console.error("usage: enrichment-ingest.ts write <dir> [events] | sync <dir> | indexes <dir> [rounds]");
  process.exit(2);
}

// What enrichment at ingest (lib/enrich) costs a sync: run this file from two checkouts — one with
// enrichment, one from before it — against the same corpus, alternating, and compare. Each run:
// a fresh database, migrations, one folder sync of the corpus (decode workers as `npm run sync`
// uses them), wall time of runSync. Usage:
//   npx tsx bench/enrichment-ingest.ts write <dir> [events]     # the corpus (demo generator), once
//   npx tsx bench/enrichment-ingest.ts sync <dir>               # prints {"events":…, "ms":…}
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
} else {
  console.error("usage: enrichment-ingest.ts write <dir> [events] | sync <dir>");
  process.exit(2);
}

// `npm run sync -- <source>…`: one-shot sync with progress on stderr and a summary per source.
// Exit 0 when every source was read (bad files are reported, not fatal); 1 on a fatal error.
import { runSync, formatSummary } from "../lib/ingest/engine";
import { stderrRenderer } from "../lib/ingest/progress";
import { parseSource } from "../lib/ingest/sources";
import { exitWith, sendQueuedAlerts, withDatabase } from "./cli";

async function main(): Promise<number> {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  if (args.length === 0 || args.includes("--help")) {
    process.stderr.write(
      "usage: npm run sync -- <source>…\n  <path> | file:<path>   a folder, log file or .tar/.tar.gz\n  s3://bucket[/prefix][?region=…&forcePathStyle=true]\n  lookup://<region>[?profile=…&since=now-7d]\n",
    );
    return args.length === 0 ? 2 : 0;
  }
  const plugins = args.map((a) => parseSource(a)); // bad URIs fail before any work starts
  return withDatabase(async (db, signal) => {
    let code = 0;
    for (const plugin of plugins) {
      const summary = await runSync(db, plugin, {
        renderer: stderrRenderer(),
        signal,
        // Tuning knob (and lets tests make a small corpus span many transactions).
        batchRows: Number(process.env.TRAILSCOPE_SYNC_BATCH_ROWS) || undefined,
        groupBlocks: Number(process.env.TRAILSCOPE_SEARCH_GROUP_BLOCKS) || undefined,
      });
      process.stderr.write(formatSummary(summary) + "\n");
      if (!summary.ok) code = 1;
    }
    await sendQueuedAlerts(db);
    return code;
  });
}

exitWith(main, "sync", 1);

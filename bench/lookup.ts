// Stage 2: LookupEvents sync (the real source, SDK and engine, in process) against the wire-level
// peer enforcing CloudTrail's 2 requests/s. The peer's cap is 2 × 50 = 100 events/s; the figure
// is stored events / wall seconds of runSync, and every request the peer did not answer with
// events (throttled or failed) is counted.
import { generateRecords } from "../lib/demo/generate";
import type * as Engine from "../lib/ingest/engine";
import type * as Sources from "../lib/ingest/sources";
import type * as Store from "../lib/store/db";
import type * as Migrate from "../lib/store/migrate";
import type * as Peer from "../test/peers/lookup-peer";
import { createDb, dropDb, withClient } from "./pg";
import { load } from "./src";
import { log, median } from "./stats";

export const LOOKUP_TPS = 2;
export const LOOKUP_PAGE = 50;
export const LOOKUP_CAP = LOOKUP_TPS * LOOKUP_PAGE;

export interface LookupRun {
  ms: number;
  stored: number;
  served: number;
  requests: number;
  okCalls: number;
  throttled: number;
  failed: number;
  ok: boolean;
  error?: string;
  eventsPerSecond: number;
}

export interface LookupResult {
  events: number;
  reps: number;
  runs: LookupRun[];
  eventsPerSecond: number;
  cap: number;
  throttled: number;
  failed: number;
}

export async function benchLookup(reps: number, runId: string, count = 4200): Promise<LookupResult> {
  const { runSync } = await load<typeof Engine>("lib/ingest/engine.ts");
  const { parseSource } = await load<typeof Sources>("lib/ingest/sources/index.ts");
  const { openDb } = await load<typeof Store>("lib/store/db.ts");
  const { migrate } = await load<typeof Migrate>("lib/store/migrate.ts");
  const { startLookupPeer } = await load<typeof Peer>("test/peers/lookup-peer.ts");
  const peer = await startLookupPeer({ tps: LOOKUP_TPS });
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_CLOUDTRAIL: peer.url,
    AWS_ACCESS_KEY_ID: "AKIDBENCHLOOKUP",
    AWS_SECRET_ACCESS_KEY: "bench-secret",
    AWS_REGION: "us-east-1",
  });
  delete process.env.AWS_PROFILE;
  const runs: LookupRun[] = [];
  try {
    for (let rep = 1; rep <= reps; rep++) {
      const end = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
      const start = new Date(end.getTime() - 86400e3);
      // Deterministic content over the last day (~70% management events: ~3,000 served); copies,
      // because the generator shares nested objects.
      const records = [...generateRecords({ count, seed: 7, start, end, regions: ["us-east-1"], insights: false, story: false })].map(
        (r) => JSON.parse(JSON.stringify(r)) as object,
      );
      peer.setEvents("us-east-1", records);
      peer.stats.requests = 0;
      peer.stats.throttled = 0;
      peer.stats.calls.length = 0;
      const name = `tsbench_lookup_${runId}_${rep}`;
      const url = await createDb(name);
      await migrate(url);
      const db = openDb(url, { max: 4 });
      let run: LookupRun;
      try {
        const t = performance.now();
        const s = await runSync(db, parseSource("lookup://us-east-1?insights=false&since=now-2d"), { log: () => {} });
        const ms = performance.now() - t;
        const stored = await withClient(url, async (c) => Number((await c.query(`SELECT count(*)::bigint AS n FROM events`)).rows[0].n));
        const served = peer.stats.calls.reduce((a, c) => a + c.count, 0);
        run = {
          ms,
          stored,
          served,
          requests: peer.stats.requests,
          okCalls: peer.stats.calls.length,
          throttled: peer.stats.throttled,
          failed: peer.stats.requests - peer.stats.calls.length,
          ok: s.ok,
          error: s.error,
          eventsPerSecond: (stored * 1000) / ms,
        };
      } finally {
        await db.close();
        await dropDb(name);
      }
      runs.push(run);
      log(
        `lookup rep ${rep}/${reps}: ${run.stored} events in ${(run.ms / 1000).toFixed(1)} s = ${run.eventsPerSecond.toFixed(1)}/s (cap ${LOOKUP_CAP}/s); ${run.requests} requests, ${run.throttled} throttled, ${run.failed} failed${run.ok ? "" : `; sync not ok: ${run.error}`}`,
      );
    }
  } finally {
    await peer.close();
    for (const k of ["AWS_ENDPOINT_URL_CLOUDTRAIL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_PROFILE"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
  return {
    events: runs[0]?.stored ?? 0,
    reps,
    runs,
    eventsPerSecond: median(runs.map((r) => r.eventsPerSecond)),
    cap: LOOKUP_CAP,
    throttled: runs.reduce((a, r) => a + r.throttled, 0),
    failed: runs.reduce((a, r) => a + r.failed, 0),
  };
}

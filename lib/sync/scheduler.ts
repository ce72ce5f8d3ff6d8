// Background sync for `npm start`: every interval, each configured source in turn. A failing
// source is recorded (sync_runs) and retried next round; it never stops the others or the server.
import { runSync, formatSummary } from "../ingest/engine";
import { parseSource } from "../ingest/sources";
import type { Db } from "../store/db";

export function startScheduler(db: Db, uris: string[], intervalMs: number, log = (m: string) => console.error(m)) {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const round = async () => {
    for (const uri of uris) {
      if (controller.signal.aborted) return;
      try {
        const summary = await runSync(db, parseSource(uri), { signal: controller.signal, log });
        log(formatSummary(summary));
      } catch (err) {
        log(`background sync of ${uri} failed: ${(err as Error).message}`);
      }
    }
  };
  const tick = () => {
    running = round().finally(() => {
      if (!controller.signal.aborted) timer = setTimeout(tick, intervalMs);
    });
  };
  if (uris.length) {
    log(`trailscope: syncing ${uris.join(", ")} every ${Math.round(intervalMs / 1000)} s`);
    tick();
  }
  return {
    async stop() {
      controller.abort();
      clearTimeout(timer);
      await running.catch(() => {});
    },
  };
}

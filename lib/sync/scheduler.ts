// Background sync for `npm start`: TRAILSCOPE_SOURCES and the sources admins added in the console
// (lib/sync/sources-store.ts), one run at a time. The console's sources are read again every couple
// of seconds, so one added there is synced without a restart, a paused or removed one is no longer
// started (a run in progress finishes), and "Sync now" is picked up within that poll. Each source
// is run again TRAILSCOPE_SYNC_INTERVAL after its previous run ended; the one waiting longest goes
// first, a requested "Sync now" before all. A failing source is recorded (sync_runs) and retried
// next time; it never stops the others or the server. "Validate again" requests from the
// Integrity page (lib/integrity/requests.ts) run between syncs, before anything else. Beside the
// syncs, alert deliveries queued after each sync are sent (and retried) every poll (lib/alerts).
import { runSync, formatSummary } from "../ingest/engine";
import { parseSource } from "../ingest/sources";
import type { Db } from "../store/db";
import { consoleSources, environmentSources } from "./sources-store";
import { finishRequest, resetStartedRequests, takeRequest } from "../integrity/requests";
import { dispatchLoop } from "../alerts/dispatch";

export interface SchedulerOptions {
  /** How often the console's sources are looked at while nothing is due (ms). */
  pollMs?: number;
}

interface Scheduled {
  source: string;
  uri: string;
  syncRequestedAt: Date | null;
}

interface LastRun {
  startedAt: number;
  finishedAt: number;
}

const DEFAULT_POLL_MS = 2000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => (clearTimeout(t), signal.removeEventListener("abort", done), resolve());
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

export function startScheduler(db: Db, uris: string[], intervalMs: number, log = (m: string) => console.error(m), opts: SchedulerOptions = {}) {
  const pollMs = Math.max(10, opts.pollMs ?? DEFAULT_POLL_MS);
  const controller = new AbortController();
  const signal = controller.signal;
  // The environment's sources are fixed for the life of the process; parse them once.
  const fromEnv: Scheduled[] = environmentSources({ TRAILSCOPE_SOURCES: uris.join(" ") }).map((s, i) => ({ source: s.source, uri: uris[i], syncRequestedAt: null }));
  const envIds = new Set(fromEnv.map((s) => s.source));
  const last = new Map<string, LastRun>();
  let unreadable = false;

  const scheduled = async (): Promise<Scheduled[]> => {
    const added = (await consoleSources(db, { paused: false })).filter((s) => !envIds.has(s.source));
    return [...fromEnv, ...added.map((s) => ({ source: s.source, uri: s.uri, syncRequestedAt: s.syncRequestedAt }))];
  };

  /** The source to run now (a requested one first, then the one waiting longest), or how long to wait. */
  const pick = (sources: Scheduled[], now: number): { next?: Scheduled; waitMs: number } => {
    const requested = sources.find((s) => s.syncRequestedAt && s.syncRequestedAt.getTime() > (last.get(s.source)?.startedAt ?? -Infinity));
    if (requested) return { next: requested, waitMs: 0 };
    let next: Scheduled | undefined;
    let waitMs = pollMs;
    for (const s of sources) {
      const l = last.get(s.source);
      const dueIn = l ? l.finishedAt + intervalMs - now : -Infinity;
      if (dueIn <= 0) {
        if (!next || (last.get(next.source)?.finishedAt ?? -Infinity) > (l?.finishedAt ?? -Infinity)) next = s;
      } else waitMs = Math.min(waitMs, dueIn);
    }
    return next ? { next, waitMs: 0 } : { waitMs };
  };

  const runOne = async (s: Scheduled) => {
    const startedAt = Date.now();
    try {
      const summary = await runSync(db, parseSource(s.uri), { signal, log });
      log(formatSummary(summary));
    } catch (err) {
      if (!signal.aborted) log(`background sync of ${s.uri} failed: ${(err as Error).message}`);
    }
    last.set(s.source, { startedAt, finishedAt: Date.now() });
  };

  /** Runs the oldest "Validate again" request, if any; whether there was one. */
  const runRequest = async (): Promise<boolean> => {
    const req = await takeRequest(db).catch(() => null);
    if (!req) return false;
    let error: string | null = null;
    try {
      const summary = await runSync(db, parseSource(req.uri), { signal, log, reread: true });
      log(formatSummary(summary));
      error = summary.integrityError ?? (summary.integrity ? null : (summary.error ?? "nothing to validate"));
    } catch (err) {
      error = (err as Error).message;
      if (!signal.aborted) log(`validation of ${req.uri} failed: ${error}`);
    }
    await finishRequest(db, req.id, error).catch((err: Error) => log(`could not record the end of a validation: ${err.message}`));
    return true;
  };

  const loop = async () => {
    await resetStartedRequests(db).catch(() => {});
    while (!signal.aborted) {
      if (await runRequest()) continue;
      let sources: Scheduled[];
      try {
        sources = await scheduled();
        if (unreadable) log("trailscope: the console's sources can be read again");
        unreadable = false;
      } catch (err) {
        // The database may be restarting: keep going with what the environment names.
        if (!unreadable) log(`trailscope: could not read the console's sources (${(err as Error).message}); retrying`);
        unreadable = true;
        sources = fromEnv;
      }
      const { next, waitMs } = pick(sources, Date.now());
      if (next) await runOne(next);
      else await sleep(Math.max(10, Math.min(waitMs, pollMs)), signal);
    }
  };

  if (uris.length) log(`trailscope: syncing ${uris.join(", ")} every ${Math.round(intervalMs / 1000)} s`);
  const running = loop();
  // Its own loop: a long sync must not hold back the retries of alerts queued before it.
  const dispatching = dispatchLoop(db, signal, { pollMs, log });
  return {
    async stop() {
      controller.abort();
      await running.catch(() => {});
      await dispatching.catch(() => {});
    },
  };
}

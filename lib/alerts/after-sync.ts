// The engine's one call after a sync (lib/ingest/engine.ts): evaluate the watches. It never fails
// the sync: a problem is logged and returned for the summary (and a watch's own problem is kept on
// the watch, last_error, for the Alerts page).
import type { Db } from "../store/db";
import { evaluateWatches } from "./evaluate";

export interface AlertsAfterSync {
  watches: number;
  alerts: number;
  error?: string;
}

export async function alertsAfterSync(db: Db, log: (m: string) => void): Promise<AlertsAfterSync> {
  try {
    const s = await evaluateWatches(db, { log });
    return { watches: s.watches, alerts: s.alerts, ...(s.problems.length ? { error: `${s.problems.length} watch(es) not evaluated` } : {}) };
  } catch (err) {
    const error = (err as Error).message;
    log(`alerts not evaluated: ${error}`);
    return { watches: 0, alerts: 0, error };
  }
}

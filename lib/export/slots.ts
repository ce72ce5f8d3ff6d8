// A cap on concurrent exports per key (a user, a token, a share link). An export holds a pool
// connection for as long as its client reads, so without a cap one user opening exports (or one
// slow reader retrying) takes every connection and every page of everyone waits.
// Per process: the console is one Next server. Kept on globalThis, like getDb's handle, so every
// bundle of the server that imports this module counts in the same map.

const shared = globalThis as unknown as { trailscopeExportSlots?: Map<string, number> };
const running = (shared.trailscopeExportSlots ??= new Map<string, number>());

/** TRAILSCOPE_MAX_EXPORTS_PER_USER (a whole number ≥ 1; default 2). Invalid values throw, naming the variable. */
export function maxExportsPerKey(env: Record<string, string | undefined> = process.env): number {
  const raw = (env.TRAILSCOPE_MAX_EXPORTS_PER_USER ?? "2").trim();
  if (!/^[1-9]\d{0,5}$/.test(raw)) throw new Error(`TRAILSCOPE_MAX_EXPORTS_PER_USER: "${raw}" is not a whole number of at least 1`);
  return Number(raw);
}

/**
 * Takes one of `key`'s export slots: the release function (safe to call more than once; only
 * the first call counts), or null when `key` already runs `max` exports (answer 429).
 */
export function acquireExportSlot(key: string, max = maxExportsPerKey()): (() => void) | null {
  const n = running.get(key) ?? 0;
  if (n >= max) return null;
  running.set(key, n + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (running.get(key) ?? 1) - 1;
    if (left > 0) running.set(key, left);
    else running.delete(key);
  };
}

/** Exports running for `key` now. */
export function exportsRunning(key: string): number {
  return running.get(key) ?? 0;
}

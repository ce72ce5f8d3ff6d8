// Background sync settings: TRAILSCOPE_SOURCES (whitespace-separated source URIs) every
// TRAILSCOPE_SYNC_INTERVAL (e.g. 90s, 5m, 1h; default 5m).
export function configuredSources(env: Record<string, string | undefined> = process.env): string[] {
  return (env.TRAILSCOPE_SOURCES ?? "").split(/\s+/).filter(Boolean);
}

export function syncIntervalMs(env: Record<string, string | undefined> = process.env): number {
  return Math.max(1000, parseDuration("TRAILSCOPE_SYNC_INTERVAL", env.TRAILSCOPE_SYNC_INTERVAL ?? "5m"));
}

/** A duration setting such as 500ms, 90s, 5m, 1h (a bare number is seconds) in milliseconds. */
export function parseDuration(name: string, value: string): number {
  const raw = value.trim();
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(raw);
  if (!m) throw new Error(`${name}: "${raw}" is not a duration like 90s, 5m or 1h`);
  const unit = { ms: 1, s: 1e3, m: 60e3, h: 3600e3 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return Number(m[1]) * unit;
}

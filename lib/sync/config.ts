// Background sync settings: TRAILSCOPE_SOURCES (whitespace-separated source URIs) every
// TRAILSCOPE_SYNC_INTERVAL (e.g. 90s, 5m, 1h; default 5m).
export function configuredSources(env = process.env): string[] {
  return (env.TRAILSCOPE_SOURCES ?? "").split(/\s+/).filter(Boolean);
}

export function syncIntervalMs(env = process.env): number {
  const raw = (env.TRAILSCOPE_SYNC_INTERVAL ?? "5m").trim();
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(raw);
  if (!m) throw new Error(`TRAILSCOPE_SYNC_INTERVAL: "${raw}" is not a duration like 90s, 5m or 1h`);
  const unit = { ms: 1, s: 1e3, m: 60e3, h: 3600e3 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return Math.max(1000, Number(m[1]) * unit);
}

/** The canonical id a source URI runs under (what sync_runs records), or the URI if it is invalid. */
export async function sourceIdOf(uri: string): Promise<string> {
  const { parseSource } = await import("../ingest/sources");
  try {
    return parseSource(uri).id;
  } catch {
    return uri;
  }
}

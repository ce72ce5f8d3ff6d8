// Ages and lags in words ("3 hours ago", "2 days"), through Intl rather than hand-made plurals.
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The unit a span reads best in: minutes under an hour, hours under two days, then days. */
function unitOf(ms: number): [number, "minute" | "hour" | "day"] {
  if (ms < HOUR) return [Math.round(ms / MINUTE), "minute"];
  if (ms < 2 * DAY) return [Math.round(ms / HOUR), "hour"];
  return [Math.round(ms / DAY), "day"];
}

/** 5_400_000 → "2 hours" (rounded to the unit it reads best in). */
export function spanWords(ms: number): string {
  const [n, unit] = unitOf(Math.max(0, ms));
  return new Intl.NumberFormat("en-US", { style: "unit", unit, unitDisplay: "long" }).format(n);
}

/** How long ago an instant was: "just now" under a minute, else "3 hours ago"; future: "in 2 minutes". */
export function agoWords(ms: number): string {
  if (Math.abs(ms) < MINUTE) return "just now";
  const [n, unit] = unitOf(Math.abs(ms));
  return new Intl.RelativeTimeFormat("en-US", { numeric: "always" }).format(ms >= 0 ? -n : n, unit);
}

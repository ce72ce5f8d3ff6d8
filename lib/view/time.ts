// Time on screen and in URLs. Times are shown in UTC by default (CloudTrail's own zone, and what
// colleagues in other zones see in a shared link); `tz=local` shows the browser's zone instead.
import type { TimeZoneMode } from "./viewParams";

export interface RangePreset {
  label: string;
  /** Value of `from` (relative, CONTRACT.md); null = all time. */
  from: string | null;
  title: string;
}

export const RANGE_PRESETS: readonly RangePreset[] = [
  { label: "15m", from: "now-15m", title: "Last 15 minutes" },
  { label: "1h", from: "now-1h", title: "Last hour" },
  { label: "24h", from: "now-24h", title: "Last 24 hours" },
  { label: "7d", from: "now-7d", title: "Last 7 days" },
  { label: "30d", from: "now-30d", title: "Last 30 days" },
  { label: "90d", from: "now-90d", title: "Last 90 days" },
  { label: "All", from: null, title: "All time" },
];

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** An instant for a URL: ISO-8601 UTC, without milliseconds when they are zero. */
export function isoParam(t: Date | number): string {
  const iso = new Date(t).toISOString();
  return iso.endsWith(".000Z") ? iso.slice(0, -5) + "Z" : iso;
}

interface Parts { y: number; mo: number; d: number; h: number; mi: number; s: number; ms: number }

function partsOf(t: Date, tz: TimeZoneMode): Parts {
  return tz === "utc"
    ? { y: t.getUTCFullYear(), mo: t.getUTCMonth() + 1, d: t.getUTCDate(), h: t.getUTCHours(), mi: t.getUTCMinutes(), s: t.getUTCSeconds(), ms: t.getUTCMilliseconds() }
    : { y: t.getFullYear(), mo: t.getMonth() + 1, d: t.getDate(), h: t.getHours(), mi: t.getMinutes(), s: t.getSeconds(), ms: t.getMilliseconds() };
}

/**
 * "2026-11-20 10:00:05" in the chosen zone: sortable, unambiguous day/month order, and dense.
 * Milliseconds only when present (CloudTrail times are whole seconds).
 */
export function formatTime(value: string | number | Date, tz: TimeZoneMode, precision: "s" | "m" = "s"): string {
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) return String(value);
  const p = partsOf(t, tz);
  const date = `${p.y}-${pad(p.mo)}-${pad(p.d)}`;
  if (precision === "m") return `${date} ${pad(p.h)}:${pad(p.mi)}`;
  return `${date} ${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}${p.ms ? "." + pad(p.ms, 3) : ""}`;
}

/** "UTC" or the browser's zone name ("Europe/Berlin"); the server only ever knows UTC. */
export function zoneLabel(tz: TimeZoneMode): string {
  if (tz === "utc") return "UTC";
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "local";
  } catch {
    return "local";
  }
}

/** Value for <input type="datetime-local"> showing `t` in the chosen zone. */
export function toInputValue(t: Date | number, tz: TimeZoneMode): string {
  const p = partsOf(new Date(t), tz);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}`;
}

/** Reads a datetime-local value as a time in the chosen zone; null when incomplete. */
export function fromInputValue(v: string, tz: TimeZoneMode): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(v);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
  const t = tz === "utc" ? new Date(Date.UTC(y, mo - 1, d, h, mi, s)) : new Date(y, mo - 1, d, h, mi, s);
  return Number.isNaN(t.getTime()) ? null : t;
}

/** Short wording of the current range for headings: "Last 24 hours", "all time", or the bounds. */
export function describeRange(from: string | null, to: string | null, tz: TimeZoneMode): string {
  const preset = RANGE_PRESETS.find((p) => p.from === from);
  if (!to && preset) return preset.title;
  const show = (v: string) => (v.startsWith("now") ? v : formatTime(v, tz, "s"));
  const zone = [from, to].some((v) => v && !v.startsWith("now")) ? ` ${zoneLabel(tz)}` : "";
  if (from && to) return `${show(from)} → ${show(to)}${zone}`;
  if (from) return `since ${show(from)}${zone}`;
  if (to) return `before ${show(to)}${zone}`;
  return "All time";
}

const UNITS: [number, string][] = [
  [365 * 86400e3, "y"],
  [86400e3, "d"],
  [3600e3, "h"],
  [60e3, "m"],
  [1e3, "s"],
];

/** 300000 → "5m", 86400000 → "1d". */
export function formatDuration(ms: number): string {
  for (const [size, unit] of UNITS) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  for (const [size, unit] of UNITS) if (ms >= size) return `${Math.round(ms / size)}${unit}`;
  return `${ms}ms`;
}

// Links to a view that do not drift. A timeline URL such as from=now-24h shows other events every
// time it is opened, and even an absolute range gains events as syncs store older log files. The
// frozen form writes the range as the instants the page resolved and adds asOf (only events stored
// by then), so whoever opens it later sees the events the sender saw.
import { describeRange, formatTime } from "./time";
import { filterChips, toParams, type ReadableParams } from "./url";

const isRelative = (v: string | null) => v !== null && v.trim().startsWith("now");

export interface ResolvedView {
  /** The page's `from` as an instant; null: no start (all time). */
  from: string | null;
  /** The page's `to` as an instant (the page's now when the URL has none). */
  to: string;
  /** The instant the page was read at: events stored after it are not in the view. */
  asOf: string;
}

/**
 * The view's parameters with relative times replaced by the resolved instants and an asOf bound.
 * Absolute values stay as written (the link looks like the one the user made); an earlier asOf in
 * the URL stays too (it is already a tighter bound). The page cursor goes: it belongs to one query.
 */
export function frozenViewParams(p: ReadableParams, resolved: ResolvedView): URLSearchParams {
  const sp = toParams(p);
  sp.delete("cursor");
  if (isRelative(sp.get("from"))) {
    if (resolved.from) sp.set("from", resolved.from);
    else sp.delete("from");
  }
  if (!sp.get("to") || isRelative(sp.get("to"))) sp.set("to", resolved.to);
  if (!sp.get("asOf") || isRelative(sp.get("asOf"))) sp.set("asOf", resolved.asOf);
  return sp;
}

/** Whether the view is already frozen (its frozen form is the same URL). */
export function isFrozenView(p: ReadableParams, resolved: ResolvedView): boolean {
  const sp = toParams(p);
  sp.delete("cursor");
  return frozenViewParams(sp, resolved).toString() === sp.toString();
}

/**
 * A frozen view's start, or null when it has none: a share link of an all-time view is stored
 * with from = the Unix epoch (lib/auth/shares.ts), which reads better as "no start".
 */
export function frozenStart(from: string | null): string | null {
  return from === null || Date.parse(from) === 0 ? null : from;
}

/** A stored view's query string in a few words for a list of share links: range, bound, filters. */
export function summariseView(query: string): { range: string; asOf: string | null; filters: string[] } {
  const sp = toParams(query);
  const filters = [...sp.getAll("q").map((q) => `text “${q}”`), ...filterChips(sp).map((c) => c.label)];
  const asOf = sp.get("asOf");
  return {
    range: describeRange(frozenStart(sp.get("from")), sp.get("to"), "utc"),
    asOf: asOf ? `${formatTime(asOf, "utc")} UTC` : null,
    filters,
  };
}

// Export file names that say what they hold: the filters and the range, so a folder of downloads
// (or an attachment to a ticket) can be told apart without opening them. Only [A-Za-z0-9._-], so
// every browser, shell and file system takes the name as it is; bounded in length, with a short
// hash of the whole query when something had to be cut, so two different sets never share a
// truncated name.
import { createHash } from "node:crypto";
import type { EventQuery, ValueMatch } from "../query/params";

/** Longest name given, extension included (well under the 255 bytes file systems allow). */
export const MAX_FILE_NAME = 150;
const HASH_CHARS = 10;

export type ExportKind = "csv" | "ndjson" | "bundle";
const EXTENSION: Record<ExportKind, string> = { csv: ".csv", ndjson: ".ndjson", bundle: ".zip" };
// "trailscope-events-" is what names started with before (scripts may match on it).
const PREFIX: Record<ExportKind, string> = { csv: "trailscope-events", ndjson: "trailscope-events", bundle: "trailscope-evidence" };

/** Runs of anything outside the safe set become one "-"; no leading or trailing "-". */
export function sanitize(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/-{2,}/g, "-").replace(/^[-.]+|-+$/g, "");
}

/**
 * A value as words: a wildcard `*` reads "any" (`errorCode=*` → any, `eu-*` → eu-any); a value
 * with no safe character at all (日本語) reads "value".
 */
function valueText(m: ValueMatch): string {
  if (!m.wildcard || m.like === undefined) return sanitize(m.value) || "value";
  // The LIKE form tells a wildcard (%) from a literal (escaped with \), whatever the URL escaping.
  let out = "";
  for (let i = 0; i < m.like.length; i++) {
    const c = m.like[i];
    if (c === "\\") out += m.like[++i] ?? "";
    else out += c === "%" ? "-any-" : c;
  }
  return sanitize(out) || "any";
}

/**
 * An instant as it can stand in a file name: ISO-8601 with `-` for `:`, to the minute when it
 * falls on one (2026-11-01T00-00Z), else to the second or millisecond, never rounded.
 */
export function instantText(d: Date): string {
  const iso = d.toISOString(); // 2026-11-01T00:00:05.250Z
  const ms = d.getUTCMilliseconds();
  const s = d.getUTCSeconds();
  const cut = ms ? iso.slice(0, 23) : s ? iso.slice(0, 19) : iso.slice(0, 16);
  return cut.replace(/:/g, "-") + "Z";
}

/** The filters and free text, one part each, in the order the URL gave them. */
function filterParts(q: EventQuery): string[] {
  const parts: string[] = [];
  for (const f of q.filters) {
    const words: string[] = [];
    if (f.include.length) words.push(f.include.map(valueText).join("-or-"));
    for (const e of f.exclude) words.push("not-" + valueText(e));
    parts.push(`${f.field.key}-${words.join("-")}`);
  }
  for (const t of q.q) parts.push(`q-${sanitize(t) || "text"}`);
  return parts;
}

/**
 * The range with its instants resolved: relative bounds (now-7d) were resolved when the query was
 * parsed; a view without `to` reaches up to `now` (the request's), without `from` it has no start
 * (a share link stores that as the Unix epoch).
 */
function rangePart(q: EventQuery, now: Date): string {
  const to = instantText(q.to ?? now);
  return q.from && q.from.getTime() > 0 ? `${instantText(q.from)}_to_${to}` : `until_${to}`;
}

/** A short hash of everything that decides the set, exactly (values unsanitized, instants to the ms). */
function queryHash(q: EventQuery, now: Date): string {
  const exact = JSON.stringify({
    filters: q.filters.map((f) => [f.field.key, f.include.map((m) => [m.value, m.wildcard]), f.exclude.map((m) => [m.value, m.wildcard])]),
    q: q.q,
    from: q.from?.toISOString() ?? null,
    to: (q.to ?? now).toISOString(),
  });
  return createHash("sha256").update(exact).digest("hex").slice(0, HASH_CHARS);
}

/**
 * `trailscope-events-eventName-StopLogging_errorCode-AccessDenied_2026-11-01T00-00Z_to_2026-11-08T00-00Z.csv`:
 * the prefix, the filters, the range. Past MAX_FILE_NAME the filters are cut and a hash of the
 * whole query put before the range, which is always kept whole.
 */
export function exportFileName(q: EventQuery, kind: ExportKind, now: Date): string {
  const prefix = PREFIX[kind];
  const ext = EXTENSION[kind];
  const range = rangePart(q, now);
  const filters = filterParts(q).join("_");
  const whole = `${prefix}-${filters ? filters + "_" : ""}${range}${ext}`;
  if (whole.length <= MAX_FILE_NAME) return whole;
  const hash = queryHash(q, now);
  const room = MAX_FILE_NAME - `${prefix}-_${hash}_${range}${ext}`.length;
  const cut = filters.slice(0, Math.max(0, room)).replace(/[-_.]+$/, "");
  return `${prefix}-${cut ? cut + "_" : ""}${hash}_${range}${ext}`;
}

// The one parser of view state: the timeline page, /api/events and /api/export all read their
// URL parameters through parseEventQuery, so a link shows and exports exactly the same set.
import { FIELD_BY_KEY, recordPathField, type FieldDef } from "../fields";
import { parseFilterValue } from "./filter-value";

export class ParamError extends Error {
  constructor(
    readonly param: string,
    /** What is wrong, without the parameter name. */
    readonly detail: string,
  ) {
    super(`${param}: ${detail}`);
    this.name = "ParamError";
  }
}

export interface ValueMatch {
  /** The value (escapes resolved); for a pattern, as written. */
  value: string;
  /** An unescaped `*` in the value: matched as a pattern (`*` = any run of characters). */
  wildcard: boolean;
  /** The pattern as LIKE takes it (lib/query/filter-value.ts). */
  like?: string;
}

export interface FieldFilter {
  field: FieldDef;
  /** ORed together; empty means no positive constraint. */
  include: ValueMatch[];
  /** Each one excluded (values written with a leading `!`). */
  exclude: ValueMatch[];
}

export type SortDir = "asc" | "desc";

export interface EventQuery {
  filters: FieldFilter[];
  /** Inclusive lower bound on eventTime. */
  from?: Date;
  /** Exclusive upper bound on eventTime. */
  to?: Date;
  /** Free-text terms, ORed, case-insensitive, anywhere in the record. */
  q: string[];
  sort: { field: FieldDef; dir: SortDir };
  limit: number;
  cursor?: string;
  /**
   * Search blocks that may hold a match of `q` (set by withSearchBlocks; null: all of them).
   * Undefined until resolved, which reads every block too: a query is right either way.
   */
  searchBlocks?: number[] | null;
  /** The share of search blocks that may hold a match, when they were probed. */
  searchShare?: number;
  /** Each candidate block's first and last eventTime (ms), as searchBlocks orders them. */
  searchSpans?: [number, number][];
  /** Each candidate block's events, as searchBlocks orders them. */
  searchBlockEvents?: number[];
  /**
   * Set while blocks of an older format remain: the highest block id the probe saw. Events of later
   * blocks (moved there by lib/store/resketch.ts splitting an older block, or stored since) are
   * read like events no block covers.
   */
  searchMax?: number;
  /** false: leave out events no block covers (a later round of a page that read them already). */
  searchUnblocked?: boolean;
  /**
   * Set by searchWindow for counts, facets and the histogram of free text that would examine too
   * many events: `from` was moved here, and older events were not searched for that answer.
   */
  searchedFrom?: Date;
  /**
   * Access constraints, set only by lib/auth/access.ts accessQuery and applied by whereClauses to
   * every query built from this one: the AWS accounts a scoped principal may see (undefined: all).
   */
  accounts?: string[];
  /** Only events stored at or before this instant (the `asOf` parameter; share links). */
  asOf?: Date;
  /** Only events stored after this instant (the `storedAfter` parameter: an alert's new events). */
  storedAfter?: Date;
  /**
   * A share link's frozen view: its conditions apply besides this query's own, and facets (which
   * leave a field's own filter out) never leave these out.
   */
  within?: EventQuery;
}

/** Parameters of the page's view (not filters); the API accepts and ignores them so any timeline URL works there. */
export const VIEW_PARAMS = new Set(["columns", "tz", "event", "format", "facets", "panel"]);
// `view=<saved view id>`: which saved view the timeline shows (lib/views); names it, filters nothing.
VIEW_PARAMS.add("view");
export const PAGING_PARAMS = new Set(["limit", "cursor"]);
const QUERY_PARAMS = new Set(["from", "to", "q", "sort", "asOf", "storedAfter"]);

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

// Caps on what one request may ask for (security review, issue 20 item 11): every q term and
// filter value becomes work per row, and 600 q terms made one request run 330 s. Each cap is far
// above what the console writes; going over it is a 400 naming the parameter and the cap.
/** Parameters in one request, all names together. */
export const MAX_PARAMS = 300;
/** Values of one filter parameter (ORed). */
export const MAX_VALUES_PER_PARAM = 100;
/** Characters in one parameter value: an IAM ARN may be 2048, and escaping (`\*`) can double that. */
export const MAX_VALUE_CHARS = 4096;
/** Free-text terms (ORed): each is its own ILIKE over every candidate record. */
export const MAX_Q_TERMS = 20;
/** Characters in one free-text term: CloudTrail caps userAgent and errorMessage at 1 KB, so one pasted whole fits. */
export const MAX_Q_TERM_CHARS = 1024;

/**
 * The instants `from` and `to` may name. Outside them a time is either not a JavaScript Date at
 * all (now-999999999999d: Invalid Date, which reached SQL as NaN) or one PostgreSQL or the COPY
 * export's literal cannot take (year 0000, 271765 BC). No CloudTrail event is older than 1970.
 */
export const MIN_INSTANT = new Date(Date.UTC(1970, 0, 1));
export const MAX_INSTANT = new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999));
const RANGE_TEXT = `${MIN_INSTANT.toISOString().replace(".000Z", "Z")} to ${MAX_INSTANT.toISOString()}`;

/** A value as an error message quotes it: bounded, so a 4 KB value does not come back 4 KB long. */
export function quoted(raw: string): string {
  return JSON.stringify(raw.length > 64 ? raw.slice(0, 64) + "…" : raw);
}

const RELATIVE = /^now(?:-(\d+)(s|m|h|d|w))?$/;
const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };
// Full instants with a zone, a date-time without one (taken as UTC) or a date (UTC midnight).
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Date rolls 2026-02-30 over to March 2nd; an auditor's typo must be an error instead. */
function calendarDateExists(v: string): boolean {
  const [y, m, d] = v.slice(0, 10).split("-").map(Number);
  const [hh, mm, ss] = (v.slice(11, 19).match(/\d{2}/g) ?? []).map(Number);
  if (hh > 23 || mm > 59 || ss > 59) return false;
  return m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** A year of more than four digits or signed (ISO-8601's expanded years): a time, but out of range. */
const EXPANDED_YEAR = /^[+-]?\d{5,}-\d{2}-\d{2}|^[+-]\d{4,}-\d{2}-\d{2}/;

function inRange(param: string, raw: string, ms: number): Date {
  if (!Number.isFinite(ms) || ms < MIN_INSTANT.getTime() || ms > MAX_INSTANT.getTime()) {
    throw new ParamError(param, `${quoted(raw)} is outside the supported range ${RANGE_TEXT}`);
  }
  return new Date(ms);
}

export function parseInstant(param: string, raw: string, now: Date): Date {
  const v = raw.trim();
  const rel = RELATIVE.exec(v);
  if (rel) {
    const n = rel[1] ? Number(rel[1]) * UNIT_MS[rel[2]] : 0;
    return inRange(param, raw, now.getTime() - n);
  }
  if (EXPANDED_YEAR.test(v)) return inRange(param, raw, NaN);
  if (ISO.test(v)) {
    const year = Number(v.slice(0, 4));
    // Before the calendar check: Date.UTC reads years 0–99 as 1900–1999.
    if (year < MIN_INSTANT.getUTCFullYear() - 1) return inRange(param, raw, NaN);
    if (calendarDateExists(v)) {
      const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(v) && v.length > 10;
      const d = new Date(hasZone || v.length === 10 ? v.replace(" ", "T") : v.replace(" ", "T") + "Z");
      if (!Number.isNaN(d.getTime())) return inRange(param, raw, d.getTime());
    }
  }
  throw new ParamError(param, `${quoted(raw)} is not a time: use an ISO-8601 instant (2026-11-20T13:00:00Z) or now, now-15m, now-24h, now-7d`);
}

function parseValue(field: FieldDef, raw: string): { negate: boolean; match: ValueMatch } {
  const v = parseFilterValue(raw);
  const negate = v.negate;
  if (field.kind === "bool") {
    if (v.written !== "true" && v.written !== "false") {
      throw new ParamError(field.key, `must be true or false (optionally negated with !), not "${raw}"`);
    }
    return { negate, match: { value: v.written, wildcard: false } };
  }
  if (field.derived) {
    if (!field.derived.values.includes(v.written)) throw new ParamError(field.key, `must be one of ${field.derived.values.join(", ")} (optionally negated with !), not ${quoted(raw)}`);
    return { negate, match: { value: v.written, wildcard: false } };
  }
  if (v.written === "") throw new ParamError(field.key, "empty value");
  // Stored text never holds U+0000 (the loader replaces it), and PostgreSQL rejects it in a query
  // value: say so here rather than fail in the database (mid-response, for a streamed export).
  if (v.written.includes("\u0000")) throw new ParamError(field.key, "must not contain U+0000 (%00)");
  return { negate, match: v.like !== null ? { value: v.written, wildcard: true, like: v.like } : { value: v.exact!, wildcard: false } };
}

/** A filter parameter's field: the catalog's, or a value inside the record (lib/fields.ts recordPathField). */
function filterField(name: string): FieldDef {
  const field = FIELD_BY_KEY.get(name);
  if (field?.filter) return field;
  const path = field ? null : recordPathField(name);
  if (path && "error" in path) throw new ParamError(quotedName(name), path.error);
  if (!path) throw new ParamError(name, "unknown parameter");
  return path.field;
}

/** A parameter name as an error names it: bounded like a value. */
const quotedName = (name: string) => (name.length > 80 ? name.slice(0, 80) + "…" : name);

export interface ParseOptions {
  now?: Date;
  /** Whether limit/cursor are meaningful (the list API); elsewhere they are accepted and ignored. */
  paging?: boolean;
}

type Params = URLSearchParams | Record<string, string | string[] | undefined>;

function toSearchParams(p: Params): URLSearchParams {
  if (p instanceof URLSearchParams) return p;
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) sp.append(k, one);
  }
  return sp;
}

function single(sp: URLSearchParams, name: string): string | undefined {
  const all = sp.getAll(name);
  if (all.length > 1) throw new ParamError(name, "may be given only once");
  return all[0];
}

/**
 * The request-wide caps: the number of parameters (named after the most repeated one) and each
 * value's length. Before anything else reads the values.
 */
function checkSize(sp: URLSearchParams): void {
  const counts = new Map<string, number>();
  let total = 0;
  for (const [name, value] of sp) {
    total++;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    if (name !== "q" && value.length > MAX_VALUE_CHARS) {
      throw new ParamError(name, `a value may be at most ${MAX_VALUE_CHARS} characters long (this one is ${value.length})`);
    }
  }
  if (total > MAX_PARAMS) {
    const [most] = [...counts].sort((a, b) => b[1] - a[1])[0];
    throw new ParamError(most, `too many parameters: ${total} given, at most ${MAX_PARAMS} in one request`);
  }
}

/** Free-text terms: trimmed, empty ones dropped, at most MAX_Q_TERMS of at most MAX_Q_TERM_CHARS. */
function parseTerms(sp: URLSearchParams): string[] {
  const q = sp.getAll("q").map((s) => s.trim()).filter((s) => s !== "");
  if (q.length > MAX_Q_TERMS) throw new ParamError("q", `at most ${MAX_Q_TERMS} search terms (${q.length} given)`);
  const long = q.find((t) => t.length > MAX_Q_TERM_CHARS);
  if (long) throw new ParamError("q", `a search term may be at most ${MAX_Q_TERM_CHARS} characters long (this one is ${long.length})`);
  // U+0000 is allowed: a term is searched JSON-escaped (lib/query/sql.ts qLiteral), so PostgreSQL
  // never sees the character, and the term finds the records that hold it.
  return q;
}

export function parseEventQuery(params: Params, opts: ParseOptions = {}): EventQuery {
  const sp = toSearchParams(params);
  const now = opts.now ?? new Date();
  const byField = new Map<string, FieldFilter>();
  checkSize(sp);

  for (const name of new Set(sp.keys())) {
    if (QUERY_PARAMS.has(name) || PAGING_PARAMS.has(name) || VIEW_PARAMS.has(name)) continue;
    const field = filterField(name);
    const values = sp.getAll(name);
    if (values.length > MAX_VALUES_PER_PARAM) {
      throw new ParamError(name, `at most ${MAX_VALUES_PER_PARAM} values of one parameter (${values.length} given)`);
    }
    const ff: FieldFilter = { field, include: [], exclude: [] };
    for (const raw of values) {
      const { negate, match } = parseValue(field, raw);
      (negate ? ff.exclude : ff.include).push(match);
    }
    byField.set(name, ff);
  }

  const fromRaw = single(sp, "from");
  const toRaw = single(sp, "to");
  const from = fromRaw ? parseInstant("from", fromRaw, now) : undefined;
  const to = toRaw ? parseInstant("to", toRaw, now) : undefined;
  if (from && to && from.getTime() > to.getTime()) throw new ParamError("from", "is after to");

  const asOfRaw = single(sp, "asOf");
  const asOf = asOfRaw ? parseInstant("asOf", asOfRaw, now) : undefined;
  // The counterpart of asOf (exclusive): an alert's link holds the events stored between the two.
  const storedAfterRaw = single(sp, "storedAfter");
  const storedAfter = storedAfterRaw ? parseInstant("storedAfter", storedAfterRaw, now) : undefined;
  if (storedAfter && asOf && storedAfter.getTime() > asOf.getTime()) throw new ParamError("storedAfter", "is after asOf");

  const q = parseTerms(sp);

  const sortRaw = single(sp, "sort") ?? "eventTime:desc";
  const m = /^([A-Za-z]+)(?::(asc|desc))?$/.exec(sortRaw);
  const sortField = m ? FIELD_BY_KEY.get(m[1]) : undefined;
  if (!m || !sortField || !sortField.sort) {
    throw new ParamError("sort", `"${sortRaw}" is not <field>:asc|desc with a sortable field`);
  }
  const sort = { field: sortField, dir: (m[2] ?? "desc") as SortDir };

  let limit = DEFAULT_LIMIT;
  let cursor: string | undefined;
  if (opts.paging) {
    const l = single(sp, "limit");
    if (l !== undefined) {
      if (!/^\d+$/.test(l) || Number(l) < 1 || Number(l) > MAX_LIMIT) {
        throw new ParamError("limit", `must be a whole number from 1 to ${MAX_LIMIT}`);
      }
      limit = Number(l);
    }
    cursor = single(sp, "cursor") || undefined;
  }

  return { filters: [...byField.values()], from, to, q, sort, limit, cursor, ...(asOf ? { asOf } : {}), ...(storedAfter ? { storedAfter } : {}) };
}

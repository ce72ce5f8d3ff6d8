// EventQuery → SQL. Every user-supplied value reaches PostgreSQL as a bound parameter ($n); only
// column names from the field catalog are spliced into the text.
import { matchesAny } from "./filter-value";
import type { FieldFilter, EventQuery, ValueMatch } from "./params";
import type { FieldDef } from "../fields";
import type { RangeView } from "../store/rollups";

export class SqlParams {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/** `*` → `%`, everything else literal (LIKE's own `%`, `_` and `\` escaped). */
export function likePattern(value: string): string {
  return value.replace(/[\\%_]/g, (c) => "\\" + c).replace(/\*/g, "%");
}

/** `*` alone: "has any value". */
const isAny = (m: ValueMatch) => m.wildcard && matchesAny(m.like!);

function matchText(col: string, m: ValueMatch, p: SqlParams): string {
  if (m.wildcard) {
    if (isAny(m)) return `${col} IS NOT NULL`;
    return `${col} LIKE ${p.add(m.like)}`;
  }
  return `${col} = ${p.add(m.value)}`;
}

function matchArray(col: string, m: ValueMatch, p: SqlParams): string {
  if (m.wildcard) {
    if (isAny(m)) return `cardinality(${col}) > 0`;
    return `EXISTS (SELECT 1 FROM unnest(${col}) AS v WHERE v LIKE ${p.add(m.like)})`;
  }
  return `${col} @> ARRAY[${p.add(m.value)}]::text[]`;
}

/**
 * A field's column as the query's principal may see it: for a scoped principal, a field with
 * visibleWhen reads as none where it may not see the value (lib/fields.ts).
 */
export function columnFor(f: FieldDef, q: Pick<EventQuery, "accounts">, p: SqlParams): string {
  if (!f.visibleWhen || !q.accounts) return f.column;
  return `CASE WHEN ${f.visibleWhen(p.add(q.accounts))} THEN ${f.column} END`;
}

/**
 * A field's conditions, for a scoped principal limited to the rows where it may see the value
 * (visibleWhen): a value matches only where it is seen, and "not X" / "no value" also hold where
 * it is not — as if the column read as none there, yet still index-friendly on the column itself.
 */
function fieldPredicate(ff: FieldFilter, p: SqlParams, accounts?: string[]): string[] {
  const plain = plainFieldPredicate(ff, p);
  if (!ff.field.visibleWhen || !accounts || plain.length === 0) return plain;
  const seen = ff.field.visibleWhen(p.add(accounts));
  const positive = ff.include.length > 0 ? 1 : 0;
  return plain.map((c, i) => (i < positive ? `(${c} AND ${seen})` : `(${c} OR NOT ${seen})`));
}

function plainFieldPredicate(ff: FieldFilter, p: SqlParams): string[] {
  // A value inside the record: its path bound as a parameter (lib/fields.ts recordPathField).
  const col = ff.field.path ? `(record #>> ${p.add([...ff.field.path])}::text[])` : ff.field.column;
  const out: string[] = [];
  const derived = ff.field.derived;
  if (derived) {
    // Fixed words, validated by the parser: each has its own predicate.
    if (ff.include.length > 0) out.push(`(${ff.include.map((m) => derived.match(m.value)).join(" OR ")})`);
    for (const m of ff.exclude) out.push(`NOT coalesce(${derived.match(m.value)}, false)`);
    return out;
  }
  const one = (m: ValueMatch) =>
    ff.field.kind === "textArray"
      ? matchArray(col, m, p)
      : ff.field.kind === "bool"
        ? `${col} = ${p.add(m.value === "true")}`
        : matchText(col, m, p);
  if (ff.include.length > 0) {
    const exact = ff.include.filter((m) => !m.wildcard);
    const parts: string[] = [];
    // Several exact values: one `= ANY($n)` (or `&&` for arrays) keeps the plan index-friendly.
    if (exact.length > 1 && ff.field.kind === "text") parts.push(`${col} = ANY(${p.add(exact.map((m) => m.value))}::text[])`);
    else if (exact.length > 1 && ff.field.kind === "textArray") parts.push(`${col} && ${p.add(exact.map((m) => m.value))}::text[]`);
    else parts.push(...exact.map(one));
    parts.push(...ff.include.filter((m) => m.wildcard).map(one));
    out.push(parts.length === 1 ? parts[0] : `(${parts.join(" OR ")})`);
  }
  for (const m of ff.exclude) {
    // "not X" keeps events that have no value at all (an Insight event has no eventName, and
    // `eventName=!ConsoleLogin` must still show it); `!*` means "has no value".
    if (isAny(m)) out.push(ff.field.kind === "textArray" ? `coalesce(cardinality(${col}), 0) = 0` : `${col} IS NULL`);
    else out.push(`(${col} IS NULL OR NOT (${one(m)}))`);
  }
  return out;
}

/** The text q searches; an index for q must be on exactly this expression. */
export const RECORD_TEXT = "coalesce(raw_json, record::text)";

/**
 * A q term as the record text holds it: JSON-escaped (the columns hold JSON text as JSON.stringify
 * wrote it, where `"` and `\` appear escaped), `*` still meaning any run of characters.
 */
export function qLiteral(term: string): string {
  return JSON.stringify(term).slice(1, -1);
}

/**
 * A term of ASCII digits, punctuation and spaces only (an IP address, an account ID, a time): ILIKE
 * and LIKE match it alike — lower() changes letters only, and no character lowercases to a
 * non-letter — and LIKE skips lowercasing every record (about half the cost of a recheck).
 */
const CASELESS = /^[\x20-\x40\x5b-\x60\x7b-\x7e]*$/;

/** WHERE clauses (ANDed) for the filters, time range and free text of a query. */
export function whereClauses(q: EventQuery, p: SqlParams): string[] {
  const clauses: string[] = [];
  // Access first (lib/auth/access.ts): a scoped principal's accounts, the asOf bound, a share
  // link's frozen view. Every query of events is built here, so none can leave these out.
  if (q.accounts) clauses.push(`recipient_account_id = ANY(${p.add(q.accounts)}::text[])`);
  if (q.asOf) clauses.push(`ingested_at <= ${p.add(q.asOf)}`);
  if (q.storedAfter) clauses.push(`ingested_at > ${p.add(q.storedAfter)}`);
  if (q.within) clauses.push(...whereClauses({ ...q.within, searchBlocks: undefined }, p));
  if (q.from) clauses.push(`event_time >= ${p.add(q.from)}`);
  if (q.to) clauses.push(`event_time < ${p.add(q.to)}`);
  for (const ff of q.filters) clauses.push(...fieldPredicate(ff, p, q.accounts));
  if (q.q.length > 0) {
    // Free text over the whole record as /api/events/<id> returns it: the exact original where it
    // is kept (raw_json), else the stored record. One expression, not `record::text ILIKE … OR
    // raw_json ILIKE …`, so that a trigram index on RECORD_TEXT can answer it (an opt-in index, see
    // migration 20261122000200_filter_indexes: PostgreSQL uses an expression index only for a
    // predicate on the very same expression).
    const terms = q.q.map((t) => {
      const literal = qLiteral(t);
      return `${RECORD_TEXT} ${CASELESS.test(literal) ? "LIKE" : "ILIKE"} ${p.add("%" + likePattern(literal) + "%")}`;
    });
    clauses.push(terms.length === 1 ? terms[0] : `(${terms.join(" OR ")})`);
    // Where the search sketches can hold a match (lib/query/search.ts); rows no probed block
    // covers are always read.
    if (q.searchBlocks) {
      const inBlocks = `search_block = ANY(${p.add(q.searchBlocks)}::int[])`;
      if (q.searchUnblocked === false) clauses.push(inBlocks);
      else {
        const later = q.searchMax !== undefined ? ` OR search_block > ${p.add(q.searchMax)}::int` : "";
        clauses.push(`(${inBlocks} OR search_block IS NULL${later})`);
      }
    }
  }
  return clauses;
}

export const laterOf = (a?: Date, b?: Date) => (a && b ? (a > b ? a : b) : (a ?? b));
export const earlierOf = (a?: Date, b?: Date) => (a && b ? (a < b ? a : b) : (a ?? b));

/**
 * The query as a range and an asOf bound when nothing else constrains it — no filter, free text or
 * account scope; a frozen view, and a share link's view of a range alone (its `within` adds only
 * bounds): counts, facets and the histogram may then add up the rollups (which know nothing of
 * accounts or filters), leaving out what was stored after the bound (lib/store/rollups.ts,
 * lateCut). null otherwise.
 */
export function rangeView(q: EventQuery): RangeView | null {
  // The rollups know when a minute was last stored, not what was stored before an instant.
  if (q.filters.length > 0 || q.q.length > 0 || q.accounts || q.storedAfter) return null;
  if (!q.within) return { from: q.from, to: q.to, asOf: q.asOf };
  const w = rangeView(q.within);
  if (!w) return null;
  return { from: laterOf(q.from, w.from), to: earlierOf(q.to, w.to), asOf: earlierOf(q.asOf, w.asOf) };
}

/**
 * The sort of a query as an ORDER BY list. By time: ties broken by id in the same direction. By
 * another column: NULLs last, and equal values keep the timeline's own order (newest first, then
 * id) whichever way the column goes, so sorting by eventName still reads as a timeline per name;
 * ascending, this is exactly the order of the (column, event_time DESC, id DESC) filter indexes.
 * Lists, keyset cursors (lib/query/events.ts) and exports all use it, so they agree on the order.
 */
export function orderSql(q: EventQuery): string {
  const { field, dir } = q.sort;
  return field.kind === "time" ? `${field.column} ${dir}, id ${dir}` : `${field.column} ${dir} NULLS LAST, event_time DESC, id DESC`;
}

export function whereSql(q: EventQuery, p: SqlParams): string {
  const c = whereClauses(q, p);
  return c.length ? `WHERE ${c.join(" AND ")}` : "";
}

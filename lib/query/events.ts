// Reading events: keyset-paged lists, single events, and the row → API shape mapping. Keyset
// (not OFFSET) paging keeps page 500 as fast as page 1 and stable while new events arrive.
import type pg from "pg";
import { FIELDS, type FieldDef } from "../fields";
import { queryWithSettings } from "../store/settings";
import { ParamError, type EventQuery } from "./params";
import { LIST_MAX_SHARE, withSearchBlocks } from "./search";
import { columnFor, orderSql, SqlParams, whereClauses } from "./sql";

export type ApiEvent = Record<string, string | boolean | string[] | null>;

/** Catalog columns selected for lists and exports (never the record: lists stay light). */
export function selectColumns(q: EventQuery, p: SqlParams): string {
  return FIELDS.map((f) => `${columnFor(f, q, p)} AS "${f.key}"`).join(", ");
}

export function toApiEvent(row: Record<string, unknown>): ApiEvent {
  const out: ApiEvent = {};
  for (const f of FIELDS) {
    const v = row[f.key];
    out[f.key] = v instanceof Date ? v.toISOString() : (v as ApiEvent[string]) ?? null;
  }
  // The contract names the account column after CloudTrail's field.
  out.recipientAccountId = out.accountId;
  return out;
}

// ---- keyset cursor ------------------------------------------------------------------------------

interface CursorState {
  s: string; // sort key, so a cursor cannot be replayed under another sort
  d: "asc" | "desc";
  v: string | boolean | null; // sort column value of the last row (ISO for times)
  /** eventTime (ISO) of the last row, for sorts by another column: equal values go by time. */
  t?: string;
  id: string;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/;
const isInstant = (v: unknown): v is string => typeof v === "string" && ISO_INSTANT.test(v) && !Number.isNaN(Date.parse(v));

function encodeCursor(c: CursorState): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

function decodeCursor(raw: string, q: EventQuery): CursorState {
  try {
    const c = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as CursorState;
    if (typeof c.id !== "string" || c.s !== q.sort.field.key || c.d !== q.sort.dir) throw new Error();
    // A cursor is user input: its value must fit the sort column, or PostgreSQL would reject it (a 500).
    const kind = q.sort.field.kind;
    if (kind === "time" && !isInstant(c.v)) throw new Error();
    // A cursor from before ties went by time has no `t`: it belongs to another order.
    if (kind !== "time" && !isInstant(c.t)) throw new Error();
    if (kind === "bool" && c.v !== null && typeof c.v !== "boolean") throw new Error();
    if (kind === "text" && c.v !== null && typeof c.v !== "string") throw new Error();
    if ([c.id, typeof c.v === "string" ? c.v : ""].some((s) => s.includes("\u0000") || !s.isWellFormed())) throw new Error();
    return c;
  } catch {
    throw new ParamError("cursor", "is not a cursor returned by this query (was the sort changed?)");
  }
}

/**
 * ORDER BY (orderSql) and the "after this row" predicate. By time, ties are broken by id in the
 * same direction; by another column, NULLs come last in both directions and equal values (NULLs
 * too) go by (event_time, id) descending.
 */
function orderAndAfter(q: EventQuery, p: SqlParams): { orderBy: string; after?: string } {
  const { field, dir } = q.sort;
  const col = field.column;
  const cmp = dir === "desc" ? "<" : ">";
  const orderBy = `ORDER BY ${orderSql(q)}`;
  if (!q.cursor) return { orderBy };
  const c = decodeCursor(q.cursor, q);
  const idP = p.add(c.id);
  if (field.kind === "time") {
    return { orderBy, after: `(${col}, id) ${cmp} (${p.add(new Date(c.v as string))}, ${idP})` };
  }
  const tied = `(event_time, id) < (${p.add(new Date(c.t!))}, ${idP})`;
  if (c.v === null) return { orderBy, after: `(${col} IS NULL AND ${tied})` };
  const vP = p.add(c.v);
  return { orderBy, after: `(${col} ${cmp} ${vP} OR (${col} = ${vP} AND ${tied}) OR ${col} IS NULL)` };
}

function cursorValue(field: FieldDef, row: Record<string, unknown>): CursorState["v"] {
  const v = row[field.key];
  return v instanceof Date ? v.toISOString() : ((v as string | boolean | null) ?? null);
}

export interface EventPage {
  events: ApiEvent[];
  nextCursor: string | null;
}

/**
 * Runs a first-page query with sorting disabled, so PostgreSQL walks the time index and stops at
 * the page's last match. For free text alone it cannot know that a term is common (it estimates
 * an ILIKE to match almost nothing) and otherwise scans and sorts the whole table for the page.
 */
function walkingTime(db: pg.Pool, sql: string, values: unknown[]): Promise<pg.QueryResult> {
  return queryWithSettings(db, { enable_sort: "off" }, sql, values);
}

/** The SQL of one page of `q` (its searchBlocks as they are), plus the rows with ids `also`. */
function pageSql(q: EventQuery, also: string[] = []): { text: string; values: unknown[] } {
  const p = new SqlParams();
  const where = whereClauses(q, p);
  const { orderBy, after } = orderAndAfter(q, p);
  if (after) where.push(after);
  let cond = where.join(" AND ");
  if (also.length) cond = `(${cond || "true"}) OR id = ANY(${p.add(also)}::text[])`;
  return { text: `SELECT ${selectColumns(q, p)} FROM events ${cond ? "WHERE " + cond : ""} ${orderBy} LIMIT ${p.add(q.limit + 1)}`, values: p.values };
}

/** Candidate blocks read in the first round of a time-sorted page; each later round doubles. */
const FIRST_ROUND_BLOCKS = 8;

/**
 * A time-sorted page of free text over many candidate blocks, read newest blocks first (oldest
 * for ascending): blocks hold events of a few minutes to hours, so the page's rows usually lie in
 * the first few. Each round asks PostgreSQL for the page over the round's new blocks plus the
 * rows the page held so far (fetched by id), so order and ties stay exactly PostgreSQL's and no
 * block is read twice; it stops once every block left ends before the page's last row (they
 * cannot hold a row of the page). At worst every candidate is read once.
 */
async function pageByBlocks(db: pg.Pool, q: EventQuery): Promise<Record<string, unknown>[]> {
  const desc = q.sort.dir === "desc";
  const spans = q.searchSpans!;
  let order = q.searchBlocks!.map((id, i) => ({ id, first: spans[i][0], last: spans[i][1] }));
  if (q.cursor) {
    // Blocks entirely on the far side of the cursor hold nothing after it.
    const at = Date.parse(decodeCursor(q.cursor, q).v as string);
    order = order.filter((b) => (desc ? b.first <= at : b.last >= at));
  }
  order.sort((a, b) => (desc ? b.last - a.last : a.first - b.first));
  let read = 0;
  let rows: Record<string, unknown>[] = [];
  for (let round = FIRST_ROUND_BLOCKS; ; round = read) {
    const batch = order.slice(read, read + round).map((b) => b.id);
    read += batch.length;
    // Events no block covers are read in the first round only; later rounds carry them by id.
    const sql = pageSql({ ...q, searchBlocks: batch, searchUnblocked: read === batch.length }, rows.map((r) => r.eventID as string));
    rows = (await db.query(sql.text, sql.values)).rows;
    if (read === order.length) return rows;
    if (rows.length <= q.limit) continue;
    const edge = (rows[q.limit][q.sort.field.key] as Date).getTime();
    const next = order[read];
    if (desc ? next.last < edge : next.first > edge) return rows;
  }
}

export async function listEvents(db: pg.Pool, query: EventQuery): Promise<EventPage> {
  const q = await withSearchBlocks(db, query, LIST_MAX_SHARE);
  const sql = pageSql(q);
  // A term the sketches place in many blocks is common: its newest matches are near the top of
  // the time index. (With filters, their own indexes know better.)
  const byTime = q.sort.field.kind === "time";
  const common = !q.searchBlocks && q.searchShare !== undefined && q.searchShare > LIST_MAX_SHARE && q.filters.length === 0 && byTime;
  const { rows } = common
    ? await walkingTime(db, sql.text, sql.values)
    : byTime && q.searchBlocks && q.searchSpans && q.searchBlocks.length > FIRST_ROUND_BLOCKS
      ? { rows: await pageByBlocks(db, q) }
      : await db.query(sql.text, sql.values);
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  const last = page[page.length - 1];
  return {
    events: page.map(toApiEvent),
    nextCursor:
      more && last
        ? encodeCursor({
            s: q.sort.field.key,
            d: q.sort.dir,
            v: cursorValue(q.sort.field, last),
            ...(q.sort.field.kind === "time" ? {} : { t: (last.eventTime as Date).toISOString() }),
            id: last.eventID as string,
          })
        : null,
  };
}

/** The whole stored record as JSON text: the exact original where jsonb could not hold it. */
export async function getEventJson(db: pg.Pool, id: string): Promise<string | null> {
  const { rows } = await db.query(`SELECT coalesce(raw_json, record::text) AS json FROM events WHERE id = $1`, [id]);
  return rows.length ? (rows[0].json as string) : null;
}

export async function countEvents(db: pg.Pool, query: EventQuery): Promise<number> {
  const q = await withSearchBlocks(db, query);
  const p = new SqlParams();
  const where = whereClauses(q, p);
  const { rows } = await db.query(`SELECT count(*)::bigint AS n FROM events ${where.length ? "WHERE " + where.join(" AND ") : ""}`, p.values);
  return Number(rows[0].n);
}

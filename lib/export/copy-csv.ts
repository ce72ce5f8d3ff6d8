// CSV export through PostgreSQL's own COPY … TO STDOUT (FORMAT csv): PostgreSQL formats, quotes
// and sends the bytes, and Node only passes them on. The cursor path (stream.ts) spent most of an
// export parsing result rows and joining strings in Node: 19.9 s for 1M rows against 6.4 s for
// COPY of the same SELECT (BENCHMARKS.md).
//
// Three things COPY does differently from our CSV (RFC 4180, lib/export/csv.ts), handled here:
// - COPY takes no bind parameters: values are inlined as escaped literals (sqlLiteral) — the one
//   place user input is spliced into SQL text, so it accepts only the types whereClauses binds;
// - empty strings come out quoted ("") to tell them from NULL: the SELECT turns '' into NULL;
// - COPY quotes a cell only for , " CR LF, csvCell every non-empty one: FORCE_QUOTE * (NULLs,
//   our empty cells, stay bare);
// - rows end in LF, RFC 4180 wants CRLF: CrlfWriter rewrites row ends (outside quotes only,
//   so a newline inside a quoted cell stays as it was stored).
import { escapeLiteral } from "pg";
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import type { Readable } from "node:stream";
import type { EventQuery } from "../query/params";
import { withSearchBlocks } from "../query/search";
import { orderSql, SqlParams, whereClauses } from "../query/sql";
import { csvHeader, csvSelectExprs, CSV_SPACE_CODES, FORMULA_CHARS, FORMULA_LEAD_CODES, type CsvHeaderKind } from "./csv";
import { ExportConnection } from "./connection";

/** An SQL literal for a value whereClauses would have bound as a parameter. */
export function sqlLiteral(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "string") return escapeLiteral(v);
  if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (v instanceof Date && !Number.isNaN(v.getTime())) return `${escapeLiteral(v.toISOString())}::timestamptz`;
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return `ARRAY[${v.map((x) => escapeLiteral(x)).join(", ")}]::text[]`;
  if (Array.isArray(v) && v.every((x) => Number.isSafeInteger(x))) return `'{${v.join(",")}}'`; // search blocks (…::int[])
  throw new TypeError(`cannot inline a ${typeof v} as an SQL literal`);
}

/** SqlParams that writes literals into the text instead of collecting $n parameters. */
class LiteralParams extends SqlParams {
  override add(v: unknown): string {
    return sqlLiteral(v);
  }
}

/** `\uXXXX` for a code point, as PostgreSQL's escape strings and regular expressions read it. */
const uEscape = (c: number) => "\\u" + c.toString(16).padStart(4, "0");
const FORMULA_CODES = [...FORMULA_CHARS].map((c) => c.charCodeAt(0));
/** A run of whitespace, then a formula character (an escape string: the regex reads the \u escapes). */
const AFTER_SPACES_SQL = `E'^[${CSV_SPACE_CODES.map((c) => "\\" + uEscape(c)).join("")}]+[${FORMULA_CODES.map((c) => "\\" + uEscape(c)).join("")}]'`;

/**
 * csvCell's formula neutralisation (csv.ts isFormulaLike) and empty-as-nothing, in SQL, for one
 * text expression. The first character by its code point (ascii() in a UTF-8 database; 0 for an
 * empty string): integer comparisons cost next to nothing per cell, and the regular expression
 * runs only for the rare cell that starts with whitespace.
 */
function cellSql(expr: string): string {
  const first = `ascii(${expr})`;
  const formula = `${first} IN (${[...FORMULA_CODES, ...FORMULA_LEAD_CODES].join(", ")}) OR ${first} IN (${CSV_SPACE_CODES.join(", ")}) AND ${expr} ~ ${AFTER_SPACES_SQL}`;
  return `CASE WHEN ${formula} THEN '''' || ${expr} ELSE nullif(${expr}, '') END`;
}

export function copyCsvSql(q: EventQuery): string {
  const p = new LiteralParams();
  const where = whereClauses(q, p);
  const cols = csvSelectExprs(q, p).map((e, i) => `${cellSql(e)} AS c${i}`).join(", ");
  return `COPY (SELECT ${cols} FROM events ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY ${orderSql(q)}) TO STDOUT (FORMAT csv, FORCE_QUOTE *)`;
}

/** LF row ends → CRLF, tracking CSV quoting across chunk boundaries. */
export class CrlfWriter {
  private quoted = false;

  convert(chunk: Buffer): Buffer {
    const ends: number[] = [];
    let i = 0;
    let quote = chunk.indexOf(0x22); // next quote at or after i (-1: none left in this chunk)
    while (i < chunk.length) {
      if (quote !== -1 && quote < i) quote = chunk.indexOf(0x22, i);
      if (this.quoted) {
        if (quote === -1) break;
        this.quoted = false; // a doubled "" closes and reopens: the toggle comes out right
        i = quote + 1;
        continue;
      }
      const n = chunk.indexOf(0x0a, i);
      if (n !== -1 && (quote === -1 || n < quote)) {
        ends.push(n);
        i = n + 1;
      } else if (quote !== -1) {
        this.quoted = true;
        i = quote + 1;
      } else break;
    }
    if (ends.length === 0) return chunk;
    const out = Buffer.allocUnsafe(chunk.length + ends.length);
    let from = 0;
    let at = 0;
    for (const n of ends) {
      at += chunk.copy(out, at, from, n);
      out[at++] = 0x0d;
      out[at++] = 0x0a;
      from = n + 1;
    }
    chunk.copy(out, at, from);
    return out;
  }
}

/** Up to this many candidate search blocks (~200k events) a sort of the matches is cheap. */
const SORTABLE_BLOCKS = 100;

export function copyCsvStream(
  pool: pg.Pool,
  query: EventQuery,
  /** `header`: the header row's words (csv.ts csvHeader); only that row differs. */
  opts: { onDone?: () => void; header?: CsvHeaderKind } = {},
): ReadableStream<Uint8Array> {
  copyCsvSql(query); // before connecting: a value that can't be inlined fails here
  // A connection left mid-COPY is closed (which also ends its transaction), never reused; one the
  // pool hands over after a cancel goes straight back (connection.ts).
  const conn = new ExportConnection(pool, opts.onDone);
  let source: Readable | undefined;
  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, err: unknown) => {
    if (conn.ended) return; // cancelled meanwhile: the cancel freed the connection
    source?.destroy();
    conn.fail(err);
    controller.error(err);
  };
  return new ReadableStream<Uint8Array>(
    {
      async start(controller) {
        try {
          const client = await conn.begin(); // BEGIN READ ONLY, no statement time limit
          if (!client) return; // cancelled while waiting for the pool
          const q = await withSearchBlocks(client, query);
          const sql = copyCsvSql(q);
          // COPY is planned for all rows, which for a large match means a full sort before the
          // first byte (minutes at 10M). Walking an index in the requested order streams at once
          // at flat memory; selective filters still reach their rows through their own indexes.
          // Free text narrowed to a few search blocks is sorted: walking the time index instead
          // would test every row's block.
          if (!q.searchBlocks || q.searchBlocks.length > SORTABLE_BLOCKS) await client.query("SET LOCAL enable_sort = off");
          if (conn.ended) return;
          controller.enqueue(new TextEncoder().encode(csvHeader(opts.header)));
          const crlf = new CrlfWriter();
          const s = client.query(copyTo(sql)) as unknown as Readable;
          source = s;
          s.on("data", (chunk: Buffer) => {
            if (conn.ended) return;
            controller.enqueue(crlf.convert(chunk));
            if ((controller.desiredSize ?? 1) <= 0) s.pause(); // resumed by pull()
          });
          s.on("error", (err) => fail(controller, err));
          s.on("end", () => {
            if (conn.ended) return;
            conn.commit().then(
              () => controller.close(),
              (err) => fail(controller, err),
            );
          });
        } catch (err) {
          fail(controller, err);
        }
      },
      pull() {
        source?.resume();
      },
      cancel() {
        source?.destroy();
        conn.cancel(); // the client went away: stop the COPY, free the connection
      },
    },
    { highWaterMark: 8 },
  );
}

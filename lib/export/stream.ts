// Streams every event matching a query at flat memory: a server-side cursor pulled only as fast
// as the client reads, so exporting 10M rows holds one batch at a time.
import type pg from "pg";
import type { EventQuery } from "../query/params";
import { withSearchBlocks } from "../query/search";
import { orderSql, SqlParams, whereClauses } from "../query/sql";
import { csvHeader, csvSelectExprs, csvTextLine, type CsvHeaderKind } from "./csv";
import { ExportConnection } from "./connection";
import { copyCsvStream } from "./copy-csv";

export type ExportFormat = "csv" | "ndjson";

export function exportSql(q: EventQuery, format: ExportFormat): { text: string; values: unknown[] } {
  const p = new SqlParams();
  const where = whereClauses(q, p);
  const cols = format === "csv" ? csvSelectExprs(q, p).join(", ") : `coalesce(raw_json, record::text) AS json`;
  return { text: `SELECT ${cols} FROM events ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY ${orderSql(q)}`, values: p.values };
}

const FETCH_ROWS = 5000;

export interface ExportOptions {
  fetchRows?: number;
  via?: "copy" | "cursor";
  /** Runs exactly once when the export ends: read whole, failed, or cancelled by its client. */
  onDone?: () => void;
  /** The CSV header row's words (csv.ts csvHeader): field keys (default) or labels a person reads. */
  header?: CsvHeaderKind;
}

/**
 * The export as a byte stream. `pool` is the process's pool (not a request's abortablePool view:
 * the stream outlives the handler); its connection is released when the stream ends, fails, or is
 * cancelled, and its statement cancelled if one is running then.
 */
export function exportStream(pool: pg.Pool, q: EventQuery, format: ExportFormat, opts: ExportOptions = {}): ReadableStream<Uint8Array> {
  // CSV: PostgreSQL's COPY writes it (copy-csv.ts). The cursor path stays for NDJSON (COPY would
  // escape or quote the JSON text) and as the CSV reference the tests compare COPY against.
  if (format === "csv" && (opts.via ?? "copy") === "copy") return copyCsvStream(pool, q, { onDone: opts.onDone, header: opts.header });
  const enc = new TextEncoder();
  const fetchRows = opts.fetchRows ?? FETCH_ROWS;
  const conn = new ExportConnection(pool, opts.onDone);
  let client: pg.PoolClient | undefined;
  // One FETCH always in flight, so PostgreSQL reads the next batch while this one is formatted.
  let next: Promise<pg.QueryResult<(string | null)[]>> | undefined;
  const fetch = () => {
    next = client!.query<(string | null)[]>({ text: `FETCH ${fetchRows} FROM trailscope_export`, rowMode: "array" });
    next.catch(() => {}); // surfaced by the pull that awaits it
  };
  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, err: unknown) => {
    if (conn.ended) return; // cancelled meanwhile: the cancel freed the connection
    conn.fail(err);
    controller.error(err);
  };
  return new ReadableStream<Uint8Array>(
    {
      async start(controller) {
        try {
          client = await conn.begin();
          if (!client) return; // cancelled while waiting for the pool
          const { text, values } = exportSql(await withSearchBlocks(client, q), format);
          // An SQL cursor, not a protocol portal: DECLARE is planned for a fast start
          // (cursor_tuple_fraction), so an export of millions of rows walks the time index and
          // streams at once instead of sorting everything on disk first; selective filters still
          // get their sort plans. Values stay bound parameters.
          await client.query({ text: `DECLARE trailscope_export NO SCROLL CURSOR FOR ${text}`, values });
          if (conn.ended) return;
          fetch();
          if (format === "csv") controller.enqueue(enc.encode(csvHeader(opts.header)));
        } catch (err) {
          fail(controller, err);
        }
      },
      async pull(controller) {
        try {
          // Rows as arrays of text: one column for NDJSON, the CSV columns pre-formatted by SQL.
          const { rows } = await next!;
          if (conn.ended) return;
          const last = rows.length < fetchRows;
          if (!last) fetch();
          let out = "";
          for (const r of rows) out += format === "csv" ? csvTextLine(r) : r[0] + "\n";
          if (out) controller.enqueue(enc.encode(out));
          if (last) {
            await conn.commit();
            controller.close();
          }
        } catch (err) {
          fail(controller, err);
        }
      },
      cancel() {
        conn.cancel(); // the client went away: stop the FETCH, free the connection and the cursor
      },
    },
    { highWaterMark: 0 },
  );
}

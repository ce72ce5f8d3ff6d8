// Streams every event matching a query at flat memory: a server-side cursor (pg-query-stream)
// pulled only as fast as the client reads, so exporting 10M rows holds one batch at a time.
import type pg from "pg";
import QueryStream from "pg-query-stream";
import { SELECT_COLUMNS } from "../query/events";
import type { EventQuery } from "../query/params";
import { SqlParams, whereClauses } from "../query/sql";
import { CSV_HEADER, csvLine } from "./csv";

export type ExportFormat = "csv" | "ndjson";

export function exportSql(q: EventQuery, format: ExportFormat): { text: string; values: unknown[] } {
  const p = new SqlParams();
  const where = whereClauses(q, p);
  const dir = q.sort.dir;
  const order = q.sort.field.kind === "time" ? `${q.sort.field.column} ${dir}, id ${dir}` : `${q.sort.field.column} ${dir} NULLS LAST, id ${dir}`;
  const cols = format === "csv" ? SELECT_COLUMNS : `coalesce(raw_json, record::text) AS json`;
  return { text: `SELECT ${cols} FROM events ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY ${order}`, values: p.values };
}

export function exportStream(pool: pg.Pool, q: EventQuery, format: ExportFormat): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let client: pg.PoolClient | undefined;
  let rows: AsyncIterator<Record<string, unknown>> | undefined;
  let stream: QueryStream | undefined;
  const release = () => {
    stream?.destroy();
    client?.release();
    client = undefined;
  };
  return new ReadableStream<Uint8Array>(
    {
      async start(controller) {
        try {
          client = await pool.connect();
          const { text, values } = exportSql(q, format);
          stream = client.query(new QueryStream(text, values, { batchSize: 1000 }));
          rows = stream[Symbol.asyncIterator]() as AsyncIterator<Record<string, unknown>>;
          if (format === "csv") controller.enqueue(enc.encode(CSV_HEADER));
        } catch (err) {
          release();
          controller.error(err);
        }
      },
      async pull(controller) {
        try {
          let out = "";
          // Send ~64 KB at a time; the cursor fetches 1,000 rows per round trip.
          while (out.length < 65536) {
            const next = await rows!.next();
            if (next.done) {
              if (out) controller.enqueue(enc.encode(out));
              release();
              controller.close();
              return;
            }
            out += format === "csv" ? csvLine(next.value) : (next.value.json as string) + "\n";
          }
          controller.enqueue(enc.encode(out));
        } catch (err) {
          release();
          controller.error(err);
        }
      },
      cancel() {
        release(); // the client went away: free the connection and the cursor
      },
    },
    { highWaterMark: 0 },
  );
}

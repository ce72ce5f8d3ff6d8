// Commits batches: events (deduplicated by eventID) together with the bookkeeping of the objects
// they came from and the source's cursor — all in ONE transaction. So after a crash (kill -9,
// database restart) an object is either fully recorded with its events or not at all, and is
// simply read again.
//
// Events go in by COPY straight into `events` after dropping the ids already stored (one indexed
// lookup per batch). A staging table would make PostgreSQL write every row twice (measured: 1.1 s
// vs 1.6 s per 100k small rows). When another transaction commits one of the same ids in between,
// the COPY fails with a unique violation and the batch is redone through a staging table with
// INSERT … ON CONFLICT DO NOTHING.
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { COPY_COLUMNS, copyValue, noRows, type EventRows } from "./normalize";
import { linkBatch, type LinkedRow as Linked } from "../actors/link";
import type { ObjectKind, ObjectStatus } from "./decode";
import { addEntriesToRollups } from "../store/rollups";
import { checkOut, giveBack } from "../store/checkout";
import { packBlocks, SKETCH_FORMAT } from "../store/sketch";

export interface ObjectRecord {
  source: string;
  key: string;
  size: number | null;
  etag: string | null;
  sha256: string | null;
  kind: ObjectKind;
  records: number;
  status: ObjectStatus;
  reason: string | null;
  meta: Record<string, unknown> | null;
  /** Re-read only to be hashed (validation): only its hash, size, ETag and read time are updated. */
  checkOnly?: boolean;
}

export interface CursorUpdate {
  source: string;
  account: string;
  region: string;
  position: unknown;
}

export interface Batch {
  rows: EventRows;
  objects: ObjectRecord[];
  /** Per row of `rows`: the index in `objects` of the object it came from, or -1 (LookupEvents); absent: none. */
  rowObjects?: number[];
  cursors: CursorUpdate[];
}

export function emptyBatch(): Batch {
  return { rows: noRows(), objects: [], rowObjects: [], cursors: [] };
}

/** A search block of the batch (lib/store/sketch.ts): its filter, and its number once it has one. */
interface Block {
  bits: Uint8Array;
  rows: number;
}

/** The rows to store: the first line of each id (a batch can hold the same event twice), each with its search block. */
interface Rows {
  lines: Uint8Array[];
  ids: string[];
  rollups: string[];
  /** Index into `blocks`, or -1: no sketch covers the line. */
  block: number[];
  /** Index into the batch's objects, or -1: not from an object. */
  object: number[];
  /** What sets each line's actor (lib/actors/origin.ts), or null. */
  links: (string | null)[];
  blocks: Block[];
}

function uniqueRows(rows: EventRows, rowObjects: readonly number[], blockEvents?: number): Rows {
  const packed = packBlocks(rows.sketches, blockEvents);
  const out: Rows = { lines: [], ids: [], rollups: [], block: [], object: [], links: [], blocks: packed.map((b) => ({ bits: b.bits, rows: b.rows })) };
  const seen = new Set<string>();
  let b = 0;
  for (let i = 0; i < rows.ids.length; i++) {
    while (b < packed.length && i >= packed[b].first + packed[b].rows) b++;
    if (seen.has(rows.ids[i])) continue;
    seen.add(rows.ids[i]);
    out.lines.push(rows.lines[i]);
    out.ids.push(rows.ids[i]);
    out.rollups.push(rows.rollups[i]);
    out.block.push(b < packed.length ? b : -1);
    out.object.push(rowObjects[i] ?? -1);
    out.links.push(rows.links?.[i] ?? null);
  }
  return out;
}

/** The COPY columns: normalizeRecord's, then the search block, object and actor (with its accounts) the loader appends to each line. */
const COLS = [...COPY_COLUMNS, "search_block", "object_id", "actor", "actor_accounts"].map((c) => `"${c}"`).join(", ");

/**
 * Numbers and stores the search blocks of the lines about to be inserted (`keep`: their indexes)
 * and returns those lines with their block number appended.
 */
async function withBlocks(c: pg.PoolClient, rows: Rows, keep: number[] | null, objectIds: (number | null)[], actors: Linked[]): Promise<Buffer[]> {
  const idx = keep ?? rows.lines.map((_, i) => i);
  // Each used block's time span over the rows going in (a rollup entry starts with eventTime ms).
  const spans = new Map<number, [number, number]>();
  for (const i of idx) {
    if (rows.block[i] < 0) continue;
    const e = rows.rollups[i];
    const t = Number(e.slice(1, e.indexOf(",")));
    const s = spans.get(rows.block[i]);
    if (!s) spans.set(rows.block[i], [t, t]);
    else if (t < s[0]) s[0] = t;
    else if (t > s[1]) s[1] = t;
  }
  const used = [...spans.keys()];
  const number = new Map<number, number>();
  if (used.length > 0) {
    const ids = await c.query(`SELECT nextval(pg_get_serial_sequence('search_blocks', 'id'))::int AS id FROM generate_series(1, $1::int)`, [used.length]);
    used.forEach((b, k) => number.set(b, ids.rows[k].id as number));
    // One row of parameters per block: a Buffer parameter goes to PostgreSQL as binary, where a
    // bytea[] array would be spelled out in hex (twice the bytes, encoded and parsed again).
    const params: unknown[] = [];
    const tuples = used.map((b) => {
      const bits = rows.blocks[b].bits;
      const [first, last] = spans.get(b)!;
      // Widened by a millisecond each way: event_time rounds sub-millisecond times, Date truncates.
      params.push(number.get(b), rows.blocks[b].rows, new Date(first - 1), new Date(last + 1), Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength));
      const n = params.length;
      return `($${n - 4}::int, ${SKETCH_FORMAT}, $${n - 3}::int, $${n - 2}::timestamptz, $${n - 1}::timestamptz, $${n}::bytea)`;
    });
    await c.query(`INSERT INTO search_blocks (id, format, events, first_time, last_time, bloom) VALUES ${tuples.join(", ")}`, params);
  }
  const objectOf = (i: number) => {
    const id = rows.object[i] >= 0 ? objectIds[rows.object[i]] : null;
    return id === null || id === undefined ? "\\N" : String(id);
  };
  return packLines(rows.lines, idx, (i) => `\t${rows.block[i] >= 0 ? number.get(rows.block[i]) : "\\N"}\t${objectOf(i)}\t${copyValue(actors[i].actor)}\t${copyValue(actors[i].accounts)}\n`);
}

/** Errors after which the same transaction may succeed on a new connection. */
export function isTransient(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  const code = e?.code ?? "";
  return (
    code.startsWith("08") || // connection exceptions
    code === "57P01" || code === "57P02" || code === "57P03" || // admin shutdown, crash, cannot connect now
    code === "40001" || code === "40P01" || // serialization failure, deadlock (retry is the documented answer)
    code === "53300" || // too many connections
    ["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND"].includes(code) ||
    /Connection terminated|terminating connection|Client has encountered a connection error|the database system is (starting up|shutting down)|not queryable/i.test(e?.message ?? "")
  );
}

type CopyStream = ReturnType<typeof copyFrom> & {
  connection: unknown;
  flushChunk(chunk: Buffer): boolean;
  _final(cb: (err?: Error | null) => void): void;
};

/**
 * pg-copy-streams 7 sets `connection` to null when the server fails the COPY (a restart, say),
 * yet a write callback already queued on the socket still flushes buffered chunks or sends
 * CopyDone through it: an uncaught TypeError that would kill the sync instead of letting the
 * loader retry. Once the COPY has failed those writes mean nothing, so they are dropped.
 */
function guardedCopyFrom(sql: string): CopyStream {
  const stream = copyFrom(sql) as CopyStream;
  const flushChunk = stream.flushChunk.bind(stream);
  stream.flushChunk = (chunk) => (stream.connection ? flushChunk(chunk) : true);
  const final = stream._final.bind(stream);
  stream._final = (cb) => (stream.connection ? final(cb) : cb(new Error("COPY failed")));
  return stream;
}

/**
 * The lines `idx` of `lines` (UTF-8, each ending in a newline), each with that newline replaced by
 * `suffix(i)` (ending in a newline), copied into buffers of at most about `size` bytes that
 * hold whole lines. Written so, not line by line: every write is a stream round and a CopyData
 * message of its own, which cost more than the copy.
 */
export function packLines(lines: readonly Uint8Array[], idx: readonly number[], suffix: (i: number) => string, size = 256 * 1024): Buffer[] {
  const out: Buffer[] = [];
  let buf = Buffer.allocUnsafe(size);
  let used = 0;
  for (const i of idx) {
    const line = lines[i];
    const end = suffix(i);
    // UTF-8 takes at most 3 bytes per UTF-16 code unit (an actor may be a SAML subject in any script).
    const endMax = end.length * 3;
    if (used + line.length + endMax > buf.length) {
      if (used > 0) out.push(buf.subarray(0, used));
      buf = Buffer.allocUnsafe(Math.max(size, line.length + endMax));
      used = 0;
    }
    buf.set(line, used);
    used += line.length - 1; // the suffix overwrites the newline
    used += buf.write(end, used, "utf8");
  }
  if (used > 0) out.push(buf.subarray(0, used));
  return out;
}

function copyInto(client: pg.PoolClient, sql: string, chunks: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.query(guardedCopyFrom(sql));
    stream.on("error", reject);
    stream.on("finish", () => resolve());
    let i = 0;
    // Respect backpressure: a batch can be tens of megabytes.
    const pump = () => {
      while (i < chunks.length) {
        if (!stream.write(chunks[i++])) {
          stream.once("drain", pump);
          return;
        }
      }
      stream.end();
    };
    pump();
  });
}

/** Pool clients whose session already has the staging table (temp tables live as long as the session). */
const staged = new WeakSet<pg.ClientBase>();

/**
 * The connection of one commit, taken from the pool for it and given back after: a loader that
 * kept idle connections between commits starved a small pool (2 connections, one holding the
 * sync lock: the second commit in flight, or the grouping after it, waited forever).
 */
class Connection {
  private client: pg.PoolClient | null = null;

  constructor(private readonly pool: pg.Pool) {}

  async get(): Promise<pg.PoolClient> {
    if (this.client) return this.client;
    const c = await checkOut(this.pool);
    this.client = c;
    return c;
  }

  async stage(c: pg.PoolClient) {
    if (staged.has(c)) return;
    // Without indexes or WAL; emptied at every commit.
    await c.query(`CREATE TEMP TABLE IF NOT EXISTS events_stage (LIKE events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`);
    staged.add(c);
  }

  drop(broken: boolean) {
    if (this.client) giveBack(this.client, broken ? new Error("discarded after error") : undefined);
    this.client = null;
  }
}

const UNIQUE_VIOLATION = "23505";

export class Loader {
  /** Time spent linking the batches' actors (lib/actors/link.ts), summed over commits (ms). */
  linkMs = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: (m: string) => void = () => {},
    /** Events per search block (tests use small blocks to get many). */
    private readonly opts: { blockEvents?: number } = {},
  ) {}

  /** Commits a batch; returns how many of its rows were new events. Retries through restarts. */
  async commit(batch: Batch, opts: { retryForMs?: number; signal?: AbortSignal } = {}): Promise<number> {
    const deadline = Date.now() + (opts.retryForMs ?? 120_000);
    const rows = uniqueRows(batch.rows, batch.rowObjects ?? [], this.opts.blockEvents);
    let direct = true;
    for (let attempt = 0; ; attempt++) {
      const conn = new Connection(this.pool);
      try {
        const inserted = await this.commitOnce(conn, rows, batch, direct);
        conn.drop(false);
        return inserted;
      } catch (err) {
        conn.drop(isTransient(err));
        if ((err as { code?: string }).code === UNIQUE_VIOLATION && direct) {
          direct = false; // a concurrent sync stored some of these ids first: dedupe in SQL instead
          continue;
        }
        if (!isTransient(err) || Date.now() > deadline || opts.signal?.aborted) throw err;
        const wait = Math.min(500 * 2 ** attempt, 5000);
        this.log(`database unavailable (${(err as Error).message}); retrying in ${wait} ms`);
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  private async commitOnce(conn: Connection, rows: Rows, batch: Batch, direct: boolean): Promise<number> {
    const c = await conn.get();
    try {
      // The credentials the batch issued, and each event's actor (lib/actors/link.ts), in a short
      // transaction of their own committed before the batch's: held across the COPY, their row
      // locks made a concurrent batch issuing the same key (a cross-account call's other copy)
      // wait for this whole commit, and the batches' commits ran one after the other. Committed
      // first, a batch that then fails leaves issuances whose events a retry stores; linking them
      // again changes nothing.
      const linkStart = performance.now();
      let actors: Awaited<ReturnType<typeof linkBatch>> = [];
      if (rows.ids.length > 0) {
        await c.query("BEGIN");
        actors = await linkBatch(c, rows.links, rows.ids);
        await c.query("COMMIT");
      }
      this.linkMs += performance.now() - linkStart;
      await c.query("BEGIN");
      let inserted = 0;
      // Objects first: each event row carries the id of the object it came from.
      const objectIds = batch.objects.length > 0 ? await this.upsertObjects(c, batch.objects) : [];
      // The rollups count exactly the events this transaction inserts: their entries, by index.
      let added: string[] = [];
      if (rows.ids.length > 0 && direct) {
        const existing = await c.query(`SELECT id FROM events WHERE id = ANY($1::text[])`, [rows.ids]);
        const known = new Set(existing.rows.map((r) => r.id as string));
        const keep = known.size ? rows.ids.flatMap((id, i) => (known.has(id) ? [] : [i])) : null;
        const chunks = await withBlocks(c, rows, keep, objectIds, actors);
        if (chunks.length) await copyInto(c, `COPY events (${COLS}) FROM STDIN`, chunks);
        inserted = keep ? keep.length : rows.lines.length;
        added = keep ? keep.map((i) => rows.rollups[i]) : rows.rollups;
      } else if (rows.ids.length > 0) {
        await conn.stage(c);
        // Blocks are stored for every staged line; one whose lines all turn out stored already
        // only makes a later search look at nothing.
        await copyInto(c, `COPY events_stage (${COLS}) FROM STDIN`, await withBlocks(c, rows, null, objectIds, actors));
        // Sorted by id so concurrent syncs take row locks in the same order and cannot deadlock.
        const r = await c.query(
          `INSERT INTO events (${COLS}) SELECT ${COLS} FROM events_stage ORDER BY id ON CONFLICT (id) DO NOTHING RETURNING id`,
        );
        inserted = r.rowCount ?? 0;
        const ours = new Set(r.rows.map((row) => row.id as string));
        added = rows.rollups.filter((_, i) => ours.has(rows.ids[i]));
      }
      for (const cur of [...batch.cursors].sort((a, b) => (a.account + a.region).localeCompare(b.account + b.region))) {
        await c.query(
          `INSERT INTO sync_cursors (source, account, region, position, updated_at) VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (source, account, region) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
          [cur.source, cur.account, cur.region, JSON.stringify(cur.position)],
        );
      }
      await addEntriesToRollups(c, added); // last: its row locks are shared by every commit
      await c.query("COMMIT");
      return inserted;
    } catch (err) {
      await c.query("ROLLBACK").catch(() => {});
      throw err;
    }
  }

  /** Records the objects; returns each one's id (IngestedObject.id), in the order given. */
  private async upsertObjects(c: pg.PoolClient, objects: ObjectRecord[]): Promise<number[]> {
    // Last write per key wins within a batch (an object re-read after its ETag changed).
    const keyOf = (o: ObjectRecord) => `${o.source}\u0001${o.key}`;
    const byKey = new Map(objects.map((o) => [keyOf(o), o]));
    const list = [...byKey.values()].sort((a, b) => (a.source === b.source ? (a.key < b.key ? -1 : 1) : a.source < b.source ? -1 : 1));
    const r = await c.query(
      `INSERT INTO ingested_objects (source, key, size, etag, sha256, kind, records, status, reason, meta, ingested_at)
       SELECT s, k, sz, e, h, kd, n, st, rs, m::jsonb, now()
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[], $10::text[])
         AS t(s, k, sz, e, h, kd, n, st, rs, m)
       ON CONFLICT (source, key) DO UPDATE SET size = EXCLUDED.size, etag = EXCLUDED.etag, sha256 = EXCLUDED.sha256,
         kind = CASE WHEN EXCLUDED.records = -1 THEN ingested_objects.kind ELSE EXCLUDED.kind END,
         records = CASE WHEN EXCLUDED.records = -1 THEN ingested_objects.records ELSE EXCLUDED.records END,
         status = CASE WHEN EXCLUDED.records = -1 THEN ingested_objects.status ELSE EXCLUDED.status END,
         reason = CASE WHEN EXCLUDED.records = -1 THEN ingested_objects.reason ELSE EXCLUDED.reason END,
         meta = CASE WHEN EXCLUDED.records = -1 THEN ingested_objects.meta ELSE EXCLUDED.meta END, ingested_at = now()
       RETURNING id, source, key`,
      [
        list.map((o) => o.source),
        list.map((o) => o.key),
        list.map((o) => o.size),
        list.map((o) => o.etag),
        list.map((o) => o.sha256),
        list.map((o) => o.kind),
        // -1: a check-only re-read (only ever of an object already recorded), which keeps what the
        // object's first read found (ON CONFLICT above) and updates only its hash and read time.
        list.map((o) => (o.checkOnly ? -1 : o.records)),
        list.map((o) => o.status),
        list.map((o) => o.reason),
        list.map((o) => (o.meta ? JSON.stringify(o.meta) : null)),
      ],
    );
    const ids = new Map(r.rows.map((row) => [`${row.source}\u0001${row.key}`, row.id as number]));
    return objects.map((o) => ids.get(keyOf(o))!);
  }

}

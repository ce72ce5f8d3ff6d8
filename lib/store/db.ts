// Database handles. One pg Pool per process serves both Prisma (through @prisma/adapter-pg, for
// bookkeeping reads and writes) and the hot paths that need node-postgres directly: COPY bulk
// loads, streaming cursors for export, and the dynamically built event queries.
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client";
import { parseDuration } from "../sync/config";

// PostgreSQL BIGINT and NUMERIC arrive as strings by default; counts we read fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface Db {
  url: string;
  pool: pg.Pool;
  prisma: PrismaClient;
  close(): Promise<void>;
}

/** PostgreSQL takes these settings as a 32-bit count of milliseconds. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The console's statement time limit: TRAILSCOPE_QUERY_TIMEOUT (5s, 30s, 2m; 0 = none; default
 * 5s). Invalid values throw, naming the variable, so a typo fails at start, not at a query.
 */
export function queryTimeoutMs(env: Record<string, string | undefined> = process.env): number {
  const ms = Math.ceil(parseDuration("TRAILSCOPE_QUERY_TIMEOUT", env.TRAILSCOPE_QUERY_TIMEOUT ?? "5s"));
  if (ms > MAX_TIMEOUT_MS) throw new Error(`TRAILSCOPE_QUERY_TIMEOUT: at most ${MAX_TIMEOUT_MS}ms (about 24 days); 0 means no limit`);
  return ms;
}

/** How long the console's sessions may sit inside a transaction doing nothing before PostgreSQL ends them. */
export const CONSOLE_IDLE_IN_TRANSACTION_MS = 60_000;

export interface OpenDbOptions {
  max?: number;
  /**
   * statement_timeout of every connection (ms; 0 or unset: none). For request handlers only: the
   * sync engine waits on advisory locks and COPYs batches for as long as they take.
   */
  queryTimeoutMs?: number;
  /** idle_in_transaction_session_timeout (ms; 0 or unset: none): a leaked transaction ends by itself. */
  idleInTransactionTimeoutMs?: number;
}

/** A timeout setting for the startup packet; undefined (PostgreSQL's default, none) for 0 or unset. */
function timeoutSetting(name: string, ms: number | undefined): number | undefined {
  if (ms === undefined || ms === 0) return undefined;
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_TIMEOUT_MS) throw new RangeError(`${name}: ${ms} is not a whole number of milliseconds`);
  return ms;
}

export function openDb(url: string, opts: OpenDbOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 8,
    application_name: "trailscope",
    // JIT off: the console's queries are first pages and aggregates over indexes; PostgreSQL
    // decides on JIT from cost estimates, and an ILIKE estimated to match almost nothing makes a
    // 50 ms time-index walk look expensive enough to spend ~0.6 s compiling it (measured on 1M
    // events: free text "accessdenied" 800 → 140 ms, a common term through its blocks 700 → 90 ms).
    options: "-c jit=off",
    // The limits go in the startup packet as parameters of their own rather than in `options`:
    // a DATABASE_URL with an `options=` parameter (some hosted servers need one) replaces
    // `options` whole, and would drop them silently.
    statement_timeout: timeoutSetting("statement_timeout", opts.queryTimeoutMs),
    idle_in_transaction_session_timeout: timeoutSetting("idle_in_transaction_session_timeout", opts.idleInTransactionTimeoutMs),
  });
  // An idle client that loses its server (database restart) must not crash the process.
  pool.on("error", (err) => console.error("trailscope: idle database connection lost:", err.message));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    url,
    pool,
    prisma,
    async close() {
      await prisma.$disconnect().catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}

const globalForDb = globalThis as unknown as { trailscopeDb?: Db };

/** The process-wide handle for the web server (DATABASE_URL is set by scripts/start.ts). */
export function getDb(): Db {
  if (!globalForDb.trailscopeDb) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set (start the console with `npm start`)");
    // Every query of a request has a time limit; exports lift it for their own transaction
    // (lib/export) and are cancelled when their client goes away instead.
    globalForDb.trailscopeDb = openDb(url, { queryTimeoutMs: queryTimeoutMs(), idleInTransactionTimeoutMs: CONSOLE_IDLE_IN_TRANSACTION_MS });
  }
  return globalForDb.trailscopeDb;
}

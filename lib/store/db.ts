// Database handles. One pg Pool per process serves both Prisma (through @prisma/adapter-pg, for
// bookkeeping reads and writes) and the hot paths that need node-postgres directly: COPY bulk
// loads, streaming cursors for export, and the dynamically built event queries.
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client";

// PostgreSQL BIGINT and NUMERIC arrive as strings by default; counts we read fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface Db {
  url: string;
  pool: pg.Pool;
  prisma: PrismaClient;
  close(): Promise<void>;
}

export function openDb(url: string, opts: { max?: number } = {}): Db {
  // JIT off: the console's queries are first pages and aggregates over indexes; PostgreSQL decides
  // on JIT from cost estimates, and an ILIKE estimated to match almost nothing makes a 50 ms
  // time-index walk look expensive enough to spend ~0.6 s compiling it (measured on 1M events:
  // free text "accessdenied" 800 → 140 ms, a common term through its blocks 700 → 90 ms).
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 8, application_name: "trailscope", options: "-c jit=off" });
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
    globalForDb.trailscopeDb = openDb(url);
  }
  return globalForDb.trailscopeDb;
}

// Throw-away databases on the real PostgreSQL server (BENCH_PG_URL, default the local one).
import pg from "pg";

export const SERVER_URL = process.env.BENCH_PG_URL ?? process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export function dbUrl(name: string): string {
  const u = new URL(SERVER_URL);
  u.pathname = "/" + name;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: SERVER_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const ident = (name: string) => {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
  return `"${name}"`;
};

export const createDb = (name: string) => admin((c) => c.query(`CREATE DATABASE ${ident(name)}`)).then(() => dbUrl(name));
export const dropDb = (name: string) => admin((c) => c.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`)).then(() => undefined);
export const renameDb = (from: string, to: string) =>
  admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${ident(to)} WITH (FORCE)`);
    await c.query(`ALTER DATABASE ${ident(from)} RENAME TO ${ident(to)}`);
  });
export const dbExists = (name: string) =>
  admin(async (c) => (await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount === 1);
export const listDbs = (prefix: string) =>
  admin(async (c) => (await c.query(`SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1`, [prefix + "%"])).rows.map((r) => r.datname as string));

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function serverInfo(): Promise<Record<string, string>> {
  return admin(async (c) => {
    const out: Record<string, string> = {};
    out.version = (await c.query(`SHOW server_version`)).rows[0].server_version;
    for (const s of ["shared_buffers", "work_mem", "max_parallel_workers_per_gather", "max_wal_size", "synchronous_commit", "jit"]) {
      out[s] = (await c.query(`SHOW ${s}`)).rows[0][s];
    }
    return out;
  });
}

// Each test file gets its own throw-away database on a real PostgreSQL server: TEST_DATABASE_URL
// (any database on the server; scripts/test.ts sets it, starting an embedded server if needed),
// else the local server at 127.0.0.1:5432.
import { randomBytes } from "node:crypto";
import pg from "pg";

export const SERVER_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export function urlForDatabase(name: string, base = SERVER_URL): string {
  const u = new URL(base);
  u.pathname = "/" + name;
  return u.toString();
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix = "ts_test"): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: urlForDatabase(name),
    async drop() {
      const c = new pg.Client({ connectionString: SERVER_URL });
      await c.connect();
      try {
        // Connections a test's pool is still closing go by themselves in a moment; FORCE would
        // terminate them mid-close, and a client then gets "terminating connection" as an
        // uncaught error. So: a plain DROP while any remain (a few tries), FORCE only after.
        for (let attempt = 0; ; attempt++) {
          try {
            await c.query(`DROP DATABASE IF EXISTS "${name}"${attempt >= 20 ? " WITH (FORCE)" : ""}`);
            break;
          } catch (err) {
            if ((err as { code?: string }).code !== "55006" || attempt >= 20) throw err; // 55006: in use
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      } finally {
        await c.end();
      }
    },
  };
}

// Applies prisma/migrations/* exactly as Prisma's schema engine would (`prisma migrate deploy`),
// because that engine is a native binary we cannot download on our machines. The bookkeeping
// (_prisma_migrations, checksums, advisory lock id, P3005/P3009 refusals) matches Prisma's, so a
// machine that does have the engine later sees these migrations as applied.
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";

const PRISMA_ADVISORY_LOCK = 72707369;

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../../prisma/migrations");

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<{ name: string; sql: string; checksum: string }[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort((a, b) => a.localeCompare(b));
  const out = [];
  for (const name of names) {
    let sql: string;
    try {
      sql = await readFile(path.join(dir, name, "migration.sql"), "utf8");
    } catch {
      continue; // Prisma ignores folders without migration.sql too
    }
    out.push({ name, sql, checksum: createHash("sha256").update(sql).digest("hex") });
  }
  return out;
}

export async function migrate(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_ADVISORY_LOCK]);
    const exists = await client.query(`SELECT to_regclass('_prisma_migrations') IS NOT NULL AS ok`);
    if (!exists.rows[0].ok) {
      const tables = await client.query(
        `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = current_schema()`,
      );
      if (tables.rows[0].n > 0) {
        throw new Error(
          "P3005: the database schema is not empty and has no _prisma_migrations table; refusing to migrate it",
        );
      }
      await client.query(`CREATE TABLE "_prisma_migrations" (
        "id" VARCHAR(36) PRIMARY KEY NOT NULL,
        "checksum" VARCHAR(64) NOT NULL,
        "finished_at" TIMESTAMPTZ,
        "migration_name" VARCHAR(255) NOT NULL,
        "logs" TEXT,
        "rolled_back_at" TIMESTAMPTZ,
        "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "applied_steps_count" INTEGER NOT NULL DEFAULT 0
      )`);
    }
    const failed = await client.query(
      `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NULL AND rolled_back_at IS NULL`,
    );
    if (failed.rows.length > 0) {
      throw new Error(
        `P3009: migration ${failed.rows[0].migration_name} failed earlier; fix the database and mark it rolled back before migrating again`,
      );
    }
    const done = await client.query(
      `SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const applied = new Map<string, string>(done.rows.map((r) => [r.migration_name, r.checksum]));
    const result: MigrationResult = { applied: [], alreadyApplied: 0 };
    for (const m of await listMigrations(dir)) {
      if (applied.has(m.name)) {
        if (applied.get(m.name) !== m.checksum) {
          console.warn(`warning: migration ${m.name} was edited after it was applied (checksum differs)`);
        }
        result.alreadyApplied++;
        continue;
      }
      const id = randomUUID();
      await client.query(
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
        [id, m.checksum, m.name],
      );
      try {
        // One simple-protocol query: the whole script runs in one implicit transaction, as Prisma does.
        await client.query(m.sql);
      } catch (err) {
        await client.query(`UPDATE _prisma_migrations SET logs = $2 WHERE id = $1`, [id, String(err)]);
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`);
      }
      await client.query(
        `UPDATE _prisma_migrations SET applied_steps_count = applied_steps_count + 1, finished_at = now() WHERE id = $1`,
        [id],
      );
      result.applied.push(m.name);
    }
    return result;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_ADVISORY_LOCK]).catch(() => {});
    await client.end();
  }
}

// Queries that need planner or memory settings of their own, without changing the pool's.
import type pg from "pg";
import { withClient } from "./checkout";

/**
 * Runs one query in a read-only transaction with planner or memory settings of its own
 * (`SET LOCAL`, so they end with it): a first page that must walk an index, a sum that needs more
 * work_mem than the server's default. Setting names and values are code constants, not input.
 */
export async function queryWithSettings(db: pg.Pool, settings: Record<string, string>, sql: string, values: unknown[]): Promise<pg.QueryResult> {
  if (Object.keys(settings).length === 0) return db.query(sql, values);
  return withClient(db, async (c) => {
    await c.query("BEGIN READ ONLY");
    for (const [name, value] of Object.entries(settings)) await c.query(`SET LOCAL ${name} = '${value}'`);
    const r = await c.query(sql, values);
    await c.query("COMMIT");
    return r;
  });
}

// Queries that need planner or memory settings of their own, without changing the pool's.
import type pg from "pg";
import { checkOut, giveBack, withClient } from "./checkout";

/** The settings for the rest of `c`'s open transaction. */
async function setLocal(c: pg.ClientBase, settings: Record<string, string>) {
  for (const [name, value] of Object.entries(settings)) await c.query(`SET LOCAL ${name} = '${value}'`);
}

/**
 * Runs one query in a read-only transaction with planner or memory settings of its own
 * (`SET LOCAL`, so they end with it): a first page that must walk an index, a sum that needs more
 * work_mem than the server's default. Setting names and values are code constants, not input.
 */
export async function queryWithSettings(db: pg.Pool, settings: Record<string, string>, sql: string, values: unknown[]): Promise<pg.QueryResult> {
  if (Object.keys(settings).length === 0) return db.query(sql, values);
  return withClient(db, async (c) => {
    await c.query("BEGIN READ ONLY");
    await setLocal(c, settings);
    const r = await c.query(sql, values);
    await c.query("COMMIT");
    return r;
  });
}

/**
 * Several read-only queries at once, each on a connection of its own, all in ONE snapshot: the
 * first connection exports it (pg_export_snapshot) and the others import it, so their results add
 * up as a single query's would even while a sync commits between them — yet they use more than
 * the one core a single PostgreSQL query gets here. With the settings of queryWithSettings. When
 * the pool has fewer connections free than queries, connections take several in turn (with none
 * free, all run on one, one after another); results come back in the queries' order.
 */
export async function queriesInOneSnapshot(
  db: pg.Pool,
  settings: Record<string, string>,
  queries: { sql: string; values: unknown[] }[],
): Promise<pg.QueryResult[]> {
  if (queries.length === 1) return [await queryWithSettings(db, settings, queries[0].sql, queries[0].values)];
  // Only connections free now: waiting for more while holding one could wait for ourselves.
  const free = db.idleCount + Math.max(0, (db.options.max ?? 10) - db.totalCount);
  const lanes = Math.max(1, Math.min(queries.length, free));
  const clients: pg.PoolClient[] = [];
  let failed: Error | undefined;
  const begin = async (c: pg.PoolClient, snapshot: string | null) => {
    await c.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (snapshot) await c.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
    await setLocal(c, settings);
  };
  try {
    clients.push(await checkOut(db));
    await begin(clients[0], null);
    let snapshot: string | null = null;
    if (lanes > 1) {
      snapshot = String((await clients[0].query(`SELECT pg_export_snapshot() AS s`)).rows[0].s);
      if (!/^[0-9A-F-]+$/i.test(snapshot)) throw new Error(`unexpected snapshot id ${snapshot}`);
    }
    const more = await Promise.all(
      Array.from({ length: lanes - 1 }, async () => {
        const c = await checkOut(db);
        clients.push(c);
        await begin(c, snapshot);
        return c;
      }),
    );
    const lanesOf = [clients[0], ...more];
    const results: pg.QueryResult[] = new Array(queries.length);
    await Promise.all(
      lanesOf.map(async (c, lane) => {
        for (let i = lane; i < queries.length; i += lanes) results[i] = await c.query(queries[i].sql, queries[i].values);
      }),
    );
    for (const c of clients) await c.query("COMMIT");
    return results;
  } catch (err) {
    failed = err as Error;
    for (const c of clients) await c.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    for (const c of clients) giveBack(c, failed);
  }
}

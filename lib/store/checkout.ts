// Pool clients checked out for more than one query (a transaction, a COPY). Checked out, a client
// has no pool listener, so a lost server (a database restart) would be an unhandled 'error' event
// and end the process; the failing query reports it instead.
import type pg from "pg";

const ignore = () => {};

export async function checkOut(pool: pg.Pool): Promise<pg.PoolClient> {
  const c = await pool.connect();
  c.on("error", ignore);
  return c;
}

/** Back to the pool (`broken`: discarded instead), without the listener checkOut added. */
export function giveBack(c: pg.PoolClient, broken?: Error | boolean) {
  // A broken client is discarded, and may still report its lost server after its query failed
  // (a restart's FATAL arrives after the socket error): it keeps the listener, or that report
  // would be an uncaught 'error' event.
  if (!broken) c.off("error", ignore);
  c.release(broken);
}

/**
 * Runs `work` on a checked-out client. On an error the open transaction, if any, is rolled back
 * and the client discarded (its session may hold state the next user must not inherit).
 */
export async function withClient<T>(pool: pg.Pool, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await checkOut(pool);
  try {
    const result = await work(c);
    giveBack(c);
    return result;
  } catch (err) {
    await c.query("ROLLBACK").catch(() => {});
    giveBack(c, err as Error);
    throw err;
  }
}

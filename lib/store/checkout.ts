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
  c.off("error", ignore);
  c.release(broken);
}

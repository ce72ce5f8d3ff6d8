// Request-scoped database access. A client that goes away (closed tab, "load more" superseded,
// curl killed) must not leave its queries running: PostgreSQL does not notice a closed socket
// while a query runs, so eight abandoned slow requests would hold the pool's eight connections
// until their queries ended by themselves. abortablePool hands the query code a pool through
// which, once the request's AbortSignal fires:
// - a wait for a free connection ends at once (the connection the pool hands over later goes
//   straight back, unused);
// - the running queries of every connection checked out through it are cancelled
//   (pg_cancel_backend over a connection of its own: the pool may have none free) and those
//   connections are closed, never reused — whatever state their session was left in goes with them;
// - new queries and checkouts fail with RequestAbortedError.
import pg from "pg";

/** The error of work given up because its request was aborted: nobody is waiting for an answer. */
export class RequestAbortedError extends Error {
  constructor(options?: { cause?: unknown }) {
    super("the request was aborted", options);
    this.name = "RequestAbortedError";
  }
}

const BASE_POOL = Symbol("trailscope.basePool");
const ignore = () => {};

/**
 * The pool an abortablePool view was made from (`db` itself for a pool or client): caches that
 * belong to the database, not to one request, are keyed by it.
 */
export function basePool<T extends object>(db: T): T {
  return ((db as { [BASE_POOL]?: T })[BASE_POOL] ?? db) as T;
}

type QueryArgs = [text: string | pg.QueryConfig, values?: unknown[]];

/**
 * A pg.Pool for one request's queries. It is the pool itself underneath (Object.create): counts
 * and options read through; `connect` and `query` are the abortable ones described above.
 */
export function abortablePool(pool: pg.Pool, signal: AbortSignal): pg.Pool {
  const base = basePool(pool);
  /** Clients checked out through this view and not yet given back. */
  const held = new Set<pg.PoolClient>();
  /** Clients the abort is closing: any release of them closes them. */
  const doomed = new WeakSet<pg.PoolClient>();
  /** Checkouts waiting for the pool (one abort listener for all: a page runs many at once). */
  const waiting = new Set<(err: Error) => void>();

  async function connect(): Promise<pg.PoolClient> {
    if (signal.aborted) throw new RequestAbortedError({ cause: signal.reason });
    const pending = base.connect();
    let giveUp: (err: Error) => void = ignore;
    const aborted = new Promise<never>((_, reject) => (giveUp = reject));
    waiting.add(giveUp);
    let client: pg.PoolClient;
    try {
      client = await Promise.race([pending, aborted]);
    } catch (err) {
      // Given up while waiting: pg-pool cannot withdraw a waiter, so the connection it hands
      // over later is returned unused (a clean session: nothing ran on it).
      pending.then((c) => c.release(), ignore);
      throw err;
    } finally {
      waiting.delete(giveUp);
    }
    if (signal.aborted) {
      // Aborted between the handover and now: the abort could not see this client yet.
      client.release();
      throw new RequestAbortedError({ cause: signal.reason });
    }
    return hold(client);
  }

  function hold(client: pg.PoolClient): pg.PoolClient {
    const poolRelease = client.release; // pg-pool's, for this checkout only
    let released = false;
    // Checked out, a client has no pool listener: a lost server must fail its query, not the process.
    client.on("error", ignore);
    client.release = (err?: Error | boolean) => {
      if (released && doomed.has(client)) return; // the abort gave it back already
      released = true;
      held.delete(client);
      const discard = doomed.has(client) ? new RequestAbortedError() : err;
      // Discarded, it may still report its lost server: it keeps the listener (lib/store/checkout.ts).
      if (!discard) client.off("error", ignore);
      poolRelease(discard);
    };
    held.add(client);
    return client;
  }

  async function query(...args: QueryArgs): Promise<pg.QueryResult> {
    if (typeof args[args.length - 1] === "function") throw new TypeError("abortablePool: query takes no callback; use the promise");
    const client = await connect();
    try {
      const result = await client.query(args[0], args[1]);
      client.release();
      return result;
    } catch (err) {
      client.release(err as Error); // like pg-pool: a client whose query failed is not reused
      throw signal.aborted ? new RequestAbortedError({ cause: err }) : err;
    }
  }

  function abort() {
    for (const giveUp of waiting) giveUp(new RequestAbortedError({ cause: signal.reason }));
    const clients = [...held];
    if (clients.length === 0) return;
    for (const c of clients) doomed.add(c);
    const pids = clients.map(backendPid);
    void cancelBackends(base, pids).then((failure) => {
      if (failure) console.error(`trailscope: could not cancel the queries of an aborted request: ${failure.message}`);
      // Closed whether or not the cancel got through: closing ends the session (and its
      // transaction) as soon as the backend is between statements.
      for (const c of clients) c.release();
    });
  }
  if (signal.aborted) abort();
  else signal.addEventListener("abort", abort, { once: true });

  const view = Object.create(base) as pg.Pool & { [BASE_POOL]: pg.Pool };
  view[BASE_POOL] = base;
  view.connect = connect as pg.Pool["connect"];
  view.query = query as unknown as pg.Pool["query"];
  return view;
}

/** The PostgreSQL process serving a connection (pg sets it at connect; its types omit it). */
export function backendPid(c: pg.ClientBase): number {
  return (c as unknown as { processID: number }).processID;
}

/**
 * pg_cancel_backend for each process id, from a connection opened for it (the pool's may all be
 * busy with the very queries to cancel). Resolves with the error instead of throwing: the caller
 * closes the connections either way.
 */
export async function cancelBackends(pool: pg.Pool, pids: number[]): Promise<Error | undefined> {
  const c = new pg.Client({ ...pool.options, application_name: "trailscope-cancel", connectionTimeoutMillis: 10_000 });
  c.on("error", ignore);
  try {
    await c.connect();
    await c.query(`SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid`, [pids]);
    return undefined;
  } catch (err) {
    return err as Error;
  } finally {
    await c.end().catch(ignore);
  }
}

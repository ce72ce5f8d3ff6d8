// One export's database connection from checkout to its end, however the export ends: read to
// the last row, failed, or cancelled because its client went away — also while it still waits
// for a free connection. An export reads for as long as its client keeps reading (no statement
// time limit), so every way out must give the connection back: a connection that arrives after
// the cancel and opens a transaction nobody ends is lost to the pool for good.
import type pg from "pg";
import { backendPid, cancelBackends } from "../store/abort";
import { checkOut, giveBack } from "../store/checkout";

export class ExportConnection {
  private client: pg.PoolClient | undefined;
  private done = false;

  /** `onDone` runs exactly once, when the export ends in any way (an export slot's release). */
  constructor(
    private readonly pool: pg.Pool,
    private readonly onDone?: () => void,
  ) {}

  /** The export has ended: nothing more may be enqueued. */
  get ended(): boolean {
    return this.done;
  }

  /**
   * A connection in a read-only transaction without the console's statement time limit, or
   * undefined when the export was cancelled meanwhile (the connection then went straight back).
   */
  async begin(): Promise<pg.PoolClient | undefined> {
    const c = await checkOut(this.pool);
    if (this.done) {
      giveBack(c); // nothing ran on it: a clean session
      return undefined;
    }
    this.client = c;
    await c.query("BEGIN READ ONLY");
    // The client's reading sets the pace (10M rows take minutes); a cancel ends it instead.
    await c.query("SET LOCAL statement_timeout = 0");
    return c;
  }

  /** Every row was read: commit and give the connection back for reuse. */
  async commit(): Promise<void> {
    const c = this.client;
    if (!c || this.done) return;
    await c.query("COMMIT");
    this.finish(undefined);
  }

  /** Failed: the connection is closed rather than reused, which also ends its transaction. */
  fail(err: unknown): void {
    this.finish(err instanceof Error ? err : new Error(String(err)));
  }

  /**
   * The client went away. A closed socket alone does not stop a running statement (PostgreSQL
   * notices only when it next writes), so the statement is cancelled first, then the
   * connection closed.
   */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    const c = this.client;
    this.client = undefined;
    if (c) {
      void cancelBackends(this.pool, [backendPid(c)]).then((failure) => {
        if (failure) console.error(`trailscope: could not cancel an abandoned export's query: ${failure.message}`);
        giveBack(c, new Error("export cancelled"));
      });
    }
    this.onDone?.();
  }

  private finish(broken: Error | undefined): void {
    if (this.done) return;
    this.done = true;
    const c = this.client;
    this.client = undefined;
    if (c) giveBack(c, broken);
    this.onDone?.();
  }
}

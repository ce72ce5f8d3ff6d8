// The interface every source implements. A source lists its work units (files, time windows) and
// yields chunks: events in COPY form plus the bookkeeping that must commit with them (the object
// they came from, the cursor that moves past them). The engine does everything else once.
import type { Db } from "../store/db";
import type { ObjectRecord, CursorUpdate } from "./loader";
import type { EventRows } from "./normalize";
import type { DecodeFileFn, DecodeFn } from "./decode-pool";
import type { ProgressState } from "./progress";

export interface Chunk {
  rows?: EventRows;
  object?: ObjectRecord;
  cursor?: CursorUpdate;
  /** Commit now rather than waiting for a large batch (slow sources such as LookupEvents). */
  flush?: boolean;
  /** A unit that could not be read this time (network, permissions); it is retried next run. */
  error?: { key: string; reason: string };
}

export interface KnownObject {
  etag: string | null;
  status: string;
}

export interface SourceContext {
  db: Db;
  progress: ProgressState;
  signal: AbortSignal;
  log: (message: string) => void;
  /** Objects of `objectSource` already recorded, by key. */
  knownObjects(objectSource: string): Promise<Map<string, KnownObject>>;
  /** Decodes an object's bytes (on worker threads when the engine has them). */
  decode: DecodeFn;
  /** Reads and decodes a local file (the read happens on the decoding thread). */
  decodeFile: DecodeFileFn;
  /**
   * Read every object again, recorded or not, and list from the start (on-demand integrity
   * validation: npm run verify, lib/integrity/requests.ts); knownObjects is then empty.
   */
  rereadAll?: boolean;
  /** Stored cursors of this source (all accounts), keyed "account/region". */
  cursors(): Promise<Map<string, unknown>>;
}

export interface SourcePlugin {
  /** Canonical source URI: names runs, locks and cursors. */
  readonly id: string;
  chunks(ctx: SourceContext): AsyncIterable<Chunk>;
}

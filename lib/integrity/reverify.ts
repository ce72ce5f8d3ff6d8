// "Validate again" from the console: the source is read again in full (every object re-hashed, a
// deleted one named missing) and validated, in the background of the server process — a large
// bucket takes minutes; the Integrity page shows the run when it ends. The source is run as it is
// configured (TRAILSCOPE_SOURCES or the console: its region, endpoint options, role), else by its id.
import { runSync } from "../ingest/engine";
import { parseSource } from "../ingest/sources";
import type { Db } from "../store/db";
import { listSources } from "../sync/sources-store";

const running = new Set<string>();

export class ReverifyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Starts validating `sourceId` again; resolves once it has started (not when it ends). */
export async function startReverify(db: Db, sourceId: string, log: (m: string) => void = (m) => console.error(m)): Promise<void> {
  if (!/^(s3:\/\/|file:)/.test(sourceId)) throw new ReverifyError(400, "source: only folder and S3 sources hold log files to validate");
  const known = (await db.pool.query(`SELECT 1 FROM integrity_runs WHERE source = $1 LIMIT 1`, [sourceId])).rowCount;
  const configured = (await listSources(db)).find((s) => s.source === sourceId);
  if (!known && !configured) throw new ReverifyError(404, "source: no validated or configured source of that id");
  if (running.has(sourceId)) throw new ReverifyError(409, "source: a validation of it is running already");
  const plugin = parseSource(configured?.uri ?? sourceId);
  running.add(sourceId);
  void runSync(db, plugin, { reread: true, log })
    .then((s) => log(`${sourceId}: validated again: ${s.integrity ? (s.integrity.ok ? "nothing invalid" : "INVALID files found") : (s.integrityError ?? s.error ?? "nothing to validate")}`))
    .catch((err: Error) => log(`${sourceId}: validation failed: ${err.message}`))
    .finally(() => running.delete(sourceId));
}

export function reverifyRunning(): string[] {
  return [...running];
}

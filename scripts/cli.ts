// What the one-shot commands (`npm run sync`, `npm run verify`) share: the database made ready
// (embedded when DATABASE_URL is unset, migrated), Ctrl-C turned into a clean abort, and the
// process's exit code from the command's answer.
import { dispatchDue } from "../lib/alerts/dispatch";
import { openDb, type Db } from "../lib/store/db";
import { ensureDatabase } from "../lib/store/embedded";
import { migrate } from "../lib/store/migrate";

export async function withDatabase(work: (db: Db, signal: AbortSignal) => Promise<number>): Promise<number> {
  const handle = await ensureDatabase();
  await migrate(handle.url);
  const db = openDb(handle.url, { max: 4 });
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  process.once("SIGTERM", () => controller.abort());
  try {
    return await work(db, controller.signal);
  } finally {
    await db.close();
    await handle.stop();
  }
}

/** Runs `main` and exits with its code; an exception is reported as `<name> failed: …` with `failCode`. */
export function exitWith(main: () => Promise<number>, name: string, failCode: number): void {
  main().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(failCode);
    },
  );
}

/**
 * One pass over the alerts a one-shot command's syncs queued (lib/alerts); failures are retried by
 * `npm start` or the next sync.
 */
export async function sendQueuedAlerts(db: Db): Promise<void> {
  const sent = await dispatchDue(db, { log: (m) => process.stderr.write(`  ${m}\n`) }).catch((err: Error) => {
    process.stderr.write(`alerts not sent: ${err.message}\n`);
    return null;
  });
  if (sent && sent.sent + sent.retrying + sent.failed > 0) process.stderr.write(`alerts: ${sent.sent} sent, ${sent.retrying} to retry, ${sent.failed} failed\n`);
}

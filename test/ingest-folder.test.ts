// Folder and tarball sync of the hostile corpus, twice: every good event stored exactly once and
// losslessly, every bad file recorded with its reason, the second run reading nothing again.
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSync } from "../lib/ingest/engine";
import { stringifyIterative } from "../lib/ingest/normalize";
import { parseSource } from "../lib/ingest/sources";
import { getEventJson, listEvents } from "../lib/query/events";
import { parseEventQuery } from "../lib/query/params";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { hostileCorpus, V1_EVENTS, writeCorpus } from "./fixtures/hostile";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";

const run = promisify(execFile);
const corpus = hostileCorpus();
let tdb: TestDatabase;
let db: Db;
let dir: string;

beforeAll(async () => {
  tdb = await createTestDatabase("ts_folder");
  await migrate(tdb.url);
  db = openDb(tdb.url);
  dir = await mkdtemp(path.join(tmpdir(), "trailscope-hostile-"));
  await writeCorpus(dir, corpus.files);
});

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const quiet = { log: () => {} };

describe("folder sync of a hostile corpus", () => {
  it("stores each good event once, records every object with its outcome, and a rerun reads nothing", async () => {
    const first = await runSync(db, parseSource(dir), quiet);
    expect(first.ok).toBe(true);
    expect(first.eventsNew).toBe(corpus.events.size + V1_EVENTS);
    // 10 re-delivered events plus the eventVersion 1.0 record delivered twice.
    expect(first.eventsDuplicate).toBe(corpus.ids.duplicated.length + 1);
    expect(first.objectsFailed).toBe(3);
    expect(first.objectsSkipped).toBe(3);
    expect(first.objectsRead).toBe(corpus.files.length - 6);
    expect(first.failures.map((f) => path.relative(dir, f.key)).sort()).toEqual(
      [...corpus.outcomes].filter(([, o]) => o.status !== "ok").map(([k]) => k).sort(),
    );

    const { rows } = await db.pool.query(`SELECT id FROM events`);
    const stored = new Set(rows.map((r) => r.id as string));
    expect(stored.size).toBe(rows.length);
    for (const id of corpus.events.keys()) expect(stored.has(id), id).toBe(true);
    expect([...stored].filter((id) => id.startsWith("v1-"))).toHaveLength(V1_EVENTS);
    // The sync left the planner statistics of the columns queries use (lib/store/analyze.ts), not
    // of the record text.
    const stats = await db.pool.query(
      `SELECT (SELECT reltuples FROM pg_class WHERE oid = 'events'::regclass) AS tuples,
              array_agg(attname::text ORDER BY attname) AS columns FROM pg_stats WHERE schemaname = 'public' AND tablename = 'events'`,
    );
    expect(Number(stats.rows[0].tuples)).toBe(rows.length);
    expect(stats.rows[0].columns).toEqual(expect.arrayContaining(["event_name", "event_time", "search_block", "source_ip_address"]));
    expect(stats.rows[0].columns).not.toContain("record");

    const objects = await db.prisma.ingestedObject.findMany();
    expect(objects).toHaveLength(corpus.files.length);
    for (const o of objects) {
      const expected = corpus.outcomes.get(path.relative(dir, o.key));
      expect(expected, o.key).toBeDefined();
      expect(o.status, o.key).toBe(expected!.status);
      if (expected!.kind) expect(o.kind, o.key).toBe(expected!.kind);
      if (expected!.reason) expect(o.reason ?? "", o.key).toMatch(expected!.reason);
      if (o.status === "ok") expect(o.sha256, o.key).toMatch(/^[0-9a-f]{64}$/);
    }

    const second = await runSync(db, parseSource(dir), quiet);
    expect(second.ok).toBe(true);
    expect(second.eventsNew + second.eventsDuplicate).toBe(0);
    expect(second.objectsUnchanged).toBe(corpus.files.length);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM events`)).rows[0].n).toBe(stored.size);
  });

  it("keeps records PostgreSQL cannot hold in jsonb exactly (U+0000, lone surrogates, 6000-deep nesting)", async () => {
    for (const id of [corpus.ids.nul, corpus.ids.surrogate, corpus.ids.deep]) {
      const json = await getEventJson(db.pool, id);
      expect(json, id).not.toBeNull();
      expect(json).toBe(stringifyIterative(corpus.events.get(id)));
    }
    const nulRow = await db.pool.query(`SELECT record->'requestParameters'->>'key' AS k, raw_json IS NOT NULL AS raw FROM events WHERE id = $1`, [corpus.ids.nul]);
    expect(nulRow.rows[0]).toEqual({ k: "a\ufffdb", raw: true });
  });

  it("serialises iteratively exactly as JSON.stringify does", () => {
    for (const id of [corpus.ids.nul, corpus.ids.surrogate, corpus.ids.unicode, corpus.ids.big]) {
      expect(stringifyIterative(corpus.events.get(id))).toBe(JSON.stringify(corpus.events.get(id)));
    }
  });

  it("stores the 250 KB event and mixed-script unicode unchanged and searchable", async () => {
    expect(JSON.parse((await getEventJson(db.pool, corpus.ids.big))!)).toEqual(corpus.events.get(corpus.ids.big));
    expect(JSON.parse((await getEventJson(db.pool, corpus.ids.unicode))!)).toEqual(corpus.events.get(corpus.ids.unicode));
    const byUser = await listEvents(db.pool, parseEventQuery(new URLSearchParams("username=Zoë-日本-مرحبا"), { paging: true }));
    expect(byUser.events.map((e) => e.eventID)).toEqual([corpus.ids.unicode]);
    const byText = await listEvents(db.pool, parseEventQuery(new URLSearchParams("q=👩🏽‍💻"), { paging: true }));
    expect(byText.events.map((e) => e.eventID)).toEqual([corpus.ids.unicode]);
  });

  it("stores Insight events with null identity columns and v1.0 records under a stable derived key", async () => {
    const insight = await db.pool.query(`SELECT event_name, event_source, username, identity_type, event_category FROM events WHERE id = $1`, [corpus.ids.insightStart]);
    expect(insight.rows[0]).toEqual({ event_name: null, event_source: null, username: null, identity_type: null, event_category: "Insight" });
    const v1 = await db.pool.query(`SELECT id, username, recipient_account_id FROM events WHERE id LIKE 'v1-%'`);
    expect(v1.rows).toEqual([{ id: expect.stringMatching(/^v1-[0-9a-f]{32}$/), username: "old", recipient_account_id: "111122223333" }]);
  });

});

describe("tarball sync", () => {
  it("reads a .tar.gz of the same corpus into a fresh database with the same events", async () => {
    const tarball = path.join(dir, "..", `${path.basename(dir)}.tar.gz`);
    await run("tar", ["-czf", tarball, "-C", dir, "AWSLogs"]);
    const t2 = await createTestDatabase("ts_tar");
    try {
      await migrate(t2.url);
      const db2 = openDb(t2.url);
      try {
        const s = await runSync(db2, parseSource(`file:${tarball}`), quiet);
        expect(s.ok).toBe(true);
        const a = await db.pool.query(`SELECT id FROM events ORDER BY id`);
        const b = await db2.pool.query(`SELECT id FROM events ORDER BY id`);
        expect(b.rows).toEqual(a.rows);
        const keys = await db2.prisma.ingestedObject.findMany({ select: { key: true } });
        expect(keys.every((k) => k.key.startsWith(`${tarball}!`))).toBe(true);
      } finally {
        await db2.close();
      }
    } finally {
      await t2.drop();
      await rm(tarball, { force: true });
    }
  });
});

describe("npm run sync (the CLI)", () => {
  it("exits 0 on a corpus with bad files, reporting them with reasons, and 1 on a missing path", async () => {
    const t3 = await createTestDatabase("ts_cli");
    try {
      const env = { ...process.env, DATABASE_URL: t3.url };
      const ok = await run(process.execPath, ["--import", "tsx", "scripts/sync.ts", dir], { env, cwd: path.resolve(import.meta.dirname, "..") });
      expect(ok.stderr).toMatch(/events:\s+[\d,]+ new, [\d,]+ duplicate/);
      expect(ok.stderr).toMatch(/corrupt gzip/);
      expect(ok.stderr).toMatch(/invalid JSON/);
      const bad = await run(process.execPath, ["--import", "tsx", "scripts/sync.ts", path.join(dir, "does-not-exist")], { env, cwd: path.resolve(import.meta.dirname, "..") }).catch((e) => e);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/no such file or directory/);
    } finally {
      await t3.drop();
    }
  });
});

describe("changed files (runs last: it repairs a corpus file)", () => {
  it("reads a file again when it changes", async () => {
    const key = [...corpus.outcomes].find(([, o]) => o.status === "failed" && o.reason?.source.includes("JSON"))![0];
    const file = path.join(dir, key);
    const fixed = { Records: [{ eventVersion: "1.11", eventID: "fixed-0001", eventTime: "2026-11-20T12:00:00Z", eventName: "Repaired", awsRegion: "us-east-1" }] };
    const { gzipSync } = await import("node:zlib");
    await writeFile(file, gzipSync(JSON.stringify(fixed)));
    const s = await stat(file);
    await utimes(file, s.atime, new Date(s.mtimeMs + 5000));
    const again = await runSync(db, parseSource(dir), quiet);
    expect(again.eventsNew).toBe(1);
    expect(again.objectsRead).toBe(1);
    const o = await db.prisma.ingestedObject.findFirst({ where: { key: file } });
    expect(o?.status).toBe("ok");
  });
});

// Events stored before 0.4.0 get their actors in the background (lib/actors/backfill.ts): a demo
// corpus is synced, its chains are then erased as if it had been stored by an older release (no
// actor, no session issuer, no credentials recorded, a job recorded as the migration does), and
// the backfill — in small batches, so many sessions' issuing events come in later batches than
// their events — must give back exactly the actors and session issuers the sync gave.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTOR_BACKFILL, backfillBatch } from "../lib/actors/backfill";
import { writeAwsLogsCorpus } from "../lib/demo/corpus";
import { runSync } from "../lib/ingest/engine";
import { FolderSource } from "../lib/ingest/sources/folder";
import { migrate } from "../lib/store/migrate";
import { openDb, type Db } from "../lib/store/db";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";

let tdb: TestDatabase;
let db: Db;
let dir: string;

beforeAll(async () => {
  tdb = await createTestDatabase("ts_actor_backfill");
  await migrate(tdb.url);
  db = openDb(tdb.url, { max: 4 });
  dir = await mkdtemp(path.join(tmpdir(), "ts-actor-backfill-"));
  const end = new Date("2026-11-20T00:00:00Z");
  await writeAwsLogsCorpus(dir, { count: 4000, seed: 7, start: new Date(end.getTime() - 3 * 86400e3), end, digests: false });
  const s = await runSync(db, new FolderSource(dir), { log: () => {} });
  expect(s.ok).toBe(true);
}, 120_000);

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const snapshot = async () =>
  (await db.pool.query<{ id: string; actor: string | null; s: string | null }>(`SELECT id, actor, session_issuer_arn AS s FROM events ORDER BY id`)).rows;

describe("actor backfill", () => {
  it("gives events stored before chains existed the actors a sync gives them", async () => {
    const synced = await snapshot();
    expect(synced.filter((r) => r.actor !== null).length).toBeGreaterThan(synced.length / 2);
    expect(synced.some((r) => r.s !== null)).toBe(true);

    // As stored by 0.3.0, with the job the migration records.
    await db.pool.query(`UPDATE events SET actor = NULL, session_issuer_arn = NULL`);
    await db.pool.query(`DELETE FROM credential_sessions`);
    await db.pool.query(`INSERT INTO backfill_jobs (name, created_at) VALUES ($1, now() + interval '1 second')`, [ACTOR_BACKFILL]);
    await new Promise((r) => setTimeout(r, 1100)); // every event stored before the job's instant

    let batches = 0;
    while ((await backfillBatch(db.pool, 250)) > 0) batches++;
    expect(batches).toBeGreaterThan(10);
    expect((await db.pool.query(`SELECT done_at FROM backfill_jobs WHERE name = $1`, [ACTOR_BACKFILL])).rows[0].done_at).not.toBeNull();
    const after = await snapshot();
    const differ = after.filter((r, i) => r.actor !== synced[i].actor || r.s !== synced[i].s).map((r) => ({ ...r, before: synced[after.indexOf(r)] }));
    expect(differ.slice(0, 5)).toEqual([]);
    expect(after).toEqual(synced);
    // Done is done: another call does nothing.
    expect(await backfillBatch(db.pool, 250)).toBe(0);
  }, 120_000);
});

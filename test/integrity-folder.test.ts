// Log file integrity validation of a folder (no S3 metadata: hashes and chain links, signatures not
// checked): after a sync every log file a digest names matches; a file altered on disk is caught by
// the on-demand validation (`npm run verify`'s path) and exactly its events read `failed`; a deleted
// log file and a digest deleted mid-chain are named missing; the event filter agrees.
import { mkdtemp, readFile, readdir, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeAwsLogsCorpus } from "../lib/demo/corpus";
import { runSync } from "../lib/ingest/engine";
import { FolderSource } from "../lib/ingest/sources/folder";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { parseEventQuery } from "../lib/query/params";
import { countEvents } from "../lib/query/events";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";

let t: TestDatabase;
let db: Db;
let dir: string;
const quiet = { log: () => {}, decodeWorkers: 0 };

async function files(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(path.join(e.parentPath, e.name));
  }
  return out.sort();
}

async function objectOf(key: string) {
  return (await db.pool.query(`SELECT id, integrity, event_integrity FROM ingested_objects WHERE key = $1`, [key])).rows[0];
}

beforeAll(async () => {
  t = await createTestDatabase("ts_integrity");
  await migrate(t.url);
  db = openDb(t.url, { max: 4 });
  dir = await mkdtemp(path.join(tmpdir(), "trailscope-integrity-"));
  const end = new Date("2026-11-20T00:00:00Z");
  await writeAwsLogsCorpus(dir, { count: 3000, seed: 7, start: new Date(end.getTime() - 2 * 86400e3), end, accounts: ["111122223333"], regions: ["us-east-1"] });
}, 120_000);

afterAll(async () => {
  await db?.close();
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("integrity of a folder", () => {
  it("validates after a sync: every named log file matches its digest, the chain is unbroken, signatures are said to be unchecked", async () => {
    const s = await runSync(db, new FolderSource(dir), quiet);
    expect(s.ok).toBe(true);
    const v = s.integrity!;
    expect(v.mode).toBe("after-sync");
    expect(v.signaturesChecked).toBe(false);
    expect(Object.keys(v.digests)).toEqual(["unsigned"]);
    expect(v.digests.unsigned).toBeGreaterThan(40);
    expect(v.logs["hash-valid-unsigned"]).toBeGreaterThan(0);
    expect(v.logs["hash-mismatch"] ?? 0).toBe(0);
    expect(v.findings["missing-log"] ?? 0).toBe(0);
    expect(v.findings["missing-digest"] ?? 0).toBe(0);
    expect(v.ok).toBe(true);
    // Unsigned: no event is "verified", none failed.
    const failed = await countEvents(db.pool, parseEventQuery(new URLSearchParams("integrity=failed")));
    const verified = await countEvents(db.pool, parseEventQuery(new URLSearchParams("integrity=verified")));
    const unverified = await countEvents(db.pool, parseEventQuery(new URLSearchParams("integrity=unverified")));
    expect(failed).toBe(0);
    expect(verified).toBe(0);
    const total = (await db.pool.query(`SELECT count(*)::int AS n FROM events`)).rows[0].n;
    expect(unverified).toBe(total);
  }, 120_000);

  it("an altered log file, a deleted log file and a digest deleted mid-chain are caught when validated again", async () => {
    const all = await files(dir);
    const logs = all.filter((f) => f.includes("/CloudTrail/") && f.endsWith(".json.gz"));
    const digests = all.filter((f) => f.includes("/CloudTrail-Digest/"));
    const deletedDigest = digests[Math.floor(digests.length / 2)];
    // The altered and deleted log files are named by digests that stay (a log file named only by
    // a missing digest cannot be checked, by validate-logs either).
    const uncheckable = new Set((JSON.parse(gunzipSync(await readFile(deletedDigest)).toString("utf8")).logFiles as { s3Object: string }[]).map((f) => f.s3Object));
    const checkable = logs.filter((f) => ![...uncheckable].some((k) => f.endsWith("/" + k)));
    const altered = checkable[1];
    const deleted = checkable[checkable.length - 2];

    // Altered: one event's sourceIPAddress changed, same eventIDs, re-gzipped.
    const doc = JSON.parse(gunzipSync(await readFile(altered)).toString("utf8"));
    doc.Records[0].sourceIPAddress = "203.0.113.66";
    await writeFile(altered, gzipSync(JSON.stringify(doc)));
    await unlink(deleted);
    await unlink(deletedDigest);
    const alteredEvents = doc.Records.length as number;

    const s = await runSync(db, new FolderSource(dir), { ...quiet, reread: true });
    const v = s.integrity!;
    expect(v.mode).toBe("on-demand");
    expect(v.ok).toBe(false);
    expect(v.logs["hash-mismatch"]).toBe(1);
    expect(v.logs.missing).toBe(1);
    expect(v.digests.missing).toBe(1);
    expect(v.findings["missing-digest"]).toBe(1);
    expect(v.problems.map((p) => [p.what, p.outcome, p.key])).toEqual(
      expect.arrayContaining([
        ["log", "hash-mismatch", altered],
        ["log", "missing", deleted],
        ["digest", "missing", deletedDigest],
      ]),
    );
    expect((await objectOf(altered)).event_integrity).toBe("failed");
    expect((await objectOf(deleted)).integrity).toBe("missing");

    // Exactly the altered file's events read failed, through the filter and the object.
    const failed = await countEvents(db.pool, parseEventQuery(new URLSearchParams("integrity=failed")));
    expect(failed).toBe(alteredEvents);
    const { id } = await objectOf(altered);
    const own = (await db.pool.query(`SELECT count(*)::int AS n FROM events WHERE object_id = $1`, [id])).rows[0].n;
    expect(own).toBe(alteredEvents);
    // Nothing was lost: the events of the deleted file are still there.
    const total = await countEvents(db.pool, parseEventQuery(new URLSearchParams("")));
    expect(total).toBeGreaterThanOrEqual(3000);
  }, 120_000);
});

describe("validation after a sync covers what is new", () => {
  it("a second delivery is validated in a window, and every object ends as a whole validation judges it", async () => {
    const src = await mkdtemp(path.join(tmpdir(), "trailscope-window-src-"));
    const live = await mkdtemp(path.join(tmpdir(), "trailscope-window-live-"));
    const a = await createTestDatabase("ts_window_a");
    const b = await createTestDatabase("ts_window_b");
    const dbA = openDb(a.url, { max: 4 });
    const dbB = openDb(b.url, { max: 4 });
    try {
      await migrate(a.url);
      await migrate(b.url);
      const end = new Date("2026-11-22T00:00:00Z");
      await writeAwsLogsCorpus(src, { count: 2000, seed: 11, start: new Date(end.getTime() - 2 * 86400e3), end, accounts: ["111122223333"], regions: ["us-east-1"] });
      const { cp } = await import("node:fs/promises");
      // First delivery: everything of the first day (by the day folders of the layout); then the rest.
      const all = await files(src);
      const firstDay = (f: string) => f.includes("/2026/11/20/");
      for (const f of all.filter(firstDay)) await cp(f, path.join(live, path.relative(src, f)), { recursive: true });
      let s = await runSync(dbA, new FolderSource(live), quiet);
      expect(s.integrity!.window).toBeNull(); // the first validation of a source is whole
      for (const f of all.filter((f) => !firstDay(f))) await cp(f, path.join(live, path.relative(src, f)), { recursive: true });
      s = await runSync(dbA, new FolderSource(live), quiet);
      expect(s.integrity!.window).not.toBeNull();
      const windowed = s.integrity!;
      // The same folder validated whole in another database.
      const whole = (await runSync(dbB, new FolderSource(live), quiet)).integrity!;
      expect(whole.window).toBeNull();
      expect(windowed.digests).toEqual(whole.digests);
      expect(windowed.logs).toEqual(whole.logs);
      expect(windowed.findings).toEqual(whole.findings);
      expect(windowed.ok).toBe(whole.ok);
      const outcomes = async (d: Db) =>
        (await d.pool.query(`SELECT key, integrity, event_integrity FROM ingested_objects WHERE integrity IS NOT NULL ORDER BY key`)).rows;
      expect(await outcomes(dbA)).toEqual(await outcomes(dbB));
    } finally {
      await dbA.close();
      await dbB.close();
      await a.drop();
      await b.drop();
      await rm(src, { recursive: true, force: true });
      await rm(live, { recursive: true, force: true });
    }
  }, 180_000);
});

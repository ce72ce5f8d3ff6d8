// Hostile zip archives beside honest files in one folder: decompression bombs (declared honestly,
// declared with a lie, spread over many small entries), path traversal names (in a tarball too), an encrypted entry, a
// truncated archive, too many entries, archives nested too deep, an archive past its total bound.
// Each is refused with its reason in ingested_objects, the honest entries of the same archives and
// the other files are stored, and the lying bomb is inflated no further than just past its
// declared size.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createDeflateRaw, crc32, gzipSync } from "node:zlib";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_ARCHIVE_ENTRIES } from "../lib/ingest/archive";
import { runSync } from "../lib/ingest/engine";
import { parseSource } from "../lib/ingest/sources";
import { inflateEntry } from "../lib/ingest/zip";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";
import { craftZip, entryOf, type CraftedEntry } from "./helpers/zip";

const MiB = 2 ** 20;
const quiet = { log: () => {} };

const event = (id: string, i: number, extra: Record<string, unknown> = {}) => ({
  eventVersion: "1.11",
  userIdentity: { type: "IAMUser", arn: "arn:aws:iam::111122223333:user/zip", userName: "zip", accountId: "111122223333" },
  eventTime: `2025-04-01T10:00:${String(i % 60).padStart(2, "0")}Z`,
  eventSource: "s3.amazonaws.com",
  eventName: "GetObject",
  awsRegion: "eu-west-1",
  sourceIPAddress: "198.51.100.7",
  eventID: id,
  eventType: "AwsApiCall",
  recipientAccountId: "111122223333",
  ...extra,
});
const ndjson = (prefix: string, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => JSON.stringify(event(`${prefix}-${i}`, i)) + "\n").join(""));

/** `bytes` zeros, deflated (level 9: ~1 MB per GiB), with their CRC-32 — made in 16 MiB steps. */
async function deflatedZeros(bytes: number): Promise<{ data: Buffer; crc: number }> {
  const d = createDeflateRaw({ level: 9 });
  const parts: Buffer[] = [];
  d.on("data", (c: Buffer) => parts.push(c));
  const ended = new Promise((resolve) => d.on("end", resolve));
  const step = Buffer.alloc(Math.min(bytes, 16 * MiB));
  let crc = 0;
  for (let left = bytes; left > 0; left -= step.length) {
    const part = step.subarray(0, Math.min(step.length, left));
    crc = crc32(part, crc);
    if (!d.write(part)) await new Promise((resolve) => d.once("drain", resolve));
  }
  d.end();
  await ended;
  return { data: Buffer.concat(parts), crc };
}

async function tarOf(members: [string, Buffer][]): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, body] of members) pack.entry({ name, size: body.length, mtime: new Date("2025-04-02T00:00:00Z") }, body);
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const b of pack) parts.push(b as Buffer);
  return Buffer.concat(parts);
}

async function withMaxObjectBytes<T>(bytes: number, fn: () => Promise<T>): Promise<T> {
  const before = process.env.TRAILSCOPE_MAX_OBJECT_BYTES;
  process.env.TRAILSCOPE_MAX_OBJECT_BYTES = String(bytes);
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.TRAILSCOPE_MAX_OBJECT_BYTES;
    else process.env.TRAILSCOPE_MAX_OBJECT_BYTES = before;
  }
}

let tdb: TestDatabase;
let db: Db;
let dir: string;
let lying: CraftedEntry;

async function objects(folder: string): Promise<Map<string, { status: string; reason: string | null }>> {
  const { rows } = await db.pool.query(`SELECT key, status, reason FROM ingested_objects WHERE key LIKE $1`, [folder + "/%"]);
  // Keys are sliced, not path.relative'd: a member name holding ".." must stay as it is.
  return new Map(rows.map((r) => [(r.key as string).slice(folder.length + 1), { status: r.status as string, reason: r.reason as string | null }]));
}

async function storedCount(prefix: string): Promise<number> {
  return (await db.pool.query(`SELECT count(*)::int AS n FROM events WHERE id LIKE $1`, [prefix + "-%"])).rows[0].n;
}

beforeAll(async () => {
  tdb = await createTestDatabase("ts_forms_hostile");
  await migrate(tdb.url);
  db = openDb(tdb.url);
  dir = await mkdtemp(path.join(tmpdir(), "trailscope-hostile-zip-"));
  const gib = await deflatedZeros(1024 * MiB);
  // A liar that passes every check of the directory: it declares as many bytes as it stores (as a
  // stored-like entry would), so only inflating it shows the lie.
  lying = { name: "zeros.json", data: gib.data, method: 8, crc: crc32(Buffer.alloc(gib.data.length)), size: gib.data.length };
  const hundred = await deflatedZeros(100 * MiB);
  const ok = (prefix: string) => entryOf("ok.ndjson", ndjson(prefix, 2));
  const folder = path.join(dir, "hostile");
  await mkdir(folder);
  const files: [string, Buffer][] = [
    ["a-good.ndjson", ndjson("good-a", 3)],
    ["b-honest-bomb.zip", craftZip([{ name: "zeros.json", data: gib.data, method: 8, crc: gib.crc, size: 1024 * MiB }, ok("good-b")])],
    ["c-ratio-bomb.zip", craftZip([{ name: "zeros.json", data: hundred.data, method: 8, crc: hundred.crc, size: 100 * MiB }, ok("good-c")])],
    // The same stream declared at 4096 bytes: no deflate stream that long makes so little.
    ["d-lying-bomb.zip", craftZip([lying, { ...lying, name: "tiny.json", crc: crc32(Buffer.alloc(4096)), size: 4096 }, ok("good-d")])],
    [
      "e-traversal.zip",
      craftZip([
        entryOf("../escape.ndjson", ndjson("trav-1", 1)),
        entryOf("/etc/absolute.ndjson", ndjson("trav-2", 1)),
        entryOf("logs\\windows.ndjson", ndjson("trav-3", 1)),
        entryOf("C:/drive.ndjson", ndjson("trav-4", 1)),
        entryOf("a/../../up.ndjson", ndjson("trav-5", 1)),
        ok("good-e"),
      ]),
    ],
    ["f-encrypted.zip", craftZip([{ ...entryOf("secret.ndjson", ndjson("enc", 2)), flags: 1 }, ok("good-f")])],
    ["g-truncated.zip", craftZip([entryOf("cut.ndjson", ndjson("trunc", 5)), ok("trunc-ok")]).subarray(0, 200)],
    ["h-many.zip", craftZip(Array.from({ length: MAX_ARCHIVE_ENTRIES + 1 }, (_, i) => entryOf(`e${i}.json`, new Uint8Array(0), 0)))],
    ["i-deep.tar", await tarOf([["outer.zip", craftZip([entryOf("inner.zip", craftZip([entryOf("deep.ndjson", ndjson("deep", 2))])), ok("good-i")])]])],
    ["j-traversal.tar", await tarOf([["../up.ndjson", ndjson("trav-tar", 1)], ["ok.ndjson", ndjson("good-j", 2)]])],
    ["z-good.json.gz", gzipSync(Buffer.from(JSON.stringify({ Records: [event("good-z-0", 1), event("good-z-1", 2)] })))],
  ];
  for (const [name, bytes] of files) await writeFile(path.join(folder, name), bytes);
});

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("hostile zip archives in a folder", () => {
  it("refuses each with its reason and stores everything else", async () => {
    const folder = path.join(dir, "hostile");
    const s = await runSync(db, parseSource(folder), { ...quiet, decodeWorkers: 0 });
    expect(s.ok).toBe(true);
    const o = await objects(folder);
    const failed = (key: string, reason: RegExp) => {
      expect(o.get(key), key).toEqual({ status: "failed", reason: expect.stringMatching(reason) });
    };
    failed("b-honest-bomb.zip!zeros.json", /^too large: 1073741824 bytes, over the limit of 256 MiB uncompressed \(TRAILSCOPE_MAX_OBJECT_BYTES\); not read \(the size its archive declares\)$/);
    failed("c-ratio-bomb.zip!zeros.json", /^declares 104857600 bytes from \d+, more than 200 times \(past 32 MiB\): refused as a likely decompression bomb; not inflated$/);
    failed("d-lying-bomb.zip!zeros.json", new RegExp(`^inflates past its declared ${lying.size} bytes: refused as a likely decompression bomb \\(inflation stopped after \\d+ bytes\\)$`));
    failed("d-lying-bomb.zip!tiny.json", new RegExp(`^corrupt zip entry: ${lying.data.length} compressed bytes cannot make 4096; not read$`));
    for (const name of ["../escape.ndjson", "/etc/absolute.ndjson", "logs\\windows.ndjson", "C:/drive.ndjson", "a/../../up.ndjson"]) {
      failed(`e-traversal.zip!${name}`, /^unsafe entry name .*marks a hostile archive; not read$/);
    }
    failed("f-encrypted.zip!secret.ndjson", /^encrypted entry: not read/);
    failed("g-truncated.zip", /^truncated or corrupt zip: no end of central directory record; not read$/);
    failed("h-many.zip", new RegExp(`^${MAX_ARCHIVE_ENTRIES + 1} entries: more than the ${MAX_ARCHIVE_ENTRIES} an archive may hold, refused as a likely hostile archive; no entry read$`));
    failed("j-traversal.tar!../up.ndjson", /^unsafe entry name "\.\.\/up\.ndjson": .*marks a hostile archive; not read$/);
    failed("i-deep.tar!outer.zip!inner.zip", /^an archive inside 2 levels of archives: not read \(nesting is bounded\)$/);
    expect(s.objectsFailed).toBe(14);
    expect([...o.values()].filter((v) => v.status === "failed")).toHaveLength(14);
    expect(s.failures.map((f) => f.key).sort()).toEqual([...o].filter(([, v]) => v.status === "failed").map(([k]) => `${folder}/${k}`).sort());

    // The lying bomb stopped as soon as its output passed its declared ~1 MB (zlib's maxOutputLength), not at 1 GiB.
    const stoppedAfter = Number(/after (\d+) bytes/.exec(o.get("d-lying-bomb.zip!zeros.json")!.reason!)![1]);
    expect(stoppedAfter).toBeGreaterThan(lying.size);
    expect(stoppedAfter).toBeLessThanOrEqual(lying.size + 9 * MiB);

    // Everything honest is stored, in the hostile archives too; nothing refused is.
    expect(await storedCount("good-a")).toBe(3);
    for (const p of ["good-b", "good-c", "good-d", "good-e", "good-f", "good-i", "good-j", "good-z"]) expect(await storedCount(p), p).toBe(2);
    for (const p of ["trav-1", "trav-2", "trav-3", "trav-4", "trav-5", "trav-tar", "enc", "trunc", "deep"]) expect(await storedCount(p), p).toBe(0);
    expect(s.eventsNew).toBe(3 + 8 * 2);

    // Recorded refusals are not read again (each archive is refused once, unless it changes).
    const again = await runSync(db, parseSource(folder), { ...quiet, decodeWorkers: 0 });
    expect(again.objectsUnchanged).toBe(o.size);
    expect(again.objectsRead + again.objectsFailed + again.eventsNew).toBe(0);
  });

  it("inflates a lying entry one input step at most, whatever its stream holds", () => {
    const out = inflateEntry(lying.data, { name: lying.name, flags: 0, method: 8, crc: lying.crc, compressedSize: lying.data.length, size: lying.size, localOffset: 0 });
    expect(out).toEqual({ reason: expect.stringMatching(`^inflates past its declared ${lying.size} bytes`), inflated: expect.any(Number) });
    expect((out as { inflated: number }).inflated).toBeLessThanOrEqual(lying.size + 9 * MiB);
    // An honest entry whose content does not match its CRC is corrupt.
    const honest = entryOf("x.json", Buffer.from('{"Records":[]}'));
    expect(inflateEntry(honest.data, { name: "x.json", flags: 0, method: 8, crc: honest.crc ^ 1, compressedSize: honest.data.length, size: honest.size, localOffset: 0 })).toEqual({
      reason: "corrupt zip entry: CRC-32 does not match its content",
      inflated: honest.size,
    });
  });
});

describe("an archive's total bounds (TRAILSCOPE_MAX_OBJECT_BYTES=64 KiB: 4 MiB in all)", () => {
  it("stops an archive past 64 objects' bound, and one inflating 200 times its size, recording why", async () => {
    const folder = path.join(dir, "bounds");
    await mkdir(folder);
    // Random padding does not compress: 80 entries of ~61 KB pass every entry's bound and the
    // ratio, and reach the total after about 68.
    const total = craftZip(
      Array.from({ length: 80 }, (_, i) =>
        entryOf(`t${String(i).padStart(3, "0")}.ndjson`, Buffer.from(JSON.stringify(event(`tot-${i}`, i, { requestParameters: { pad: randomBytes(30 * 1024).toString("hex") } })) + "\n")),
      ),
    );
    // Whitespace compresses ~1000:1: each entry alone is fine, together they inflate past 200 times the archive.
    const padded = (n: number) => Buffer.from('{"Records":[' + " ".repeat(n) + "]}");
    const spread = craftZip(Array.from({ length: 50 }, (_, i) => entryOf(`s${String(i).padStart(2, "0")}.json`, padded(60 * 1024))));
    await writeFile(path.join(folder, "a-total.zip"), total);
    await writeFile(path.join(folder, "b-spread.zip"), spread);
    await writeFile(path.join(folder, "c-good.ndjson"), ndjson("bounds-good", 2));
    const s = await withMaxObjectBytes(64 * 1024, () => runSync(db, parseSource(folder), { ...quiet, decodeWorkers: 0 }));
    expect(s.ok).toBe(true);
    const o = await objects(folder);
    expect(o.get("a-total.zip")).toEqual({
      status: "failed",
      reason: expect.stringMatching(/^archive expands past 64 times one object's bound \(4194304 bytes in all, TRAILSCOPE_MAX_OBJECT_BYTES\): refused as a likely decompression bomb; the entries from "t0\d\d\.ndjson" on were not read$/),
    });
    expect(o.get("b-spread.zip")).toEqual({
      status: "failed",
      reason: expect.stringMatching(/^archive expands more than 200 times its compressed size \(\d+ bytes from \d+\): refused as a likely decompression bomb; the entries from "s\d\d\.json" on were not read$/),
    });
    const totalRead = [...o].filter(([k, v]) => k.startsWith("a-total.zip!") && v.status === "ok").length;
    expect(totalRead).toBeGreaterThan(60);
    expect(totalRead).toBeLessThan(80);
    expect(await storedCount("tot")).toBe(totalRead);
    const spreadRead = [...o].filter(([k, v]) => k.startsWith("b-spread.zip!") && v.status === "ok").length;
    expect(spreadRead).toBeGreaterThan(0);
    expect(spreadRead).toBeLessThan(50);
    expect(await storedCount("bounds-good")).toBe(2);
  });
});

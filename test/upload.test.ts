// POST /api/uploads below HTTP: the body as browsers and curl send it (multipart, or raw with
// X-Filename) read within the bound, then synced and audited. The route itself is driven through
// the built console by e2e/upload.spec.ts.
import { zipSync, strToU8 } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readUploadBody, UploadError } from "../lib/api/upload-body";
import type { Access } from "../lib/auth/access";
import { readAudit } from "../lib/auth/audit";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { syncUpload } from "../lib/sync/uploads";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";

const URL_ = "http://127.0.0.1/api/uploads";
const ev = (id: string) => ({ eventVersion: "1.11", eventTime: "2025-06-01T08:00:00Z", eventSource: "ec2.amazonaws.com", eventName: "RunInstances", eventID: id, recipientAccountId: "111122223333" });

async function refusal(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(UploadError);
    return { status: (err as UploadError).status, message: (err as Error).message };
  }
  throw new Error("expected the upload to be refused");
}

describe("reading an upload's body", () => {
  it("takes multipart files, several at once, by their names", async () => {
    const form = new FormData();
    form.append("file", new Blob([JSON.stringify(ev("m1"))]), "one.json");
    form.append("file", new Blob([new Uint8Array([1, 2, 3])]), "dir/two.bin");
    const files = await readUploadBody(new Request(URL_, { method: "POST", body: form }));
    expect(files.map((f) => [f.name, f.bytes.length])).toEqual([
      ["one.json", JSON.stringify(ev("m1")).length],
      ["dir/two.bin", 3],
    ]);
  });

  it("takes a raw body named by X-Filename (percent-encoded or not)", async () => {
    const files = await readUploadBody(new Request(URL_, { method: "POST", body: "abc", headers: { "x-filename": "logs%20(1).json" } }));
    expect(files.map((f) => [f.name, Buffer.from(f.bytes).toString()])).toEqual([["logs (1).json", "abc"]]);
  });

  it("refuses a body over the bound from its length, and one without a length while it is read", async () => {
    // The length says it all: refused before reading (the body here is short, the header is believed).
    const declared = await refusal(readUploadBody(new Request(URL_, { method: "POST", body: "x", headers: { "x-filename": "big", "content-length": "2000" } }), 1000));
    expect(declared).toEqual({ status: 413, message: expect.stringMatching(/^upload too large: more than 1000 bytes \(TRAILSCOPE_MAX_UPLOAD_BYTES\)/) });
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(512));
      },
    });
    const streamed = await refusal(readUploadBody(new Request(URL_, { method: "POST", body: endless, headers: { "x-filename": "endless" }, duplex: "half" } as RequestInit), 4096));
    expect(streamed.status).toBe(413);
    // Reading stopped at the bound: the endless body was not drained.
    expect(pulled).toBeLessThan(20);
  });

  it("refuses a body shorter than its announced length (cut on the way): half a file is never synced", async () => {
    expect(await refusal(readUploadBody(new Request(URL_, { method: "POST", body: "abc", headers: { "x-filename": "cut", "content-length": "10" } })))).toEqual({
      status: 400,
      message: "the upload arrived incomplete (3 of 10 bytes); try again",
    });
  });

  it("says how to send a file when there is none", async () => {
    expect(await refusal(readUploadBody(new Request(URL_, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })))).toEqual({
      status: 400,
      message: 'send the file as multipart/form-data field "file", or as the request body with an X-Filename header',
    });
    const form = new FormData();
    form.append("note", "no file");
    expect((await refusal(readUploadBody(new Request(URL_, { method: "POST", body: form })))).message).toMatch(/^no "file" field/);
    const empty = new FormData();
    empty.append("file", new Blob([]), "empty.json");
    expect(await refusal(readUploadBody(new Request(URL_, { method: "POST", body: empty })))).toEqual({ status: 400, message: '"empty.json" is empty' });
  });
});

describe("syncing an upload", () => {
  let tdb: TestDatabase;
  let db: Db;
  const analyst: Access = { kind: "session", userId: "u-analyst", name: "analyst@example.com", role: "analyst", scope: null, ip: "127.0.0.1" };

  beforeAll(async () => {
    tdb = await createTestDatabase("ts_forms_upload_api");
    await migrate(tdb.url);
    db = openDb(tdb.url);
  });

  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  });

  it("stores a zip's events, answers the summary with each problem, and audits it", async () => {
    const zip = zipSync({
      "a.ndjson": strToU8(`${JSON.stringify(ev("up-1"))}\n${JSON.stringify(ev("up-2"))}\n`),
      "notes.txt": strToU8("not events"),
    });
    const r = await syncUpload(db, [{ name: "case-42.zip", bytes: zip }], analyst);
    expect(r).toMatchObject({ ok: true, fatal: false, eventsNew: 2, eventsDuplicate: 0, objectsRead: 1, objectsSkipped: 1, objectsFailed: 0 });
    expect(r.source).toMatch(/^upload:[0-9a-f]{12}\/case-42\.zip$/);
    expect(r.failures).toEqual([{ key: expect.stringMatching(/^upload:[0-9a-f]{12}\/case-42\.zip!notes\.txt$/), reason: "not JSON" }]);
    const [entry] = await readAudit(db, { action: "upload" });
    expect(entry).toMatchObject({
      actorKind: "user",
      actorId: "u-analyst",
      actorName: "analyst@example.com",
      target: r.source,
      detail: { files: [{ name: "case-42.zip", bytes: zip.length }], objects: { read: 1, unchanged: 0, skipped: 1, failed: 0 }, events: { new: 2, duplicate: 0 }, ok: true },
    });
    const again = await syncUpload(db, [{ name: "case-42.zip", bytes: zip }], analyst);
    expect(again).toMatchObject({ objectsUnchanged: 2, eventsNew: 0, objectsRead: 0 });
  });
});

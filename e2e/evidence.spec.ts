// The evidence bundle and export file names through the built server: as each kind of principal
// (an auditor, a share link's holder, nobody), read back with the system's unzip and sha256sum;
// the readable CSV header; the file names; the export menu on the timeline and the shared view.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { parseCsv } from "../test/helpers/csv";
import { E2E_USERS, storageStateOf } from "./users";
import { run } from "../test/helpers/run";

const NO_COOKIES = { cookies: [], origins: [] };
const RANGE = "from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z";
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");


interface Bundle {
  dir: string;
  names: string[];
  manifest: {
    exportedBy: { kind: string; name: string; id: string };
    query: { string: string; effective: string; asOf: string; filters: Record<string, string[]> };
    rows: { csv: number; ndjson: number };
    files: { name: string; bytes: number; sha256: string }[];
    integrity: { events: { verified: number; unverified: number; failed: number } };
  };
  manifestJson: Buffer;
  csv: string[][];
  ndjson: Record<string, unknown>[];
}

const dirs: string[] = [];
test.afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Unzips a bundle response with the system's unzip and checks it with sha256sum. */
async function readBundle(body: Buffer): Promise<Bundle> {
  const dir = await mkdtemp(path.join(tmpdir(), "trailscope-e2e-bundle-"));
  dirs.push(dir);
  await writeFile(path.join(dir, "b.zip"), body);
  const unzip = await run("unzip", ["-q", "b.zip", "-d", "x"], dir);
  expect(unzip.code, unzip.stderr).toBe(0);
  const names = (await run("unzip", ["-Z1", "b.zip"], dir)).stdout.split("\n").filter(Boolean);
  const x = path.join(dir, "x");
  const check = await run("sha256sum", ["-c", "--strict", "manifest.txt"], x);
  expect(check.code, check.stdout + check.stderr).toBe(0);
  const manifestJson = await readFile(path.join(x, "manifest.json"));
  const manifest = JSON.parse(manifestJson.toString("utf8"));
  for (const f of manifest.files) {
    const bytes = await readFile(path.join(x, f.name));
    expect(bytes.length).toBe(f.bytes);
    expect(sha256(bytes)).toBe(f.sha256);
  }
  const csv = parseCsv((await readFile(path.join(x, "events.csv"))).toString("utf8"));
  const ndjson = (await readFile(path.join(x, "events.ndjson"))).toString("utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  expect(manifest.rows).toEqual({ csv: csv.length - 1, ndjson: ndjson.length });
  return { dir: x, names, manifest, manifestJson, csv, ndjson };
}

async function listedIds(request: APIRequestContext, qs: string): Promise<string[]> {
  const res = await request.get(`/api/events?${qs}&limit=1000`);
  expect(res.status()).toBe(200);
  const body = (await res.json()) as { events: { eventID: string }[]; nextCursor: string | null };
  expect(body.nextCursor).toBeNull();
  return body.events.map((e) => e.eventID);
}

const csvIds = (b: Bundle) => b.csv.slice(1).map((r) => r[b.csv[0].indexOf("eventID")]);

test.describe("evidence bundle", () => {
  test("an auditor downloads one: the listed set in both files, hashes that check, named after its filters and range", async ({ playwright, baseURL }) => {
    const auditor = await playwright.request.newContext({ baseURL, storageState: storageStateOf("auditor") });
    const qs = `eventName=CreateUser&${RANGE}`;
    const res = await auditor.get(`/api/export?${qs}&format=bundle`);
    expect(res.status(), await res.text().catch(() => "")).toBe(200);
    expect(res.headers()["content-type"]).toBe("application/zip");
    expect(res.headers()["content-disposition"]).toBe('attachment; filename="trailscope-evidence-eventName-CreateUser_2026-11-20T00-00Z_to_2026-11-21T00-00Z.zip"');
    const b = await readBundle(await res.body());
    expect(b.names).toEqual(["events.csv", "events.ndjson", "manifest.json", "manifest.txt"]);
    const listed = await listedIds(auditor, qs);
    expect(listed.length).toBeGreaterThan(3);
    expect(csvIds(b)).toEqual(listed);
    expect(b.ndjson.map((e) => e.eventID)).toEqual(listed);
    expect(b.manifest.exportedBy).toMatchObject({ kind: "user", name: E2E_USERS.auditor.email });
    // As received: the same parameters (Next re-encodes the URL it hands a route: `:` as %3A).
    expect([...new URLSearchParams(b.manifest.query.string)]).toEqual([...new URLSearchParams(`${qs}&format=bundle`)]);
    expect(b.manifest.query.filters).toEqual({ eventName: ["CreateUser"] });
    const i = b.manifest.integrity.events;
    expect(i.verified + i.unverified + i.failed).toBe(listed.length);

    // The audit trail has it, with the row count and the manifest's own hash (written as the
    // download ends, so it may land just after the last byte).
    const admin = await playwright.request.newContext({ baseURL, storageState: storageStateOf("admin") });
    await expect(async () => {
      const entries = (await (await admin.get("/api/audit?action=export&limit=200")).json()).entries as { actorName: string; detail: Record<string, unknown> }[];
      const mine = entries.find((e) => e.actorName === E2E_USERS.auditor.email && e.detail.format === "bundle" && e.detail.manifestSha256 === sha256(b.manifestJson));
      expect(mine?.detail).toMatchObject({ rows: listed.length, complete: true });
    }).toPass();
    await admin.dispose();
    await auditor.dispose();
  });

  test("through a share link: exactly the share's set, exported as the link; wider asks refused", async ({ playwright, baseURL }) => {
    const analyst = await playwright.request.newContext({ baseURL, storageState: storageStateOf("analyst") });
    const made = await analyst.post("/api/shares", { data: { query: `eventName=ListUsers&${RANGE}` }, headers: { origin: baseURL! } });
    expect(made.status(), await made.text()).toBe(201);
    const { url, id } = await made.json();
    const expected = await listedIds(analyst, `eventName=ListUsers&${RANGE}`);
    expect(expected.length).toBeGreaterThan(3);

    const holder = await playwright.request.newContext({ baseURL, storageState: NO_COOKIES });
    expect((await holder.get(new URL(url).pathname, { maxRedirects: 0 })).status()).toBe(303);
    // No parameters: the link's own view.
    const res = await holder.get("/api/export?format=bundle");
    expect(res.status()).toBe(200);
    expect(res.headers()["content-disposition"]).toBe('attachment; filename="trailscope-evidence-eventName-ListUsers_2026-11-20T00-00Z_to_2026-11-21T00-00Z.zip"');
    const b = await readBundle(await res.body());
    expect(csvIds(b)).toEqual(expected);
    expect(b.ndjson.map((e) => e.eventID)).toEqual(expected);
    expect(b.manifest.exportedBy).toEqual({ kind: "share", name: `share link ${id}`, id });
    // The effective query is the link's view, frozen at the link's asOf or earlier.
    const eff = new URLSearchParams(b.manifest.query.effective);
    expect(eff.getAll("eventName")).toEqual(["ListUsers"]);
    expect(eff.get("from")).toBe("2026-11-20T00:00:00.000Z");
    expect(eff.get("to")).toBe("2026-11-21T00:00:00.000Z");

    // Narrowing works; widening is refused.
    const narrowed = await readBundle(await (await holder.get("/api/export?format=bundle&errorCode=!*")).body());
    expect(csvIds(narrowed).every((id) => expected.includes(id))).toBe(true);
    expect((await holder.get("/api/export?format=bundle&from=2020-01-01T00:00:00Z")).status()).toBe(403);
    expect((await holder.get("/api/export?format=bundle&eventName=CreateUser")).status()).toBe(403);

    const admin = await playwright.request.newContext({ baseURL, storageState: storageStateOf("admin") });
    await expect(async () => {
      const entries = (await (await admin.get("/api/audit?action=share-export&limit=200")).json()).entries as { target: string; detail: Record<string, unknown> }[];
      expect(entries.find((e) => e.target === id && e.detail.query === "format=bundle")?.detail).toMatchObject({ format: "bundle", complete: true, rows: expected.length });
    }).toPass();
    await Promise.all([admin.dispose(), holder.dispose(), analyst.dispose()]);
  });

  test("anonymous: 401, no bytes of the set", async ({ playwright, baseURL }) => {
    const anon = await playwright.request.newContext({ baseURL, storageState: NO_COOKIES });
    const res = await anon.get(`/api/export?${RANGE}&format=bundle`);
    expect(res.status()).toBe(401);
    expect((await res.json()).error).toBeTruthy();
    await anon.dispose();
  });
});

test.describe("export options and names", () => {
  test("headers=labels: the CSV's header row in words, the rows unchanged; other values are 400", async ({ request }) => {
    const qs = `eventName=CreateUser&${RANGE}`;
    const keys = parseCsv(await (await request.get(`/api/export?${qs}`)).text());
    const res = await request.get(`/api/export?${qs}&headers=labels`);
    expect(res.status()).toBe(200);
    const labels = parseCsv(await res.text());
    expect(keys[0]).toContain("eventName");
    expect(labels[0]).toHaveLength(keys[0].length);
    expect(labels[0][keys[0].indexOf("eventName")]).toBe("Event name");
    expect(labels[0][keys[0].indexOf("sourceIPAddress")]).toBe("Source IP");
    expect(labels.slice(1)).toEqual(keys.slice(1));
    for (const bad of ["headers=names", "headers=labels&headers=keys"]) {
      const r = await request.get(`/api/export?${qs}&${bad}`);
      expect(r.status(), bad).toBe(400);
      expect((await r.json()).param).toBe("headers");
    }
    expect((await request.get(`/api/export?format=zip`)).status()).toBe(400);
  });

  test("the Content-Disposition names the filters and the range, relative bounds resolved", async ({ request }) => {
    const qs = "eventName=ConsoleLogin&errorCode=AccessDenied&from=2026-11-01T00:00:00Z&to=2026-11-08T00:00:00Z";
    const csv = await request.get(`/api/export?${qs}`);
    expect(csv.headers()["content-disposition"]).toBe('attachment; filename="trailscope-events-eventName-ConsoleLogin_errorCode-AccessDenied_2026-11-01T00-00Z_to_2026-11-08T00-00Z.csv"');
    const nd = await request.get(`/api/export?${qs}&format=ndjson`);
    expect(nd.headers()["content-disposition"]).toBe('attachment; filename="trailscope-events-eventName-ConsoleLogin_errorCode-AccessDenied_2026-11-01T00-00Z_to_2026-11-08T00-00Z.ndjson"');
    const rel = await request.get("/api/export?from=now-7d&errorCode=*");
    expect(rel.headers()["content-disposition"]).toMatch(/^attachment; filename="trailscope-events-errorCode-any_\d{4}-\d\d-\d\dT\d\d-\d\d(-\d\d(\.\d{3})?)?Z_to_\d{4}-\d\d-\d\dT[\d.-]+Z\.csv"$/);
  });
});

test.describe("the export menu", () => {
  for (const who of ["signed in", "share link"] as const) {
    test(`offers the evidence bundle and readable column names (${who})`, async ({ browser, baseURL, playwright }) => {
      const ctx = await browser.newContext({ baseURL, storageState: who === "signed in" ? storageStateOf("auditor") : NO_COOKIES });
      const page = await ctx.newPage();
      if (who === "share link") {
        const analyst = await playwright.request.newContext({ baseURL, storageState: storageStateOf("analyst") });
        const made = await (await analyst.post("/api/shares", { data: { query: `eventName=ListUsers&${RANGE}` }, headers: { origin: baseURL! } })).json();
        await analyst.dispose();
        await page.goto(new URL(made.url).pathname);
      } else await page.goto(`/events?eventName=ListUsers&${RANGE}`);
      const bundle = page.getByRole("link", { name: "Evidence bundle (.zip)" });
      await expect(bundle).toHaveAttribute("href", /^\/api\/export\?.*eventName=ListUsers.*&format=bundle$/);
      const csv = page.getByRole("link", { name: "Export CSV" });
      await expect(csv).not.toHaveAttribute("href", /headers=/);
      await page.getByRole("checkbox", { name: "Readable column names" }).check();
      await expect(csv).toHaveAttribute("href", /&headers=labels$/);
      await expect(bundle).toHaveAttribute("href", /&format=bundle&headers=labels$/);
      // The link downloads a bundle.
      const [download] = await Promise.all([page.waitForEvent("download"), bundle.click()]);
      expect(download.suggestedFilename()).toMatch(/^trailscope-evidence-eventName-ListUsers_.*\.zip$/);
      const b = await readBundle(await readFile((await download.path())!));
      expect(b.csv[0]).toContain("Event name");
      expect(b.csv.length).toBeGreaterThan(3);
      await ctx.close();
    });
  }
});

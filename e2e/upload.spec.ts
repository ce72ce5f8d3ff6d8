// Uploading log files on /sync in a real browser: an analyst drops a zip of NDJSON files on the
// upload control, reads the sync's summary, and finds the events on /events; the upload is
// audited. An auditor has no control and is refused by the API (403), and so is anyone without a
// credential (401); a body over the bound is refused with 413. The uploaded events are dated 2019
// and named apart from the seed's, so other specs' counts of the seed's range do not see them; the
// upload does add a run to GET /api/sync, which api.spec.ts (run before this file) counts.
import { strToU8, zipSync } from "fflate";
import { expect, test } from "@playwright/test";
import { storageStateOf } from "./users";

const NO_COOKIES = { cookies: [], origins: [] };
const IDS = ["e2e-upload-1", "e2e-upload-2", "e2e-upload-3", "e2e-upload-4", "e2e-upload-5"];
const event = (id: string, i: number) => ({
  eventVersion: "1.11",
  userIdentity: { type: "IAMUser", arn: "arn:aws:iam::111122223333:user/uploader", userName: "uploader", accountId: "111122223333" },
  eventTime: `2019-06-01T10:0${i}:00Z`,
  eventSource: "ec2.amazonaws.com",
  eventName: "E2eUploadedEvent",
  awsRegion: "eu-west-1",
  sourceIPAddress: "203.0.113.50",
  eventID: id,
  eventType: "AwsApiCall",
  recipientAccountId: "111122223333",
});
const ndjson = (ids: string[], from: number) => strToU8(ids.map((id, i) => JSON.stringify(event(id, from + i))).join("\n") + "\n");
const ZIP = Buffer.from(zipSync({ "case/part-1.ndjson": ndjson(IDS.slice(0, 3), 0), "case/part-2.jsonl": ndjson(IDS.slice(3), 3) }));
const RANGE = "from=2019-06-01T00:00:00Z&to=2019-06-02T00:00:00Z";

test("an analyst drops a zip of NDJSON files on /sync and finds its events on /events", async ({ browser, request, playwright, baseURL }) => {
  const started = new Date(Date.now() - 1000).toISOString();
  const ctx = await browser.newContext({ storageState: storageStateOf("analyst") });
  const page = await ctx.newPage();
  try {
    await page.goto("/sync");
    const panel = page.getByRole("region", { name: "Upload log files" });
    await expect(panel).toBeVisible();
    // A drop as the browser makes it: a DataTransfer holding the file.
    const drop = await page.evaluateHandle(
      ({ b64, name }) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name, { type: "application/zip" }));
        return dt;
      },
      { b64: ZIP.toString("base64"), name: "case-7.zip" },
    );
    await panel.getByTestId("upload-drop-zone").dispatchEvent("drop", { dataTransfer: drop });
    await expect(panel).toContainText("1 file,");
    await panel.getByRole("button", { name: "Upload" }).click();
    const result = panel.getByTestId("upload-result");
    await expect(result).toContainText("5 new events, 0 already stored. Files: 2 read, 0 uploaded before, 0 skipped, 0 failed.");
    // The upload is a run of the sync table like any source's.
    await expect(page.getByTestId("source-row").filter({ hasText: "case-7.zip" })).toBeVisible();
    await panel.screenshot({ path: "test-results/screens/upload-result.png" });

    await page.goto(`/events?${RANGE}&eventName=E2eUploadedEvent`);
    for (const id of IDS) await expect(page.locator(`tbody tr[data-event-id="${id}"]`)).toHaveCount(1);
    await expect(page.locator("tbody tr[data-event-id]")).toHaveCount(IDS.length);
  } finally {
    await ctx.close();
  }
  // The same upload again stores nothing twice.
  const analyst = await playwright.request.newContext({ baseURL, storageState: storageStateOf("analyst") });
  try {
    const again = await analyst.post("/api/uploads", { headers: { origin: baseURL!, "x-filename": "case-7.zip", "content-type": "application/zip" }, data: ZIP });
    expect(again.status(), await again.text()).toBe(200);
    expect(await again.json()).toMatchObject({ ok: true, eventsNew: 0, objectsUnchanged: 2 });
  } finally {
    await analyst.dispose();
  }

  // Audited (the admin reads the trail): who, what file, what it gave.
  const audit = (await (await request.get(`/api/audit?action=upload&from=${started}`)).json()).entries as { actorName: string; target: string; detail: Record<string, unknown> }[];
  expect(audit.map((a) => a.actorName)).toEqual(["analyst@e2e.test", "analyst@e2e.test"]);
  expect(audit[1]).toMatchObject({ target: expect.stringMatching(/^upload:[0-9a-f]{12}\/case-7\.zip$/), detail: { files: [{ name: "case-7.zip", bytes: ZIP.length }], events: { new: 5, duplicate: 0 } } });
});

test("an auditor sees no upload control and is refused by the API; anonymous gets 401", async ({ browser, playwright, baseURL }) => {
  const ctx = await browser.newContext({ storageState: storageStateOf("auditor") });
  const page = await ctx.newPage();
  try {
    await page.goto("/sync");
    await expect(page.getByRole("heading", { name: "Sync" })).toBeVisible();
    await expect(page.getByRole("region", { name: "Upload log files" })).toHaveCount(0);
    await expect(page.getByTestId("upload-drop-zone")).toHaveCount(0);
  } finally {
    await ctx.close();
  }
  const auditor = await playwright.request.newContext({ baseURL, storageState: storageStateOf("auditor") });
  const anonymous = await playwright.request.newContext({ baseURL, storageState: NO_COOKIES });
  try {
    const denied = await auditor.post("/api/uploads", { headers: { origin: baseURL!, "x-filename": "case-7.zip" }, data: ZIP });
    expect(denied.status()).toBe(403);
    expect((await denied.json()).error).toBe("this needs the upload permission, which the auditor role does not have");
    const nobody = await anonymous.post("/api/uploads", { headers: { origin: baseURL!, "x-filename": "case-7.zip" }, data: ZIP });
    expect(nobody.status()).toBe(401);
  } finally {
    await auditor.dispose();
    await anonymous.dispose();
  }
});

test("a body over the upload bound is refused with 413 before anything is synced", async ({ playwright, baseURL }) => {
  const analyst = await playwright.request.newContext({ baseURL, storageState: storageStateOf("analyst") });
  try {
    const big = Buffer.alloc(32 * 2 ** 20 + 1, 0x20);
    const res = await analyst.post("/api/uploads", { headers: { origin: baseURL!, "x-filename": "huge.json" }, data: big });
    expect(res.status()).toBe(413);
    expect((await res.json()).error).toMatch(/^upload too large: more than 32 MiB \(TRAILSCOPE_MAX_UPLOAD_BYTES\)/);
  } finally {
    await analyst.dispose();
  }
});

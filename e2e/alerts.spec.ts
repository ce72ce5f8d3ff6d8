// /alerts in the browser: an analyst watches a detection, pointing it at a webhook receiver this
// test runs on loopback (the e2e server allows private addresses: playwright.config.ts), sends a
// test message, sees the receiver get it and the history say "sent"; a receiver that answers 500
// shows as failed with the error; an address at the cloud metadata service is refused in the form.
// Screenshots at 1440 and 390 px. The watches are deleted at the end (later specs sync uploads).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { storageStateOf } from "./users";
import { BUILTIN_DETECTIONS } from "../lib/detections/library";

const SCREENS = "test-results/screens";

interface Hit {
  path: string;
  body: Record<string, unknown>;
}
const hits: Hit[] = [];
let receiver: http.Server;
let base = "";

test.use({ storageState: storageStateOf("analyst") });

test.beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      hits.push({ path: req.url ?? "/", body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") });
      res.writeHead(req.url === "/broken" ? 500 : 200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

test.afterAll(async ({ playwright, baseURL }) => {
  await new Promise((r) => receiver.close(r));
  const api = await playwright.request.newContext({ baseURL, storageState: storageStateOf("analyst") });
  const { watches } = (await (await api.get("/api/watches")).json()) as { watches: { id: string }[] };
  for (const w of watches) expect((await api.delete(`/api/watches/${w.id}`, { headers: { origin: baseURL! } })).status()).toBe(204);
  await api.dispose();
});

async function addWatch(page: Page, detection: string, url: string, format: "Slack-compatible" | "Generic JSON") {
  await page.getByLabel("View or detection", { exact: true }).selectOption({ label: detection });
  await page.getByLabel("Webhook URL").fill(url);
  await page.getByLabel("Body", { exact: true }).selectOption({ label: format });
  await page.getByRole("button", { name: "Watch", exact: true }).click();
}

test("watch a detection, send a test message to a webhook, and see the history", async ({ page }) => {
  await page.goto("/alerts");
  await expect(page.getByRole("heading", { name: "Alerts", exact: true })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Alerts" })).toBeVisible();

  // The cloud's metadata address is refused, with the reason beside the form.
  await addWatch(page, "Root user activity", "http://169.254.169.254/latest/meta-data/", "Generic JSON");
  await expect(page.getByRole("alert").filter({ hasText: "webhook.url" })).toContainText("webhook.url: refused: 169.254.169.254 is link-local");

  await addWatch(page, "Root user activity", `${base}/hook`, "Generic JSON");
  await expect(page.getByRole("status").filter({ hasText: "Watching" })).toContainText("Watching Root user activity");
  const row = page.getByTestId("watch-row").filter({ hasText: "Root user activity" });
  await expect(row).toContainText(`JSON webhook ${base}/…`);
  await expect(row).toContainText("watching");
  await expect(row).toContainText("never");
  // The webhook's path is never shown back (a Slack webhook's path is its secret).
  await expect(page.getByTestId("watches")).not.toContainText("/hook");

  await row.getByRole("button", { name: "Send test" }).click();
  await expect.poll(() => hits.filter((h) => h.path === "/hook").length).toBe(1);
  const body = hits.find((h) => h.path === "/hook")!.body;
  expect(body).toMatchObject({ test: true, count: 0, target: { kind: "detection", id: "cis-root-account-usage", title: "Root user activity" } });
  expect(String(body.link)).toContain("/events?identityType=Root");
  const sent = page.getByTestId("alert-row").filter({ hasText: "Root user activity" }).first();
  await expect(sent).toContainText("test");
  await expect(sent.getByTestId("delivery")).toContainText("sent");
  await expect(sent.getByTestId("delivery")).toContainText("HTTP 200");

  // A receiver that answers 500: a test is tried once and shows as failed with the answer.
  await addWatch(page, BUILTIN_DETECTIONS.find((d) => d.id === "cloudtrail-tampering")!.title, `${base}/broken`, "Slack-compatible");
  const broken = page.getByTestId("watch-row").filter({ hasText: "CloudTrail logging stopped" });
  await expect(broken).toContainText("Slack webhook");
  await broken.getByRole("button", { name: "Send test" }).click();
  const failed = page.getByTestId("alert-row").filter({ hasText: "CloudTrail logging stopped" }).first();
  await expect(failed.getByTestId("delivery")).toContainText("failed");
  await expect(failed.getByTestId("delivery")).toContainText(/HTTP 500 from 127\.0\.0\.1:\d+/);
  const slack = hits.find((h) => h.path === "/broken")!.body as { text: string; blocks: unknown[] };
  expect(slack.text).toContain("Test message from Trailscope");
  expect(Array.isArray(slack.blocks)).toBe(true);

  // Disabled: the row says so; enabled again.
  await broken.getByRole("button", { name: "Disable" }).click();
  await expect(broken).toContainText("disabled");
  await broken.getByRole("button", { name: "Enable" }).click();
  await expect(broken).toContainText("watching");
});

test("screenshots: alerts wide and narrow", async ({ browser }) => {
  for (const [name, width] of [["alerts-1440", 1440], ["alerts-390", 390]] as const) {
    const ctx = await browser.newContext({ viewport: { width, height: 1000 }, storageState: storageStateOf("analyst") });
    const page = await ctx.newPage();
    await page.goto("/alerts");
    // Narrow screens show cards instead of tables (no row hides its actions off to the side).
    await expect(page.getByTestId(width > 700 ? "alert-row" : "alert-card").first()).toBeVisible();
    await expect(page.getByTestId(width > 700 ? "watch-card" : "watch-row").first()).toBeHidden();
    // The add-watch form opened on a detection, as a user sees it before saving.
    await page.getByLabel("View or detection", { exact: true }).selectOption({ label: "Root user activity" });
    await expect(page.getByLabel("Webhook URL")).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    await page.screenshot({ path: `${SCREENS}/${name}.png`, fullPage: true });
    await ctx.close();
  }
});

test("an admin sees every watch with its owner; an auditor has no Alerts page", async ({ playwright, baseURL }) => {
  const admin = await playwright.request.newContext({ baseURL, storageState: storageStateOf("admin") });
  // An admin sees every watch, with its owner.
  const all = (await (await admin.get("/api/watches")).json()).watches as { owner: string }[];
  expect(all.map((w) => w.owner)).toContain("analyst@e2e.test");
  await admin.dispose();
  const auditor = await playwright.request.newContext({ baseURL, storageState: storageStateOf("auditor") });
  expect((await auditor.get("/alerts", { maxRedirects: 0 })).status()).toBe(404);
  expect((await auditor.get("/api/watches")).status()).toBe(403);
  await auditor.dispose();
});

import { expect, test } from "@playwright/test";
import { XSS_EVENT_ID } from "./seed";

test("the timeline lists synced events with a count and export links", async ({ page }) => {
  await page.goto("/events");
  await expect(page.getByText(/[\d,]+ events match/)).toBeVisible();
  expect(await page.locator("tbody tr").count()).toBeGreaterThan(10);
  await expect(page.getByRole("link", { name: "Export CSV" })).toHaveAttribute("href", /\/api\/export\?/);
});

test("an invalid parameter shows a message naming it", async ({ page }) => {
  await page.goto("/events?from=yesterday-ish");
  await expect(page.getByTestId("param-error")).toContainText('Invalid parameter from: "yesterday-ish" is not a time');
});

test("event values are rendered as text, never as HTML", async ({ page }) => {
  await page.goto(`/events?eventID=${XSS_EVENT_ID}`);
  await expect(page.locator("tbody")).toContainText("<script>window.__xss=1</script>");
  await page.goto(`/events/${XSS_EVENT_ID}`);
  await expect(page.locator("pre")).toContainText("=HYPERLINK(");
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  await page.screenshot({ path: "test-results/screens/event-detail.png", fullPage: true });
});

test("the CSV download has one row per matching event, formulas neutralised", async ({ page, request }) => {
  const count = await request.get("/api/events?limit=1000&errorCode=AccessDenied");
  const n = (await count.json()).events.length;
  await page.goto("/events?errorCode=AccessDenied");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  const text = await (await download.createReadStream()).toArray();
  const csv = Buffer.concat(text as Buffer[]).toString("utf8");
  const lines = csv.trimEnd().split("\r\n");
  expect(lines.length - 1).toBe(n);
  expect(csv).toContain(`'=HYPERLINK(`);
});

// Comparing two events (/compare): reached from an event's detail ("Compare with…" pins it, another
// event's "Compare with pinned …" opens the comparison), fields and raw records side by side with
// the differences marked, at 1440 and 390 px wide; and an event a scoped user may not see answers
// 404 there exactly as its detail page does. Seed: e2e/seed.ts (the hostile corpus + e2e-xss-0001).
import { expect, test } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { XSS_EVENT_ID } from "./seed";
import { storageStateOf } from "./users";

const SCREENS = "test-results/screens";
mkdirSync(SCREENS, { recursive: true });

/** The corpus' first event: alice's CreateUser at 10:00:01, no error, request parameters null. */
const A = "00000000-0000-4000-8000-000000000001";
const compareUrl = (a: string, b: string) => `/compare?${new URLSearchParams({ a, b })}`;

test("pin one event, compare it with another from its detail: differing fields and JSON lines are marked", async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`/events/${A}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("CreateUser");
  await page.getByRole("button", { name: "Compare with…" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Pinned for comparison" })).toBeVisible();

  await page.goto(`/events/${XSS_EVENT_ID}`);
  const go = page.getByRole("link", { name: /^Compare with pinned CreateUser 2026-11-20 10:00:01/ });
  await go.click();
  await expect.poll(() => page.url()).toContain(compareUrl(A, XSS_EVENT_ID));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Compare two events");
  await expect(page.getByTestId("compare-card-A")).toContainText("CreateUser");
  await expect(page.getByTestId("compare-card-B")).toContainText("<script>window.__xss=1</script>");
  await expect(page.getByTestId("compare-summary")).toContainText("B happened 2 hours after A");

  // Fields: the catalog's, differing ones marked, equal ones not.
  const fields = page.getByTestId("compare-fields");
  for (const key of ["eventName", "eventTime", "username", "errorCode", "eventID"]) await expect(fields.locator(`tr[data-field="${key}"]`)).toHaveAttribute("data-differs", "true");
  for (const key of ["eventSource", "awsRegion", "accountId"]) await expect(fields.locator(`tr[data-field="${key}"]`)).toHaveAttribute("data-differs", "false");
  await expect(fields.locator('tr[data-field="eventName"]')).toContainText("≠");

  // Raw records: one line per key path, each side's value, differences marked.
  const json = page.getByTestId("json-diff");
  await expect(json.locator('tr[data-path="eventName"]')).toHaveAttribute("data-diff", "changed");
  await expect(json.locator('tr[data-path="eventVersion"]')).toHaveAttribute("data-diff", "same");
  await expect(json.locator('tr[data-path="userIdentity.arn"]')).toHaveAttribute("data-diff", "changed");
  // A has requestParameters (null), B has none; B has errorCode, A has none.
  await expect(json.locator('tr[data-path="requestParameters"]')).toHaveAttribute("data-diff", "removed");
  await expect(json.locator('tr[data-path="errorCode"]')).toHaveAttribute("data-diff", "added");
  await expect(json.locator('tr[data-path="errorCode"] td').nth(1)).toContainText('"AccessDenied"');
  // Values are text: the <script> in B's event name ran nowhere.
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  await page.screenshot({ path: `${SCREENS}/compare-wide.png`, fullPage: true });

  // Only the differences: equal fields and lines go, each difference stays in its container.
  await page.getByRole("link", { name: "Show only differences" }).click();
  await expect(page.getByRole("link", { name: "Show everything" })).toBeVisible();
  await expect(fields.locator('tr[data-differs="false"]')).toHaveCount(0);
  await expect(json.locator('tr[data-path="eventVersion"]')).toHaveCount(0);
  await expect(json.locator('tr[data-path="userIdentity.arn"]')).toHaveAttribute("data-diff", "changed");
  await expect(json.locator('tr[data-path="userIdentity"]')).toHaveCount(2); // its opening and closing lines
  await page.screenshot({ path: `${SCREENS}/compare-only-differences.png`, fullPage: true });

  // Swapping turns A's lines into B's.
  await page.getByRole("link", { name: "Swap A and B" }).click();
  await expect(json.locator('tr[data-path="errorCode"]')).toHaveAttribute("data-diff", "removed");
  await expect(page.getByTestId("compare-card-A")).toContainText("<script>");
});

test("narrow (390 px): cards stacked, fields readable, the JSON lines scroll inside their box", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(compareUrl(A, XSS_EVENT_ID));
  await expect(page.getByTestId("json-diff")).toBeVisible();
  const a = await page.getByTestId("compare-card-A").boundingBox();
  const b = await page.getByTestId("compare-card-B").boundingBox();
  expect(b!.y).toBeGreaterThan(a!.y + a!.height - 1);
  // The page itself never scrolls sideways; the JSON table does, inside its box.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const box = page.getByTestId("json-diff");
  expect(await box.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  await expect(page.getByText("the table scrolls sideways")).toBeVisible();
  await page.screenshot({ path: `${SCREENS}/compare-narrow.png`, fullPage: true });
});

test("without two IDs the page asks for them", async ({ page }) => {
  await page.goto(`/compare?a=${A}`);
  const form = page.getByRole("form", { name: "Compare two events" });
  await expect(form.getByLabel("Event A ID")).toHaveValue(A);
  await form.getByLabel("Event B ID").fill(A);
  await form.getByRole("button", { name: "Compare" }).click();
  await expect(page.getByTestId("compare-summary")).toHaveText("A and B are the same event.");
  const missing = await page.request.get(compareUrl(A, "no-such-event"));
  expect(missing.status()).toBe(404);
});

test.describe("a user scoped to another account", () => {
  test.use({ storageState: storageStateOf("scoped") });

  test("gets the detail page's 404 for events of other accounts, and learns nothing of them", async ({ page, request }) => {
    expect((await request.get(`/events/${A}`)).status()).toBe(404);
    for (const url of [compareUrl(A, XSS_EVENT_ID), compareUrl(A, A)]) {
      const res = await request.get(url);
      expect(res.status()).toBe(404);
      const body = await res.text();
      for (const secret of ["AKIAEXAMPLE", "alice", "CreateUser", "198.51.100.7"]) expect(body, url).not.toContain(secret);
    }
    await page.goto(compareUrl(A, XSS_EVENT_ID));
    await expect(page.getByRole("heading", { name: "No such event" })).toBeVisible();
  });
});

// The /sync page as a user reads it: freshness per account and region (newest event, how long ago,
// stale marks), CloudTrail's bucket write check shown as expected rather than as a red problem,
// and progress in words (files, S3 objects, LookupEvents pages), never "units"; a scoped user sees
// the freshness of its own accounts alone. Screenshots at 1440 and 390 px wide.
import { expect, test } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { storageStateOf } from "./users";

const SCREENS = "test-results/screens";
mkdirSync(SCREENS, { recursive: true });

test("freshness per account and region; the write-check file is expected, not a problem; no 'units'", async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto("/sync");
  const fresh = page.getByRole("region", { name: "Freshness: newest event per account and region" });
  await expect(fresh).toBeVisible();
  // Every seeded event is 111122223333's, in us-east-1 (the newest: e2e-xss-0001, 2026-11-20 12:00).
  const row = fresh.locator('tr[data-account="111122223333"][data-region="us-east-1"]');
  await expect(row).toHaveCount(1);
  await expect(row.locator("td")).toContainText(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /);
  await expect(row.getByTestId("freshness-age")).toHaveText(/ ago$|^just now$/);
  await expect(row.getByRole("link", { name: "us-east-1" })).toHaveAttribute("href", "/events?accountId=111122223333&awsRegion=us-east-1");
  await expect(fresh.getByTestId("freshness-summary")).toContainText("Newest event");

  // The seed's folder sync met a ConfigWritabilityCheckFile: listed apart, as expected, never red.
  const seeded = page.getByTestId("source-row").filter({ hasText: "trailscope-e2e-" }).first();
  await expect(seeded).toBeVisible();
  const expected = page.getByTestId("run-expected").first();
  await expected.locator("summary").click();
  await expect(expected).toContainText("skipped as expected");
  await expect(expected).toContainText("ConfigWritabilityCheckFile");
  const problems = page.getByTestId("run-problems").first();
  await problems.locator("summary").click();
  await expect(problems).toContainText("notes.txt");
  await expect(problems).not.toContainText("ConfigWritabilityCheckFile");
  await expect(page.locator(".text-red-700", { hasText: "ConfigWritabilityCheckFile" })).toHaveCount(0);

  // Progress and counts in words.
  await expect(page.locator("main")).not.toContainText(/\bunits?\b/);
  await expect(seeded).toContainText(/finished: \d+ files looked at/);
  await page.screenshot({ path: `${SCREENS}/sync-wide.png`, fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(fresh).toBeVisible();
  // The page never scrolls sideways (the sources table does, in its own box).
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: `${SCREENS}/sync-narrow.png`, fullPage: true });
});

test.describe("a user scoped to another account", () => {
  test.use({ storageState: storageStateOf("scoped") });

  test("sees the freshness of its own accounts and nothing of the others or of the sources", async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    const res = await page.goto("/sync");
    expect(res?.status()).toBe(200);
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sync" })).toBeVisible();
    const fresh = page.getByRole("region", { name: "Freshness: newest event per account and region" });
    await expect(fresh.getByTestId("freshness-summary")).toHaveText("No events of your accounts are stored yet.");
    await expect(page.getByTestId("source-row")).toHaveCount(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const html = await page.content();
    for (const secret of ["111122223333", "trailscope-e2e-", "ConfigWritabilityCheckFile"]) expect(html).not.toContain(secret);
    await page.screenshot({ path: `${SCREENS}/sync-scoped-narrow.png`, fullPage: true });
  });
});

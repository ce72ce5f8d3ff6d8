// The detections page through a real browser, against the e2e seed (e2e/seed.ts): every built-in
// detection with its count and sparkline over the range; the seed's one AccessDenied event trips
// "Unauthorized API calls" (CIS 4.1); a detection links to the timeline filtered by it; a scoped
// user's counts hold nothing of the other account. User-made detections: e2e/views.spec.ts.
import { expect, test } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { BUILTIN_DETECTIONS } from "../lib/detections/library";
import { storageStateOf } from "./users";

const SCREENS = "test-results/screens";
mkdirSync(SCREENS, { recursive: true });
const NOVEMBER = "from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z";

test.use({ storageState: storageStateOf("auditor") });

test("every built-in detection is listed with its count; the one that fired comes first with a sparkline and opens the timeline filtered by it", async ({ page }) => {
  await page.goto(`/detections?${NOVEMBER}`);
  const cards = page.locator("li[data-detection]");
  await expect(cards).toHaveCount(BUILTIN_DETECTIONS.length);
  await expect(page.getByTestId("fired-summary")).toHaveText(`1 of ${BUILTIN_DETECTIONS.length} fired`);
  const first = cards.first();
  await expect(first).toHaveAttribute("data-detection", "cis-unauthorized-api-calls");
  await expect(first.getByTestId("detection-count")).toHaveText("1");
  await expect(first).toContainText("CIS AWS Foundations 4.1");
  await expect(first).toContainText("T1580");
  await expect(first.getByTestId("sparkline").locator("rect")).toHaveCount(1);
  // Quiet ones count 0 (every one has a sparkline over the range, empty).
  await expect(page.locator('li[data-detection="cloudtrail-tampering"]').getByTestId("detection-count")).toHaveText("0");
  await expect(page.getByTestId("sparkline")).toHaveCount(BUILTIN_DETECTIONS.length);

  await first.getByRole("link", { name: "Unauthorized API calls" }).click();
  await expect(page).toHaveURL(/\/events\?/);
  const sp = new URL(page.url()).searchParams;
  expect(sp.get("from")).toBe("2026-11-01T00:00:00Z");
  expect(sp.getAll("errorCode")).toEqual(["*UnauthorizedOperation", "AccessDenied*"]);
  await expect(page.getByTestId("match-count")).toHaveText(/^1 event match/);
});

test("the default range is the last 30 days, and the range presets change it", async ({ page }) => {
  await page.goto("/detections");
  await expect(page.getByRole("link", { name: "30d", exact: true })).toHaveAttribute("aria-current", "page");
  await page.getByRole("link", { name: "7d", exact: true }).click();
  await expect(page).toHaveURL(/from=now-7d/);
  await expect(page.getByRole("link", { name: "7d", exact: true })).toHaveAttribute("aria-current", "page");
});

test("the API answers the contract's shape, counted under the filters", async ({ request }) => {
  const res = await request.get(`/api/detections?${NOVEMBER}`);
  expect(res.status()).toBe(200);
  const { detections } = (await res.json()) as { detections: { id: string; title: string; severity: string; technique: string; query: string; count: number }[] };
  expect(detections.map((d) => d.id).slice(0, BUILTIN_DETECTIONS.length)).toEqual(BUILTIN_DETECTIONS.map((d) => d.id));
  expect(detections.find((d) => d.id === "cis-unauthorized-api-calls")).toMatchObject({ count: 1, severity: "low", technique: "T1580", query: "errorCode=*UnauthorizedOperation&errorCode=AccessDenied*" });
  const narrowed = (await (await request.get(`/api/detections?${NOVEMBER}&eventSource=s3.amazonaws.com`)).json()).detections;
  expect(narrowed.find((d: { id: string }) => d.id === "cis-unauthorized-api-calls").count).toBe(0);
  const bad = await request.get("/api/detections?requestParameters.=x");
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error).toContain("requestParameters.");
});

test.describe("a user scoped to another account", () => {
  test.use({ storageState: storageStateOf("scoped") });
  test("counts nothing of the seed's account", async ({ page }) => {
    await page.goto(`/detections?${NOVEMBER}`);
    await expect(page.getByTestId("fired-summary")).toHaveText(`0 of ${BUILTIN_DETECTIONS.length} fired`);
    await expect(page.locator("body")).not.toContainText("e2e-xss");
  });
});

test("screenshots: detections wide and narrow", async ({ browser }) => {
  for (const [name, width] of [["detections-1440", 1440], ["detections-390", 390]] as const) {
    const ctx = await browser.newContext({ storageState: storageStateOf("auditor"), viewport: { width, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`/detections?${NOVEMBER}`);
    await expect(page.getByTestId("fired-summary")).toBeVisible();
    await page.screenshot({ path: `${SCREENS}/${name}.png`, fullPage: name.endsWith("390") ? false : true });
    await ctx.close();
  }
});

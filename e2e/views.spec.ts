// Saved views through a real browser, against the e2e seed (e2e/seed.ts: ListUsers 32 events in
// November 2026): save a view from the timeline, see it on /views with its count, open it by
// /views/<id>, rename it and the link still works, turn it into a detection and see it on
// /detections with a sparkline; an auditor sees the shared view but cannot save one.
import { expect, test, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { storageStateOf } from "./users";

const SCREENS = "test-results/screens";
mkdirSync(SCREENS, { recursive: true });
const NOVEMBER = "from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z";

test.use({ storageState: storageStateOf("analyst") });

async function openTimeline(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("html")).toHaveAttribute("data-timeline-keys", "on");
}

async function viewRow(page: Page, name: string) {
  await page.goto("/views");
  return page.locator("tr[data-view]").filter({ has: page.getByRole("link", { name, exact: true }) });
}

test("save a view, find it with its count, open it by its link, rename it, make it a detection", async ({ page, browser }) => {
  test.setTimeout(240_000); // one long story on a shared, slow machine
  await openTimeline(page, `/events?eventName=ListUsers&${NOVEMBER}`);
  await expect(page.getByTestId("match-count")).toHaveText(/^32 events match/);

  // Save it, shared.
  await page.getByRole("button", { name: "Save view…" }).click();
  const dialog = page.getByRole("dialog", { name: "Save this view" });
  await dialog.getByLabel("Name").fill("ListUsers in November");
  await dialog.getByLabel(/Shared — every signed-in user/).check();
  await page.screenshot({ path: `${SCREENS}/views-save-dialog-1440.png` });
  await dialog.getByRole("button", { name: "Save view" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("open-view")).toContainText("ListUsers in November");
  const id = new URL(page.url()).searchParams.get("view");
  expect(id).toBeTruthy();

  // /views lists it with its count over its own range.
  let row = await viewRow(page, "ListUsers in November");
  await expect(row.getByTestId("view-count")).toHaveText("32");
  await expect(row).toContainText("Shared");

  // Its link opens the timeline with its query, and the timeline names it.
  await page.goto(`/views/${id}`);
  await expect(page).toHaveURL(new RegExp(`/events\\?.*view=${id}`));
  await expect(page.getByTestId("match-count")).toHaveText(/^32 events match/);
  await expect(page.getByTestId("open-view")).toContainText("ListUsers in November");
  await page.screenshot({ path: `${SCREENS}/views-open-1440.png` });

  // Narrowing the filters marks it changed; "Update view" saves them into it.
  await page.goto(`/events?eventName=ListUsers&eventName=CreateUser&${NOVEMBER}&view=${id}`);
  await expect(page.getByTestId("open-view")).toContainText("(changed)");
  await page.getByRole("button", { name: "Update view" }).click();
  await expect(page.getByTestId("open-view")).not.toContainText("(changed)");
  row = await viewRow(page, "ListUsers in November");
  await expect(row.getByTestId("view-count")).toHaveText("41");

  // Rename it on /views: the link still opens it, under its new name.
  await row.getByRole("button", { name: "Edit ListUsers in November" }).click();
  const edit = page.getByRole("form", { name: "Edit ListUsers in November" });
  await edit.getByLabel("Name").fill("User listing and creation");
  await edit.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("link", { name: "User listing and creation", exact: true })).toBeVisible();
  await page.goto(`/views/${id}`);
  await expect(page.getByTestId("open-view")).toContainText("User listing and creation");
  await expect(page.getByTestId("match-count")).toHaveText(/^41 events match/);

  // Turn it into a detection.
  row = await viewRow(page, "User listing and creation");
  await row.getByRole("button", { name: "Edit User listing and creation" }).click();
  const edit2 = page.getByRole("form", { name: "Edit User listing and creation" });
  await edit2.getByLabel("Use as a detection").check();
  await edit2.getByLabel("Severity").selectOption("high");
  await edit2.getByLabel("MITRE ATT&CK").fill("T1087.004");
  await edit2.getByRole("button", { name: "Save changes" }).click();
  await expect(row).toContainText("high · T1087.004");

  // It is on /detections with its count over the range and a sparkline, linking to the timeline.
  await page.goto(`/detections?${NOVEMBER}`);
  const card = page.locator(`li[data-detection="view-${id}"]`);
  await expect(card.getByTestId("detection-count")).toHaveText("41");
  await expect(card.getByTestId("sparkline").locator("rect")).toHaveCount(1);
  await expect(card).toContainText("T1087.004");
  await expect(card).toContainText("Saved view · analyst@e2e.test · shared");
  await card.getByRole("link", { name: "User listing and creation" }).click();
  await expect(page.getByTestId("match-count")).toHaveText(/^41 events match/);

  // An auditor sees the shared view and its detection, but has no "Save view…".
  const auditor = await browser.newContext({ storageState: storageStateOf("auditor") });
  const ap = await auditor.newPage();
  await ap.goto("/views");
  await expect(ap.getByRole("link", { name: "User listing and creation", exact: true })).toBeVisible();
  await expect(ap.getByRole("button", { name: /Edit/ })).toHaveCount(0);
  await ap.goto(`/views/${id}`);
  await expect(ap.getByTestId("open-view")).toContainText("User listing and creation");
  await expect(ap.getByRole("button", { name: "Save view…" })).toHaveCount(0);
  await auditor.close();

  // Screenshots at both widths.
  for (const width of [1440, 390]) {
    const ctx = await browser.newContext({ storageState: storageStateOf("analyst"), viewport: { width, height: 900 } });
    const p = await ctx.newPage();
    await p.goto("/views");
    await expect(p.getByTestId("view-count").first()).toBeVisible();
    await p.screenshot({ path: `${SCREENS}/views-list-${width}.png`, fullPage: true });
    await p.goto(`/views/${id}`);
    await expect(p.getByTestId("open-view")).toBeVisible();
    await p.screenshot({ path: `${SCREENS}/views-open-${width}.png` });
    await p.goto(`/detections?${NOVEMBER}`);
    await expect(p.locator(`li[data-detection="view-${id}"]`)).toBeVisible();
    await p.screenshot({ path: `${SCREENS}/detections-user-${width}.png`, fullPage: width === 1440 });
    await ctx.close();
  }

  // Deleted: its link answers 404.
  row = await viewRow(page, "User listing and creation");
  page.once("dialog", (d) => d.accept());
  await row.getByRole("button", { name: "Delete User listing and creation" }).click();
  await expect(page.getByRole("link", { name: "User listing and creation", exact: true })).toHaveCount(0);
  const gone = await page.goto(`/views/${id}`);
  expect(gone?.status()).toBe(404);
});

// Sources managed on /sync in a real browser: an admin adds one (a URI holding credentials is
// refused with the reason), resumes, asks for a sync, pauses and removes it; a non-admin sees the
// page without any of it. The e2e server runs no background sync, so a requested sync stays
// requested. The test leaves no source behind (GET /api/sync of other specs counts the seed's only).
import { expect, test } from "@playwright/test";
import { storageStateOf } from "./users";

const URI = "lookup://eu-north-1?roleArn=arn:aws:iam::123456789012:role/E2eReader";
const ID = URI; // a lookup source's id keeps its role

test("an admin adds, resumes, syncs now, pauses and removes a source on /sync, each audited", async ({ page, request }) => {
  const started = new Date(Date.now() - 1000).toISOString();
  await page.goto("/sync");
  const panel = page.getByRole("region", { name: "Add source" });
  const form = panel.getByRole("form", { name: "Add a source" });
  await expect(panel).toBeVisible();

  // Credentials in the URI: refused, and nothing is added.
  await form.getByLabel("Source URI").fill("s3://AKIAIOSFODNN7EXAMPLE:topsecret@bucket/prefix");
  await form.getByRole("button", { name: "Add source" }).click();
  await expect(panel.getByRole("alert")).toContainText("Trailscope stores no AWS secret");
  await expect(panel.getByRole("alert")).not.toContainText("topsecret");

  // An example fills the field; this one is added paused.
  await panel.getByText("Examples and options").click();
  await panel.getByRole("button", { name: "Use the example lookup://us-east-1?roleArn=arn:aws:iam::123456789012:role/TrailscopeReader" }).click();
  await expect(form.getByLabel("Source URI")).toHaveValue("lookup://us-east-1?roleArn=arn:aws:iam::123456789012:role/TrailscopeReader");
  await form.getByLabel("Source URI").fill(URI);
  await form.getByLabel("Add paused").check();
  await form.getByRole("button", { name: "Add source" }).click();
  await expect(panel.getByRole("status")).toContainText(`Added ${ID}: paused`);

  const row = page.getByTestId("source-row").filter({ has: page.getByRole("rowheader", { name: ID }) });
  await expect(row).toContainText("added in the console by admin@e2e.test");
  await expect(row).toContainText("paused");
  await expect(row.getByRole("button", { name: "Sync now" })).toHaveCount(0);

  await row.getByRole("button", { name: "Resume" }).click();
  await expect(row.getByRole("button", { name: "Pause" })).toBeVisible();
  await expect(row).not.toContainText("paused");
  await row.getByRole("button", { name: "Sync now" }).click();
  await expect(row).toContainText("sync requested");
  await row.getByRole("button", { name: "Pause" }).click();
  await expect(row.getByRole("button", { name: "Resume" })).toBeVisible();

  // Remove asks first: dismissed, nothing happens; accepted, the source goes.
  page.once("dialog", (d) => void d.dismiss());
  await row.getByRole("button", { name: "Remove" }).click();
  await expect(row).toBeVisible();
  page.once("dialog", (d) => {
    expect(d.message()).toContain(`Remove ${ID}?`);
    void d.accept();
  });
  await row.getByRole("button", { name: "Remove" }).click();
  await expect(row).toHaveCount(0);
  expect((await (await request.get("/api/sources")).json()).sources).toEqual([]);

  const audit = (await (await request.get(`/api/audit?limit=50&from=${started}`)).json()).entries as { action: string; target: string }[];
  const mine = audit.filter((a) => a.target === ID).map((a) => a.action).reverse();
  expect(mine).toEqual(["source-add", "source-resume", "source-sync-now", "source-pause", "source-remove"]);
});

test("a non-admin sees /sync without the controls", async ({ browser }) => {
  const ctx = await browser.newContext({ storageState: storageStateOf("auditor") });
  const page = await ctx.newPage();
  try {
    await page.goto("/sync");
    await expect(page.getByRole("heading", { name: "Sync" })).toBeVisible();
    await expect(page.getByRole("table", { name: /^Sync sources/ })).toBeVisible();
    await expect(page.getByRole("region", { name: "Add source" })).toHaveCount(0);
    await expect(page.getByRole("form", { name: "Add a source" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /^(Sync now|Pause|Resume|Remove|Add source)$/ })).toHaveCount(0);
  } finally {
    await ctx.close();
  }
});

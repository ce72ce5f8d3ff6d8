// Integrity in the console, against the e2e seed (a folder: its one digest has no signature to
// check, so nothing is "verified" and nothing failed): the Integrity page, the badge in the
// timeline and the detail, the `integrity` filter, and a scoped user who must learn nothing of
// another account's log files from the page or its API.
import { expect, test } from "@playwright/test";
import { XSS_EVENT_ID } from "./seed";
import { storageStateOf } from "./users";

test("the Integrity page shows the folder's validation and says signatures could not be checked", async ({ page }) => {
  await page.goto("/integrity");
  await expect(page.getByRole("heading", { name: "Integrity", level: 1 })).toBeVisible();
  const scope = page.getByRole("region", { name: /^Integrity of file:/ });
  await expect(scope).toBeVisible();
  await expect(scope).toContainText("Signatures could not be checked");
  await expect(scope.getByRole("button", { name: "Validate again" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Coverage per account, region and day" })).toBeVisible();
  await page.screenshot({ path: "test-results/screens/integrity.png", fullPage: true });
});

test("every event carries its integrity: a badge in the timeline and the detail, and a filter", async ({ page, request }) => {
  await page.goto(`/events?eventID=${XSS_EVENT_ID}&columns=eventTime,eventName,integrity`);
  await expect(page.locator("tbody tr[data-event-id]")).toHaveCount(1);
  await expect(page.locator("tbody tr[data-event-id]").getByText("unverified")).toBeVisible();

  await page.goto(`/events/${XSS_EVENT_ID}`);
  const section = page.getByRole("region", { name: "Integrity" });
  await expect(section).toContainText("unverified");
  await expect(section).toContainText("AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/");

  const count = async (q: string) => ((await (await request.get(`/api/events?limit=1000&${q}`)).json()) as { events: unknown[] }).events.length;
  expect(await count("integrity=unverified")).toBe(await count(""));
  expect(await count("integrity=failed")).toBe(0);
  expect(await count("integrity=verified")).toBe(0);
  expect(await count("integrity=!failed")).toBe(await count(""));
  const bad = await request.get("/api/events?integrity=maybe");
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error).toMatch(/^integrity: must be one of verified, unverified, failed/);
  const ev = ((await (await request.get(`/api/events?eventID=${XSS_EVENT_ID}`)).json()) as { events: { integrity: string }[] }).events[0];
  expect(ev.integrity).toBe("unverified");
});

test.describe("a user scoped to another account", () => {
  test.use({ storageState: storageStateOf("scoped") });

  test("sees no log file, trail or finding of the corpus' account on the page or through the API", async ({ page, request }) => {
    const r = await request.get("/api/integrity");
    expect(r.status()).toBe(200);
    const body = await r.json();
    // Every event of the seed is 111122223333's: the scoped user's overview is empty.
    expect(JSON.stringify(body)).not.toContain("111122223333");
    expect(body.scopes).toEqual([]);
    await page.goto("/integrity");
    await expect(page.getByText("Nothing validated yet")).toBeVisible();
    await expect(page.getByText("111122223333")).toHaveCount(0);
    // Validating again is an admin's.
    const post = await request.post("/api/integrity", { data: { source: "file:/x" }, headers: { origin: new URL(page.url()).origin } });
    expect(post.status()).toBe(403);
  });
});

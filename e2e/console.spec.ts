// The timeline console through a real browser, against the e2e seed (e2e/seed.ts: the hostile
// corpus plus e2e-xss-0001). What the seed holds, and these tests rely on: 55 events; 51 of them at
// 2026-11-20T10:00:01–10:00:51Z (50 by alice, access key AKIAEXAMPLE, source IP 198.51.100.7),
// two Insights events at 11:00, e2e-xss-0001 at 12:00, one eventVersion 1.0 record in 2014;
// eventName ListUsers 32, CreateUser 9 (8 of them not read-only); one AccessDenied.
import { expect, test, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { XSS_EVENT_ID } from "./seed";
import { storageStateOf } from "./users";

const SCREENS = "test-results/screens";
mkdirSync(SCREENS, { recursive: true });

/** Opens a timeline URL and waits until it is hydrated (buttons and keys respond). */
async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("html")).toHaveAttribute("data-timeline-keys", "on");
}

async function matchCount(page: Page): Promise<number> {
  const text = await page.getByTestId("match-count").innerText();
  const m = /([\d,]+) events? match/.exec(text);
  if (!m) throw new Error(`no count in "${text}"`);
  return Number(m[1].replace(/,/g, ""));
}

async function expectCount(page: Page, n: number) {
  await expect(page.getByTestId("match-count")).toHaveText(new RegExp(`^${n.toLocaleString("en-US")} events? match`));
}

/** The event IDs of the listed rows, once there are `n` of them (rows stream in after the count). */
async function rowIds(page: Page, n?: number): Promise<(string | null)[]> {
  if (n !== undefined) await expect(page.locator("tbody tr[data-event-id]")).toHaveCount(n);
  return page.locator("tbody tr[data-event-id]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-event-id")));
}

/** Waits until the URL's query has these parameters (in any order, others allowed). */
async function expectParams(page: Page, expected: [string, string][]) {
  await expect
    .poll(() => {
      const sp = new URL(page.url()).searchParams;
      return expected.every(([k, v]) => sp.getAll(k).includes(v));
    })
    .toBe(true);
}

test("filters set through the UI live in the URL: reload and a fresh browser on the copied link show the same rows", async ({ page, browser, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await open(page, "/events");
  await expectCount(page, 55);

  // Facet click: include one event name.
  await page.getByRole("link", { name: /^Include eventName ListUsers/ }).click();
  await expectParams(page, [["eventName", "ListUsers"]]);
  await expectCount(page, 32);

  // A second value of the same field through the filter bar ORs with the first.
  await page.getByRole("button", { name: "+ Add filter" }).click();
  const form = page.getByRole("form", { name: "Add a filter" });
  await form.getByLabel("Field").selectOption("eventName");
  await form.getByLabel("Value").fill("CreateUser");
  await form.getByRole("button", { name: "Add filter" }).click();
  await expectParams(page, [["eventName", "ListUsers"], ["eventName", "CreateUser"]]);
  await expectCount(page, 41);

  // Negation from the facet's "−": readOnly=!true leaves the 8 CreateUser writes.
  await page.getByRole("link", { name: "Exclude readOnly true" }).click();
  await expectParams(page, [["readOnly", "!true"]]);
  await expectCount(page, 8);
  await expect(page.getByTestId("filter-chip")).toHaveCount(3);
  const ids = await rowIds(page, 8);

  await page.reload();
  await expectCount(page, 8);
  expect(await rowIds(page, 8)).toEqual(ids);

  await page.getByRole("button", { name: "Copy link", exact: true }).click();
  await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  // The frozen form: the same filters, plus the instant it was copied as the asOf bound.
  const frozen = new URL(copied);
  const live = new URL(page.url());
  expect(frozen.pathname).toBe(live.pathname);
  expect(frozen.searchParams.get("asOf")).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  frozen.searchParams.delete("asOf");
  if (!live.searchParams.has("to")) {
    expect(frozen.searchParams.get("to")).toMatch(/^\d{4}-\d{2}-\d{2}T/); // the page's "now", pinned
    frozen.searchParams.delete("to");
  }
  expect([...frozen.searchParams].sort()).toEqual([...live.searchParams].sort());

  // Another signed-in browser opens it and sees the same rows.
  const fresh = await browser.newContext({ storageState: storageStateOf("auditor") });
  const other = await fresh.newPage();
  await open(other, copied);
  await expectCount(other, 8);
  expect(await rowIds(other, 8)).toEqual(ids);
  await fresh.close();
});

test("a chip flips between include and exclude, and removing it widens the set", async ({ page }) => {
  await open(page, "/events?eventName=ListUsers");
  await expectCount(page, 32);
  await page.getByRole("button", { name: /Event name = ListUsers: click to exclude/ }).click();
  await expectParams(page, [["eventName", "!ListUsers"]]);
  await expectCount(page, 23);
  await page.getByRole("button", { name: "Remove filter Event name ≠ ListUsers" }).click();
  await expect.poll(() => new URL(page.url()).searchParams.has("eventName")).toBe(false);
  await expectCount(page, 55);
});

test("a stored value holding * filters exactly that value, escaped in the URL, not every value", async ({ page }) => {
  // e2e-xss-0001's userAgent is "*": unescaped, userAgent=* would mean "has a user agent".
  await open(page, "/events?columns=eventTime,eventName,userAgent");
  await expectCount(page, 55);
  const cell = page.locator(`tbody tr[data-event-id="${XSS_EVENT_ID}"] td`).nth(2);
  await cell.hover();
  await cell.getByRole("button", { name: "Filter in userAgent *" }).click();
  await expectParams(page, [["userAgent", "\\*"]]);
  await expectCount(page, 1);
  expect(await rowIds(page, 1)).toEqual([XSS_EVENT_ID]);
  await expect(page.getByTestId("filter-chip")).toHaveText(/User agent = \\\*/);
  // The API answers the same URL the same way; an unescaped * is every event with a user agent.
  const api = async (v: string) => ((await (await page.request.get(`/api/events?limit=1000&userAgent=${encodeURIComponent(v)}`)).json()) as { events: unknown[] }).events.length;
  expect(await api("\\*")).toBe(1);
  expect(await api("*")).toBeGreaterThan(1);
});

test("cell values filter in and out; a row pivots to its source IP", async ({ page }) => {
  await open(page, "/events");
  // The event name's cell, found by its value (not its position: the default columns may change).
  const cell = page.locator("tbody tr", { hasText: "PutBucketPolicy" }).first().locator("td", { hasText: "PutBucketPolicy" });
  await cell.hover();
  await cell.getByRole("button", { name: "Filter out eventName PutBucketPolicy" }).click();
  await expectParams(page, [["eventName", "!PutBucketPolicy"]]);
  await expectCount(page, 54);

  const row = page.locator("tbody tr", { hasText: "198.51.100.1" }).first();
  await row.hover();
  await row.getByRole("button", { name: "Pivot to this IP" }).click();
  // A pivot replaces the other filters with the entity.
  await expect.poll(() => new URL(page.url()).search).toBe("?sourceIPAddress=198.51.100.1");
  await expectCount(page, 1);
});

test("free text, time presets, time zone, columns and sort are URL parameters", async ({ page }) => {
  await open(page, "/events");
  await page.getByRole("searchbox").fill("PutBucketPolicy");
  await page.getByRole("searchbox").press("Enter");
  await expectParams(page, [["q", "PutBucketPolicy"]]);
  await expectCount(page, 1);

  await page.getByRole("button", { name: "24h" }).click();
  await expectParams(page, [["from", "now-24h"]]);
  await page.getByRole("button", { name: "All", exact: true }).click();
  await expect.poll(() => new URL(page.url()).searchParams.has("from")).toBe(false);

  await page.getByRole("button", { name: "« Hide" }).click();
  await expectParams(page, [["facets", "hide"]]);
  await page.getByRole("radio", { name: "Local" }).click();
  await expectParams(page, [["tz", "local"]]);
  await expect(page.locator("thead")).toContainText("(local)");

  await open(page, "/events?eventName=CreateUser&eventName=PutItem");
  await page.getByText(/^Columns \(\d+\)$/).click();
  await page.getByRole("checkbox", { name: "Access key" }).click();
  await expect.poll(() => new URL(page.url()).searchParams.get("columns") ?? "").toContain("accessKeyId");
  await expect(page.getByRole("columnheader", { name: /Access key/ })).toBeVisible();
  await page.getByRole("columnheader", { name: /Event name/ }).getByRole("button").click();
  await expectParams(page, [["sort", "eventName:asc"]]);
  await expect(page.locator("tbody tr").first()).toContainText("CreateUser");
  await expect(page.locator("tbody tr").last()).toContainText("PutItem");
  await page.getByRole("columnheader", { name: /Event name/ }).getByRole("button").click();
  await expectParams(page, [["sort", "eventName:desc"]]);
  await expect(page.locator("tbody tr").first()).toContainText("PutItem");

  await page.reload();
  await expect(page.getByRole("columnheader", { name: /Access key/ })).toBeVisible();
  await expect(page.getByRole("columnheader", { name: /Event name/ })).toHaveAttribute("aria-sort", "descending");
});

test("dragging across the histogram zooms the time range", async ({ page }) => {
  // A 4-hour range draws 5-minute buckets; 10:00–10:10 holds the 51 ordinary events.
  await open(page, "/events?from=2026-11-20T09:00:00Z&to=2026-11-20T13:00:00Z");
  await expectCount(page, 54);
  const box = (await page.getByTestId("histogram").boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.26, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.27, y, { steps: 3 });
  await page.mouse.move(box.x + box.width * 0.28, y, { steps: 3 });
  await page.mouse.up();
  await expectParams(page, [["from", "2026-11-20T10:00:00Z"], ["to", "2026-11-20T10:10:00Z"]]);
  await expectCount(page, 51);
  await page.getByRole("button", { name: "Zoom out" }).click();
  await expectParams(page, [["from", "2026-11-20T09:55:00Z"], ["to", "2026-11-20T10:15:00Z"]]);
});

test("Load more appends the next keyset page until the end", async ({ page }) => {
  await open(page, "/events?limit=20");
  await expect(page.locator("tbody tr")).toHaveCount(20);
  await page.getByRole("button", { name: "Load 20 more" }).click();
  await expect(page.locator("tbody tr")).toHaveCount(40);
  await page.getByRole("button", { name: "Load 20 more" }).click();
  await expect(page.locator("tbody tr")).toHaveCount(55);
  await expect(page.getByText("55 loaded — end of results")).toBeVisible();
  const ids = await rowIds(page, 55);
  expect(new Set(ids).size).toBe(55);
});

test("the CSV download has as many rows as the count shown", async ({ page }) => {
  await open(page, "/events?eventName=ListUsers&eventName=CreateUser&event=" + XSS_EVENT_ID);
  const shown = await matchCount(page);
  expect(shown).toBe(41);
  const link = page.getByRole("link", { name: "Export CSV" });
  // Same parameters as the view, without the open event or a page cursor.
  await expect(link).toHaveAttribute("href", "/api/export?eventName=ListUsers&eventName=CreateUser");
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const csv = Buffer.concat((await (await download.createReadStream()).toArray()) as Buffer[]).toString("utf8");
  expect(csv.trimEnd().split("\r\n").length - 1).toBe(shown);
  await expect(page.getByRole("link", { name: "Export NDJSON" })).toHaveAttribute("href", "/api/export?eventName=ListUsers&eventName=CreateUser&format=ndjson");
});

test("keyboard: j/k move, Enter opens, Esc closes, / focuses search", async ({ page }) => {
  await open(page, "/events?eventName=ListUsers");
  await expectCount(page, 32);
  const rows = page.locator("tbody tr");
  const ids = await rowIds(page, 32);
  await page.keyboard.press("j");
  await expect(rows.nth(0)).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("j");
  await page.keyboard.press("j");
  await page.keyboard.press("k");
  await expect(rows.nth(1)).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("Enter");
  await expectParams(page, [["event", ids[1]!]]);
  const panel = page.getByTestId("side-panel");
  await expect(panel.getByRole("heading", { level: 2 })).toHaveText("ListUsers");
  await expect(panel).toContainText(ids[1]!);
  // With the panel open, j moves the panel along.
  await page.keyboard.press("j");
  await expectParams(page, [["event", ids[2]!]]);
  await expect(panel).toContainText(ids[2]!);
  await page.keyboard.press("Escape");
  await expect(panel).toHaveCount(0);
  await expect.poll(() => new URL(page.url()).searchParams.has("event")).toBe(false);
  await page.keyboard.press("/");
  await expect(page.getByRole("searchbox")).toBeFocused();
  // Keys typed into the search box are text, not commands.
  await page.keyboard.type("jk");
  await expect(page.getByRole("searchbox")).toHaveValue("jk");
  await expect(rows.nth(2)).toHaveAttribute("aria-selected", "true");
});

test("the side panel and the detail page show the same event, with related events and links back", async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await open(page, "/events?eventName=CreateUser");
  // One of alice's: her access key relates it to her other calls.
  const row = page.locator("tbody tr", { hasText: "alice" }).first();
  const id = (await row.getAttribute("data-event-id"))!;
  await row.locator("td").first().click();
  const panel = page.getByTestId("side-panel");
  await expect(panel.getByRole("heading", { level: 2 })).toHaveText("CreateUser");
  await expect(panel.getByRole("region", { name: "Who", exact: true })).toContainText("IAMUser");
  await expect(panel.getByRole("region", { name: "Related events" })).toContainText("Same access key, ±15 min");
  await page.screenshot({ path: `${SCREENS}/side-panel.png` });

  // A shared link with event= opens the panel on load.
  await page.reload();
  await expect(panel.getByRole("heading", { level: 2 })).toHaveText("CreateUser");

  await panel.getByRole("link", { name: "Open full page" }).click();
  await expect(page).toHaveURL(new RegExp(`/events/${id}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("CreateUser");
  for (const section of ["Who", "What", "Where", "When", "From where", "Related events"]) {
    await expect(page.getByRole("region", { name: section, exact: true })).toBeVisible();
  }
  await expect(page.locator("pre")).toContainText(`"eventID": "${id}"`);
  const related = page.getByRole("region", { name: "Related events" });
  // The nearest of alice's other calls, just before and after this one.
  await expect(related.getByRole("link").filter({ hasText: "−1s" }).first()).toBeVisible();
  await expect(related.getByRole("link").filter({ hasText: "+1s" }).first()).toBeVisible();
  await page.screenshot({ path: `${SCREENS}/event-detail-page.png`, fullPage: true });

  // Back to the timeline, filtered on this principal.
  await page.getByRole("navigation", { name: "Pivot" }).getByRole("link", { name: "This principal" }).click();
  await expect.poll(() => new URL(page.url()).search).toBe("?principalArn=" + encodeURIComponent("arn:aws:iam::111122223333:user/alice"));
  await expectCount(page, 50);
});

test("event values holding <script> and =HYPERLINK( render as text everywhere", async ({ page }) => {
  await open(page, `/events?eventID=${XSS_EVENT_ID}`);
  await expect(page.locator("tbody")).toContainText("<script>window.__xss=1</script>");
  await expect(page.locator("tbody")).toContainText('=HYPERLINK("http://x","y")');
  // The facets list the same values, as text.
  await expect(page.getByRole("complementary", { name: "Facets" })).toContainText("<script>window.__xss=1</script>");
  await page.locator("tbody tr td").first().click();
  const panel = page.getByTestId("side-panel");
  await expect(panel.getByRole("heading", { level: 2 })).toHaveText("<script>window.__xss=1</script>");
  await expect(panel).toContainText('=HYPERLINK("http://x","y")');
  await page.goto(`/events/${XSS_EVENT_ID}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("<script>window.__xss=1</script>");
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect(await page.locator("script", { hasText: "__xss" }).count()).toBe(0);
});

for (const [qs, param] of [
  ["from=yesterday-ish", "from"],
  ["readOnly=maybe", "readOnly"],
  ["sort=eventTime:sideways", "sort"],
  ["eventname=ConsoleLogin", "eventname"],
  ["columns=eventTime,nope", "columns"],
  ["tz=mars", "tz"],
  ["cursor=not-a-cursor", "cursor"],
] as const) {
  test(`invalid ${param} shows a message naming it, not a crash`, async ({ page }) => {
    await page.goto(`/events?${qs}`);
    await expect(page.getByTestId("param-error")).toContainText(`Invalid parameter ${param}:`);
    await page.getByRole("link", { name: `Remove ${param} and keep the rest` }).click();
    await expect(page.getByTestId("param-error")).toHaveCount(0);
    await expect(page.getByTestId("match-count")).toBeVisible();
  });
}

test("an empty result says what to do", async ({ page }) => {
  await open(page, "/events?eventName=NoSuchCall&from=2026-11-20T00:00:00Z");
  await expect(page.getByTestId("empty-state")).toContainText("No events match");
  await page.getByRole("link", { name: "Search all time" }).click();
  await expect.poll(() => new URL(page.url()).search).toBe("?eventName=NoSuchCall");
  await page.getByRole("link", { name: "Clear filters, keep the time range" }).click();
  await expectCount(page, 55);
});

test("screenshots: timeline wide and narrow", async ({ browser }) => {
  for (const [name, width] of [["timeline-wide", 1440], ["timeline-narrow", 390]] as const) {
    const ctx = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await ctx.newPage();
    await open(page, "/events?from=2026-11-20T09:55:00Z&to=2026-11-20T12:05:00Z&eventName=!ListUsers");
    await expect(page.getByTestId("histogram")).toBeVisible();
    await expect(page.locator("tbody tr").first()).toBeVisible();
    await page.screenshot({ path: `${SCREENS}/${name}.png` });
    await ctx.close();
  }
});

test("the sync page lists the seeding run", async ({ page }) => {
  await page.goto("/sync");
  const table = page.getByRole("table", { name: /^Sync sources/ });
  await expect(table.getByRole("columnheader", { name: "State" })).toBeVisible();
  await expect(table.getByRole("rowheader").first()).toContainText("file:");
  await expect(table).toContainText("problems in the last run");
});

test("GET /api/facets counts each field under the other filters", async ({ request }) => {
  const res = await request.get("/api/facets?eventName=ListUsers&field=eventName&field=readOnly");
  expect(res.status()).toBe(200);
  const { facets } = (await res.json()) as { facets: { field: string; values: { value: string | null; count: number }[]; sampled: boolean }[] };
  const names = Object.fromEntries(facets[0].values.map((v) => [v.value, v.count]));
  // Its own filter is left out: the other event names stay listed with their counts.
  expect(names).toMatchObject({ ListUsers: 32, CreateUser: 9, GetUser: 5 });
  expect(facets[1]).toMatchObject({ field: "readOnly", values: [{ value: "true", count: 32 }], sampled: false });

  const errors = await (await request.get("/api/facets?field=errorCode")).json();
  expect(errors.facets[0].values).toEqual([{ value: null, count: 54 }, { value: "AccessDenied", count: 1 }]);
  const typed = await (await request.get("/api/facets?field=eventName&contains=user")).json();
  expect(typed.facets[0].values.map((v: { value: string }) => v.value).sort()).toEqual(["CreateUser", "GetUser", "ListUsers"]);

  for (const [qs, param] of [["field=nope", "field"], ["from=soon", "from"], ["limit=0", "limit"]]) {
    const bad = await request.get(`/api/facets?${qs}`);
    expect(bad.status()).toBe(400);
    expect((await bad.json()).error).toContain(param);
  }
});

test("GET /api/histogram buckets the same set the list counts", async ({ request }) => {
  const res = await request.get("/api/histogram?from=2026-11-20T09:00:00Z&to=2026-11-20T13:00:00Z");
  expect(res.status()).toBe(200);
  const h = (await res.json()) as { bucket: string; buckets: { t: string; total: number; errors: number }[] };
  expect(h.bucket).toBe("5m");
  expect(h.buckets).toHaveLength(48);
  expect(h.buckets.reduce((n, b) => n + b.total, 0)).toBe(54);
  expect(h.buckets.reduce((n, b) => n + b.errors, 0)).toBe(1);
  expect(h.buckets.find((b) => b.t === "2026-11-20T10:00:00.000Z")?.total).toBe(51);
  const all = (await (await request.get("/api/histogram")).json()) as { buckets: { total: number }[] };
  expect(all.buckets.reduce((n, b) => n + b.total, 0)).toBe(55);
  expect((await request.get("/api/histogram?readOnly=maybe")).status()).toBe(400);
});

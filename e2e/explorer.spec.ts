// The explorer's rough edges (issue 22 §6) in a real browser: ARN labels that tell roles and
// sessions apart, "+ Add filter" as a keyboard combobox, menus inside a 390 px window and a table
// that says it scrolls sideways, sorting that keeps time order within equal values, and the facets
// folding while an event is open beside the table. The events it needs (assumed roles, Identity
// Center sessions, two accounts' root) are uploaded first through POST /api/uploads, as an admin
// would: dated 2019-05-01 and named apart from the seed's, so other specs' counts of the seed's
// range do not see them (as e2e/upload.spec.ts does; uploading twice stores nothing twice).
import { expect, test, type Locator, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { storageStateOf } from "./users";

const SCREENS = "test-results/screens";
mkdirSync(SCREENS, { recursive: true });

const A = "111122223333";
const B = "444455556666";
const RANGE = "from=2019-05-01T00:00:00Z&to=2019-05-02T00:00:00Z";
const assumed = (acct: string, role: string, session: string) => `arn:aws:sts::${acct}:assumed-role/${role}/${session}`;
const sso = (set: string, user: string) => assumed(A, `AWSReservedSSO_${set}_0a1b2c3d4e5f6789`, `${user}@example.com`);

interface Planted {
  id: string;
  minute: number;
  name: string;
  arn: string;
  account?: string;
  type?: string;
}
const PLANTED: Planted[] = [
  { id: "e2e-explorer-01", minute: 1, name: "StopLogging", arn: assumed(A, "DeployRole", "GitHubActions") },
  { id: "e2e-explorer-02", minute: 2, name: "StopLogging", arn: assumed(A, "github-actions-deploy", "GitHubActions") },
  { id: "e2e-explorer-03", minute: 3, name: "DescribeTrails", arn: sso("AdministratorAccess", "mara") },
  { id: "e2e-explorer-04", minute: 4, name: "DescribeTrails", arn: sso("ReadOnlyAccess", "mara") },
  { id: "e2e-explorer-05", minute: 5, name: "DescribeTrails", arn: sso("AdministratorAccess", "jon") },
  { id: "e2e-explorer-06", minute: 6, name: "DescribeTrails", arn: sso("PowerUserAccess", "jon") },
  { id: "e2e-explorer-07", minute: 7, name: "DescribeTrails", arn: sso("SecurityAudit", "kim") },
  { id: "e2e-explorer-08", minute: 8, name: "GetTrailStatus", arn: `arn:aws:iam::${A}:root`, type: "Root" },
  { id: "e2e-explorer-09", minute: 9, name: "GetTrailStatus", arn: `arn:aws:iam::${B}:root`, account: B, type: "Root" },
];

function record(p: Planted) {
  const account = p.account ?? A;
  return {
    eventVersion: "1.11",
    userIdentity: { type: p.type ?? "AssumedRole", arn: p.arn, accountId: account, principalId: `AROAEXAMPLE:${p.id}` },
    eventTime: `2019-05-01T10:0${p.minute}:00Z`,
    eventSource: "cloudtrail.amazonaws.com",
    eventName: p.name,
    awsRegion: "eu-central-1",
    sourceIPAddress: "192.0.2.44",
    userAgent: "aws-cli/2.17.0",
    eventID: p.id,
    eventType: "AwsApiCall",
    readOnly: p.name !== "StopLogging",
    recipientAccountId: account,
  };
}

test.beforeAll(async ({ playwright }) => {
  const baseURL = `http://127.0.0.1:${process.env.E2E_PORT ?? 3217}`;
  const admin = await playwright.request.newContext({ baseURL, storageState: storageStateOf("admin") });
  try {
    const body = PLANTED.map((p) => JSON.stringify(record(p))).join("\n") + "\n";
    const res = await admin.post("/api/uploads", { headers: { origin: baseURL, "x-filename": "explorer-e2e.ndjson" }, data: Buffer.from(body) });
    expect(res.status(), await res.text()).toBe(200);
  } finally {
    await admin.dispose();
  }
});

/** Opens a timeline URL and waits until it is hydrated (buttons and keys respond). */
async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("html")).toHaveAttribute("data-timeline-keys", "on");
}

async function rowIds(page: Page, n: number): Promise<string[]> {
  await expect(page.locator("tbody tr[data-event-id]")).toHaveCount(n);
  return page.locator("tbody tr[data-event-id]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-event-id")!));
}

/** The element's box lies inside the window's width (with its own content not wider than it). */
async function expectWithinWindow(el: Locator, width: number) {
  await expect(el).toBeVisible();
  const box = (await el.boundingBox())!;
  expect(box.x, "left edge").toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, "right edge").toBeLessThanOrEqual(width);
  const overflow = await el.evaluate((n) => n.scrollWidth - n.clientWidth);
  expect(overflow, "content wider than the panel").toBeLessThanOrEqual(1);
}

test("ARN facets and cells show role and session, user, account where needed; the full ARN in the title", async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await open(page, `/events?${RANGE}&columns=eventTime,eventName,principalArn`);
  const facet = page.locator("section[aria-labelledby=facet-principalArn]");
  const labels = facet.locator("[data-arn]");
  await expect(labels).toHaveCount(PLANTED.length);
  const shown = await labels.evaluateAll((els) => els.map((e) => ({ text: e.textContent, title: e.getAttribute("title") })));
  const byArn = new Map(shown.map((s) => [s.title, s.text]));
  // Each ARN has its own label, and the title is the whole value.
  expect(new Set(shown.map((s) => s.text)).size).toBe(PLANTED.length);
  expect([...byArn.keys()].sort()).toEqual(PLANTED.map((p) => p.arn).sort());
  expect(byArn.get(PLANTED[0].arn)).toBe("DeployRole/GitHubActions");
  expect(byArn.get(PLANTED[1].arn)).toBe("github-actions-deploy/GitHubActions");
  expect(byArn.get(PLANTED[2].arn)).toBe("SSO:AdministratorAccess/mara@example.com");
  expect(byArn.get(PLANTED[3].arn)).toBe("SSO:ReadOnlyAccess/mara@example.com");
  // The same name in two accounts: the account tells them apart.
  expect(byArn.get(PLANTED[7].arn)).toBe(`root@${A}`);
  expect(byArn.get(PLANTED[8].arn)).toBe(`root@${B}`);
  // Where a label is cut to fit, each part keeps its beginning in sight (role and session).
  for (const p of PLANTED.slice(0, 7)) {
    const widths = await facet.locator(`[data-arn="${p.arn}"] > span`).evaluateAll((els) => els.map((e) => Math.min(e.scrollWidth, 60) - e.clientWidth));
    expect(widths.every((w) => w <= 1), p.arn).toBe(true);
  }

  // The table column: the same labels, and the same title.
  const cell = page.locator(`tbody tr[data-event-id="${PLANTED[1].id}"] [data-arn]`);
  await expect(cell).toHaveText("github-actions-deploy/GitHubActions");
  await expect(cell).toHaveAttribute("title", PLANTED[1].arn);
  await expect(page.locator(`tbody tr[data-event-id="${PLANTED[8].id}"] [data-arn]`)).toHaveText(`root@${B}`);
  await facet.screenshot({ path: `${SCREENS}/explorer-arn-facet.png` });
  await page.screenshot({ path: `${SCREENS}/explorer-arns-1440.png` });

  // A facet click filters on the full ARN, not the label.
  await facet.getByRole("link", { name: new RegExp(`^Include principalArn ${PLANTED[0].arn}`) }).click();
  await expect.poll(() => new URL(page.url()).searchParams.get("principalArn")).toBe(PLANTED[0].arn);
  await rowIds(page, 1);
});

test.describe("+ Add filter is a combobox", () => {
  test("typing stoplog and Enter filters on the suggested StopLogging, even before the suggestions arrive", async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await open(page, `/events?${RANGE}`);
    await page.getByRole("button", { name: "+ Add filter" }).click();
    const box = page.getByRole("combobox", { name: "Value" });
    await expect(box).toBeFocused();
    await box.fill("stoplog");
    const list = page.getByRole("listbox", { name: "Suggested values for Event name" });
    // Case-insensitive: StopLogging is offered, highlighted, and named by the box as active.
    const stop = list.getByRole("option", { name: /^StopLogging/ });
    await expect(stop).toHaveAttribute("aria-selected", "true");
    await expect(box).toHaveAttribute("aria-activedescendant", (await stop.getAttribute("id"))!);
    await expect(list.getByRole("option", { name: "Use “stoplog” as typed" })).toHaveAttribute("aria-selected", "false");
    await page.screenshot({ path: `${SCREENS}/explorer-add-filter-1440.png` });
    await box.press("Enter");
    await expect.poll(() => new URL(page.url()).searchParams.getAll("eventName")).toEqual(["StopLogging"]);
    expect(await rowIds(page, 2)).toEqual(["e2e-explorer-02", "e2e-explorer-01"]);

    // Typed and Enter at once, before any suggestion is back: still the suggestion.
    await open(page, `/events?${RANGE}`);
    await page.getByRole("button", { name: "+ Add filter" }).click();
    await page.getByRole("combobox", { name: "Value" }).fill("describetr");
    await page.keyboard.press("Enter");
    await expect.poll(() => new URL(page.url()).searchParams.getAll("eventName")).toEqual(["DescribeTrails"]);
    await rowIds(page, 5);
  });

  test("arrow keys reach every option; the text as typed stays possible (its option, or Escape then Enter)", async ({ page }) => {
    await open(page, `/events?${RANGE}`);
    await page.getByRole("button", { name: "+ Add filter" }).click();
    const box = page.getByRole("combobox", { name: "Value" });
    await box.fill("stoplog");
    const list = page.getByRole("listbox");
    const typed = list.getByRole("option", { name: "Use “stoplog” as typed" });
    await expect(list.getByRole("option", { name: /^StopLogging/ })).toHaveAttribute("aria-selected", "true");
    await box.press("ArrowDown");
    await expect(typed).toHaveAttribute("aria-selected", "true");
    await box.press("ArrowDown"); // wraps around
    await expect(list.getByRole("option", { name: /^StopLogging/ })).toHaveAttribute("aria-selected", "true");
    await box.press("ArrowUp");
    await expect(typed).toHaveAttribute("aria-selected", "true");
    await box.press("Enter");
    await expect.poll(() => new URL(page.url()).searchParams.getAll("eventName")).toEqual(["stoplog"]);
    await expect(page.getByTestId("empty-state")).toBeVisible();

    // Escape closes the list (the box keeps the focus); Enter then takes the text as typed.
    await page.getByRole("button", { name: "+ Add filter" }).click();
    await box.fill("GetTrail");
    await expect(page.getByRole("listbox").getByRole("option", { name: /^GetTrailStatus/ })).toBeVisible();
    await box.press("Escape");
    await expect(page.getByRole("listbox")).toHaveCount(0);
    await expect(box).toBeFocused();
    await box.press("Enter");
    await expect.poll(() => new URL(page.url()).searchParams.getAll("eventName")).toEqual(["stoplog", "GetTrail"]);

    // A pattern is meant as written: Enter takes it.
    await open(page, `/events?${RANGE}`);
    await page.getByRole("button", { name: "+ Add filter" }).click();
    await box.fill("Describe*");
    await expect(page.getByRole("option", { name: "Use “Describe*” as a pattern" })).toHaveAttribute("aria-selected", "true");
    await box.press("Enter");
    await expect.poll(() => new URL(page.url()).searchParams.getAll("eventName")).toEqual(["Describe*"]);
    await rowIds(page, 5);
  });

  test.describe("for a user scoped to another account", () => {
    test.use({ storageState: storageStateOf("scoped") });
    test("suggests none of the other accounts' values", async ({ page, request }) => {
      const facets = (await (await request.get("/api/facets?field=eventName&limit=40&contains=stoplog")).json()).facets;
      expect(facets[0].values).toEqual([]);
      await open(page, "/events");
      await page.getByRole("button", { name: "+ Add filter" }).click();
      await page.getByRole("combobox", { name: "Value" }).fill("stoplog");
      const list = page.getByRole("listbox");
      // Only the text itself, once the (empty) answer is in.
      await expect(list.getByRole("option")).toHaveCount(1);
      await expect(list.getByRole("option")).toHaveText("Use “stoplog” as typed");
      await page.waitForResponse((r) => r.url().includes("/api/facets") && r.url().includes("contains=stoplog"));
      await expect(list.getByRole("option")).toHaveCount(1);
      await expect(page.getByText("StopLogging")).toHaveCount(0);
    });
  });
});

test("at 390 px the Columns menu and the Custom range panel stay inside the window; the table says it scrolls sideways", async ({ browser }) => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: storageStateOf("admin") });
  const page = await ctx.newPage();
  try {
    await open(page, `/events?${RANGE}`);
    await expect(page.getByTestId("scroll-hint")).toBeVisible();
    await expect(page.getByTestId("scroll-hint")).toContainText("scroll the table sideways");
    const scroller = page.getByTestId("events-scroll");
    expect(await scroller.evaluate((n) => n.scrollWidth > n.clientWidth)).toBe(true);
    await page.screenshot({ path: `${SCREENS}/explorer-390.png` });

    await page.getByText(/^Columns \(\d+\)$/).click();
    const columns = page.locator("details[open] > div").filter({ hasText: "Shown, in order" });
    await expectWithinWindow(columns, 390);
    // Reachable: a hidden column can be added from it.
    await columns.getByRole("checkbox", { name: "Principal ARN" }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("columns") ?? "").toContain("principalArn");
    await page.screenshot({ path: `${SCREENS}/explorer-columns-390.png` });
    await page.keyboard.press("Escape");

    await page.locator("summary", { hasText: /Custom…|UTC/ }).first().click();
    const range = page.locator("details[open] > form");
    await expectWithinWindow(range, 390);
    await expect(range.getByRole("button", { name: "Apply range" })).toBeVisible();
    await page.screenshot({ path: `${SCREENS}/explorer-range-390.png` });

    // Scrolled to the end, nothing is left to the right: the hint goes.
    await scroller.evaluate((n) => n.scrollTo({ left: n.scrollWidth }));
    await expect(page.getByTestId("scroll-hint")).toHaveCount(0);
  } finally {
    await ctx.close();
  }
});

test("sorting by a column keeps time order within equal values, in the API and in the table", async ({ page, request }) => {
  const names = async (qs: string) => ((await (await request.get(`/api/events?${RANGE}&${qs}`)).json()).events as { eventID: string; eventName: string; eventTime: string }[]);
  const asc = await names("sort=eventName:asc&limit=3");
  expect(asc.map((e) => e.eventName)).toEqual(["DescribeTrails", "DescribeTrails", "DescribeTrails"]);
  // Paging through equal values keeps the order and lists each event once.
  const all: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await request.get(`/api/events?${RANGE}&sort=eventName:asc&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    const body = (await res.json()) as { events: { eventID: string }[]; nextCursor: string | null };
    all.push(...body.events.map((e) => e.eventID));
    cursor = body.nextCursor;
  } while (cursor);
  const want = ["07", "06", "05", "04", "03", "09", "08", "02", "01"].map((n) => `e2e-explorer-${n}`);
  expect(all).toEqual(want);
  const desc = (await names("sort=eventName:desc&limit=100")).map((e) => e.eventID);
  expect(desc).toEqual(["02", "01", "09", "08", "07", "06", "05", "04", "03"].map((n) => `e2e-explorer-${n}`));
  // The CSV export lists the same order.
  const csv = await (await request.get(`/api/export?${RANGE}&sort=eventName:asc`)).text();
  expect(csv.trim().split("\r\n").slice(1).map((line) => want.find((id) => line.includes(id)))).toEqual(want);

  await open(page, `/events?${RANGE}&columns=eventTime,eventName,principalArn`);
  await page.getByRole("columnheader", { name: /Event name/ }).getByRole("button").click();
  await expect.poll(() => new URL(page.url()).searchParams.get("sort")).toBe("eventName:asc");
  await expect(page.getByRole("columnheader", { name: /Event name/ })).toHaveAttribute("aria-sort", "ascending");
  await expect.poll(() => rowIds(page, 9)).toEqual(want);
  await page.getByRole("columnheader", { name: /Event name/ }).getByRole("button").click();
  await expect.poll(() => rowIds(page, 9)).toEqual(desc);
});

test.describe("an open event beside the table", () => {
  /** Columns whose header lies wholly inside the visible part of the table. */
  async function visibleColumns(page: Page): Promise<number> {
    const scroller = (await page.getByTestId("events-scroll").boundingBox())!;
    const heads = await page.locator("thead th").evaluateAll((ths) => ths.map((t) => t.getBoundingClientRect()).map((r) => ({ left: r.left, right: r.right })));
    // The last header is the row pivots' (no field).
    return heads.slice(0, -1).filter((h) => h.left >= scroller.x - 1 && h.right <= scroller.x + scroller.width + 1).length;
  }

  test("at 1280 wide the facets fold to a rail so the table keeps a usable number of columns; facets=show and facets=hide still rule", async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    const event = PLANTED[2].id;
    await open(page, `/events?${RANGE}&event=${event}`);
    const panel = page.getByTestId("side-panel");
    await expect(panel.getByRole("heading", { level: 2 })).toHaveText("DescribeTrails");
    const facets = page.getByRole("complementary", { name: "Facets" });
    await expect(facets).toHaveAttribute("data-facets", "auto");
    expect((await facets.boundingBox())!.width).toBeLessThanOrEqual(40);
    const withPanel = await visibleColumns(page);
    // Time, integrity, user, event name, source and region at least (beside the facets: four).
    expect(withPanel).toBeGreaterThanOrEqual(6);
    await page.screenshot({ path: `${SCREENS}/explorer-panel-1280.png` });

    // The rail unfolds them, and they stay while the event is open (facets=show).
    await facets.getByRole("button", { name: "Facets »" }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("facets")).toBe("show");
    await expect(facets).toHaveAttribute("data-facets", "open");
    await expect(facets.locator("section[aria-labelledby=facet-eventName]")).toBeVisible();
    expect((await facets.boundingBox())!.width).toBeGreaterThan(200);
    await expect(panel).toBeVisible();

    // Closing the event gives the facets back without a parameter; an old facets=hide link still folds them.
    await open(page, `/events?${RANGE}`);
    await expect(facets).toHaveAttribute("data-facets", "open");
    await expect(facets.locator("section[aria-labelledby=facet-eventName]")).toBeVisible();
    await open(page, `/events?${RANGE}&facets=hide&panel=detail&event=${event}`);
    await expect(facets).toHaveAttribute("data-facets", "folded");
    await expect(panel).toBeVisible();
    await facets.getByRole("button", { name: "Facets »" }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("facets")).toBe("show");
  });

  test("at 1440 and 390 wide: screenshots of the panel", async ({ browser }) => {
    for (const width of [1440, 390]) {
      const ctx = await browser.newContext({ viewport: { width, height: 900 }, storageState: storageStateOf("admin") });
      const page = await ctx.newPage();
      try {
        await open(page, `/events?${RANGE}&event=${PLANTED[0].id}`);
        await expect(page.getByTestId("side-panel").getByRole("heading", { level: 2 })).toHaveText("StopLogging");
        if (width === 1440) expect(await visibleColumns(page)).toBeGreaterThanOrEqual(7);
        await page.screenshot({ path: `${SCREENS}/explorer-panel-${width}.png` });
      } finally {
        await ctx.close();
      }
    }
  });
});

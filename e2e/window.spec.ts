// Free text found in more events than a count, the facets and the histogram search (README "Common
// terms"). This file runs against the second e2e server, started with
// TRAILSCOPE_SEARCH_WINDOW_EVENTS=10 on the same seed (e2e/seed.ts: the newest events are one at
// 12:00, two at 11:00 and 51 in the minute 2026-11-20T10:00, so the newest 10 begin at that minute).
// Each part must say what it searched; the list must still hold every match.
import { expect, test } from "@playwright/test";
import { WINDOW_PORT } from "../playwright.config";

const WINDOWED = `http://127.0.0.1:${WINDOW_PORT}`;
const CUT = "2026-11-20T10:00:00.000Z";

test.use({ baseURL: WINDOWED });

test("a term in more events than the window: 'at least N … searched since', a facets note and a shaded histogram; the list has every match", async ({ page, request }) => {
  // Every match, and those since the cut, from the list API (never windowed).
  const all = (await (await request.get("/api/events?q=alice&limit=1000")).json()).events as { eventID: string; eventTime: string }[];
  const since = all.filter((e) => e.eventTime >= CUT);
  expect(since.length).toBeGreaterThan(10);

  const facets = (await (await request.get("/api/facets?q=alice")).json()).facets as { field: string; searchedFrom?: string }[];
  expect(facets.length).toBeGreaterThan(0);
  for (const f of facets) expect(f.searchedFrom, f.field).toBe(CUT);
  const hist = await (await request.get("/api/histogram?q=alice")).json();
  expect(hist.searchedFrom).toBe(CUT);
  const counted = (hist.buckets as { t: string; total: number }[]).reduce((n, b) => n + b.total, 0);
  expect(counted).toBe(since.length);

  await page.goto("/events?q=alice");
  const count = page.getByTestId("match-count");
  await expect(count).toHaveText(`at least ${since.length} events match (searched since 2026-11-20 10:00 UTC)`);
  await expect(count).toHaveAttribute("data-searched-from", CUT);
  await expect(page.getByTestId("facets-searched-from")).toContainText("since 2026-11-20 10:00 UTC");
  await expect(page.getByTestId("histogram-searched-from")).toContainText("not searched before 2026-11-20 10:00");
  await expect(page.getByTestId("histogram-unsearched")).toHaveCount(1);
  await expect(page.locator("tbody tr[data-event-id]")).toHaveCount(all.length);
  await page.screenshot({ path: "test-results/screens/window-common-term.png" });
});

test("the same term on the default server is counted exactly, with nothing marked", async ({ request }) => {
  const main = WINDOWED.replace(`:${WINDOW_PORT}`, `:${WINDOW_PORT - 1}`);
  const facets = (await (await request.get(`${main}/api/facets?q=alice`)).json()).facets as { searchedFrom?: string }[];
  for (const f of facets) expect(f.searchedFrom).toBeUndefined();
  expect((await (await request.get(`${main}/api/histogram?q=alice`)).json()).searchedFrom).toBeUndefined();
});

// The HTTP API as the contract states it, through the real built server.
import { expect, test, type APIRequestContext, type APIResponse } from "@playwright/test";
import { XSS_EVENT_ID } from "./seed";
import { parseCsv } from "../test/helpers/csv";

async function allPages(request: APIRequestContext, qs: string, limit = 7): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const res: APIResponse = await request.get(`/api/events?${qs}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(res.status()).toBe(200);
    const body = (await res.json()) as { events: Record<string, unknown>[]; nextCursor: string | null };
    out.push(...body.events);
    cursor = body.nextCursor;
    if (!cursor) return out;
  }
  throw new Error("paging did not end");
}

test("events carry the contract's fields, newest first, and page exactly once", async ({ request }) => {
  const events = await allPages(request, "");
  expect(events.length).toBeGreaterThan(50);
  for (const k of ["eventID", "eventTime", "eventName", "eventSource", "awsRegion", "recipientAccountId", "username", "sourceIPAddress", "errorCode", "readOnly"]) {
    expect(events[0]).toHaveProperty(k);
  }
  const ids = events.map((e) => e.eventID);
  expect(new Set(ids).size).toBe(ids.length);
  const times = events.map((e) => Date.parse(e.eventTime as string));
  expect(times).toEqual([...times].sort((a, b) => b - a));
});

for (const [qs, param] of [
  ["from=tomorrowish", "from"],
  ["to=2026-13-45", "to"],
  ["readOnly=maybe", "readOnly"],
  ["limit=0", "limit"],
  ["limit=1001", "limit"],
  ["sort=eventTime:sideways", "sort"],
  ["sort=requestParameters:asc", "sort"],
  ["cursor=not-a-cursor", "cursor"],
  ["eventname=ConsoleLogin", "eventname"],
  ["from=now-1h&from=now-2h", "from"],
] as const) {
  test(`400 naming the parameter for ${qs}`, async ({ request }) => {
    for (const path of ["/api/events", "/api/export"]) {
      if (path === "/api/export" && /limit|cursor/.test(param)) continue; // paging is ignored by the export
      const res = await request.get(`${path}?${qs}`);
      expect(res.status(), path).toBe(400);
      const body = await res.json();
      expect(body.error).toContain(param);
    }
  });
}

test("export format must be csv or ndjson", async ({ request }) => {
  const res = await request.get("/api/export?format=xlsx");
  expect(res.status()).toBe(400);
  expect((await res.json()).error).toContain("format");
});

test("an unknown event is a 404 with a JSON error; a known one is the stored record", async ({ request }) => {
  const missing = await request.get("/api/events/does-not-exist");
  expect(missing.status()).toBe(404);
  expect((await missing.json()).error).toBeTruthy();
  const found = await request.get(`/api/events/${XSS_EVENT_ID}`);
  expect(found.status()).toBe(200);
  expect((await found.json()).eventName).toBe("<script>window.__xss=1</script>");
});

for (const qs of ["", "errorCode=*", "errorCode=!*", "eventName=ListUsers&eventName=CreateUser", "eventName=!ListUsers&readOnly=false", "q=alice", "awsRegion=eu-*"]) {
  test(`CSV and NDJSON exports hold exactly the listed events for "${qs}"`, async ({ request }) => {
    const listed = await allPages(request, qs, 50);
    const csvRes = await request.get(`/api/export?${qs}&format=csv`);
    expect(csvRes.status()).toBe(200);
    expect(csvRes.headers()["content-type"]).toMatch(/^text\/csv/);
    expect(csvRes.headers()["content-disposition"]).toMatch(/^attachment; filename="trailscope-events-.*\.csv"$/);
    const rows = parseCsv(await csvRes.text());
    const header = rows[0];
    const idCol = header.indexOf("eventID");
    expect(idCol).toBeGreaterThanOrEqual(0);
    expect(rows.slice(1).map((r) => r[idCol])).toEqual(listed.map((e) => e.eventID));
    for (const r of rows.slice(1)) expect(r).toHaveLength(header.length);

    const nd = await request.get(`/api/export?${qs}&format=ndjson`);
    expect(nd.headers()["content-type"]).toMatch(/^application\/x-ndjson/);
    const lines = (await nd.text()).split("\n").filter(Boolean);
    expect(lines.map((l) => (JSON.parse(l) as { eventID?: string }).eventID ?? null)).toEqual(
      listed.map((e) => (String(e.eventID).startsWith("v1-") ? null : e.eventID)),
    );
  });
}

test("GET /api/sync reports the source that seeded the database", async ({ request }) => {
  const res = await request.get("/api/sync");
  expect(res.status()).toBe(200);
  const body = await res.json();
  expect(body.sources).toHaveLength(1);
  expect(body.sources[0]).toMatchObject({ state: "idle", lastRun: { status: "ok", objectsFailed: 3 } });
  expect(body.sources[0].lastRun.eventsNew).toBeGreaterThan(50);
});

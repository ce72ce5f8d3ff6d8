// Enrichment at ingest on the timeline: the source IP class and user agent class facets, filtering
// by clicking one, and the API's answers. Adds its own events to the shared e2e database (through
// the loader, as a sync stores them) on 2026-11-19 — the day before the seed's, with no "alice" in them, so the
// other specs' counts (their ranges, window.spec's newest events) are untouched.
import { expect, test, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import pg from "pg";
import { Loader } from "../lib/ingest/loader";
import { encodeLine, normalizeRecord } from "../lib/ingest/normalize";
import { SketchBuilder } from "../lib/store/sketch";
import { storageStateOf } from "./users";

const SCREENS = "test-results/screens";
mkdirSync(SCREENS, { recursive: true });
const ACCT = "111122223333";
const RANGE = "from=2026-11-19T00:00:00Z&to=2026-11-20T00:00:00Z";

// [sourceIPAddress, userAgent, how many]
const MIX: [string, string, number][] = [
  ["52.4.18.7", "aws-sdk-go-v2/1.24.1 os/linux lang/go#1.21.6 md/GOOS#linux md/GOARCH#amd64 api/sts#1.26.7", 9],
  ["10.20.3.41", "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10 lang/python#3.12.2 Botocore/1.34.69", 7],
  ["198.51.100.30", "aws-cli/2.15.30 Python/3.11.8 Linux/5.10.213-201.855.amzn2.x86_64 exe/x86_64.amzn.2 prompt/off command/iam.list-roles", 6],
  ["203.0.113.50", "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0 aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1", 4],
  ["cloudformation.amazonaws.com", "cloudformation.amazonaws.com", 3],
  ["AWS Internal", "AWS Internal", 3],
  ["198.51.100.31", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", 2],
  ["2600:1f18:4a3:6902::1f", "aws-sdk-java/2.20.162 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.9+8-LTS Java/17.0.9", 2],
  ["lambda.amazonaws.com", "lambda.amazonaws.com", 1],
];
const TOTAL = MIX.reduce((n, m) => n + m[2], 0);

test.beforeAll(async () => {
  const records = MIX.flatMap(([ip, ua, n], k) =>
    Array.from({ length: n }, (_, i) => ({
      eventVersion: "1.09",
      eventID: `e2e-enrich-${k}-${i}`,
      eventTime: `2026-11-19T${String(8 + k).padStart(2, "0")}:${String(10 + i).padStart(2, "0")}:00Z`,
      eventSource: "iam.amazonaws.com",
      eventName: ["ListRoles", "GetRole", "CreateRole"][i % 3],
      awsRegion: "us-east-1",
      recipientAccountId: ACCT,
      userIdentity: { type: "IAMUser", principalId: "AIDAENRICH", arn: `arn:aws:iam::${ACCT}:user/dana`, accountId: ACCT, userName: "dana" },
      sourceIPAddress: ip,
      userAgent: ua,
      readOnly: i % 3 !== 2,
      eventType: "AwsApiCall",
      eventCategory: "Management",
    })),
  );
  // Stored as the engine stores a batch (normalizeRecord → Loader.commit), without an object: a
  // folder sync would add a second source to the Integrity page that e2e/integrity.spec.ts reads.
  const pool = new pg.Pool({ connectionString: process.env.E2E_DATABASE_URL!, max: 2 });
  pool.on("error", () => {});
  try {
    const rows = { lines: [] as Uint8Array[], ids: [] as string[], rollups: [] as string[], sketches: [] as ReturnType<SketchBuilder["finish"]> };
    const sketch = new SketchBuilder();
    for (const r of records) {
      const n = normalizeRecord(r, {});
      if (!n.ok) throw new Error(n.reason);
      rows.lines.push(encodeLine(n.line));
      rows.ids.push(n.id);
      rows.rollups.push(n.rollup);
      sketch.add(n.text);
    }
    rows.sketches = sketch.finish();
    await new Loader(pool).commit({ rows, objects: [], cursors: [] });
  } finally {
    await pool.end();
  }
});

async function open(page: Page, p: string) {
  await page.goto(p);
  await expect(page.locator("html")).toHaveAttribute("data-timeline-keys", "on");
}

test("the API filters and facets the classes; a bad ipVersion is a 400 naming it", async ({ request }) => {
  const facets = (await (await request.get(`/api/facets?${RANGE}&field=ipClass&field=userAgentClass`)).json()).facets as { field: string; values: { value: string; count: number }[] }[];
  const counts = Object.fromEntries(facets.map((f) => [f.field, Object.fromEntries(f.values.map((v) => [v.value, v.count]))]));
  expect(counts.ipClass).toEqual({ aws: 11, private: 7, public: 12, "aws-service": 4, "aws-internal": 3 });
  expect(counts.userAgentClass).toEqual({ "sdk-go": 9, "sdk-python": 7, cli: 6, terraform: 4, cloudformation: 3, "aws-internal": 3, console: 2, "sdk-java": 2, "aws-service": 1 });
  const tf = (await (await request.get(`/api/events?${RANGE}&userAgentClass=terraform`)).json()).events as { sourceIPAddress: string; ipClass: string }[];
  expect(tf).toHaveLength(4);
  for (const e of tf) expect(e).toMatchObject({ sourceIPAddress: "203.0.113.50", ipClass: "public" });
  const v6 = (await (await request.get(`/api/events?${RANGE}&ipVersion=ipv6`)).json()).events as { ipAwsRange: string }[];
  expect(v6.map((e) => e.ipAwsRange)).toEqual(["EC2 us-east-1", "EC2 us-east-1"]);
  const bad = await request.get(`/api/events?ipVersion=ipv5`);
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error).toMatch(/^ipVersion/);
});

test("the timeline's facets show the classes; clicking one filters on it (screenshots 1440 and 390)", async ({ browser }) => {
  for (const [name, width] of [["enrichment-wide", 1440], ["enrichment-narrow", 390]] as const) {
    const ctx = await browser.newContext({ viewport: { width, height: 900 }, storageState: storageStateOf("admin") });
    const page = await ctx.newPage();
    await open(page, `/events?${RANGE}`);
    await expect(page.getByTestId("match-count")).toHaveText(`${TOTAL} events match`);
    if (width < 1024) await page.getByRole("button", { name: "Facets" }).click();
    const ipFacet = page.locator("section", { has: page.locator("#facet-ipClass") });
    const uaFacet = page.locator("section", { has: page.locator("#facet-userAgentClass") });
    await expect(ipFacet.getByRole("heading")).toHaveText(/source ip class/i);
    await expect(ipFacet.getByRole("link", { name: /^Include ipClass aws \(11 events\)/ })).toBeVisible();
    await expect(uaFacet.getByRole("link", { name: /^Include userAgentClass terraform \(4 events\)/ })).toBeVisible();
    await ipFacet.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SCREENS}/${name}.png` });
    await uaFacet.getByRole("link", { name: /^Include userAgentClass terraform/ }).click();
    await expect(page).toHaveURL(/userAgentClass=terraform/);
    await expect(page.getByTestId("match-count")).toHaveText("4 events match");
    if (width >= 1024) await page.screenshot({ path: `${SCREENS}/${name}-filtered.png` });
    await ctx.close();
  }
});

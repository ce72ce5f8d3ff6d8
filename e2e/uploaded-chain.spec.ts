// Who really did it, in a real browser: a chain of role sessions (an IAM user's key → a role →
// a second role) is uploaded as two log files — the sessions' events before the calls that issued
// their credentials — and the event detail shows the chain hop by hop up to the user, whose
// "Everything this identity did" lists every event of the chain through both roles. A session
// whose issuing event is not stored says so. Dated 2019 and named apart from the seed's, so other
// specs' counts of the seed's range do not see them (this file runs after upload.spec.ts).
import { expect, test, type APIRequestContext } from "@playwright/test";
import { strToU8, zipSync } from "fflate";
import { storageStateOf } from "./users";

const ACCT = "111122223333";
const USER_ARN = `arn:aws:iam::${ACCT}:user/chain-origin`;
const KEY1 = "ASIAE2ECHAINKEYONEAA";
const KEY2 = "ASIAE2ECHAINKEYTWOBB";
const ORPHAN = "ASIAE2ECHAINORPHANCC";
const at = (m: number) => `2019-07-01T10:${String(m).padStart(2, "0")}:00Z`;
const base = (id: string, m: number, ident: Record<string, unknown>, name: string, source = "iam.amazonaws.com") => ({
  eventVersion: "1.11",
  userIdentity: ident,
  eventTime: at(m),
  eventSource: source,
  eventName: name,
  awsRegion: "us-east-1",
  sourceIPAddress: "203.0.113.77",
  userAgent: "aws-cli/2.22.35",
  eventID: id,
  eventType: "AwsApiCall",
  recipientAccountId: ACCT,
});
const user = { type: "IAMUser", principalId: "AIDAE2ECHAINUSER", arn: USER_ARN, accountId: ACCT, accessKeyId: "AKIAE2ECHAINUSERKEY1", userName: "chain-origin" };
const session = (role: string, name: string, key: string) => ({
  type: "AssumedRole",
  principalId: `AROAE2E${role.toUpperCase()}:${name}`,
  arn: `arn:aws:sts::${ACCT}:assumed-role/${role}/${name}`,
  accountId: ACCT,
  accessKeyId: key,
  sessionContext: { sessionIssuer: { type: "Role", principalId: `AROAE2E${role.toUpperCase()}`, arn: `arn:aws:iam::${ACCT}:role/${role}`, accountId: ACCT, userName: role }, attributes: { creationDate: at(0), mfaAuthenticated: "false" } },
});
const assume = (id: string, m: number, ident: Record<string, unknown>, role: string, name: string, key: string) => ({
  ...base(id, m, ident, "AssumeRole", "sts.amazonaws.com"),
  requestParameters: { roleArn: `arn:aws:iam::${ACCT}:role/${role}`, roleSessionName: name, sourceIdentity: "chain-origin" },
  responseElements: { credentials: { accessKeyId: key, sessionToken: "token", expiration: "Jul 1, 2019, 11:00:00 AM" }, assumedRoleUser: { assumedRoleId: `AROAE2E${role.toUpperCase()}:${name}`, arn: `arn:aws:sts::${ACCT}:assumed-role/${role}/${name}` } },
});
const ISSUING = [assume("e2e-chain-1", 1, user, "JumpRole", "hop-one", KEY1), assume("e2e-chain-2", 2, session("JumpRole", "hop-one", KEY1), "AdminRole", "hop-two", KEY2)];
const SESSIONS = [
  base("e2e-chain-3", 3, session("AdminRole", "hop-two", KEY2), "CreateAccessKey"),
  base("e2e-chain-4", 4, session("JumpRole", "hop-one", KEY1), "ListRoles"),
  base("e2e-chain-5", 5, session("OrphanRole", "nobody-knows", ORPHAN), "DeleteTrail", "cloudtrail.amazonaws.com"),
];
const file = (records: unknown[]) => strToU8(JSON.stringify({ Records: records }));
// The sessions' file first: their issuing events arrive after them.
const ZIP = Buffer.from(zipSync({ "chain/1-sessions.json": file(SESSIONS), "chain/2-issuing.json": file(ISSUING) }));

async function upload(analyst: APIRequestContext, baseURL: string) {
  const res = await analyst.post("/api/uploads", { headers: { origin: baseURL, "x-filename": "chain.zip", "content-type": "application/zip" }, data: ZIP });
  expect(res.status(), await res.text()).toBe(200);
}

test("the detail shows the chain to the IAM user behind two roles, and actor= lists all it did", async ({ browser, playwright, baseURL }) => {
  const analyst = await playwright.request.newContext({ baseURL, storageState: storageStateOf("analyst") });
  await upload(analyst, baseURL!);
  await analyst.dispose();

  const ctx = await browser.newContext({ storageState: storageStateOf("admin"), viewport: { width: 1440, height: 1000 } });
  const page = await ctx.newPage();
  try {
    await page.goto("/events/e2e-chain-3");
    const who = page.getByRole("region", { name: "Who really did it" });
    await expect(who).toBeVisible();
    const hops = who.getByRole("list", { name: "Credentials chain" }).getByRole("listitem");
    await expect(hops).toHaveCount(2);
    await expect(hops.nth(0)).toContainText("assumed-role/AdminRole/hop-two");
    await expect(hops.nth(0)).toContainText("assumed-role/JumpRole/hop-one");
    await expect(hops.nth(1)).toContainText(USER_ARN);
    await expect(who).toContainText(`Origin: ${USER_ARN}`);
    await page.screenshot({ path: "test-results/screens/chain-detail-1440.png", fullPage: true });
    await page.setViewportSize({ width: 390, height: 900 });
    await page.screenshot({ path: "test-results/screens/chain-detail-390.png", fullPage: true });
    await page.setViewportSize({ width: 1440, height: 1000 });

    // The issuing event is one click away.
    await hops.nth(0).getByRole("link", { name: "AssumeRole" }).click();
    await expect(page).toHaveURL(/\/events\/e2e-chain-2$/);

    await page.goto("/events/e2e-chain-3");
    await page.getByRole("region", { name: "Who really did it" }).getByRole("link", { name: "Everything this identity did" }).first().click();
    await expect(page).toHaveURL(/actor=/);
    await page.goto(`${page.url()}&from=2019-07-01T00:00:00Z&to=2019-07-02T00:00:00Z`);
    for (const id of ["e2e-chain-1", "e2e-chain-2", "e2e-chain-3", "e2e-chain-4"]) await expect(page.locator(`tbody tr[data-event-id="${id}"]`)).toHaveCount(1);
    await expect(page.locator(`tbody tr[data-event-id="e2e-chain-5"]`)).toHaveCount(0);

    // The actor facet is counted when its section opens: by itself here, the view filters on it.
    const actorFacet = page.getByTestId("facet-on-demand-actor");
    await expect(actorFacet.getByRole("button", { name: "Actor" })).toHaveAttribute("aria-expanded", "true");
    await expect(actorFacet.getByRole("link", { name: `Remove actor ${USER_ARN} (4 events)` })).toBeVisible();
    // Without the filter it waits to be opened, and then counts under the view's range.
    await page.goto("/events?from=2019-07-01T00:00:00Z&to=2019-07-02T00:00:00Z");
    await expect(actorFacet).toContainText("Counted when opened");
    await actorFacet.getByRole("button", { name: "Actor" }).click();
    await expect(actorFacet.getByRole("link", { name: `Include actor ${USER_ARN} (4 events)` })).toBeVisible();
    await page.screenshot({ path: "test-results/screens/facets-on-demand-1440.png", fullPage: true });
    await page.setViewportSize({ width: 390, height: 900 });
    await page.getByRole("button", { name: "Facets" }).click();
    await expect(actorFacet.getByRole("link", { name: `Include actor ${USER_ARN} (4 events)` })).toBeVisible();
    await actorFacet.scrollIntoViewIfNeeded();
    await page.screenshot({ path: "test-results/screens/facets-on-demand-390.png" });
    await page.setViewportSize({ width: 1440, height: 1000 });

    // No guessing where the issuing event is not stored.
    await page.goto("/events/e2e-chain-5");
    await expect(page.getByRole("region", { name: "Who really did it" })).toContainText(`The event that issued the credentials ${ORPHAN} is not stored`);
  } finally {
    await ctx.close();
  }
});

test("the actor facet and the chain API answer within the caller's scope", async ({ playwright, baseURL }) => {
  const admin = await playwright.request.newContext({ baseURL, storageState: storageStateOf("admin") });
  const scoped = await playwright.request.newContext({ baseURL, storageState: storageStateOf("scoped") });
  try {
    const chain = await admin.get("/api/events/e2e-chain-4/chain");
    expect(chain.status()).toBe(200);
    expect(await chain.json()).toMatchObject({ status: "complete", actor: USER_ARN, hops: [{ key: KEY1, sourceIdentity: "chain-origin" }] });
    const facets = await admin.get(`/api/facets?field=actor&from=2019-07-01T00:00:00Z&to=2019-07-02T00:00:00Z`);
    expect(facets.status()).toBe(200);
    const values = ((await facets.json()) as { facets: { values: { value: string | null; count: number }[] }[] }).facets[0].values;
    expect(values).toContainEqual({ value: USER_ARN, count: 4 });
    // An account the scoped user does not have: the same 404 as an event that does not exist.
    expect((await scoped.get("/api/events/e2e-chain-4/chain")).status()).toBe(404);
    const scopedFacets = await scoped.get(`/api/facets?field=actor&from=2019-07-01T00:00:00Z&to=2019-07-02T00:00:00Z`);
    expect(((await scopedFacets.json()) as { facets: { values: unknown[] }[] }).facets[0].values).toEqual([]);
  } finally {
    await admin.dispose();
    await scoped.dispose();
  }
});

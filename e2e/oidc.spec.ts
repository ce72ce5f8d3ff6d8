// Single sign-on through a real OpenID provider (test/peers/oidc-peer.ts, node-oidc-provider on
// loopback): Chromium clicks "Sign in with …", fills the provider's own login form, and comes back
// signed in as the user an admin had invited by email. Someone the console does not know is sent
// back to sign-in, not let in.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { startOidcPeer, type OidcPeer } from "../test/peers/oidc-peer";
import { E2E_SECRET, E2E_USERS } from "./users";

const root = path.resolve(import.meta.dirname, "..");
const PORT = 3234;
const BASE = `http://127.0.0.1:${PORT}`;
let peer: OidcPeer;
let server: ChildProcess;

test.beforeAll(async () => {
  peer = await startOidcPeer({
    clients: [{ clientId: "trailscope-e2e", clientSecret: "e2e-client-secret", redirectUris: [`${BASE}/api/auth/callback/oidc`] }],
    users: [
      { sub: "analyst-1", email: E2E_USERS.analyst.email, name: "Ana Lyst", password: "idp-password-1" },
      { sub: "stranger-1", email: "stranger@elsewhere.test", name: "Stranger", password: "idp-password-2" },
    ],
  });
  server = spawn(process.execPath, ["--import", "tsx", "scripts/serve.ts"], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: process.env.E2E_DATABASE_URL,
      HOST: "127.0.0.1",
      PORT: String(PORT),
      NEXT_TELEMETRY_DISABLED: "1",
      TRAILSCOPE_SECRET: E2E_SECRET,
      TRAILSCOPE_OIDC_ISSUER: peer.issuer,
      TRAILSCOPE_OIDC_CLIENT_ID: "trailscope-e2e",
      TRAILSCOPE_OIDC_CLIENT_SECRET: "e2e-client-secret",
      TRAILSCOPE_OIDC_NAME: "Test IdP",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  for (let i = 0; ; i++) {
    const up = await fetch(`${BASE}/sign-in`).then((r) => r.ok, () => false);
    if (up) break;
    if (server.exitCode !== null || i > 600) throw new Error("the OIDC-configured console did not start");
    await new Promise((r) => setTimeout(r, 200));
  }
});

test.afterAll(async () => {
  server?.kill("SIGTERM");
  await peer?.close();
});

// Fresh browsers: no cookies of the other e2e servers (cookies are per host, not per port).
test.use({ storageState: { cookies: [], origins: [] } });

test("an invited user signs in through the provider's own login form", async ({ page }) => {
  await page.goto(`${BASE}/events`);
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByRole("button", { name: "Sign in with Test IdP" }).click();
  await expect(page).toHaveURL(new RegExp(`^${peer.issuer}`));
  await page.getByLabel("Email").fill(E2E_USERS.analyst.email);
  await page.getByLabel("Password").fill("idp-password-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`^${BASE}/events`));
  await expect(page.getByTestId("signed-in-user")).toContainText(E2E_USERS.analyst.email);
  await expect(page.getByTestId("signed-in-user")).toContainText("analyst");
  expect(peer.signIns.some((s) => s.email === E2E_USERS.analyst.email && s.ok)).toBe(true);
  // The API answers this browser as that user.
  const me = await page.request.get(`${BASE}/api/events?limit=1`);
  expect(me.status()).toBe(200);
});

test("someone the console does not know is sent back to sign-in", async ({ page }) => {
  await page.goto(`${BASE}/sign-in`);
  await page.getByRole("button", { name: "Sign in with Test IdP" }).click();
  await expect(page).toHaveURL(new RegExp(`^${peer.issuer}`));
  await page.getByLabel("Email").fill("stranger@elsewhere.test");
  await page.getByLabel("Password").fill("idp-password-2");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/sign-in\?error=/);
  expect((await page.request.get(`${BASE}/api/events?limit=1`)).status()).toBe(401);
});

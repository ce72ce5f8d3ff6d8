// End-to-end tests drive the built console in Debian's Chromium (never a downloaded browser).
// scripts/test.ts creates and seeds the database (E2E_DATABASE_URL, see e2e/seed.ts) before this
// runs, because the web server starts before any global setup would.
import { defineConfig } from "@playwright/test";
import { E2E_SECRET, storageStateOf } from "./e2e/users";

const port = Number(process.env.E2E_PORT ?? 3217);
/** A second server on the same database whose free-text counts search only the newest 10 events (e2e/window.spec.ts). */
export const WINDOW_PORT = port + 1;
const serverEnv = {
  DATABASE_URL: process.env.E2E_DATABASE_URL ?? "",
  NEXT_TELEMETRY_DISABLED: "1",
  TRAILSCOPE_SECRET: E2E_SECRET,
  // Every test signs in from 127.0.0.1; the limit itself is tested in e2e/access.spec.ts.
  TRAILSCOPE_SIGNIN_ATTEMPTS_PER_MINUTE: "1000",
  // e2e/alerts.spec.ts receives webhooks on 127.0.0.1.
  TRAILSCOPE_WEBHOOK_ALLOW_PRIVATE: "true",
};
const serve = () => "node --import tsx scripts/serve.ts";

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/e2e",
  timeout: 60_000,
  workers: 1,
  retries: 0,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
      ],
    },
  },
  projects: [
    // Signs every e2e user in once; the tests reuse their cookies (the admin's unless they say).
    { name: "sign-in", testMatch: /auth\.setup\.ts/ },
    { name: "console", dependencies: ["sign-in"], use: { storageState: storageStateOf("admin") } },
  ],
  webServer: [
    {
      command: serve(),
      url: `http://127.0.0.1:${port}/sign-in`,
      reuseExistingServer: false,
      timeout: 60_000,
      env: { ...serverEnv, HOST: "127.0.0.1", PORT: String(port) },
    },
    {
      command: serve(),
      url: `http://127.0.0.1:${WINDOW_PORT}/sign-in`,
      reuseExistingServer: false,
      timeout: 60_000,
      env: { ...serverEnv, HOST: "127.0.0.1", PORT: String(WINDOW_PORT), TRAILSCOPE_SEARCH_WINDOW_EVENTS: "10" },
    },
  ],
});

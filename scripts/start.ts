// `npm start`: database (embedded PostgreSQL under ./.data when DATABASE_URL is unset) →
// migrations → the first admin (TRAILSCOPE_ADMIN_EMAIL/PASSWORD, or a printed one-time setup link)
// → build if none exists → the console's server (scripts/serve.ts) on HOST:PORT → background sync.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { accessSettings, authSecret, isLoopbackHost } from "../lib/auth/settings";
import { bootstrapAdminFromEnv, issueSetupToken } from "../lib/auth/setup";
import { maxExportsPerKey } from "../lib/export/slots";
import { openDb, queryTimeoutMs } from "../lib/store/db";
import { checkAccessCacheSetting } from "../lib/auth/access-cache";
import { alertSettings } from "../lib/alerts/settings";
import { ensureDatabase } from "../lib/store/embedded";
import { migrate } from "../lib/store/migrate";
import { configuredSources, syncIntervalMs } from "../lib/sync/config";
import { startScheduler } from "../lib/sync/scheduler";
import { startActorBackfill } from "../lib/actors/backfill";
import { startBackfill } from "../lib/enrich/backfill";

const root = path.resolve(import.meta.dirname, "..");
const nextBin = path.join(root, "node_modules/next/dist/bin/next");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

async function main() {
  const host = process.env.HOST ?? "127.0.0.1";
  const port = process.env.PORT ?? "3000";
  // Invalid settings fail here, before anything starts.
  const sources = configuredSources();
  const interval = syncIntervalMs();
  queryTimeoutMs();
  maxExportsPerKey();
  checkAccessCacheSetting();
  alertSettings();
  const settings = accessSettings();
  if (!isLoopbackHost(host) && !process.env.TRAILSCOPE_SECRET && !process.env.BETTER_AUTH_SECRET) {
    throw new Error(
      `HOST=${host} serves the console beyond this machine: set TRAILSCOPE_SECRET (at least 32 random characters, e.g. \`openssl rand -hex 32\`) and TRAILSCOPE_URL (the address people will use) first`,
    );
  }
  if (!isLoopbackHost(host) && !settings.baseUrlConfigured) {
    console.error(`trailscope: warning: HOST=${host} without TRAILSCOPE_URL: only requests naming 127.0.0.1 or localhost are served; set TRAILSCOPE_URL to the address people will use`);
  }
  authSecret(); // create the signing key now, not in the middle of a first request

  const db = await ensureDatabase();
  const m = await migrate(db.url);
  if (m.applied.length) console.error(`trailscope: applied migrations ${m.applied.join(", ")}`);
  const pool = openDb(db.url, { max: 4 });
  const bootstrapped = await bootstrapAdminFromEnv(pool);
  if (bootstrapped) console.error(`trailscope: created the admin ${bootstrapped} (TRAILSCOPE_ADMIN_EMAIL)`);
  const setupToken = await issueSetupToken(pool);

  if (!existsSync(path.join(root, ".next/BUILD_ID"))) {
    console.error("trailscope: no build found; building (next build)…");
    const b = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, env, stdio: "inherit" });
    if (b.status !== 0) throw new Error("next build failed");
  }

  const server = spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/serve.ts")], {
    cwd: root,
    env: { ...env, DATABASE_URL: db.url, TRAILSCOPE_SOURCES: sources.join(" "), HOST: host, PORT: port },
    stdio: "inherit",
  });
  const scheduler = startScheduler(pool, sources, interval);
  // Events stored before 0.4.0 get their actors (lib/actors/backfill.ts) and enrichment classes
  // (lib/enrich/backfill.ts) in the background.
  const actorBackfill = startActorBackfill(pool.pool, (m) => console.error(m));
  const backfill = startBackfill(pool.pool, (m) => console.error(`trailscope: ${m}`));
  console.error(`trailscope: console on ${settings.baseUrl}/events`);
  if (setupToken) {
    console.error(
      [
        "",
        "  No user yet. Open this one-time link to create the first admin (valid 24 hours):",
        `    ${settings.baseUrl}/setup?token=${setupToken}`,
        "",
      ].join("\n"),
    );
  }

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    server.kill("SIGTERM");
    await scheduler.stop();
    await backfill.stop();
    await actorBackfill.stop();
    await pool.close();
    await db.stop();
    process.exit(code);
  };
  server.on("exit", (code) => void stop(code ?? 1));
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
}

main().catch((err) => {
  console.error(`trailscope: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

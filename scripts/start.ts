// `npm start`: database (embedded PostgreSQL under ./.data when DATABASE_URL is unset) →
// migrations → build if none exists → `next start` on HOST:PORT → background sync.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { openDb } from "../lib/store/db";
import { ensureDatabase } from "../lib/store/embedded";
import { migrate } from "../lib/store/migrate";
import { configuredSources, syncIntervalMs } from "../lib/sync/config";
import { startScheduler } from "../lib/sync/scheduler";

const root = path.resolve(import.meta.dirname, "..");
const nextBin = path.join(root, "node_modules/next/dist/bin/next");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

async function main() {
  const host = process.env.HOST ?? "127.0.0.1";
  const port = process.env.PORT ?? "3000";
  const sources = configuredSources();
  const interval = syncIntervalMs(); // invalid settings fail here, before anything starts

  const db = await ensureDatabase();
  const m = await migrate(db.url);
  if (m.applied.length) console.error(`trailscope: applied migrations ${m.applied.join(", ")}`);

  if (!existsSync(path.join(root, ".next/BUILD_ID"))) {
    console.error("trailscope: no build found; building (next build)…");
    const b = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, env, stdio: "inherit" });
    if (b.status !== 0) throw new Error("next build failed");
  }

  const server = spawn(process.execPath, [nextBin, "start", "-H", host, "-p", port], {
    cwd: root,
    env: { ...env, DATABASE_URL: db.url, TRAILSCOPE_SOURCES: sources.join(" ") },
    stdio: "inherit",
  });
  const pool = openDb(db.url, { max: 4 });
  const scheduler = startScheduler(pool, sources, interval);
  console.error(`trailscope: console on http://${host}:${port}/events`);

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    server.kill("SIGTERM");
    await scheduler.stop();
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

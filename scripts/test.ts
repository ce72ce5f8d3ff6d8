// `npm test`: every test — unit and integration (vitest), then end-to-end (Playwright with the
// system's Chromium against the built console on a seeded database). Needs no running server:
// tests use TEST_DATABASE_URL's server, else the one at 127.0.0.1:5432, else an embedded
// PostgreSQL started here. Ends with one line "total: N passed, N failed, N skipped" (a vitest run
// that failed without a failing test, on an unhandled error, counts as one failure).
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { seedE2eDatabase } from "../e2e/seed";
import { ensureDatabase } from "../lib/store/embedded";

async function createDatabase(serverUrl: string, prefix: string) {
  const name = `${prefix}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(serverUrl);
  u.pathname = "/" + name;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

const root = path.resolve(import.meta.dirname, "..");
const results = path.join(root, "test-results");

async function reachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

async function testServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const given = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (given) return { url: given, stop: async () => {} };
  const local = "postgresql://postgres@127.0.0.1:5432/postgres";
  if (await reachable(local)) return { url: local, stop: async () => {} };
  const dir = mkdtempSync(path.join(tmpdir(), "trailscope-test-pg-"));
  chmodSync(dir, 0o755); // as root, PostgreSQL runs as user postgres and must reach it
  delete process.env.DATABASE_URL;
  const h = await ensureDatabase({ dataDir: dir, log: () => {} });
  console.error(`test: no PostgreSQL at 127.0.0.1:5432; started an embedded one`);
  // The superuser's URL: tests create and drop databases on it (the app role cannot).
  return { url: h.adminUrl ?? h.url, stop: async () => (await h.stop(), rmSync(dir, { recursive: true, force: true })) };
}

function run(cmd: string[], env: NodeJS.ProcessEnv): number {
  const r = spawnSync(process.execPath, cmd, { cwd: root, env, stdio: "inherit" });
  return r.status ?? 1;
}

interface Counts { passed: number; failed: number; skipped: number }

function vitestCounts(file: string): Counts {
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const j = JSON.parse(readFileSync(file, "utf8"));
  return { passed: j.numPassedTests, failed: j.numFailedTests + (j.numFailedTestSuites ?? 0), skipped: j.numPendingTests + (j.numTodoTests ?? 0) };
}

function playwrightCounts(file: string): Counts {
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const s = JSON.parse(readFileSync(file, "utf8")).stats;
  return { passed: s.expected + s.flaky, failed: s.unexpected, skipped: s.skipped };
}

async function main() {
  const server = await testServer();
  const env: NodeJS.ProcessEnv = { ...process.env, TEST_DATABASE_URL: server.url, NEXT_TELEMETRY_DISABLED: "1" };
  delete env.DATABASE_URL;
  rmSync(results, { recursive: true, force: true });
  // `npm test -- unit|e2e [files…]`: a part, and optionally some test files (paths or name filters,
  // handed to vitest and Playwright as they are).
  const args = process.argv.slice(2);
  const only = args.filter((a) => a === "unit" || a === "e2e");
  const files = args.filter((a) => a !== "unit" && a !== "e2e");
  const total: Counts = { passed: 0, failed: 0, skipped: 0 };
  const add = (c: Counts) => ((total.passed += c.passed), (total.failed += c.failed), (total.skipped += c.skipped));
  let code = 0;
  try {
    if (!only.length || only.includes("unit")) {
      const out = path.join(results, "vitest.json");
      const status = run([path.join(root, "node_modules/vitest/vitest.mjs"), "run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...files], env);
      code |= status;
      const counts = vitestCounts(out);
      // Vitest exits non-zero on an unhandled error even when every test passed; the total must not
      // then read "0 failed".
      if (status !== 0 && counts.failed === 0) counts.failed = 1;
      add(counts);
    }
    if (!only.length || only.includes("e2e")) {
      if (!process.env.SKIP_BUILD) code |= run([path.join(root, "node_modules/next/dist/bin/next"), "build"], env);
      const e2eDb = await createDatabase(server.url, "ts_e2e");
      try {
        await seedE2eDatabase(e2eDb.url);
        const out = path.join(results, "playwright.json");
        code |= run([path.join(root, "node_modules/@playwright/test/cli.js"), "test", "--reporter=list,json", ...files], { ...env, E2E_DATABASE_URL: e2eDb.url, PLAYWRIGHT_JSON_OUTPUT_NAME: out });
        add(playwrightCounts(out));
      } finally {
        await e2eDb.drop();
      }
    }
  } finally {
    await server.stop();
  }
  console.log(`total: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  process.exit(code || total.failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  console.log("total: 0 passed, 1 failed");
  process.exit(1);
});

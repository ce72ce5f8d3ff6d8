// The real console server (scripts/serve.ts, what `npm start` runs: Next's handler on the
// production build behind our own HTTP server) against a given database, and the memory figures of
// the process that actually listens (VmHWM = peak RSS since it started). Every page and /api route
// needs a credential, so the server signs sessions with BENCH_SECRET (bench/principals.ts makes
// the users, sessions, tokens and share links the measurements send).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, readFileSync } from "node:fs";
import { cp, mkdir, rm, symlink } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { OUT_DIR } from "./corpus";
import { onCleanup } from "./cleanup";
import { headMode } from "./src";
import { log } from "./stats";

const ROOT = path.resolve(import.meta.dirname, "..");
const NEXT_BIN = path.join(ROOT, "node_modules/next/dist/bin/next");
/** Signs the bench server's session cookies; the bench process signs in with the same one. */
export const BENCH_SECRET = "trailscope-bench-secret-0123456789abcdef";
/** Ports the bench's servers listen on (the machine's other users keep to theirs). */
const PORTS = { from: 3260, to: 3279 };

export interface Server {
  url: string;
  port: number;
  /** pid of the node process listening on the port (next start may or may not fork). */
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * A production build to serve. Others may rebuild .next while the bench runs (a rebuild deletes and
 * rewrites it, which breaks a running `next start`), so the bench serves a private snapshot:
 * bench/.out/app/ with a copy of .next (without its cache), scripts/serve.ts and lib/ (what serve.ts
 * imports, run by tsx), and links to node_modules and public.
 * If there is no build, wait for one being made elsewhere, else make it.
 */
export async function ensureBuild(): Promise<string> {
  if (snapshotDir) return snapshotDir;
  const h = headMode();
  if (h) {
    snapshotDir = h.dir; // private to the bench already
    return h.dir;
  }
  const deadline = Date.now() + 15 * 60_000;
  while (!existsSync(path.join(ROOT, ".next/BUILD_ID"))) {
    if (Date.now() > deadline) throw new Error("no production build after 15 minutes");
    log("no production build (.next/BUILD_ID); running next build…");
    const b = spawnSync(process.execPath, [NEXT_BIN, "build"], { cwd: ROOT, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" }, stdio: ["ignore", 2, 2] });
    if (b.status !== 0) {
      log("next build failed (another build running?); retrying in 20 s");
      await new Promise((r) => setTimeout(r, 20_000));
    }
  }
  const dir = path.join(OUT_DIR, "app");
  for (let attempt = 0; ; attempt++) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const id = readFileSync(path.join(ROOT, ".next/BUILD_ID"), "utf8").trim();
    try {
      await cp(path.join(ROOT, ".next"), path.join(dir, ".next"), {
        recursive: true,
        verbatimSymlinks: true,
        filter: (src) => !src.startsWith(path.join(ROOT, ".next/cache")),
      });
      // Copied mid-rebuild? Then the ids differ (or files vanished): copy again.
      if (readFileSync(path.join(dir, ".next/BUILD_ID"), "utf8").trim() !== id) throw new Error("build changed while copying");
    } catch (err) {
      if (attempt >= 5) throw err;
      log(`snapshot of .next failed (${(err as Error).message}); retrying in 20 s`);
      await new Promise((r) => setTimeout(r, 20_000));
      continue;
    }
    break;
  }
  for (const f of ["package.json", "next.config.js", "tsconfig.json", "scripts/serve.ts"]) await cp(path.join(ROOT, f), path.join(dir, f));
  await cp(path.join(ROOT, "lib"), path.join(dir, "lib"), { recursive: true });
  await symlink(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  if (existsSync(path.join(ROOT, "public"))) await symlink(path.join(ROOT, "public"), path.join(dir, "public"));
  snapshotDir = dir;
  return dir;
}

let snapshotDir: string | null = null;

export function buildId(): string {
  try {
    return readFileSync(path.join(snapshotDir ?? ROOT, ".next/BUILD_ID"), "utf8").trim();
  } catch {
    return "none";
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  for (let p = PORTS.from; p <= PORTS.to; p++) if (await portFree(p)) return p;
  throw new Error(`no free port in ${PORTS.from}-${PORTS.to}`);
}

/** pid of the process listening on 127.0.0.1:port, from `ss -ltnp`. */
function listenerPid(port: number): number | null {
  const r = spawnSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8" });
  const m = /pid=(\d+)/.exec(r.stdout ?? "");
  return m ? Number(m[1]) : null;
}

export function memoryOf(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

export async function startServer(databaseUrl: string, tag: string): Promise<Server> {
  const appDir = await ensureBuild();
  const port = await freePort();
  const logFile = createWriteStream(path.join(OUT_DIR, `server-${tag}.log`), { flags: "a" });
  const child = spawn(process.execPath, ["--import", "tsx", path.join(appDir, "scripts/serve.ts")], {
    cwd: appDir,
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      TRAILSCOPE_SECRET: BENCH_SECRET,
      NEXT_TELEMETRY_DISABLED: "1",
      NODE_ENV: "production",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: stop() ends it and any child it forked, nothing else
  });
  child.stdout!.pipe(logFile);
  child.stderr!.pipe(logFile);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  let exited = false;
  child.once("exit", () => (exited = true));
  const kill = () => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      /* gone */
    }
  };
  const undoEarly = onCleanup(kill);
  for (;;) {
    const fail = (m: string) => {
      kill();
      undoEarly();
      return new Error(`${m}; see bench/.out/server-${tag}.log`);
    };
    if (exited) throw fail("the server exited");
    if (Date.now() > deadline) throw fail("the server did not answer within 90 s");
    try {
      // Up when the proxy answers; without a credential that is a 401.
      const r = await fetch(`${url}/api/events?limit=1`);
      await r.arrayBuffer();
      if (r.status === 401) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  undoEarly();
  const pid = listenerPid(port) ?? child.pid!;
  let undo = () => {};
  const server: Server = {
    url,
    port,
    pid,
    child,
    async stop() {
      if (exited) {
        undo();
        return;
      }
      const done = new Promise<void>((r) => child.once("exit", () => r()));
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        /* already gone */
      }
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          /* gone */
        }
      }, 10_000);
      await done;
      clearTimeout(t);
      logFile.end();
      undo();
    },
  };
  undo = onCleanup(() => server.stop());
  return server;
}

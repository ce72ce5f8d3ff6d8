// Which code is measured. By default the working tree (what you are changing): the CLI runs from
// the repository, the server from a snapshot of its .next build. With --head, the committed HEAD:
// `git archive HEAD` into bench/.out/head-<commit>/ (plus the generated Prisma client, a link to
// node_modules), built there once per commit, so the figures belong to that commit whatever is
// uncommitted or half-built in the shared tree. In-process measurements (LookupEvents sync, the
// library figures of the query mix, the export's SQL) load the product modules from the same place.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { OUT_DIR } from "./corpus";
import { log } from "./stats";

export const REPO = path.resolve(import.meta.dirname, "..");

let root = REPO;
let head: { commit: string; dir: string } | null = null;

/** Root of the code under measurement (the repository, or the HEAD copy). */
export const srcRoot = (): string => root;
export const headMode = () => head;

/** A product module (path relative to the repository root) from the code under measurement. */
export async function load<T>(rel: string): Promise<T> {
  return (await import(pathToFileURL(path.join(root, rel)).href)) as T;
}

export async function useHead(): Promise<{ commit: string; dir: string }> {
  const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO, encoding: "utf8" }).trim();
  const dir = path.join(OUT_DIR, `head-${commit}`);
  if (!existsSync(path.join(dir, ".next/BUILD_ID"))) {
    log(`--head: exporting ${commit} to ${path.relative(REPO, dir)} and building it (once per commit)`);
    // Copies of earlier commits are not needed any more (~100 MB each).
    for (const old of await readdir(OUT_DIR).catch(() => [] as string[])) {
      if (old.startsWith("head-") && old !== `head-${commit}`) await rm(path.join(OUT_DIR, old), { recursive: true, force: true });
    }
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const tar = spawnSync("sh", ["-c", `git archive HEAD | tar -x -C "${dir}"`], { cwd: REPO, stdio: ["ignore", "ignore", 2] });
    if (tar.status !== 0) throw new Error("git archive failed");
    await cp(path.join(REPO, "lib/generated"), path.join(dir, "lib/generated"), { recursive: true });
    await symlink(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
    // The type check of `next build` is the test suite's job (and resolves types oddly through the
    // linked node_modules); the bench needs the compiled output only.
    const cfg = path.join(dir, "next.config.js");
    const text = await readFile(cfg, "utf8");
    await writeFile(cfg, text.replace(/const nextConfig = \{/, "const nextConfig = {\n  typescript: { ignoreBuildErrors: true },"));
    const b = spawnSync(process.execPath, [path.join(REPO, "node_modules/next/dist/bin/next"), "build"], {
      cwd: dir,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", 2, 2],
    });
    if (b.status !== 0 || !existsSync(path.join(dir, ".next/BUILD_ID"))) throw new Error(`next build of ${commit} failed`);
  }
  root = dir;
  head = { commit, dir };
  return head;
}

// Runs `prisma generate` offline. The Prisma CLI insists on a native schema engine before any
// command and tries to download it; generate never calls it, so we point it at a stub that fails
// loudly (see scripts/no-schema-engine.sh) — any migrate/db command then fails instead of pretending.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(root, "scripts/no-schema-engine.sh");
process.env.PRISMA_HIDE_UPDATE_MESSAGE = "1";
process.env.CHECKPOINT_DISABLE = "1";
execFileSync(process.execPath, [path.join(root, "node_modules/prisma/build/index.js"), "generate"], {
  cwd: root,
  stdio: "inherit",
});

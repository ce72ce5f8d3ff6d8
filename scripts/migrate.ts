// `npm run migrate`: apply prisma/migrations to DATABASE_URL (or the embedded database).
import { ensureDatabase } from "../lib/store/embedded";
import { migrate } from "../lib/store/migrate";

const handle = await ensureDatabase();
try {
  const r = await migrate(handle.url);
  console.error(r.applied.length ? `applied ${r.applied.join(", ")}` : `up to date (${r.alreadyApplied} migrations applied earlier)`);
} finally {
  await handle.stop();
}

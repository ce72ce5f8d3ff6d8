import { jsonError } from "../../../lib/api/respond";
import { guarded } from "../../../lib/auth/guard";
import { configuredSources, sourceIdOf, syncIntervalMs } from "../../../lib/sync/config";
import { syncStatus } from "../../../lib/sync/status";

export const dynamic = "force-dynamic";

export const GET = guarded("read", async (_req, { access, db }) => {
  // Sync runs count every account's events: for principals that see all accounts only.
  if (access.scope || access.share) return jsonError(403, "sync status covers every account; this principal is limited to some");
  const configured = await Promise.all(configuredSources().map(sourceIdOf));
  const sources = await syncStatus(db.prisma, configured);
  return Response.json({ intervalMs: syncIntervalMs(), sources }, { headers: { "cache-control": "no-store" } });
});

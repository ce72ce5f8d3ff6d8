import { jsonError } from "../../../lib/api/respond";
import { guarded } from "../../../lib/auth/guard";
import { syncIntervalMs } from "../../../lib/sync/config";
import { listSources } from "../../../lib/sync/sources-store";
import { syncStatus } from "../../../lib/sync/status";

export const dynamic = "force-dynamic";

export const GET = guarded("read", async (_req, { access, db }) => {
  // Sync runs count every account's events: for principals that see all accounts only.
  if (access.scope || access.share) return jsonError(403, "sync status covers every account; this principal is limited to some");
  // Configured: TRAILSCOPE_SOURCES and the sources added in the console.
  const configured = (await listSources(db)).map((s) => s.source);
  const sources = await syncStatus(db.prisma, configured);
  return Response.json({ intervalMs: syncIntervalMs(), sources }, { headers: { "cache-control": "no-store" } });
});

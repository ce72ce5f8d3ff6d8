import { handleError } from "../../../lib/api/respond";
import { getDb } from "../../../lib/store/db";
import { configuredSources, sourceIdOf, syncIntervalMs } from "../../../lib/sync/config";
import { syncStatus } from "../../../lib/sync/status";

export const dynamic = "force-dynamic";

export async function GET() {
  try {
    const configured = await Promise.all(configuredSources().map(sourceIdOf));
    const sources = await syncStatus(getDb().prisma, configured);
    return Response.json({ intervalMs: syncIntervalMs(), sources }, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return handleError(err);
  }
}

// GET /api/watches/<id>/deliveries?limit=<1..1000> → { alerts: [{ …, deliveries: [...] }] }: what
// the watch sent and what failed, newest first (its owner, or an admin).
import { guarded } from "../../../../../lib/auth/guard";
import { alertHistory, listWatches } from "../../../../../lib/alerts/watches";
import { jsonError } from "../../../../../lib/api/respond";
import { ParamError } from "../../../../../lib/query/params";

export const dynamic = "force-dynamic";

export const GET = guarded<{ id: string }>("share", async (req, { access, db, params }) => {
  const raw = req.nextUrl.searchParams.get("limit") ?? "100";
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) throw new ParamError("limit", "must be a whole number from 1 to 1000");
  if ((await listWatches(db, access, params.id)).length === 0) return jsonError(404, "no such watch of yours");
  return Response.json({ alerts: await alertHistory(db, access, { watchId: params.id, limit: Number(raw) }) }, { headers: { "cache-control": "no-store" } });
});

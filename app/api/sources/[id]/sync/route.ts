// POST /api/sources/<id>/sync: "Sync now" — the background sync of `npm start` runs the source as
// soon as it is free (it looks every couple of seconds): 202 with the source, 404 for no such
// source, 409 while it is paused. Admin only; audited.
import { jsonError } from "../../../../../lib/api/respond";
import { guarded } from "../../../../../lib/auth/guard";
import { requestSync, SourceInputError } from "../../../../../lib/sync/sources-store";
import { actorOf, withStatus } from "../../../../../lib/sync/sources-view";

export const dynamic = "force-dynamic";

export const POST = guarded<{ id: string }>("admin", async (_req, { access, db, params }) => {
  try {
    const source = await requestSync(db, params.id, actorOf(access));
    if (!source) return jsonError(404, "no such source (sources of TRAILSCOPE_SOURCES sync on their interval)");
    const [view] = await withStatus(db, [source]);
    return Response.json({ source: view }, { status: 202, headers: { "cache-control": "no-store" } });
  } catch (err) {
    if (err instanceof SourceInputError) return jsonError(err.status, err.message);
    throw err;
  }
});

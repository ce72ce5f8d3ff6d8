// PATCH /api/sources/<id> { paused: boolean } pauses or resumes a source added in the console;
// DELETE /api/sources/<id> removes it (its events and sync history stay). Sources of
// TRAILSCOPE_SOURCES have no id here: they change with the environment. Admin only; audited.
import { z } from "zod";
import { jsonError } from "../../../../lib/api/respond";
import { guarded } from "../../../../lib/auth/guard";
import { removeSource, setPaused } from "../../../../lib/sync/sources-store";
import { actorOf, withStatus } from "../../../../lib/sync/sources-view";

export const dynamic = "force-dynamic";

const Body = z.object({ paused: z.boolean() }).strict();
const NOT_FOUND = "no such source (sources of TRAILSCOPE_SOURCES are changed in the environment)";

export const PATCH = guarded<{ id: string }>("admin", async (req, { access, db, params }) => {
  const body = Body.safeParse(await req.json().catch(() => null));
  if (!body.success) return jsonError(400, 'send JSON { "paused": true|false }');
  const source = await setPaused(db, params.id, body.data.paused, actorOf(access));
  if (!source) return jsonError(404, NOT_FOUND);
  const [view] = await withStatus(db, [source]);
  return Response.json({ source: view }, { headers: { "cache-control": "no-store" } });
});

export const DELETE = guarded<{ id: string }>("admin", async (_req, { access, db, params }) => {
  if (!(await removeSource(db, params.id, actorOf(access)))) return jsonError(404, NOT_FOUND);
  return new Response(null, { status: 204 });
});

// GET /api/views → { views: [...] }: the saved views the caller may see (its own, shared ones; an
// admin every one). POST /api/views { name, query, shared?, detection?, severity?, technique?,
// description? } → 201 { view }: analysts and admins (the `share` capability). lib/views/store.ts.
import { jsonError } from "../../../lib/api/respond";
import { guarded } from "../../../lib/auth/guard";
import { createView, listViews, viewJson } from "../../../lib/views/store";

export const dynamic = "force-dynamic";

const NO_STORE = { "cache-control": "no-store" };

export const GET = guarded("read", async (_req, { access, db }) => {
  if (access.share) return jsonError(403, "saved views are for signed-in users, not share links");
  const views = await listViews(db, access);
  return Response.json({ views: views.map((v) => viewJson(v, access)) }, { headers: NO_STORE });
});

export const POST = guarded("share", async (req, { access, db }) => {
  const body = await req.json().catch(() => undefined);
  if (body === undefined) return jsonError(400, "body: send JSON { name, query, shared?, detection?, severity?, technique? }", { param: "body" });
  const view = await createView(db, access, body);
  return Response.json({ view: viewJson(view, access) }, { status: 201, headers: NO_STORE });
});

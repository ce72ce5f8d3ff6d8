// GET /api/views/<id> → { view } (anyone who may see it); PATCH { name?, query?, shared?,
// detection?, severity?, technique?, description? } → { view }; DELETE → 204 (the view's owner or
// an admin). lib/views/store.ts.
import { jsonError } from "../../../../lib/api/respond";
import { guarded } from "../../../../lib/auth/guard";
import { deleteView, getView, updateView, viewJson, ViewAccessError } from "../../../../lib/views/store";

export const dynamic = "force-dynamic";

const NO_STORE = { "cache-control": "no-store" };

/** 403/404 of a change refused; anything else goes on to the guard (400 for a ParamError). */
function refused(err: unknown): Response {
  if (err instanceof ViewAccessError) return jsonError(err.status, err.message);
  throw err;
}

export const GET = guarded<{ id: string }>("read", async (_req, { access, db, params }) => {
  if (access.share) return jsonError(403, "saved views are for signed-in users, not share links");
  const view = await getView(db, access, params.id);
  if (!view) return jsonError(404, "no such saved view");
  return Response.json({ view: viewJson(view, access) }, { headers: NO_STORE });
});

export const PATCH = guarded<{ id: string }>("share", async (req, { access, db, params }) => {
  const body = await req.json().catch(() => undefined);
  if (body === undefined) return jsonError(400, "body: send JSON with the fields to change", { param: "body" });
  try {
    return Response.json({ view: viewJson(await updateView(db, access, params.id, body), access) }, { headers: NO_STORE });
  } catch (err) {
    return refused(err);
  }
});

export const DELETE = guarded<{ id: string }>("share", async (_req, { access, db, params }) => {
  try {
    await deleteView(db, access, params.id);
    return new Response(null, { status: 204 });
  } catch (err) {
    return refused(err);
  }
});

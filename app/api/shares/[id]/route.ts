// DELETE /api/shares/<id>: revokes a share link (its creator, or an admin).
import { jsonError } from "../../../../lib/api/respond";
import { guarded } from "../../../../lib/auth/guard";
import { revokeShare } from "../../../../lib/auth/shares";

export const dynamic = "force-dynamic";

export const DELETE = guarded<{ id: string }>("share", async (_req, { access, db, params }) => {
  if (!(await revokeShare(db, access, params.id))) return jsonError(404, "no such share link of yours (or it is revoked already)");
  return new Response(null, { status: 204 });
});

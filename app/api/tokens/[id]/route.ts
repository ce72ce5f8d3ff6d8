// DELETE /api/tokens/<id>: revokes one of the caller's tokens (an admin: anyone's).
import { jsonError } from "../../../../lib/api/respond";
import { guarded } from "../../../../lib/auth/guard";
import { revokeToken } from "../../../../lib/auth/users";

export const dynamic = "force-dynamic";

export const DELETE = guarded<{ id: string }>("read", async (_req, { access, db, params }) => {
  if (access.share) return jsonError(403, "a share link has no tokens");
  const mine = access.role === "admin" ? null : access.userId;
  if (!(await revokeToken(db, params.id, mine, { actorKind: access.kind === "token" ? "token" : "user", actorId: access.userId, actorName: access.name, ip: access.ip }))) return jsonError(404, "no such token");
  return new Response(null, { status: 204 });
});

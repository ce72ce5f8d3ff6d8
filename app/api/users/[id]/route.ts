// PATCH /api/users/<id> { disabled: boolean }: disables a user (its sessions end, its tokens and
// share links stop working) or enables it again (admin only; audited). An admin cannot disable
// itself (the console would be left without a way in).
import { z } from "zod";
import { jsonError } from "../../../../lib/api/respond";
import { guarded } from "../../../../lib/auth/guard";
import { setDisabled } from "../../../../lib/auth/users";

export const dynamic = "force-dynamic";

const Body = z.object({ disabled: z.boolean() });

export const PATCH = guarded<{ id: string }>("admin", async (req, { access, db, params }) => {
  const body = Body.safeParse(await req.json().catch(() => null));
  if (!body.success) return jsonError(400, "send JSON { disabled: true|false }");
  if (params.id === access.userId) return jsonError(400, "you cannot disable yourself");
  if (!(await db.prisma.user.findUnique({ where: { id: params.id }, select: { id: true } }))) return jsonError(404, "no such user");
  const user = await setDisabled(db, params.id, body.data.disabled, { actorKind: "user", actorId: access.userId, actorName: access.name, ip: access.ip });
  return Response.json({ user });
});

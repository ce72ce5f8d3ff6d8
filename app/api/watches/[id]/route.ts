// PATCH /api/watches/<id> { enabled: boolean } → { watch }; DELETE /api/watches/<id> → 204.
// The watch's owner, or an admin; anyone else's watch answers 404.
import { z } from "zod";
import { guarded } from "../../../../lib/auth/guard";
import { deleteWatch, inputError, setWatchEnabled } from "../../../../lib/alerts/watches";
import { jsonError } from "../../../../lib/api/respond";

export const dynamic = "force-dynamic";

const Patch = z.object({ enabled: z.boolean() });

export const PATCH = guarded<{ id: string }>("share", async (req, { access, db, params }) => {
  const body = Patch.safeParse(await req.json().catch(() => null));
  if (!body.success) throw inputError(body.error);
  const watch = await setWatchEnabled(db, access, params.id, body.data.enabled);
  return watch ? Response.json({ watch }) : jsonError(404, "no such watch of yours");
});

export const DELETE = guarded<{ id: string }>("share", async (_req, { access, db, params }) => {
  if (!(await deleteWatch(db, access, params.id))) return jsonError(404, "no such watch of yours");
  return new Response(null, { status: 204 });
});

// POST /api/watches/<id>/test → { deliveries: [{ channel, destination, status, detail }] }: a test
// message on each of the watch's channels, sent now (once, no retries) and kept in its history.
import { guarded } from "../../../../../lib/auth/guard";
import { sendTestMessage } from "../../../../../lib/alerts/watches";
import { jsonError } from "../../../../../lib/api/respond";

export const dynamic = "force-dynamic";

export const POST = guarded<{ id: string }>("share", async (_req, { access, db, params }) => {
  const r = await sendTestMessage(db, access, params.id);
  return r ? Response.json({ deliveries: r.deliveries }) : jsonError(404, "no such watch of yours");
});

// GET /api/events/<eventID>/chain → the event's credentials chain (lib/actors/chain.ts), hop by hop
// to the identity behind it; 404 exactly like /api/events/<eventID> for an event the caller may not see.
import { jsonError } from "../../../../../lib/api/respond";
import { guarded } from "../../../../../lib/auth/guard";
import { credentialChain } from "../../../../../lib/actors/chain";
import { parseEventIdParam } from "../../../../../lib/query/event-id";
import { visibleEvent } from "../../../../../lib/query/visible";

export const dynamic = "force-dynamic";

export const GET = guarded<{ id: string }>("read", async (_req, { access, pool, params }) => {
  const id = parseEventIdParam(params.id);
  const event = await visibleEvent(pool, access, id);
  if (!event) return jsonError(404, `no event with eventID ${JSON.stringify(id)}`);
  return Response.json(await credentialChain(pool, access, event), { headers: { "cache-control": "no-store" } });
});

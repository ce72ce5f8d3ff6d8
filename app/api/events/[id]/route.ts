import { jsonError } from "../../../../lib/api/respond";
import { guarded } from "../../../../lib/auth/guard";
import { parseEventIdParam } from "../../../../lib/query/event-id";
import { visibleEventJson } from "../../../../lib/query/visible";

export const dynamic = "force-dynamic";

export const GET = guarded<{ id: string }>("read", async (_req, { access, pool, params }) => {
  const id = parseEventIdParam(params.id); // a route handler's segment arrives decoded once
  const json = await visibleEventJson(pool, access, id);
  // An event the principal may not see is answered exactly like one that does not exist.
  if (json === null) return jsonError(404, `no event with eventID ${JSON.stringify(id)}`);
  // The stored text as it is: the exact original record where jsonb could not hold it.
  return new Response(json, { headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } });
});

import { jsonError } from "../../../../lib/api/respond";
import { guarded } from "../../../../lib/auth/guard";
import { visibleEventJson } from "../../../../lib/query/visible";

export const dynamic = "force-dynamic";

export const GET = guarded<{ id: string }>("read", async (_req, { access, pool, params }) => {
  const json = await visibleEventJson(pool, access, params.id);
  // An event the principal may not see is answered exactly like one that does not exist.
  if (json === null) return jsonError(404, `no event with eventID ${JSON.stringify(params.id)}`);
  // The stored text as it is: the exact original record where jsonb could not hold it.
  return new Response(json, { headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } });
});

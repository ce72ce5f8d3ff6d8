import { handleError, jsonError } from "../../../../lib/api/respond";
import { getEventJson } from "../../../../lib/query/events";
import { getDb } from "../../../../lib/store/db";

export const dynamic = "force-dynamic";

export async function GET(_req: Request, { params }: { params: Promise<{ id: string }> }) {
  try {
    const { id } = await params;
    const json = await getEventJson(getDb().pool, id);
    if (json === null) return jsonError(404, `no event with eventID ${JSON.stringify(id)}`);
    // The stored text as it is: the exact original record where jsonb could not hold it.
    return new Response(json, { headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } });
  } catch (err) {
    return handleError(err);
  }
}

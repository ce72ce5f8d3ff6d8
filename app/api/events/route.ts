import { accessQuery } from "../../../lib/auth/access";
import { guarded } from "../../../lib/auth/guard";
import { listEvents } from "../../../lib/query/events";

export const dynamic = "force-dynamic";

export const GET = guarded("read", async (req, { access, pool }) => {
  const q = accessQuery(access, req.nextUrl.searchParams, { paging: true });
  return Response.json(await listEvents(pool, q), { headers: { "cache-control": "no-store" } });
});

import type { NextRequest } from "next/server";
import { handleError } from "../../../lib/api/respond";
import { listEvents } from "../../../lib/query/events";
import { parseEventQuery } from "../../../lib/query/params";
import { getDb } from "../../../lib/store/db";

export const dynamic = "force-dynamic";

export async function GET(req: NextRequest) {
  try {
    const q = parseEventQuery(req.nextUrl.searchParams, { paging: true });
    const page = await listEvents(getDb().pool, q);
    return Response.json(page, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return handleError(err);
  }
}

// GET /api/histogram?<filters>: events per time bucket under the filters, as the timeline draws
// them. Answers { "from", "to": ISO instants, "bucket": "5m", "bucketMs", "buckets": [{ "t": ISO,
// "total", "errors" }] }, or buckets [] when nothing matches. The bucket size follows the range.
// Free text in too many events to search them all quickly adds "searchedFrom" (ISO): buckets
// before it were not searched (lib/query/search.ts searchWindow).
import type { NextRequest } from "next/server";
import { handleError } from "../../../lib/api/respond";
import { histogram } from "../../../lib/query/histogram";
import { parseEventQuery } from "../../../lib/query/params";
import { getDb } from "../../../lib/store/db";
import { formatDuration } from "../../../lib/view/time";

export const dynamic = "force-dynamic";

export async function GET(req: NextRequest) {
  try {
    const now = new Date();
    const q = parseEventQuery(req.nextUrl.searchParams, { now });
    const h = await histogram(getDb().pool, q, now);
    const body = h
      ? {
          from: new Date(h.from).toISOString(),
          to: new Date(h.to).toISOString(),
          bucket: formatDuration(h.stepMs),
          bucketMs: h.stepMs,
          buckets: h.buckets.map((b) => ({ t: new Date(b.t).toISOString(), total: b.total, errors: b.errors })),
          ...(h.searchedFrom !== undefined ? { searchedFrom: new Date(h.searchedFrom).toISOString() } : {}),
        }
      : { from: q.from?.toISOString() ?? null, to: (q.to ?? now).toISOString(), bucket: null, bucketMs: null, buckets: [] };
    return Response.json(body, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return handleError(err);
  }
}

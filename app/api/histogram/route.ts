// GET /api/histogram?<filters>: events per time bucket under the filters, as the timeline draws
// them. Answers { "from", "to": ISO instants, "bucket": "5m", "bucketMs", "buckets": [{ "t": ISO,
// "total", "errors" }] }, or buckets [] when nothing matches. The bucket size follows the range.
// Free text in too many events to search them all quickly adds "searchedFrom" (ISO): buckets
// before it were not searched (lib/query/search.ts searchWindow).
import { accessQuery } from "../../../lib/auth/access";
import { guarded } from "../../../lib/auth/guard";
import { histogram } from "../../../lib/query/histogram";
import { formatDuration } from "../../../lib/view/time";

export const dynamic = "force-dynamic";

export const GET = guarded("read", async (req, { access, pool }) => {
  const now = new Date();
  const q = accessQuery(access, req.nextUrl.searchParams, { now });
  const h = await histogram(pool, q, now);
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
});

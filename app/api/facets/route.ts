// GET /api/facets?<filters>[&field=<key>…][&limit=1..100][&contains=<text>]
// Top values with counts per field, under the filters (each field's own filter left out, as in the
// timeline's sidebar). Without `field`, the default facet fields: the actor, session issuer and
// access key (the catalog's on-demand facets, lib/fields.ts) are counted only when named. Answers
// { "facets": [{ "field": "eventName", "values": [{ "value": "ListUsers", "count": 32 }, …] }, …] };
// a null value counts events without one. "sampled": true when counted over the newest matches
// only; "searchedFrom" (ISO) when free text was searched only in events since then. Counts are of
// the events the principal may see: its accounts, a share link's view.
import { accessQuery } from "../../../lib/auth/access";
import { guarded } from "../../../lib/auth/guard";
import { facetCounts, parseFacetParams } from "../../../lib/query/facets";

export const dynamic = "force-dynamic";

export const GET = guarded("read", async (req, { access, pool }) => {
  const p = parseFacetParams(req.nextUrl.searchParams);
  const q = accessQuery(access, p.filters);
  const facets = await facetCounts(pool, q, p.fields, { limit: p.limit, contains: p.contains });
  return Response.json({ facets }, { headers: { "cache-control": "no-store" } });
});

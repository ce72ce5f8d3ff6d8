// GET /api/facets?<filters>[&field=<key>…][&limit=1..100][&contains=<text>]
// Top values with counts per field, under the filters (each field's own filter left out, as in the
// timeline's sidebar). Without `field`, the catalog's facet fields. Answers
// { "facets": [{ "field": "eventName", "values": [{ "value": "ListUsers", "count": 32 }, …] }, …] };
// a null value counts events without one. "sampled": true when counted over the newest matches
// only; "searchedFrom" (ISO) when free text was searched only in events since then.
import { jsonError } from "../../../lib/api/respond";
import { accessQuery } from "../../../lib/auth/access";
import { guarded } from "../../../lib/auth/guard";
import { FACET_FIELDS, type FieldDef } from "../../../lib/fields";
import { facetable, facetCounts, MAX_FACET_LIMIT } from "../../../lib/query/facets";

export const dynamic = "force-dynamic";

/** This route's own parameters; the rest are the timeline's filters, parsed by parseEventQuery. */
const OWN = ["field", "contains", "limit"];

export const GET = guarded("read", async (req, { access, pool }) => {
  {
    const sp = req.nextUrl.searchParams;
    const fields: FieldDef[] = [];
    for (const key of sp.getAll("field")) {
      const f = facetable(key);
      if (!f) return jsonError(400, `field: "${key}" is not a filterable field`, { param: "field" });
      fields.push(f);
    }
    const limitRaw = sp.get("limit");
    if (limitRaw !== null && (!/^\d+$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > MAX_FACET_LIMIT)) {
      return jsonError(400, `limit: must be a whole number from 1 to ${MAX_FACET_LIMIT}`, { param: "limit" });
    }
    if (sp.getAll("contains").length > 1) return jsonError(400, "contains: may be given only once", { param: "contains" });
    const filters = new URLSearchParams(sp);
    for (const k of OWN) filters.delete(k);
    const q = accessQuery(access, filters);
    const facets = await facetCounts(pool, q, fields.length ? fields : FACET_FIELDS, {
      limit: limitRaw ? Number(limitRaw) : undefined,
      contains: sp.get("contains") || undefined,
    });
    return Response.json({ facets }, { headers: { "cache-control": "no-store" } });
  }
});

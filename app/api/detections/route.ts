// GET /api/detections?<filters> → { detections: [{ id, title, severity, technique, query, count, … }] }
// (CONTRACT.md): every detection the caller may see — the built-in library and saved views made
// detections — each counted under the request's filters and range, within the caller's access (a
// scoped user counts only its accounts, a share link only its view). Extra keys: why, origin,
// control, threshold, and error (a user-made detection whose query no longer parses: count null).
import { guarded } from "../../../lib/auth/guard";
import { BUILTIN_DETECTIONS, countDetections, listDetections } from "../../../lib/detections";

export const dynamic = "force-dynamic";

export const GET = guarded("read", async (req, { access, db, pool }) => {
  const params = req.nextUrl.searchParams;
  // A share link's holder is nobody's colleague: the built-ins only, counted within its view.
  const detections = access.share ? [...BUILTIN_DETECTIONS] : await listDetections(db, access);
  const counted = await countDetections(pool, access, detections, params);
  return Response.json(
    {
      detections: counted.map(({ detection: d, count, error }) => ({
        id: d.id,
        title: d.title,
        severity: d.severity,
        technique: d.technique,
        query: d.query,
        count,
        why: d.why,
        origin: d.origin,
        ...(d.control ? { control: d.control } : {}),
        ...(d.threshold ? { threshold: d.threshold } : {}),
        ...(error ? { error } : {}),
      })),
    },
    { headers: { "cache-control": "no-store" } },
  );
});

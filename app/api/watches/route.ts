// GET /api/watches → { watches: [...] }: the caller's alert watches (an admin: everyone's).
// POST /api/watches { target: { kind: "view"|"detection", id }, webhook?: { url, format: "slack"|"json" },
// email?: [addresses] } → 201 { watch }: watch a saved view or a detection (analyst, admin).
import { guarded } from "../../../lib/auth/guard";
import { createWatch, inputError, listWatches, WatchInput } from "../../../lib/alerts/watches";
import { jsonError } from "../../../lib/api/respond";

export const dynamic = "force-dynamic";

export const GET = guarded("share", async (_req, { access, db }) => {
  return Response.json({ watches: await listWatches(db, access) }, { headers: { "cache-control": "no-store" } });
});

export const POST = guarded("share", async (req, { access, db }) => {
  const raw = await req.json().catch(() => undefined);
  if (raw === undefined) return jsonError(400, 'send JSON { "target": { "kind": "view"|"detection", "id": … }, "webhook"?: { "url", "format": "slack"|"json" }, "email"?: [ … ] }');
  const body = WatchInput.safeParse(raw);
  if (!body.success) throw inputError(body.error);
  return Response.json({ watch: await createWatch(db, access, body.data) }, { status: 201 });
});

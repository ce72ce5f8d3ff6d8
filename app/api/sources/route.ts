// GET /api/sources → { sources }: every configured source — TRAILSCOPE_SOURCES ("environment") and
// those added in the console ("console") — with its state and last run. POST /api/sources
// { uri, paused? } adds one (201): 400 when the URI is invalid or holds credentials, 409 when the
// source is configured already. Admin only; changes are audited.
import { z } from "zod";
import { jsonError } from "../../../lib/api/respond";
import { guarded } from "../../../lib/auth/guard";
import { addSource, SourceInputError } from "../../../lib/sync/sources-store";
import { actorOf, sourcesWithStatus, withStatus } from "../../../lib/sync/sources-view";

export const dynamic = "force-dynamic";

const Body = z.object({ uri: z.string().max(4096), paused: z.boolean().optional() }).strict();

export const GET = guarded("admin", async (_req, { db }) => Response.json({ sources: await sourcesWithStatus(db) }, { headers: { "cache-control": "no-store" } }));

export const POST = guarded("admin", async (req, { access, db }) => {
  const body = Body.safeParse(await req.json().catch(() => null));
  if (!body.success) return jsonError(400, `send JSON { "uri": "<source URI>", "paused": false } (${body.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")})`);
  try {
    const source = await addSource(db, body.data.uri, actorOf(access), { paused: body.data.paused });
    const [view] = await withStatus(db, [source]);
    return Response.json({ source: view }, { status: 201, headers: { "cache-control": "no-store" } });
  } catch (err) {
    if (err instanceof SourceInputError) return jsonError(err.status, err.message);
    throw err;
  }
});

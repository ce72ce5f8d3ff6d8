// GET /api/integrity → the Integrity page's data (lib/integrity/overview.ts) for the principal's
// accounts. POST /api/integrity { source } → 202: asks the background sync to read the source again
// and validate it (admin: it re-reads a whole bucket; lib/integrity/requests.ts). Share links see
// neither (their view is one set of events, not the store's health).
import { z } from "zod";
import { jsonError } from "../../../lib/api/respond";
import { audit } from "../../../lib/auth/audit";
import { guarded } from "../../../lib/auth/guard";
import { integrityOverview } from "../../../lib/integrity/overview";
import { RequestError, requestReverify } from "../../../lib/integrity/requests";

export const dynamic = "force-dynamic";

const Body = z.object({ source: z.string().min(1).max(4096) }).strict();

export const GET = guarded("read", async (_req, { access, db }) => {
  if (access.share) return jsonError(403, "a share link opens its view's events, not the store's integrity overview");
  return Response.json(await integrityOverview(db, access.scope ?? undefined), { headers: { "cache-control": "no-store" } });
});

export const POST = guarded("admin", async (req, { access, db }) => {
  const body = Body.safeParse(await req.json().catch(() => null));
  if (!body.success) return jsonError(400, `send JSON { "source": "<source id>" } (${body.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")})`);
  let request;
  try {
    request = await requestReverify(db, body.data.source, access.name);
  } catch (err) {
    if (err instanceof RequestError) return jsonError(err.status, err.message);
    throw err;
  }
  await audit(db, { actorKind: access.kind === "token" ? "token" : "user", actorId: access.userId, actorName: access.name, ip: access.ip, action: "integrity-verify", target: body.data.source, detail: null });
  return Response.json({ requested: request }, { status: 202, headers: { "cache-control": "no-store" } });
});

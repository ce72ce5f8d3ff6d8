// GET /api/integrity → the Integrity page's data (lib/integrity/overview.ts) for the principal's
// accounts. POST /api/integrity { source } → 202: reads the source again and validates it in the
// background (admin: it re-reads a whole bucket). Share links see neither (their view is one set of
// events, not the store's health).
import { z } from "zod";
import { jsonError } from "../../../lib/api/respond";
import { audit } from "../../../lib/auth/audit";
import { guarded } from "../../../lib/auth/guard";
import { integrityOverview } from "../../../lib/integrity/overview";
import { ReverifyError, startReverify } from "../../../lib/integrity/reverify";

export const dynamic = "force-dynamic";

const Body = z.object({ source: z.string().min(1).max(4096) }).strict();

export const GET = guarded("read", async (_req, { access, db }) => {
  if (access.share) return jsonError(403, "a share link opens its view's events, not the store's integrity overview");
  return Response.json(await integrityOverview(db, access.scope ?? undefined), { headers: { "cache-control": "no-store" } });
});

export const POST = guarded("admin", async (req, { access, db }) => {
  const body = Body.safeParse(await req.json().catch(() => null));
  if (!body.success) return jsonError(400, `send JSON { "source": "<source id>" } (${body.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")})`);
  try {
    await startReverify(db, body.data.source);
  } catch (err) {
    if (err instanceof ReverifyError) return jsonError(err.status, err.message);
    throw err;
  }
  await audit(db, { actorKind: access.kind === "token" ? "token" : "user", actorId: access.userId, actorName: access.name, ip: access.ip, action: "integrity-verify", target: body.data.source, detail: null });
  return Response.json({ started: body.data.source }, { status: 202, headers: { "cache-control": "no-store" } });
});

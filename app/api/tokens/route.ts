// The caller's own API tokens: GET → { tokens }; POST { name? } → 201 { token, key } (the key's
// only appearance). A token has its owner's role and account scope at every use.
import { z } from "zod";
import { jsonError } from "../../../lib/api/respond";
import { guarded } from "../../../lib/auth/guard";
import { createToken, listTokens } from "../../../lib/auth/users";

export const dynamic = "force-dynamic";

const Body = z.object({ name: z.string().max(100).optional() });

export const GET = guarded("read", async (_req, { access, db }) => {
  if (access.share) return jsonError(403, "a share link has no tokens");
  return Response.json({ tokens: await listTokens(db, access.userId) }, { headers: { "cache-control": "no-store" } });
});

export const POST = guarded("read", async (req, { access, db }) => {
  if (access.share) return jsonError(403, "a share link cannot make tokens");
  if (access.kind === "token") return jsonError(403, "sign in to make API tokens (a token cannot make more)");
  const body = Body.safeParse(await req.json().catch(() => ({})));
  if (!body.success) return jsonError(400, "send JSON { name?: string }");
  const r = await createToken(db, access.userId, body.data.name ?? null, { actorKind: "user", actorId: access.userId, actorName: access.name, ip: access.ip });
  return Response.json({ token: r.token, key: r.key }, { status: 201 });
});

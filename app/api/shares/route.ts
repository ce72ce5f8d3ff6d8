// POST /api/shares { query, expiresInDays? } → 201 { id, url, expiresAt }: a share link of a view
// (analyst, admin). GET /api/shares → { shares: [...] }: the caller's links (an admin: everyone's).
import { z } from "zod";
import { jsonError } from "../../../lib/api/respond";
import { guarded } from "../../../lib/auth/guard";
import { createShare, DEFAULT_SHARE_DAYS, listShares } from "../../../lib/auth/shares";

export const dynamic = "force-dynamic";

const Body = z.object({ query: z.string().max(16_000), expiresInDays: z.number().optional() });

export const POST = guarded("share", async (req, { access, db }) => {
  const body = Body.safeParse(await req.json().catch(() => null));
  if (!body.success) return jsonError(400, "send JSON { query: <a view's query string>, expiresInDays?: number }");
  const s = await createShare(db, access, body.data.query, body.data.expiresInDays ?? DEFAULT_SHARE_DAYS);
  return Response.json({ id: s.id, url: s.url, expiresAt: s.expiresAt.toISOString(), query: s.query }, { status: 201 });
});

export const GET = guarded("share", async (_req, { access, db }) => {
  return Response.json({ shares: await listShares(db, access) }, { headers: { "cache-control": "no-store" } });
});

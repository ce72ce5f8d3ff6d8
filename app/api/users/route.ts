// GET /api/users → { users }; POST /api/users { email, role, accounts?, name?, password? } creates
// the user or updates its role and scope (admin only; audited).
import { z } from "zod";
import { jsonError } from "../../../lib/api/respond";
import { guarded } from "../../../lib/auth/guard";
import { ROLES } from "../../../lib/auth/roles";
import { listUsers, upsertUser } from "../../../lib/auth/users";

export const dynamic = "force-dynamic";

const UserBody = z.object({
  email: z.string().min(3).max(320),
  role: z.enum(ROLES),
  accounts: z.array(z.string().regex(/^\d{12}$/, "a 12-digit AWS account ID")).max(1000).nullable().optional(),
  name: z.string().max(200).optional(),
  password: z.string().min(10).max(256).optional(),
});

export const GET = guarded("admin", async (_req, { db }) => Response.json({ users: await listUsers(db) }, { headers: { "cache-control": "no-store" } }));

export const POST = guarded("admin", async (req, { access, db }) => {
  const body = UserBody.safeParse(await req.json().catch(() => null));
  if (!body.success) return jsonError(400, body.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
  try {
    const { user, created } = await upsertUser(db, { ...body.data, accounts: body.data.accounts ?? null }, { actorKind: "user", actorId: access.userId, actorName: access.name, ip: access.ip });
    return Response.json({ user }, { status: created ? 201 : 200 });
  } catch (err) {
    if (err instanceof Error && /email|role|account scope|password/.test(err.message)) return jsonError(400, err.message);
    throw err;
  }
});

// POST /api/setup { token, email, name?, password }: the first admin, with the one-time setup link
// `npm start` printed. Open to anonymous callers (there is nobody to sign in as yet); refused once
// any user exists.
import { z } from "zod";
import { jsonError } from "../../../lib/api/respond";
import { completeSetup, SetupError } from "../../../lib/auth/setup";
import { getDb } from "../../../lib/store/db";

export const dynamic = "force-dynamic";

const Body = z.object({ token: z.string().min(1).max(200), email: z.string().min(3).max(320), name: z.string().max(200).optional(), password: z.string().min(1).max(256) });

export async function POST(req: Request) {
  const body = Body.safeParse(await req.json().catch(() => null));
  if (!body.success) return jsonError(400, "send JSON { token, email, password } (name optional)");
  try {
    const { user } = await completeSetup(getDb(), body.data.token, body.data, req.headers.get("x-forwarded-for"));
    return Response.json({ email: user.email, role: user.role }, { status: 201 });
  } catch (err) {
    if (err instanceof SetupError) return jsonError(400, err.message);
    console.error("trailscope: setup failed:", err);
    return jsonError(500, "internal error; see the server log");
  }
}

// Better Auth's endpoints (sign-in, OpenID callback, sign-out, session): the way to a credential,
// so not behind the guard. proxy.ts lets only the endpoints a browser needs through.
import { authFor } from "../../../../lib/auth/auth";
import { getDb } from "../../../../lib/store/db";

export const dynamic = "force-dynamic";

const handle = (req: Request) => authFor(getDb()).handler(req);
export const GET = handle;
export const POST = handle;

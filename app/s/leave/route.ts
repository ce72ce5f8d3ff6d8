// /s/leave: forget the share link this browser holds (its cookie), back to sign-in.
import { cookies } from "next/headers";
import { SHARE_COOKIE } from "../../../lib/auth/cookies";

export const dynamic = "force-dynamic";

export async function GET() {
  (await cookies()).delete(SHARE_COOKIE);
  return new Response(null, { status: 303, headers: { location: "/sign-in", "cache-control": "no-store" } });
}

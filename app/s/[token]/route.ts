// /s/<token>: a share link. Sets the link's token as an HttpOnly cookie (so every page, API call,
// detail and export of the shared view carries it) and opens the frozen view. An expired, revoked
// or unknown link answers 404 with a page saying so.
import { cookies } from "next/headers";
import { resolveAccess, AccessError } from "../../../lib/auth/access";
import { SHARE_COOKIE } from "../../../lib/auth/cookies";
import { recordShareOpen } from "../../../lib/auth/shares";
import { accessSettings } from "../../../lib/auth/settings";
import { getDb } from "../../../lib/store/db";

export const dynamic = "force-dynamic";

function refusal(message: string, status: number): Response {
  const html = `<!doctype html><meta charset="utf-8"><title>Share link · Trailscope</title><body style="font-family:system-ui;margin:3rem"><h1 style="font-size:1.1rem">This share link cannot be opened</h1><p>${message.replace(/[<&>]/g, "")}.</p><p>Ask whoever sent it for a new one.</p>`;
  return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } });
}

export async function GET(req: Request, { params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  if (!/^[\w-]{20,100}$/.test(token)) return refusal("unknown share link", 404);
  const db = getDb();
  const headers = new Headers(req.headers);
  headers.delete("authorization");
  headers.set("cookie", `${SHARE_COOKIE}=${token}`);
  try {
    const access = await resolveAccess(db, headers);
    await recordShareOpen(db, access);
    const jar = await cookies();
    jar.set(SHARE_COOKIE, token, {
      httpOnly: true,
      sameSite: "lax",
      secure: accessSettings().baseUrl.startsWith("https:"),
      path: "/",
      expires: access.share!.expiresAt,
    });
    return new Response(null, { status: 303, headers: { location: `/events?${access.share!.params}`, "cache-control": "no-store" } });
  } catch (err) {
    if (err instanceof AccessError) return refusal(err.message, 404);
    throw err;
  }
}

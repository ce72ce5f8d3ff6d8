// The front door every request passes (Next runs this before any page or route): the Host check,
// security headers with a per-response CSP nonce, and default deny — a request without any
// credential (session cookie, API token, share link) reaches only the sign-in, setup and share
// entry pages and Better Auth's sign-in endpoints. Credentials themselves are verified by the guard
// (lib/auth/guard.ts) in the route or page, against the database.
import { NextResponse, type NextRequest } from "next/server";
import { SESSION_COOKIE, SHARE_COOKIE } from "./lib/auth/cookies";
import { accessSettings } from "./lib/auth/settings";
import { isDecodablePath } from "./lib/query/event-id";
import { contentSecurityPolicy, hostAllowed, SECURITY_HEADERS } from "./lib/server/headers";

const settings = accessSettings();

/** Pages and routes open to anyone: they are how one gets a credential. */
const PUBLIC_PAGES = new Set(["/sign-in", "/setup"]);
const PUBLIC_API = new Set(["/api/setup"]);
/** Better Auth's endpoints a browser may call; the rest (admin, API keys) are server-side only. */
const AUTH_ENDPOINTS = /^\/api\/auth\/(?:sign-in\/email|sign-in\/social|(?:oauth2\/)?callback\/[\w-]+|sign-out|get-session|revoke-sessions|revoke-other-sessions|change-password|ok|error)$/;

function hasCredential(req: NextRequest): boolean {
  if (req.headers.get("authorization")) return true;
  for (const c of req.cookies.getAll()) {
    if (c.name === SHARE_COOKIE || SESSION_COOKIE.test(c.name)) return true;
  }
  return false;
}

function withHeaders(res: NextResponse, csp?: string): NextResponse {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.headers.set(k, v);
  if (csp) res.headers.set("content-security-policy", csp);
  return res;
}

export function proxy(req: NextRequest) {
  const path = req.nextUrl.pathname;
  const api = path.startsWith("/api/");
  // Next itself answers a path that is not valid percent-encoding with a 500, before any page runs.
  if (!isDecodablePath(path)) return withHeaders(NextResponse.json({ error: "path: not valid percent-encoding" }, { status: 400 }));
  if (!hostAllowed(settings, req.headers)) {
    return withHeaders(NextResponse.json({ error: "unknown Host: set TRAILSCOPE_URL (or TRAILSCOPE_ALLOWED_HOSTS) to serve this name" }, { status: 421 }));
  }
  if (path.startsWith("/api/auth/") && !AUTH_ENDPOINTS.test(path)) {
    return withHeaders(NextResponse.json({ error: "not found" }, { status: 404 }));
  }
  const open = PUBLIC_PAGES.has(path) || PUBLIC_API.has(path) || path.startsWith("/api/auth/") || path.startsWith("/s/");
  if (!open && !hasCredential(req)) {
    if (api) return withHeaders(NextResponse.json({ error: "sign in first (or send Authorization: Bearer <API token>)" }, { status: 401 }));
    const signIn = new URL("/sign-in", req.url);
    if (path !== "/") signIn.searchParams.set("next", path + req.nextUrl.search);
    return withHeaders(NextResponse.redirect(signIn, 303));
  }
  if (api) return withHeaders(NextResponse.next());
  // Pages: a fresh nonce; Next reads the CSP request header and puts the nonce on its scripts.
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const csp = contentSecurityPolicy(nonce, settings.oidc ? [settings.oidc.issuer] : []);
  const headers = new Headers(req.headers);
  headers.set("x-nonce", nonce);
  headers.set("content-security-policy", csp);
  return withHeaders(NextResponse.next({ request: { headers } }), csp);
}

export const config = {
  // Everything but Next's static build files (hashed, public by nature).
  matcher: ["/((?!_next/static|_next/image).*)"],
};

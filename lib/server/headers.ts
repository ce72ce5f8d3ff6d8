// Response headers every page and API answer carries (proxy.ts sets them), and the Host check that
// stops DNS rebinding: a page on another site cannot read the console through a browser on the same
// machine by pointing its own name at 127.0.0.1, because that name is not an allowed Host.
import type { AccessSettings } from "../auth/settings";

/** The host name of a Host header value ("example.com:3000" → "example.com", "[::1]:3000" → "::1"). */
export function hostName(hostHeader: string | null): string | null {
  if (!hostHeader) return null;
  const h = hostHeader.trim().toLowerCase();
  const m = /^\[([0-9a-f:.]+)\](?::\d+)?$/.exec(h) ?? /^([^:[\]]+)(?::\d+)?$/.exec(h);
  return m ? m[1] : null;
}

export function hostAllowed(settings: AccessSettings, headers: Headers): boolean {
  const forwarded = settings.trustProxy ? headers.get("x-forwarded-host")?.split(",")[0] : null;
  const name = hostName(forwarded ?? headers.get("host"));
  return name !== null && settings.allowedHosts.has(name);
}

/** CSP for pages: scripts only from here or with this response's nonce (Next adds it to its own). */
export function contentSecurityPolicy(nonce: string, formTargets: string[] = []): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    // React writes style attributes; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    `form-action 'self'${formTargets.map((t) => " " + t).join("")}`,
    "frame-ancestors 'none'",
  ].join("; ");
}

export const SECURITY_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  // Share links carry their token in the URL: it must never leave in a Referer.
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
};

// The address a request comes from, as Better Auth's rate limiter and the audit trail read it
// (X-Forwarded-For). Node's server hands on whatever X-Forwarded-For a client sends, so a client
// could pick the address it is rate-limited by; the console's HTTP server (scripts/serve.ts)
// replaces it before Next sees the request: the socket's peer, or — only behind a proxy we were
// told to trust (TRAILSCOPE_TRUST_PROXY) — the client that proxy reports (the last entry, the one
// the proxy itself appended).
import type { IncomingMessage } from "node:http";

export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const peer = (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
  if (!trustProxy) return peer;
  const forwarded = req.headers["x-forwarded-for"];
  const list = (Array.isArray(forwarded) ? forwarded.join(",") : (forwarded ?? "")).split(",").map((s) => s.trim()).filter(Boolean);
  return list.at(-1) ?? peer;
}

/** Rewrites the request's forwarded headers in place: what Next and the app read is what we know. */
export function pinForwardedHeaders(req: IncomingMessage, trustProxy: boolean): void {
  req.headers["x-forwarded-for"] = clientAddress(req, trustProxy);
  if (!trustProxy) {
    delete req.headers["x-forwarded-host"];
    delete req.headers["x-forwarded-proto"];
    delete req.headers["forwarded"];
  }
}

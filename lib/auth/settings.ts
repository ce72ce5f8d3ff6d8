// What the operator configures about access, read once from the environment: the public base URL
// (links and the Host allow-list follow it), the signing secret, proxies, and OpenID sign-in.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Shown on the sign-in button ("Sign in with …"). */
  name: string;
}

export interface AccessSettings {
  /** The console's public base URL, no trailing slash. */
  baseUrl: string;
  /** Whether TRAILSCOPE_URL was set (copied and share links then use it, and only its host is served). */
  baseUrlConfigured: boolean;
  /** Host names (no port) requests may name; anything else is refused (DNS rebinding). */
  allowedHosts: Set<string>;
  /** X-Forwarded-For/-Proto/-Host come from a proxy we trust (TRAILSCOPE_TRUST_PROXY). */
  trustProxy: boolean;
  oidc: OidcSettings | null;
}

export const LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"];

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function envFlag(name: string): boolean {
  const v = (process.env[name] ?? "").trim().toLowerCase();
  if (v === "" || v === "0" || v === "false" || v === "no") return false;
  if (v === "1" || v === "true" || v === "yes") return true;
  throw new Error(`${name}: must be true or false, not "${process.env[name]}"`);
}

function oidcFromEnv(): OidcSettings | null {
  const issuer = process.env.TRAILSCOPE_OIDC_ISSUER?.trim();
  const clientId = process.env.TRAILSCOPE_OIDC_CLIENT_ID?.trim();
  const clientSecret = process.env.TRAILSCOPE_OIDC_CLIENT_SECRET?.trim();
  if (!issuer && !clientId && !clientSecret) return null;
  if (!issuer || !clientId || !clientSecret) {
    throw new Error("TRAILSCOPE_OIDC_ISSUER, TRAILSCOPE_OIDC_CLIENT_ID and TRAILSCOPE_OIDC_CLIENT_SECRET go together");
  }
  try {
    new URL(issuer);
  } catch {
    throw new Error(`TRAILSCOPE_OIDC_ISSUER: "${issuer}" is not a URL`);
  }
  return { issuer: issuer.replace(/\/+$/, ""), clientId, clientSecret, name: process.env.TRAILSCOPE_OIDC_NAME?.trim() || "single sign-on" };
}

export function accessSettings(env = process.env): AccessSettings {
  const configured = env.TRAILSCOPE_URL?.trim();
  let baseUrl: string;
  if (configured) {
    let u: URL;
    try {
      u = new URL(configured);
    } catch {
      throw new Error(`TRAILSCOPE_URL: "${configured}" is not a URL`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("TRAILSCOPE_URL: must be http:// or https://");
    baseUrl = u.origin;
  } else {
    const host = env.HOST ?? "127.0.0.1";
    baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${env.PORT ?? "3000"}`;
  }
  const allowedHosts = new Set<string>(LOOPBACK_HOSTS);
  if (configured) allowedHosts.add(new URL(baseUrl).hostname);
  for (const h of (env.TRAILSCOPE_ALLOWED_HOSTS ?? "").split(/[\s,]+/).filter(Boolean)) allowedHosts.add(h.toLowerCase());
  return { baseUrl, baseUrlConfigured: !!configured, allowedHosts, trustProxy: envFlag("TRAILSCOPE_TRUST_PROXY"), oidc: oidcFromEnv() };
}

/**
 * The key that signs session cookies: TRAILSCOPE_SECRET, else one generated on first use and kept
 * (mode 0600) in the data folder. A server listening beyond loopback must be given one explicitly
 * (scripts/start.ts refuses otherwise), so that a copied data folder is not the only key.
 */
export function authSecret(env = process.env): string {
  const given = env.TRAILSCOPE_SECRET ?? env.BETTER_AUTH_SECRET;
  if (given) {
    if (given.length < 32) throw new Error("TRAILSCOPE_SECRET: use at least 32 characters (e.g. `openssl rand -hex 32`)");
    return given;
  }
  const file = path.resolve(env.TRAILSCOPE_DATA_DIR ?? ".data", "auth.secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString("hex");
  try {
    writeFileSync(file, secret + "\n", { mode: 0o600, flag: "wx" });
  } catch (err) {
    // Another process (the sync beside the server) wrote it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return readFileSync(file, "utf8").trim();
    throw err;
  }
  chmodSync(file, 0o600);
  return secret;
}

// Where a webhook may point. An analyst chooses the address and the server makes the request, so
// without a check a watch could reach what only the server can: the cloud's instance metadata
// (169.254.169.254: credentials), PostgreSQL on 127.0.0.1:5432, the console itself, or anything on
// the private network. Always refused: link-local (metadata lives there), the known metadata
// addresses outside it, unspecified, multicast, broadcast and reserved ranges. Loopback, private
// (RFC 1918, fc00::/7) and shared (100.64/10) addresses only with TRAILSCOPE_WEBHOOK_ALLOW_PRIVATE
// (a self-hosted chat server). The check runs on every address the name resolves to at send time
// (lib/alerts/webhook.ts connects to the checked address itself, so DNS rebinding cannot swap it),
// and redirects are not followed.
import ipaddr from "ipaddr.js";

/** Metadata services outside link-local: AWS IPv6 (fd00:ec2::254), Alibaba (100.100.100.200). */
const METADATA = new Set(["fd00:ec2::254", "100.100.100.200"]);
const ALWAYS_REFUSED = new Set(["unspecified", "broadcast", "multicast", "linkLocal", "reserved", "benchmarking", "amt", "as112", "as112v6", "orchid2", "droneRemoteIdProtocolEntityTags", "discard"]);
const PRIVATE = new Set(["loopback", "private", "uniqueLocal", "carrierGradeNat"]);

/** Why this address may not be a webhook's, or null when it may. */
export function refusedAddress(address: string, allowPrivate: boolean): string | null {
  let a: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    a = ipaddr.parse(address);
  } catch {
    return `${address} is not an IP address`;
  }
  // ::ffff:169.254.169.254 is the IPv4 address in disguise.
  if (a.kind() === "ipv6" && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  const canonical = a.toString();
  if (METADATA.has(canonical)) return `${canonical} is a cloud metadata address`;
  const range = a.range();
  if (range === "linkLocal") return `${canonical} is link-local (where cloud metadata services answer)`;
  if (ALWAYS_REFUSED.has(range)) return `${canonical} is a ${range} address`;
  if (PRIVATE.has(range) && !allowPrivate) return `${canonical} is a ${range} address (set TRAILSCOPE_WEBHOOK_ALLOW_PRIVATE=true to allow loopback and private addresses)`;
  // Addresses that embed an IPv4 address (NAT64, 6to4, Teredo) could hide any of the above.
  if (a.kind() === "ipv6" && ["rfc6145", "rfc6052", "6to4", "teredo"].includes(range)) return `${canonical} embeds an IPv4 address (${range})`;
  return null;
}

export const MAX_WEBHOOK_URL = 2048;

/**
 * A webhook address as given: http(s), no credentials, a host. Returns the parsed URL or throws a
 * message for the user (the address itself is not echoed: it may be a secret).
 */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): URL {
  if (raw.length > MAX_WEBHOOK_URL) throw new Error(`webhook.url: at most ${MAX_WEBHOOK_URL} characters`);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error("webhook.url: not a URL");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`webhook.url: must be http:// or https://, not ${u.protocol}`);
  if (u.username || u.password) throw new Error("webhook.url: must not hold a user name or password");
  // "localhost." is localhost too.
  const host = u.hostname.replace(/^\[|\]$/g, "").replace(/\.+$/, "");
  if (!host) throw new Error("webhook.url: has no host");
  if (ipaddr.isValid(host)) {
    const why = refusedAddress(host, allowPrivate);
    if (why) throw new Error(`webhook.url: refused: ${why}`);
  } else if (/^(localhost|metadata|metadata\.google\.internal)$/i.test(host) || /\.localhost$/i.test(host)) {
    if (!allowPrivate || /metadata/i.test(host)) throw new Error(`webhook.url: refused: ${host} is a local or metadata name`);
  }
  return u;
}

/** The webhook as history and lists show it: scheme and host only (a Slack webhook's path is its secret). */
export function maskedWebhook(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return "(invalid address)";
  }
}

// A few seconds' memory of credentials already checked. A page load asks several routes at once
// (events, facets, histogram, count, suggestions) with the same cookie, and a script pages with
// the same token: each would otherwise pay Better Auth's session lookup (or the API key's
// verification, which writes its last use) again. Entries live TRAILSCOPE_ACCESS_CACHE_SECONDS
// (default 5; 0 turns the cache off), never past the credential's own expiry, and every change
// this process makes to users, sessions, tokens or share links forgets them all at once — so
// revoking, signing out everywhere or disabling a user through the console takes effect on the
// next request. A change made by another process (`npm run admin`, a second console) takes effect
// within the TTL.
import { createHash } from "node:crypto";
import type { Access } from "./access";

const MAX_ENTRIES = 10_000;

function ttlMs(): number {
  const raw = process.env.TRAILSCOPE_ACCESS_CACHE_SECONDS ?? "5";
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 300) throw new Error(`TRAILSCOPE_ACCESS_CACHE_SECONDS: a number of seconds from 0 to 300, not "${raw}"`);
  return n * 1000;
}

export function checkAccessCacheSetting(): void {
  ttlMs();
}

type Cached = Omit<Access, "ip">;
// One map per process: Next may load this module once per route bundle, and a sign-out handled by
// /api/auth must clear what /api/events remembered.
const SLOT = Symbol.for("trailscope.accessCache");
const holder = globalThis as { [SLOT]?: Map<string, { access: Cached; until: number }> };
const entries = (holder[SLOT] ??= new Map());

/** The cache key of a credential: its kind and a hash (the credential itself is not kept). */
export function credentialKey(kind: Access["kind"], credential: string): string {
  return `${kind}:${createHash("sha256").update(credential).digest("base64url")}`;
}

export function cachedAccess(key: string, ip: string | null): Access | undefined {
  const e = entries.get(key);
  if (!e) return undefined;
  if (e.until <= Date.now()) {
    entries.delete(key);
    return undefined;
  }
  return { ...e.access, ip };
}

/** Remembers an access resolved from a credential valid until `expiresAt` (if it has one). */
export function rememberAccess(key: string, access: Access, expiresAt?: Date | null): void {
  const ttl = ttlMs();
  if (ttl === 0) return;
  const until = Math.min(Date.now() + ttl, expiresAt ? expiresAt.getTime() : Infinity);
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  const { ip: _ip, ...rest } = access;
  void _ip;
  entries.set(key, { access: rest, until });
}

/** Something that decides access changed (a user, session, token or share link): forget all. */
export function forgetAccess(): void {
  entries.clear();
}

// Who is asking and what they may see. Every page and /api route resolves an Access through the
// guard (lib/auth/guard.ts) and builds its event queries with accessQuery, which writes the
// principal's account scope and a share link's frozen view into the query itself, where
// whereClauses (lib/query/sql.ts) applies them to every SQL statement built from it.
import { parseEventQuery, ParamError, type EventQuery, type ParseOptions } from "../query/params";
import type { Db } from "../store/db";
import { authFor } from "./auth";
import { SESSION_COOKIE, SHARE_COOKIE } from "./cookies";
import { hashToken } from "./tokens-hash";
import { cachedAccess, credentialKey, rememberAccess } from "./access-cache";
import { audit } from "./audit";
import { intersectScopes, isRole, parseScope, roleCan, type Capability, type Role } from "./roles";
import { narrowWithinShare } from "./share-bounds";

export interface ShareGrant {
  id: string;
  createdBy: string;
  /** The frozen view as a query string (absolute from/to, asOf, filters, view parameters). */
  params: URLSearchParams;
  expiresAt: Date;
}

export interface Access {
  /** background: work done for a user outside any request (an alert watch), see backgroundAccess. */
  kind: "session" | "token" | "share" | "background";
  /** The user (for a share link: its creator). */
  userId: string;
  /** Shown and audited: the user's email, or "share link <id>". */
  name: string;
  /** null for a share link: it has no role, only read and export of its view. */
  role: Role | null;
  /** AWS account IDs the principal may see; null: every account. */
  scope: string[] | null;
  share?: ShareGrant;
  tokenId?: string;
  ip: string | null;
}

/** A refusal the guard answers with 401 (no or bad credentials) or 403 (not allowed). */
export class AccessError extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
    this.name = "AccessError";
  }
}

export function can(access: Access, need: Capability): boolean {
  if (access.share) return need === "read" || need === "export";
  return access.role !== null && roleCan(access.role, need);
}

function cookieValue(headers: Headers, name: string): string | undefined {
  for (const part of (headers.get("cookie") ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

interface UserRow {
  id: string;
  email: string;
  role?: string | null;
  banned?: boolean | null;
  accountScope?: string | null;
}

function userAccess(u: UserRow, kind: Access["kind"], ip: string | null, extra: Partial<Access> = {}): Access {
  if (u.banned) throw new AccessError(401, "this user is disabled");
  if (!isRole(u.role)) throw new AccessError(403, "this user has no role");
  return { kind, userId: u.id, name: u.email, role: u.role, scope: parseScope(u.accountScope), ip, ...extra };
}

const USER_SELECT = { id: true, email: true, role: true, banned: true, accountScope: true } as const;
/** A token's last use is written to the audit trail at most this often (its every use would flood it). */
const TOKEN_USE_AUDIT_MS = 3600_000;

async function tokenAccess(db: Db, token: string, ip: string | null): Promise<Access> {
  // Better Auth verifies the key (stored hashed) and records its last use (lastRequest).
  const r = await authFor(db).api.verifyApiKey({ body: { key: token } }).catch(() => null);
  if (!r?.valid || !r.key) throw new AccessError(401, "invalid or revoked API token");
  const u = await db.prisma.user.findUnique({ where: { id: r.key.referenceId }, select: USER_SELECT });
  if (!u) throw new AccessError(401, "the API token's user no longer exists");
  // Role and scope are the owner's now, not when the token was made.
  const access = userAccess(u, "token", ip, { tokenId: r.key.id });
  await auditTokenUse(db, access, r.key.id);
  return access;
}

/** "token-use" in the audit trail: the first use, then the first of each hour. */
async function auditTokenUse(db: Db, access: Access, tokenId: string): Promise<void> {
  const since = new Date(Date.now() - TOKEN_USE_AUDIT_MS);
  const recent = await db.prisma.auditEntry.findFirst({ where: { action: "token-use", target: tokenId, at: { gt: since } }, select: { id: true } });
  if (!recent) await audit(db, { actorKind: "token", actorId: access.userId, actorName: access.name, ip: access.ip, action: "token-use", target: tokenId });
}

/**
 * A user's access for work done on their behalf outside any request (an alert watch's evaluation
 * and delivery): the role and account scope the user has now, read at every use like a token's.
 * A disabled or deleted user has none (AccessError).
 */
export async function backgroundAccess(db: Db, userId: string): Promise<Access> {
  const u = await db.prisma.user.findUnique({ where: { id: userId }, select: USER_SELECT });
  if (!u) throw new AccessError(401, "this user no longer exists");
  return userAccess(u, "background", null);
}

async function shareAccess(db: Db, token: string, ip: string | null): Promise<Access> {
  // The link and its creator in one statement: a link dies with its creator's account, and never
  // shows more than the creator may see now (a scope narrowed since the link was made applies).
  const { rows } = await db.pool.query(
    `SELECT s.id, s.created_by, s.query, s.account_scope, s.expires_at, s.revoked_at, u.id AS creator, u.banned, u.account_scope AS creator_scope
       FROM shares s LEFT JOIN auth_users u ON u.id = s.created_by WHERE s.token_hash = $1`,
    [hashToken(token)],
  );
  const s = rows[0];
  if (!s) throw new AccessError(401, "unknown share link");
  if (s.revoked_at) throw new AccessError(401, "this share link was revoked");
  if ((s.expires_at as Date).getTime() <= Date.now()) throw new AccessError(401, "this share link has expired");
  if (!s.creator || s.banned) throw new AccessError(401, "this share link's creator can no longer share it");
  return {
    kind: "share",
    userId: s.created_by,
    name: `share link ${s.id}`,
    role: null,
    scope: intersectScopes(parseScope(s.account_scope), parseScope(s.creator_scope)),
    share: { id: s.id, createdBy: s.created_by, params: new URLSearchParams(s.query), expiresAt: s.expires_at },
    ip,
  };
}

async function sessionAccess(db: Db, headers: Headers, ip: string | null): Promise<{ access: Access; expiresAt: Date }> {
  // With database joins on (lib/auth/auth.ts) the session and its user are one statement, and the
  // user's role, disabled flag and scope come with it: read at every lookup, never from a cookie.
  const session = await authFor(db).api.getSession({ headers }).catch(() => null);
  if (!session) throw new AccessError(401, "sign in first");
  return { access: userAccess(session.user as UserRow, "session", ip), expiresAt: session.session.expiresAt };
}

/** The value of Better Auth's session cookie (either name, lib/auth/cookies.ts). */
function sessionCookie(headers: Headers): string | undefined {
  for (const part of (headers.get("cookie") ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && SESSION_COOKIE.test(part.slice(0, i).trim())) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** A credential's access from the last few seconds' memory, else checked and remembered. */
async function remembered(key: string, ip: string | null, check: () => Promise<{ access: Access; expiresAt?: Date }>): Promise<Access> {
  const hit = cachedAccess(key, ip);
  if (hit) return hit;
  const { access, expiresAt } = await check();
  rememberAccess(key, access, expiresAt);
  return access;
}

/**
 * The principal of a request: an API token (Authorization: Bearer), else a share link's cookie,
 * else a signed-in session. A credential that is present but invalid is refused, never skipped.
 * A credential checked in the last few seconds is not checked again (lib/auth/access-cache.ts).
 */
export async function resolveAccess(db: Db, headers: Headers): Promise<Access> {
  const ip = headers.get("x-forwarded-for");
  const authz = headers.get("authorization");
  if (authz) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authz);
    if (!m) throw new AccessError(401, "Authorization: use Bearer <API token>");
    return remembered(credentialKey("token", m[1]), ip, async () => ({ access: await tokenAccess(db, m[1], ip) }));
  }
  const share = cookieValue(headers, SHARE_COOKIE);
  if (share) {
    return remembered(credentialKey("share", share), ip, async () => {
      const access = await shareAccess(db, share, ip);
      return { access, expiresAt: access.share!.expiresAt };
    });
  }
  const session = sessionCookie(headers);
  if (!session) throw new AccessError(401, "sign in first");
  return remembered(credentialKey("session", session), ip, () => sessionAccess(db, headers, ip));
}

/**
 * The event query of a request as this principal may run it: its account scope, and through a
 * share link the link's frozen view (a request may narrow it; one that would widen it is refused
 * with 403). Everything that reads events goes through here.
 */
export function accessQuery(access: Access, params: URLSearchParams, opts: ParseOptions = {}): EventQuery {
  let within: EventQuery | undefined;
  let own = params;
  if (access.share) {
    within = parseEventQuery(access.share.params, { now: opts.now });
    try {
      own = narrowWithinShare(access.share.params, params, opts.now ?? new Date());
    } catch (err) {
      if (err instanceof ParamError) throw new AccessError(403, `this shared view cannot be widened (${err.message})`);
      throw err;
    }
  }
  const q = parseEventQuery(own, opts);
  return constrain(q, access, within);
}

/** Adds the principal's constraints to a query built some other way (related events, detail). */
export function constrain(q: EventQuery, access: Access, within?: EventQuery): EventQuery {
  if (access.scope) q.accounts = access.scope;
  if (access.share) {
    q.within = within ?? parseEventQuery(access.share.params);
    const bound = q.within.asOf;
    if (bound && (!q.asOf || q.asOf > bound)) q.asOf = bound;
  }
  return q;
}

/** The constraints alone, for queries a route builds itself (lib/query/related.ts). */
export function accessConstraints(access: Access): Pick<EventQuery, "accounts" | "asOf" | "within"> {
  const q = constrain(parseEventQuery(new URLSearchParams()), access);
  return { accounts: q.accounts, asOf: q.asOf, within: q.within };
}

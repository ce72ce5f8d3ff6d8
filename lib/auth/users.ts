// Users, their roles and account scopes, and their API tokens: what `npm run admin`, first-run
// setup and the admin pages do, through Better Auth (password hashing, API key hashing) and
// recorded in the audit trail.
import { randomUUID } from "node:crypto";
import type { Db } from "../store/db";
import { forgetAccess } from "./access-cache";
import { audit, type AuditInput } from "./audit";
import { authFor } from "./auth";
import { formatScope, isRole, parseScope, type Role } from "./roles";

export interface UserSpec {
  email: string;
  role: Role;
  /** AWS account IDs; null or empty: every account. */
  accounts: string[] | null;
  name?: string;
  password?: string;
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role | null;
  accounts: string[] | null;
  disabled: boolean;
  createdAt: Date;
}

type Actor = Pick<AuditInput, "actorKind" | "actorId" | "actorName" | "ip">;
export const SYSTEM: Actor = { actorKind: "system", actorName: "npm run admin" };

const EMAIL = /^[^\s@]+@[^\s@]+$/;

function normalEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (!EMAIL.test(e) || e.length > 320) throw new Error(`"${email}" is not an email address`);
  return e;
}

export async function countUsers(db: Db): Promise<number> {
  return db.prisma.user.count();
}

/** Creates the user, or updates its role, scope (and password, when given). */
export async function upsertUser(db: Db, spec: UserSpec, actor: Actor = SYSTEM): Promise<{ user: UserView; created: boolean }> {
  const email = normalEmail(spec.email);
  if (!isRole(spec.role)) throw new Error(`role: must be admin, analyst or auditor, not "${spec.role}"`);
  const scope = formatScope(spec.accounts);
  parseScope(scope); // validates the IDs
  const auth = authFor(db);
  const existing = await db.prisma.user.findUnique({ where: { email } });
  let id: string;
  if (!existing) {
    const r = await auth.api.createUser({ body: { email, name: spec.name?.trim() || email, ...(spec.password ? { password: spec.password } : {}) } });
    id = r.user.id;
    if (!spec.password) {
      // An invited user without a password signs in through single sign-on (or gets one later).
    }
  } else {
    id = existing.id;
    if (spec.password) await setPassword(db, id, spec.password);
    if (spec.name?.trim()) await db.prisma.user.update({ where: { id }, data: { name: spec.name.trim() } });
  }
  const user = await db.prisma.user.update({ where: { id }, data: { role: spec.role, accountScope: scope } });
  forgetAccess();
  await audit(db, {
    ...actor,
    action: existing ? "user-update" : "user-create",
    target: email,
    detail: { role: spec.role, accounts: parseScope(scope), passwordSet: !!spec.password, before: existing ? { role: existing.role, accounts: parseScope(existing.accountScope) } : null },
  });
  return { user: view(user), created: !existing };
}

export async function setPassword(db: Db, userId: string, password: string): Promise<void> {
  const ctx = await authFor(db).$context;
  if (password.length < ctx.password.config.minPasswordLength) throw new Error(`password: at least ${ctx.password.config.minPasswordLength} characters`);
  const hash = await ctx.password.hash(password);
  const cred = await db.prisma.account.findFirst({ where: { userId, providerId: "credential" } });
  if (cred) await db.prisma.account.update({ where: { id: cred.id }, data: { password: hash } });
  else await db.prisma.account.create({ data: { id: randomUUID(), userId, accountId: userId, providerId: "credential", password: hash } });
  forgetAccess();
}

function view(u: { id: string; email: string; name: string; role: string | null; accountScope: string | null; banned: boolean | null; createdAt: Date }): UserView {
  return { id: u.id, email: u.email, name: u.name, role: isRole(u.role) ? u.role : null, accounts: parseScope(u.accountScope), disabled: !!u.banned, createdAt: u.createdAt };
}

export async function listUsers(db: Db): Promise<UserView[]> {
  return (await db.prisma.user.findMany({ orderBy: { email: "asc" } })).map(view);
}

/** Disables (or re-enables) a user: its sessions end, its tokens and share links stop working. */
export async function setDisabled(db: Db, userId: string, disabled: boolean, actor: Actor): Promise<UserView> {
  const u = await db.prisma.user.update({ where: { id: userId }, data: { banned: disabled } });
  if (disabled) await db.prisma.session.deleteMany({ where: { userId } });
  forgetAccess();
  await audit(db, { ...actor, action: disabled ? "user-disable" : "user-enable", target: u.email });
  return view(u);
}

export interface TokenView {
  id: string;
  name: string | null;
  start: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** A new API token of the user: the returned key is its only appearance (only a hash is kept). */
export async function createToken(db: Db, userId: string, name: string | null, actor: Actor): Promise<{ key: string; token: TokenView }> {
  const r = await authFor(db).api.createApiKey({ body: { userId, name: name?.slice(0, 100) || undefined } });
  const u = await db.prisma.user.findUnique({ where: { id: userId }, select: { email: true } });
  await audit(db, { ...actor, action: "token-create", target: u?.email ?? userId, detail: { tokenId: r.id, name: r.name ?? null } });
  return { key: r.key, token: { id: r.id, name: r.name ?? null, start: r.start ?? null, createdAt: new Date(r.createdAt), lastUsedAt: null } };
}

export async function listTokens(db: Db, userId: string): Promise<TokenView[]> {
  const rows = await db.prisma.apikey.findMany({ where: { referenceId: userId }, orderBy: { createdAt: "desc" } });
  return rows.map((k) => ({ id: k.id, name: k.name, start: k.start, createdAt: k.createdAt, lastUsedAt: k.lastRequest }));
}

/** Revokes a token of `userId` (any user's when userId is null: an admin). False: no such token. */
export async function revokeToken(db: Db, tokenId: string, userId: string | null, actor: Actor): Promise<boolean> {
  const r = await db.prisma.apikey.deleteMany({ where: { id: tokenId, ...(userId ? { referenceId: userId } : {}) } });
  forgetAccess();
  if (r.count) await audit(db, { ...actor, action: "token-revoke", target: tokenId });
  return r.count > 0;
}

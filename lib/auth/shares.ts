// Share links: a view frozen for people without an account. Creating one resolves the range to
// absolute instants and adds an asOf bound (events stored later are not in it), keeps the filters
// and the view's presentation, and hands out a random token once; only its hash is stored.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { PAGING_PARAMS, ParamError } from "../query/params";
import type { Db } from "../store/db";
import { accessQuery, type Access } from "./access";
import { forgetAccess } from "./access-cache";
import { audit } from "./audit";
import { formatScope } from "./roles";
import { accessSettings } from "./settings";
import { hashToken } from "./tokens-hash";

export const DEFAULT_SHARE_DAYS = 30;
export const MAX_SHARE_DAYS = 365;
/** A view without a start shows everything stored: frozen, that is everything since the epoch. */
const EPOCH = "1970-01-01T00:00:00.000Z";

/**
 * The instant a view can be frozen at: now, or the start of the oldest transaction still open
 * (a sync's transaction stamps its events with its start, and commits later; events it stores
 * must not appear in a link made before they could be seen).
 */
export async function freezeInstant(pool: Pick<pg.Pool, "query">): Promise<Date> {
  const { rows } = await pool.query<{ t: Date }>(
    // A millisecond before: events.ingested_at is rounded to the millisecond (a transaction that
    // began within half of one after this instant could otherwise be stamped with it).
    `SELECT least(now(), coalesce((SELECT min(xact_start) FROM pg_stat_activity
                                   WHERE datname = current_database() AND pid <> pg_backend_pid()
                                     AND xact_start IS NOT NULL AND state <> 'idle'), now())) - interval '1 millisecond' AS t`,
  );
  return rows[0].t;
}

/** A view's query string frozen: absolute from/to, asOf, no paging or open event. */
export function frozenParams(query: string, now: Date, asOf: Date, access: Access): URLSearchParams {
  const sp = new URLSearchParams(query);
  const q = accessQuery(access, sp, { now }); // validates (400) and refuses to widen a share (403)
  const out = new URLSearchParams();
  for (const [k, v] of sp) {
    if (PAGING_PARAMS.has(k) || k === "event" || k === "from" || k === "to" || k === "asOf") continue;
    out.append(k, v);
  }
  out.set("from", q.from ? q.from.toISOString() : EPOCH);
  out.set("to", (q.to ?? now).toISOString());
  out.set("asOf", (q.asOf && q.asOf < asOf ? q.asOf : asOf).toISOString());
  return out;
}

export interface ShareView {
  id: string;
  url: string | null;
  query: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  lastOpenedAt: Date | null;
  opens: number;
}

export async function createShare(db: Db, access: Access, query: string, expiresInDays = DEFAULT_SHARE_DAYS): Promise<ShareView & { url: string; token: string }> {
  if (!Number.isInteger(expiresInDays) || expiresInDays < 1 || expiresInDays > MAX_SHARE_DAYS) {
    throw new ParamError("expiresInDays", `must be a whole number of days from 1 to ${MAX_SHARE_DAYS}`);
  }
  if (query.length > 16_000) throw new ParamError("query", "is too long");
  const now = new Date();
  const params = frozenParams(query.replace(/^\?/, ""), now, await freezeInstant(db.pool), access);
  const token = randomBytes(32).toString("base64url");
  const id = randomBytes(9).toString("base64url");
  const s = await db.prisma.share.create({
    data: {
      id,
      tokenHash: hashToken(token),
      createdBy: access.userId,
      query: params.toString(),
      accountScope: formatScope(access.scope),
      expiresAt: new Date(now.getTime() + expiresInDays * 86400_000),
    },
  });
  await audit(db, { actorKind: access.kind === "token" ? "token" : "user", actorId: access.userId, actorName: access.name, ip: access.ip, action: "share-create", target: id, detail: { query: s.query, expiresAt: s.expiresAt } });
  const url = `${accessSettings().baseUrl}/s/${token}`;
  return { ...viewOf(s), url, token };
}

function viewOf(s: { id: string; query: string; createdBy: string; createdAt: Date; expiresAt: Date; revokedAt: Date | null; lastOpenedAt: Date | null; opens: number }): ShareView {
  return { id: s.id, url: null, query: s.query, createdBy: s.createdBy, createdAt: s.createdAt, expiresAt: s.expiresAt, revokedAt: s.revokedAt, lastOpenedAt: s.lastOpenedAt, opens: s.opens };
}

/** The links a user made (an admin: everyone's), newest first. */
export async function listShares(db: Db, access: Access): Promise<(ShareView & { creator: string | null })[]> {
  const rows = await db.prisma.share.findMany({ where: access.role === "admin" ? {} : { createdBy: access.userId }, orderBy: { createdAt: "desc" }, take: 500 });
  const users = await db.prisma.user.findMany({ where: { id: { in: [...new Set(rows.map((r) => r.createdBy))] } }, select: { id: true, email: true } });
  const email = new Map(users.map((u) => [u.id, u.email]));
  return rows.map((r) => ({ ...viewOf(r), creator: email.get(r.createdBy) ?? null }));
}

/** Revokes a link of its creator (or any, for an admin). False: no such link for this user. */
export async function revokeShare(db: Db, access: Access, id: string): Promise<boolean> {
  const r = await db.prisma.share.updateMany({
    where: { id, revokedAt: null, ...(access.role === "admin" ? {} : { createdBy: access.userId }) },
    data: { revokedAt: new Date() },
  });
  forgetAccess();
  if (r.count) await audit(db, { actorKind: "user", actorId: access.userId, actorName: access.name, ip: access.ip, action: "share-revoke", target: id });
  return r.count > 0;
}

/** Opening a link (/s/<token>): counted and audited. */
export async function recordShareOpen(db: Db, access: Access): Promise<void> {
  if (!access.share) return;
  await db.prisma.share.update({ where: { id: access.share.id }, data: { opens: { increment: 1 }, lastOpenedAt: new Date() } });
  await audit(db, { actorKind: "share", actorId: access.share.id, actorName: access.name, ip: access.ip, action: "share-open", target: access.share.id });
}

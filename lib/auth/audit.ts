// The console's own audit trail (table audit_log, append-only): one row per sign-in, failed
// sign-in, sign-out, export, share link created/opened/exported/revoked, user, role, scope and
// token change. Writing it must never break the action it records, but a lost entry is logged.
import type { Db } from "../store/db";

export interface AuditInput {
  actorKind: "user" | "token" | "share" | "anonymous" | "system";
  actorId?: string | null;
  actorName?: string | null;
  action: string;
  target?: string | null;
  ip?: string | null;
  detail?: Record<string, unknown> | null;
}

export async function audit(db: Db, e: AuditInput): Promise<void> {
  try {
    await db.pool.query(
      `INSERT INTO audit_log (actor_kind, actor_id, actor_name, action, target, ip, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [e.actorKind, e.actorId ?? null, e.actorName ?? null, e.action, e.target ?? null, e.ip ?? null, e.detail ? JSON.stringify(e.detail) : null],
    );
  } catch (err) {
    console.error(`trailscope: audit entry "${e.action}" not written:`, (err as Error).message);
  }
}

export interface AuditRow {
  id: string;
  at: Date;
  actorKind: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  target: string | null;
  ip: string | null;
  detail: unknown;
}

export interface AuditFilter {
  action?: string;
  /** Part of the actor's name (email) or id. */
  actor?: string;
  from?: Date;
  to?: Date;
  limit?: number;
}

/** The trail, newest first, filtered. */
export async function readAudit(db: Db, f: AuditFilter): Promise<AuditRow[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (v: unknown) => (values.push(v), `$${values.length}`);
  if (f.action) where.push(`action = ${add(f.action)}`);
  if (f.actor) where.push(`(actor_name ILIKE ${add("%" + f.actor.replace(/[\\%_]/g, "\\$&") + "%")} OR actor_id = ${add(f.actor)})`);
  if (f.from) where.push(`at >= ${add(f.from)}`);
  if (f.to) where.push(`at < ${add(f.to)}`);
  const { rows } = await db.pool.query(
    `SELECT id::text, at, actor_kind AS "actorKind", actor_id AS "actorId", actor_name AS "actorName", action, target, ip, detail
       FROM audit_log ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY at DESC, id DESC LIMIT ${add(Math.min(f.limit ?? 500, 10_000))}`,
    values,
  );
  return rows as AuditRow[];
}

export const AUDIT_ACTIONS = [
  "sign-in",
  "sign-in-failed",
  "sign-out",
  "sign-out-everywhere",
  "export",
  "share-create",
  "share-open",
  "share-export",
  "share-revoke",
  "user-create",
  "user-update",
  "user-disable",
  "user-enable",
  "token-create",
  "token-revoke",
  "source-add",
  "source-pause",
  "source-resume",
  "source-remove",
  "source-sync-now",
  "view-create",
  "view-update",
  "view-delete",
  "watch-create",
  "watch-enable",
  "watch-disable",
  "watch-delete",
] as const;

// What GET /api/sources and the /sync page's admin controls show: every configured source
// (TRAILSCOPE_SOURCES and the console's) with its sync state (lib/sync/status.ts).
import type { Access } from "../auth/access";
import type { Db } from "../store/db";
import { listSources, type ConfiguredSource, type SourceActor } from "./sources-store";
import { sourceStatus, syncStatus, type SourceStatus } from "./status";

export interface SourceView extends Omit<ConfiguredSource, "createdAt" | "syncRequestedAt"> {
  createdAt: string | null;
  /** The email of the admin who added it. */
  createdByEmail: string | null;
  syncRequestedAt: string | null;
  /** "Sync now" was asked for and the run has not started yet. */
  syncPending: boolean;
  state: SourceStatus["state"];
  lastRun: SourceStatus["lastRun"];
  lastSuccessAt: string | null;
  lastError: string | null;
}

/** Who an audited change is made by: the signed-in admin, or the admin's API token. */
export function actorOf(access: Access): SourceActor {
  return { actorKind: access.kind === "token" ? "token" : "user", actorId: access.userId, actorName: access.name, ip: access.ip };
}

export function sourceView(s: ConfiguredSource, status: SourceStatus | undefined, emails: Map<string, string>): SourceView {
  const lastStart = status?.lastRun ? Date.parse(status.lastRun.startedAt) : -Infinity;
  return {
    ...s,
    createdAt: s.createdAt?.toISOString() ?? null,
    createdByEmail: s.createdBy ? (emails.get(s.createdBy) ?? null) : null,
    syncRequestedAt: s.syncRequestedAt?.toISOString() ?? null,
    syncPending: !s.paused && !!s.syncRequestedAt && s.syncRequestedAt.getTime() > lastStart,
    state: status?.state ?? "never-run",
    lastRun: status?.lastRun ?? null,
    lastSuccessAt: status?.lastSuccessAt ?? null,
    lastError: status?.lastError ?? null,
  };
}

async function emailsOf(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const users = await db.prisma.user.findMany({ where: { id: { in: [...new Set(ids)] } }, select: { id: true, email: true } });
  return new Map(users.map((u) => [u.id, u.email]));
}

/** Every configured source with its state, TRAILSCOPE_SOURCES first. */
export async function sourcesWithStatus(db: Db, env: Record<string, string | undefined> = process.env): Promise<SourceView[]> {
  return withStatus(db, await listSources(db, env));
}

/** These sources with their state (one for a route's answer after a change). */
export async function withStatus(db: Db, sources: ConfiguredSource[]): Promise<SourceView[]> {
  const now = new Date();
  const [statuses, emails] = await Promise.all([
    Promise.all(sources.map((s) => sourceStatus(db.prisma, s.source, true, now))),
    emailsOf(db, sources.flatMap((s) => (s.createdBy ? [s.createdBy] : []))),
  ]);
  return sources.map((s, i) => sourceView(s, statuses[i], emails));
}

/**
 * The /sync page: the state of every source that is configured or ever ran (one-shot syncs
 * included), and the configured ones' settings.
 */
export async function syncOverview(db: Db, env: Record<string, string | undefined> = process.env): Promise<{ statuses: SourceStatus[]; configured: SourceView[] }> {
  const sources = await listSources(db, env);
  const [statuses, emails] = await Promise.all([
    syncStatus(db.prisma, sources.map((s) => s.source)),
    emailsOf(db, sources.flatMap((s) => (s.createdBy ? [s.createdBy] : []))),
  ]);
  const byId = new Map(statuses.map((s) => [s.source, s]));
  return { statuses, configured: sources.map((s) => sourceView(s, byId.get(s.source), emails)) };
}

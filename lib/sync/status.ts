// What GET /api/sync and the /sync page report: per source, its state, last run and counts.
import type { PrismaClient } from "../generated/prisma/client";

/** A run whose heartbeat is older than this was cut off (process killed). */
const STALE_MS = 30_000;

export interface SourceStatus {
  source: string;
  configured: boolean;
  state: "running" | "idle" | "failed" | "interrupted" | "never-run";
  lastRun: {
    id: number;
    status: string;
    startedAt: string;
    finishedAt: string | null;
    progress: string | null;
    objectsRead: number;
    objectsSkipped: number;
    objectsFailed: number;
    eventsNew: number;
    eventsDuplicate: number;
    error: string | null;
    failures: unknown;
  } | null;
  lastSuccessAt: string | null;
  lastError: string | null;
}

/** Every configured source and every source that ever ran (a one-shot `npm run sync`). */
export async function syncStatus(prisma: PrismaClient, configured: string[], now = new Date()): Promise<SourceStatus[]> {
  const seen = await prisma.syncRun.findMany({ distinct: ["source"], select: { source: true } });
  const sources = [...new Set([...configured, ...seen.map((s) => s.source)])];
  return Promise.all(sources.map((source) => sourceStatus(prisma, source, configured.includes(source), now)));
}

/** One source's state, last run and counts. */
export async function sourceStatus(prisma: PrismaClient, source: string, configured: boolean, now = new Date()): Promise<SourceStatus> {
  const [last, lastOk, lastFailed] = await Promise.all([
    prisma.syncRun.findFirst({ where: { source }, orderBy: { startedAt: "desc" } }),
    prisma.syncRun.findFirst({ where: { source, status: "ok" }, orderBy: { startedAt: "desc" }, select: { finishedAt: true } }),
    prisma.syncRun.findFirst({ where: { source, error: { not: null } }, orderBy: { startedAt: "desc" }, select: { error: true } }),
  ]);
  let state: SourceStatus["state"] = "never-run";
  if (last) {
    if (last.status === "running") state = now.getTime() - last.heartbeatAt.getTime() > STALE_MS ? "interrupted" : "running";
    else if (last.status === "failed" || last.status === "partial") state = "failed";
    else if (last.status === "interrupted") state = "interrupted";
    else state = "idle";
  }
  return {
    source,
    configured,
    state,
    lastRun: last && {
      id: last.id,
      status: state === "interrupted" ? "interrupted" : last.status,
      startedAt: last.startedAt.toISOString(),
      finishedAt: last.finishedAt?.toISOString() ?? null,
      progress: last.progress,
      objectsRead: last.objectsRead,
      objectsSkipped: last.objectsSkipped,
      objectsFailed: last.objectsFailed,
      eventsNew: last.eventsNew,
      eventsDuplicate: last.eventsDuplicate,
      error: last.error,
      failures: last.failures,
    },
    lastSuccessAt: lastOk?.finishedAt?.toISOString() ?? null,
    lastError: lastFailed?.error ?? null,
  };
}

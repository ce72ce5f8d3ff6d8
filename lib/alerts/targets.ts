// What a watch watches: a saved view (saved_views) or a detection (a built-in of
// lib/detections/library.ts, or a saved view marked as one: "view-<id>"). Either way a filter in
// the contract's language; an alert looks at newly stored events, so the target's range and any
// frozen bounds are dropped and only its filters and free text stay.
import { BUILTIN_DETECTIONS } from "../detections/library";
import type { Access } from "../auth/access";
import { PAGING_PARAMS, VIEW_PARAMS } from "../query/params";
import type { Db } from "../store/db";
import type { Threshold } from "../detections/types";

export const TARGET_KINDS = ["view", "detection"] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface WatchTarget {
  kind: TargetKind;
  id: string;
  title: string;
  /** The filters an alert applies (no range, no asOf/storedAfter, no presentation). */
  filters: URLSearchParams;
  /** A burst detection: only groups of its events that reach this count (lib/detections/count.ts). */
  threshold?: Threshold;
}

/** A user-made detection's id is its saved view's, prefixed (lib/detections/types.ts). */
const VIEW_DETECTION = /^view-(.+)$/;
const NOT_FILTERS = new Set(["from", "to", "asOf", "storedAfter", "sort", ...PAGING_PARAMS, ...VIEW_PARAMS]);

/** A target's query string reduced to what an alert matches on. */
export function alertFilters(query: string): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of new URLSearchParams(query)) if (!NOT_FILTERS.has(k)) out.append(k, v);
  return out;
}

/** The target's page in the console (where the "Watch" action lives). */
export function targetHref(kind: TargetKind, id: string): string {
  if (kind === "view") return `/views/${encodeURIComponent(id)}`;
  return `/detections#${encodeURIComponent(id)}`;
}

async function visibleView(db: Db, access: Pick<Access, "userId">, id: string) {
  const v = await db.prisma.savedView.findUnique({ where: { id }, select: { id: true, name: true, query: true, ownerId: true, shared: true, detection: true } });
  // Someone else's personal view does not exist for this user (its name says nothing either).
  return v && (v.ownerId === access.userId || v.shared) ? v : null;
}

/** The target as this user may watch it, or null when it does not exist for them. */
export async function resolveTarget(db: Db, access: Pick<Access, "userId">, kind: TargetKind, id: string): Promise<WatchTarget | null> {
  if (kind === "view") {
    const v = await visibleView(db, access, id);
    return v ? { kind, id, title: v.name, filters: alertFilters(v.query) } : null;
  }
  const builtin = BUILTIN_DETECTIONS.find((d) => d.id === id);
  // A burst detection (threshold) alerts on the bursts new events are part of, not on every
  // single matching event (lib/alerts/evaluate.ts).
  if (builtin) return { kind, id, title: builtin.title, filters: alertFilters(builtin.query), ...(builtin.threshold ? { threshold: builtin.threshold } : {}) };
  const m = VIEW_DETECTION.exec(id);
  if (!m) return null;
  const v = await visibleView(db, access, m[1]);
  return v && v.detection ? { kind, id, title: v.name, filters: alertFilters(v.query) } : null;
}

export interface TargetChoice {
  kind: TargetKind;
  id: string;
  title: string;
}

/** Everything this user may watch, for the add-watch form: their views and shared ones, then detections. */
export async function watchableTargets(db: Db, access: Pick<Access, "userId">): Promise<TargetChoice[]> {
  const views = await db.prisma.savedView.findMany({
    where: { OR: [{ ownerId: access.userId }, { shared: true }] },
    select: { id: true, name: true, detection: true },
    orderBy: { name: "asc" },
  });
  return [
    ...views.map((v) => ({ kind: "view" as const, id: v.id, title: v.name })),
    ...BUILTIN_DETECTIONS.map((d) => ({ kind: "detection" as const, id: d.id, title: d.title })),
    ...views.filter((v) => v.detection).map((v) => ({ kind: "detection" as const, id: `view-${v.id}`, title: v.name })),
  ];
}

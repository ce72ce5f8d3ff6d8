// Every detection a principal may see: the built-in library, and saved views marked as detections
// ("view-<saved view id>": visible to their owner, or to everyone signed in when shared — the
// saved view's own visibility, lib/views/store.ts). Counting them all under a request's filters,
// range and access: lib/detections/count.ts.
import type pg from "pg";
import { accessQuery, type Access } from "../auth/access";
import { PAGING_PARAMS, ParamError, parseEventQuery, VIEW_PARAMS, type EventQuery } from "../query/params";
import type { Db } from "../store/db";
import { getView, listViews, type SavedView } from "../views/store";
import { addCountRows, binsOf, countRows, emptyCounts, type DayBins } from "./count";
import { earlierOf, laterOf } from "../query/sql";
import { keptDetections, rollupPlan, rollupRows, rollupServes } from "./rollup";
import { BUILTIN_DETECTIONS } from "./library";
import type { Detection } from "./types";

export { BUILTIN_DETECTIONS } from "./library";

/** A user-made detection: where it comes from. */
export interface UserDetection extends Detection {
  view: { id: string; ownerEmail: string | null; shared: boolean };
}

const USER_PREFIX = "view-";
const BOUNDS = ["from", "to", "asOf", "sort"];

/**
 * A view's query as a detection's (the contract: the parameters /api/events takes, without
 * from/to): its filters and free text; the range, asOf, order and presentation are the view's.
 */
export function detectionQuery(viewQuery: string): string {
  const sp = new URLSearchParams(viewQuery);
  for (const k of [...new Set(sp.keys())]) if (BOUNDS.includes(k) || VIEW_PARAMS.has(k) || PAGING_PARAMS.has(k)) sp.delete(k);
  return sp.toString();
}

export function detectionOfView(v: SavedView): UserDetection {
  return {
    id: USER_PREFIX + v.id,
    title: v.name,
    why: v.description || `A saved view made a detection${v.ownerEmail ? ` by ${v.ownerEmail}` : ""}.`,
    severity: v.severity ?? "medium",
    technique: v.technique ?? "",
    query: detectionQuery(v.query),
    origin: "user",
    view: { id: v.id, ownerEmail: v.ownerEmail, shared: v.shared },
  };
}

/** Built-ins first (library order), then the principal's visible user-made ones by name. */
export async function listDetections(db: Db, access: Access): Promise<Detection[]> {
  const views = await listViews(db, access, { detectionsOnly: true });
  return [...BUILTIN_DETECTIONS, ...views.map(detectionOfView)];
}

/**
 * One detection by id. With `access`, only one that principal may see; without, any (a server
 * task such as alert evaluation, which checks its watcher's access itself).
 */
export async function detectionById(db: Db, id: string, access?: Access): Promise<Detection | null> {
  const builtin = BUILTIN_DETECTIONS.find((d) => d.id === id);
  if (builtin) return builtin;
  if (!id.startsWith(USER_PREFIX)) return null;
  const v = await getView(db, null, id.slice(USER_PREFIX.length));
  if (!v || !v.detection) return null;
  if (access && (access.share || !(v.shared || v.ownerId === access.userId))) return null;
  return detectionOfView(v);
}

export interface DetectionCount {
  detection: Detection;
  /** null: its query no longer parses (a user-made one written against an older catalog). */
  count: number | null;
  days?: number[];
  error?: string;
}

/** A detection's query with the request's: both sets of conditions, and the request's access. */
export function detectionEventQuery(base: EventQuery, d: Detection): EventQuery {
  const own = parseEventQuery(new URLSearchParams(d.query));
  const filters = [...base.filters, ...own.filters];
  if (own.q.length === 0) return { ...base, filters };
  if (base.q.length === 0) return { ...base, filters, q: own.q };
  // Free-text terms OR within one query: the detection's terms AND the request's as a condition
  // of their own (whereClauses applies `within` besides the query).
  return { ...base, filters, within: { ...own, filters: [], within: base.within } };
}

/**
 * How many events each detection matches under the request's parameters (filters, range) as the
 * principal may see them (account scope, a share link's view). One SQL round trip for all.
 * A request's bad parameter is a ParamError (400); a detection's own, only that detection's error.
 */
export async function countDetections(pool: pg.Pool, access: Access, detections: Detection[], params: URLSearchParams, opts: { now?: Date; days?: DayBins; live?: boolean } = {}): Promise<DetectionCount[]> {
  const base = accessQuery(access, params, { now: opts.now });
  const rows: DetectionCount[] = [];
  const branches: { at: number; q: EventQuery; threshold?: Detection["threshold"] }[] = [];
  for (const d of detections) {
    try {
      branches.push({ at: rows.length, q: detectionEventQuery(base, d), threshold: d.threshold });
      rows.push({ detection: d, count: 0 });
    } catch (err) {
      if (!(err instanceof ParamError)) throw err;
      rows.push({ detection: d, count: null, error: err.message });
    }
  }
  const bins = opts.days ? binsOf(opts.days) : null;
  const counts = emptyCounts(branches.length, bins);
  // The built-ins the rollups keep, over the whole days they hold (lib/detections/rollup.ts); the
  // rest of the range, and every other detection, live.
  const kept = new Map(keptDetections().map((k) => [k.detection.id, k]));
  // `live`: every detection counted live (the bench's comparison).
  const plan = rollupServes(base) && !access.share && !opts.live ? await rollupPlan(pool, base.from, base.to) : null;
  const fromRollups = plan ? branches.flatMap((b, i) => (kept.has(rows[b.at].detection.id) ? [{ b: i, kept: kept.get(rows[b.at].detection.id)! }] : [])) : [];
  const rolled = new Set(fromRollups.map((x) => x.b));
  const live = branches.flatMap((b, i) => {
    if (!rolled.has(i)) return [{ ...b, b: i }];
    return plan!.live.map((l) => ({ ...b, b: i, q: { ...b.q, from: laterOf(b.q.from, l.from), to: earlierOf(b.q.to, l.to) } }));
  });
  const [liveRows, keptRows] = await Promise.all([
    countRows(pool, live, bins ? bins.width : null),
    plan ? rollupRows(pool, plan, fromRollups, base.accounts) : Promise.resolve([]),
  ]);
  addCountRows(counts, liveRows, bins);
  addCountRows(counts, keptRows, bins);
  branches.forEach((b, i) => Object.assign(rows[b.at], counts[i]));
  return rows;
}

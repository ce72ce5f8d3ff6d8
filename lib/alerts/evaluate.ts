// After each sync: every enabled watch counts the events stored since its last evaluation that
// match its target, under its owner's access as it is now (role and account scope: a scoped
// analyst's watch never counts another account's events; a disabled or deleted owner's watch
// stops). At most one alert per watch and evaluation, with the count, the newest few events and a
// frozen link to exactly those events; its deliveries are queued for lib/alerts/dispatch.ts.
//
// No event is counted twice or missed, across crashes and concurrent syncs: the upper bound is
// freezeInstant's (no transaction still open can store an event at or before it: events carry
// their transaction's start), and a watch's row is locked while its alert is recorded and its
// lower bound (stored_after) moved up to that upper bound, in one transaction.
import type pg from "pg";
import { AccessError, backgroundAccess, can, constrain } from "../auth/access";
import { freezeInstant } from "../auth/shares";
import { type EventQuery, ParamError, parseEventQuery } from "../query/params";
import { exactValue } from "../query/filter-value";
import { burstSample, burstsOfGroups, newBurstGroupsSql, type BurstGroup } from "../detections/count";
import { keptBursts } from "../detections/rollup";
import type { Threshold } from "../detections/types";
import { withSearchBlocks } from "../query/search";
import { SqlParams, whereClauses } from "../query/sql";
import type { Db } from "../store/db";
import { alertSettings } from "./settings";
import { resolveTarget, type TargetKind } from "./targets";
import { maskedWebhook } from "./ssrf";
import { checkOut, giveBack } from "../store/checkout";

/** Events an alert shows by name (the rest are behind its link). */
export const SAMPLE_EVENTS = 5;

export interface SampleEvent {
  eventID: string;
  eventTime: string;
  eventName: string | null;
  username: string | null;
  accountId: string | null;
}

export interface EvaluationSummary {
  /** Enabled watches looked at. */
  watches: number;
  /** Alerts queued (one per watch with new matching events). */
  alerts: number;
  /** Watches that could not be evaluated, with the reason (also on the watch: last_error). */
  problems: { watchId: string; reason: string }[];
}

interface WatchRow {
  id: string;
  owner_id: string;
  target_kind: TargetKind;
  target_id: string;
  webhook_url: string | null;
  webhook_format: string | null;
  emails: string[] | null;
  stored_after: Date;
}

/** `<base>/events?<filters>&storedAfter=…&asOf=…`: exactly one alert's events (sign-in needed). */
export function alertLink(baseUrl: string, filters: URLSearchParams, storedAfter: Date | null, asOf: Date | null): string {
  const sp = new URLSearchParams(filters);
  if (storedAfter) sp.set("storedAfter", storedAfter.toISOString());
  if (asOf) sp.set("asOf", asOf.toISOString());
  const qs = sp.toString();
  return `${baseUrl}/events${qs ? `?${qs}` : ""}`;
}

/** The deliveries of an alert: one per channel the watch has. */
export function channelsOf(w: Pick<WatchRow, "webhook_url" | "webhook_format" | "emails">): { channel: "webhook" | "email"; destination: string }[] {
  const out: { channel: "webhook" | "email"; destination: string }[] = [];
  if (w.webhook_url) out.push({ channel: "webhook", destination: `${maskedWebhook(w.webhook_url)} (${w.webhook_format ?? "json"})` });
  if (w.emails?.length) out.push({ channel: "email", destination: w.emails.join(", ") });
  return out;
}

/** Records an alert and its deliveries on `c` (inside the caller's transaction); returns its id. */
export async function insertAlert(
  c: pg.PoolClient,
  w: Pick<WatchRow, "id" | "webhook_url" | "webhook_format" | "emails">,
  a: { kind: "alert" | "test"; count: number; bursts?: number; storedAfter: Date | null; asOf: Date; title: string; link: string; sample: SampleEvent[] },
  /** A test message's deliveries are sent right away by its request: "sending", leased from the dispatcher. */
  delivery: { status: "pending" | "sending"; leaseMs?: number },
): Promise<number> {
  const { rows } = await c.query<{ id: number }>(
    `INSERT INTO alerts (watch_id, kind, count, bursts, stored_after, as_of, title, link, sample) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [w.id, a.kind, a.count, a.bursts ?? null, a.storedAfter, a.asOf, a.title, a.link, JSON.stringify(a.sample)],
  );
  const id = rows[0].id;
  for (const ch of channelsOf(w)) {
    await c.query(
      `INSERT INTO alert_deliveries (alert_id, channel, destination, status, next_attempt_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::float8 / 1000))`,
      [id, ch.channel, ch.destination, delivery.status, delivery.leaseMs ?? 0],
    );
  }
  return id;
}

class Skip extends Error {}

/** A watch ready to be counted: its row as read, and its query over (stored_after, bound]. */
interface Prepared {
  w: WatchRow;
  title: string;
  filters: URLSearchParams;
  clauses: string[];
  /**
   * A burst detection's watch: its query and threshold, and the statement (with parameters of its
   * own) that finds the groups (per value, window) its new events fall in; burstsFound counts those.
   * It runs beside the one pass, on another connection: the other core.
   */
  bursts?: { q: EventQuery; threshold: Threshold; groups: { sql: string; values: unknown[] } };
}

/** What a watch found: the count, the newest events' ids, and for bursts how many and the newest one's own link. */
interface Found {
  count: number;
  ids: string[];
  bursts?: number;
  link?: string;
}

/**
 * A watch's conditions in an order that is cheap to evaluate row by row: AND inside a FILTER runs
 * left to right, so the columns first and the record (free text, record paths) last.
 */
function cheapFirst(clauses: string[]): string[] {
  const readsRecord = (c: string) => /\b(record|raw_json)\b/.test(c);
  return [...clauses.filter((c) => !readsRecord(c)), ...clauses.filter(readsRecord)];
}

/**
 * Evaluates every enabled watch whose lower bound is before this evaluation's upper bound.
 *
 * All of them are counted in ONE pass over the events stored since the earliest lower bound
 * (events_ingested_at_idx, a BRIN index): each watch is a `count(*) FILTER (WHERE …)` and an array
 * of its newest matches. One query per watch let the planner walk the time index over every event
 * for a watch no other index serves (its count needs every match): 1.2–3.2 s per watch with 200k
 * stored; and ten such watches read the new events ten times (BENCHMARKS, session 14).
 */
export async function evaluateWatches(db: Db, opts: { log?: (m: string) => void; onWatch?: (watchId: string, ms: number) => void } = {}): Promise<EvaluationSummary> {
  const log = opts.log ?? (() => {});
  const bound = await freezeInstant(db.pool);
  const { rows } = await db.pool.query<WatchRow>(
    `SELECT id, owner_id, target_kind, target_id, webhook_url, webhook_format, emails, stored_after FROM watches WHERE enabled AND stored_after < $1 ORDER BY created_at`,
    [bound],
  );
  const summary: EvaluationSummary = { watches: rows.length, alerts: 0, problems: [] };
  if (rows.length === 0) return summary;
  const problem = async (id: string, err: unknown) => {
    const reason = err instanceof Skip || err instanceof AccessError || err instanceof ParamError ? err.message : `evaluation failed: ${(err as Error).message}`;
    summary.problems.push({ watchId: id, reason });
    log(`alert watch ${id}: ${reason}`);
    await db.pool.query(`UPDATE watches SET last_error = $2, last_evaluated_at = now() WHERE id = $1`, [id, reason]).catch(() => {});
  };
  // New block ranges summarised now, so the next evaluation skips them (unsummarised ranges are
  // always read). Only an optimisation: the owner of the index may be another role.
  await db.pool.query(`SELECT brin_summarize_new_values('events_ingested_at_idx')`).catch(() => {});

  const prepared: Prepared[] = [];
  const p = new SqlParams();
  for (const w of rows) {
    try {
      prepared.push(await prepare(db, w, bound, p));
    } catch (err) {
      await problem(w.id, err);
    }
  }
  if (prepared.length === 0) return summary;

  const baseUrl = alertSettings().baseUrl;
  const started = performance.now();
  // The plain watches in one pass; each burst watch's groups and bursts beside it, on other
  // connections (PostgreSQL runs each on a core of its own).
  const plain = prepared.filter((x) => !x.bursts);
  const [counted, bursts] = await Promise.all([
    plain.length ? countAll(db, plain, bound, p) : Promise.resolve([] as Found[]),
    Promise.all(
      prepared
        .filter((x) => x.bursts)
        .map((x) =>
          burstsFound(db, x, bound, baseUrl).then(
            (found) => [x, found] as const,
            (error: unknown) => [x, { error }] as const,
          ),
        ),
    ),
  ]);
  const found = new Map<Prepared, Found | { error: unknown }>([...plain.map((x, i) => [x, counted[i]] as const), ...bursts]);
  const perWatch = (performance.now() - started) / prepared.length;
  for (const x of prepared) {
    const t = performance.now();
    try {
      const f = found.get(x)!;
      if ("error" in f) throw f.error;
      if (await record(db, x, f, bound, baseUrl)) summary.alerts++;
      opts.onWatch?.(x.w.id, perWatch + performance.now() - t);
    } catch (err) {
      await problem(x.w.id, err);
    }
  }
  return summary;
}

/** The watch's target under its owner's access as it is now, as conditions over (stored_after, bound]. */
async function prepare(db: Db, w: WatchRow, bound: Date, p: SqlParams): Promise<Prepared> {
  const access = await backgroundAccess(db, w.owner_id).catch((err) => {
    throw new Skip(`its owner cannot be acted for (${(err as Error).message})`);
  });
  if (!can(access, "share")) throw new Skip(`its owner's role (${access.role}) may no longer watch views`);
  const target = await resolveTarget(db, access, w.target_kind, w.target_id);
  if (!target) throw new Skip(`its ${w.target_kind} ${w.target_id} no longer exists for its owner`);
  let q = constrain(parseEventQuery(target.filters, { now: bound }), access);
  q.storedAfter = w.stored_after;
  q.asOf = bound;
  // Free text reads only the search blocks that may hold a match (lib/query/search.ts), as the
  // timeline does: a term over every new record costs ~0.7 s per 100k events.
  q = await withSearchBlocks(db.pool, q);
  if (target.threshold) {
    // Not in the one pass: its own statement, with its own parameters.
    const own = new SqlParams();
    const sql = newBurstGroupsSql(target.threshold, cheapFirst(whereClauses(q, own)), own, w.stored_after, bound);
    return { w, title: target.title, filters: target.filters, clauses: [], bursts: { q: { ...q, storedAfter: undefined }, threshold: target.threshold, groups: { sql, values: own.values } } };
  }
  return { w, title: target.title, filters: target.filters, clauses: cheapFirst(whereClauses(q, p)) };
}

/** Per watch: how many events match and the ids of the newest SAMPLE_EVENTS, in one pass. */
async function countAll(db: Db, watches: Prepared[], bound: Date, p: SqlParams): Promise<Found[]> {
  const since = new Date(Math.min(...watches.map((x) => x.w.stored_after.getTime())));
  const range = `ingested_at > ${p.add(since)} AND ingested_at <= ${p.add(bound)}`;
  // Each condition keeps its own order (cheapFirst): free text reads a record only where the
  // columns and the search blocks (lib/query/search.ts) left it a candidate.
  const cond = (x: Prepared) => (x.clauses.length ? x.clauses.join(" AND ") : "true");
  // Each watch's condition once per row (m<i>), then its count and newest ids from that.
  const matches = watches.map((x, i) => `(${cond(x)}) AS m${i}`);
  const cols = watches.flatMap((_, i) => [
    `count(*) FILTER (WHERE m${i}) AS n${i}`,
    `(array_agg(id ORDER BY event_time DESC, id DESC) FILTER (WHERE m${i}))[1:${SAMPLE_EVENTS}] AS ids${i}`,
  ]);
  const { rows } = await db.pool.query(`SELECT ${cols.join(", ")} FROM (SELECT id, event_time, ${matches.join(", ")} FROM events WHERE ${range} OFFSET 0) AS matched`, p.values);
  return watches.map((_, i) => ({ count: Number(rows[0][`n${i}`]), ids: (rows[0][`ids${i}`] as string[] | null) ?? [] }));
}

/** The groups a burst watch's new events fall in. */
async function burstGroupsOf(db: Db, x: Prepared): Promise<BurstGroup[]> {
  const { rows } = await db.pool.query<{ k: string | null; w: Date }>(x.bursts!.groups.sql, x.bursts!.groups.values);
  return rows.map((r) => ({ key: r.k, window: r.w }));
}

/**
 * A burst detection's watch: the bursts (groups reaching its threshold) that events stored since
 * its lower bound made or grew; the count is their events, the link the newest burst exactly (the
 * detection's filters, its group's value and window, frozen at the bound).
 */
async function burstsFound(db: Db, x: Prepared, bound: Date, baseUrl: string): Promise<Found> {
  const { q, threshold: t } = x.bursts!;
  // A built-in's bursts from its groups kept after the sync (lib/detections/rollup.ts): no event
  // read again. Else live: the groups its new events fall in, then those groups' events.
  const kept = x.w.target_kind === "detection" ? await keptBursts(db.pool, x.w.target_id, q.accounts, x.w.stored_after, bound) : null;
  const bursts = kept ?? (await burstsOfGroups(db.pool, q, t, await burstGroupsOf(db, x)));
  if (bursts.length === 0) return { count: 0, ids: [] };
  const ids = await burstSample(db.pool, q, t, bursts, SAMPLE_EVENTS);
  const newest = bursts[0];
  const filters = new URLSearchParams(x.filters);
  filters.append(t.per, newest.key === null ? "!*" : exactValue(newest.key));
  filters.set("from", newest.window.toISOString());
  filters.set("to", new Date(newest.window.getTime() + t.windowMinutes * 60_000).toISOString());
  return { count: bursts.reduce((n, b) => n + b.events, 0), ids, bursts: bursts.length, link: alertLink(baseUrl, filters, null, bound) };
}

/**
 * Records the watch's alert (when it found events) and moves its lower bound up to `bound`, under
 * the watch's row lock. Another evaluation (a sync ending in another process) that moved the
 * bound first wins: its count covered these events, so this one records nothing.
 */
async function record(db: Db, x: Prepared, found: Found, bound: Date, baseUrl: string): Promise<boolean> {
  const c = await checkOut(db.pool);
  try {
    await c.query("BEGIN");
    const { rows } = await c.query<{ stored_after: Date }>(`SELECT stored_after FROM watches WHERE id = $1 AND enabled FOR UPDATE`, [x.w.id]);
    if (!rows[0] || rows[0].stored_after.getTime() !== x.w.stored_after.getTime()) {
      await c.query("COMMIT");
      return false;
    }
    if (found.count > 0) {
      const picked = await c.query<{ id: string; event_time: Date; event_name: string | null; username: string | null; recipient_account_id: string | null }>(
        `SELECT id, event_time, event_name, username, recipient_account_id FROM events WHERE id = ANY($1::text[]) ORDER BY event_time DESC, id DESC`,
        [found.ids],
      );
      const sample = picked.rows.map((r) => ({ eventID: r.id, eventTime: r.event_time.toISOString(), eventName: r.event_name, username: r.username, accountId: r.recipient_account_id }));
      const link = found.link ?? alertLink(baseUrl, x.filters, x.w.stored_after, bound);
      // A burst's events are those of its window, stored before or since: no lower bound.
      const storedAfter = found.bursts ? null : x.w.stored_after;
      await insertAlert(c, x.w, { kind: "alert", count: found.count, bursts: found.bursts, storedAfter, asOf: bound, title: x.title, link, sample }, { status: "pending" });
    }
    await c.query(`UPDATE watches SET stored_after = $2, last_evaluated_at = now(), last_error = NULL WHERE id = $1`, [x.w.id, bound]);
    await c.query("COMMIT");
    return found.count > 0;
  } catch (err) {
    await c.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    giveBack(c);
  }
}

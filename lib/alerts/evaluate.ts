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
import { ParamError, parseEventQuery } from "../query/params";
import { withSearchBlocks } from "../query/search";
import { SqlParams, whereSql } from "../query/sql";
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
  a: { kind: "alert" | "test"; count: number; storedAfter: Date | null; asOf: Date; title: string; link: string; sample: SampleEvent[] },
  /** A test message's deliveries are sent right away by its request: "sending", leased from the dispatcher. */
  delivery: { status: "pending" | "sending"; leaseMs?: number },
): Promise<number> {
  const { rows } = await c.query<{ id: number }>(
    `INSERT INTO alerts (watch_id, kind, count, stored_after, as_of, title, link, sample) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [w.id, a.kind, a.count, a.storedAfter, a.asOf, a.title, a.link, JSON.stringify(a.sample)],
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

/** Evaluates every enabled watch whose lower bound is before this evaluation's upper bound. */
export async function evaluateWatches(db: Db, opts: { log?: (m: string) => void; onWatch?: (watchId: string, ms: number) => void } = {}): Promise<EvaluationSummary> {
  const log = opts.log ?? (() => {});
  const bound = await freezeInstant(db.pool);
  const { rows } = await db.pool.query<{ id: string }>(`SELECT id FROM watches WHERE enabled AND stored_after < $1 ORDER BY created_at`, [bound]);
  const summary: EvaluationSummary = { watches: rows.length, alerts: 0, problems: [] };
  if (rows.length === 0) return summary;
  // New block ranges summarised now, so the next evaluation skips them (unsummarised ranges are
  // always read). Only an optimisation: the owner of the index may be another role.
  await db.pool.query(`SELECT brin_summarize_new_values('events_ingested_at_idx')`).catch(() => {});
  const baseUrl = alertSettings().baseUrl;
  for (const { id } of rows) {
    const started = performance.now();
    try {
      if (await evaluateWatch(db, id, bound, baseUrl)) summary.alerts++;
      opts.onWatch?.(id, performance.now() - started);
    } catch (err) {
      const reason = err instanceof Skip || err instanceof AccessError || err instanceof ParamError ? err.message : `evaluation failed: ${(err as Error).message}`;
      summary.problems.push({ watchId: id, reason });
      log(`alert watch ${id}: ${reason}`);
      await db.pool.query(`UPDATE watches SET last_error = $2, last_evaluated_at = now() WHERE id = $1`, [id, reason]).catch(() => {});
    }
  }
  return summary;
}

/** One watch over (stored_after, bound]; whether an alert was queued. Throws why it could not run. */
async function evaluateWatch(db: Db, id: string, bound: Date, baseUrl: string): Promise<boolean> {
  const c = await checkOut(db.pool);
  try {
    await c.query("BEGIN");
    // Another evaluation (a sync ending in another process) may hold it: wait, then see its bound.
    const { rows } = await c.query<WatchRow>(
      `SELECT id, owner_id, target_kind, target_id, webhook_url, webhook_format, emails, stored_after FROM watches WHERE id = $1 AND enabled FOR UPDATE`,
      [id],
    );
    const w = rows[0];
    if (!w || w.stored_after.getTime() >= bound.getTime()) {
      await c.query("COMMIT");
      return false;
    }
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
    const p = new SqlParams();
    // One statement: the count of all matches and the newest few (the window counts before LIMIT).
    const found = await c.query<{ total: number; id: string; event_time: Date; event_name: string | null; username: string | null; recipient_account_id: string | null }>(
      `SELECT count(*) OVER () AS total, id, event_time, event_name, username, recipient_account_id
         FROM events ${whereSql(q, p)} ORDER BY event_time DESC, id DESC LIMIT ${SAMPLE_EVENTS}`,
      p.values,
    );
    const count = found.rows[0]?.total ?? 0;
    if (count > 0) {
      const sample = found.rows.map((r) => ({ eventID: r.id, eventTime: r.event_time.toISOString(), eventName: r.event_name, username: r.username, accountId: r.recipient_account_id }));
      const link = alertLink(baseUrl, target.filters, w.stored_after, bound);
      await insertAlert(c, w, { kind: "alert", count, storedAfter: w.stored_after, asOf: bound, title: target.title, link, sample }, { status: "pending" });
    }
    await c.query(`UPDATE watches SET stored_after = $2, last_evaluated_at = now(), last_error = NULL WHERE id = $1`, [id, bound]);
    await c.query("COMMIT");
    return count > 0;
  } catch (err) {
    await c.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    giveBack(c);
  }
}

// Sends queued deliveries (lib/alerts/evaluate.ts queues them), with retries and exponential
// backoff: a failed try is retried after TRAILSCOPE_ALERT_RETRY, then twice that, … until
// TRAILSCOPE_ALERT_ATTEMPTS tries. Run by the scheduler of `npm start` every couple of seconds and
// once at the end of `npm run sync`. Safe with several processes: a delivery is claimed (status
// "sending" with a lease) by one of them; a claim whose process died is taken again when its
// lease ends, so a delivery can be sent twice after a crash, but is never lost.
import type { Db } from "../store/db";
import { AccessError, backgroundAccess } from "../auth/access";
import { alertSettings, backoffMs, type AlertSettings } from "./settings";
import { emailMessage, jsonBody, slackBody, type AlertMessage } from "./message";
import { postWebhook } from "./webhook";
import { scrubSecrets, sendEmail } from "./email";
import type { SampleEvent } from "./evaluate";
import type { TargetKind } from "./targets";

const CLAIM_BATCH = 20;

export interface DispatchSummary {
  sent: number;
  retrying: number;
  failed: number;
}

interface Claimed {
  id: number;
  alert_id: number;
  channel: "webhook" | "email";
  attempts: number;
  kind: "alert" | "test";
  count: number;
  bursts: number | null;
  stored_after: Date | null;
  as_of: Date;
  title: string;
  link: string;
  sample: SampleEvent[];
  watch_id: string;
  owner_id: string;
  target_kind: TargetKind;
  target_id: string;
  enabled: boolean;
  webhook_url: string | null;
  webhook_format: string | null;
  emails: string[] | null;
}

interface Outcome {
  ok: boolean;
  detail: string;
  retryable: boolean;
}

export function messageOf(d: Claimed): AlertMessage {
  return {
    alertId: d.alert_id,
    watchId: d.watch_id,
    kind: d.kind,
    target: { kind: d.target_kind, id: d.target_id, title: d.title },
    count: d.count,
    ...(d.bursts !== null && d.bursts !== undefined ? { bursts: d.bursts } : {}),
    link: d.link,
    storedAfter: d.stored_after ? d.stored_after.toISOString() : null,
    asOf: d.as_of.toISOString(),
    sample: d.sample,
  };
}

/** One try of one delivery. Never throws: every failure is an outcome. */
async function deliver(db: Db, d: Claimed, settings: AlertSettings): Promise<Outcome> {
  if (!d.enabled && d.kind === "alert") return { ok: false, detail: "the watch was disabled before this was sent", retryable: false };
  // Sent under the owner's access as it is now: a disabled owner's alerts stop here too.
  try {
    await backgroundAccess(db, d.owner_id);
  } catch (err) {
    if (err instanceof AccessError) return { ok: false, detail: `its owner cannot be acted for (${err.message})`, retryable: false };
    return { ok: false, detail: (err as Error).message, retryable: true };
  }
  const m = messageOf(d);
  try {
    if (d.channel === "webhook") {
      if (!d.webhook_url) return { ok: false, detail: "the watch no longer has a webhook", retryable: false };
      const body = d.webhook_format === "slack" ? slackBody(m) : jsonBody(m);
      const r = await postWebhook(d.webhook_url, body, { timeoutMs: settings.timeoutMs, allowPrivate: settings.allowPrivate, headers: { "x-trailscope-delivery": String(d.id), "x-trailscope-watch": d.watch_id } });
      return { ok: r.ok, detail: r.detail, retryable: r.retryable };
    }
    if (!d.emails?.length) return { ok: false, detail: "the watch no longer has email recipients", retryable: false };
    return await sendEmail(settings, d.emails, emailMessage(m));
  } catch (err) {
    return { ok: false, detail: scrubSecrets((err as Error).message, [d.webhook_url, settings.smtpUrl]), retryable: true };
  }
}

const CLAIMED_COLUMNS = `d.id, d.alert_id, d.channel, d.attempts, a.kind, a.count, a.bursts, a.stored_after, a.as_of, a.title, a.link, a.sample,
  w.id AS watch_id, w.owner_id, w.target_kind, w.target_id, w.enabled, w.webhook_url, w.webhook_format, w.emails`;

/** Claims up to `limit` due deliveries for this process: one more attempt each, leased for a while. */
async function claim(db: Db, settings: AlertSettings, limit: number): Promise<Claimed[]> {
  const leaseMs = settings.timeoutMs * 3 + 30_000;
  const { rows } = await db.pool.query<Claimed>(
    `WITH due AS (
       SELECT id FROM alert_deliveries
        WHERE status IN ('pending', 'retrying', 'sending') AND next_attempt_at <= now()
        ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE alert_deliveries d SET status = 'sending', attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2::float8 / 1000)
         FROM due WHERE d.id = due.id RETURNING d.*
     )
     SELECT ${CLAIMED_COLUMNS} FROM claimed d JOIN alerts a ON a.id = d.alert_id JOIN watches w ON w.id = a.watch_id`,
    [limit, leaseMs],
  );
  return rows;
}

async function record(db: Db, d: Claimed, o: Outcome, settings: AlertSettings, retries: boolean): Promise<"sent" | "retrying" | "failed"> {
  if (o.ok) {
    await db.pool.query(`UPDATE alert_deliveries SET status = 'sent', sent_at = now(), response = $2, last_error = NULL WHERE id = $1`, [d.id, o.detail.slice(0, 500)]);
    return "sent";
  }
  const again = retries && o.retryable && d.attempts < settings.attempts;
  await db.pool.query(
    `UPDATE alert_deliveries SET status = $2, last_error = $3, next_attempt_at = now() + make_interval(secs => $4::float8 / 1000) WHERE id = $1`,
    [d.id, again ? "retrying" : "failed", o.detail.slice(0, 500), again ? backoffMs(settings, d.attempts) : 0],
  );
  return again ? "retrying" : "failed";
}

/** Sends every delivery due now (claimed in batches); returns what became of them. */
export async function dispatchDue(db: Db, opts: { log?: (m: string) => void; settings?: AlertSettings } = {}): Promise<DispatchSummary> {
  const settings = opts.settings ?? alertSettings();
  const log = opts.log ?? (() => {});
  const out: DispatchSummary = { sent: 0, retrying: 0, failed: 0 };
  for (;;) {
    const batch = await claim(db, settings, CLAIM_BATCH);
    if (batch.length === 0) return out;
    await Promise.all(
      batch.map(async (d) => {
        const o = await deliver(db, d, settings);
        const state = await record(db, d, o, settings, d.kind === "alert");
        out[state]++;
        if (state !== "sent") log(`alert ${d.alert_id} (${d.channel}): ${state === "retrying" ? `try ${d.attempts} failed, retrying` : "failed"}: ${o.detail}`);
      }),
    );
  }
}

/** The lease of a test message's deliveries (inserted "sending"): the dispatcher leaves them alone. */
export const TEST_LEASE_MS = 10 * 60_000;

/** Sends the deliveries of one alert now, once each (a test message: no retries). */
export async function sendAlertNow(db: Db, alertId: number, settings = alertSettings()): Promise<{ channel: string; destination: string; status: string; detail: string }[]> {
  const { rows } = await db.pool.query<Claimed & { destination: string }>(
    `UPDATE alert_deliveries d SET attempts = d.attempts + 1 FROM alerts a JOIN watches w ON w.id = a.watch_id
      WHERE d.alert_id = $1 AND a.id = d.alert_id AND d.status = 'sending' RETURNING ${CLAIMED_COLUMNS}, d.destination`,
    [alertId],
  );
  return Promise.all(
    rows.map(async (d) => {
      const o = await deliver(db, d, settings);
      const status = await record(db, d, o, settings, false);
      return { channel: d.channel, destination: d.destination, status, detail: o.detail };
    }),
  );
}

/** The scheduler's loop: dispatchDue every `pollMs` until the signal ends it. */
export async function dispatchLoop(db: Db, signal: AbortSignal, opts: { pollMs: number; log: (m: string) => void }): Promise<void> {
  let failing = false;
  while (!signal.aborted) {
    try {
      await dispatchDue(db, { log: opts.log });
      failing = false;
    } catch (err) {
      // The database may be restarting: say so once, keep trying.
      if (!failing && !signal.aborted) opts.log(`trailscope: alerts not dispatched (${(err as Error).message}); retrying`);
      failing = true;
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, opts.pollMs);
      function done() {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

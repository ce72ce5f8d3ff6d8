// Watches as their owners (and admins) see and change them: create on a saved view or detection
// the user may see, list, enable/disable, delete, send a test message, and the history of alerts
// with each channel's outcome. The webhook's address is stored (it is needed to send) but never
// shown back whole: for Slack it is the secret that lets anyone post to the channel.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Access } from "../auth/access";
import { audit } from "../auth/audit";
import { freezeInstant } from "../auth/shares";
import { ParamError } from "../query/params";
import type { Db } from "../store/db";
import { sendAlertNow, TEST_LEASE_MS } from "./dispatch";
import { alertLink, channelsOf, insertAlert } from "./evaluate";
import { alertSettings } from "./settings";
import { checkWebhookUrl, maskedWebhook } from "./ssrf";
import { resolveTarget, TARGET_KINDS, type TargetKind } from "./targets";
import { checkOut, giveBack } from "../store/checkout";

export const WEBHOOK_FORMATS = ["slack", "json"] as const;
export const MAX_EMAILS = 10;
/** Each watch is one query per sync: enough for anyone, not a way to slow every sync down. */
export const MAX_WATCHES_PER_USER = 100;

export const WatchInput = z.object({
  target: z.object({ kind: z.enum(TARGET_KINDS), id: z.string().min(1).max(200) }),
  webhook: z.object({ url: z.string().min(1), format: z.enum(WEBHOOK_FORMATS) }).optional(),
  email: z.array(z.email()).max(MAX_EMAILS).optional(),
});
export type WatchInput = z.infer<typeof WatchInput>;

export interface WatchView {
  id: string;
  ownerId: string;
  owner: string | null;
  target: { kind: TargetKind; id: string; title: string | null; href: string };
  webhook: { destination: string; format: string } | null;
  emails: string[];
  enabled: boolean;
  createdAt: string;
  lastEvaluatedAt: string | null;
  lastSentAt: string | null;
  lastError: string | null;
}

export interface DeliveryView {
  id: number;
  channel: string;
  destination: string;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  response: string | null;
  sentAt: string | null;
}

export interface AlertView {
  id: number;
  watchId: string;
  kind: "alert" | "test";
  title: string;
  count: number;
  /** A burst detection's alert: the bursts; `count` is all their events. */
  bursts: number | null;
  storedAfter: string | null;
  asOf: string;
  link: string;
  createdAt: string;
  deliveries: DeliveryView[];
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const actorOf = (a: Access) => ({ actorKind: a.kind === "token" ? ("token" as const) : ("user" as const), actorId: a.userId, actorName: a.name, ip: a.ip });
const isAdmin = (a: Access) => a.role === "admin";

/** A zod failure as one 400 naming the field, like every other bad parameter. */
export function inputError(err: z.ZodError): ParamError {
  const issue = err.issues[0];
  return new ParamError(issue?.path.length ? issue.path.join(".") : "body", issue?.message ?? "invalid");
}

export async function createWatch(db: Db, access: Access, input: WatchInput): Promise<WatchView> {
  const settings = alertSettings();
  const target = await resolveTarget(db, access, input.target.kind, input.target.id);
  if (!target) throw new ParamError("target", `no ${input.target.kind} "${input.target.id}" that you can see`);
  if (!input.webhook && !input.email?.length) throw new ParamError("webhook", "give a webhook, email recipients, or both");
  if (input.webhook) {
    try {
      checkWebhookUrl(input.webhook.url, settings.allowPrivate);
    } catch (err) {
      throw new ParamError("webhook.url", (err as Error).message.replace(/^webhook\.url: /, ""));
    }
  }
  if (input.email?.length && !settings.smtpUrl) throw new ParamError("email", "email alerts need TRAILSCOPE_SMTP_URL set on the server");
  const mine = await db.prisma.watch.count({ where: { ownerId: access.userId } });
  if (mine >= MAX_WATCHES_PER_USER) throw new ParamError("target", `at most ${MAX_WATCHES_PER_USER} watches per user`);
  const id = randomBytes(9).toString("base64url");
  // Watching starts now: events stored before the watch existed are not alerted.
  const storedAfter = await freezeInstant(db.pool);
  await db.prisma.watch.create({
    data: {
      id,
      ownerId: access.userId,
      targetKind: target.kind,
      targetId: target.id,
      webhookUrl: input.webhook?.url ?? null,
      webhookFormat: input.webhook?.format ?? null,
      emails: [...new Set(input.email ?? [])],
      storedAfter,
    },
  });
  const channels = [input.webhook ? `webhook (${input.webhook.format}) ${maskedWebhook(input.webhook.url)}` : null, input.email?.length ? `email ${input.email.join(", ")}` : null].filter(Boolean);
  await audit(db, { ...actorOf(access), action: "watch-create", target: id, detail: { target: `${target.kind}:${target.id}`, title: target.title, channels } });
  const [view] = await listWatches(db, access, id);
  return view;
}

interface ListRow {
  id: string;
  owner_id: string;
  owner: string | null;
  target_kind: TargetKind;
  target_id: string;
  webhook_url: string | null;
  webhook_format: string | null;
  emails: string[] | null;
  enabled: boolean;
  created_at: Date;
  last_evaluated_at: Date | null;
  last_error: string | null;
  last_sent_at: Date | null;
}

/** The user's watches (an admin: everyone's), newest first; or one of them. */
export async function listWatches(db: Db, access: Access, onlyId?: string): Promise<WatchView[]> {
  const { rows } = await db.pool.query<ListRow>(
    `SELECT w.id, w.owner_id, u.email AS owner, w.target_kind, w.target_id, w.webhook_url, w.webhook_format, w.emails, w.enabled,
            w.created_at, w.last_evaluated_at, w.last_error,
            (SELECT max(d.sent_at) FROM alerts a JOIN alert_deliveries d ON d.alert_id = a.id WHERE a.watch_id = w.id AND a.kind = 'alert') AS last_sent_at
       FROM watches w LEFT JOIN auth_users u ON u.id = w.owner_id
      WHERE ($1::text IS NULL OR w.owner_id = $1) AND ($2::text IS NULL OR w.id = $2)
      ORDER BY w.created_at DESC LIMIT 1000`,
    [isAdmin(access) ? null : access.userId, onlyId ?? null],
  );
  return Promise.all(
    rows.map(async (r) => {
      // The title as the owner sees the target (null: gone, or no longer visible to them).
      const t = await resolveTarget(db, { userId: r.owner_id }, r.target_kind, r.target_id);
      return {
        id: r.id,
        ownerId: r.owner_id,
        owner: r.owner,
        target: { kind: r.target_kind, id: r.target_id, title: t?.title ?? null, href: alertLink("", t?.filters ?? new URLSearchParams(), null, null) },
        webhook: r.webhook_url ? { destination: maskedWebhook(r.webhook_url), format: r.webhook_format ?? "json" } : null,
        emails: r.emails ?? [],
        enabled: r.enabled,
        createdAt: r.created_at.toISOString(),
        lastEvaluatedAt: iso(r.last_evaluated_at),
        lastSentAt: iso(r.last_sent_at),
        lastError: r.last_error,
      };
    }),
  );
}

/** The watch if this user may change it (its owner, or an admin). */
async function ownWatch(db: Db, access: Access, id: string) {
  const w = await db.prisma.watch.findUnique({ where: { id } });
  return w && (w.ownerId === access.userId || isAdmin(access)) ? w : null;
}

/**
 * Enables or disables a watch. Enabled again, it starts from now: what was stored while it was off
 * is not alerted (a backlog after a pause would be a storm of its own).
 */
export async function setWatchEnabled(db: Db, access: Access, id: string, enabled: boolean): Promise<WatchView | null> {
  const w = await ownWatch(db, access, id);
  if (!w) return null;
  if (w.enabled !== enabled) {
    await db.prisma.watch.update({ where: { id }, data: { enabled, ...(enabled ? { storedAfter: await freezeInstant(db.pool), lastError: null } : {}) } });
    await audit(db, { ...actorOf(access), action: enabled ? "watch-enable" : "watch-disable", target: id });
  }
  return (await listWatches(db, access, id))[0] ?? null;
}

export async function deleteWatch(db: Db, access: Access, id: string): Promise<boolean> {
  const w = await ownWatch(db, access, id);
  if (!w) return false;
  // Its alerts and their deliveries go with it (foreign keys, ON DELETE CASCADE).
  await db.prisma.watch.delete({ where: { id } });
  await audit(db, { ...actorOf(access), action: "watch-delete", target: id, detail: { target: `${w.targetKind}:${w.targetId}` } });
  return true;
}

/** A test message on every channel of the watch, sent now (no retries); recorded in its history. */
export async function sendTestMessage(db: Db, access: Access, id: string) {
  const w = await ownWatch(db, access, id);
  if (!w) return null;
  const target = await resolveTarget(db, { userId: w.ownerId }, w.targetKind as TargetKind, w.targetId);
  const settings = alertSettings();
  const asOf = await freezeInstant(db.pool);
  const row = { id: w.id, webhook_url: w.webhookUrl, webhook_format: w.webhookFormat, emails: w.emails };
  if (channelsOf(row).length === 0) throw new ParamError("watch", "has no channel to send to");
  const c = await checkOut(db.pool);
  let alertId: number;
  try {
    alertId = await insertAlert(
      c,
      row,
      { kind: "test", count: 0, storedAfter: null, asOf, title: target?.title ?? `${w.targetKind} ${w.targetId}`, link: alertLink(settings.baseUrl, target?.filters ?? new URLSearchParams(), null, null), sample: [] },
      { status: "sending", leaseMs: TEST_LEASE_MS },
    );
  } finally {
    giveBack(c);
  }
  return { alertId, deliveries: await sendAlertNow(db, alertId, settings) };
}

/** Alerts with their deliveries, newest first: of the user's watches (an admin: all), or of one. */
export async function alertHistory(db: Db, access: Access, opts: { watchId?: string; limit?: number } = {}): Promise<AlertView[]> {
  const { rows } = await db.pool.query<{ id: number; watch_id: string; kind: "alert" | "test"; title: string; count: number; bursts: number | null; stored_after: Date | null; as_of: Date; link: string; created_at: Date }>(
    `SELECT a.id, a.watch_id, a.kind, a.title, a.count, a.bursts, a.stored_after, a.as_of, a.link, a.created_at
       FROM alerts a JOIN watches w ON w.id = a.watch_id
      WHERE ($1::text IS NULL OR w.owner_id = $1) AND ($2::text IS NULL OR a.watch_id = $2)
      ORDER BY a.created_at DESC, a.id DESC LIMIT $3`,
    [isAdmin(access) ? null : access.userId, opts.watchId ?? null, Math.min(opts.limit ?? 100, 1000)],
  );
  const deliveries = rows.length
    ? (
        await db.pool.query<{ id: number; alert_id: number; channel: string; destination: string; status: string; attempts: number; next_attempt_at: Date; last_error: string | null; response: string | null; sent_at: Date | null }>(
          `SELECT id, alert_id, channel, destination, status, attempts, next_attempt_at, last_error, response, sent_at FROM alert_deliveries WHERE alert_id = ANY($1::int[]) ORDER BY id`,
          [rows.map((r) => r.id)],
        )
      ).rows
    : [];
  return rows.map((a) => ({
    id: a.id,
    watchId: a.watch_id,
    kind: a.kind,
    title: a.title,
    count: a.count,
    bursts: a.bursts,
    storedAfter: iso(a.stored_after),
    asOf: a.as_of.toISOString(),
    link: a.link,
    createdAt: a.created_at.toISOString(),
    deliveries: deliveries
      .filter((d) => d.alert_id === a.id)
      .map((d) => ({
        id: d.id,
        channel: d.channel,
        destination: d.destination,
        status: d.status,
        attempts: d.attempts,
        nextAttemptAt: d.status === "retrying" || d.status === "pending" ? d.next_attempt_at.toISOString() : null,
        lastError: d.last_error,
        response: d.response,
        sentAt: iso(d.sent_at),
      })),
  }));
}

// What the operator configures about alerts, from the environment (README, Alerts). Read at each
// use, so a test or a restart with new settings needs nothing else; invalid values throw naming the
// variable (scripts/start.ts checks them at start).
import { parseDuration } from "../sync/config";
import { accessSettings } from "../auth/settings";

export interface AlertSettings {
  /** smtp://user:pass@host:port or smtps://… (TRAILSCOPE_SMTP_URL); null: no email alerts. */
  smtpUrl: string | null;
  /** The From address of alert emails (TRAILSCOPE_ALERT_FROM). */
  from: string;
  /** Webhooks may reach loopback and private addresses (TRAILSCOPE_WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** Tries per delivery before it is given up as failed (TRAILSCOPE_ALERT_ATTEMPTS). */
  attempts: number;
  /** The first retry's delay; each further one doubles it (TRAILSCOPE_ALERT_RETRY). */
  retryMs: number;
  /** How long a webhook or SMTP server may take to answer (TRAILSCOPE_ALERT_TIMEOUT). */
  timeoutMs: number;
  /** The console's public base URL: alert links point there (TRAILSCOPE_URL). */
  baseUrl: string;
}

function flag(name: string, env: NodeJS.ProcessEnv): boolean {
  const v = (env[name] ?? "").trim().toLowerCase();
  if (v === "" || v === "0" || v === "false" || v === "no") return false;
  if (v === "1" || v === "true" || v === "yes") return true;
  throw new Error(`${name}: must be true or false, not "${env[name]}"`);
}

export function alertSettings(env: NodeJS.ProcessEnv = process.env): AlertSettings {
  const smtpUrl = env.TRAILSCOPE_SMTP_URL?.trim() || null;
  if (smtpUrl) {
    let u: URL;
    try {
      u = new URL(smtpUrl);
    } catch {
      // Not the value itself: it may hold a password.
      throw new Error("TRAILSCOPE_SMTP_URL: not a URL (smtp://user:password@host:port or smtps://…)");
    }
    if (u.protocol !== "smtp:" && u.protocol !== "smtps:") throw new Error("TRAILSCOPE_SMTP_URL: must start with smtp:// or smtps://");
  }
  const base = accessSettings(env).baseUrl;
  const from = env.TRAILSCOPE_ALERT_FROM?.trim() || `Trailscope <trailscope@${new URL(base).hostname.replace(/^\[|\]$/g, "") || "localhost"}>`;
  const attemptsRaw = env.TRAILSCOPE_ALERT_ATTEMPTS?.trim() || "8";
  const attempts = Number(attemptsRaw);
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 50) throw new Error(`TRAILSCOPE_ALERT_ATTEMPTS: a whole number from 1 to 50, not "${attemptsRaw}"`);
  return {
    smtpUrl,
    from,
    allowPrivate: flag("TRAILSCOPE_WEBHOOK_ALLOW_PRIVATE", env),
    attempts,
    retryMs: Math.max(1, parseDuration("TRAILSCOPE_ALERT_RETRY", env.TRAILSCOPE_ALERT_RETRY ?? "30s")),
    timeoutMs: Math.max(100, parseDuration("TRAILSCOPE_ALERT_TIMEOUT", env.TRAILSCOPE_ALERT_TIMEOUT ?? "10s")),
    baseUrl: base,
  };
}

/** The delay before try `attempt + 1` after `attempt` tries failed: retryMs, doubled each time, at most a day. */
export function backoffMs(settings: Pick<AlertSettings, "retryMs">, attempt: number): number {
  return Math.min(settings.retryMs * 2 ** Math.max(0, attempt - 1), 86_400_000);
}

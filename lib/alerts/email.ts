// Alert emails over SMTP (nodemailer), to the server of TRAILSCOPE_SMTP_URL. A transport per
// message: alerts are few (one per watch and sync), and nothing then stays connected between syncs.
import nodemailer from "nodemailer";
import type { AlertSettings } from "./settings";

export interface EmailResult {
  ok: boolean;
  /** The server's reply ("250 OK …"), or why it failed. */
  detail: string;
  /** Worth another try later: no connection, timeouts, 4xx replies (temporary by SMTP's rules). */
  retryable: boolean;
}

/** The SMTP URL's password (and the URL) must never reach a log or the history. */
export function scrubSecrets(text: string, secrets: (string | null | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("…");
  return out;
}

function smtpSecrets(url: string): string[] {
  try {
    const u = new URL(url);
    return [url, u.password, decodeURIComponent(u.password)];
  } catch {
    return [url];
  }
}

export async function sendEmail(settings: Pick<AlertSettings, "smtpUrl" | "from" | "timeoutMs">, to: string[], message: { subject: string; text: string }): Promise<EmailResult> {
  if (!settings.smtpUrl) return { ok: false, detail: "email is not configured on this console (TRAILSCOPE_SMTP_URL)", retryable: false };
  const transport = nodemailer.createTransport({
    url: settings.smtpUrl,
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
  });
  try {
    const info = await transport.sendMail({ from: settings.from, to, subject: message.subject, text: message.text });
    return { ok: true, detail: scrubSecrets(String(info.response ?? "sent"), smtpSecrets(settings.smtpUrl)), retryable: false };
  } catch (err) {
    const e = err as Error & { responseCode?: number; code?: string };
    // 5xx replies are permanent (a refused recipient, a rejected login); anything else may pass later.
    const retryable = !(e.responseCode && e.responseCode >= 500);
    return { ok: false, detail: scrubSecrets(e.message, smtpSecrets(settings.smtpUrl)), retryable };
  } finally {
    transport.close();
  }
}

// POSTs a JSON body to a webhook. node:http rather than fetch: the address is checked on every
// name resolution and the connection goes to that checked address (fetch resolves on its own, so a
// name could resolve to a public address for a check and to 169.254.169.254 for the request), and
// redirects are never followed (a public receiver could send the request on to an internal one).
import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import { checkWebhookUrl, refusedAddress } from "./ssrf";

export interface WebhookResult {
  ok: boolean;
  /** HTTP status, 0 when there was no answer. */
  status: number;
  /** "HTTP 200", or why it failed (never the address's path: it may be the webhook's secret). */
  detail: string;
  /** Worth another try later (no answer, 408, 429, 5xx); 4xx otherwise means the request itself is wrong. */
  retryable: boolean;
}

/** dns.lookup that refuses a name resolving to any refused address (exported for tests). */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const list = addresses as dns.LookupAddress[];
      for (const a of list) {
        const why = refusedAddress(a.address, allowPrivate);
        if (why) return callback(Object.assign(new Error(`refused: ${hostname} resolves to ${why}`), { code: "EADDRREFUSED" }), "", 0);
      }
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      else callback(null, list[0].address, list[0].family);
    });
  };
}

export async function postWebhook(url: string, body: unknown, opts: { timeoutMs: number; allowPrivate: boolean; headers?: Record<string, string> }): Promise<WebhookResult> {
  let u: URL;
  try {
    u = checkWebhookUrl(url, opts.allowPrivate);
  } catch (err) {
    return { ok: false, status: 0, detail: (err as Error).message, retryable: false };
  }
  const payload = Buffer.from(JSON.stringify(body));
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const requester = u.protocol === "https:" ? https : http;
  return new Promise<WebhookResult>((resolve) => {
    const signal = AbortSignal.timeout(opts.timeoutMs);
    const req = requester.request(
      u,
      {
        method: "POST",
        signal,
        // IP literals never reach a lookup: checkWebhookUrl checked them.
        lookup: ipaddr.isValid(host) ? undefined : guardedLookup(opts.allowPrivate),
        headers: { "content-type": "application/json", "content-length": String(payload.length), "user-agent": "Trailscope-Alerts", ...opts.headers },
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        // The answer's body is not kept (it could be anything); read to the end so the socket closes.
        res.resume();
        res.on("end", () => {
          const ok = status >= 200 && status < 300;
          resolve({ ok, status, detail: `HTTP ${status}${ok ? "" : ` from ${u.host}`}`, retryable: !ok && (status >= 500 || status === 408 || status === 429) });
        });
        res.on("error", (err) => resolve({ ok: false, status, detail: `${u.host}: ${err.message}`, retryable: true }));
      },
    );
    req.on("error", (err: NodeJS.ErrnoException) => {
      const refused = err.code === "EADDRREFUSED";
      const reason = signal.aborted ? `no answer within ${opts.timeoutMs} ms` : err.message;
      resolve({ ok: false, status: 0, detail: `${u.host}: ${reason}`, retryable: !refused });
    });
    req.end(payload);
  });
}

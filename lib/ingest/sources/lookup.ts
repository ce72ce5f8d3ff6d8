// LookupEvents source: management events and, in a second pass, Insights events of one region.
// The first run backfills the 90 days LookupEvents keeps (or from `since`); later runs start at the
// previous run's end minus an overlap, because events show up in LookupEvents minutes late.
// Every page commits with the cursor that records how far the run got, so a killed sync resumes
// where it stopped. Requests keep to the API's fixed 2 per second per account and region.
import { CloudTrailClient, LookupEventsCommand, type CloudTrailClientConfig, type LookupEventsCommandInput } from "@aws-sdk/client-cloudtrail";
import { normalizeRecord, RowsBuilder } from "../normalize";
import { sourceCredentials } from "./credentials";
import type { Chunk, SourceContext, SourcePlugin } from "../source";

const DAY = 86400e3;
const RETENTION_MS = 90 * DAY;

type Pass = "management" | "insight";

interface Window {
  start: string; // ISO, inclusive
  end: string; // ISO, inclusive
}

interface PassState {
  /** End of the newest window this source has begun; the next run starts there minus the overlap. */
  scannedTo?: string;
  /** Windows still to read, newest first (a window shrinks from its end as pages commit). */
  pending: Window[];
}

export interface LookupPosition {
  management?: PassState;
  insight?: PassState;
}

export interface LookupSourceOptions {
  region: string;
  profile?: string;
  /** A role to assume (LookupEvents of another account), signed by the profile or the default chain. */
  roleArn?: string;
  /** First-run start (default: 90 days ago). */
  since?: Date;
  overlapMs: number;
  insights: boolean;
  /** Requests per second allowed per account and region (AWS: 2, not adjustable). */
  rate: number;
  clientConfig?: CloudTrailClientConfig;
  now?: () => Date;
}

/** Spaces requests at least 1/rate s apart, per key, across all sources in this process. */
class RateLimiter {
  private next = 0;
  constructor(private readonly intervalMs: number) {}
  async take(signal?: AbortSignal): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + this.intervalMs;
    if (at > now) await sleep(at - now, signal);
  }
}
const limiters = new Map<string, RateLimiter>();
function limiterFor(key: string, rate: number): RateLimiter {
  let l = limiters.get(key);
  if (!l) limiters.set(key, (l = new RateLimiter(Math.ceil(1000 / rate))));
  return l;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error("aborted"));
    // The listener goes when the wait ends: a 90-day backfill waits thousands of times.
    const onAbort = () => (clearTimeout(t), reject(new Error("aborted")));
    const t = setTimeout(() => (signal?.removeEventListener("abort", onAbort), resolve()), ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const MAX_THROTTLE_BACKOFFS = 10;

export class LookupSource implements SourcePlugin {
  readonly id: string;
  private readonly client: CloudTrailClient;
  private readonly limiter: RateLimiter;
  private readonly now: () => Date;

  constructor(private readonly opts: LookupSourceOptions) {
    // The role is part of the id: two roles are two accounts, each with its own cursors and lock.
    // (The profile is encoded as it always was, so existing sources keep their id; an ARN keeps
    // its ":" and "/" readable.)
    const query = [
      ...(opts.profile ? [`profile=${encodeURIComponent(opts.profile)}`] : []),
      ...(opts.roleArn ? [`roleArn=${encodeURIComponent(opts.roleArn).replace(/%3A/g, ":").replace(/%2F/g, "/")}`] : []),
    ];
    this.id = `lookup://${opts.region}${query.length ? `?${query.join("&")}` : ""}`;
    const credentials = sourceCredentials({ profile: opts.profile, roleArn: opts.roleArn, region: opts.region });
    this.client = new CloudTrailClient({
      region: opts.region,
      ...(opts.profile ? { profile: opts.profile } : {}),
      ...(credentials ? { credentials } : {}),
      ...opts.clientConfig,
    });
    // LookupEvents' rate is per account and region: an assumed role is its own account.
    this.limiter = limiterFor(`${opts.roleArn ?? opts.profile ?? "default"}|${opts.region}`, opts.rate);
    this.now = opts.now ?? (() => new Date());
  }

  /** One request, paced by the limiter; throttling that outlasts the SDK's own retries backs off and goes on. */
  private async call(input: LookupEventsCommandInput, ctx: SourceContext) {
    for (let attempt = 0; ; attempt++) {
      await this.limiter.take(ctx.signal);
      try {
        return await this.client.send(new LookupEventsCommand(input), { abortSignal: ctx.signal });
      } catch (err) {
        const name = (err as Error).name;
        if ((name === "ThrottlingException" || name === "TooManyRequestsException") && attempt < MAX_THROTTLE_BACKOFFS) {
          const wait = Math.min(1000 * 2 ** attempt, 30_000) * (0.75 + Math.random() * 0.5);
          ctx.log(`${this.id}: throttled; backing off ${Math.round(wait)} ms`);
          await sleep(wait, ctx.signal);
          continue;
        }
        throw err;
      }
    }
  }

  async *chunks(ctx: SourceContext): AsyncIterable<Chunk> {
    const cursors = await ctx.cursors();
    // The account is only known from the events; prefer a cursor that has one.
    let account = "unknown";
    let position: LookupPosition = {};
    for (const [key, pos] of cursors) {
      const [acct, region] = key.split("/");
      if (region !== this.opts.region) continue;
      if (account === "unknown" || acct !== "unknown") {
        account = acct;
        position = pos as LookupPosition;
      }
    }
    const now = this.now();
    const oldest = new Date(now.getTime() - RETENTION_MS);
    const passes: Pass[] = this.opts.insights ? ["management", "insight"] : ["management"];
    for (const pass of passes) {
      const st: PassState = position[pass] ?? { pending: [] };
      const from = st.scannedTo
        ? new Date(Date.parse(st.scannedTo) - this.opts.overlapMs)
        : this.opts.since ?? oldest;
      const start = from < oldest ? oldest : from;
      st.pending = [{ start: start.toISOString(), end: now.toISOString() }, ...st.pending.filter((w) => Date.parse(w.end) >= oldest.getTime())];
      st.scannedTo = now.toISOString();
      position[pass] = st;
      ctx.progress.total += st.pending.length;

      while (st.pending.length) {
        const w = st.pending[0];
        const input: LookupEventsCommandInput = {
          StartTime: new Date(w.start),
          EndTime: new Date(w.end),
          MaxResults: 50,
          ...(pass === "insight" ? { EventCategory: "insight" as const } : {}),
        };
        ctx.progress.phase = `${pass} events ${w.start.slice(0, 16)}Z … ${w.end.slice(0, 16)}Z`;
        let token: string | undefined;
        do {
          // NextToken must come with the parameters of the first call: `input` stays as it was.
          const page = await this.call({ ...input, NextToken: token }, ctx);
          token = page.NextToken;
          ctx.progress.pages++;
          const builder = new RowsBuilder();
          let oldestSeen: number | undefined;
          for (const e of page.Events ?? []) {
            let record: unknown;
            try {
              record = JSON.parse(e.CloudTrailEvent ?? "");
            } catch {
              ctx.log(`${this.id}: event ${e.EventId} has no readable CloudTrailEvent; skipped`);
              continue;
            }
            const n = normalizeRecord(record, {});
            if (!n.ok) {
              ctx.log(`${this.id}: event ${e.EventId} not stored: ${n.reason}`);
              continue;
            }
            builder.add(n);
            const acct = (record as { recipientAccountId?: unknown }).recipientAccountId;
            if (account === "unknown" && typeof acct === "string") account = acct;
            const t = e.EventTime ? e.EventTime.getTime() : undefined;
            if (t !== undefined && (oldestSeen === undefined || t < oldestSeen)) oldestSeen = t;
          }
          const rows = builder.finish();
          // Newest first: everything newer than the oldest event of this page is in. The window
          // keeps that instant (inclusive) so events sharing the second are not lost; dedupe drops repeats.
          if (!token) {
            st.pending.shift();
            ctx.progress.done++;
          } else if (oldestSeen !== undefined) w.end = new Date(oldestSeen).toISOString();
          yield {
            rows,
            cursor: { source: this.id, account, region: this.opts.region, position: structuredClone(position) },
            flush: true,
          };
        } while (token);
      }
    }
    ctx.progress.totalFinal = true;
  }
}

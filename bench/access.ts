// Stage "access": what access control costs (issue 20), each figure beside its peer in the same
// loop, rounds interleaved with the order rotating.
//
//   1. The guard's own work in this process: resolveAccess (the credential looked up in the
//      database: Better Auth's session, an API token, a share link) and accessQuery (the scope and
//      the shared view written into the query), per call, for each kind of credential.
//   2. The same API requests over HTTP (scripts/serve.ts) with a session cookie, an API token and
//      a share link's cookie, beside the route's query alone in this process (no HTTP, no auth).
//   3. A share link's view (list, facets, histogram, count, the /events page) against the same view
//      signed in: the very same frozen parameters (absolute range, asOf), and the live view it was
//      made from (no asOf), which is what the person who shared it was looking at.
// The scoped user's figures are part of the query mix (bench/queries.ts).
import type pg from "pg";
import type * as CountMod from "../app/events/_data/count";
import type * as EventsMod from "../lib/query/events";
import type * as FacetsMod from "../lib/query/facets";
import type { Corpus } from "./corpus";
import { keptDbName } from "./ingest";
import { dbUrl, withClient } from "./pg";
import { ensurePrincipals, headersOf, type Access, type Principals, type Share } from "./principals";
import { pickValues } from "./queries";
import { startServer, type Server } from "./server";
import { load } from "./src";
import { log, median, percentile, ratio } from "./stats";

/** In-process calls of resolveAccess per kind of credential (the issue asks p95 over ≥ 200). */
const AUTH_CALLS = 300;
const AUTH_WARMUPS = 20;
/** Time allowed per measured group (all its rounds, every variant). */
const GROUP_BUDGET_MS = 120_000;
const MIN_ROUNDS = 5;

export type CredentialKind = "session" | "token" | "share";

export interface Sample {
  name: string;
  runs: number;
  p50: number;
  p95: number;
}

export interface AuthStat extends Sample {
  kind: CredentialKind;
  /** first: the credential not seen in the last seconds (checked against the database); repeat: seen (lib/auth/access-cache.ts). */
  phase?: "first" | "repeat";
  /** resolveAccess + accessQuery: what the guard adds before the route's own work. */
  guardP50: number;
  guardP95: number;
}

export interface HttpGroup {
  request: string;
  /** session, token, share over HTTP; "route's query alone" in process. */
  samples: Sample[];
}

export interface ShareItem {
  view: string;
  item: string;
  via: string;
  share: Sample;
  /** The same frozen parameters, signed in (admin). */
  signed: Sample;
  /** The live view the link was made from (no asOf), signed in. */
  live: Sample;
  /** share p95 / signed-in (same parameters) p95. */
  ratioP95: number;
  ratioP50: number;
  /** share p95 / live view p95. */
  liveRatioP95: number;
  note: string;
}

export interface AccessResult {
  size: string;
  events: number;
  values: Record<string, string>;
  /** The share link of parts 1 and 2, as stored (frozen). */
  guardView: string;
  auth: AuthStat[];
  http: HttpGroup[];
  shareViews: { name: string; live: string; frozen: string }[];
  share: ShareItem[];
}

const stat = (name: string, xs: number[]): Sample => ({ name, runs: xs.length, p50: median(xs), p95: percentile(xs, 95) });

/**
 * Runs each variant once per round, the order rotating from round to round, after `warmups`
 * rounds; as many rounds as fit the budget (at least MIN_ROUNDS, at most `rounds`).
 */
async function interleaved(variants: { name: string; run: () => Promise<number> }[], rounds: number, warmups = 2): Promise<{ samples: Map<string, number[]>; note: string }> {
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  let roundMs = 0;
  for (let w = 0; w < warmups; w++) {
    const t = performance.now();
    for (const v of variants) await v.run();
    roundMs = performance.now() - t;
  }
  const n = Math.max(MIN_ROUNDS, Math.min(rounds, Math.floor(GROUP_BUDGET_MS / Math.max(roundMs, 1))));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(i + k) % variants.length];
      samples.get(v.name)!.push(await v.run());
    }
  }
  return { samples, note: n < rounds ? `${n} rounds (time budget)` : "" };
}

/**
 * Answers that hit the server's query time limit (503) since the counter was last read: counted at
 * the time they took (the limit) and named in the item's note, so one slow answer on a busy machine
 * does not end the run.
 */
let timeLimitHits = 0;
const takeTimeLimitHits = () => {
  const n = timeLimitHits;
  timeLimitHits = 0;
  return n;
};

async function timedGet(url: string, headers: Record<string, string>): Promise<number> {
  const t = performance.now();
  const r = await fetch(url, { headers: { "accept-encoding": "identity", ...headers } });
  const body = await r.text();
  const ms = performance.now() - t;
  if (r.status === 503 && /took longer than/.test(body)) {
    timeLimitHits++;
    return ms;
  }
  if (r.status !== 200) throw new Error(`${url.replace(/^https?:\/\/[^/]+/, "")}: HTTP ${r.status} ${body.slice(0, 200)}`);
  return ms;
}

/** A fully read streamed page. */
async function timedPage(url: string, headers: Record<string, string>): Promise<number> {
  const t = performance.now();
  const r = await fetch(url, { headers: { "accept-encoding": "identity", ...headers } });
  const reader = r.body!.getReader();
  for (;;) if ((await reader.read()).done) break;
  const ms = performance.now() - t;
  if (r.status !== 200) throw new Error(`${url.replace(/^https?:\/\/[^/]+/, "")}: HTTP ${r.status}`);
  return ms;
}

const withParams = (p: URLSearchParams, extra: [string, string][] = []) => {
  const out = new URLSearchParams(p);
  for (const [k, v] of extra) out.set(k, v);
  return out.toString();
};

async function guardOverhead(ps: Principals, share: Share): Promise<AuthStat[]> {
  const kinds: { kind: CredentialKind; headers: Headers; access: Access }[] = [
    { kind: "session", headers: new Headers(headersOf({ cookie: ps.admin.cookie })), access: ps.admin.access },
    { kind: "token", headers: new Headers(headersOf({ token: ps.admin.token })), access: ps.admin.access },
    { kind: "share", headers: new Headers(headersOf({ cookie: share.cookie })), access: share.access },
  ];
  const phases = ["first", "repeat"] as const;
  const key = (k: CredentialKind, p: string) => `${k}/${p}`;
  const resolveMs = new Map<string, number[]>();
  const guardMs = new Map<string, number[]>();
  const params = new URLSearchParams(share.params);
  params.set("limit", "50");
  for (let i = 0; i < AUTH_WARMUPS + AUTH_CALLS; i++) {
    for (let k = 0; k < kinds.length; k++) {
      const c = kinds[(i + k) % kinds.length];
      for (const phase of phases) {
        // A first request: the credential unseen, so checked against the database. A repeat: the
        // same credential again at once, as a page's other requests and a script's next page are.
        if (phase === "first") ps.forget();
        const t = performance.now();
        const access = await ps.resolve(c.headers);
        const t1 = performance.now();
        ps.accessQuery(access, params, { paging: true });
        const t2 = performance.now();
        if (access.kind !== c.kind) throw new Error(`resolveAccess gave ${access.kind} for a ${c.kind}`);
        if (i < AUTH_WARMUPS) continue;
        const id = key(c.kind, phase);
        if (!resolveMs.has(id)) (resolveMs.set(id, []), guardMs.set(id, []));
        resolveMs.get(id)!.push(t1 - t);
        guardMs.get(id)!.push(t2 - t);
      }
    }
  }
  return kinds.flatMap(({ kind }) =>
    phases.map((phase) => {
      const r = resolveMs.get(key(kind, phase))!;
      const g = guardMs.get(key(kind, phase))!;
      return { kind, phase, ...stat(`${kind} (${phase})`, r), guardP50: median(g), guardP95: percentile(g, 95) };
    }),
  );
}

export async function benchAccess(corpus: Corpus, runs: number): Promise<AccessResult> {
  const url = dbUrl(keptDbName(corpus.size));
  const { listEvents } = await load<typeof EventsMod>("lib/query/events.ts");
  const { facetCounts } = await load<typeof FacetsMod>("lib/query/facets.ts");
  const { matchCount } = await load<typeof CountMod>("app/events/_data/count.ts");
  log(`access ${corpus.size}: VACUUM ANALYZE events`);
  await withClient(url, (c) => c.query(`VACUUM (ANALYZE) events`));
  const v = await pickValues(url);
  const ps = await ensurePrincipals(url, v.scopedAccount);
  const pool: pg.Pool = ps.db.pool;
  const range = `from=${encodeURIComponent(v.from)}&to=${encodeURIComponent(v.to)}`;
  let server: Server | null = null;
  try {
    // ---- 1 and 2: the guard, in process and over HTTP ---------------------------------------------
    const guardShare = await ps.shareOf(`eventName=${encodeURIComponent(v.topEventName)}&${range}`);
    log(`access ${corpus.size}: resolveAccess × ${AUTH_CALLS} per kind, interleaved`);
    const auth = await guardOverhead(ps, guardShare);
    for (const a of auth) log(`access ${corpus.size}: ${a.name.padEnd(16)} resolveAccess p50 ${a.p50.toFixed(2)} p95 ${a.p95.toFixed(2)} ms; + accessQuery p95 ${a.guardP95.toFixed(2)} ms`);

    server = await startServer(url, `access-${corpus.size}`);
    const creds: { kind: CredentialKind; headers: Record<string, string> }[] = [
      { kind: "session", headers: headersOf({ cookie: ps.admin.cookie }) },
      { kind: "token", headers: headersOf({ token: ps.admin.token }) },
      { kind: "share", headers: headersOf({ cookie: guardShare.cookie }) },
    ];
    const listQs = withParams(guardShare.params, [["limit", "50"]]);
    const facetQs = withParams(guardShare.params);
    const requests: { request: string; rounds: number; http: (h: Record<string, string>) => Promise<number>; lib: () => Promise<number> }[] = [
      {
        request: `GET /api/events?limit=50&eventName=${v.topEventName}&<7 days, asOf> (the share link's view)`,
        rounds: 100,
        http: (h) => timedGet(`${server!.url}/api/events?${listQs}`, h),
        async lib() {
          const t = performance.now();
          await listEvents(pool, ps.accessQuery(ps.admin.access, new URLSearchParams(listQs), { paging: true }));
          return performance.now() - t;
        },
      },
      {
        request: `GET /api/facets?eventName=${v.topEventName}&<7 days, asOf> (the share link's view)`,
        rounds: 40,
        http: (h) => timedGet(`${server!.url}/api/facets?${facetQs}`, h),
        async lib() {
          const t = performance.now();
          await facetCounts(pool, ps.accessQuery(ps.admin.access, new URLSearchParams(facetQs)));
          return performance.now() - t;
        },
      },
    ];
    const http: HttpGroup[] = [];
    for (const r of requests) {
      takeTimeLimitHits();
      const { samples, note: roundsNote } = await interleaved(
        [...creds.map((c) => ({ name: c.kind, run: () => r.http(c.headers) })), { name: "lib", run: r.lib }],
        r.rounds,
      );
      const hits = takeTimeLimitHits();
      const note = [roundsNote, hits ? `${hits} answer${hits > 1 ? "s" : ""} hit the query time limit (503)` : ""].filter(Boolean).join("; ");
      const group: HttpGroup = { request: r.request + (note ? ` — ${note}` : ""), samples: [...samples].map(([name, xs]) => stat(name, xs)) };
      http.push(group);
      log(`access ${corpus.size}: ${r.request}: ${group.samples.map((s) => `${s.name} p50 ${s.p50.toFixed(1)} p95 ${s.p95.toFixed(1)}`).join(" | ")} ms`);
    }

    // ---- 3: a share link's view against the same view signed in ------------------------------------
    const views = [
      { name: "time range only (7 days)", query: range },
      { name: `one filter (eventName=${v.topEventName}) + 7 days`, query: `eventName=${encodeURIComponent(v.topEventName)}&${range}` },
    ];
    const shareViews: AccessResult["shareViews"] = [];
    const share: ShareItem[] = [];
    const admin = headersOf({ cookie: ps.admin.cookie });
    for (const view of views) {
      const s = await ps.shareOf(view.query);
      const frozen = s.params;
      const live = new URLSearchParams(frozen);
      live.delete("asOf");
      shareViews.push({ name: view.name, live: live.toString(), frozen: frozen.toString() });
      const shareH = headersOf({ cookie: s.cookie });
      const routes: { item: string; via: string; run: (p: URLSearchParams, h: Record<string, string>, a: Access) => Promise<number> }[] = [
        { item: "first page", via: "GET /api/events (limit 100)", run: (p, h) => timedGet(`${server!.url}/api/events?${withParams(p, [["limit", "100"]])}`, h) },
        { item: "facet counts", via: "GET /api/facets", run: (p, h) => timedGet(`${server!.url}/api/facets?${p}`, h) },
        { item: "histogram", via: "GET /api/histogram", run: (p, h) => timedGet(`${server!.url}/api/histogram?${p}`, h) },
        {
          item: "match count",
          via: "lib matchCount (in process)",
          async run(p, _h, a) {
            const t = performance.now();
            await matchCount(pool, ps.accessQuery(a, p));
            return performance.now() - t;
          },
        },
        { item: "/events page", via: "GET /events (full streamed HTML)", run: (p, h) => timedPage(`${server!.url}/events?${p}`, h) },
      ];
      for (const r of routes) {
        takeTimeLimitHits();
        const { samples, note: roundsNote } = await interleaved(
          [
            { name: "share", run: () => r.run(frozen, shareH, s.access) },
            { name: "signed", run: () => r.run(frozen, admin, ps.admin.access) },
            { name: "live", run: () => r.run(live, admin, ps.admin.access) },
          ],
          runs,
        );
        const hits = takeTimeLimitHits();
        const note = [roundsNote, hits ? `${hits} answer${hits > 1 ? "s" : ""} hit the query time limit (503), counted at the time taken` : ""].filter(Boolean).join("; ");
        const [sh, si, li] = ["share", "signed", "live"].map((k) => stat(k, samples.get(k)!));
        const item: ShareItem = {
          view: view.name,
          item: r.item,
          via: r.via,
          share: sh,
          signed: si,
          live: li,
          ratioP95: ratio(sh.p95, si.p95),
          ratioP50: ratio(sh.p50, si.p50),
          liveRatioP95: ratio(sh.p95, li.p95),
          note,
        };
        share.push(item);
        log(
          `access ${corpus.size}: ${view.name} / ${r.item}: share p50 ${sh.p50.toFixed(1)} p95 ${sh.p95.toFixed(1)} | signed in, same view p95 ${si.p95.toFixed(1)} (×${item.ratioP95.toFixed(2)}) | live view p95 ${li.p95.toFixed(1)} (×${item.liveRatioP95.toFixed(2)}) ms`,
        );
      }
    }
    return { size: corpus.size, events: corpus.result.events, values: v, guardView: guardShare.params.toString(), auth, http, shareViews, share };
  } finally {
    await server?.stop();
    await ps.close();
  }
}

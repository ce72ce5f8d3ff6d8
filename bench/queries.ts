// Stage 3: the query mix through the real API (scripts/serve.ts on the kept database), each question
// asked of DuckDB over its loaded table in the same loop (interleaved run by run), p50/p95.
// Each question is also asked by a user scoped to one of the corpus' three accounts (the one with
// the fewest events: its matches are the sparsest along the indexes), in the same loop: the
// access-control cost of a scope, as a ratio to the unscoped figure of the same run.
//
// Our side is what a browser would wait for: an HTTP request to the server with a signed-in
// session's cookie (an admin, every account), fully read. Facets and
// histogram go through their routes when the build has them; otherwise the SQL those routes would
// run is measured directly through lib/query/facets.ts and lib/query/histogram.ts (marked "lib").
// DuckDB's side is the same question in SQL, run in this process with the rows materialised.
import pg from "pg";
import { demoStory } from "../lib/demo/generate";
import type * as Fields from "../lib/fields";
import type * as Events from "../lib/query/events";
import type * as Params from "../lib/query/params";
import { CORPUS_END, type Corpus } from "./corpus";
import { DUCK_SELECT, duckLiteral as lit, duckRows, openDuck, type DuckHandle } from "./duck";
import { keptDbName, keptDuckPath } from "./ingest";
import { dbUrl, withClient } from "./pg";
import { ensurePrincipals, headersOf, type Principals } from "./principals";
import { memoryOf, startServer, type Server } from "./server";
import { load } from "./src";
import { log, median, percentile, ratio } from "./stats";

const DAY = 86400e3;
/** Distinct rare terms the free-text item cycles through, one per run: half each for the unscoped and the scoped user. */
const FREE_TEXT_TERMS = 24;
/** The investigation window of the mix: the corpus's last 7 days. */
const RANGE_TO = CORPUS_END;
const RANGE_FROM = new Date(CORPUS_END.getTime() - 7 * DAY);
const iso = (d: Date) => d.toISOString().replace(".000Z", "Z");
const ts = (d: Date | string) => `TIMESTAMPTZ ${lit(typeof d === "string" ? d : d.toISOString())}`;

type Params = [string, string][];
/** Who asks: the admin (every account) or the analyst scoped to one account. */
type Who = "all" | "scoped";

interface Item {
  name: string;
  /** What it asks, for the report. */
  what: string;
  /** Target class: filters first page < 150 ms, free text < 500 ms, facets/histogram < 500 ms. */
  target: "filter" | "text" | "agg" | "page" | "none";
  ours: (who: Who) => Promise<{ ms: number; check: string; via: string }>;
  duck: () => Promise<{ ms: number; check: string }>;
  /** The same question through our library in this process (no HTTP): how much is SQL. */
  lib?: () => Promise<number>;
}

export interface QueryStat {
  name: string;
  what: string;
  target: Item["target"];
  via: string;
  runs: number;
  p50: number;
  p95: number;
  duckP50: number;
  duckP95: number;
  /** Our library call in process, without HTTP (NaN where not applicable). */
  libP50: number;
  libP95: number;
  /** ours p95 / DuckDB p95 (> 1: we are slower). */
  ratioP95: number;
  ratioP50: number;
  agree: boolean | null;
  note: string;
  /** The same question asked by the user scoped to one account (QueriesResult.values.scopedAccount). */
  scopedRuns?: number;
  scopedP50?: number;
  scopedP95?: number;
  /** scoped p95 / unscoped p95 of the same run (> 1: the scope costs). */
  scopedRatioP95?: number;
  scopedRatioP50?: number;
}

export interface QueriesResult {
  size: string;
  events: number;
  runs: number;
  values: Record<string, string>;
  stats: QueryStat[];
  serverRssAfterMB: number;
}

/** Credentials of the mix's two users, set by benchQueries. */
let creds: Record<Who, Record<string, string>> = { all: {}, scoped: {} };

async function httpGet(url: string, who: Who = "all"): Promise<{ ms: number; status: number; body: string }> {
  const t = performance.now();
  const r = await fetch(url, { headers: { "accept-encoding": "identity", ...creds[who] } });
  const body = await r.text();
  return { ms: performance.now() - t, status: r.status, body };
}

const qs = (p: Params) => new URLSearchParams(p).toString();

/** Values drawn from the data, so every query asks something the data can answer. */
/** The session keys whose chains lead to the actor item's identity (set by pickValues). */
let chainKeys: string[] = [];

export async function pickValues(url: string): Promise<Record<string, string>> {
  return withClient(url, async (c) => {
    const one = async (sql: string, params: unknown[] = []) => (await c.query(sql, params)).rows;
    const names = await one(`SELECT event_name AS v FROM events WHERE event_name IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2`);
    const principal = await one(
      `SELECT principal_arn AS v FROM events WHERE identity_type IN ('IAMUser', 'AssumedRole') AND principal_arn IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    );
    const combo = await one(
      `SELECT event_source AS s, aws_region AS r FROM events WHERE principal_arn = $1 AND event_time >= $2 AND event_time < $3 GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2 LIMIT 1`,
      [principal[0].v, RANGE_FROM, RANGE_TO],
    );
    const story = demoStory();
    const ipHits = Number((await one(`SELECT count(*)::int AS n FROM events WHERE source_ip_address = $1`, [story.stopLoggingIp]))[0].n);
    // An IOC an investigator pastes: the demo story's attacker IP (rare), else a rare source IP.
    const term = ipHits > 0 ? story.stopLoggingIp : (await one(`SELECT source_ip_address AS v FROM events WHERE source_ip_address ~ '^[0-9.]+$' GROUP BY 1 ORDER BY count(*), 1 LIMIT 1`))[0].v;
    // More rare IPs for free text: each run asks a different one, so no run reuses a probe the
    // server cached for an earlier one (lib/query/search.ts) and every run pays its own.
    const moreIps = await one(
      `SELECT source_ip_address AS v FROM events WHERE source_ip_address ~ '^[0-9.]+$' AND source_ip_address <> $1
        GROUP BY 1 HAVING count(*) <= 20 ORDER BY md5(source_ip_address) LIMIT ${FREE_TEXT_TERMS - 1}`,
      [term],
    );
    // The account a scoped user sees: the one with the fewest events (ties: the smallest ID).
    const scopedAccount = (await one(`SELECT recipient_account_id AS v FROM events GROUP BY 1 ORDER BY count(*), 1 LIMIT 1`))[0].v as string;
    const keyHits = Number((await one(`SELECT count(*)::int AS n FROM events WHERE access_key_id = $1`, [story.stopLoggingAccessKeyId]))[0].n);
    const rareKey = keyHits > 0 ? story.stopLoggingAccessKeyId : (await one(`SELECT access_key_id AS v FROM events WHERE access_key_id IS NOT NULL GROUP BY 1 ORDER BY count(*), 1 LIMIT 1`))[0].v;
    // The identity behind the most role-session events: `actor=` through any role. DuckDB is asked
    // the same set as an investigator would without chains, given the chain's keys resolved by hand.
    const actor = (await one(
      `SELECT actor AS v FROM events WHERE actor LIKE 'arn:aws:iam::%:user/%' AND identity_type = 'AssumedRole' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    ))[0]?.v as string | undefined;
    const actorKeys = actor ? (await one(`SELECT access_key_id AS v FROM credential_sessions WHERE origin = $1 ORDER BY 1`, [actor])).map((r) => r.v as string) : [];
    // The keys go to DuckDB's side only (hundreds of them: not a value the report lists).
    chainKeys = actorKeys;
    return {
      actor: actor ?? "",
      topEventName: names[0].v,
      secondEventName: names[1]?.v ?? names[0].v,
      principalArn: principal[0].v,
      eventSource: combo[0]?.s ?? "s3.amazonaws.com",
      awsRegion: combo[0]?.r ?? "us-east-1",
      wildcard: "Delete*",
      q: term,
      qTerms: [term, ...moreIps.map((r) => r.v as string)].join(" "),
      rareAccessKeyId: rareKey,
      from: iso(RANGE_FROM),
      to: iso(RANGE_TO),
      scopedAccount,
    };
  });
}

function firstPageIds(body: string): string {
  const j = JSON.parse(body) as { events: { eventID: string }[] };
  return j.events.map((e) => e.eventID).join(",");
}

// Product modules from the code under measurement (see src.ts), loaded by benchQueries.
let FACET_FIELDS: typeof Fields.FACET_FIELDS;
let listEvents: typeof Events.listEvents;
let parseEventQuery: typeof Params.parseEventQuery;
/** The scoped user's account, as accessQuery writes a scope into a query built in this process. */
let scopeAccount = "";
const asWho = <T extends { accounts?: string[] }>(q: T, who: Who): T => (who === "scoped" ? { ...q, accounts: [scopeAccount] } : q);

export async function benchQueries(corpus: Corpus, runs: number, opts: { warmups?: number } = {}): Promise<QueriesResult> {
  ({ FACET_FIELDS } = await load<typeof Fields>("lib/fields.ts"));
  ({ listEvents } = await load<typeof Events>("lib/query/events.ts"));
  ({ parseEventQuery } = await load<typeof Params>("lib/query/params.ts"));
  const warmups = opts.warmups ?? 2;
  const url = dbUrl(keptDbName(corpus.size));
  // Steady state: what autovacuum leaves behind a few minutes after a large sync (visibility map
  // for index-only scans, planner statistics). Not timed.
  log(`queries ${corpus.size}: VACUUM ANALYZE events`);
  await withClient(url, (c) => c.query(`VACUUM (ANALYZE) events`));
  const v = await pickValues(url);
  log(`queries ${corpus.size}: values ${JSON.stringify(v)}`);
  scopeAccount = v.scopedAccount;
  const who: Principals = await ensurePrincipals(url, v.scopedAccount);
  creds = { all: headersOf({ cookie: who.admin.cookie }), scoped: headersOf({ cookie: who.scoped.cookie }) };
  await who.close();
  const server = await startServer(url, `queries-${corpus.size}`);
  const duck = await openDuck(keptDuckPath(corpus.size));
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  try {
    const items = await buildMix(server, duck, pool, v);
    const stats: QueryStat[] = [];
    for (const it of items) {
      const ours: number[] = [];
      const scoped: number[] = [];
      const theirs: number[] = [];
      const libs: number[] = [];
      let agree: boolean | null = null;
      let via = "";
      let note = "";
      try {
        // Bounded: a slow item (free text at 1M+) gets fewer runs, at least MIN_RUNS, so the whole
        // mix stays within minutes; the runs actually made are reported.
        let iterMs = 0;
        let warm = 0;
        let useLib = Boolean(it.lib);
        for (let i = 0; i < warmups; i++) {
          const t = performance.now();
          await it.ours("all");
          await it.ours("scoped");
          await it.duck();
          if (useLib) await it.lib!();
          iterMs = performance.now() - t;
          if (iterMs > LIB_SKIP_MS) useLib = false; // minutes per run: the HTTP figure alone
          warm++;
          if (iterMs * (runs + warmups) > ITEM_BUDGET_MS) break; // one warm-up is enough for the slow ones
        }
        // Items of minutes per run (free text at 10M without an index) get two: what they show is
        // the order of magnitude, and five would take half an hour.
        const floor = iterMs > SLOW_ITEM_MS ? 2 : MIN_RUNS;
        const n = Math.max(floor, Math.min(runs, Math.floor(ITEM_BUDGET_MS / Math.max(iterMs, 1))));
        if (n < runs) note = `${n} runs (time budget), ${warm} warm-up${warm > 1 ? "s" : ""}`;
        for (let i = 0; i < n; i++) {
          // Rotate who goes first so none always runs right after another's cache warm-up.
          let ca = "";
          let cb = "";
          const a = async () => {
            const r = await it.ours("all");
            ours.push(r.ms);
            via = r.via;
            ca = r.check;
          };
          const s = async () => {
            scoped.push((await it.ours("scoped")).ms);
          };
          const b = async () => {
            const r = await it.duck();
            theirs.push(r.ms);
            cb = r.check;
          };
          const order = [a, s, b];
          for (let k = 0; k < order.length; k++) await order[(i + k) % order.length]();
          if (ca !== "" || cb !== "") agree = (agree ?? true) && ca === cb;
          if (useLib) libs.push(await it.lib!());
        }
        // When the peer is what is slow (DuckDB reads every record for free text at 10M: a minute a
        // run), ours makes its remaining runs alone, so its p95 covers as many distinct terms as
        // another item's; the ratio is then of medians over different numbers of runs, and says so.
        const mean = () => ours.reduce((x, y) => x + y, 0) / Math.max(ours.length, 1);
        let alone = 0;
        while (ours.length > 0 && ours.length < runs && 2 * mean() * (runs - ours.length) < ITEM_BUDGET_MS) {
          if (alone % 2 === 0) {
            ours.push((await it.ours("all")).ms);
            scoped.push((await it.ours("scoped")).ms);
          } else {
            scoped.push((await it.ours("scoped")).ms);
            ours.push((await it.ours("all")).ms);
          }
          alone++;
        }
        if (alone > 0) note = `${ours.length} runs, ${alone} of them alone (DuckDB ${theirs.length}: time budget), ${warm} warm-up${warm > 1 ? "s" : ""}`;
      } catch (err) {
        note = `failed: ${(err as Error).message}`.slice(0, 200);
        log(`queries ${corpus.size}: ${it.name}: ${note}`);
      }
      const s: QueryStat = {
        name: it.name,
        what: it.what,
        target: it.target,
        via,
        runs: ours.length,
        p50: median(ours),
        p95: percentile(ours, 95),
        duckP50: median(theirs),
        duckP95: percentile(theirs, 95),
        libP50: median(libs),
        libP95: percentile(libs, 95),
        ratioP95: ratio(percentile(ours, 95), percentile(theirs, 95)),
        ratioP50: ratio(median(ours), median(theirs)),
        agree,
        note,
        scopedRuns: scoped.length,
        scopedP50: median(scoped),
        scopedP95: percentile(scoped, 95),
        scopedRatioP95: ratio(percentile(scoped, 95), percentile(ours, 95)),
        scopedRatioP50: ratio(median(scoped), median(ours)),
      };
      if (it.name === "/events server response" && pageTtfb.length) {
        s.note = [s.note, `time to first byte p50 ${median(pageTtfb.slice(-ours.length)).toFixed(0)} ms`].filter(Boolean).join("; ");
      }
      stats.push(s);
      log(
        `queries ${corpus.size}: ${it.name.padEnd(28)} ours p50 ${s.p50.toFixed(1)} p95 ${s.p95.toFixed(1)} ms (SQL via lib p50 ${s.libP50.toFixed(1)}) | DuckDB p50 ${s.duckP50.toFixed(1)} p95 ${s.duckP95.toFixed(1)} ms | ×${s.ratioP95.toFixed(2)} | scoped p50 ${s.scopedP50!.toFixed(1)} p95 ${s.scopedP95!.toFixed(1)} ms ×${s.scopedRatioP95!.toFixed(2)}${agree === false ? " | RESULTS DIFFER" : ""}`,
      );
    }
    const mem = memoryOf(server.pid);
    return { size: corpus.size, events: corpus.result.events, runs, values: v, stats, serverRssAfterMB: mem.hwm / 1048576 };
  } finally {
    await pool.end();
    duck.close();
    await server.stop();
  }
}

/** Time allowed per query item (ours + DuckDB + lib, all runs); slow items get fewer runs. */
const ITEM_BUDGET_MS = 120_000;
const MIN_RUNS = 5;
const SLOW_ITEM_MS = 90_000;
/** Above this per-iteration time the in-process library figure is not measured (it doubles the cost). */
const LIB_SKIP_MS = 20_000;

/** Time to first byte of the /events page, per run (the page streams). */
let pageTtfb: number[] = [];

async function buildMix(server: Server, duck: DuckHandle, pool: pg.Pool, v: Record<string, string>): Promise<Item[]> {
  const range: Params = [
    ["from", v.from],
    ["to", v.to],
  ];
  const rangeSql = `event_time >= ${ts(v.from)} AND event_time < ${ts(v.to)}`;
  const page = (where: string) => `SELECT ${DUCK_SELECT} FROM events ${where ? "WHERE " + where : ""} ORDER BY event_time DESC, id DESC LIMIT 101`;

  /**
   * A first page through /api/events (limit 100), and the same page from DuckDB. Params and SQL
   * given as functions of the run number change from run to run; each side counts its own calls,
   * and the loop calls each once per run, so both ask the same question.
   */
  const listItem = (
    name: string,
    what: string,
    target: Item["target"],
    params: Params | ((n: number, who: Who) => Params),
    where: string | ((n: number) => string),
  ): Item => {
    const paramsAt = typeof params === "function" ? params : () => params;
    const whereAt = typeof where === "function" ? where : () => where;
    const calls = { lib: 0, ours: 0, scoped: 0, duck: 0 };
    return {
      name,
      what,
      target,
      async lib() {
        const q = parseEventQuery(new URLSearchParams([...paramsAt(calls.lib++, "all"), ["limit", "100"]]), { paging: true });
        const t = performance.now();
        await listEvents(pool, q);
        return performance.now() - t;
      },
      async ours(who) {
        const n = who === "scoped" ? calls.scoped++ : calls.ours++;
        const r = await httpGet(`${server.url}/api/events?${qs([...paramsAt(n, who), ["limit", "100"]])}`, who);
        if (r.status !== 200) throw new Error(`/api/events ${r.status}: ${r.body.slice(0, 200)}`);
        return { ms: r.ms, check: firstPageIds(r.body), via: "GET /api/events" };
      },
      async duck() {
        const t = performance.now();
        const rows = await duckRows(duck.conn, page(whereAt(calls.duck++)));
        return { ms: performance.now() - t, check: rows.slice(0, 100).map((x) => x.eventID as string).join(",") };
      },
    };
  };
  // The scoped user asks terms of its own (the second half): the server keeps the sketch probes of
  // recent terms (lib/query/search.ts), and whoever asked a term second would not pay its probe.
  const allTerms = v.qTerms.split(" ");
  const half = Math.ceil(allTerms.length / 2);
  const qTerms = allTerms.slice(0, half);
  const scopedTerms = allTerms.length > half ? allTerms.slice(half) : qTerms;
  const qTerm = (n: number, who: Who = "all") => (who === "scoped" ? scopedTerms[n % scopedTerms.length] : qTerms[n % qTerms.length]);

  const items: Item[] = [
    listItem("time range only", "last 7 days", "filter", range, rangeSql),
    listItem("one filter", `eventName=${v.topEventName} (most common)`, "filter", [["eventName", v.topEventName]], `event_name = ${lit(v.topEventName)}`),
    listItem(
      "one filter, selective",
      `accessKeyId=${v.rareAccessKeyId} (a handful of events)`,
      "filter",
      [["accessKeyId", v.rareAccessKeyId]],
      `access_key_id = ${lit(v.rareAccessKeyId)}`,
    ),
    listItem(
      "three filters + range",
      `eventSource, awsRegion, principalArn (most active principal) + 7 days`,
      "filter",
      [["eventSource", v.eventSource], ["awsRegion", v.awsRegion], ["principalArn", v.principalArn], ...range],
      `event_source = ${lit(v.eventSource)} AND aws_region = ${lit(v.awsRegion)} AND principal_arn = ${lit(v.principalArn)} AND ${rangeSql}`,
    ),
    listItem(
      "negation",
      `eventName=!${v.topEventName}&eventName=!${v.secondEventName} (two most common)`,
      "filter",
      [["eventName", `!${v.topEventName}`], ["eventName", `!${v.secondEventName}`]],
      `(event_name IS NULL OR NOT event_name = ${lit(v.topEventName)}) AND (event_name IS NULL OR NOT event_name = ${lit(v.secondEventName)})`,
    ),
    listItem("errorCode=*", "any error", "filter", [["errorCode", "*"]], `error_code IS NOT NULL`),
    ...(v.actor
      ? [
          listItem(
            "actor",
            `actor=${v.actor} (the IAM user behind the most role-session events, through ${chainKeys.length} sessions)`,
            "filter",
            [["actor", v.actor]],
            `(principal_arn = ${lit(v.actor)}${chainKeys.length ? ` OR access_key_id IN (${chainKeys.map(lit).join(", ")})` : ""})`,
          ),
        ]
      : []),
    listItem("wildcard", `eventName=${v.wildcard}`, "filter", [["eventName", v.wildcard]], `event_name LIKE ${lit(v.wildcard.replace(/\*/g, "%"))}`),
    listItem(
      "free text q",
      `q=${v.q} and ${qTerms.length - 1} other rare IPs, one per run (rare: anywhere in the record; scoped: ${scopedTerms.length} others)`,
      "text",
      (n, who) => [["q", qTerm(n, who)]],
      (n) => `record ILIKE ${lit("%" + qTerm(n) + "%")}`,
    ),
  ];

  // ---- facets ---------------------------------------------------------------------------------
  const facetCols = new Set(
    (await duckRows(duck.conn, `SELECT column_name FROM information_schema.columns WHERE table_name = 'events'`)).map((r) => r.column_name as string),
  );
  // The sidebar's default facets; the on-demand ones (actor, session issuer, access key: counted
  // over the events when a section opens) are the next item.
  const facetFields = FACET_FIELDS.filter((f) => facetCols.has(f.column) && f.kind !== "textArray" && !(f as { facetOnDemand?: boolean }).facetOnDemand);
  const onDemandFields = FACET_FIELDS.filter((f) => (f as { facetOnDemand?: boolean }).facetOnDemand);
  const facetRoute = await httpGet(`${server.url}/api/facets?${qs(range)}`).catch(() => null);
  if (facetRoute && facetRoute.status !== 200 && facetRoute.status !== 404) throw new Error(`/api/facets ${facetRoute.status}: ${facetRoute.body.slice(0, 200)}`);
  type FacetsFn = (db: pg.Pool, q: ReturnType<typeof parseEventQuery>) => Promise<{ field: string; values: { value: string | null; count: number }[] }[]>;
  let facetsLib: FacetsFn | null = null;
  // Our facets are exact where rollups answer them (time range only) and otherwise count the newest
  // SAMPLE_LIMIT matching events when more match, saying `sampled`. DuckDB is asked the question we
  // answered: the same newest rows when ours was sampled, every matching row when it was exact.
  let sampleLimit: number | null = null;
  try {
    const m = await load<Record<string, unknown>>("lib/query/facets.ts");
    facetsLib = m.facetCounts as FacetsFn;
    const lim = m.SAMPLE_LIMIT;
    sampleLimit = typeof lim === "number" ? lim : null;
  } catch {
    facetsLib = null;
  }
  const matching = async (where: string) => Number((await duckRows(duck.conn, `SELECT count(*) AS n FROM events ${where ? "WHERE " + where : ""}`))[0].n);
  const oursSampled = async (params: Params): Promise<boolean | null> => {
    if (!facetsLib) return null;
    const f = (await facetsLib(pool, parseEventQuery(new URLSearchParams(params)))) as { sampled?: boolean }[];
    return f.some((x) => x.sampled === true);
  };
  const facetSource = async (where: string, params: Params) => {
    const w = where ? "WHERE " + where : "";
    const sampled = (await oursSampled(params)) ?? (sampleLimit !== null && (await matching(where)) > sampleLimit);
    if (sampled && sampleLimit !== null) {
      return { from: `(SELECT * FROM events ${w} ORDER BY event_time DESC, id DESC LIMIT ${sampleLimit + 1})`, sampled: true };
    }
    return { from: `(SELECT * FROM events ${w})`, sampled: false };
  };
  const rangeFacets = await facetSource(rangeSql, range);
  const allFacets = await facetSource("", []);
  const facetCheck = (f: { field: string; values: { value: string | null; count: number }[] }[]) =>
    f.filter((x) => x.field === "eventName").flatMap((x) => x.values.slice(0, 3).map((y) => `${y.value}:${y.count}`)).join(",");
  const duckFacetSql = (source: string) => `
    WITH m AS MATERIALIZED ${source}
    SELECT f, v, n FROM (
      SELECT f, v, n, row_number() OVER (PARTITION BY f ORDER BY n DESC, v NULLS LAST) AS rank FROM (
        ${facetFields.map((f) => `SELECT '${f.key}' AS f, ${f.kind === "bool" ? `${f.column}::VARCHAR` : f.column} AS v, count(*) AS n FROM m GROUP BY 2`).join("\n        UNION ALL ")}
      )
    ) WHERE rank <= 10 ORDER BY f, rank`;
  items.push({
    name: "facet counts",
    what: `top 10 of ${facetFields.length} facet fields, last 7 days${rangeFacets.sampled ? ` (both sides: newest ${sampleLimit!.toLocaleString("en-US")} matching events, as lib/query/facets.ts samples)` : ""}`,
    target: "agg",
    async ours(who) {
      if (facetRoute?.status === 200) {
        const r = await httpGet(`${server.url}/api/facets?${qs(range)}`, who);
        if (r.status !== 200) throw new Error(`/api/facets ${r.status}`);
        const j = JSON.parse(r.body) as { facets?: Parameters<typeof facetCheck>[0] } | Parameters<typeof facetCheck>[0];
        return { ms: r.ms, check: facetCheck(Array.isArray(j) ? j : (j.facets ?? [])), via: "GET /api/facets" };
      }
      if (!facetsLib) throw new Error("not yet available (no /api/facets route, no lib/query/facets.ts)");
      const t = performance.now();
      const f = await facetsLib(pool, asWho(parseEventQuery(new URLSearchParams(range)), who));
      return { ms: performance.now() - t, check: facetCheck(f), via: "lib facetCounts (no route in this build)" };
    },
    lib: facetsLib
      ? async () => {
          const t = performance.now();
          await facetsLib!(pool, parseEventQuery(new URLSearchParams(range)));
          return performance.now() - t;
        }
      : undefined,
    async duck() {
      const t = performance.now();
      const rows = await duckRows(duck.conn, duckFacetSql(rangeFacets.from));
      const ms = performance.now() - t;
      const ev = rows.filter((r) => r.f === "eventName").slice(0, 3);
      return { ms, check: ev.map((r) => `${r.v}:${Number(r.n)}`).join(",") };
    },
  });
  // One on-demand facet section opened (each is its own request from the sidebar): the access key
  // (a column the DuckDB peer has too), counted over the newest SAMPLE_LIMIT matches on both sides.
  const onDemand = onDemandFields.find((f) => f.key === "accessKeyId");
  if (onDemand && facetCols.has(onDemand.column) && facetRoute?.status === 200 && sampleLimit !== null) {
    const newest = `(SELECT * FROM events ${rangeSql ? "WHERE " + rangeSql : ""} ORDER BY event_time DESC, id DESC LIMIT ${sampleLimit + 1})`;
    const top3 = (values: { value: string | null; count: number }[]) => values.filter((x) => x.value !== null).slice(0, 3).map((x) => `${x.value}:${x.count}`).join(",");
    items.push({
      name: "facet on demand",
      what: `top 10 access keys when that section opens (field=accessKeyId), last 7 days, newest ${sampleLimit.toLocaleString("en-US")} matching events on both sides`,
      target: "agg",
      async ours(who) {
        const r = await httpGet(`${server.url}/api/facets?${qs([...range, ["field", onDemand.key]])}`, who);
        if (r.status !== 200) throw new Error(`/api/facets ${r.status}`);
        const j = JSON.parse(r.body) as { facets: { values: { value: string | null; count: number }[] }[] };
        return { ms: r.ms, check: top3(j.facets[0].values), via: "GET /api/facets?field=" };
      },
      async duck() {
        const t = performance.now();
        const rows = await duckRows(duck.conn, `SELECT ${onDemand.column} AS v, count(*) AS n FROM ${newest} AS m GROUP BY 1 ORDER BY n DESC, v NULLS LAST LIMIT 11`);
        const ms = performance.now() - t;
        return { ms, check: top3(rows.map((r) => ({ value: (r.v as string | null) ?? null, count: Number(r.n) }))) };
      },
    });
  }

  // ---- histogram ------------------------------------------------------------------------------
  const histRoute = await httpGet(`${server.url}/api/histogram?${qs(range)}`).catch(() => null);
  type HistFn = (db: pg.Pool, q: ReturnType<typeof parseEventQuery>) => Promise<{ stepMs: number; buckets: { t: number; total: number; errors: number }[] } | null>;
  let histLib: HistFn | null = null;
  let chooseBucket: ((rangeMs: number) => number) | null = null;
  let origin = Date.UTC(2000, 0, 3);
  try {
    const m = await load<Record<string, unknown>>("lib/query/histogram.ts");
    histLib = m.histogram as HistFn;
    chooseBucket = m.chooseBucket as (rangeMs: number) => number;
    origin = m.BUCKET_ORIGIN as number;
  } catch {
    histLib = null;
  }
  const stepMs = chooseBucket ? chooseBucket(RANGE_TO.getTime() - RANGE_FROM.getTime()) : 3 * 3600e3;
  const histCheck = (b: { total: number; errors: number }[]) => `${b.reduce((a, x) => a + x.total, 0)}/${b.reduce((a, x) => a + x.errors, 0)}`;
  const duckHistSql = (where: string, step: number) => `
    SELECT ${origin / 1000} + floor((epoch(event_time) - ${origin / 1000}) / ${step / 1000}) * ${step / 1000} AS b,
           count(*) AS total, count(error_code) AS errors
      FROM events ${where ? "WHERE " + where : ""} GROUP BY b ORDER BY b`;
  items.push({
    name: "histogram",
    what: `counts and errors per ${stepMs / 3600e3} h bucket, last 7 days`,
    target: "agg",
    async ours(who) {
      if (histRoute?.status === 200) {
        const r = await httpGet(`${server.url}/api/histogram?${qs(range)}`, who);
        if (r.status !== 200) throw new Error(`/api/histogram ${r.status}`);
        const j = JSON.parse(r.body) as { buckets?: { total: number; errors: number }[]; histogram?: { buckets: { total: number; errors: number }[] } };
        return { ms: r.ms, check: histCheck(j.buckets ?? j.histogram?.buckets ?? []), via: "GET /api/histogram" };
      }
      if (!histLib) throw new Error("not yet available (no /api/histogram route, no lib/query/histogram.ts)");
      const t = performance.now();
      const h = await histLib(pool, asWho(parseEventQuery(new URLSearchParams(range)), who));
      return { ms: performance.now() - t, check: histCheck(h?.buckets ?? []), via: "lib histogram (no route in this build)" };
    },
    lib: histLib
      ? async () => {
          const t = performance.now();
          await histLib!(pool, parseEventQuery(new URLSearchParams(range)));
          return performance.now() - t;
        }
      : undefined,
    async duck() {
      const t = performance.now();
      const rows = await duckRows(duck.conn, duckHistSql(rangeSql, stepMs));
      const ms = performance.now() - t;
      return { ms, check: histCheck(rows.map((r) => ({ total: Number(r.total), errors: Number(r.errors) }))) };
    },
  });

  // ---- match count ------------------------------------------------------------------------------
  // "N events match" is part of the /events page (no route of its own): the page's own function,
  // in this process over node-postgres (so without HTTP, unlike the items above).
  type CountFn = (db: pg.Pool, q: ReturnType<typeof parseEventQuery>) => Promise<{ value: number; exact: boolean }>;
  let countLib: CountFn | null = null;
  try {
    countLib = (await load<Record<string, unknown>>("app/events/_data/count.ts")).matchCount as CountFn;
  } catch {
    countLib = null;
  }
  if (countLib) {
    const matchCount = countLib;
    items.push({
      name: "match count",
      what: "events matching, last 7 days (the /events page's count, app/events/_data/count.ts)",
      target: "none",
      async ours(who) {
        const t = performance.now();
        const n = await matchCount(pool, asWho(parseEventQuery(new URLSearchParams(range)), who));
        return { ms: performance.now() - t, check: String(n.value), via: "lib matchCount (in process; no route)" };
      },
      async duck() {
        const t = performance.now();
        const rows = await duckRows(duck.conn, `SELECT count(*) AS n FROM events WHERE ${rangeSql}`);
        return { ms: performance.now() - t, check: String(Number(rows[0].n)) };
      },
    });
  }

  // ---- a cursor page 50 pages deep ------------------------------------------------------------
  let cursor: string | null = null;
  for (let i = 1; i < 50; i++) {
    const r = await httpGet(`${server.url}/api/events?${qs([["limit", "100"], ...(cursor ? [["cursor", cursor] as [string, string]] : [])])}`);
    if (r.status !== 200) throw new Error(`/api/events paging ${r.status}`);
    cursor = (JSON.parse(r.body) as { nextCursor: string | null }).nextCursor;
    if (!cursor) break;
  }
  if (cursor) {
    const c = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { v: string; id: string };
    items.push(
      listItem(
        "cursor page 50 deep",
        "page 50 of the unfiltered timeline (keyset cursor)",
        "filter",
        [["cursor", cursor]],
        `(event_time < ${ts(c.v)} OR (event_time = ${ts(c.v)} AND id < ${lit(c.id)}))`,
      ),
    );
  }

  // ---- /events: the HTML page ------------------------------------------------------------------
  // The default view streams four parts (facets, match count, histogram, first page), each from
  // its own query; the page is complete when the last one has rendered. DuckDB answers the same
  // four questions one after the other (its queries use both cores each).
  const ttfb: number[] = [];
  items.push({
    name: "/events server response",
    what: `GET /events (default view; full streamed HTML) vs facets${allFacets.sampled ? " (sampled as ours)" : ""} + count + histogram + first page`,
    target: "page",
    async ours(who) {
      const t = performance.now();
      const r = await fetch(`${server.url}/events`, { headers: { "accept-encoding": "identity", ...creds[who] } });
      const reader = r.body!.getReader();
      let first = true;
      for (;;) {
        const { done } = await reader.read();
        if (first) {
          if (who === "all") ttfb.push(performance.now() - t);
          first = false;
        }
        if (done) break;
      }
      const ms = performance.now() - t;
      if (r.status !== 200) throw new Error(`/events ${r.status}`);
      return { ms, check: "", via: "GET /events" };
    },
    async duck() {
      const t = performance.now();
      await duckRows(duck.conn, duckFacetSql(allFacets.from));
      await duckRows(duck.conn, `SELECT count(*) AS n FROM events`);
      const ext = (await duckRows(duck.conn, `SELECT epoch_ms(min(event_time)) AS lo, epoch_ms(max(event_time)) AS hi FROM events`))[0];
      const lo = Number(ext.lo);
      const hi = Math.max(Date.now(), Number(ext.hi) + 1);
      await duckRows(duck.conn, duckHistSql("", chooseBucket ? chooseBucket(hi - lo) : 86400e3));
      await duckRows(duck.conn, page(""));
      return { ms: performance.now() - t, check: "" };
    },
  });
  pageTtfb = ttfb;
  return items;
}

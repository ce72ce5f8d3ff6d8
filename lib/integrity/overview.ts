// What the Integrity page shows: per validated source, each trail's digest chain per account and
// region with its breaks, and a coverage grid per account, region and day (delivered, missing,
// unverified), read at a glance; LookupEvents sources say how far they have read. A scoped reader
// gets only its accounts' rows: the page never tells how another account's logs fare.
import type { Db } from "../store/db";
import { classifyKey } from "../ingest/decode";
import { layoutTail, parseDigestKey } from "./chain";
import { INVALID_DIGEST } from "./outcomes";
import { pendingRequests } from "./requests";

export interface TrailChain {
  account: string;
  region: string;
  trail: string;
  backfill: boolean;
  digests: Record<string, number>;
  first: string | null;
  last: string | null;
  /** Digests that failed, with why (the chain's breaks), newest first, at most MAX_LISTED. */
  broken: { key: string; outcome: string; detail: string | null; endTime: string | null }[];
  findings: { kind: string; key: string | null; namedBy: string | null; from: string | null; to: string | null }[];
}

export interface CoverageCell {
  day: string;
  verified: number;
  unsigned: number;
  unverified: number;
  failed: number;
  missing: number;
}

export interface ScopeOverview {
  scope: string;
  source: string;
  /** Every digest's signature was checked at the last validation. */
  signatures: boolean;
  keysFrom: string | null;
  lastRun: { at: string; mode: string; ok: boolean; keyErrors: string[] } | null;
  /** "Validate again" asked for and not finished: when, and since when it runs. */
  pending: { requestedAt: string; startedAt: string | null } | null;
  logs: Record<string, number>;
  trails: TrailChain[];
  /** Per account and region, days with log files (delivery day), oldest first. */
  coverage: { account: string; region: string; days: CoverageCell[] }[];
}

export interface LookupCoverage {
  source: string;
  account: string;
  region: string;
  scannedTo: string | null;
  pendingWindows: number;
}

export interface IntegrityOverview {
  scopes: ScopeOverview[];
  lookups: LookupCoverage[];
}

const MAX_LISTED = 50;
const DAY = /\/(\d{4})\/(\d{2})\/(\d{2})\/[^/]+$/;
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export async function integrityOverview(db: Db, accounts?: string[]): Promise<IntegrityOverview> {
  const allowed = (a: string | undefined) => !accounts || (a !== undefined && accounts.includes(a));
  const runs = await db.pool.query(
    `SELECT DISTINCT ON (scope) scope, source, mode, finished_at, summary FROM integrity_runs ORDER BY scope, started_at DESC`,
  );
  const scopes: ScopeOverview[] = [];
  const pending = await pendingRequests(db);
  for (const run of runs.rows) {
    const [objectSource, prefix] = [run.scope.slice(0, run.scope.indexOf("|")), run.scope.slice(run.scope.indexOf("|") + 1)];
    const objs = await db.pool.query(
      `SELECT key, kind, integrity, integrity_detail, event_integrity, meta->'digest'->>'digestEndTime' AS end_time
         FROM ingested_objects WHERE source = $1 AND left(key, length($2)) = $2 AND kind IN ('digest', 'log', 'insight') AND integrity IS NOT NULL`,
      [objectSource, prefix],
    );
    const trails = new Map<string, TrailChain>();
    const cells = new Map<string, Map<string, CoverageCell>>();
    const logs: Record<string, number> = {};
    const cell = (account: string, region: string, day: string) => {
      const k = `${account}\u0001${region}`;
      if (!cells.has(k)) cells.set(k, new Map());
      const m = cells.get(k)!;
      if (!m.has(day)) m.set(day, { day, verified: 0, unsigned: 0, unverified: 0, failed: 0, missing: 0 });
      return m.get(day)!;
    };
    for (const o of objs.rows) {
      if (o.kind === "digest") {
        const t = parseDigestKey(o.key);
        if (!t || !allowed(t.account)) continue;
        const id = `${t.account}\u0001${t.region}\u0001${t.trail}\u0001${t.backfill}`;
        if (!trails.has(id)) trails.set(id, { account: t.account, region: t.region, trail: t.trail, backfill: t.backfill, digests: {}, first: null, last: null, broken: [], findings: [] });
        const tr = trails.get(id)!;
        tr.digests[o.integrity] = (tr.digests[o.integrity] ?? 0) + 1;
        if (o.end_time && (!tr.first || o.end_time < tr.first)) tr.first = o.end_time;
        if (o.end_time && (!tr.last || o.end_time > tr.last)) tr.last = o.end_time;
        if (INVALID_DIGEST.has(o.integrity)) tr.broken.push({ key: layoutTail(o.key), outcome: o.integrity, detail: o.integrity_detail, endTime: o.end_time });
        continue;
      }
      const info = classifyKey(o.key);
      if (!allowed(info.account)) continue;
      logs[o.integrity] = (logs[o.integrity] ?? 0) + 1;
      const m = DAY.exec(o.key);
      // Insights files are not listed in digests: they would grey every day they occur on.
      if (!info.account || !info.region || !m || o.kind === "insight") continue;
      const c = cell(info.account, info.region, `${m[1]}-${m[2]}-${m[3]}`);
      if (o.integrity === "missing") c.missing++;
      else if (o.event_integrity === "failed") c.failed++;
      else if (o.event_integrity === "verified") c.verified++;
      else if (o.integrity === "hash-valid-unsigned") c.unsigned++;
      else c.unverified++;
    }
    const findings = await db.pool.query(
      `SELECT kind, account, region, trail, key, named_by, from_time, to_time FROM integrity_findings WHERE scope = $1 ${accounts ? "AND account = ANY($2::text[])" : ""} ORDER BY from_time DESC NULLS LAST`,
      accounts ? [run.scope, accounts] : [run.scope],
    );
    for (const f of findings.rows) {
      const tr = [...trails.values()].find((t) => t.account === f.account && t.region === f.region && t.trail === f.trail && !t.backfill);
      if (f.kind === "missing-log" && f.key) {
        const m = DAY.exec(f.key);
        if (m) cell(f.account, f.region, `${m[1]}-${m[2]}-${m[3]}`).missing++;
      }
      if (tr && tr.findings.length < MAX_LISTED) tr.findings.push({ kind: f.kind, key: f.key, namedBy: f.named_by ? layoutTail(f.named_by) : null, from: iso(f.from_time), to: iso(f.to_time) });
    }
    for (const t of trails.values()) t.broken = t.broken.sort((a, b) => String(b.endTime).localeCompare(String(a.endTime))).slice(0, MAX_LISTED);
    if (trails.size === 0 && Object.keys(logs).length === 0) continue; // nothing of this reader's accounts
    // A scoped reader's verdict is of its own accounts' files only (the run's covers every account).
    const ownOk = () =>
      [...trails.values()].every((t) => t.broken.length === 0 && !t.findings.some((f) => f.kind === "missing-log" || f.kind === "missing-digest")) && !logs["hash-mismatch"] && !logs.missing;
    scopes.push({
      scope: run.scope,
      source: run.source,
      signatures: Boolean(run.summary?.signaturesChecked),
      keysFrom: run.summary?.keysFrom ?? null,
      pending: (() => {
        const p = pending.find((x) => x.source === run.source);
        return p ? { requestedAt: p.requestedAt.toISOString(), startedAt: p.startedAt?.toISOString() ?? null } : null;
      })(),
      lastRun: run.finished_at
        ? { at: iso(run.finished_at)!, mode: run.mode, ok: accounts ? ownOk() : Boolean(run.summary?.ok), keyErrors: accounts ? [] : (run.summary?.keyErrors ?? []) }
        : null,
      logs,
      trails: [...trails.values()].sort((a, b) => (a.account + a.region + a.trail).localeCompare(b.account + b.region + b.trail)),
      coverage: [...cells].map(([k, m]) => {
        const [account, region] = k.split("\u0001");
        return { account, region, days: [...m.values()].sort((a, b) => a.day.localeCompare(b.day)) };
      }).sort((a, b) => (a.account + a.region).localeCompare(b.account + b.region)),
    });
  }

  const cursors = await db.pool.query(`SELECT source, account, region, position FROM sync_cursors WHERE source LIKE 'lookup://%' ORDER BY source, account, region`);
  const lookups: LookupCoverage[] = cursors.rows
    .filter((r) => allowed(r.account))
    .map((r) => {
      const pass = r.position?.management ?? {};
      return { source: r.source, account: r.account, region: r.region, scannedTo: pass.scannedTo ?? null, pendingWindows: Array.isArray(pass.pending) ? pass.pending.length : 0 };
    });
  return { scopes, lookups };
}

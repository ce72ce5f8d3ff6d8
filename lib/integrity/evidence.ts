// The integrity and completeness of the log files a set of events came from: what an evidence
// bundle's manifest states about its rows. Read under the same query (access scope, asOf, share
// link bounds included: lib/query/sql.ts whereClauses), so it never speaks of events or accounts
// the reader may not see.
import type pg from "pg";
import type { EventQuery } from "../query/params";
import { SqlParams, whereClauses } from "../query/sql";
import { shownKey } from "./scope";

export interface EvidenceIntegrity {
  /** The set's events by their log file's verdict (the `integrity` filter's values). */
  events: { verified: number; unverified: number; failed: number };
  /** Events with no log file (LookupEvents), part of `unverified`. */
  eventsWithoutLogFile: number;
  logFiles: {
    total: number;
    /** Log files by outcome (lib/integrity/outcomes.ts LogOutcome; "not validated" when never run). */
    byOutcome: Record<string, number>;
    /** Files whose events are failed or whose outcome is missing, the first MAX_LISTED. */
    invalid: { key: string; outcome: string; detail: string | null }[];
  };
  /** Whether the digests behind the set's files had their signatures checked (a folder's may have none). */
  signaturesChecked: "all" | "some" | "none";
  /** Where the public keys that checked the signatures came from (CloudTrail, or a folder's own file). */
  keysFrom: string[];
  /** When the files were last validated (the latest run of the scopes involved), ISO. */
  validatedAt: string | null;
  completeness: {
    /** Log files and digests a valid digest names that were never ingested, in the set's range and accounts. */
    missingLogFiles: number;
    missingDigests: number;
    /** Hours of a trail's life no digest covers (gaps, chain restarts), overlapping the set's range. */
    gaps: { kind: string; account: string; region: string; trail: string; from: string | null; to: string | null }[];
    missing: { kind: string; key: string | null; namedBy: string | null }[];
  };
}

const MAX_LISTED = 200;

export async function integrityOfQuery(pool: pg.Pool | pg.PoolClient, q: EventQuery): Promise<EvidenceIntegrity> {
  const p = new SqlParams();
  const where = whereClauses({ ...q, searchBlocks: undefined }, p);
  const files = await pool.query(
    `WITH ev AS (SELECT object_id, count(*)::bigint AS n FROM events ${where.length ? `WHERE ${where.join(" AND ")}` : ""} GROUP BY object_id)
     SELECT ev.object_id, ev.n, o.key, o.source, o.integrity, o.integrity_detail, o.event_integrity, o.verified_at
       FROM ev LEFT JOIN ingested_objects o ON o.id = ev.object_id`,
    p.values,
  );
  const out: EvidenceIntegrity = {
    events: { verified: 0, unverified: 0, failed: 0 },
    eventsWithoutLogFile: 0,
    logFiles: { total: 0, byOutcome: {}, invalid: [] },
    signaturesChecked: "none",
    keysFrom: [],
    validatedAt: null,
    completeness: { missingLogFiles: 0, missingDigests: 0, gaps: [], missing: [] },
  };
  const keys: { source: string; key: string }[] = [];
  for (const r of files.rows) {
    const n = Number(r.n);
    const ev = (r.event_integrity ?? "unverified") as keyof EvidenceIntegrity["events"];
    out.events[ev] += n;
    if (r.object_id === null) {
      out.eventsWithoutLogFile += n;
      continue;
    }
    keys.push({ source: r.source, key: r.key });
    out.logFiles.total++;
    const outcome = r.integrity ?? "not validated";
    out.logFiles.byOutcome[outcome] = (out.logFiles.byOutcome[outcome] ?? 0) + 1;
    if ((ev === "failed" || outcome === "missing") && out.logFiles.invalid.length < MAX_LISTED) out.logFiles.invalid.push({ key: shownKey(r.source, r.key), outcome, detail: r.integrity_detail });
  }
  // Checked where a file was judged against a signed digest; a folder's digests may have none.
  const signed = out.logFiles.byOutcome.valid ?? 0;
  const unsigned = out.logFiles.byOutcome["hash-valid-unsigned"] ?? 0;
  out.signaturesChecked = signed > 0 && unsigned === 0 ? "all" : signed > 0 ? "some" : "none";

  // Findings of the scopes the files belong to (a scope is "<object source>|<key prefix>"), in the
  // set's range and (for a scoped reader) accounts.
  // Each scope's latest validation: which scopes hold the set's files, when they were validated
  // and with whose public keys.
  const latest = await pool.query(`SELECT DISTINCT ON (scope) scope, finished_at, summary->>'keysFrom' AS keys_from FROM integrity_runs ORDER BY scope, started_at DESC`);
  const involved = latest.rows.filter((r) => {
    const sc = r.scope as string;
    const bar = sc.indexOf("|");
    const [src, prefix] = [sc.slice(0, bar), sc.slice(bar + 1)];
    return keys.some((k) => k.source === src && k.key.startsWith(prefix));
  });
  const scopes = involved.map((r) => r.scope as string);
  const fp = new SqlParams();
  const cond = [`scope = ANY(${fp.add(scopes)}::text[])`];
  if (q.accounts) cond.push(`account = ANY(${fp.add(q.accounts)}::text[])`);
  if (q.from) cond.push(`(to_time IS NULL OR to_time >= ${fp.add(q.from)})`);
  if (q.to) cond.push(`(from_time IS NULL OR from_time < ${fp.add(q.to)})`);
  const findings = await pool.query(
    `SELECT scope, kind, account, region, trail, key, named_by, from_time, to_time FROM integrity_findings WHERE ${cond.join(" AND ")} ORDER BY from_time NULLS FIRST`,
    fp.values,
  );
  for (const f of findings.rows) {
    if (f.kind === "missing-log") out.completeness.missingLogFiles++;
    if (f.kind === "missing-digest") out.completeness.missingDigests++;
    if (f.kind === "gap" || f.kind === "chain-restart") {
      if (out.completeness.gaps.length < MAX_LISTED) out.completeness.gaps.push({ kind: f.kind, account: f.account, region: f.region, trail: f.trail, from: f.from_time?.toISOString() ?? null, to: f.to_time?.toISOString() ?? null });
    } else if (out.completeness.missing.length < MAX_LISTED) {
      out.completeness.missing.push({ kind: f.kind, key: f.key, namedBy: f.named_by ? shownKey(f.scope.slice(0, f.scope.indexOf("|")), f.named_by) : null });
    }
  }
  const finished = involved.map((r) => r.finished_at as Date | null).filter((d): d is Date => d !== null);
  out.validatedAt = finished.length ? new Date(Math.max(...finished.map((d) => d.getTime()))).toISOString() : null;
  out.keysFrom = [...new Set(involved.map((r) => r.keys_from as string | null).filter((k): k is string => !!k))];
  return out;
}

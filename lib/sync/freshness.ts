// Freshness: the newest stored event per account and region, as the principal may see them. A
// trail that stopped delivering for one region (a bucket policy change, a region opted out, a
// LookupEvents source that lost its credentials) shows as a region whose newest event falls behind
// the others.
//
// Read from `events` through events_account_region_time_idx (migration 20261207110000): a skip scan
// finds each account (the smallest account above the last one), then each of its regions likewise,
// and each pair's newest event is the first index entry under it — a few index probes per pair,
// whatever the table holds. The principal's constraints (account scope) come from whereClauses, as
// for every other query of events.
import type pg from "pg";
import { constrain, type Access } from "../auth/access";
import { parseEventQuery } from "../query/params";
import { SqlParams, whereClauses } from "../query/sql";

export interface FreshnessRow {
  /** recipientAccountId; null for events that name no account. */
  account: string | null;
  /** awsRegion; null for events that name no region. */
  region: string | null;
  /** eventTime of the newest stored event of this account and region (ISO). */
  newest: string;
}

/** Behind the freshest account and region by more than this: marked stale. */
export const STALE_AFTER_MS = 24 * 3600_000;

/** The newest event of every account and region the principal may see, by account then region. */
export async function freshness(pool: Pick<pg.Pool, "query">, access: Access): Promise<FreshnessRow[]> {
  const p = new SqlParams();
  const allowed = whereClauses(constrain(parseEventQuery(new URLSearchParams()), access), p);
  const and = allowed.map((c) => ` AND ${c}`).join("");
  // Accounts: each step the smallest account above the previous one (min() walks the index).
  const accounts = await pool.query(
    `WITH RECURSIVE acc(a) AS (
       SELECT min(recipient_account_id) FROM events WHERE true${and}
       UNION ALL
       SELECT (SELECT min(recipient_account_id) FROM events WHERE recipient_account_id > acc.a${and}) FROM acc WHERE acc.a IS NOT NULL
     )
     SELECT a FROM acc WHERE a IS NOT NULL`,
    p.values,
  );
  const list = accounts.rows.map((r) => r.a as string);
  const rows: FreshnessRow[] = [];
  if (list.length) rows.push(...(await pairs(pool, (col) => `recipient_account_id = ${col}`, list, allowed, p.values)));
  // Events without an account (a record naming none, its key none either) are only seen unscoped.
  if (!access.scope) {
    const none = await pool.query(`SELECT 1 FROM events WHERE recipient_account_id IS NULL${and} LIMIT 1`, p.values);
    if (none.rows.length) rows.push(...(await pairs(pool, () => "recipient_account_id IS NULL", [null], allowed, p.values)));
  }
  return rows;
}

/** Each region of the accounts with its newest event; `account(col)` matches events of the account in col. */
async function pairs(pool: Pick<pg.Pool, "query">, account: (col: string) => string, accounts: (string | null)[], allowed: string[], baseValues: unknown[]): Promise<FreshnessRow[]> {
  const values = [...baseValues, accounts];
  const list = `unnest($${values.length}::text[]) AS x(a)`;
  const and = allowed.map((c) => ` AND ${c}`).join("");
  const { rows } = await pool.query(
    `WITH RECURSIVE reg(a, r) AS (
       SELECT x.a, (SELECT min(aws_region) FROM events WHERE ${account("x.a")}${and}) FROM ${list}
       UNION ALL
       SELECT reg.a, (SELECT min(aws_region) FROM events WHERE ${account("reg.a")} AND aws_region > reg.r${and}) FROM reg WHERE reg.r IS NOT NULL
     )
     SELECT reg.a AS account, reg.r AS region, (SELECT max(event_time) FROM events WHERE ${account("reg.a")} AND aws_region = reg.r${and}) AS newest
       FROM reg WHERE reg.r IS NOT NULL
     UNION ALL
     SELECT x.a, NULL, (SELECT max(event_time) FROM events WHERE ${account("x.a")} AND aws_region IS NULL${and}) FROM ${list}
     ORDER BY 1, 2 NULLS LAST`,
    values,
  );
  return rows.filter((r) => r.newest !== null).map((r) => ({ account: r.account, region: r.region, newest: (r.newest as Date).toISOString() }));
}

export interface JudgedFreshness extends FreshnessRow {
  /** now − newest. */
  ageMs: number;
  /** How far this pair's newest event is behind the freshest pair's. */
  behindMs: number;
  stale: boolean;
}

/**
 * Ages and stale marks. A pair is stale when its newest event is more than `staleAfterMs` behind
 * the freshest pair's — not behind the clock: after loading last year's logs every region is old,
 * and none of them is late against the others.
 */
export function judgeFreshness(rows: FreshnessRow[], now: Date, staleAfterMs = STALE_AFTER_MS): { rows: JudgedFreshness[]; newest: string | null } {
  const times = rows.map((r) => Date.parse(r.newest));
  const top = times.length ? Math.max(...times) : null;
  return {
    newest: top === null ? null : new Date(top).toISOString(),
    rows: rows.map((r, i) => {
      const behindMs = top! - times[i];
      return { ...r, ageMs: now.getTime() - times[i], behindMs, stale: behindMs > staleAfterMs };
    }),
  };
}

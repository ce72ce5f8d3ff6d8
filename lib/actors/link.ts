// Credentials chains in the store. The loader calls linkBatch inside each batch's transaction,
// before its COPY: it records the credentials the batch's events issued (credential_sessions) and
// works out each event's actor — from the record itself, or by following its session key up
// through the issuing events already stored (the batch's own included). Sessions whose issuing
// event arrives later (another file, another source, LookupEvents' newest-first order) are
// resolved then, and relinkLateEvents gives their already-stored events the actor at the end of
// that sync. Nothing is guessed: an event whose chain reaches a missing issuing event keeps a
// NULL actor, and the detail view says which link is missing.
import type pg from "pg";
import { SESSION_TYPES, type CredentialLink, type Issuance } from "./origin";

/** Longer chains than this are hostile data (a loop of keys), not role chaining. */
export const MAX_CHAIN = 32;

/** An actor and the accounts whose records it was learnt from (events.actor_accounts). */
export interface Linked {
  origin: string;
  accounts: string[];
}

/** Sorted, unique, without the NULLs of records that name no account. */
export const accountSet = (a: readonly (string | null)[]): string[] => [...new Set(a.filter((x): x is string => !!x))].sort();

/**
 * Each key's origin, followed up through parent keys (keys with none known are left out), with the
 * accounts of every issuing event on the way.
 */
export async function originsOf(c: pg.ClientBase, keys: string[]): Promise<Map<string, Linked>> {
  if (keys.length === 0) return new Map();
  const { rows } = await c.query<{ start: string; origin: string; accounts: (string | null)[] }>(
    `WITH RECURSIVE walk(start, key, origin, accounts, path, depth) AS (
       SELECT s.access_key_id, s.parent_key, s.origin, s.accounts, ARRAY[s.account_id], 0
         FROM credential_sessions s WHERE s.access_key_id = ANY($1::text[])
       UNION ALL
       SELECT w.start, p.parent_key, p.origin, p.accounts, w.path || p.account_id, w.depth + 1
         FROM walk w JOIN credential_sessions p ON p.access_key_id = w.key
        WHERE w.origin IS NULL AND w.depth < ${MAX_CHAIN}
     )
     SELECT start, origin, w.path[1:depth] || coalesce(accounts, ARRAY[w.path[depth + 1]]) AS accounts FROM walk w WHERE origin IS NOT NULL`,
    [keys],
  );
  return new Map(rows.map((r) => [r.start, { origin: r.origin, accounts: accountSet(r.accounts) }]));
}

/**
 * Whether an issuing record of a key says more of its chain than another: it names the origin, or
 * at least the caller's session to follow (the other copy of a cross-account call names neither).
 * The table keeps the copy that says most (linkBatch's ON CONFLICT has the same rule).
 */
function tellsMore(a: Issuance, than: Issuance): boolean {
  if (than.origin) return false;
  return a.origin !== null || (than.parentKey === null && a.parentKey !== null);
}

/**
 * Records the batch's issuances and returns each row's actor (null: not known). `links` and `ids`
 * are the batch's rows (lib/ingest/normalize.ts EventRows.links).
 */
/** A row's actor as the loader stores it (events.actor, events.actor_accounts). */
export interface LinkedRow {
  actor: string | null;
  /** null: the event names its actor itself. */
  accounts: string[] | null;
}

export async function linkBatch(c: pg.ClientBase, links: readonly (string | null)[], ids: readonly string[]): Promise<LinkedRow[]> {
  const parsed: (CredentialLink | null)[] = links.map((l) => (l ? (JSON.parse(l) as CredentialLink) : null));
  // The first issuing event of a key wins, here as in the table — unless a later one tells more
  // of the chain (tellsMore): a cross-account AssumeRole is recorded in both accounts, and the
  // role account's copy names the caller only as AWSAccount (with a key no issuing event
  // explains, or none), the caller account's copy names the user or the session.
  const issued = new Map<string, Issuance & { id: string }>();
  // Every issuing event of each key (the copies of a cross-account call): each gets its actor
  // when the key's origin becomes known.
  const copies: [string, string][] = [];
  parsed.forEach((l, i) => {
    if (!l?.i) return;
    const had = issued.get(l.i.key);
    if (!had || tellsMore(l.i, had)) issued.set(l.i.key, { ...l.i, id: ids[i] });
    copies.push([l.i.key, ids[i]]);
  });
  const inserted = new Set<string>();
  if (issued.size > 0) {
    // Sorted by key: concurrent batches lock the same rows in the same order.
    const list = [...issued.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    const { rows } = await c.query<{ access_key_id: string }>(
      `INSERT INTO credential_sessions (access_key_id, event_id, event_time, event_name, account_id, session_arn, source_identity, parent_key, origin, accounts, resolved_at)
       SELECT k, e, t::timestamptz, n, a, s, si, p, o, CASE WHEN o IS NOT NULL THEN array_remove(ARRAY[a], NULL) END, CASE WHEN o IS NOT NULL THEN now() END
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
           AS x(k, e, t, n, a, s, si, p, o)
       ON CONFLICT (access_key_id) DO UPDATE
         SET event_id = EXCLUDED.event_id, event_time = EXCLUDED.event_time, event_name = EXCLUDED.event_name,
             account_id = EXCLUDED.account_id, session_arn = coalesce(EXCLUDED.session_arn, credential_sessions.session_arn),
             source_identity = coalesce(EXCLUDED.source_identity, credential_sessions.source_identity),
             parent_key = EXCLUDED.parent_key, origin = EXCLUDED.origin, accounts = EXCLUDED.accounts,
             resolved_at = CASE WHEN EXCLUDED.origin IS NOT NULL THEN now() END,
             copies = array_append(credential_sessions.copies, credential_sessions.event_id)
         WHERE credential_sessions.origin IS NULL
           AND (EXCLUDED.origin IS NOT NULL OR (credential_sessions.parent_key IS NULL AND EXCLUDED.parent_key IS NOT NULL))
       RETURNING access_key_id`,
      [
        list.map((x) => x.key),
        list.map((x) => x.id),
        list.map((x) => x.time),
        list.map((x) => x.eventName),
        list.map((x) => x.account),
        list.map((x) => x.sessionArn),
        list.map((x) => x.sourceIdentity),
        list.map((x) => x.parentKey),
        list.map((x) => x.origin),
      ],
    );
    for (const r of rows) inserted.add(r.access_key_id);
    // The other copies, kept beside the one that names the chain (each at most once). Nothing to
    // keep when every key was issued once in the batch and stored by it just now.
    if (copies.length > issued.size || inserted.size < issued.size) await c.query(
      `UPDATE credential_sessions s SET copies = array_append(s.copies, x.e)
         FROM (SELECT DISTINCT k, e FROM unnest($1::text[], $2::text[]) AS u(k, e)) x
        WHERE s.access_key_id = x.k AND s.event_id <> x.e AND NOT x.e = ANY(s.copies)`,
      [copies.map((x) => x[0]), copies.map((x) => x[1])],
    );
  }

  // Every key the batch needs followed: its sessions' keys, and the new issuances' callers.
  const need = new Set<string>();
  for (const l of parsed) {
    if (l?.k) need.add(l.k);
    // An issuing call whose caller's key leads nowhere (the role account's copy of a cross-account
    // AssumeRole: an AWSAccount with the caller's long-term key) is by whoever the key it issued
    // leads to — the other copy names the caller.
    if (l?.i && !l.a) need.add(l.i.key);
  }
  for (const k of inserted) if (!issued.get(k)!.origin) need.add(k);
  const origins = await originsOf(c, [...need]);

  // New issuances resolved through their caller's chain, then everything that hung below them.
  const late = [...inserted].filter((k) => !issued.get(k)!.origin && origins.has(k));
  if (late.length > 0) {
    await c.query(
      `UPDATE credential_sessions s SET origin = x.o, accounts = string_to_array(x.a, ','), resolved_at = now()
         FROM unnest($1::text[], $2::text[], $3::text[]) AS x(k, o, a)
        WHERE s.access_key_id = x.k AND s.origin IS NULL`,
      [late, late.map((k) => origins.get(k)!.origin), late.map((k) => origins.get(k)!.accounts.join(","))],
    );
  }
  const known = [...inserted].filter((k) => issued.get(k)!.origin || origins.has(k));
  if (known.length > 0) await resolveDescendants(c, known);

  return parsed.map((l) => {
    if (l?.a) return { actor: l.a, accounts: null };
    const linked = (l?.k ? origins.get(l.k) : undefined) ?? (l?.i ? origins.get(l.i.key) : undefined);
    return linked ? { actor: linked.origin, accounts: linked.accounts } : { actor: null, accounts: null };
  });
}

/** Sessions issued (earlier) by sessions of `keys`, still without an origin, get theirs. */
async function resolveDescendants(c: pg.ClientBase | pg.Pool, keys: string[]) {
  await c.query(
    `WITH RECURSIVE down(key, origin, accounts, depth) AS (
       SELECT access_key_id, origin, accounts, 0 FROM credential_sessions WHERE access_key_id = ANY($1::text[]) AND origin IS NOT NULL
       UNION ALL
       SELECT s.access_key_id, d.origin, CASE WHEN s.account_id IS NULL OR s.account_id = ANY(d.accounts) THEN d.accounts ELSE d.accounts || s.account_id END, d.depth + 1
         FROM credential_sessions s JOIN down d ON s.parent_key = d.key
        WHERE s.origin IS NULL AND d.depth < ${MAX_CHAIN}
     )
     UPDATE credential_sessions s SET origin = d.origin, accounts = d.accounts, resolved_at = now()
       FROM (SELECT DISTINCT ON (key) key, origin, accounts FROM down WHERE depth > 0) d
      WHERE s.access_key_id = d.key AND s.origin IS NULL`,
    [keys],
  );
}

/**
 * How far before a sync's start its late-link pass looks: a concurrent sync's commit that resolved
 * a key may have started (its now()) before this sync did, yet committed after this sync's batch
 * looked the key up. Ten minutes is far beyond one commit.
 */
const RESOLUTION_OVERLAP_MS = 10 * 60_000;

/**
 * The session types (origin.ts) as events_unlinked_sessions_idx's predicate writes them, in the
 * same order: PostgreSQL uses a partial index only for a query that states its predicate.
 */
const UNLINKED_TYPES = `(${[...SESSION_TYPES].map((t) => `'${t}'`).join(", ")})`;

/**
 * Gives the events stored before their session's issuing event the actor learnt since `since` (a
 * sync's start). Returns how many events got one.
 */
export async function relinkLateEvents(c: pg.ClientBase | pg.Pool, since: Date): Promise<number> {
  const from = new Date(since.getTime() - RESOLUTION_OVERLAP_MS);
  // A chained issuance stored by a batch that committed alongside the one resolving its parent
  // (two commits in flight, or two sources at once) was seen by neither's resolveDescendants:
  // hand it down now that both have committed.
  const parents = await c.query<{ k: string }>(
    `SELECT p.access_key_id AS k FROM credential_sessions p
      WHERE p.resolved_at >= $1 AND p.origin IS NOT NULL
        AND EXISTS (SELECT 1 FROM credential_sessions ch WHERE ch.parent_key = p.access_key_id AND ch.origin IS NULL)`,
    [from],
  );
  if (parents.rows.length > 0) await resolveDescendants(c, parents.rows.map((r) => r.k));
  // Driven by the events still without an actor (events_unlinked_sessions_idx, a partial index of
  // the sessions whose issuing event is not stored), not by every key resolved since: at 10M
  // events a sync had resolved ~1.9M keys, and looking up each one's events took minutes. The CTE
  // is the index's own predicate and columns (an index-only scan).
  const unlinked = `SELECT id, access_key_id FROM events WHERE actor IS NULL AND identity_type IN ${UNLINKED_TYPES}`;
  // The events to link are found first — the unlinked ones whose session (or, for an issuing
  // call whose caller names no origin, a cross-account copy: an AWSAccount caller without a key)
  // was resolved since — and only those are then updated by id. Joined to `events` in the UPDATE
  // itself, PostgreSQL expected a third of the unlinked to match and hashed them against a scan of
  // the whole table (before statistics: looked 1.1M events up one by one, for minutes at 10M).
  const found = await c.query<{ id: string; origin: string; accounts: string[] | null }>(
    // An event both ways: its session's origin first (as the two UPDATEs this replaced ran).
    `WITH u AS MATERIALIZED (${unlinked})
     SELECT DISTINCT ON (id) id, origin, accounts FROM (
       SELECT 1 AS way, u.id, s.origin, s.accounts FROM u JOIN credential_sessions s ON s.access_key_id = u.access_key_id
        WHERE s.resolved_at >= $1 AND s.origin IS NOT NULL
       UNION ALL
       SELECT 2, u.id, s.origin, s.accounts FROM credential_sessions s, unnest(s.copies || s.event_id) AS x(id), u
        WHERE s.resolved_at >= $1 AND s.origin IS NOT NULL AND x.id = u.id) t
     ORDER BY id, way`,
    [from],
  );
  let linked = 0;
  for (let i = 0; i < found.rows.length; i += RELINK_CHUNK) {
    const chunk = found.rows.slice(i, i + RELINK_CHUNK);
    const r = await c.query(
      `UPDATE events e SET actor = x.origin, actor_accounts = x.accounts
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, origin text, accounts text[])
        WHERE e.id = x.id AND e.actor IS NULL`,
      [JSON.stringify(chunk)],
    );
    linked += r.rowCount ?? 0;
  }
  return linked;
}

/** Events linked per UPDATE at the end of a sync (each one looked up by id). */
const RELINK_CHUNK = 20_000;

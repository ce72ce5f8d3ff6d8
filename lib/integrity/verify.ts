// Log file integrity validation of one source: after every sync from what the store already knows
// (each object's SHA-256 was taken when it was read, digests keep their JSON and signature), and on
// demand (`npm run verify`, the Integrity page) after reading every object of the source again — so
// a file altered or deleted since it was synced is caught, as `aws cloudtrail validate-logs` would.
import type { CloudTrailClientConfig } from "@aws-sdk/client-cloudtrail";
import type pg from "pg";
import { checkOut, giveBack } from "../store/checkout";
import type { Db } from "../store/db";
import { layoutTail, validateChain, parseDigestKey, type DigestInput, type LogInput } from "./chain";
import { eventIntegrityOf, INVALID_DIGEST, INVALID_LOG, type LogOutcome } from "./outcomes";
import { loadPublicKeys, type KeyNeed } from "./public-keys";
import { scopeWhere, type IntegrityScope } from "./scope";
import { FOLDER_KEYS_FILE, folderPublicKeys, sidecarSignature } from "./folder-keys";

export type VerifyMode = "after-sync" | "on-demand";

export interface VerifySummary {
  scope: string;
  source: string;
  mode: VerifyMode;
  /** Every digest's signature was checked (S3, or a folder whose digests came with their metadata). */
  signaturesChecked: boolean;
  /** Where the public keys came from: CloudTrail's ListPublicKeys, or the folder's public-keys.json. */
  keysFrom: string | null;
  digests: Record<string, number>;
  logs: Record<string, number>;
  findings: Record<string, number>;
  /** Invalid files and findings, the first MAX_LISTED (what `npm run verify` prints). */
  problems: { what: "digest" | "log"; key: string; outcome: string; detail: string | null }[];
  /** Public key lookups that failed (their digests read as signed by an unknown key). */
  keyErrors: string[];
  elapsedMs: number;
  /** Nothing invalid or missing: validate-logs would exit 0. */
  ok: boolean;
  /** After a sync: only what is new and what it touches was validated (how many objects); null: all of it. */
  window: { objects: number } | null;
}

const MAX_LISTED = 1000;

export interface VerifyOptions {
  mode: VerifyMode;
  /** On demand: objects not read again since this instant are gone from the source. */
  readSince?: Date;
  /** Keys that could not be read this time (not gone; left as they were judged before). */
  unreadable?: Set<string>;
  /**
   * After a sync of a source validated before: objects recorded since this instant are what is new
   * (validated with what they touch); absent: the whole source.
   */
  newSince?: Date;
  clientConfig?: Partial<CloudTrailClientConfig>;
}

interface StoredObject {
  id: number;
  key: string;
  kind: string;
  sha256: string | null;
  meta: { digest?: Record<string, unknown>; signature?: string; signatureAlgorithm?: string } | null;
  ingestedAt: Date;
}

const SELECT_OBJECTS = `SELECT id, key, kind, sha256, meta, ingested_at FROM ingested_objects`;
const toObject = (r: Record<string, unknown>): StoredObject => ({ id: r.id as number, key: r.key as string, kind: r.kind as string, sha256: r.sha256 as string | null, meta: r.meta as StoredObject["meta"], ingestedAt: r.ingested_at as Date });
/** A log file's delivery time in its name (…_20261120T1345Z_…), to place new files in time. */
const DELIVERY = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[^/!]*$/;
/** How far before the oldest new file a windowed validation looks (digests follow their hour by up to ~1 h). */
const WINDOW_MARGIN_MS = 3 * 3600e3;

/** Every object of the scope that integrity validation reads. */
async function allObjects(db: Db, scope: IntegrityScope): Promise<StoredObject[]> {
  const where = scopeWhere(scope, 1);
  const r = await db.pool.query(`${SELECT_OBJECTS} WHERE ${where.sql} AND kind IN ('digest', 'log', 'insight')`, where.params);
  return r.rows.map(toObject);
}

/**
 * After a sync, what is new and what it touches: the objects recorded since `since`, every digest
 * ending from a little before the oldest of them on (new digests, and the ones their links and
 * gaps are checked against), the log files those digests name, and the digests that named a new
 * log file missing before; and the digests of the rest, by key, which count as there (a link to one
 * is not to a missing digest). null when it cannot be narrowed (archive members are keyed by
 * archive, not by where a digest says they are).
 */
async function windowObjects(db: Db, scope: IntegrityScope, since: Date): Promise<{ rows: StoredObject[]; digestKeys: string[]; storedDigests: Set<string> } | null> {
  const where = scopeWhere(scope, 1);
  const scoped = where.sql;
  const archives = await db.pool.query(`SELECT 1 FROM ingested_objects WHERE ${scoped} AND strpos(key, '!') > 0 LIMIT 1`, where.params);
  if (archives.rowCount) return null;
  const fresh = (await db.pool.query(`${SELECT_OBJECTS} WHERE ${scoped} AND kind IN ('digest', 'log', 'insight') AND ingested_at >= $3`, [...where.params, since])).rows.map(toObject);
  if (fresh.length === 0) return { rows: [], digestKeys: [], storedDigests: new Set() }; // nothing a digest speaks of
  let oldest = Infinity;
  for (const o of fresh) {
    const t = o.kind === "digest" ? Date.parse(String(o.meta?.digest?.digestStartTime)) : (() => {
      const m = DELIVERY.exec(o.key);
      return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) : NaN;
    })();
    if (Number.isNaN(t)) return null;
    oldest = Math.min(oldest, t);
  }
  const from = new Date(oldest - WINDOW_MARGIN_MS).toISOString().replace(/\.\d{3}Z$/, "Z");
  const digests = (await db.pool.query(`${SELECT_OBJECTS} WHERE ${scoped} AND kind = 'digest' AND (meta->'digest'->>'digestEndTime') >= $3`, [...where.params, from])).rows.map(toObject);
  // Digests that named a log file missing which has now arrived (a late delivery).
  const freshTails = fresh.filter((o) => o.kind !== "digest").map((o) => layoutTail(o.key));
  const namers = await db.pool.query(`SELECT DISTINCT named_by FROM integrity_findings WHERE scope = $1 AND kind = 'missing-log' AND key = ANY($2::text[])`, [scope.id, freshTails]);
  const have = new Set(digests.map((d) => d.key));
  const more = namers.rows.map((r) => r.named_by as string).filter((k) => !have.has(k));
  if (more.length) digests.push(...(await db.pool.query(`${SELECT_OBJECTS} WHERE source = $1 AND key = ANY($2::text[])`, [scope.objectSource, more])).rows.map(toObject));
  // The log files they name, where the scope keeps them: the S3 key itself, or a folder's path.
  const candidates = new Set<string>();
  for (const d of digests) {
    for (const f of (d.meta?.digest?.logFiles as { s3Object?: string }[] | undefined) ?? []) {
      if (typeof f?.s3Object !== "string") continue;
      if (scope.bucket !== null) candidates.add(f.s3Object);
      else for (const k of [f.s3Object, layoutTail(f.s3Object)]) candidates.add(`${scope.prefix}/${k}`);
    }
  }
  const logs = (await db.pool.query(`${SELECT_OBJECTS} WHERE source = $1 AND key = ANY($2::text[]) AND kind <> 'digest'`, [scope.objectSource, [...candidates]])).rows.map(toObject);
  const byId = new Map<number, StoredObject>();
  for (const o of [...fresh, ...digests, ...logs]) byId.set(o.id, o);
  const stored = await db.pool.query(`SELECT key FROM ingested_objects WHERE ${scoped} AND kind = 'digest'`, where.params);
  return { rows: [...byId.values()], digestKeys: digests.map((d) => d.key), storedDigests: new Set(stored.rows.map((r) => layoutTail(r.key))) };
}

export async function verifyScope(db: Db, scope: IntegrityScope, opts: VerifyOptions): Promise<VerifySummary> {
  const started = Date.now();
  const window = opts.newSince ? await windowObjects(db, scope, opts.newSince) : null;
  const rows = window?.rows ?? (await allObjects(db, scope));
  const knownDigests = window?.storedDigests ?? null;

  const gone = (o: StoredObject) => opts.readSince !== undefined && o.ingestedAt < opts.readSince && !opts.unreadable?.has(o.key);
  const present = rows.filter((o) => !gone(o));
  const digests: DigestInput[] = [];
  const logs: LogInput[] = [];
  const needs: KeyNeed[] = [];
  for (const o of present) {
    if (o.kind !== "digest") {
      logs.push({ key: o.key, sha256: o.sha256 });
      continue;
    }
    const d = o.meta?.digest ?? null;
    const side = !scope.signatures && !o.meta?.signature ? await sidecarSignature(o.key) : null;
    const signature = o.meta?.signature ?? side?.signature ?? null;
    digests.push({ key: o.key, bucket: scope.bucket, sha256: o.sha256, digest: d, signature, signatureAlgorithm: o.meta?.signatureAlgorithm ?? side?.algorithm ?? null });
    const trail = parseDigestKey(o.key);
    if (signature && d && trail && typeof d.digestPublicKeyFingerprint === "string") {
      const from = new Date(String(d.digestStartTime));
      const to = new Date(String(d.digestEndTime));
      if (!Number.isNaN(from.getTime()) && !Number.isNaN(to.getTime())) needs.push({ region: trail.homeRegion, fingerprint: d.digestPublicKeyFingerprint, from, to });
    }
  }
  // A folder that brought its keys along uses those; otherwise (and for S3) CloudTrail's.
  const folderKeys = scope.objectSource === "file" ? await folderPublicKeys(scope.prefix) : new Map();
  const ring = folderKeys.size ? { get: (_r: string, fp: string) => folderKeys.get(fp), errors: new Map<string, string>() } : await loadPublicKeys(db, needs, opts.clientConfig);
  const result = validateChain({ digests, logs, signatures: scope.signatures, publicKey: ring.get, knownDigest: knownDigests ? (tail) => knownDigests.has(tail) : undefined });

  // Outcomes per object, written in one statement.
  const ids: number[] = [];
  const outcomes: string[] = [];
  const details: (string | null)[] = [];
  const events: (string | null)[] = [];
  for (const o of rows) {
    let outcome: string;
    let detail: string | null = null;
    if (gone(o)) outcome = "missing";
    else if (o.kind === "digest") ({ outcome, detail } = result.digests.get(o.key)!);
    else ({ outcome, detail } = result.logs.get(o.key)!);
    ids.push(o.id);
    outcomes.push(outcome);
    details.push(detail);
    events.push(o.kind === "digest" ? null : eventIntegrityOf(outcome as LogOutcome));
  }

  const c = await checkOut(db.pool);
  let broken: Error | undefined;
  try {
    await c.query("BEGIN");
    await c.query(
      `UPDATE ingested_objects o SET integrity = t.outcome, integrity_detail = t.detail, event_integrity = t.ev, verified_at = now()
         FROM unnest($1::int[], $2::text[], $3::text[], $4::text[]) AS t(id, outcome, detail, ev) WHERE o.id = t.id`,
      [ids, outcomes, details, events],
    );
    // A window replaces what its digests found; a whole validation, everything.
    if (window) await c.query(`DELETE FROM integrity_findings WHERE scope = $1 AND named_by = ANY($2::text[])`, [scope.id, window.digestKeys]);
    else await c.query(`DELETE FROM integrity_findings WHERE scope = $1`, [scope.id]);
    if (result.findings.length) {
      const f = result.findings;
      await c.query(
        `INSERT INTO integrity_findings (scope, account, region, trail, kind, key, named_by, from_time, to_time, detail)
         SELECT $1, a, r, t, k, ky, nb, ft, tt, d FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::text[])
           AS x(a, r, t, k, ky, nb, ft, tt, d)`,
        [scope.id, f.map((x) => x.account), f.map((x) => x.region), f.map((x) => x.trail), f.map((x) => x.kind), f.map((x) => x.key), f.map((x) => x.namedBy), f.map((x) => x.from), f.map((x) => x.to), f.map((x) => x.detail)],
      );
    }
    const summary = await scopeSummary(c, scope, opts.mode, [...ring.errors.values()], folderKeys.size > 0);
    summary.window = window ? { objects: rows.length } : null;
    summary.elapsedMs = Date.now() - started;
    await c.query(`INSERT INTO integrity_runs (scope, source, mode, finished_at, summary) VALUES ($1, $2, $3, now(), $4)`, [
      scope.id,
      scope.source,
      opts.mode,
      JSON.stringify({ ...summary, problems: summary.problems.slice(0, 50) }),
    ]);
    await c.query("COMMIT");
    return summary;
  } catch (err) {
    await c.query("ROLLBACK").catch(() => {});
    broken = err as Error;
    throw err;
  } finally {
    giveBack(c, broken);
  }
}

/** The scope as it stands after a validation (a window's or a whole one): totals, problems, findings. */
async function scopeSummary(c: pg.PoolClient, scope: IntegrityScope, mode: VerifyMode, keyErrors: string[], folderKeys: boolean): Promise<VerifySummary> {
  const where = scopeWhere(scope, 1);
  const scoped = `${where.sql} AND kind IN ('digest', 'log', 'insight') AND integrity IS NOT NULL`;
  const totals = await c.query(`SELECT kind = 'digest' AS digest, integrity, count(*)::int AS n FROM ingested_objects WHERE ${scoped} GROUP BY 1, 2`, where.params);
  const summary: VerifySummary = {
    scope: scope.id,
    source: scope.source,
    mode,
    signaturesChecked: false,
    keysFrom: null,
    digests: {},
    logs: {},
    findings: {},
    problems: [],
    keyErrors,
    elapsedMs: 0,
    ok: true,
    window: null,
  };
  for (const r of totals.rows) (r.digest ? summary.digests : summary.logs)[r.integrity] = r.n;
  // A signature was checked where a digest came out valid, bad or of an unknown key (the others
  // were judged before their signature was looked at, or had none to look at).
  const checked = (summary.digests.valid ?? 0) + (summary.digests["bad-signature"] ?? 0) + (summary.digests["unknown-key"] ?? 0);
  summary.signaturesChecked = checked > 0 && !summary.digests.unsigned;
  if (checked > 0) summary.keysFrom = folderKeys ? `${FOLDER_KEYS_FILE} in the folder (not fetched from AWS)` : "CloudTrail ListPublicKeys";
  const invalid = [...new Set([...INVALID_DIGEST, ...INVALID_LOG])];
  const bad = await c.query(
    `SELECT kind = 'digest' AS digest, key, integrity, integrity_detail FROM ingested_objects WHERE ${scoped} AND integrity = ANY($3::text[])
      AND (kind = 'digest' AND integrity = ANY($4::text[]) OR kind <> 'digest' AND integrity = ANY($5::text[])) ORDER BY key LIMIT ${MAX_LISTED}`,
    [...where.params, invalid, [...INVALID_DIGEST], [...INVALID_LOG]],
  );
  for (const r of bad.rows) summary.problems.push({ what: r.digest ? "digest" : "log", key: r.key, outcome: r.integrity, detail: r.integrity_detail });
  const goneTails = new Set(bad.rows.filter((r) => r.integrity === "missing").map((r) => layoutTail(r.key)));
  const findings = await c.query(`SELECT kind, key, named_by FROM integrity_findings WHERE scope = $1 ORDER BY from_time NULLS FIRST`, [scope.id]);
  for (const f of findings.rows) {
    summary.findings[f.kind] = (summary.findings[f.kind] ?? 0) + 1;
    // A stored object gone from the source is listed already.
    if ((f.kind === "missing-log" || f.kind === "missing-digest") && !goneTails.has(layoutTail(f.key ?? "")) && summary.problems.length < MAX_LISTED) {
      summary.problems.push({ what: f.kind === "missing-log" ? "log" : "digest", key: f.key ?? "", outcome: "missing", detail: `named by ${layoutTail(f.named_by ?? "")}` });
    }
  }
  summary.ok = bad.rowCount === 0 && !summary.findings["missing-log"] && !summary.findings["missing-digest"];
  return summary;
}

/** Whether the scope has been validated before (a sync that recorded nothing need not again). */
export async function validatedBefore(db: Db, scope: IntegrityScope): Promise<boolean> {
  return ((await db.pool.query(`SELECT 1 FROM integrity_runs WHERE scope = $1 LIMIT 1`, [scope.id])).rowCount ?? 0) > 0;
}

/** Keys of the scope's objects read fine before: an on-demand re-read only hashes these again. */
export async function storedObjectKeys(db: Db, scope: IntegrityScope): Promise<Set<string>> {
  const where = scopeWhere(scope, 1);
  const r = await db.pool.query(`SELECT key FROM ingested_objects WHERE ${where.sql} AND status = 'ok'`, where.params);
  return new Set(r.rows.map((row) => row.key as string));
}

// Log file integrity validation of one source: after every sync from what the store already knows
// (each object's SHA-256 was taken when it was read, digests keep their JSON and signature), and on
// demand (`npm run verify`, the Integrity page) after reading every object of the source again — so
// a file altered or deleted since it was synced is caught, as `aws cloudtrail validate-logs` would.
import type { CloudTrailClientConfig } from "@aws-sdk/client-cloudtrail";
import type { Db } from "../store/db";
import { layoutTail, validateChain, parseDigestKey, type DigestInput, type LogInput } from "./chain";
import { eventIntegrityOf, INVALID_DIGEST, INVALID_LOG, type LogOutcome } from "./outcomes";
import { loadPublicKeys, type KeyNeed } from "./public-keys";
import { scopeWhere, type IntegrityScope } from "./scope";
import { FOLDER_KEYS_FILE, folderPublicKeys, SIDECAR_SUFFIX, sidecarSignature } from "./folder-keys";

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
}

const MAX_LISTED = 1000;

export interface VerifyOptions {
  mode: VerifyMode;
  /** On demand: objects not read again since this instant are gone from the source. */
  readSince?: Date;
  /** Keys that could not be read this time (not gone; left as they were judged before). */
  unreadable?: Set<string>;
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

const count = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);

export async function verifyScope(db: Db, scope: IntegrityScope, opts: VerifyOptions): Promise<VerifySummary> {
  const started = Date.now();
  const where = scopeWhere(scope, 1);
  const rows = (
    await db.pool.query(
      `SELECT id, key, kind, sha256, meta, ingested_at FROM ingested_objects WHERE ${where.sql} AND kind IN ('digest', 'log', 'insight')`,
      where.params,
    )
  ).rows.map((r): StoredObject => ({ id: r.id, key: r.key, kind: r.kind, sha256: r.sha256, meta: r.meta, ingestedAt: r.ingested_at }));

  // Sidecars are the folder's stand-in for S3 metadata, not digests (lib/integrity/folder-keys.ts).
  for (let i = rows.length - 1; i >= 0; i--) if (rows[i].key.endsWith(SIDECAR_SUFFIX)) rows.splice(i, 1);
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
  const result = validateChain({ digests, logs, signatures: scope.signatures, publicKey: ring.get });
  const signed = digests.filter((d) => d.signature).length;

  const summary: VerifySummary = {
    scope: scope.id,
    source: scope.source,
    mode: opts.mode,
    signaturesChecked: digests.length > 0 && signed === digests.length,
    keysFrom: signed === 0 ? null : folderKeys.size ? `${FOLDER_KEYS_FILE} in the folder (not fetched from AWS)` : "CloudTrail ListPublicKeys",
    digests: {},
    logs: {},
    findings: {},
    problems: [],
    keyErrors: [...ring.errors.values()],
    elapsedMs: 0,
    ok: true,
  };
  const listProblem = (p: VerifySummary["problems"][number]) => {
    summary.ok = false;
    if (summary.problems.length < MAX_LISTED) summary.problems.push(p);
  };

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
    if (o.kind === "digest") {
      count(summary.digests, outcome);
      if (INVALID_DIGEST.has(outcome)) listProblem({ what: "digest", key: o.key, outcome, detail });
    } else {
      count(summary.logs, outcome);
      if (INVALID_LOG.has(outcome)) listProblem({ what: "log", key: o.key, outcome, detail });
    }
  }
  const goneTails = new Set(rows.filter(gone).map((o) => layoutTail(o.key)));
  for (const f of result.findings) {
    count(summary.findings, f.kind);
    // A stored object gone from the source is listed above already.
    if ((f.kind === "missing-log" || f.kind === "missing-digest") && !goneTails.has(layoutTail(f.key ?? ""))) listProblem({ what: f.kind === "missing-log" ? "log" : "digest", key: f.key ?? "", outcome: "missing", detail: `named by ${f.namedBy}` });
  }

  const c = await db.pool.connect();
  try {
    await c.query("BEGIN");
    await c.query(
      `UPDATE ingested_objects o SET integrity = t.outcome, integrity_detail = t.detail, event_integrity = t.ev, verified_at = now()
         FROM unnest($1::int[], $2::text[], $3::text[], $4::text[]) AS t(id, outcome, detail, ev) WHERE o.id = t.id`,
      [ids, outcomes, details, events],
    );
    await c.query(`DELETE FROM integrity_findings WHERE scope = $1`, [scope.id]);
    if (result.findings.length) {
      const f = result.findings;
      await c.query(
        `INSERT INTO integrity_findings (scope, account, region, trail, kind, key, named_by, from_time, to_time, detail)
         SELECT $1, a, r, t, k, ky, nb, ft, tt, d FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::text[])
           AS x(a, r, t, k, ky, nb, ft, tt, d)`,
        [scope.id, f.map((x) => x.account), f.map((x) => x.region), f.map((x) => x.trail), f.map((x) => x.kind), f.map((x) => x.key), f.map((x) => x.namedBy), f.map((x) => x.from), f.map((x) => x.to), f.map((x) => x.detail)],
      );
    }
    summary.elapsedMs = Date.now() - started;
    await c.query(`INSERT INTO integrity_runs (scope, source, mode, finished_at, summary) VALUES ($1, $2, $3, now(), $4)`, [
      scope.id,
      scope.source,
      opts.mode,
      JSON.stringify({ ...summary, problems: summary.problems.slice(0, 50) }),
    ]);
    await c.query("COMMIT");
  } catch (err) {
    await c.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    c.release();
  }
  return summary;
}

/** Whether the scope has been validated before (a sync that recorded nothing need not again). */
export async function validatedBefore(db: Db, scope: IntegrityScope): Promise<boolean> {
  return ((await db.pool.query(`SELECT 1 FROM integrity_runs WHERE scope = $1 LIMIT 1`, [scope.id])).rowCount ?? 0) > 0;
}

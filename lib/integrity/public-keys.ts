// CloudTrail's digest-signing public keys: ListPublicKeys of the trail's home region (through the
// SDK, so AWS_ENDPOINT_URL_CLOUDTRAIL and the credential chain apply as for LookupEvents), cached in
// integrity_public_keys. A fingerprint already cached is never asked for again (keys do not change
// once published); one unknown is looked up over the digests' time range, once per run and region.
import { createPublicKey, type KeyObject } from "node:crypto";
import { CloudTrailClient, ListPublicKeysCommand, type CloudTrailClientConfig } from "@aws-sdk/client-cloudtrail";
import type { Db } from "../store/db";

export interface KeyNeed {
  region: string;
  fingerprint: string;
  /** The time range of the digests signed with it (ListPublicKeys filters by validity). */
  from: Date;
  to: Date;
}

export interface PublicKeyRing {
  get(region: string, fingerprint: string): KeyObject | undefined;
  /** Regions whose ListPublicKeys call failed, with the error (their unknown keys stay unknown). */
  errors: Map<string, string>;
}

const HOUR = 3600e3;

function toKey(der: Uint8Array): KeyObject | undefined {
  try {
    return createPublicKey({ key: Buffer.from(der), format: "der", type: "pkcs1" });
  } catch {
    return undefined; // not a PKCS#1 RSA key: the digest it signed reads as signed by an unknown key
  }
}

export async function loadPublicKeys(db: Db, needs: KeyNeed[], clientConfig: Partial<CloudTrailClientConfig> = {}): Promise<PublicKeyRing> {
  const ring = new Map<string, KeyObject>();
  const errors = new Map<string, string>();
  const id = (region: string, fp: string) => `${region}\u0001${fp}`;
  if (needs.length === 0) return { get: () => undefined, errors };

  const regions = [...new Set(needs.map((n) => n.region))];
  const cached = await db.pool.query(`SELECT region, fingerprint, value FROM integrity_public_keys WHERE region = ANY($1::text[])`, [regions]);
  for (const r of cached.rows) {
    const k = toKey(r.value as Buffer);
    if (k) ring.set(id(r.region, r.fingerprint), k);
  }

  // Per region, one ListPublicKeys over the range of the digests whose key is not cached. The end
  // is widened like validate-logs does (a digest is signed up to an hour after its end).
  const missing = needs.filter((n) => !ring.has(id(n.region, n.fingerprint)));
  for (const region of [...new Set(missing.map((n) => n.region))]) {
    const mine = missing.filter((n) => n.region === region);
    const from = new Date(Math.min(...mine.map((n) => n.from.getTime())) - HOUR);
    const to = new Date(Math.max(...mine.map((n) => n.to.getTime())) + 2 * HOUR);
    const client = new CloudTrailClient({ region, ...clientConfig });
    try {
      let token: string | undefined;
      const rows: { fp: string; der: Uint8Array; from: Date; to: Date }[] = [];
      do {
        const r = await client.send(new ListPublicKeysCommand({ StartTime: from, EndTime: to, NextToken: token }));
        for (const k of r.PublicKeyList ?? []) {
          if (!k.Fingerprint || !k.Value) continue;
          rows.push({ fp: k.Fingerprint, der: k.Value, from: k.ValidityStartTime ?? from, to: k.ValidityEndTime ?? to });
        }
        token = r.NextToken;
      } while (token);
      for (const row of rows) {
        const k = toKey(row.der);
        if (k) ring.set(id(region, row.fp), k);
      }
      if (rows.length) {
        await db.pool.query(
          `INSERT INTO integrity_public_keys (region, fingerprint, value, valid_from, valid_to)
           SELECT $1, fp, v, vf, vt FROM unnest($2::text[], $3::bytea[], $4::timestamptz[], $5::timestamptz[]) AS t(fp, v, vf, vt)
           ON CONFLICT (region, fingerprint) DO NOTHING`,
          [region, rows.map((r) => r.fp), rows.map((r) => Buffer.from(r.der)), rows.map((r) => r.from), rows.map((r) => r.to)],
        );
      }
    } catch (err) {
      errors.set(region, `ListPublicKeys in ${region} failed: ${(err as Error).message}`);
    } finally {
      client.destroy();
    }
  }
  return { get: (region, fp) => ring.get(id(region, fp)), errors };
}

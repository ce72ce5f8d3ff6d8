// What a folder can bring along in place of S3 metadata and ListPublicKeys, for copies made with
// the AWS CLI:
// - beside a digest file, `<digest file>.metadata.json`: the output of `aws s3api head-object`
//   (or get-object) for it, `{"Metadata": {"signature": …, "signature-algorithm": …}}`, or that
//   Metadata map alone — the signature CloudTrail stored on the S3 object;
// - at the folder's root, `public-keys.json`: the output of `aws cloudtrail list-public-keys`,
//   `{"PublicKeyList": [{"Value": <base64 DER PKCS#1>, "Fingerprint": …}, …]}`.
// Keys from the folder are only as trustworthy as the folder: the report says where keys came from.
import { createPublicKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";

export const SIDECAR_SUFFIX = ".metadata.json";
export const FOLDER_KEYS_FILE = "public-keys.json";

/** A digest's signature from its sidecar; null when there is none or it holds no signature. */
export async function sidecarSignature(digestPath: string): Promise<{ signature: string; algorithm: string | null } | null> {
  if (digestPath.includes("!")) return null; // archive members: no sidecar on disk
  try {
    const doc = JSON.parse(await readFile(digestPath + SIDECAR_SUFFIX, "utf8")) as Record<string, unknown>;
    const meta = (doc.Metadata && typeof doc.Metadata === "object" ? doc.Metadata : doc) as Record<string, unknown>;
    if (typeof meta.signature !== "string") return null;
    return { signature: meta.signature, algorithm: typeof meta["signature-algorithm"] === "string" ? meta["signature-algorithm"] : null };
  } catch {
    return null;
  }
}

/** The keys of the folder's `public-keys.json`, by fingerprint (empty when it has none). */
export async function folderPublicKeys(root: string): Promise<Map<string, KeyObject>> {
  const out = new Map<string, KeyObject>();
  let doc: { PublicKeyList?: { Value?: string; Fingerprint?: string }[] };
  try {
    doc = JSON.parse(await readFile(path.join(root, FOLDER_KEYS_FILE), "utf8"));
  } catch {
    return out;
  }
  for (const k of doc.PublicKeyList ?? []) {
    if (typeof k.Value !== "string" || typeof k.Fingerprint !== "string") continue;
    try {
      out.set(k.Fingerprint, createPublicKey({ key: Buffer.from(k.Value, "base64"), format: "der", type: "pkcs1" }));
    } catch {
      // not a PKCS#1 key: its digests read as signed by an unknown key
    }
  }
  return out;
}

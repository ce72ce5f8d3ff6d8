// CloudTrail digest signing, as CloudTrail does it and `aws cloudtrail validate-logs` checks it
// (awscli/customizations/cloudtrail/validation.py, Sha256RSADigestValidator):
//
//   signing string = digestEndTime + "\n" + digestS3Bucket + "/" + digestS3Object + "\n"
//                    + hex(SHA-256(uncompressed digest bytes)) + "\n"
//                    + (previousDigestSignature ?? "null")
//   signature      = RSA PKCS#1 v1.5 with SHA-256 over that string (UTF-8), hex-encoded
//
// The signature is not part of the digest file: CloudTrail stores it as S3 user metadata on the
// digest object, `x-amz-meta-signature` (hex) and `x-amz-meta-signature-algorithm`
// ("SHA256withRSA"). The public key comes from CloudTrail ListPublicKeys: `Value` is the DER
// PKCS#1 RSAPublicKey (base64 on the JSON wire), `Fingerprint` is the MD5 hex of those DER bytes
// (checked against AWS's own list-public-keys example: Value "MIIBCgKCAQEAlSS3…" has Fingerprint
// 7f3f401420072e50a65a141430817ab3 = md5(DER)); the digest names it in digestPublicKeyFingerprint.
//
// Node built-ins only; nothing here needs more than Node 20.
import { createHash, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";

export const DIGEST_SIGNATURE_ALGORITHM = "SHA256withRSA";

/** What a digest file is signed with: its private key and the fingerprint the digest names. */
export interface DigestSigner {
  privateKey: KeyObject;
  /** digestPublicKeyFingerprint; ListPublicKeys must return the same Fingerprint for the key. */
  fingerprint: string;
}

/** A key pair as a test hands it to both the corpus writer and the ListPublicKeys peer. */
export interface DigestKeyPair extends DigestSigner {
  publicKey: KeyObject;
  /** DER PKCS#1 RSAPublicKey: what ListPublicKeys returns as `Value` (base64 on the wire). */
  publicKeyDer: Buffer;
}

/** The digest fields that enter the signing string. */
export interface SignedDigestFields {
  digestEndTime: string;
  digestS3Bucket: string;
  digestS3Object: string;
  previousDigestSignature?: string | null;
}

/** S3 user metadata CloudTrail puts on a digest object (keys without the `x-amz-meta-` prefix). */
export interface DigestObjectMetadata {
  signature: string;
  "signature-algorithm": string;
  [k: string]: string;
}

/** The string CloudTrail signs for a digest (`rawDigest` = the uncompressed digest bytes). */
export function digestSigningString(doc: SignedDigestFields, rawDigest: Uint8Array): string {
  const hash = createHash("sha256").update(rawDigest).digest("hex");
  return `${doc.digestEndTime}\n${doc.digestS3Bucket}/${doc.digestS3Object}\n${hash}\n${doc.previousDigestSignature ?? "null"}`;
}

/** Hex RSA-SHA256 (PKCS#1 v1.5) signature of a digest, as stored in `x-amz-meta-signature`. */
export function signDigest(privateKey: KeyObject, doc: SignedDigestFields, rawDigest: Uint8Array): string {
  return sign("sha256", Buffer.from(digestSigningString(doc, rawDigest), "utf8"), privateKey).toString("hex");
}

/** Whether `signatureHex` is a valid signature of the digest under `publicKey`. */
export function verifyDigestSignature(publicKey: KeyObject, doc: SignedDigestFields, rawDigest: Uint8Array, signatureHex: string): boolean {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(signatureHex)) return false;
  return verify("sha256", Buffer.from(digestSigningString(doc, rawDigest), "utf8"), publicKey, Buffer.from(signatureHex, "hex"));
}

/** The metadata CloudTrail stores on a digest object for a signature. */
export function digestObjectMetadata(signature: string): DigestObjectMetadata {
  return { signature, "signature-algorithm": DIGEST_SIGNATURE_ALGORITHM };
}

/** DER PKCS#1 RSAPublicKey bytes of a public (or private) RSA key. */
export function publicKeyPkcs1Der(key: KeyObject): Buffer {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  return pub.export({ type: "pkcs1", format: "der" });
}

/** CloudTrail's key fingerprint: MD5 hex of the DER PKCS#1 public key. */
export function publicKeyFingerprint(key: KeyObject): string {
  return createHash("md5").update(publicKeyPkcs1Der(key)).digest("hex");
}

/** The public key from a ListPublicKeys `Value` (DER PKCS#1 bytes, or their base64). */
export function publicKeyFromListValue(value: Uint8Array | string): KeyObject {
  const der = typeof value === "string" ? Buffer.from(value, "base64") : Buffer.from(value);
  return createPublicKey({ key: der, format: "der", type: "pkcs1" });
}

/** A fresh 2048-bit RSA key pair (like CloudTrail's) with its fingerprint. Takes ~0.1 s. */
export function generateDigestKeyPair(): DigestKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const publicKeyDer = publicKeyPkcs1Der(publicKey);
  return { privateKey, publicKey, publicKeyDer, fingerprint: createHash("md5").update(publicKeyDer).digest("hex") };
}

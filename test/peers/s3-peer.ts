// A wire-level fake S3 for integration tests: a plain node:http server that speaks the REST/XML
// protocol @aws-sdk/client-s3 uses, so tests exercise the real client (signing, serialisation,
// XML parsing, error mapping, retries) rather than a mocked `send`.
//
// Why not s3rver (see /work/shared/notes/cloudtrail-facts.md): it lists in filesystem order
// instead of UTF-8 byte order, its Delimiter only works one level deep and its continuation tokens
// crash on current Node. The sync walks CloudTrail buckets with Delimiter="/" at every depth and
// pages with continuation tokens, so those are exactly the behaviours this peer gets right.
//
// Scope: ListBuckets, CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation, ListObjects (v1),
// ListObjectsV2, GetObject, HeadObject, PutObject, DeleteObject. Anything else (multipart,
// versioning, ACLs, copy, tagging, ...) answers 501 NotImplemented instead of pretending.
// Signatures are not verified, but requests must look signed (SigV4 header or presigned query).
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { createHash, randomBytes } from "node:crypto";
import { isIP, type AddressInfo } from "node:net";
import { crc32 } from "node:zlib";

// ---------------------------------------------------------------------------------------------
// Public API

export type S3Operation =
  | "ListBuckets"
  | "CreateBucket"
  | "DeleteBucket"
  | "HeadBucket"
  | "GetBucketLocation"
  | "ListObjects"
  | "ListObjectsV2"
  | "GetObject"
  | "HeadObject"
  | "PutObject"
  | "DeleteObject"
  | "Unsupported";

/** One request as the peer understood it (kept in `peer.requests`, passed to fault predicates). */
export interface S3PeerRequest {
  method: string;
  /** Percent-decoded path, e.g. "/bucket/a key/ü" (path-style even if the request was virtual-host style). */
  path: string;
  /** The path exactly as it came on the request line. */
  rawPath: string;
  /** Decoded query parameters (x-id and friends included). */
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  operation: S3Operation;
  bucket?: string;
  key?: string;
  /** HTTP status the peer answered with (set once the response is written). */
  status?: number;
  /** True when the response was an injected fault (failNext). */
  injected?: boolean;
}

export interface StoredObject {
  key: string;
  body: Buffer;
  /** Quoted MD5 hex, as S3 returns it for single-part uploads: `"d41d8cd9..."`. */
  etag: string;
  /** Second precision: S3 keeps Last-Modified to the second (listings always show `.000Z`). */
  lastModified: Date;
  contentType: string;
  /** User metadata, keys lower-cased (S3 stores them that way), without the `x-amz-meta-` prefix. */
  metadata: Record<string, string>;
  /** Other stored representation headers: content-encoding, content-disposition, cache-control, ... */
  headers: Record<string, string>;
  /** Full-object checksums by algorithm (crc32, crc32c, crc64nvme, sha1, sha256), base64 values. */
  checksums: Record<string, string>;
}

export interface PutObjectOptions {
  metadata?: Record<string, string>;
  contentType?: string;
  /** Stored and returned as Content-Encoding. The peer never invents one (not even for .gz keys). */
  contentEncoding?: string;
  lastModified?: Date;
}

export interface S3PeerStats {
  /** ListObjects + ListObjectsV2 requests, including ones answered with an injected fault. */
  listCalls: number;
  /** GetObject requests, including ones answered with an injected fault. */
  getCalls: number;
  headCalls: number;
  putCalls: number;
  deleteCalls: number;
  /** Requests answered with a failNext fault. */
  faultsInjected: number;
}

export type S3RequestPredicate = (req: S3PeerRequest) => boolean;

export interface S3Peer {
  /** e.g. "http://127.0.0.1:41234"; use with `forcePathStyle: true`. */
  readonly url: string;
  readonly requests: S3PeerRequest[];
  readonly stats: S3PeerStats;
  createBucket(name: string): void;
  putObject(bucket: string, key: string, body: Buffer | Uint8Array | string, opts?: PutObjectOptions): { etag: string };
  getObject(bucket: string, key: string): StoredObject | undefined;
  /** Returns whether the key existed. */
  deleteObject(bucket: string, key: string): boolean;
  /** All keys of the bucket in S3 listing order (UTF-8 byte order). */
  listKeys(bucket: string): string[];
  /**
   * Answer the next `count` requests (only those matching `match`, if given) with an S3 XML error.
   * Defaults to 503 SlowDown, which the SDK treats as throttling and retries. Rules queue up: a
   * request consumes from the first rule it matches that still has failures left.
   */
  failNext(count: number, status?: number, code?: string, match?: S3RequestPredicate): void;
  /** Drop any fault rules not yet used up. */
  clearFaults(): void;
  /** Clear the request log and zero the counters (buckets and objects stay). */
  resetStats(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Errors

const ERROR_DEFAULTS: Record<string, [number, string]> = {
  AccessDenied: [403, "Access Denied"],
  AuthorizationHeaderMalformed: [400, "The authorization header is malformed."],
  BadDigest: [400, "The Content-MD5 you specified did not match what we received."],
  BucketNotEmpty: [409, "The bucket you tried to delete is not empty"],
  IncompleteBody: [400, "You did not provide the number of bytes specified by the Content-Length HTTP header"],
  InternalError: [500, "We encountered an internal error. Please try again."],
  InvalidArgument: [400, "Invalid Argument"],
  InvalidBucketName: [400, "The specified bucket is not valid."],
  InvalidDigest: [400, "The Content-MD5 you specified is not valid."],
  InvalidRange: [416, "The requested range is not satisfiable"],
  InvalidRequest: [400, "Invalid Request"],
  InvalidURI: [400, "Couldn't parse the specified URI."],
  KeyTooLongError: [400, "Your key is too long"],
  MetadataTooLarge: [400, "Your metadata headers exceed the maximum allowed metadata size."],
  MethodNotAllowed: [405, "The specified method is not allowed against this resource."],
  MissingContentLength: [411, "You must provide the Content-Length HTTP header."],
  NoSuchBucket: [404, "The specified bucket does not exist"],
  NoSuchKey: [404, "The specified key does not exist."],
  NotImplemented: [501, "A header you provided implies functionality that is not implemented"],
  PreconditionFailed: [412, "At least one of the pre-conditions you specified did not hold"],
  RequestTimeout: [400, "Your socket connection to the server was not read from or written to within the timeout period."],
  ServiceUnavailable: [503, "Service is unable to handle request."],
  SlowDown: [503, "Please reduce your request rate."],
  XAmzContentSHA256Mismatch: [400, "The provided 'x-amz-content-sha256' header does not match what was computed."],
};

class S3Error extends Error {
  constructor(
    readonly code: string,
    message?: string,
    readonly extra: Record<string, string | number> = {},
    readonly status: number = ERROR_DEFAULTS[code]?.[0] ?? 400,
  ) {
    super(message ?? ERROR_DEFAULTS[code]?.[1] ?? code);
  }
}

// ---------------------------------------------------------------------------------------------
// XML

/**
 * Escape text for an XML element. Control characters become numeric references: a raw CR would be
 * normalised away by any XML parser (the SDK's included), and S3 itself emits `&#13;` and friends
 * for keys containing them. Astral characters stay raw UTF-8: the SDK decodes `&#x1F600;` with
 * String.fromCharCode, which would mangle them.
 */
function xmlEscape(s: string): string {
  return s.replace(/[&<>"'\x00-\x1f\x7f]/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      case "'":
        return "&apos;";
      default:
        return `&#${c.charCodeAt(0)};`;
    }
  });
}

function el(name: string, value: string | number | boolean): string {
  return `<${name}>${xmlEscape(String(value))}</${name}>`;
}

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
const S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/";

/**
 * encoding-type=url as S3 does it: form-style percent-encoding of the UTF-8 bytes (space → "+"),
 * leaving "/" and "*" alone (so folders still read as folders) and encoding "~". Clients decode
 * with plus-as-space (botocore's unquote_plus; Go's QueryUnescape). Same rule as MinIO, which
 * mirrors S3 here.
 */
export function s3UrlEncode(s: string): string {
  let out = "";
  for (const b of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.\/*]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Storage

interface Entry {
  key: string;
  /** UTF-8 bytes of the key: the sort key. */
  buf: Buffer;
  obj: StoredObject;
}

interface Bucket {
  name: string;
  created: Date;
  /** Kept sorted by `buf` (Buffer.compare), i.e. S3's listing order. */
  entries: Entry[];
  byKey: Map<string, Entry>;
}

/** First index in [lo, arr.length) where `before` is false; `before` must be true-then-false. */
function lowerBound<T>(arr: T[], before: (x: T) => boolean, lo = 0): number {
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(arr[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function md5Hex(b: Buffer): string {
  return createHash("md5").update(b).digest("hex");
}

function crc32Base64(b: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(b) >>> 0);
  return out.toString("base64");
}

function toSecond(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

const CHECKSUM_ALGORITHMS = ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"] as const;

/** Checksums the peer can verify; crc32c and crc64nvme are stored as sent. */
function computeChecksum(alg: string, body: Buffer): string | undefined {
  if (alg === "crc32") return crc32Base64(body);
  if (alg === "sha1" || alg === "sha256") return createHash(alg).update(body).digest("base64");
  return undefined;
}

// S3 bucket naming rules (the ones that matter for a test double).
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

// Subresources that select operations this peer does not implement.
const UNSUPPORTED_SUBRESOURCES = [
  "accelerate", "acl", "analytics", "attributes", "cors", "delete", "encryption", "intelligent-tiering",
  "inventory", "legal-hold", "lifecycle", "logging", "metrics", "notification", "object-lock",
  "ownershipControls", "partNumber", "policy", "policyStatus", "publicAccessBlock", "replication",
  "requestPayment", "restore", "retention", "select", "tagging", "torrent", "uploadId", "uploads",
  "versionId", "versioning", "versions", "website",
];

// Representation headers PutObject stores and GetObject/HeadObject return.
const STORED_HEADERS = ["content-disposition", "content-language", "cache-control", "expires"];

// ---------------------------------------------------------------------------------------------
// Listing engine shared by ListObjects and ListObjectsV2

interface Marker {
  value: string;
  /** The marker is a CommonPrefix already returned: skip every key under it. */
  isPrefix: boolean;
}

interface ListPage {
  contents: StoredObject[];
  prefixes: string[];
  truncated: boolean;
  last?: Marker;
}

/**
 * One page of a listing, S3 style: walk keys in byte order from just after `after`, restricted to
 * `prefix`; with a delimiter, a key whose remainder after the prefix contains the delimiter rolls
 * up into the CommonPrefix ending at that first occurrence, which is emitted once and then skipped
 * wholesale. Contents and CommonPrefixes both count toward maxKeys (S3 pages by "entries").
 */
function listPage(b: Bucket, prefix: string, delimiter: string, after: Marker | undefined, maxKeys: number): ListPage {
  const entries = b.entries;
  const prefixBuf = Buffer.from(prefix, "utf8");
  let i = lowerBound(entries, (e) => Buffer.compare(e.buf, prefixBuf) < 0);
  if (after) {
    const mb = Buffer.from(after.value, "utf8");
    // Keys under a prefix are contiguous right after it in byte order, so this stays monotone.
    const j = lowerBound(entries, (e) => Buffer.compare(e.buf, mb) <= 0 || (after.isPrefix && e.key.startsWith(after.value)));
    i = Math.max(i, j);
  }
  const contents: StoredObject[] = [];
  const prefixes: string[] = [];
  let last: Marker | undefined;
  while (i < entries.length && contents.length + prefixes.length < maxKeys) {
    const e = entries[i];
    if (!e.key.startsWith(prefix)) break;
    const d = delimiter ? e.key.indexOf(delimiter, prefix.length) : -1;
    if (d >= 0) {
      const cp = e.key.slice(0, d + delimiter.length);
      prefixes.push(cp);
      last = { value: cp, isPrefix: true };
      i = lowerBound(entries, (x) => x.key.startsWith(cp), i);
    } else {
      contents.push(e.obj);
      last = { value: e.key, isPrefix: false };
      i++;
    }
  }
  const truncated = i < entries.length && entries[i].key.startsWith(prefix) && maxKeys > 0;
  return { contents, prefixes, truncated, last };
}

const TOKEN_MAGIC = "s3peer1";

/**
 * Continuation tokens are opaque to clients; ours are base64 (standard alphabet, like S3's, so a
 * client that forgets to URL-encode `+`, `/` or `=` breaks here as it would against S3).
 */
function encodeToken(m: Marker): string {
  return Buffer.from(JSON.stringify([TOKEN_MAGIC, m.value, m.isPrefix]), "utf8").toString("base64");
}

function decodeToken(token: string): Marker {
  try {
    const v = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
    if (Array.isArray(v) && v[0] === TOKEN_MAGIC && typeof v[1] === "string" && typeof v[2] === "boolean") {
      return { value: v[1], isPrefix: v[2] };
    }
  } catch {
    // fall through
  }
  throw new S3Error("InvalidArgument", "The continuation token provided is incorrect", {
    ArgumentName: "continuation-token",
    ArgumentValue: token,
  });
}

function parseMaxKeys(q: Record<string, string>): number {
  const raw = q["max-keys"];
  if (raw === undefined) return 1000;
  if (!/^\d+$/.test(raw)) {
    throw new S3Error("InvalidArgument", "Provided max-keys not an integer or within integer range", {
      ArgumentName: "max-keys",
      ArgumentValue: raw,
    });
  }
  // S3 never returns more than 1000 entries per page, whatever is asked for.
  return Math.min(Number(raw), 1000);
}

function parseEncodingType(q: Record<string, string>): "url" | undefined {
  const v = q["encoding-type"];
  if (v === undefined) return undefined;
  if (v.toLowerCase() !== "url") {
    throw new S3Error("InvalidArgument", "Invalid Encoding Method specified in Request", {
      ArgumentName: "encoding-type",
      ArgumentValue: v,
    });
  }
  return "url";
}

// ---------------------------------------------------------------------------------------------
// Request parsing helpers

function decodePathPart(s: string): string {
  try {
    // decodeURIComponent, not URL(): the WHATWG parser would resolve "." and ".." segments, and
    // keys like "a/../b" are distinct objects in S3. "+" in a path is a literal plus.
    return decodeURIComponent(s);
  } catch {
    throw new S3Error("InvalidURI");
  }
}

function parseQuery(qs: string): Record<string, string> {
  const out: Record<string, string> = {};
  // URLSearchParams decodes "+" as space, as S3 does for query strings.
  for (const [k, v] of new URLSearchParams(qs)) out[k] = v;
  return out;
}

/** Bucket named by a virtual-host style Host header, if any (`bucket.localhost`, `bucket.s3.<...>`). */
function virtualHostBucket(host: string | undefined, known: Map<string, Bucket>): string | undefined {
  if (!host) return undefined;
  const hostname = host.replace(/:\d+$/, "").replace(/^\[|\]$/g, "").toLowerCase();
  if (!hostname || isIP(hostname) || hostname === "localhost") return undefined;
  const aws = /^(.+?)\.s3[.-]/.exec(hostname);
  if (aws) return aws[1];
  if (hostname.endsWith(".localhost")) return hostname.slice(0, -".localhost".length);
  // Some other name: the longest dotted prefix that is an existing bucket.
  const labels = hostname.split(".");
  for (let n = labels.length - 1; n >= 1; n--) {
    const candidate = labels.slice(0, n).join(".");
    if (known.has(candidate)) return candidate;
  }
  return undefined;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

/** aws-chunked body → payload bytes + trailing headers. Handles signed and unsigned variants. */
function decodeAwsChunked(raw: Buffer): { body: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let pos = 0;
  for (;;) {
    const eol = raw.indexOf("\r\n", pos);
    if (eol < 0) throw new S3Error("IncompleteBody", "The aws-chunked body ended before its final chunk.");
    const sizeField = raw.toString("latin1", pos, eol).split(";")[0].trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeField)) throw new S3Error("InvalidRequest", "Invalid chunk size in aws-chunked body.");
    const size = parseInt(sizeField, 16);
    pos = eol + 2;
    if (size === 0) break;
    if (pos + size + 2 > raw.length) throw new S3Error("IncompleteBody");
    parts.push(raw.subarray(pos, pos + size));
    pos += size;
    if (raw.toString("latin1", pos, pos + 2) !== "\r\n") throw new S3Error("InvalidRequest", "Malformed aws-chunked body.");
    pos += 2;
  }
  while (pos < raw.length) {
    let eol = raw.indexOf("\r\n", pos);
    if (eol < 0) eol = raw.length;
    const line = raw.toString("utf8", pos, eol);
    pos = eol + 2;
    if (line === "") break;
    const colon = line.indexOf(":");
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { body: Buffer.concat(parts), trailers };
}

type RangeResult = { kind: "full" } | { kind: "partial"; start: number; end: number } | { kind: "unsatisfiable" };

/**
 * Single byte ranges only. S3 ignores a Range header it cannot parse (and multi-range requests)
 * and serves the whole object; a syntactically fine range past the end is 416 InvalidRange.
 */
function parseRange(value: string | undefined, size: number): RangeResult {
  if (!value) return { kind: "full" };
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === "" && m[2] === "")) return { kind: "full" };
  if (m[1] === "") {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== "" && Number(m[2]) < start) return { kind: "full" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "partial", start, end };
}

function httpDate(d: Date): string {
  return d.toUTCString(); // RFC 1123, e.g. "Sat, 21 Nov 2026 10:00:00 GMT"
}

function isoDate(d: Date): string {
  return d.toISOString(); // S3 lists with millisecond syntax: 2026-11-21T10:00:00.000Z
}

function validateKey(key: string): void {
  if (Buffer.byteLength(key, "utf8") > 1024) throw new S3Error("KeyTooLongError", undefined, { Size: Buffer.byteLength(key), MaxSizeAllowed: 1024 });
}

function validateMetadata(meta: Record<string, string>): void {
  // S3 caps user metadata at 2 KB, counting the UTF-8 bytes of names and values.
  let size = 0;
  for (const [k, v] of Object.entries(meta)) size += Buffer.byteLength(k) + Buffer.byteLength(v);
  if (size > 2048) throw new S3Error("MetadataTooLarge", undefined, { Size: size, MaxSizeAllowed: 2048 });
}

// ---------------------------------------------------------------------------------------------
// Server

interface FaultRule {
  remaining: number;
  status: number;
  code: string;
  match?: S3RequestPredicate;
}

export async function startS3Peer(opts: { host?: string } = {}): Promise<S3Peer> {
  const host = opts.host ?? "127.0.0.1";
  const buckets = new Map<string, Bucket>();
  const requests: S3PeerRequest[] = [];
  const stats: S3PeerStats = { listCalls: 0, getCalls: 0, headCalls: 0, putCalls: 0, deleteCalls: 0, faultsInjected: 0 };
  let faults: FaultRule[] = [];

  // --- storage operations shared by the wire handlers and the test-side helpers ---

  function getBucket(name: string): Bucket {
    const b = buckets.get(name);
    if (!b) throw new S3Error("NoSuchBucket", undefined, { BucketName: name });
    return b;
  }

  function createBucketInternal(name: string): boolean {
    if (!BUCKET_NAME.test(name) || name.includes("..") || isIP(name)) throw new S3Error("InvalidBucketName", undefined, { BucketName: name });
    if (buckets.has(name)) return false;
    buckets.set(name, { name, created: toSecond(new Date()), entries: [], byKey: new Map() });
    return true;
  }

  function store(b: Bucket, obj: StoredObject): void {
    const existing = b.byKey.get(obj.key);
    if (existing) {
      existing.obj = obj;
      return;
    }
    const buf = Buffer.from(obj.key, "utf8");
    const entry: Entry = { key: obj.key, buf, obj };
    const at = lowerBound(b.entries, (e) => Buffer.compare(e.buf, buf) < 0);
    b.entries.splice(at, 0, entry);
    b.byKey.set(obj.key, entry);
  }

  function remove(b: Bucket, key: string): boolean {
    const entry = b.byKey.get(key);
    if (!entry) return false;
    b.byKey.delete(key);
    const at = lowerBound(b.entries, (e) => Buffer.compare(e.buf, entry.buf) < 0);
    b.entries.splice(at, 1);
    return true;
  }

  // --- wire handling ---

  function parseRequest(req: IncomingMessage): S3PeerRequest {
    let target = req.url ?? "/";
    // Absolute-form request targets (proxies) carry the origin; S3 addressing only needs the path.
    if (/^https?:\/\//i.test(target)) target = target.replace(/^https?:\/\/[^/]*/i, "") || "/";
    const qAt = target.indexOf("?");
    const rawPath = qAt >= 0 ? target.slice(0, qAt) : target;
    const query = parseQuery(qAt >= 0 ? target.slice(qAt + 1) : "");
    const method = (req.method ?? "GET").toUpperCase();
    const info: S3PeerRequest = { method, path: rawPath, rawPath, query, headers: req.headers, operation: "Unsupported" };

    let bucket: string | undefined;
    let rawKey: string | undefined;
    const vhost = virtualHostBucket(header(req, "host"), buckets);
    if (vhost) {
      bucket = vhost;
      rawKey = rawPath.replace(/^\//, "");
    } else {
      const rest = rawPath.replace(/^\//, "");
      const slash = rest.indexOf("/");
      bucket = slash >= 0 ? rest.slice(0, slash) : rest;
      rawKey = slash >= 0 ? rest.slice(slash + 1) : "";
      bucket = decodePathPart(bucket) || undefined;
    }
    // Split before decoding, so an encoded "%2F" in a key cannot shift the bucket boundary.
    const key = rawKey ? decodePathPart(rawKey) : undefined;
    info.bucket = bucket;
    info.key = key;
    info.path = "/" + (bucket ?? "") + (key !== undefined ? "/" + key : "");

    const sub = UNSUPPORTED_SUBRESOURCES.some((s) => s in query);
    if (!bucket) {
      if (method === "GET") info.operation = "ListBuckets";
    } else if (key === undefined) {
      if (sub) info.operation = "Unsupported";
      else if (method === "PUT") info.operation = "CreateBucket";
      else if (method === "DELETE") info.operation = "DeleteBucket";
      else if (method === "HEAD") info.operation = "HeadBucket";
      else if (method === "GET" && "location" in query) info.operation = "GetBucketLocation";
      else if (method === "GET") info.operation = query["list-type"] === "2" ? "ListObjectsV2" : "ListObjects";
    } else if (!sub && !header(req, "x-amz-copy-source")) {
      if (method === "GET") info.operation = "GetObject";
      else if (method === "HEAD") info.operation = "HeadObject";
      else if (method === "PUT") info.operation = "PutObject";
      else if (method === "DELETE") info.operation = "DeleteObject";
    }
    return info;
  }

  /**
   * Signatures are not checked, but the request must be signed: SigV4 Authorization header (with
   * the x-amz-date and x-amz-content-sha256 headers S3 insists on) or a presigned URL that has
   * not expired. Catches clients that end up sending anonymous requests.
   */
  function checkAuth(req: IncomingMessage, q: Record<string, string>): void {
    const auth = header(req, "authorization");
    if (auth) {
      if (!auth.startsWith("AWS4-HMAC-SHA256 ") && !auth.startsWith("AWS ")) {
        throw new S3Error("InvalidArgument", "Unsupported Authorization Type", { ArgumentName: "Authorization", ArgumentValue: auth });
      }
      if (auth.startsWith("AWS4-HMAC-SHA256 ")) {
        if (!/Credential=[^,]+/.test(auth) || !/Signature=[0-9a-f]+/.test(auth)) {
          throw new S3Error("AuthorizationHeaderMalformed");
        }
        if (!header(req, "x-amz-date") && !header(req, "date")) {
          throw new S3Error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
        }
        if (!header(req, "x-amz-content-sha256")) {
          throw new S3Error("InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
        }
      }
      return;
    }
    if (q["X-Amz-Algorithm"] || q["X-Amz-Signature"]) {
      if (q["X-Amz-Algorithm"] !== "AWS4-HMAC-SHA256" || !q["X-Amz-Signature"] || !q["X-Amz-Credential"] || !q["X-Amz-Date"]) {
        throw new S3Error("AuthorizationQueryParametersError", "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.", {}, 400);
      }
      const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(q["X-Amz-Date"]);
      const expires = Number(q["X-Amz-Expires"] ?? "604800");
      if (m) {
        const signedAt = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
        if (Date.now() > signedAt + expires * 1000) throw new S3Error("AccessDenied", "Request has expired");
      }
      return;
    }
    if (q["AWSAccessKeyId"] && q["Signature"]) return; // SigV2 presigned
    throw new S3Error("AccessDenied");
  }

  function takeFault(info: S3PeerRequest): FaultRule | undefined {
    for (const f of faults) {
      if (f.remaining > 0 && (!f.match || f.match(info))) {
        f.remaining--;
        return f;
      }
    }
    return undefined;
  }

  function sendXml(res: ServerResponse, status: number, xml: string, head = false): void {
    const body = Buffer.from(XML_DECL + xml, "utf8");
    res.statusCode = status;
    res.setHeader("Content-Type", "application/xml");
    res.setHeader("Content-Length", head ? 0 : body.length);
    res.end(head ? undefined : body);
  }

  function sendError(res: ServerResponse, err: S3Error, info: S3PeerRequest | undefined, requestId: string): void {
    // HEAD responses carry no body, so the SDK can only go by the status code (NotFound, ...).
    const head = info?.method === "HEAD";
    const extra = Object.entries(err.extra)
      .map(([k, v]) => el(k, v))
      .join("");
    const resource = info ? el("Resource", info.path) : "";
    sendXml(
      res,
      err.status,
      `<Error>${el("Code", err.code)}${el("Message", err.message)}${extra}${resource}${el("RequestId", requestId)}${el("HostId", res.getHeader("x-amz-id-2") as string)}</Error>`,
      head,
    );
  }

  function objectHeaders(res: ServerResponse, obj: StoredObject): void {
    res.setHeader("ETag", obj.etag);
    res.setHeader("Last-Modified", httpDate(obj.lastModified));
    res.setHeader("Content-Type", obj.contentType);
    res.setHeader("Accept-Ranges", "bytes");
    res.setHeader("x-amz-server-side-encryption", "AES256"); // S3 encrypts every new object by default
    for (const [k, v] of Object.entries(obj.headers)) res.setHeader(k, v);
    for (const [k, v] of Object.entries(obj.metadata)) res.setHeader("x-amz-meta-" + k, v);
  }

  /** RFC 7232 preconditions, in S3's order of evaluation. Returns a status to stop with, if any. */
  function preconditions(req: IncomingMessage, obj: StoredObject): 304 | 412 | undefined {
    const etagMatches = (h: string) => h.split(",").some((t) => t.trim() === "*" || t.trim().replace(/^W\//, "") === obj.etag);
    const ifMatch = header(req, "if-match");
    const ifNoneMatch = header(req, "if-none-match");
    const ifModifiedSince = header(req, "if-modified-since");
    const ifUnmodifiedSince = header(req, "if-unmodified-since");
    if (ifMatch && !etagMatches(ifMatch)) return 412;
    if (!ifMatch && ifUnmodifiedSince) {
      const t = Date.parse(ifUnmodifiedSince);
      if (!Number.isNaN(t) && obj.lastModified.getTime() > t) return 412;
    }
    if (ifNoneMatch && etagMatches(ifNoneMatch)) return 304;
    if (!ifNoneMatch && ifModifiedSince) {
      const t = Date.parse(ifModifiedSince);
      if (!Number.isNaN(t) && obj.lastModified.getTime() <= t) return 304;
    }
    return undefined;
  }

  function getOrHeadObject(req: IncomingMessage, res: ServerResponse, info: S3PeerRequest, head: boolean): void {
    const b = getBucket(info.bucket!);
    const entry = b.byKey.get(info.key!);
    if (!entry) throw new S3Error("NoSuchKey", undefined, { Key: info.key! });
    const obj = entry.obj;
    const pre = preconditions(req, obj);
    if (pre === 412) throw new S3Error("PreconditionFailed", undefined, { Condition: header(req, "if-match") ? "If-Match" : "If-Unmodified-Since" });
    if (pre === 304) {
      res.statusCode = 304;
      res.setHeader("ETag", obj.etag);
      res.setHeader("Last-Modified", httpDate(obj.lastModified));
      res.end();
      return;
    }
    const range = parseRange(header(req, "range"), obj.body.length);
    if (range.kind === "unsatisfiable") {
      throw new S3Error("InvalidRange", undefined, { RangeRequested: header(req, "range")!, ActualObjectSize: obj.body.length });
    }
    objectHeaders(res, obj);
    // Presigned GETs may override response headers (response-content-type=...).
    const q = info.query;
    for (const [param, name] of [
      ["response-content-type", "Content-Type"],
      ["response-content-disposition", "Content-Disposition"],
      ["response-content-encoding", "Content-Encoding"],
      ["response-content-language", "Content-Language"],
      ["response-cache-control", "Cache-Control"],
      ["response-expires", "Expires"],
    ] as const) {
      if (q[param] !== undefined) res.setHeader(name, q[param]);
    }
    let body = obj.body;
    if (range.kind === "partial") {
      body = obj.body.subarray(range.start, range.end + 1);
      res.statusCode = 206;
      res.setHeader("Content-Range", `bytes ${range.start}-${range.end}/${obj.body.length}`);
    } else {
      res.statusCode = 200;
      // Full-object checksums only come back when asked for, and never for a range.
      if ((header(req, "x-amz-checksum-mode") ?? "").toUpperCase() === "ENABLED") {
        for (const [alg, v] of Object.entries(obj.checksums)) res.setHeader("x-amz-checksum-" + alg, v);
        if (Object.keys(obj.checksums).length) res.setHeader("x-amz-checksum-type", "FULL_OBJECT");
      }
    }
    res.setHeader("Content-Length", body.length);
    res.end(head ? undefined : body);
  }

  function putObjectWire(req: IncomingMessage, res: ServerResponse, info: S3PeerRequest, raw: Buffer): void {
    const b = getBucket(info.bucket!);
    validateKey(info.key!);
    const contentEncodings = (header(req, "content-encoding") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const chunked = contentEncodings.includes("aws-chunked") || /^STREAMING-/.test(header(req, "x-amz-content-sha256") ?? "");
    const contentSha = header(req, "x-amz-content-sha256");
    let body = raw;
    let trailers: Record<string, string> = {};
    if (chunked) {
      // aws-chunked: the SDK's encoding for streaming bodies (STREAMING-UNSIGNED-PAYLOAD-TRAILER,
      // checksum in a trailer). S3 needs the decoded length up front.
      const decodedLength = header(req, "x-amz-decoded-content-length");
      if (decodedLength === undefined) throw new S3Error("MissingContentLength");
      ({ body, trailers } = decodeAwsChunked(raw));
      if (body.length !== Number(decodedLength)) throw new S3Error("IncompleteBody");
    } else {
      // S3 has no chunked transfer encoding for plain PUTs: the length must be known.
      if (header(req, "content-length") === undefined) throw new S3Error("MissingContentLength");
      if (contentSha && /^[0-9a-f]{64}$/i.test(contentSha)) {
        if (createHash("sha256").update(raw).digest("hex") !== contentSha.toLowerCase()) {
          throw new S3Error("XAmzContentSHA256Mismatch", undefined, {
            ClientComputedContentSHA256: contentSha,
            S3ComputedContentSHA256: createHash("sha256").update(raw).digest("hex"),
          });
        }
      } else if (contentSha && contentSha !== "UNSIGNED-PAYLOAD") {
        throw new S3Error("InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-..., or a valid sha256 value.");
      }
    }
    const md5 = header(req, "content-md5");
    if (md5 !== undefined) {
      if (Buffer.from(md5, "base64").length !== 16) throw new S3Error("InvalidDigest", undefined, { "Content-MD5": md5 });
      if (createHash("md5").update(body).digest("base64") !== md5) {
        throw new S3Error("BadDigest", undefined, { ExpectedDigest: Buffer.from(md5, "base64").toString("hex"), CalculatedDigest: md5Hex(body) });
      }
    }
    // Flexible checksums arrive as headers (Buffer/string bodies) or trailers (streams).
    const checksums: Record<string, string> = {};
    for (const alg of CHECKSUM_ALGORITHMS) {
      const v = header(req, "x-amz-checksum-" + alg) ?? trailers["x-amz-checksum-" + alg];
      if (v === undefined) continue;
      const computed = computeChecksum(alg, body);
      if (computed !== undefined && computed !== v) {
        throw new S3Error("BadDigest", `The ${alg.toUpperCase()} you specified did not match the calculated checksum.`);
      }
      checksums[alg] = v;
    }
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (k.startsWith("x-amz-meta-") && v !== undefined) metadata[k.slice("x-amz-meta-".length)] = Array.isArray(v) ? v.join(",") : v;
    }
    validateMetadata(metadata);
    const headers: Record<string, string> = {};
    for (const h of STORED_HEADERS) {
      const v = header(req, h);
      if (v !== undefined) headers[h] = v;
    }
    // aws-chunked is transport framing; only a real content coding (e.g. "gzip" set by the
    // client) is stored and returned.
    const storedEncoding = contentEncodings.filter((e) => e !== "aws-chunked").join(",");
    if (storedEncoding) headers["content-encoding"] = storedEncoding;
    const obj = makeObject(info.key!, body, {
      metadata,
      contentType: header(req, "content-type"),
      headers,
      checksums,
    });
    store(b, obj);
    res.statusCode = 200;
    res.setHeader("ETag", obj.etag);
    res.setHeader("x-amz-server-side-encryption", "AES256");
    for (const alg of Object.keys(checksums)) res.setHeader("x-amz-checksum-" + alg, checksums[alg]);
    if (Object.keys(checksums).length) res.setHeader("x-amz-checksum-type", "FULL_OBJECT");
    res.setHeader("Content-Length", 0);
    res.end();
  }

  function listObjectsV2(res: ServerResponse, info: S3PeerRequest): void {
    const b = getBucket(info.bucket!);
    const q = info.query;
    const prefix = q["prefix"] ?? "";
    const delimiter = q["delimiter"] ?? "";
    const maxKeys = parseMaxKeys(q);
    const encoding = parseEncodingType(q);
    const token = q["continuation-token"];
    const startAfter = q["start-after"];
    // A continuation token carries the position; start-after only applies to the first page.
    const after: Marker | undefined =
      token !== undefined ? decodeToken(token) : startAfter ? { value: startAfter, isPrefix: false } : undefined;
    const page = listPage(b, prefix, delimiter, after, maxKeys);
    const enc = (s: string) => (encoding ? s3UrlEncode(s) : s);
    let xml = `<ListBucketResult xmlns="${S3_NS}">`;
    xml += el("Name", b.name) + el("Prefix", enc(prefix));
    if (token !== undefined) xml += el("ContinuationToken", token);
    if (page.truncated && page.last) xml += el("NextContinuationToken", encodeToken(page.last));
    xml += el("KeyCount", page.contents.length + page.prefixes.length) + el("MaxKeys", maxKeys);
    if (delimiter) xml += el("Delimiter", enc(delimiter));
    if (encoding) xml += el("EncodingType", encoding);
    xml += el("IsTruncated", page.truncated);
    if (startAfter !== undefined) xml += el("StartAfter", enc(startAfter));
    for (const o of page.contents) xml += contentsXml(o, enc, false);
    for (const p of page.prefixes) xml += `<CommonPrefixes>${el("Prefix", enc(p))}</CommonPrefixes>`;
    xml += "</ListBucketResult>";
    sendXml(res, 200, xml);
  }

  function listObjectsV1(res: ServerResponse, info: S3PeerRequest): void {
    const b = getBucket(info.bucket!);
    const q = info.query;
    const prefix = q["prefix"] ?? "";
    const delimiter = q["delimiter"] ?? "";
    const maxKeys = parseMaxKeys(q);
    const encoding = parseEncodingType(q);
    const marker = q["marker"] ?? "";
    // v1 markers are plain strings; a NextMarker that is a CommonPrefix must skip that whole
    // folder when passed back, which is how S3 behaves too.
    let after: Marker | undefined;
    if (marker) {
      const d = delimiter && marker.startsWith(prefix) ? marker.indexOf(delimiter, prefix.length) : -1;
      after = { value: marker, isPrefix: d >= 0 && d + delimiter.length === marker.length };
    }
    const page = listPage(b, prefix, delimiter, after, maxKeys);
    const enc = (s: string) => (encoding ? s3UrlEncode(s) : s);
    let xml = `<ListBucketResult xmlns="${S3_NS}">`;
    xml += el("Name", b.name) + el("Prefix", enc(prefix)) + el("Marker", enc(marker));
    // S3 only returns NextMarker when a delimiter was given; otherwise clients use the last Key.
    if (page.truncated && delimiter && page.last) xml += el("NextMarker", enc(page.last.value));
    xml += el("MaxKeys", maxKeys);
    if (delimiter) xml += el("Delimiter", enc(delimiter));
    if (encoding) xml += el("EncodingType", encoding);
    xml += el("IsTruncated", page.truncated);
    for (const o of page.contents) xml += contentsXml(o, enc, true);
    for (const p of page.prefixes) xml += `<CommonPrefixes>${el("Prefix", enc(p))}</CommonPrefixes>`;
    xml += "</ListBucketResult>";
    sendXml(res, 200, xml);
  }

  function contentsXml(o: StoredObject, enc: (s: string) => string, owner: boolean): string {
    let xml = "<Contents>";
    xml += el("Key", enc(o.key)) + el("LastModified", isoDate(o.lastModified)) + el("ETag", o.etag) + el("Size", o.body.length);
    if (owner) xml += `<Owner>${el("ID", OWNER_ID)}${el("DisplayName", "s3peer")}</Owner>`;
    xml += el("StorageClass", "STANDARD") + "</Contents>";
    return xml;
  }

  async function route(req: IncomingMessage, res: ServerResponse, info: S3PeerRequest, body: Buffer): Promise<void> {
    switch (info.operation) {
      case "ListBuckets": {
        let xml = `<ListAllMyBucketsResult xmlns="${S3_NS}"><Owner>${el("ID", OWNER_ID)}${el("DisplayName", "s3peer")}</Owner><Buckets>`;
        const names = [...buckets.keys()].sort();
        for (const n of names) xml += `<Bucket>${el("Name", n)}${el("CreationDate", isoDate(buckets.get(n)!.created))}</Bucket>`;
        xml += "</Buckets></ListAllMyBucketsResult>";
        return sendXml(res, 200, xml);
      }
      case "CreateBucket":
        // In us-east-1 re-creating a bucket you already own succeeds (other regions say
        // BucketAlreadyOwnedByYou); this peer plays us-east-1.
        createBucketInternal(info.bucket!);
        res.statusCode = 200;
        res.setHeader("Location", "/" + info.bucket);
        res.setHeader("Content-Length", 0);
        return void res.end();
      case "DeleteBucket": {
        const b = getBucket(info.bucket!);
        if (b.entries.length) throw new S3Error("BucketNotEmpty", undefined, { BucketName: b.name });
        buckets.delete(b.name);
        res.statusCode = 204;
        return void res.end();
      }
      case "HeadBucket":
        getBucket(info.bucket!);
        res.statusCode = 200;
        res.setHeader("x-amz-bucket-region", "us-east-1");
        res.setHeader("Content-Length", 0);
        return void res.end();
      case "GetBucketLocation":
        getBucket(info.bucket!);
        // us-east-1 is reported as an empty LocationConstraint, a long-standing S3 quirk.
        return sendXml(res, 200, `<LocationConstraint xmlns="${S3_NS}"/>`);
      case "ListObjectsV2":
        return listObjectsV2(res, info);
      case "ListObjects":
        return listObjectsV1(res, info);
      case "GetObject":
        return getOrHeadObject(req, res, info, false);
      case "HeadObject":
        return getOrHeadObject(req, res, info, true);
      case "PutObject":
        return putObjectWire(req, res, info, body);
      case "DeleteObject":
        // S3 answers 204 whether or not the key existed (but the bucket must exist).
        remove(getBucket(info.bucket!), info.key!);
        res.statusCode = 204;
        return void res.end();
      default:
        if (!info.bucket && info.method !== "GET") throw new S3Error("MethodNotAllowed", undefined, { Method: info.method, ResourceType: "SERVICE" });
        throw new S3Error("NotImplemented", undefined, { Method: info.method });
    }
  }

  function countStats(op: S3Operation): void {
    if (op === "ListObjects" || op === "ListObjectsV2") stats.listCalls++;
    else if (op === "GetObject") stats.getCalls++;
    else if (op === "HeadObject") stats.headCalls++;
    else if (op === "PutObject") stats.putCalls++;
    else if (op === "DeleteObject") stats.deleteCalls++;
  }

  async function readBody(req: IncomingMessage): Promise<Buffer> {
    // Read everything before answering, even for requests about to fail: replying early on a
    // keep-alive connection with an unread body would desync the client's next request.
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomBytes(8).toString("hex").toUpperCase();
    res.setHeader("x-amz-request-id", requestId);
    res.setHeader("x-amz-id-2", randomBytes(48).toString("base64"));
    res.setHeader("Server", "AmazonS3");
    // Logged even when the request cannot be parsed (bad percent-encoding, ...).
    let info: S3PeerRequest = {
      method: (req.method ?? "GET").toUpperCase(),
      path: req.url ?? "/",
      rawPath: req.url ?? "/",
      query: {},
      headers: req.headers,
      operation: "Unsupported",
    };
    requests.push(info);
    try {
      const body = await readBody(req);
      const parsed = parseRequest(req);
      const at = requests.indexOf(info);
      if (at >= 0) requests[at] = parsed;
      info = parsed;
      checkAuth(req, info.query);
      countStats(info.operation);
      const fault = takeFault(info);
      if (fault) {
        stats.faultsInjected++;
        info.injected = true;
        throw new S3Error(fault.code, undefined, {}, fault.status);
      }
      await route(req, res, info, body);
    } catch (e) {
      if (!(e instanceof S3Error)) console.error("s3-peer: unexpected error", e);
      const err = e instanceof S3Error ? e : new S3Error("InternalError", `s3-peer bug: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) {
        // Drop object headers a handler may have set before failing.
        for (const h of res.getHeaderNames()) if (!["x-amz-request-id", "x-amz-id-2", "server"].includes(h)) res.removeHeader(h);
        sendError(res, err, info, requestId);
      }
      else res.destroy();
    } finally {
      info.status = res.statusCode;
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  // The SDK keeps connections alive; don't let Node's defaults cut them mid-test.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = isIP(host) === 6 ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    requests,
    stats,
    createBucket(name) {
      createBucketInternal(name);
    },
    putObject(bucket, key, body, o = {}) {
      if (Buffer.from(key, "utf8").toString("utf8") !== key) throw new Error(`s3-peer: key is not valid UTF-16/UTF-8: ${JSON.stringify(key)}`);
      validateKey(key);
      const b = getBucket(bucket);
      const buf = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
      const metadata: Record<string, string> = {};
      for (const [k, v] of Object.entries(o.metadata ?? {})) metadata[k.toLowerCase()] = v;
      validateMetadata(metadata);
      const obj = makeObject(key, buf, {
        metadata,
        contentType: o.contentType,
        headers: o.contentEncoding ? { "content-encoding": o.contentEncoding } : {},
        checksums: {},
        lastModified: o.lastModified,
      });
      store(b, obj);
      return { etag: obj.etag };
    },
    getObject(bucket, key) {
      return buckets.get(bucket)?.byKey.get(key)?.obj;
    },
    deleteObject(bucket, key) {
      return remove(getBucket(bucket), key);
    },
    listKeys(bucket) {
      return getBucket(bucket).entries.map((e) => e.key);
    },
    failNext(count, status = 503, code = "SlowDown", match) {
      faults.push({ remaining: count, status, code, match });
    },
    clearFaults() {
      faults = [];
    },
    resetStats() {
      requests.length = 0;
      for (const k of Object.keys(stats) as (keyof S3PeerStats)[]) stats[k] = 0;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

const OWNER_ID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a";

function makeObject(
  key: string,
  body: Buffer,
  o: { metadata: Record<string, string>; contentType?: string; headers: Record<string, string>; checksums: Record<string, string>; lastModified?: Date },
): StoredObject {
  // Like S3 since 2025, every object gets a full-object checksum even if the client sent none.
  // (S3 picks CRC64NVME; CRC32 is what the SDK can verify without optional native modules.)
  const checksums = Object.keys(o.checksums).length ? o.checksums : { crc32: crc32Base64(body) };
  return {
    key,
    body,
    etag: `"${md5Hex(body)}"`,
    lastModified: toSecond(o.lastModified ?? new Date()),
    // S3's default when an upload names no Content-Type.
    contentType: o.contentType ?? "binary/octet-stream",
    metadata: o.metadata,
    headers: o.headers,
    checksums,
  };
}

// A wire-level fake of CloudTrail's LookupEvents API for integration tests.
//
// It speaks the AWS JSON 1.1 protocol exactly as @aws-sdk/client-cloudtrail sends it (POST /,
// x-amz-target, SigV4 Authorization header, epoch-second timestamps), so a test that points a real
// CloudTrailClient at it exercises request signing, serialisation, error decoding and the SDK's
// retry strategy, which `aws-sdk-client-mock` would all skip. The behaviour mirrors what is
// written down in /work/shared/notes/cloudtrail-facts.md ("LookupEvents"): one lookup attribute at
// most, inclusive time bounds, MaxResults 1-50, NextToken tied to the original parameters, a
// 90-day window, management events unless EventCategory=insight, newest first, and a per-region
// request rate (2 TPS by default) whose excess is answered with ThrottlingException.
//
// It also serves the two other calls `aws cloudtrail validate-logs` can make (awscli
// customizations/cloudtrail/validation.py): ListPublicKeys (the public keys of the digest
// signing key pairs a test configures, each with a validity window and optionally a region,
// returned when valid at any time in the requested range) and DescribeTrails (only needed when
// validate-logs is not given --s3-bucket). Neither is subject to the LookupEvents rate limit.
//
// Node built-ins only.
import { createHash, createPublicKey, randomUUID, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface LookupPeerOptions {
  /** Requests per second allowed per (access key, region). Real CloudTrail: 2, not raisable. */
  tps?: number;
  /** Clock for the 90-day visibility window and the default EndTime. Not used for rate limiting. */
  now?: () => Date;
  /**
   * ListPublicKeys page size. AWS documents NextToken as "reserved for future use" and returns
   * every key at once (the default); set it to exercise a client's paging.
   */
  publicKeysPageSize?: number;
}

/** A digest signing public key as ListPublicKeys serves it. */
export interface PeerPublicKey {
  /** The public key: DER PKCS#1 RSAPublicKey bytes, or a KeyObject (public or private; exported as such). */
  value: Uint8Array | KeyObject;
  /** Default: CloudTrail's, the MD5 hex of the DER PKCS#1 bytes. */
  fingerprint?: string;
  validityStart: Date;
  validityEnd: Date;
  /** Only this (signing) region's ListPublicKeys returns it. Default: every region. */
  region?: string;
}

/** A trail as DescribeTrails returns it (any further fields are passed through). */
export interface PeerTrail {
  Name: string;
  TrailARN: string;
  HomeRegion: string;
  S3BucketName: string;
  S3KeyPrefix?: string;
  IsMultiRegionTrail?: boolean;
  IsOrganizationTrail?: boolean;
  LogFileValidationEnabled?: boolean;
  [field: string]: unknown;
}

export interface ListPublicKeysCall {
  region: string;
  startTime?: Date;
  endTime?: Date;
  hasToken: boolean;
  /** Fingerprints returned by this call. */
  fingerprints: string[];
}

export interface LookupCall {
  region: string;
  accessKeyId: string;
  startTime?: Date;
  endTime?: Date;
  attribute?: { key: string; value: string };
  category?: string;
  maxResults?: number;
  hasToken: boolean;
  /** Number of events returned by this call. */
  count: number;
}

export interface LookupPeerStats {
  /** Every HTTP request received, whatever its outcome. */
  requests: number;
  /** Requests answered with ThrottlingException (rate limit or throttleNext). */
  throttled: number;
  /** Requests per signing region (every request whose Authorization header named a region). */
  byRegion: Record<string, number>;
  /** Successfully served LookupEvents calls, in arrival order. */
  calls: LookupCall[];
  /** Successfully served ListPublicKeys calls, in arrival order. */
  publicKeyCalls: ListPublicKeysCall[];
  /** Requests per operation (the part of x-amz-target after the last "."), whatever their outcome. */
  byOperation: Record<string, number>;
}

export interface LookupPeer {
  /** Base URL, e.g. http://127.0.0.1:41234 — pass it as the client's `endpoint`. */
  url: string;
  /** Replace the records served for `region` (full CloudTrail records, as in log files). */
  setEvents(region: string, records: object[]): void;
  /** Add records for `region`; a record whose eventID is already present replaces it. */
  addEvents(region: string, records: object[]): void;
  /** Replace the public keys ListPublicKeys serves. */
  setPublicKeys(keys: PeerPublicKey[]): void;
  /** Replace the trails DescribeTrails knows. */
  setTrails(trails: PeerTrail[]): void;
  /** Answer the next `n` requests with ThrottlingException regardless of the rate. */
  throttleNext(n: number): void;
  /**
   * Answer the next `n` requests with HTTP `status` and body `{"__type": type, "message": ...}`.
   * `type` goes on the wire verbatim, e.g. "com.amazonaws.cloudtrail.v20131101#OperationNotPermittedException"
   * or "InternalFailure".
   */
  failNext(n: number, type: string, status?: number, message?: string): void;
  stats: LookupPeerStats;
  close(): Promise<void>;
}

// Modelled CloudTrail errors carry the service namespace in __type; the SDK's JSON 1.1
// deserializer (sanitizeErrorCode in @smithy/core) keeps only the part after '#'.
const NS = "com.amazonaws.cloudtrail.v20131101#";
const JSON_11 = "application/x-amz-json-1.1";
const DAY_MS = 86_400_000;
// LookupEvents only reaches back 90 days.
const WINDOW_MS = 90 * DAY_MS;
const MAX_RESULTS = 50;
const OPERATIONS = new Set(["LookupEvents", "ListPublicKeys", "DescribeTrails"]);

const ALL_KEYS = new Set([
  "EventId",
  "EventName",
  "ReadOnly",
  "Username",
  "ResourceType",
  "ResourceName",
  "EventSource",
  "AccessKeyId",
]);
// With EventCategory=insight CloudTrail accepts only these keys.
const INSIGHT_KEYS = new Set(["EventId", "EventName", "EventSource"]);

// Credential=AKID/YYYYMMDD/REGION/SERVICE/aws4_request
const CREDENTIAL_RE = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

class PeerError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const bad = (name: string, message: string) => new PeerError(400, NS + name, message);

// What the peer keeps per record: precomputed sort key, category and the Event as returned.
interface Stored {
  id: string;
  timeMs: number;
  insight: boolean;
  event: WireEvent;
  resources: Array<{ ResourceType: string | null; ResourceName: string | null }>;
}

interface WireEvent {
  EventId: string;
  EventName?: string;
  ReadOnly?: string;
  AccessKeyId?: string;
  EventTime: number;
  EventSource?: string;
  Username?: string;
  Resources: Array<{ ResourceType: string | null; ResourceName: string | null }>;
  CloudTrailEvent: string;
}

type Forced = { kind: "throttle" } | { kind: "fail"; status: number; type: string; message: string };

type Rec = Record<string, any>;

/** The Username LookupEvents reports for a record's userIdentity. */
export function lookupUsername(record: Rec): string | undefined {
  const ui = record.userIdentity;
  if (!ui || typeof ui !== "object") return undefined;
  switch (ui.type) {
    case "IAMUser":
      return ui.userName ?? undefined;
    case "AssumedRole":
      // arn:aws:sts::123456789012:assumed-role/RoleName/SessionName → SessionName
      if (typeof ui.arn === "string" && ui.arn.includes("/")) return ui.arn.slice(ui.arn.lastIndexOf("/") + 1);
      return ui.userName ?? undefined;
    case "Root":
      return "root";
    default:
      return ui.userName ?? undefined;
  }
}

function isInsight(record: Rec): boolean {
  return record.eventType === "AwsCloudTrailInsight" || record.eventCategory === "Insight";
}

function isManagement(record: Rec): boolean {
  return record.eventCategory === undefined || record.eventCategory === null || record.eventCategory === "Management";
}

function toStored(record: Rec): Stored | null {
  if (typeof record?.eventID !== "string" || typeof record?.eventTime !== "string") {
    throw new Error(`lookup peer: record needs string eventID and eventTime: ${JSON.stringify(record).slice(0, 200)}`);
  }
  const insight = isInsight(record);
  // LookupEvents serves management events and (on request) Insights; data/network-activity
  // events never show up there.
  if (!insight && !isManagement(record)) return null;
  const timeMs = Date.parse(record.eventTime);
  if (Number.isNaN(timeMs)) throw new Error(`lookup peer: bad eventTime ${record.eventTime}`);
  // Insights records keep eventName/eventSource inside insightDetails.
  const eventName = record.eventName ?? record.insightDetails?.eventName;
  const eventSource = record.eventSource ?? record.insightDetails?.eventSource;
  const resources = Array.isArray(record.resources)
    ? record.resources.map((r: Rec) => ({ ResourceType: r?.type ?? null, ResourceName: r?.ARN ?? r?.arn ?? null }))
    : [];
  const event: WireEvent = {
    EventId: record.eventID,
    ...(eventName !== undefined && { EventName: eventName }),
    // The record's readOnly is a boolean; LookupEvents returns it as the string "true"/"false".
    ...(record.readOnly !== undefined && record.readOnly !== null && { ReadOnly: String(record.readOnly) }),
    ...(record.userIdentity?.accessKeyId && { AccessKeyId: record.userIdentity.accessKeyId }),
    EventTime: timeMs / 1000,
    ...(eventSource !== undefined && { EventSource: eventSource }),
    ...(lookupUsername(record) !== undefined && { Username: lookupUsername(record) }),
    Resources: resources,
    CloudTrailEvent: JSON.stringify(record),
  };
  return { id: record.eventID, timeMs, insight, event, resources };
}

// Newest first; equal times by eventID descending so that paging is deterministic.
function compareNewestFirst(a: { timeMs: number; id: string }, b: { timeMs: number; id: string }): number {
  if (a.timeMs !== b.timeMs) return b.timeMs - a.timeMs;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function matches(s: Stored, key: string, value: string): boolean {
  const e = s.event;
  switch (key) {
    case "EventId":
      return e.EventId === value;
    case "EventName":
      return e.EventName === value;
    case "ReadOnly":
      return e.ReadOnly === value;
    case "Username":
      return e.Username === value;
    case "AccessKeyId":
      return e.AccessKeyId === value;
    case "EventSource":
      return e.EventSource === value;
    case "ResourceType":
      return s.resources.some((r) => r.ResourceType === value);
    case "ResourceName":
      return s.resources.some((r) => r.ResourceName === value);
    default:
      return false;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": JSON_11,
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": randomUUID(),
  });
  res.end(text);
}

interface TokenPayload {
  v: 1;
  h: string; // hash of the parameters of the first call
  t: number; // eventTime (ms) of the last event returned
  id: string; // eventID of the last event returned
}

function encodeToken(p: TokenPayload): string {
  return Buffer.from(JSON.stringify(p), "utf8").toString("base64url");
}

function decodeToken(token: unknown): TokenPayload | null {
  if (typeof token !== "string" || token.length === 0) return null;
  try {
    const p = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (p?.v === 1 && typeof p.h === "string" && typeof p.t === "number" && typeof p.id === "string") return p;
  } catch {
    // fall through
  }
  return null;
}

interface StoredKey {
  der: Buffer;
  fingerprint: string;
  startMs: number;
  endMs: number;
  region?: string;
}

function toStoredKey(k: PeerPublicKey): StoredKey {
  let der: Buffer;
  if (k.value instanceof Uint8Array) der = Buffer.from(k.value);
  else {
    if (k.value.asymmetricKeyType !== "rsa") throw new Error("lookup peer: public keys must be RSA");
    // From a private KeyObject only the public half is ever served.
    const pub = k.value.type === "private" ? createPublicKey(k.value) : k.value;
    der = pub.export({ type: "pkcs1", format: "der" });
  }
  const startMs = k.validityStart.getTime();
  const endMs = k.validityEnd.getTime();
  if (!(startMs <= endMs)) throw new Error("lookup peer: a public key's validityStart must not be after its validityEnd");
  return {
    der,
    fingerprint: k.fingerprint ?? createHash("md5").update(der).digest("hex"),
    startMs,
    endMs,
    ...(k.region !== undefined && { region: k.region }),
  };
}

function epochSeconds(name: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  // The SDK sends timestamps as epoch seconds, fractions allowed.
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new PeerError(400, "SerializationException", `${name} must be a timestamp in epoch seconds`);
  }
  return v;
}

export async function startLookupPeer(opts: LookupPeerOptions = {}): Promise<LookupPeer> {
  const tps = opts.tps ?? 2;
  const now = opts.now ?? (() => new Date());
  if (!(tps > 0)) throw new Error("lookup peer: tps must be > 0");

  const byRegion = new Map<string, { list: Stored[]; sorted: boolean }>();
  const forced: Forced[] = [];
  const stats: LookupPeerStats = { requests: 0, throttled: 0, byRegion: {}, calls: [], publicKeyCalls: [], byOperation: {} };
  const pageSize = opts.publicKeysPageSize ?? Infinity;
  if (!(pageSize >= 1)) throw new Error("lookup peer: publicKeysPageSize must be >= 1");
  let publicKeys: StoredKey[] = [];
  let trails: PeerTrail[] = [];

  // Token bucket per (access key, region): capacity `tps`, refilled at `tps` tokens per second.
  // CloudTrail documents the limit per account per region; a throttled request does not consume a
  // token (otherwise the SDK's retries would keep the bucket empty forever).
  const buckets = new Map<string, { tokens: number; at: number }>();
  function admit(key: string): boolean {
    const t = performance.now();
    const b = buckets.get(key) ?? { tokens: tps, at: t };
    b.tokens = Math.min(tps, b.tokens + ((t - b.at) / 1000) * tps);
    b.at = t;
    buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    return false;
  }

  function regionStore(region: string) {
    let s = byRegion.get(region);
    if (!s) byRegion.set(region, (s = { list: [], sorted: true }));
    return s;
  }

  function add(region: string, records: object[], replace: boolean): void {
    const s = regionStore(region);
    const incoming = records.map((r) => toStored(r as Rec)).filter((x): x is Stored => x !== null);
    const map = new Map<string, Stored>(replace ? [] : s.list.map((x) => [x.id, x]));
    for (const x of incoming) map.set(x.id, x);
    s.list = [...map.values()];
    s.sorted = false;
  }

  function lookup(region: string, accessKeyId: string, body: Rec) {
    // MaxResults: 1..50, default 50.
    let maxResults = MAX_RESULTS;
    if (body.MaxResults !== undefined && body.MaxResults !== null) {
      const m = body.MaxResults;
      if (typeof m !== "number" || !Number.isInteger(m) || m < 1 || m > MAX_RESULTS) {
        throw bad("InvalidMaxResultsException", `MaxResults must be between 1 and ${MAX_RESULTS}`);
      }
      maxResults = m;
    }

    // EventCategory: only "insight" exists; leaving it out means management events only.
    let category: string | undefined;
    if (body.EventCategory !== undefined && body.EventCategory !== null) {
      if (body.EventCategory !== "insight") {
        throw bad("InvalidEventCategoryException", `Invalid event category: ${String(body.EventCategory)}`);
      }
      category = "insight";
    }

    // LookupAttributes: a list, but CloudTrail accepts at most one element.
    let attribute: { key: string; value: string } | undefined;
    const attrs = body.LookupAttributes;
    if (attrs !== undefined && attrs !== null) {
      if (!Array.isArray(attrs)) throw bad("InvalidLookupAttributesException", "LookupAttributes must be a list");
      if (attrs.length > 1) {
        throw bad("InvalidLookupAttributesException", "You can specify only one lookup attribute");
      }
      if (attrs.length === 1) {
        const { AttributeKey: key, AttributeValue: value } = attrs[0] ?? {};
        if (typeof key !== "string" || !ALL_KEYS.has(key)) {
          throw bad("InvalidLookupAttributesException", `Invalid attribute key: ${String(key)}`);
        }
        if (typeof value !== "string" || value.length === 0) {
          throw bad("InvalidLookupAttributesException", "AttributeValue is required");
        }
        if (category === "insight" && !INSIGHT_KEYS.has(key)) {
          throw bad("InvalidLookupAttributesException", `Attribute key ${key} is not supported for Insights events`);
        }
        attribute = { key, value };
      }
    }

    const start = epochSeconds("StartTime", body.StartTime);
    const end = epochSeconds("EndTime", body.EndTime);
    if (start !== undefined && end !== undefined && start > end) {
      throw bad("InvalidTimeRangeException", "Start time must be earlier than or equal to end time");
    }

    // NextToken is only valid with the parameters of the call that produced it. MaxResults is not
    // part of that (changing the page size while paging is harmless).
    const paramHash = createHash("sha256")
      .update(JSON.stringify([region, attribute?.key ?? null, attribute?.value ?? null, start ?? null, end ?? null, category ?? null]))
      .digest("base64url")
      .slice(0, 22);
    let cursor: TokenPayload | null = null;
    if (body.NextToken !== undefined && body.NextToken !== null) {
      cursor = decodeToken(body.NextToken);
      if (!cursor || cursor.h !== paramHash) {
        throw bad("InvalidNextTokenException", "Invalid NextToken: it must be used with the parameters of the original call");
      }
    }

    const nowMs = now().getTime();
    const lowMs = Math.max(nowMs - WINDOW_MS, start !== undefined ? start * 1000 : -Infinity);
    const highMs = end !== undefined ? end * 1000 : nowMs;

    const store = regionStore(region);
    if (!store.sorted) {
      store.list.sort(compareNewestFirst);
      store.sorted = true;
    }

    const page: Stored[] = [];
    let more = false;
    for (const s of store.list) {
      // Resume strictly after the last event of the previous page (in newest-first order); a
      // position rather than an offset keeps paging stable when events are added meanwhile.
      if (cursor && compareNewestFirst(s, { timeMs: cursor.t, id: cursor.id }) <= 0) continue;
      if (s.timeMs > highMs) continue;
      if (s.timeMs < lowMs) break; // sorted newest first: everything after is older
      if (s.insight !== (category === "insight")) continue;
      if (attribute && !matches(s, attribute.key, attribute.value)) continue;
      if (page.length === maxResults) {
        more = true;
        break;
      }
      page.push(s);
    }

    stats.calls.push({
      region,
      accessKeyId,
      ...(start !== undefined && { startTime: new Date(start * 1000) }),
      ...(end !== undefined && { endTime: new Date(end * 1000) }),
      ...(attribute && { attribute }),
      ...(category && { category }),
      ...(body.MaxResults !== undefined && body.MaxResults !== null && { maxResults }),
      hasToken: cursor !== null,
      count: page.length,
    });

    const last = page[page.length - 1];
    return {
      Events: page.map((s) => s.event),
      // Absent (not null, not "") on the last page.
      ...(more && last && { NextToken: encodeToken({ v: 1, h: paramHash, t: last.timeMs, id: last.id }) }),
    };
  }

  // ListPublicKeys: keys valid at any time within [StartTime, EndTime] (both default to now),
  // oldest first, all on one page unless publicKeysPageSize says otherwise.
  function listPublicKeys(region: string, body: Rec) {
    const nowS = now().getTime() / 1000;
    const start = epochSeconds("StartTime", body.StartTime);
    const end = epochSeconds("EndTime", body.EndTime);
    const lo = start ?? nowS;
    const hi = end ?? nowS;
    if (lo > hi) throw bad("InvalidTimeRangeException", "Start time must be earlier than or equal to end time");
    const paramHash = createHash("sha256")
      .update(JSON.stringify(["ListPublicKeys", region, start ?? null, end ?? null]))
      .digest("base64url")
      .slice(0, 22);
    let offset = 0;
    if (body.NextToken !== undefined && body.NextToken !== null) {
      let t: any = null;
      try {
        t = typeof body.NextToken === "string" ? JSON.parse(Buffer.from(body.NextToken, "base64url").toString("utf8")) : null;
      } catch {
        t = null;
      }
      if (!t || t.v !== 1 || t.h !== paramHash || !Number.isInteger(t.i) || t.i < 0) throw bad("InvalidTokenException", "Reserved for future use.");
      offset = t.i;
    }
    const match = publicKeys
      .filter((k) => (k.region === undefined || k.region === region) && k.startMs <= hi * 1000 && k.endMs >= lo * 1000)
      .sort((a, b) => a.startMs - b.startMs || (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
    const page = match.slice(offset, offset + Math.min(pageSize, match.length));
    const next = offset + page.length;
    stats.publicKeyCalls.push({
      region,
      ...(start !== undefined && { startTime: new Date(start * 1000) }),
      ...(end !== undefined && { endTime: new Date(end * 1000) }),
      hasToken: offset > 0 || (body.NextToken !== undefined && body.NextToken !== null),
      fingerprints: page.map((k) => k.fingerprint),
    });
    return {
      PublicKeyList: page.map((k) => ({
        // A blob: base64 on the JSON wire.
        Value: k.der.toString("base64"),
        ValidityStartTime: k.startMs / 1000,
        ValidityEndTime: k.endMs / 1000,
        Fingerprint: k.fingerprint,
      })),
      ...(next < match.length && { NextToken: Buffer.from(JSON.stringify({ v: 1, h: paramHash, i: next }), "utf8").toString("base64url") }),
    };
  }

  // DescribeTrails: the region's own trails plus (includeShadowTrails, default true) multi-region
  // trails homed elsewhere; trailNameList picks by name (this region's trails) or ARN (any).
  function describeTrails(region: string, body: Rec) {
    const names = body.trailNameList;
    if (names !== undefined && names !== null && (!Array.isArray(names) || names.some((n) => typeof n !== "string"))) {
      throw new PeerError(400, "SerializationException", "trailNameList must be a list of strings");
    }
    const includeShadow = body.includeShadowTrails !== false;
    const visible = (t: PeerTrail) => t.HomeRegion === region || (includeShadow && t.IsMultiRegionTrail === true);
    const list = Array.isArray(names) && names.length > 0
      ? trails.filter((t) => names.some((n: string) => n === t.TrailARN || (n === t.Name && visible(t))))
      : trails.filter(visible);
    return {
      trailList: list.map((t) => ({
        IncludeGlobalServiceEvents: true,
        IsMultiRegionTrail: false,
        IsOrganizationTrail: false,
        LogFileValidationEnabled: true,
        HasCustomEventSelectors: false,
        HasInsightSelectors: false,
        ...t,
      })),
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests++;
    const body = await readBody(req);

    if (req.method !== "POST" || (req.url ?? "/").split("?")[0] !== "/") {
      throw new PeerError(404, "UnknownOperationException", `${req.method} ${req.url} is not supported`);
    }
    const target = String(req.headers["x-amz-target"] ?? "");
    // The JS SDK sends "CloudTrail_20131101.LookupEvents", botocore the fully qualified
    // "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents".
    const operation = target.includes("CloudTrail_20131101.") ? target.slice(target.lastIndexOf(".") + 1) : "";
    stats.byOperation[operation || target || "(none)"] = (stats.byOperation[operation || target || "(none)"] ?? 0) + 1;
    if (!OPERATIONS.has(operation)) {
      throw new PeerError(400, "UnknownOperationException", `Unknown operation ${target || "(no x-amz-target)"}`);
    }
    const contentType = String(req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    if (contentType !== JSON_11) {
      throw new PeerError(400, "SerializationException", `Unsupported content-type ${contentType || "(none)"}`);
    }
    // SigV4: the signature itself is not checked, but the credential scope must be there, because
    // it is where the signing region (which selects the event store) and the access key come from.
    const auth = String(req.headers.authorization ?? "");
    if (!auth) throw new PeerError(400, "MissingAuthenticationTokenException", "Missing Authentication Token");
    const m = auth.startsWith("AWS4-HMAC-SHA256 ") ? CREDENTIAL_RE.exec(auth) : null;
    if (!m || m[4] !== "cloudtrail") {
      throw new PeerError(400, "IncompleteSignatureException", "Authorization header is not a SigV4 signature for cloudtrail");
    }
    const [, accessKeyId, , region] = m;
    stats.byRegion[region] = (stats.byRegion[region] ?? 0) + 1;

    const f = forced.shift();
    if (f?.kind === "fail") throw new PeerError(f.status, f.type, f.message);
    if (f?.kind === "throttle" || (operation === "LookupEvents" && !admit(`${accessKeyId}\0${region}`))) {
      stats.throttled++;
      // Real CloudTrail sends this one without a namespace, with HTTP 400.
      throw new PeerError(400, "ThrottlingException", "Rate exceeded");
    }

    let parsed: unknown;
    try {
      parsed = body.length === 0 ? {} : JSON.parse(body);
    } catch {
      throw new PeerError(400, "SerializationException", "Request body is not valid JSON");
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new PeerError(400, "SerializationException", "Request body must be a JSON object");
    }
    if (operation === "ListPublicKeys") return send(res, 200, listPublicKeys(region, parsed as Rec));
    if (operation === "DescribeTrails") return send(res, 200, describeTrails(region, parsed as Rec));
    send(res, 200, lookup(region, accessKeyId, parsed as Rec));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      if (err instanceof PeerError) return send(res, err.status, { __type: err.type, message: err.message });
      send(res, 500, { __type: "InternalFailure", message: String((err as Error)?.message ?? err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    setEvents: (region, records) => add(region, records, true),
    setPublicKeys(keys) {
      publicKeys = keys.map(toStoredKey);
    },
    setTrails(list) {
      trails = list.map((t) => ({ ...t }));
    },
    addEvents: (region, records) => add(region, records, false),
    throttleNext(n) {
      for (let i = 0; i < n; i++) forced.push({ kind: "throttle" });
    },
    failNext(n, type, status = 400, message = "Injected failure") {
      for (let i = 0; i < n; i++) forced.push({ kind: "fail", status, type, message });
    },
    stats,
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // The SDK keeps connections alive; without this close() would wait for them to idle out.
        server.closeAllConnections();
      });
    },
  };
}

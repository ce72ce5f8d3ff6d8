// The field catalog: every CloudTrail field the console knows, declared once. Ingest (column
// values), the query parser (URL parameters), SQL predicates, the API's event shape, CSV export and
// the UI's columns and facets are all generated from this list. Add a field here, add its column in
// prisma/schema.prisma (+ a migration), and everything else follows.

export type CloudTrailRecord = Record<string, unknown>;

/** How a field is stored and matched. */
export type FieldKind = "text" | "bool" | "time" | "textArray";

/** How the UI renders a value (the console maps these to components). */
export type RenderAs = "time" | "text" | "code" | "arn" | "ip" | "bool" | "error" | "list" | "integrity";

export interface IngestContext {
  /** Account ID taken from the object's key (AWSLogs/<account>/…), for old records without recipientAccountId. */
  account?: string;
}

export interface FieldDef {
  /** Name in URLs, API JSON and CSV headers (CloudTrail's own spelling where one exists). */
  key: string;
  label: string;
  kind: FieldKind;
  /** SQL column in `events`. */
  column: string;
  /** Value for the column, derived from the raw record. */
  extract: (r: CloudTrailRecord, ctx: IngestContext) => string | boolean | Date | string[] | null;
  /** Accepted as a filter parameter (`?key=value`). */
  filter: boolean;
  /** Offered as a facet (top values with counts). */
  facet: boolean;
  /**
   * A facet counted only when asked for by name (`/api/facets?field=`; the sidebar when its section
   * is opened or its field filtered), not in the default set: the rollups cannot hold it (a value
   * set after ingest, or about as many values as sessions), so it is counted over the matching
   * events, which cost as much as all the rolled-up facets together (BENCHMARKS, session 14).
   */
  facetOnDemand?: boolean;
  /** Allowed in `sort=key:asc|desc`. */
  sort: boolean;
  /** Shown in the timeline by default. */
  defaultColumn: boolean;
  /** Exported as a CSV column (header = key). */
  csv: boolean;
  render: RenderAs;
  description: string;
  /**
   * A derived field: `column` is an SQL expression over an events row rather than a column ingest
   * fills (nothing is extracted from the record), and `match` gives each allowed value's
   * index-friendly predicate. Its values are exactly `values` (others are a 400).
   */
  /**
   * Set by the loader rather than extracted in a decode worker: its value depends on other events
   * already stored (the actor at the origin of a credentials chain: lib/actors/link.ts).
   */
  linked?: boolean;
  /**
   * Its value may change after the event is stored (the actor once its issuing event arrives, the
   * enrichment backfill, a new integrity verdict): counts kept per event as it was stored
   * (lib/detections/rollup.ts) must not rely on it.
   */
  changesAfterStore?: boolean;
  /**
   * For a principal scoped to some accounts: the SQL condition (on an events row, given the bound
   * parameter of its accounts) under which it may see this field's value; otherwise the value reads
   * as none. The actor is learnt from other events — an issuing call in another account must not
   * name its caller to a user who may not read that account (lib/query/sql.ts columnFor).
   */
  visibleWhen?: (accounts: string) => string;
  derived?: {
    values: readonly string[];
    /** WHERE condition on `events` for one value (constant SQL: the values are fixed words). */
    match: (value: string) => string;
  };
  /**
   * A value inside the record (issue 22): the JSON path it reads, e.g. ["requestParameters",
   * "userName"]. Such fields are not listed in FIELDS; recordPathField makes one per parameter.
   */
  path?: readonly string[];
}

// ---- extraction helpers -------------------------------------------------------------------------

function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export function identity(r: CloudTrailRecord): Record<string, unknown> | undefined {
  return obj(r.userIdentity);
}

/** The record's eventTime; null when missing or not a valid instant. */
export function parseEventTime(r: CloudTrailRecord): Date | null {
  const t = r.eventTime;
  if (typeof t !== "string") return null;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** readOnly is a boolean in records but a string in some older ones ("true"/"false"). */
function readOnlyOf(r: CloudTrailRecord): boolean | null {
  const v = r.readOnly;
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return null;
}

/**
 * The user name as LookupEvents reports it, so the same event has the same `username` whether it
 * came from an S3 log file or from the LookupEvents API:
 * - IAM users (and Directory / SAML / web identity users) → userIdentity.userName
 * - Root → "root"
 * - AssumedRole and FederatedUser → the session / federated name, the last segment of the ARN
 *   ("arn:aws:sts::1:assumed-role/Admin/alice" → "alice")
 * - otherwise userIdentity.userName when present. AWSService identities have none: LookupEvents
 *   returns no Username for them (seen in captured LookupEvents output), so neither do we.
 */
export function deriveUsername(r: CloudTrailRecord): string | null {
  const id = identity(r);
  if (!id) return null;
  const type = str(id.type);
  const userName = str(id.userName);
  if (type === "Root") return "root";
  if (type === "AssumedRole" || type === "FederatedUser") {
    const arn = str(id.arn);
    if (arn && arn.includes("/")) return arn.slice(arn.lastIndexOf("/") + 1);
    const pid = str(id.principalId);
    if (pid && pid.includes(":")) return pid.slice(pid.indexOf(":") + 1);
    return userName;
  }
  return userName;
}

function resources(r: CloudTrailRecord): Record<string, unknown>[] {
  return Array.isArray(r.resources) ? (r.resources.map(obj).filter(Boolean) as Record<string, unknown>[]) : [];
}

function uniq(values: (string | null)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== null && v !== ""))];
}

// ---- field factories (the openstatus data-table-filters `col.*` idea) ---------------------------

type Common = Omit<FieldDef, "kind" | "filter" | "facet" | "sort" | "defaultColumn" | "csv" | "render" | "description"> &
  Partial<Pick<FieldDef, "filter" | "facet" | "sort" | "defaultColumn" | "csv" | "render" | "description">>;

const col = {
  text: (d: Common): FieldDef => ({ kind: "text", filter: true, facet: false, sort: true, defaultColumn: false, csv: true, render: "text", description: "", ...d }),
  bool: (d: Common): FieldDef => ({ kind: "bool", filter: true, facet: true, sort: true, defaultColumn: false, csv: true, render: "bool", description: "", ...d }),
  time: (d: Common): FieldDef => ({ kind: "time", filter: false, facet: false, sort: true, defaultColumn: true, csv: true, render: "time", description: "", ...d }),
  list: (d: Common): FieldDef => ({ kind: "textArray", filter: true, facet: false, sort: false, defaultColumn: false, csv: true, render: "list", description: "", ...d }),
};

// ---- enrichment at ingest (issue 22 §5: lib/enrich/) ------------------------------------------------
// Classes computed once per event by lib/enrich/enrich.ts (in the decode workers, from the AWS IP
// ranges snapshot in use) and handed to extract through the ingest context: this file is also
// imported by the browser bundle, which must not carry the ranges. Events stored before migration
// 20261207080000_enrichment get theirs from a background backfill (lib/enrich/backfill.ts).

interface EnrichedContext extends IngestContext {
  enrichment?: { ipClass: string | null; awsRange: string | null; userAgentClass: string | null };
}
const enriched = (ctx: IngestContext) => (ctx as EnrichedContext).enrichment;

/** The address of `sourceIPAddress` that ipClass judged (a list's first), in SQL. */
const FIRST_ADDRESS = `split_part(source_ip_address, ',', 1)`;
const IP_ADDRESS_CLASSES = `ip_class IN ('aws', 'private', 'public')`;
/** IPv6 by its colon; ::ffff:198.51.100.1 is an IPv4 client (as ipClass judged it). */
const IS_IPV6 = `(strpos(${FIRST_ADDRESS}, ':') > 0 AND ${FIRST_ADDRESS} NOT ILIKE '%::ffff:%.%')`;

const ENRICHMENT_FIELDS: FieldDef[] = [
  col.text({
    key: "ipClass",
    changesAfterStore: true,
    label: "Source IP class",
    column: "ip_class",
    extract: (_r, ctx) => enriched(ctx)?.ipClass ?? null,
    facet: true,
    description:
      "aws-service: an AWS service's name (lambda.amazonaws.com); aws-internal: \"AWS Internal\"; aws: an address in AWS's published ranges; private: RFC 1918, loopback, link-local, CGNAT, IPv6 unique-local; public: any other address; other: not an address. A list's first address",
  }),
  col.text({
    key: "ipAwsRange",
    changesAfterStore: true,
    label: "AWS IP range",
    column: "ip_aws_range",
    extract: (_r, ctx) => enriched(ctx)?.awsRange ?? null,
    description: "For ipClass=aws: the services and region AWS publishes for the address's range, e.g. \"EC2 us-east-1\" (as of the snapshot in use when the event was stored)",
  }),
  col.text({
    key: "userAgentClass",
    changesAfterStore: true,
    label: "User agent class",
    column: "user_agent_class",
    extract: (_r, ctx) => enriched(ctx)?.userAgentClass ?? null,
    facet: true,
    description:
      "console, browser (S3 data events from a browser), cli, powershell, sdk-<language> (sdk-python, sdk-js, sdk-go, sdk-java, sdk-dotnet, …), terraform, pulumi, cdk, cloudformation, aws-service, aws-internal, other",
  }),
  col.text({
    key: "ipVersion",
    label: "IP version",
    column: `CASE WHEN ${IP_ADDRESS_CLASSES} THEN CASE WHEN ${IS_IPV6} THEN 'ipv6' ELSE 'ipv4' END END`,
    extract: () => null,
    sort: false,
    csv: false,
    description: "ipv4 or ipv6: the version of the source address (events whose source is an address)",
    derived: {
      values: ["ipv4", "ipv6"],
      match: (v) => `(${IP_ADDRESS_CLASSES} AND ${v === "ipv6" ? "" : "NOT "}${IS_IPV6})`,
    },
  }),
];

// ---- the catalog --------------------------------------------------------------------------------

export const FIELDS: readonly FieldDef[] = [
  col.time({ key: "eventTime", label: "Time", column: "event_time", extract: parseEventTime, description: "When the request was made (UTC)" }),
  col.text({ key: "username", label: "User name", column: "username", extract: deriveUsername, facet: true, defaultColumn: true, description: "User name as the AWS console reports it: IAM user, role session name, root" }),
  col.text({ key: "eventName", label: "Event name", column: "event_name", extract: (r) => str(r.eventName), facet: true, defaultColumn: true, render: "code", description: "The API action" }),
  col.text({ key: "eventSource", label: "Event source", column: "event_source", extract: (r) => str(r.eventSource), facet: true, defaultColumn: true, description: "The service, e.g. iam.amazonaws.com" }),
  col.text({ key: "awsRegion", label: "Region", column: "aws_region", extract: (r) => str(r.awsRegion), facet: true, defaultColumn: true }),
  col.text({ key: "accountId", label: "Account", column: "recipient_account_id", extract: (r, ctx) => str(r.recipientAccountId) ?? ctx.account ?? str(identity(r)?.accountId), facet: true, defaultColumn: true, description: "recipientAccountId: the account that received the event" }),
  col.text({ key: "sourceIPAddress", label: "Source IP", column: "source_ip_address", extract: (r) => str(r.sourceIPAddress), facet: true, defaultColumn: true, render: "ip" }),
  col.text({ key: "errorCode", label: "Error", column: "error_code", extract: (r) => str(r.errorCode), facet: true, defaultColumn: true, render: "error", description: "errorCode; `*` any error, `!*` no error" }),
  col.text({ key: "errorMessage", label: "Error message", column: "error_message", extract: (r) => str(r.errorMessage), sort: false }),
  col.bool({ key: "readOnly", label: "Read-only", column: "read_only", extract: readOnlyOf }),
  col.text({ key: "identityType", label: "Identity type", column: "identity_type", extract: (r) => str(identity(r)?.type), facet: true }),
  col.text({ key: "principalArn", label: "Principal ARN", column: "principal_arn", extract: (r) => str(identity(r)?.arn), facet: true, render: "arn" }),
  col.text({ key: "accessKeyId", label: "Access key", column: "access_key_id", extract: (r) => str(identity(r)?.accessKeyId), facet: true, facetOnDemand: true, render: "code" }),
  col.text({ key: "userAgent", label: "User agent", column: "user_agent", extract: (r) => str(r.userAgent) }),
  col.text({ key: "eventType", label: "Event type", column: "event_type", extract: (r) => str(r.eventType), facet: true }),
  col.text({ key: "eventCategory", label: "Category", column: "event_category", extract: (r) => str(r.eventCategory), facet: true }),
  col.list({ key: "resourceName", label: "Resources", column: "resource_names", extract: (r) => uniq(resources(r).map((x) => str(x.ARN) ?? str(x.arn) ?? str(x.resourceName) ?? str(x.name))), render: "arn", description: "An entry of resources[]: ARN or name" }),
  col.list({ key: "resourceType", label: "Resource types", column: "resource_types", extract: (r) => uniq(resources(r).map((x) => str(x.type) ?? str(x.resourceType))), description: "e.g. AWS::S3::Bucket" }),
  col.text({ key: "eventID", label: "Event ID", column: "id", extract: () => null /* set by ingest: eventID or derived key */, render: "code", sort: false }),
  col.text({ key: "requestID", label: "Request ID", column: "request_id", extract: (r) => str(r.requestID), sort: false, render: "code" }),
  col.text({ key: "sharedEventID", label: "Shared event ID", column: "shared_event_id", extract: (r) => str(r.sharedEventID), sort: false, render: "code" }),
  col.text({ key: "eventVersion", label: "Event version", column: "event_version", extract: (r) => str(r.eventVersion), sort: false }),
  // Log file integrity validation's verdict on the event's log file (lib/integrity): the outcome is
  // kept per file, so validating again changes it for all of the file's events at once.
  col.text({
    key: "integrity",
    changesAfterStore: true,
    label: "Integrity",
    column: `coalesce((SELECT o.event_integrity FROM ingested_objects o WHERE o.id = object_id), 'unverified')`,
    extract: () => null,
    sort: false,
    defaultColumn: true,
    render: "integrity",
    description: "verified: its log file matches a digest whose signature was checked; failed: its log file differs from what the digest recorded; unverified: anything else (no digest, signature not checked, LookupEvents)",
    derived: {
      values: ["verified", "unverified", "failed"],
      // Through events_object_id_idx for the few files that failed; ingested_objects is small.
      match: (v) =>
        v === "unverified"
          ? `(object_id IS NULL OR object_id NOT IN (SELECT id FROM ingested_objects WHERE event_integrity IN ('verified', 'failed')))`
          : `object_id IN (SELECT id FROM ingested_objects WHERE event_integrity = '${v === "failed" ? "failed" : "verified"}')`,
    },
  }),
  // Fields added after the CSV's column order was first relied on go last: a CSV gains columns at
  // its end only.
  // Who really did it (lib/actors): the identity at the origin of the event's credentials chain,
  // followed through every role session back to an IAM user, a SAML or web-identity subject, an
  // Identity Center user, root or a service. Null while the event that issued a session's
  // credentials is not stored.
  col.text({
    key: "actor",
    changesAfterStore: true,
    label: "Actor",
    column: "actor",
    extract: () => null /* set by the loader: lib/actors/link.ts */,
    linked: true,
    visibleWhen: (accounts) => `coalesce(actor_accounts <@ ${accounts}::text[], true)`,
    facet: true,
    facetOnDemand: true,
    // A scoped principal sees it through visibleWhen, which a keyset cursor cannot follow.
    sort: false,
    render: "arn",
    description: "The identity at the origin of the credentials chain (an IAM user ARN, saml:<provider>/<subject>, identitycenter:<user>, web:<provider>/<subject>, a service, root's ARN): everything one identity did through any role",
  }),
  col.text({
    key: "sessionIssuer",
    label: "Session issuer",
    column: "session_issuer_arn",
    extract: (r) => str(obj(obj(identity(r)?.sessionContext)?.sessionIssuer)?.arn),
    facet: true,
    facetOnDemand: true,
    render: "arn",
    description: "The role (or IAM user, for a federated session) whose session made the call: its ARN without the session name",
  }),
  ...ENRICHMENT_FIELDS,
];

// ---- values inside the record, and fields derived from them (issue 22: detections) --------------
// `requestParameters.userName=bob`, `additionalEventData.MFAUsed=!Yes`, `userIdentity.invokedBy=!*`:
// a parameter whose name is a dotted path into one of the record's objects filters on the value
// there, with the value syntax of every other filter (exact and case-sensitive, `*`, `!`). The
// path reaches SQL as a bound text[] (lib/query/sql.ts: `record #>> $n`); its segments are
// validated here besides. Objects and arrays compare as their JSON text, booleans and numbers as
// written (`requestParameters.enable=false`).

/** The record's objects a path may start at. */
export const RECORD_PATH_ROOTS = [
  "requestParameters",
  "responseElements",
  "additionalEventData",
  "userIdentity",
  "serviceEventDetails",
  "tlsDetails",
  "insightDetails",
  "edgeDeviceDetails",
  "addendum",
] as const;
/** Segments in one path, the root included. */
export const MAX_PATH_SEGMENTS = 8;
/** Characters in one path parameter's name. */
export const MAX_PATH_CHARS = 200;
const PATH_SEGMENT = /^[A-Za-z0-9_-]{1,100}$/;

/** Looks like a record path (a dot in the name): either a field, or what is wrong with it. */
export function recordPathField(name: string): { field: FieldDef } | { error: string } | null {
  if (!name.includes(".")) return null;
  const segments = name.split(".");
  if (!(RECORD_PATH_ROOTS as readonly string[]).includes(segments[0])) {
    return { error: `unknown parameter (a value inside the record starts with one of ${RECORD_PATH_ROOTS.join(", ")}, followed by .name)` };
  }
  if (name.length > MAX_PATH_CHARS) return { error: `a path may be at most ${MAX_PATH_CHARS} characters long` };
  if (segments.length > MAX_PATH_SEGMENTS) return { error: `a path may have at most ${MAX_PATH_SEGMENTS} segments (this one has ${segments.length})` };
  if (segments.length < 2 || !segments.every((s) => PATH_SEGMENT.test(s))) {
    return { error: "a path is names of letters, digits, _ and - separated by single dots (requestParameters.userName)" };
  }
  return {
    field: {
      key: name,
      label: name,
      kind: "text",
      column: "", // never spliced: lib/query/sql.ts binds `path`
      extract: () => null,
      filter: true,
      facet: false,
      sort: false,
      defaultColumn: false,
      csv: false,
      render: "code",
      description: `the value at ${name} in the record`,
      path: segments,
    },
  };
}

/** A filter parameter's field: a catalog field that filters, or a valid record path. */
export function filterFieldOf(name: string): FieldDef | undefined {
  const f = FIELD_BY_KEY.get(name);
  if (f) return f.filter ? f : undefined;
  const p = recordPathField(name);
  return p && "field" in p ? p.field : undefined;
}

/**
 * Whose IAM identity an IAM request (iam.amazonaws.com) names, against the caller's own:
 * requestParameters.userName (an IAM user: CreateAccessKey, CreateLoginProfile, AttachUserPolicy…)
 * or roleName (AttachRolePolicy, PutRolePolicy…). "self": the calling IAM user, or the role of the calling role session;
 * "other": anyone else (a role session or root naming a user is always "other"); "none": neither
 * is named (CreateAccessKey without userName creates the caller's own key).
 */
const TARGET_USER = `(record #>> '{requestParameters,userName}')`;
const TARGET_ROLE = `(record #>> '{requestParameters,roleName}')`;
const CALLER_ROLE = `(record #>> '{userIdentity,sessionContext,sessionIssuer,userName}')`;
const SELF_USER = `(identity_type = 'IAMUser' AND ${TARGET_USER} = username)`;
const SELF_ROLE = `(identity_type = 'AssumedRole' AND ${TARGET_ROLE} = ${CALLER_ROLE})`;
// IAM's own requests only: the event source is checked first (a column), so no other event's
// record is parsed — this expression is also the column every list and API page selects.
const IAM = `event_source = 'iam.amazonaws.com'`;
const IAM_TARGET_MATCH: Record<string, string> = {
  self: `(${IAM} AND (${SELF_USER} OR ${SELF_ROLE}))`,
  other: `(${IAM} AND ((${TARGET_USER} IS NOT NULL AND NOT coalesce(${SELF_USER}, false)) OR (${TARGET_ROLE} IS NOT NULL AND NOT coalesce(${SELF_ROLE}, false))))`,
  none: `(${IAM} IS NOT TRUE OR (${TARGET_USER} IS NULL AND ${TARGET_ROLE} IS NULL))`,
};

const INVESTIGATION_FIELDS: FieldDef[] = [
  col.text({
    key: "iamTarget",
    label: "IAM target",
    column: `CASE WHEN ${IAM_TARGET_MATCH.none} THEN 'none' WHEN ${IAM_TARGET_MATCH.self} THEN 'self' ELSE 'other' END`,
    extract: () => null,
    sort: false,
    csv: false,
    description: "Whose IAM user or role an IAM request names (requestParameters.userName / roleName): self — the caller's own; other — someone else's (an access key made for another user); none — no user or role named, or not an IAM request",
    derived: { values: ["self", "other", "none"], match: (v) => IAM_TARGET_MATCH[v] ?? "false" },
  }),
];
(FIELDS as FieldDef[]).push(...INVESTIGATION_FIELDS);

// ---- end of the issue 22 block ------------------------------------------------------------------

export const FIELD_BY_KEY: ReadonlyMap<string, FieldDef> = new Map(FIELDS.map((f) => [f.key, f]));

/** Fields whose column ingest fills from the record (eventID is the primary key, set separately). */
export const INGEST_FIELDS = FIELDS.filter((f) => f.key !== "eventID" && !f.derived && !f.linked);

export const FACET_FIELDS = FIELDS.filter((f) => f.facet);
/** The facets counted without being asked for by name: the sidebar's and /api/facets' default. */
export const DEFAULT_FACET_FIELDS = FACET_FIELDS.filter((f) => !f.facetOnDemand);
/** The facets counted only when asked for by name (the sidebar: when their section opens). */
export const ON_DEMAND_FACET_FIELDS = FACET_FIELDS.filter((f) => f.facetOnDemand);
export const CSV_FIELDS = FIELDS.filter((f) => f.csv);
/** The timeline's columns when a link names none: the integrity badge right after the time, where it is seen. */
export const DEFAULT_COLUMNS = ["eventTime", "integrity", ...FIELDS.filter((f) => f.defaultColumn && f.key !== "eventTime" && f.key !== "integrity").map((f) => f.key)];

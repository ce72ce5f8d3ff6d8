// The DuckDB peer: the same log files loaded into one table (Records unnested), and the same
// questions asked of it. Nested objects (userIdentity, requestParameters, responseElements, …)
// are read as the JSON type, so files with different shapes share one schema instead of
// union_by_name inferring a struct per variant; the catalog's columns are then extracted from it,
// and the whole record is kept as text for free-text search (ILIKE), as our store keeps JSONB.
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

/** Every top-level key a CloudTrail record has had up to eventVersion 1.11. */
const RECORD_STRUCT = `STRUCT(
  eventVersion VARCHAR, userIdentity JSON, eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR,
  awsRegion VARCHAR, sourceIPAddress VARCHAR, userAgent VARCHAR, errorCode VARCHAR, errorMessage VARCHAR,
  requestParameters JSON, responseElements JSON, additionalEventData JSON, requestID VARCHAR, eventID VARCHAR,
  readOnly JSON, resources JSON, eventType VARCHAR, apiVersion VARCHAR, managementEvent JSON,
  recipientAccountId VARCHAR, sharedEventID VARCHAR, vpcEndpointId VARCHAR, vpcEndpointAccountId VARCHAR,
  eventCategory VARCHAR, tlsDetails JSON, sessionCredentialFromConsole JSON, serviceEventDetails JSON,
  edgeDeviceDetails JSON, insightDetails JSON, addendum JSON)`.replace(/\s+/g, " ");

/** Log and Insights files only (digests and the check file are not event files). */
export function duckGlobs(corpusDir: string): string[] {
  return [`${corpusDir}/AWSLogs/**/CloudTrail/*/*/*/*/*.json.gz`, `${corpusDir}/AWSLogs/**/CloudTrail-Insight/*/*/*/*/*.json.gz`];
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

export function loadSql(corpusDir: string): string {
  const files = `[${duckGlobs(corpusDir).map(lit).join(", ")}]`;
  return `CREATE TABLE events AS
    WITH recs AS (
      SELECT unnest(Records) AS r
        FROM read_json(${files}, columns = {Records: '${RECORD_STRUCT}[]'}, format = 'auto')
    )
    SELECT
      r.eventID AS id,
      r.eventTime::TIMESTAMPTZ AS event_time,
      CASE WHEN r.userIdentity->>'type' = 'Root' THEN 'root'
           WHEN r.userIdentity->>'type' IN ('AssumedRole', 'FederatedUser')
             THEN coalesce(nullif(regexp_extract(r.userIdentity->>'arn', '/([^/]*)$', 1), ''), r.userIdentity->>'userName')
           ELSE r.userIdentity->>'userName' END AS username,
      r.eventName AS event_name,
      r.eventSource AS event_source,
      r.awsRegion AS aws_region,
      r.recipientAccountId AS recipient_account_id,
      r.sourceIPAddress AS source_ip_address,
      r.errorCode AS error_code,
      r.errorMessage AS error_message,
      TRY_CAST(r.readOnly->>'$' AS BOOLEAN) AS read_only,
      r.userIdentity->>'type' AS identity_type,
      r.userIdentity->>'arn' AS principal_arn,
      r.userIdentity->>'accessKeyId' AS access_key_id,
      r.userAgent AS user_agent,
      r.eventType AS event_type,
      r.eventCategory AS event_category,
      list_distinct(json_extract_string(r.resources, '$[*].ARN')) AS resource_names,
      list_distinct(json_extract_string(r.resources, '$[*].type')) AS resource_types,
      r.requestID AS request_id,
      r.sharedEventID AS shared_event_id,
      r.eventVersion AS event_version,
      to_json(r)::VARCHAR AS record
    FROM recs`;
}

/** The list columns, named as the API names them (SELECT_COLUMNS of lib/query/events.ts). */
export const DUCK_SELECT = [
  ["event_time", "eventTime"], ["username", "username"], ["event_name", "eventName"], ["event_source", "eventSource"],
  ["aws_region", "awsRegion"], ["recipient_account_id", "accountId"], ["source_ip_address", "sourceIPAddress"],
  ["error_code", "errorCode"], ["error_message", "errorMessage"], ["read_only", "readOnly"], ["identity_type", "identityType"],
  ["principal_arn", "principalArn"], ["access_key_id", "accessKeyId"], ["user_agent", "userAgent"], ["event_type", "eventType"],
  ["event_category", "eventCategory"], ["resource_names", "resourceName"], ["resource_types", "resourceType"], ["id", "eventID"],
  ["request_id", "requestID"], ["shared_event_id", "sharedEventID"], ["event_version", "eventVersion"],
].map(([c, k]) => `${c} AS "${k}"`).join(", ");

export interface DuckHandle {
  instance: DuckDBInstance;
  conn: DuckDBConnection;
  path: string;
  close(): void;
}

export async function openDuck(path: string): Promise<DuckHandle> {
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  return {
    instance,
    conn,
    path,
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

export async function removeDuckFile(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(path + ".wal", { force: true });
}

export interface DuckLoad {
  ms: number;
  rows: number;
}

/** Loads the corpus into a FRESH database file (removed first); timed from open to checkpoint. */
export async function loadDuck(corpusDir: string, path: string): Promise<DuckLoad> {
  await removeDuckFile(path);
  const t = performance.now();
  const h = await openDuck(path);
  try {
    await h.conn.run(loadSql(corpusDir));
    await h.conn.run("CHECKPOINT");
    const ms = performance.now() - t;
    const rows = Number((await h.conn.runAndReadAll("SELECT count(*) AS n FROM events")).getRowObjectsJson()[0].n);
    return { ms, rows };
  } finally {
    h.close();
  }
}

export const duckFileReady = (path: string) => existsSync(path);

/** Runs a query and materialises its rows as JS values (as a server would before answering). */
export async function duckRows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

export { lit as duckLiteral };

// The AWS IP ranges snapshot ingest classifies with: the newer (by AWS's syncToken) of the one
// shipped in data/aws-ip-ranges.json and the one last refreshed into the database
// (`npm run admin -- ip-ranges refresh`). Kept in the database, a refresh survives upgrades; an
// upgrade shipping a newer snapshot wins over an older refresh.
//
// Events keep the class they were stored with: AWS's ranges change over time, and an address is
// best judged by the ranges of when the event happened — which the snapshot in use at ingest is
// closer to than any later one. A refresh changes how new events are classified, not old ones.
import { readFile } from "node:fs/promises";
import type pg from "pg";
import { SHIPPED_RANGES } from "./enrich";
import { AwsIpRangesSchema, compactRanges, CompactRangesSchema, newerOf, prefixCount, type CompactRanges } from "./ip-ranges";
import { checkOut, giveBack } from "../store/checkout";

export const DEFAULT_RANGES_URL = "https://ip-ranges.amazonaws.com/ip-ranges.json";

/** Refreshed snapshots are a few hundred kB: read once per process per syncToken. */
let cached: CompactRanges | null = null;

/** The snapshot to classify with now. */
export async function activeRanges(db: Pick<pg.Pool, "query">): Promise<CompactRanges> {
  const { rows } = await db.query<{ sync_token: string }>(`SELECT sync_token FROM aws_ip_ranges ORDER BY sync_token::numeric DESC LIMIT 1`);
  const token = rows[0]?.sync_token;
  if (token === undefined || Number(token) <= Number(SHIPPED_RANGES.syncToken)) return SHIPPED_RANGES;
  if (cached?.syncToken !== token) {
    const r = await db.query<{ source: string; create_date: string; ranges: CompactRanges["ranges"] }>(
      `SELECT source, create_date, ranges FROM aws_ip_ranges WHERE sync_token = $1`,
      [token],
    );
    if (!r.rows[0]) return SHIPPED_RANGES; // replaced meanwhile: the next call reads the new one
    cached = CompactRangesSchema.parse({ source: r.rows[0].source, syncToken: token, createDate: r.rows[0].create_date, ranges: r.rows[0].ranges });
  }
  return newerOf(SHIPPED_RANGES, cached);
}

export interface RefreshResult {
  stored: boolean;
  /** The snapshot now in use. */
  active: { syncToken: string; createDate: string; source: string; prefixes: number };
  /** The snapshot read. */
  read: { syncToken: string; createDate: string; prefixes: number };
}

/** Bytes of a snapshot at most: AWS's file is ~2.6 MB today. */
const MAX_BYTES = 64 * 2 ** 20;

/** The text of ip-ranges.json from an http(s) URL or a local file. */
export async function readRangesText(from: string, signal?: AbortSignal): Promise<string> {
  if (/^https?:\/\//i.test(from)) {
    const res = await fetch(from, { signal: signal ?? AbortSignal.timeout(60_000), redirect: "follow" });
    if (!res.ok) throw new Error(`${from}: HTTP ${res.status} ${res.statusText}`);
    const length = Number(res.headers.get("content-length") ?? 0);
    if (length > MAX_BYTES) throw new Error(`${from}: ${length} bytes, more than an ip-ranges.json can be (${MAX_BYTES})`);
    const text = await res.text();
    if (text.length > MAX_BYTES) throw new Error(`${from}: more than ${MAX_BYTES} bytes, more than an ip-ranges.json can be`);
    return text;
  }
  const path = from.startsWith("file:") ? new URL(from).pathname : from;
  const text = await readFile(path, "utf8");
  if (text.length > MAX_BYTES) throw new Error(`${from}: more than ${MAX_BYTES} bytes, more than an ip-ranges.json can be`);
  return text;
}

/** AWS's document from its text, checked; the error says what is wrong and where. */
export function parseAwsRanges(text: string, from: string): CompactRanges {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${from}: not JSON (${(err as Error).message})`);
  }
  const parsed = AwsIpRangesSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${from}: not an AWS ip-ranges.json: ${issue.path.join(".") || "(top level)"}: ${issue.message}`);
  }
  try {
    return compactRanges(parsed.data, from);
  } catch (err) {
    throw new Error(`${from}: ${(err as Error).message}`);
  }
}

/**
 * Reads a snapshot and stores it when it is newer than the one in use (only the newest is kept).
 * Events already stored keep the class they were stored with (see above).
 */
export async function refreshRanges(db: pg.Pool, from = DEFAULT_RANGES_URL): Promise<RefreshResult> {
  const read = parseAwsRanges(await readRangesText(from), from);
  const before = await activeRanges(db);
  const summary = (c: CompactRanges) => ({ syncToken: c.syncToken, createDate: c.createDate, prefixes: prefixCount(c) });
  if (Number(read.syncToken) <= Number(before.syncToken)) {
    return { stored: false, read: summary(read), active: { ...summary(before), source: before.source } };
  }
  const c = await checkOut(db);
  try {
    await c.query("BEGIN");
    await c.query(`DELETE FROM aws_ip_ranges`);
    await c.query(`INSERT INTO aws_ip_ranges (sync_token, create_date, source, prefixes, ranges) VALUES ($1, $2, $3, $4, $5)`, [
      read.syncToken,
      read.createDate,
      read.source,
      prefixCount(read),
      JSON.stringify(read.ranges),
    ]);
    await c.query("COMMIT");
  } catch (err) {
    await c.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    giveBack(c);
  }
  return { stored: true, read: summary(read), active: { ...summary(read), source: read.source } };
}

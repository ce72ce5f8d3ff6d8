// Enrichment of an event at ingest: the class of its source IP (with the AWS range it falls in) and
// of its user agent, from columns the catalog already extracts, so the same function classifies a
// record being decoded and a stored row being backfilled (lib/enrich/backfill.ts).
//
// The AWS ranges in use are one module-level table per thread: the snapshot shipped in
// data/aws-ip-ranges.json until a newer one is installed — by runSync from the database (a refreshed
// snapshot, lib/enrich/ranges-store.ts), and in decode workers from the pool's start-up data.
import shipped from "../../data/aws-ip-ranges.json" with { type: "json" };
import { FIELD_BY_KEY, type CloudTrailRecord, type IngestContext } from "../fields";
import { classifyAddress, type IpEnrichment } from "./ip-class";
import { buildRangeTable, type CompactRanges, type RangeTable } from "./ip-ranges";
import { classifyUserAgent, type UserAgentClass } from "./user-agent";

export interface Enrichment extends IpEnrichment {
  userAgentClass: UserAgentClass | null;
}

export const SHIPPED_RANGES = shipped as CompactRanges;

// Built on first lookup, not when installed: building takes ~0.3 s (every prefix parsed), which a
// sync that classifies nothing (an on-demand validation only hashes files again) need not pay.
let table: RangeTable | null = null;
let pending: CompactRanges | null = null;

/** The lookup table in use (built from the shipped snapshot, or the one installed, on first use). */
export function activeRangeTable(): RangeTable {
  if (pending) (table = buildRangeTable(pending)), (pending = null);
  return (table ??= buildRangeTable(SHIPPED_RANGES));
}

/** The snapshot in use as cheaply as it can be handed to a decode worker: its table once built. */
export function installedRanges(): RangeTable | CompactRanges {
  return pending ?? table ?? SHIPPED_RANGES;
}

/**
 * Makes `ranges` the snapshot this thread classifies with (no-op when it is the one in use): a
 * snapshot is built into a table when first needed, a table (a worker's start-up data) used as is.
 */
export function installRanges(ranges: CompactRanges | RangeTable): void {
  if ((pending ?? table)?.syncToken === ranges.syncToken) return;
  if ("v4" in ranges) (table = ranges), (pending = null);
  else pending = ranges;
  ipCache.clear();
}

// Events repeat a small set of addresses and agents (a workload's NAT address, its SDK's agent):
// remembering the answers skips parsing most of them. Bounded: emptied when full.
const CACHE_MAX = 20_000;
const ipCache = new Map<string, IpEnrichment>();
const uaCache = new Map<string, UserAgentClass | null>();

function cached<V>(cache: Map<string, V>, key: string, make: () => V): V {
  let v = cache.get(key);
  if (v === undefined && !cache.has(key)) {
    if (cache.size >= CACHE_MAX) cache.clear();
    v = make();
    cache.set(key, v);
  }
  return v as V;
}

const NONE: IpEnrichment = { ipClass: null, awsRange: null };

/** Classes of one event from its sourceIPAddress, userAgent and eventCategory (as the columns hold them). */
export function enrich(sourceIPAddress: string | null, userAgent: string | null, eventCategory: string | null): Enrichment {
  const ip = sourceIPAddress === null ? NONE : cached(ipCache, sourceIPAddress, () => classifyAddress(sourceIPAddress, activeRangeTable()));
  const uaKey = eventCategory === "Data" ? "D\u0000" + (userAgent ?? "") : userAgent ?? "";
  const userAgentClass = userAgent === null ? null : cached(uaCache, uaKey, () => classifyUserAgent(userAgent, eventCategory));
  return { ipClass: ip.ipClass, awsRange: ip.awsRange, userAgentClass };
}

const textOf = (v: unknown): string | null => (typeof v === "string" ? v : null);
const SOURCE_IP = FIELD_BY_KEY.get("sourceIPAddress")!;
const USER_AGENT = FIELD_BY_KEY.get("userAgent")!;
const CATEGORY = FIELD_BY_KEY.get("eventCategory")!;

/** The ingest context with the record's enrichment, which the catalog's enrichment fields extract. */
export function withEnrichment(r: CloudTrailRecord, ctx: IngestContext): IngestContext & { enrichment: Enrichment } {
  const enrichment = enrich(textOf(SOURCE_IP.extract(r, ctx)), textOf(USER_AGENT.extract(r, ctx)), textOf(CATEGORY.extract(r, ctx)));
  return { ...ctx, enrichment };
}

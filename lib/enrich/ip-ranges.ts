// AWS's published IP ranges (https://ip-ranges.amazonaws.com/ip-ranges.json): the shape AWS
// publishes (checked with zod when a snapshot is refreshed), the compact form Trailscope ships and
// stores (only what classification needs), and a lookup table built from it once per thread.
//
// Lookup: the prefixes nest (an AMAZON /16 holds an EC2 /20 holds a /24 of another service) or are
// disjoint, never partly overlap, so they flatten into sorted, disjoint intervals in which the
// innermost prefix wins — longest-prefix match — and an address is found by binary search: about
// 14 comparisons over ~15k IPv4 intervals, no allocation (IPv4 as plain numbers; IPv6 as BigInt,
// rarer in CloudTrail).
import ipaddr from "ipaddr.js";
import { z } from "zod";

/** AWS's own document (fields beyond these, like network_border_group, are accepted and dropped). */
export const AwsIpRangesSchema = z.object({
  syncToken: z.string().regex(/^\d+$/, "syncToken must be digits (a Unix time)"),
  createDate: z.string().regex(/^\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}$/, "createDate must look like 2026-08-22-15-17-05"),
  prefixes: z.array(z.object({ ip_prefix: z.string(), region: z.string().min(1), service: z.string().min(1) })).min(1, "no IPv4 prefixes"),
  ipv6_prefixes: z.array(z.object({ ipv6_prefix: z.string(), region: z.string().min(1), service: z.string().min(1) })).default([]),
});
export type AwsIpRanges = z.infer<typeof AwsIpRangesSchema>;

/**
 * What Trailscope keeps of a snapshot: prefixes grouped by region, then by the services AWS lists
 * for that exact prefix ("EC2", "ROUTE53_HEALTHCHECKS+S3"; "AMAZON" — AWS's superset — only when
 * it is the sole one). About a tenth of AWS's file.
 */
export interface CompactRanges {
  /** Where it was read from (a URL, or the file's name). */
  source: string;
  syncToken: string;
  createDate: string;
  ranges: Record<string, Record<string, string[]>>;
}

export const CompactRangesSchema: z.ZodType<CompactRanges> = z.object({
  source: z.string(),
  syncToken: z.string().regex(/^\d+$/),
  createDate: z.string(),
  ranges: z.record(z.string(), z.record(z.string(), z.array(z.string()))),
});

/** AWS's document → the compact form; throws naming the first prefix that is not a CIDR. */
export function compactRanges(doc: AwsIpRanges, source: string): CompactRanges {
  const byPrefix = new Map<string, { region: string; services: Set<string> }>();
  const add = (prefix: string, region: string, service: string) => {
    let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
    try {
      parsed = ipaddr.parseCIDR(prefix);
    } catch {
      throw new Error(`not a CIDR prefix: ${JSON.stringify(prefix.slice(0, 60))}`);
    }
    // One spelling per prefix (AWS writes them normalised; this makes sure).
    const key = `${parsed[0].toString()}/${parsed[1]}|${region}`;
    const e = byPrefix.get(key) ?? { region, services: new Set<string>() };
    e.services.add(service);
    byPrefix.set(key, e);
  };
  for (const p of doc.prefixes) add(p.ip_prefix, p.region, p.service);
  for (const p of doc.ipv6_prefixes) add(p.ipv6_prefix, p.region, p.service);
  const ranges: CompactRanges["ranges"] = {};
  for (const [key, e] of [...byPrefix].sort(([a], [b]) => a.localeCompare(b))) {
    const specific = [...e.services].filter((s) => s !== "AMAZON").sort();
    const services = specific.length ? specific.join("+") : "AMAZON";
    ((ranges[e.region] ??= {})[services] ??= []).push(key.slice(0, key.indexOf("|")));
  }
  return { source, syncToken: doc.syncToken, createDate: doc.createDate, ranges };
}

/** Prefixes in a compact snapshot. */
export function prefixCount(c: CompactRanges): number {
  let n = 0;
  for (const services of Object.values(c.ranges)) for (const list of Object.values(services)) n += list.length;
  return n;
}

// ---- the lookup table ---------------------------------------------------------------------------

/** IPv4 as numbers (exact below 2^53), IPv6 as BigInt. */
interface Interval<T extends number | bigint = number | bigint> {
  start: T;
  end: T;
  label: number;
}

export interface RangeTable {
  syncToken: string;
  createDate: string;
  /** "EC2 us-east-1": the services of the innermost prefix holding the address, and its region. */
  labels: string[];
  v4: { starts: Float64Array; ends: Float64Array; labels: Int32Array };
  v6: { starts: bigint[]; ends: bigint[]; labels: Int32Array };
}

function v4Number(a: ipaddr.IPv4): number {
  const o = a.octets;
  return o[0] * 16777216 + o[1] * 65536 + o[2] * 256 + o[3];
}

function bigintOf(bytes: number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** Nested-or-disjoint prefixes → sorted disjoint intervals, the innermost prefix winning. */
function flatten<T extends number | bigint>(prefixes: Interval<T>[], one: T): Interval<T>[] {
  // By start, the widest first: a prefix comes after every prefix that holds it.
  prefixes.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.end > b.end ? -1 : a.end < b.end ? 1 : 0));
  const out: Interval<T>[] = [];
  const next = (x: T) => ((x as number) + (one as number)) as T; // number + number or bigint + bigint
  const prev = (x: T) => ((x as number) - (one as number)) as T;
  const emit = (start: T, end: T, label: number) => {
    if (start > end) return;
    const last = out[out.length - 1];
    if (last && last.label === label && next(last.end) === start) last.end = end;
    else out.push({ start, end, label });
  };
  const stack: Interval<T>[] = [];
  let cursor = prev(one); // first address not yet emitted (0 or 0n)
  const close = () => {
    const top = stack.pop()!;
    emit(cursor > top.start ? cursor : top.start, top.end, top.label);
    cursor = next(top.end);
  };
  for (const p of prefixes) {
    while (stack.length && stack[stack.length - 1].end < p.start) close();
    const top = stack[stack.length - 1];
    // The same prefix listed for a second region: the first one listed stays.
    if (top && top.start === p.start && top.end === p.end) continue;
    if (top) emit(cursor > top.start ? cursor : top.start, prev(p.start), top.label);
    cursor = p.start;
    stack.push(p);
  }
  while (stack.length) close();
  return out;
}

export function buildRangeTable(c: CompactRanges): RangeTable {
  const labels: string[] = [];
  const v4: Interval<number>[] = [];
  const v6: Interval<bigint>[] = [];
  for (const [region, services] of Object.entries(c.ranges)) {
    for (const [service, list] of Object.entries(services)) {
      const label = labels.push(`${service} ${region}`) - 1;
      for (const cidr of list) {
        const [addr, len] = ipaddr.parseCIDR(cidr);
        if (addr.kind() === "ipv4") {
          const size = 2 ** (32 - len);
          const start = Math.floor(v4Number(addr as ipaddr.IPv4) / size) * size; // host bits cleared
          v4.push({ start, end: start + size - 1, label });
        } else {
          const size = 1n << BigInt(128 - len);
          const start = (bigintOf(addr.toByteArray()) / size) * size;
          v6.push({ start, end: start + size - 1n, label });
        }
      }
    }
  }
  const f4 = flatten(v4, 1);
  const f6 = flatten(v6, 1n);
  return {
    syncToken: c.syncToken,
    createDate: c.createDate,
    labels,
    v4: { starts: Float64Array.from(f4, (i) => i.start), ends: Float64Array.from(f4, (i) => i.end), labels: Int32Array.from(f4, (i) => i.label) },
    v6: { starts: f6.map((i) => i.start), ends: f6.map((i) => i.end), labels: Int32Array.from(f6, (i) => i.label) },
  };
}

/** Index of the last interval starting at or before x, or -1. */
function lastAtOrBefore<T extends number | bigint>(starts: ArrayLike<T>, x: T): number {
  let lo = 0;
  let hi = starts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid] <= x) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The AWS range label ("EC2 us-east-1") of a parsed address, or null when AWS does not list it. */
export function lookupAws(table: RangeTable, addr: ipaddr.IPv4 | ipaddr.IPv6): string | null {
  if (addr.kind() === "ipv4") {
    const x = v4Number(addr as ipaddr.IPv4);
    const i = lastAtOrBefore(table.v4.starts, x);
    return i >= 0 && x <= table.v4.ends[i] ? table.labels[table.v4.labels[i]] : null;
  }
  const x = bigintOf(addr.toByteArray());
  const i = lastAtOrBefore(table.v6.starts, x);
  return i >= 0 && x <= table.v6.ends[i] ? table.labels[table.v6.labels[i]] : null;
}

/** The newer of two snapshots by AWS's syncToken (a Unix time); ties keep the first. */
export function newerOf<T extends { syncToken: string }>(a: T, b: T | null | undefined): T {
  return b && Number(b.syncToken) > Number(a.syncToken) ? b : a;
}

// The class of an event's sourceIPAddress. CloudTrail writes there an IPv4 or IPv6 address, the
// name of the AWS service that made the call on the caller's behalf ("lambda.amazonaws.com"),
// "AWS Internal" (a call AWS made internally, often from the console), or — through some proxies —
// a comma-separated list of addresses, the client's first.
import ipaddr from "ipaddr.js";
import { lookupAws, type RangeTable } from "./ip-ranges";

export const IP_CLASSES = ["aws-service", "aws-internal", "aws", "private", "public", "other"] as const;
export type IpClass = (typeof IP_CLASSES)[number];

export interface IpEnrichment {
  ipClass: IpClass | null;
  /** For `aws`: the services and region of AWS's innermost published prefix ("EC2 us-east-1"). */
  awsRange: string | null;
}

/** Service principals: lambda.amazonaws.com, ec2.amazonaws.com, s3.amazonaws.com.cn … */
const SERVICE_NAME = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(?:\.cn)?$/i;

/**
 * Not routable on the internet: RFC 1918, loopback, link-local, carrier-grade NAT (RFC 6598), IPv6
 * unique-local, and the unspecified address. A VPC endpoint's caller shows up with one of these.
 * Reserved and documentation ranges (192.0.2.0/24, 2001:db8::/32 …) count as public: they are not
 * anyone's private network, and test data uses them for public addresses.
 */
const PRIVATE_RANGES = new Set(["private", "loopback", "linkLocal", "carrierGradeNat", "uniqueLocal", "unspecified"]);

function parseAddress(s: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  // isValidFourPartDecimal: ipaddr.isValid also takes "10" or "0x7f.1" for IPv4, which CloudTrail never writes.
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) return ipaddr.IPv4.parse(s);
  if (!s.includes(":") || !ipaddr.IPv6.isValid(s)) return null;
  const v6 = ipaddr.IPv6.parse(s);
  // ::ffff:198.51.100.1 is an IPv4 client seen through a dual-stack socket.
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

export function classifyAddress(value: string | null, table: RangeTable): IpEnrichment {
  if (value === null) return { ipClass: null, awsRange: null };
  const s = value.trim();
  if (s === "") return { ipClass: null, awsRange: null };
  if (s === "AWS Internal") return { ipClass: "aws-internal", awsRange: null };
  if (SERVICE_NAME.test(s)) return { ipClass: "aws-service", awsRange: null };
  // A list: the first address is the client (as X-Forwarded-For orders them).
  const first = s.includes(",") ? s.split(",").map((x) => x.trim()).find((x) => x !== "") ?? "" : s;
  const addr = parseAddress(first.startsWith("[") && first.endsWith("]") ? first.slice(1, -1) : first);
  if (!addr) return { ipClass: "other", awsRange: null };
  if (PRIVATE_RANGES.has(addr.range())) return { ipClass: "private", awsRange: null };
  const aws = lookupAws(table, addr);
  return aws ? { ipClass: "aws", awsRange: aws } : { ipClass: "public", awsRange: null };
}

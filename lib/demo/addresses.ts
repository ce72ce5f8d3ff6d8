// Demo source addresses that classify as a real trail's would (lib/enrich): a workload in a VPC
// reaches AWS's APIs through its NAT gateway, whose Elastic IP is in AWS's published EC2 ranges of
// its region — so the demo's workloads show as ipClass=aws, ipAwsRange="EC2 <region>".
import ipaddr from "ipaddr.js";

/** One EC2 block per default demo region, from data/aws-ip-ranges.json (createDate 2026-08-22). */
const EC2_BLOCKS: Record<string, string> = {
  "us-east-1": "107.20.0.0/14",
  "eu-west-1": "34.240.0.0/13",
  "eu-central-1": "18.156.0.0/14",
  "ap-southeast-2": "13.236.0.0/14",
  "us-west-2": "100.20.0.0/14",
};

/**
 * A NAT gateway's address in `region`: the random address's host bits inside that region's EC2
 * block (no randomness of its own, so the generator's sequence is unchanged); outside the listed
 * regions, the random address itself.
 */
export function natGatewayAddress(random: string, region: string): string {
  const block = EC2_BLOCKS[region];
  if (!block) return random;
  const [net, len] = ipaddr.IPv4.parseCIDR(block);
  const host = ipaddr.IPv4.parse(random).octets.reduce((v, o) => v * 256 + o, 0) % 2 ** (32 - len);
  const n = net.octets.reduce((v, o) => v * 256 + o, 0) + Math.max(1, host);
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

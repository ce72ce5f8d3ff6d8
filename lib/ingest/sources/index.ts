// Source URIs of the contract → source plugins.
//   <path> | file:<path>                                   folder, log file, or tarball
//   s3://<bucket>[/<prefix>][?region=…&forcePathStyle=true&lookback=1d&full=true&roleArn=…]
//   lookup://<region>[?profile=…&roleArn=…&since=…&overlap=30m&insights=false]
import { parseInstant } from "../../query/params";
import type { SourcePlugin } from "../source";
import { isRoleArn } from "./credentials";
import { FolderSource } from "./folder";
import { LookupSource } from "./lookup";
import { S3Source } from "./s3";

export class SourceError extends Error {}

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

function duration(name: string, v: string): number {
  const m = DURATION.exec(v);
  if (!m) throw new SourceError(`${name}: "${v}" is not a duration like 30m, 2h or 1d`);
  return Number(m[1]) * UNIT[m[2]];
}

function bool(name: string, v: string | null, dflt: boolean): boolean {
  if (v === null) return dflt;
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new SourceError(`${name}: "${v}" is not true or false`);
}

function roleArn(params: URLSearchParams): string | undefined {
  const v = params.get("roleArn");
  if (v === null) return undefined;
  if (!isRoleArn(v)) throw new SourceError(`roleArn: "${v}" is not an IAM role ARN like arn:aws:iam::123456789012:role/TrailscopeReader`);
  return v;
}

function checkParams(params: URLSearchParams, allowed: string[], uri: string) {
  for (const k of params.keys()) {
    if (!allowed.includes(k)) throw new SourceError(`${uri}: unknown option "${k}" (known: ${allowed.join(", ")})`);
  }
}

export function parseSource(uri: string, opts: { now?: () => Date } = {}): SourcePlugin {
  if (uri.startsWith("s3://")) {
    const u = new URL(uri);
    const bucket = u.hostname;
    if (!bucket) throw new SourceError(`${uri}: no bucket`);
    checkParams(u.searchParams, ["region", "forcePathStyle", "lookback", "full", "concurrency", "roleArn"], uri);
    const prefix = decodeURIComponent(u.pathname.replace(/^\//, ""));
    return new S3Source({
      bucket,
      prefix,
      region: u.searchParams.get("region") ?? undefined,
      forcePathStyle: bool("forcePathStyle", u.searchParams.get("forcePathStyle"), false),
      lookbackDays: Math.ceil(duration("lookback", u.searchParams.get("lookback") ?? "1d") / UNIT.d),
      full: bool("full", u.searchParams.get("full"), false),
      concurrency: Number(u.searchParams.get("concurrency") ?? 8) || 8,
      roleArn: roleArn(u.searchParams),
    });
  }
  if (uri.startsWith("lookup://")) {
    const u = new URL(uri);
    const region = u.hostname;
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new SourceError(`${uri}: "${region}" is not an AWS region`);
    checkParams(u.searchParams, ["profile", "roleArn", "since", "overlap", "insights", "rate"], uri);
    const now = opts.now ?? (() => new Date());
    const since = u.searchParams.get("since");
    return new LookupSource({
      region,
      profile: u.searchParams.get("profile") ?? undefined,
      roleArn: roleArn(u.searchParams),
      since: since ? parseInstant("since", since, now()) : undefined,
      overlapMs: duration("overlap", u.searchParams.get("overlap") ?? "30m"),
      insights: bool("insights", u.searchParams.get("insights"), true),
      rate: Number(u.searchParams.get("rate") ?? 2) || 2,
      now,
    });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !uri.startsWith("file:")) {
    throw new SourceError(`${uri}: unknown source type (use a path, file:<path>, s3://… or lookup://…)`);
  }
  return new FolderSource(uri.startsWith("file:") ? uri.slice("file:".length).replace(/^\/\/(?=\/)/, "") : uri);
}

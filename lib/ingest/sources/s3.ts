// S3 source: trail log files under s3://bucket/prefix (single-account, organization and
// multi-region layouts). The bucket is walked with Delimiter="/" down to each
// `…/CloudTrail[-Digest|-Insight]/<region>/` folder, which is then listed flat. Per folder a cursor
// remembers the last key, and the next run lists from a day before it (delivery is late by minutes,
// not days), so a sync of a large bucket does not re-list years of keys; objects already recorded
// are never read again either way.
import { GetObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { fileChunks, type FileEntry } from "../files";
import { sourceCredentials } from "./credentials";
import type { Chunk, SourceContext, SourcePlugin } from "../source";

const REGION_FOLDER = /(?:^|\/)AWSLogs\/(?:o-[a-z0-9]+\/)?([^/]+)\/(CloudTrail|CloudTrail-Digest|CloudTrail-Insight)\/([^/]+)\/$/;
const DAY_PATH = /\/(\d{4})\/(\d{2})\/(\d{2})\//;

export interface S3SourceOptions {
  bucket: string;
  prefix: string;
  region?: string;
  forcePathStyle?: boolean;
  /** How far before a folder's last key the next run starts listing. */
  lookbackDays: number;
  /** Ignore cursors and list everything (objects already recorded are still not read again). */
  full: boolean;
  concurrency: number;
  /** A role to assume for reading the bucket (a bucket of another account); see credentials.ts. */
  roleArn?: string;
  clientConfig?: S3ClientConfig;
}

interface FolderCursor {
  folders: Record<string, string>;
}

export class S3Source implements SourcePlugin {
  readonly id: string;
  readonly objectSource: string;
  private readonly s3: S3Client;

  constructor(private readonly opts: S3SourceOptions) {
    this.id = `s3://${opts.bucket}${opts.prefix ? "/" + opts.prefix : ""}`;
    this.objectSource = `s3://${opts.bucket}`;
    const region = opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
    const credentials = sourceCredentials({ roleArn: opts.roleArn, region });
    this.s3 = new S3Client({
      region,
      forcePathStyle: opts.forcePathStyle,
      ...(credentials ? { credentials } : {}),
      ...opts.clientConfig,
    });
  }

  /** One level of the bucket under `prefix` with Delimiter "/": objects and sub-folders, all pages. */
  private async *listLevel(prefix: string, delimiter: string | undefined, startAfter?: string) {
    let token: string | undefined;
    do {
      const r = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.opts.bucket,
          Prefix: prefix,
          Delimiter: delimiter,
          ContinuationToken: token,
          StartAfter: token ? undefined : startAfter,
        }),
      );
      for (const o of r.Contents ?? []) {
        if (o.Key) yield { type: "object" as const, entry: { key: o.Key, size: o.Size ?? null, etag: o.ETag ?? null } };
      }
      for (const cp of r.CommonPrefixes ?? []) if (cp.Prefix) yield { type: "folder" as const, prefix: cp.Prefix };
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }

  private read = async (e: FileEntry) => {
    const r = await this.s3.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: e.key }));
    if (!r.Body) throw new Error("empty response body");
    return { bytes: await r.Body.transformToByteArray(), metadata: r.Metadata };
  };

  private files(entries: AsyncIterable<FileEntry> | Iterable<FileEntry>, ctx: SourceContext) {
    return fileChunks(
      {
        objectSource: this.objectSource,
        concurrency: this.opts.concurrency,
        list: async function* () {
          yield* entries;
        },
        read: this.read,
      },
      ctx,
    );
  }

  async *chunks(ctx: SourceContext): AsyncIterable<Chunk> {
    const cursors = await ctx.cursors();
    ctx.progress.phase = "listing and reading";
    const start = this.opts.prefix ? this.opts.prefix.replace(/\/?$/, "/") : "";
    // Depth-first walk; loose objects met on the way are collected and read at the end of each level.
    const stack: string[] = [start];
    while (stack.length) {
      const prefix = stack.pop()!;
      const folders: string[] = [];
      const loose: FileEntry[] = [];
      for await (const item of this.listLevel(prefix, "/")) {
        if (item.type === "folder") folders.push(item.prefix);
        else loose.push(item.entry);
      }
      if (loose.length) yield* this.files(loose, ctx);
      for (const f of folders.reverse()) {
        const m = REGION_FOLDER.exec(f);
        if (m) yield* this.regionFolder(f, m[1], m[3], cursors, ctx);
        else stack.push(f);
      }
    }
    ctx.progress.totalFinal = true;
  }

  private async *regionFolder(folder: string, account: string, region: string, cursors: Map<string, unknown>, ctx: SourceContext): AsyncIterable<Chunk> {
    const pos = (cursors.get(`${account}/${region}`) as FolderCursor | undefined) ?? { folders: {} };
    cursors.set(`${account}/${region}`, pos);
    const last = this.opts.full || ctx.rereadAll ? undefined : pos.folders[folder];
    const startAfter = last ? lookbackStart(folder, last, this.opts.lookbackDays) : undefined;
    let lastKey: string | undefined;
    let unreadable = false;
    const listing = this.listLevel(folder, undefined, startAfter);
    const entries = async function* () {
      for await (const item of listing) {
        if (item.type === "object") {
          lastKey = item.entry.key;
          yield item.entry;
        }
      }
    };
    for await (const chunk of this.files(entries(), ctx)) {
      if (chunk.error) unreadable = true;
      yield chunk;
    }
    // Move the cursor only past a folder read completely, so nothing unreadable is skipped later.
    if (lastKey && !unreadable && (!pos.folders[folder] || lastKey > pos.folders[folder])) {
      pos.folders[folder] = lastKey;
      yield { cursor: { source: this.id, account, region, position: { ...pos, folders: { ...pos.folders } } } };
    }
  }
}

/** StartAfter for a folder whose last key was `lastKey`: the day folder `days` before it. */
export function lookbackStart(folder: string, lastKey: string, days: number): string | undefined {
  const m = DAY_PATH.exec(lastKey.slice(folder.length - 1));
  if (!m) return undefined;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - days * 86400e3);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${folder}${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}`;
}

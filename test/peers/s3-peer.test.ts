// The fake S3 peer, driven through the real @aws-sdk/client-s3 (signing, serialisation, XML
// parsing, error mapping and retries all run for real), plus a few raw HTTP requests for what the
// SDK cannot send (unsigned, presigned, virtual-host, hand-built aws-chunked bodies).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { request as httpRequest } from "node:http";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { gzipSync, gunzipSync } from "node:zlib";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  type ListObjectsCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { startS3Peer, s3UrlEncode, type S3Peer } from "./s3-peer";

let peer: S3Peer;
let s3: S3Client;

beforeAll(async () => {
  peer = await startS3Peer();
  s3 = new S3Client({
    endpoint: peer.url,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
  });
});

afterAll(async () => {
  s3?.destroy();
  await peer?.close();
});

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

/** Error thrown by `p`, or a failure if it resolves. */
async function failure(p: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await p;
  } catch (e) {
    return e as S3ServiceException;
  }
  throw new Error("expected the request to fail");
}

/** Every page of a ListObjectsV2 listing, following continuation tokens. */
async function allPages(input: ListObjectsV2CommandInput) {
  const pages = [];
  let token: string | undefined;
  do {
    const r = await s3.send(new ListObjectsV2Command({ ...input, ContinuationToken: token, StartAfter: token ? undefined : input.StartAfter }));
    pages.push(r);
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
    if (pages.length > 10_000) throw new Error("listing does not terminate");
  } while (token);
  return pages;
}

/** Page entries in listing order: CommonPrefixes and Keys merged by byte order (as S3 walks them). */
function entries(r: { Contents?: { Key?: string }[]; CommonPrefixes?: { Prefix?: string }[] }): string[] {
  return [...(r.Contents ?? []).map((c) => c.Key!), ...(r.CommonPrefixes ?? []).map((c) => c.Prefix!)].sort(byteOrder);
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A hand-made HTTP request; "signed" adds a syntactically valid (unverified) SigV4 header. */
function raw(method: string, path: string, o: { headers?: Record<string, string>; body?: Buffer | string; signed?: boolean } = {}): Promise<RawResponse> {
  const url = new URL(peer.url);
  const headers: Record<string, string> = { ...o.headers };
  if (o.signed ?? true) {
    headers["x-amz-date"] ??= "20261121T000000Z";
    headers["x-amz-content-sha256"] ??= "UNSIGNED-PAYLOAD";
    headers["authorization"] ??=
      "AWS4-HMAC-SHA256 Credential=AKIDTEST/20261121/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123456789abcdef";
  }
  const body = o.body === undefined ? undefined : Buffer.from(o.body);
  if (body && !headers["transfer-encoding"]) headers["content-length"] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

// A CloudTrail organisation-trail layout (see cloudtrail-facts.md).
const ORG = "AWSLogs/o-abc/111122223333/";
const CT_KEYS = [
  `${ORG}CloudTrail/us-east-1/2026/11/20/111122223333_CloudTrail_us-east-1_20261120T2355Z_a1.json.gz`,
  `${ORG}CloudTrail/us-east-1/2026/11/21/111122223333_CloudTrail_us-east-1_20261121T0005Z_b2.json.gz`,
  `${ORG}CloudTrail/us-east-1/2026/11/21/111122223333_CloudTrail_us-east-1_20261121T0010Z_c3.json.gz`,
  `${ORG}CloudTrail/eu-west-1/2026/11/21/111122223333_CloudTrail_eu-west-1_20261121T0010Z_d4.json.gz`,
  `${ORG}CloudTrail-Digest/us-east-1/2026/11/21/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20261121T0100Z.json.gz`,
  `${ORG}CloudTrail-Digest/us-east-1/2026/11/21/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20261121T0200Z.json.gz`,
  `${ORG}CloudTrail-Insight/us-east-1/2026/11/21/111122223333_CloudTrail-Insight_us-east-1_20261121T0300Z_e5.json.gz`,
  // A loose object next to the folders: '.' (0x2E) sorts between '-' (0x2D) and '/' (0x2F).
  `${ORG}CloudTrail.txt`,
  "AWSLogs/111122223333/ConfigWritabilityCheckFile",
];

describe("objects: bytes, metadata, keys", () => {
  const B = "objects-bkt";
  beforeAll(() => peer.createBucket(B));

  it("round-trips gzip bytes untouched, with S3's object headers", async () => {
    const gz = gzipSync(JSON.stringify({ Records: [{ eventID: "e1", eventName: "ConsoleLogin" }] }));
    const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: "logs/file.json.gz", Body: gz }));
    const md5 = createHash("md5").update(gz).digest("hex");
    expect(put.ETag).toBe(`"${md5}"`);

    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "logs/file.json.gz" }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(bytes.equals(gz)).toBe(true);
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(JSON.parse(gunzipSync(bytes).toString()).Records[0].eventID).toBe("e1");
    // Never a Content-Encoding the uploader did not set, whatever the key looks like.
    expect(got.ContentEncoding).toBeUndefined();
    expect(got.ContentLength).toBe(gz.length);
    expect(got.ETag).toBe(`"${md5}"`);
    expect(got.LastModified).toBeInstanceOf(Date);
    expect(got.LastModified!.getTime() % 1000).toBe(0);
    expect(Math.abs(got.LastModified!.getTime() - Date.now())).toBeLessThan(5000);
    // The SDK asked for checksums (x-amz-checksum-mode) and validated the CRC32 it was sent.
    expect(got.ChecksumCRC32).toBeDefined();

    // Objects seeded from the test side behave the same.
    peer.putObject(B, "seeded.json.gz", gz, { contentType: "application/octet-stream" });
    const seeded = await s3.send(new GetObjectCommand({ Bucket: B, Key: "seeded.json.gz" }));
    expect(Buffer.from(await seeded.Body!.transformToByteArray()).equals(gz)).toBe(true);
    expect(seeded.ContentEncoding).toBeUndefined();
    expect(seeded.ContentType).toBe("application/octet-stream");
  });

  it("round-trips user metadata, content type and an explicit Content-Encoding", async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: B,
        Key: "digest.json.gz",
        Body: "{}",
        ContentType: "application/json",
        ContentEncoding: "gzip",
        Metadata: { signature: "abc123", "signature-algorithm": "SHA256withRSA", "Mixed-Case": "v" },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: "digest.json.gz" }));
    // S3 lower-cases metadata names.
    expect(head.Metadata).toEqual({ signature: "abc123", "signature-algorithm": "SHA256withRSA", "mixed-case": "v" });
    expect(head.ContentType).toBe("application/json");
    expect(head.ContentEncoding).toBe("gzip");
    expect(head.ContentLength).toBe(2);

    peer.putObject(B, "seeded-digest", "x", { metadata: { Signature: "ff00", "signature-algorithm": "SHA256withRSA" } });
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "seeded-digest" }));
    expect(got.Metadata).toEqual({ signature: "ff00", "signature-algorithm": "SHA256withRSA" });
    expect(got.ContentType).toBe("binary/octet-stream");
    expect(await got.Body!.transformToString()).toBe("x");
  });

  it("accepts the SDK's aws-chunked encoding for stream bodies", async () => {
    const data = gzipSync(Buffer.alloc(200_000, "cloudtrail "));
    const parts = [data.subarray(0, 1000), data.subarray(1000, 5000), data.subarray(5000)];
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "streamed.gz", Body: Readable.from(parts), ContentLength: data.length }));
    const put = peer.requests.filter((r) => r.operation === "PutObject" && r.key === "streamed.gz").at(-1)!;
    // Make sure this test exercised the chunked path, not a plain body.
    expect(put.headers["content-encoding"]).toBe("aws-chunked");
    expect(put.headers["x-amz-content-sha256"]).toBe("STREAMING-UNSIGNED-PAYLOAD-TRAILER");
    expect(put.status).toBe(200);
    const stored = peer.getObject(B, "streamed.gz")!;
    expect(stored.body.equals(data)).toBe(true);
    expect(stored.headers["content-encoding"]).toBeUndefined();
    expect(stored.checksums.crc32).toBeDefined(); // from the trailer, verified

    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "streamed.gz" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
    expect(got.ContentEncoding).toBeUndefined();
  });

  it("decodes signed aws-chunked bodies and rejects a wrong trailer checksum", async () => {
    const signed = "5;chunk-signature=aa\r\nhello\r\n6;chunk-signature=bb\r\n world\r\n0;chunk-signature=cc\r\n\r\n";
    const ok = await raw("PUT", `/${B}/signed-chunks`, {
      body: signed,
      headers: {
        "content-encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "x-amz-decoded-content-length": "11",
      },
    });
    expect(ok.status).toBe(200);
    expect(peer.getObject(B, "signed-chunks")!.body.toString()).toBe("hello world");

    const bad = await raw("PUT", `/${B}/bad-trailer`, {
      body: "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n",
      headers: {
        "content-encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-trailer": "x-amz-checksum-crc32",
        "x-amz-decoded-content-length": "5",
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.toString()).toContain("<Code>BadDigest</Code>");
    expect(peer.getObject(B, "bad-trailer")).toBeUndefined();

    const noLength = await raw("PUT", `/${B}/no-length`, {
      body: "5\r\nhello\r\n0\r\n\r\n",
      headers: { "content-encoding": "aws-chunked", "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER" },
    });
    expect(noLength.status).toBe(411);
    expect(noLength.body.toString()).toContain("<Code>MissingContentLength</Code>");
  });

  it("verifies Content-MD5 and the signed payload hash like S3", async () => {
    const e = await failure(s3.send(new PutObjectCommand({ Bucket: B, Key: "md5", Body: "abc", ContentMD5: createHash("md5").update("xyz").digest("base64") })));
    expect(e.name).toBe("BadDigest");
    expect(e.$metadata.httpStatusCode).toBe(400);
    const mismatch = await raw("PUT", `/${B}/sha`, { body: "abc", headers: { "x-amz-content-sha256": createHash("sha256").update("xyz").digest("hex") } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.toString()).toContain("<Code>XAmzContentSHA256Mismatch</Code>");
    expect(peer.getObject(B, "md5")).toBeUndefined();
    expect(peer.getObject(B, "sha")).toBeUndefined();
  });

  it("keeps keys with spaces, +, %, dot segments, control and astral characters intact", async () => {
    const keys = [
      "a b",
      "a+b",
      "100%",
      "%20literal",
      "ü/ö/é",
      "😀/x",
      "dir/./x",
      "dir/../y",
      "q?x=1&y#z",
      "/leading",
      "double//slash",
      "trailing/",
      "tab\tkey",
      "new\nline",
      "cr\rkey",
      `xml<&>"'`,
      "~tilde*star",
    ];
    const P = "weird/";
    for (const k of keys) await s3.send(new PutObjectCommand({ Bucket: B, Key: P + k, Body: `body of ${k}` }));
    for (const k of keys) {
      const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: P + k }));
      expect(await got.Body!.transformToString()).toBe(`body of ${k}`);
    }
    expect(peer.listKeys(B).filter((k) => k.startsWith(P))).toEqual(keys.map((k) => P + k).sort(byteOrder));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: P }));
    expect(listed.Contents!.map((c) => c.Key)).toEqual(keys.map((k) => P + k).sort(byteOrder));
    // The request log shows the decoded path.
    expect(peer.requests.some((r) => r.operation === "GetObject" && r.path === `/${B}/${P}dir/../y`)).toBe(true);
  });

  it("serves byte ranges with 206 and rejects unsatisfiable ones with InvalidRange", async () => {
    peer.putObject(B, "range.bin", "0123456789");
    const mid = await s3.send(new GetObjectCommand({ Bucket: B, Key: "range.bin", Range: "bytes=2-5" }));
    expect(mid.$metadata.httpStatusCode).toBe(206);
    expect(mid.ContentRange).toBe("bytes 2-5/10");
    expect(mid.ContentLength).toBe(4);
    expect(await mid.Body!.transformToString()).toBe("2345");
    const tail = await s3.send(new GetObjectCommand({ Bucket: B, Key: "range.bin", Range: "bytes=-3" }));
    expect(await tail.Body!.transformToString()).toBe("789");
    const open = await s3.send(new GetObjectCommand({ Bucket: B, Key: "range.bin", Range: "bytes=7-100" }));
    expect(open.ContentRange).toBe("bytes 7-9/10");
    expect(await open.Body!.transformToString()).toBe("789");
    const e = await failure(s3.send(new GetObjectCommand({ Bucket: B, Key: "range.bin", Range: "bytes=10-" })));
    expect(e.name).toBe("InvalidRange");
    expect(e.$metadata.httpStatusCode).toBe(416);
  });

  it("honours conditional GETs", async () => {
    const { etag } = peer.putObject(B, "cond", "v1");
    const notModified = await failure(s3.send(new GetObjectCommand({ Bucket: B, Key: "cond", IfNoneMatch: etag })));
    expect(notModified.$metadata.httpStatusCode).toBe(304);
    const failed = await failure(s3.send(new GetObjectCommand({ Bucket: B, Key: "cond", IfMatch: '"0000"' })));
    expect(failed.$metadata.httpStatusCode).toBe(412);
    expect(failed.name).toBe("PreconditionFailed");
    const ok = await s3.send(new GetObjectCommand({ Bucket: B, Key: "cond", IfMatch: etag }));
    expect(await ok.Body!.transformToString()).toBe("v1");
  });

  it("maps missing keys and buckets to the SDK's NoSuchKey / NotFound / NoSuchBucket", async () => {
    const e = await failure(s3.send(new GetObjectCommand({ Bucket: B, Key: "missing.json.gz" })));
    expect(e).toBeInstanceOf(NoSuchKey);
    expect(e.name).toBe("NoSuchKey");
    expect(e.$metadata.httpStatusCode).toBe(404);
    expect(e.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);

    const h = await failure(s3.send(new HeadObjectCommand({ Bucket: B, Key: "missing" })));
    expect(h).toBeInstanceOf(NotFound);
    expect(h.$metadata.httpStatusCode).toBe(404);

    const nb = await failure(s3.send(new GetObjectCommand({ Bucket: "no-such-bucket", Key: "k" })));
    expect(nb).toBeInstanceOf(NoSuchBucket);
    const nl = await failure(s3.send(new ListObjectsV2Command({ Bucket: "no-such-bucket" })));
    expect(nl).toBeInstanceOf(NoSuchBucket);
  });

  it("writes errors in S3's XML format", async () => {
    const r = await raw("GET", `/${B}/missing%20key`);
    expect(r.status).toBe(404);
    expect(r.headers["content-type"]).toBe("application/xml");
    const xml = r.body.toString();
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>NoSuchKey<\/Code><Message>The specified key does not exist\.<\/Message>/);
    expect(xml).toContain("<Key>missing key</Key>");
    expect(xml).toContain(`<RequestId>${r.headers["x-amz-request-id"]}</RequestId>`);
  });

  it("deletes objects (204 even when absent)", async () => {
    peer.putObject(B, "to-delete", "x");
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "to-delete" }));
    expect(peer.getObject(B, "to-delete")).toBeUndefined();
    const again = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "to-delete" }));
    expect(again.$metadata.httpStatusCode).toBe(204);
    expect(peer.deleteObject(B, "to-delete")).toBe(false);
  });
});

describe("buckets", () => {
  it("creates, lists, heads and deletes buckets", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "made-by-sdk" }));
    const list = await s3.send(new ListBucketsCommand({}));
    expect(list.Buckets!.map((b) => b.Name)).toContain("made-by-sdk");
    expect(list.Buckets!.find((b) => b.Name === "made-by-sdk")!.CreationDate).toBeInstanceOf(Date);
    const head = await s3.send(new HeadBucketCommand({ Bucket: "made-by-sdk" }));
    expect(head.$metadata.httpStatusCode).toBe(200);

    await s3.send(new PutObjectCommand({ Bucket: "made-by-sdk", Key: "k", Body: "x" }));
    const notEmpty = await failure(s3.send(new DeleteBucketCommand({ Bucket: "made-by-sdk" })));
    expect(notEmpty.name).toBe("BucketNotEmpty");
    expect(notEmpty.$metadata.httpStatusCode).toBe(409);
    await s3.send(new DeleteObjectCommand({ Bucket: "made-by-sdk", Key: "k" }));
    await s3.send(new DeleteBucketCommand({ Bucket: "made-by-sdk" }));
    const gone = await failure(s3.send(new HeadBucketCommand({ Bucket: "made-by-sdk" })));
    expect(gone.$metadata.httpStatusCode).toBe(404);

    const invalid = await raw("PUT", "/Bad_Bucket");
    expect(invalid.status).toBe(400);
    expect(invalid.body.toString()).toContain("<Code>InvalidBucketName</Code>");
  });

  it("answers operations it does not implement with 501 NotImplemented", async () => {
    peer.createBucket("unsupported-bkt");
    const r = await raw("GET", "/unsupported-bkt?versioning");
    expect(r.status).toBe(501);
    expect(r.body.toString()).toContain("<Code>NotImplemented</Code>");
  });
});

describe("authentication", () => {
  const B = "auth-bkt";
  beforeAll(() => {
    peer.createBucket(B);
    peer.putObject(B, "k", "secret bytes");
  });

  it("rejects unsigned requests with 403 AccessDenied", async () => {
    const r = await raw("GET", `/${B}/k`, { signed: false });
    expect(r.status).toBe(403);
    expect(r.body.toString()).toContain("<Code>AccessDenied</Code>");
    const list = await raw("GET", `/${B}?list-type=2`, { signed: false });
    expect(list.status).toBe(403);
  });

  it("accepts presigned URLs until they expire", async () => {
    const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    const q = (date: Date, expires: number) =>
      `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDTEST%2F20261121%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=${stamp(date)}&X-Amz-Expires=${expires}&X-Amz-SignedHeaders=host&X-Amz-Signature=abcdef`;
    const ok = await raw("GET", `/${B}/k?${q(new Date(), 300)}`, { signed: false });
    expect(ok.status).toBe(200);
    expect(ok.body.toString()).toBe("secret bytes");
    const expired = await raw("GET", `/${B}/k?${q(new Date(Date.now() - 3600_000), 60)}`, { signed: false });
    expect(expired.status).toBe(403);
    expect(expired.body.toString()).toContain("<Message>Request has expired</Message>");
  });
});

describe("virtual-host style addressing", () => {
  it("takes the bucket from a <bucket>.localhost Host header", async () => {
    peer.createBucket("vhost-bkt");
    peer.putObject("vhost-bkt", "dir/file name.txt", "via vhost");
    const port = new URL(peer.url).port;
    const got = await raw("GET", "/dir/file%20name.txt", { headers: { host: `vhost-bkt.localhost:${port}` } });
    expect(got.status).toBe(200);
    expect(got.body.toString()).toBe("via vhost");
    const list = await raw("GET", "/?list-type=2&prefix=dir%2F", { headers: { host: `vhost-bkt.localhost:${port}` } });
    expect(list.body.toString()).toContain("<Key>dir/file name.txt</Key>");
    expect(peer.requests.at(-1)!.path).toBe("/vhost-bkt");
  });
});

describe("ListObjectsV2", () => {
  const B = "trail-bkt";
  beforeAll(() => {
    peer.createBucket(B);
    for (const k of CT_KEYS) peer.putObject(B, k, gzipSync(`{"Records":[]}`));
  });

  it("pages through 2,500 keys with MaxKeys 1000: every key once, in UTF-8 byte order", async () => {
    const P = "paging-bkt";
    peer.createBucket(P);
    const folders = ["a", "Z", "é", "Ａ", "😀", "\u{E000}", "a b", "a+b"];
    const keys: string[] = [];
    for (let i = 0; i < 2500; i++) keys.push(`k/${folders[i % folders.length]}/${String(i).padStart(5, "0")}`);
    for (const k of [...keys].reverse()) peer.putObject(P, k, k);
    const expected = [...keys].sort(byteOrder);

    const listsBefore = peer.stats.listCalls;
    const pages = await allPages({ Bucket: P, MaxKeys: 1000 });
    expect(pages.map((p) => p.KeyCount)).toEqual([1000, 1000, 500]);
    expect(pages.map((p) => p.Contents!.length)).toEqual([1000, 1000, 500]);
    expect(pages.map((p) => p.IsTruncated)).toEqual([true, true, false]);
    expect(pages.map((p) => p.MaxKeys)).toEqual([1000, 1000, 1000]);
    expect(pages[2].NextContinuationToken).toBeUndefined();
    expect(pages[1].ContinuationToken).toBe(pages[0].NextContinuationToken);
    const listed = pages.flatMap((p) => p.Contents!.map((c) => c.Key!));
    expect(new Set(listed).size).toBe(2500);
    expect(listed).toEqual(expected);
    expect(peer.stats.listCalls - listsBefore).toBe(3);

    const c = pages[0].Contents![0];
    expect(c.ETag).toBe(`"${createHash("md5").update(c.Key!).digest("hex")}"`);
    expect(c.Size).toBe(Buffer.byteLength(c.Key!));
    expect(c.StorageClass).toBe("STANDARD");
    expect(c.LastModified).toBeInstanceOf(Date);

    // Asking for more than 1000 still pages by 1000.
    const big = await s3.send(new ListObjectsV2Command({ Bucket: P, MaxKeys: 5000 }));
    expect(big.Contents!.length).toBe(1000);
    expect(big.IsTruncated).toBe(true);
  });

  it("sorts by UTF-8 bytes, not by JS (UTF-16) string order", async () => {
    const N = "order-bkt";
    peer.createBucket(N);
    // U+FF21 (EF BC A1) and U+E000 (EE 80 80) sort BEFORE U+1F600 (F0 9F 98 80) in UTF-8, but
    // after it in UTF-16, where the emoji is the surrogate pair D83D DE00.
    const keys = ["z", "Z", "é", "\uFF21", "\u{1F600}", "\uE000", "a", "~", "\u00FF", "\u0100"];
    for (const k of keys) await s3.send(new PutObjectCommand({ Bucket: N, Key: k, Body: k }));
    const utf8 = [...keys].sort(byteOrder);
    expect(utf8).toEqual(["Z", "a", "z", "~", "é", "\u00FF", "\u0100", "\uE000", "\uFF21", "\u{1F600}"]);
    expect([...keys].sort()).not.toEqual(utf8); // the trap this test is about

    const all = await s3.send(new ListObjectsV2Command({ Bucket: N }));
    expect(all.Contents!.map((c) => c.Key)).toEqual(utf8);
    const oneByOne = await allPages({ Bucket: N, MaxKeys: 1 });
    expect(oneByOne.flatMap((p) => p.Contents!.map((c) => c.Key))).toEqual(utf8);
    // StartAfter compares bytes too.
    const after = await s3.send(new ListObjectsV2Command({ Bucket: N, StartAfter: "\uFF21" }));
    expect(after.Contents!.map((c) => c.Key)).toEqual(["\u{1F600}"]);
    expect(peer.listKeys(N)).toEqual(utf8);
  });

  it("rolls keys up into CommonPrefixes at depth, in byte order", async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: ORG, Delimiter: "/" }));
    expect(r.CommonPrefixes!.map((p) => p.Prefix)).toEqual([`${ORG}CloudTrail-Digest/`, `${ORG}CloudTrail-Insight/`, `${ORG}CloudTrail/`]);
    expect(r.Contents!.map((c) => c.Key)).toEqual([`${ORG}CloudTrail.txt`]);
    expect(r.KeyCount).toBe(4);
    expect(r.Prefix).toBe(ORG);
    expect(r.Delimiter).toBe("/");
    expect(r.IsTruncated).toBe(false);

    const top = await s3.send(new ListObjectsV2Command({ Bucket: B, Delimiter: "/" }));
    expect(top.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["AWSLogs/"]);
    expect(top.Contents).toBeUndefined();
    expect(top.Prefix).toBe("");

    const accounts = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: "AWSLogs/", Delimiter: "/" }));
    expect(accounts.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["AWSLogs/111122223333/", "AWSLogs/o-abc/"]);
    const plain = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: "AWSLogs/111122223333/", Delimiter: "/" }));
    expect(plain.Contents!.map((c) => c.Key)).toEqual(["AWSLogs/111122223333/ConfigWritabilityCheckFile"]);
    expect(plain.CommonPrefixes).toBeUndefined();

    const days = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: `${ORG}CloudTrail/us-east-1/2026/11/`, Delimiter: "/" }));
    expect(days.CommonPrefixes!.map((p) => p.Prefix)).toEqual([`${ORG}CloudTrail/us-east-1/2026/11/20/`, `${ORG}CloudTrail/us-east-1/2026/11/21/`]);

    // A prefix that ends mid-name: the remainder after it decides.
    const partial = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: `${ORG}CloudTrail-`, Delimiter: "/" }));
    expect(partial.CommonPrefixes!.map((p) => p.Prefix)).toEqual([`${ORG}CloudTrail-Digest/`, `${ORG}CloudTrail-Insight/`]);
  });

  it("accepts any delimiter string, not just '/'", async () => {
    const dash = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: `${ORG}CloudTrail`, Delimiter: "-" }));
    expect(dash.CommonPrefixes!.map((p) => p.Prefix)).toEqual([`${ORG}CloudTrail-`, `${ORG}CloudTrail/eu-`, `${ORG}CloudTrail/us-`]);
    expect(dash.Contents!.map((c) => c.Key)).toEqual([`${ORG}CloudTrail.txt`]);

    const year = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: `${ORG}CloudTrail/`, Delimiter: "/2026/" }));
    expect(year.CommonPrefixes!.map((p) => p.Prefix)).toEqual([`${ORG}CloudTrail/eu-west-1/2026/`, `${ORG}CloudTrail/us-east-1/2026/`]);

    const underscore = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: `${ORG}CloudTrail/us-east-1/2026/11/21/`, Delimiter: "_CloudTrail_" }));
    expect(underscore.CommonPrefixes!.map((p) => p.Prefix)).toEqual([`${ORG}CloudTrail/us-east-1/2026/11/21/111122223333_CloudTrail_`]);
    expect(underscore.KeyCount).toBe(1);
  });

  it("pages with a delimiter and MaxKeys 1: prefixes and keys count alike, each prefix once", async () => {
    const full = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: ORG, Delimiter: "/" }));
    const expected = entries(full);
    expect(expected).toEqual([`${ORG}CloudTrail-Digest/`, `${ORG}CloudTrail-Insight/`, `${ORG}CloudTrail.txt`, `${ORG}CloudTrail/`]);

    const pages = await allPages({ Bucket: B, Prefix: ORG, Delimiter: "/", MaxKeys: 1 });
    expect(pages.map((p) => p.KeyCount)).toEqual([1, 1, 1, 1]);
    expect(pages.map((p) => p.IsTruncated)).toEqual([true, true, true, false]);
    expect(pages.flatMap(entries)).toEqual(expected);

    const twos = await allPages({ Bucket: B, Prefix: ORG, Delimiter: "/", MaxKeys: 2 });
    expect(twos.map(entries)).toEqual([expected.slice(0, 2), expected.slice(2, 4)]);
    expect(twos.map((p) => p.IsTruncated)).toEqual([true, false]);

    // The whole bucket one entry at a time without a delimiter visits every key once.
    const flat = await allPages({ Bucket: B, MaxKeys: 1 });
    expect(flat.flatMap((p) => p.Contents!.map((c) => c.Key))).toEqual([...CT_KEYS].sort(byteOrder));
  });

  it("lists after StartAfter, which may name no key and only applies to the first page", async () => {
    const folder = `${ORG}CloudTrail/us-east-1/`;
    // What the sync's lookbackStart produces: a day folder without a trailing slash.
    const r = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: folder, StartAfter: `${folder}2026/11/21` }));
    expect(r.Contents!.map((c) => c.Key)).toEqual(CT_KEYS.slice(1, 3));
    expect(r.StartAfter).toBe(`${folder}2026/11/21`);

    const exact = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: folder, StartAfter: CT_KEYS[1] }));
    expect(exact.Contents!.map((c) => c.Key)).toEqual([CT_KEYS[2]]);

    // StartAfter before the prefix changes nothing; after everything, nothing is left.
    const before = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: folder, StartAfter: "A" }));
    expect(before.KeyCount).toBe(3);
    const beyond = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: folder, StartAfter: `${folder}~` }));
    expect(beyond.KeyCount).toBe(0);
    expect(beyond.Contents).toBeUndefined();
    expect(beyond.IsTruncated).toBe(false);

    // With a delimiter, a StartAfter inside a folder still returns that folder's prefix if keys
    // of it remain (here the second digest); past its last key, the folder is gone.
    const rolled = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: ORG, Delimiter: "/", StartAfter: CT_KEYS[4] }));
    expect(entries(rolled)).toEqual([`${ORG}CloudTrail-Digest/`, `${ORG}CloudTrail-Insight/`, `${ORG}CloudTrail.txt`, `${ORG}CloudTrail/`]);
    const skipped = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: ORG, Delimiter: "/", StartAfter: CT_KEYS[5] }));
    expect(entries(skipped)).toEqual([`${ORG}CloudTrail-Insight/`, `${ORG}CloudTrail.txt`, `${ORG}CloudTrail/`]);

    // StartAfter + continuation: the token carries the position from page 2 on.
    const pages = await allPages({ Bucket: B, Prefix: ORG, StartAfter: `${ORG}CloudTrail/eu`, MaxKeys: 2 });
    expect(pages.flatMap((p) => p.Contents!.map((c) => c.Key))).toEqual(
      CT_KEYS.filter((k) => k.startsWith(ORG) && byteOrder(k, `${ORG}CloudTrail/eu`) > 0).sort(byteOrder),
    );
    expect(pages.length).toBe(2);
  });

  it("URL-encodes names with EncodingType=url, as S3 does", async () => {
    const E = "encoding-bkt";
    peer.createBucket(E);
    for (const k of ["dir one/a+b.txt", "dir one/ü~*.txt", "dir one/sub/x"]) peer.putObject(E, k, "x");
    const r = await s3.send(new ListObjectsV2Command({ Bucket: E, Prefix: "dir one/", Delimiter: "/", EncodingType: "url", StartAfter: "dir one/" }));
    expect(r.EncodingType).toBe("url");
    // The SDK hands the encoded values through as they are; callers decode (plus = space).
    expect(r.Prefix).toBe("dir+one/");
    expect(r.StartAfter).toBe("dir+one/");
    expect(r.Contents!.map((c) => c.Key)).toEqual(["dir+one/a%2Bb.txt", "dir+one/%C3%BC%7E*.txt"]);
    expect(r.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["dir+one/sub/"]);
    expect(r.Contents!.map((c) => decodeURIComponent(c.Key!.replace(/\+/g, " ")))).toEqual(["dir one/a+b.txt", "dir one/ü~*.txt"]);
    expect(s3UrlEncode("a b/c&d")).toBe("a+b/c%26d");
    const plain = await s3.send(new ListObjectsV2Command({ Bucket: E, Prefix: "dir one/", Delimiter: "/" }));
    expect(plain.Contents!.map((c) => c.Key)).toEqual(["dir one/a+b.txt", "dir one/ü~*.txt"]);
    expect(plain.EncodingType).toBeUndefined();
  });

  it("rejects bad continuation tokens and max-keys with 400 InvalidArgument", async () => {
    const e = await failure(s3.send(new ListObjectsV2Command({ Bucket: B, ContinuationToken: "not-a-token" })));
    expect(e.name).toBe("InvalidArgument");
    expect(e.$metadata.httpStatusCode).toBe(400);
    const m = await raw("GET", `/${B}?list-type=2&max-keys=-1`);
    expect(m.status).toBe(400);
    expect(m.body.toString()).toContain("<Code>InvalidArgument</Code>");
    // max-keys=0 answers an empty, untruncated page.
    const zero = await s3.send(new ListObjectsV2Command({ Bucket: B, MaxKeys: 0 }));
    expect(zero.KeyCount).toBe(0);
    expect(zero.IsTruncated).toBe(false);
  });

  it("writes ListBucketResult with S3's elements", async () => {
    const r = await raw("GET", `/${B}?list-type=2&prefix=${encodeURIComponent(ORG)}&delimiter=%2F&max-keys=2&start-after=A`);
    expect(r.status).toBe(200);
    const xml = r.body.toString();
    expect(xml).toContain('<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">');
    for (const part of [
      `<Name>${B}</Name>`,
      `<Prefix>${ORG}</Prefix>`,
      "<KeyCount>2</KeyCount>",
      "<MaxKeys>2</MaxKeys>",
      "<Delimiter>/</Delimiter>",
      "<IsTruncated>true</IsTruncated>",
      "<StartAfter>A</StartAfter>",
      `<CommonPrefixes><Prefix>${ORG}CloudTrail-Digest/</Prefix></CommonPrefixes>`,
      "<NextContinuationToken>",
    ]) {
      expect(xml).toContain(part);
    }
    const key = await raw("GET", `/${B}?list-type=2&prefix=AWSLogs%2F111122223333%2F`);
    expect(key.body.toString()).toMatch(
      /<Contents><Key>AWSLogs\/111122223333\/ConfigWritabilityCheckFile<\/Key><LastModified>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z<\/LastModified><ETag>&quot;[0-9a-f]{32}&quot;<\/ETag><Size>\d+<\/Size><StorageClass>STANDARD<\/StorageClass><\/Contents>/,
    );
  });
});

describe("ListObjects (v1)", () => {
  it("pages with Marker / NextMarker, folders included", async () => {
    const B = "v1-bkt";
    peer.createBucket(B);
    for (const k of CT_KEYS) peer.putObject(B, k, "x");
    const seen: string[] = [];
    let marker: string | undefined;
    for (let i = 0; i < 10; i++) {
      const r = await s3.send(new ListObjectsCommand({ Bucket: B, Prefix: ORG, Delimiter: "/", MaxKeys: 1, Marker: marker }));
      seen.push(...entries(r));
      if (!r.IsTruncated) break;
      marker = r.NextMarker;
      expect(marker).toBeDefined();
    }
    expect(seen).toEqual([`${ORG}CloudTrail-Digest/`, `${ORG}CloudTrail-Insight/`, `${ORG}CloudTrail.txt`, `${ORG}CloudTrail/`]);
    const flat = await s3.send(new ListObjectsCommand({ Bucket: B, MaxKeys: 3 }));
    expect(flat.Contents!.map((c) => c.Key)).toEqual([...CT_KEYS].sort(byteOrder).slice(0, 3));
    expect(flat.NextMarker).toBeUndefined(); // only with a delimiter, as in S3
    expect(flat.Contents![0].Owner?.ID).toBeDefined();
  });
});

// What `aws cloudtrail validate-logs` (botocore) sends: GetBucketLocation, then ListObjects v1
// with a Prefix and a Marker that is a computed digest key (which need not exist), paged by the
// last Key (no delimiter, so no NextMarker), EncodingType=url; then GetObject reading the digest's
// signature metadata.
describe("the calls validate-logs makes", () => {
  const B = "validate-logs-bkt";
  const DIGESTS = "AWSLogs/111122223333/CloudTrail-Digest/us-east-2";
  const digestKey = (stamp: string) =>
    `${DIGESTS}/2026/11/${stamp.slice(6, 8)}/111122223333_CloudTrail-Digest_us-east-2_trail_us-east-2_${stamp}.json.gz`;
  const STAMPS = ["20261115T233220Z", "20261116T003220Z", "20261116T013220Z", "20261116T023220Z", "20261116T033220Z", "20261117T003220Z"];
  beforeAll(() => {
    peer.createBucket(B);
    for (const st of STAMPS) peer.putObject(B, digestKey(st), gzipSync("{}"), { metadata: { signature: "0a1b", "signature-algorithm": "SHA256withRSA" } });
    // Siblings the prefix must keep out: another region's digests, log files.
    peer.putObject(B, "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/16/x.json.gz", "x");
    peer.putObject(B, "AWSLogs/111122223333/CloudTrail/us-east-2/2026/11/16/y.json.gz", "y");
  });

  it("GetBucketLocation: an empty LocationConstraint (us-east-1)", async () => {
    const r = await s3.send(new GetBucketLocationCommand({ Bucket: B }));
    expect(r.LocationConstraint ?? "").toBe("");
    const wire = await raw("GET", `/${B}?location`);
    expect(wire.status).toBe(200);
    expect(wire.body.toString()).toContain('<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>');
    const missing = await failure(s3.send(new GetBucketLocationCommand({ Bucket: "no-such-bkt" })));
    expect(missing.name).toBe("NoSuchBucket");
  });

  it("ListObjects v1: Prefix + a Marker naming no key, paged by the last Key", async () => {
    const marker = digestKey("20261115T235900Z"); // start time − 1 minute: no such object
    const seen: string[] = [];
    let m: string | undefined = marker;
    for (let i = 0; i < 10; i++) {
      const r: ListObjectsCommandOutput = await s3.send(new ListObjectsCommand({ Bucket: B, Prefix: DIGESTS, Marker: m, MaxKeys: 2, EncodingType: "url" }));
      expect(r.NextMarker).toBeUndefined();
      const keys: string[] = (r.Contents ?? []).map((c) => decodeURIComponent(c.Key!.replace(/\+/g, " ")));
      seen.push(...keys);
      if (!r.IsTruncated) break;
      m = keys[keys.length - 1];
    }
    expect(seen).toEqual(STAMPS.slice(1).map(digestKey));
    // Marker at or past every key: an empty, untruncated page.
    const after = await s3.send(new ListObjectsCommand({ Bucket: B, Prefix: DIGESTS, Marker: digestKey("20261118T000000Z") }));
    expect(after.Contents ?? []).toEqual([]);
    expect(after.IsTruncated).toBe(false);
  });

  it("GetObject returns the digest's signature metadata", async () => {
    const r = await s3.send(new GetObjectCommand({ Bucket: B, Key: digestKey(STAMPS[2]) }));
    expect(r.Metadata).toEqual({ signature: "0a1b", "signature-algorithm": "SHA256withRSA" });
    expect(gunzipSync(Buffer.from(await r.Body!.transformToByteArray())).toString()).toBe("{}");
    const wire = await raw("GET", `/${B}/${digestKey(STAMPS[2])}`);
    expect(wire.headers["x-amz-meta-signature"]).toBe("0a1b");
    expect(wire.headers["x-amz-meta-signature-algorithm"]).toBe("SHA256withRSA");
  });
});

describe("fault injection", () => {
  const B = "fault-bkt";
  beforeAll(() => {
    peer.createBucket(B);
    peer.putObject(B, "a.json.gz", gzipSync("{}"));
  });

  it("a SlowDown twice is retried by the SDK transparently", async () => {
    peer.resetStats();
    peer.failNext(2);
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "a.json.gz" }));
    expect(gunzipSync(Buffer.from(await got.Body!.transformToByteArray())).toString()).toBe("{}");
    expect(got.$metadata.attempts).toBe(3);
    expect(peer.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(peer.requests.map((r) => r.injected ?? false)).toEqual([true, true, false]);
    expect(peer.stats.getCalls).toBe(3);
    expect(peer.stats.faultsInjected).toBe(2);
  });

  it("ten SlowDowns exhaust the SDK's retries and surface the error", async () => {
    peer.resetStats();
    peer.failNext(10);
    const e = await failure(s3.send(new ListObjectsV2Command({ Bucket: B })));
    expect(e.name).toBe("SlowDown");
    expect(e.$metadata.httpStatusCode).toBe(503);
    expect(e.$metadata.attempts).toBe(3);
    expect(peer.stats.listCalls).toBe(3);
    expect(peer.stats.faultsInjected).toBe(3);
    peer.clearFaults();
    const ok = await s3.send(new ListObjectsV2Command({ Bucket: B }));
    expect(ok.KeyCount).toBe(1);
  });

  it("can target one request kind with a predicate and another status/code", async () => {
    peer.resetStats();
    peer.putObject(B, "b.json.gz", "bytes");
    peer.failNext(5, 500, "InternalError", (r) => r.operation === "GetObject" && r.key === "b.json.gz");
    // Listing and other keys are untouched.
    const list = await s3.send(new ListObjectsV2Command({ Bucket: B }));
    expect(list.KeyCount).toBe(2);
    const other = await s3.send(new GetObjectCommand({ Bucket: B, Key: "a.json.gz" }));
    expect(other.$metadata.attempts).toBe(1);
    const e = await failure(s3.send(new GetObjectCommand({ Bucket: B, Key: "b.json.gz" })));
    expect(e.name).toBe("InternalError");
    expect(e.$metadata.httpStatusCode).toBe(500);
    expect(peer.requests.filter((r) => r.injected).map((r) => r.key)).toEqual(["b.json.gz", "b.json.gz", "b.json.gz"]);
    // Two failures are left over for the next matching request; the SDK retries through them.
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "b.json.gz" }));
    expect(await got.Body!.transformToString()).toBe("bytes");
    expect(got.$metadata.attempts).toBe(3);
  });
});

// The body of POST /api/uploads → the uploaded files, in memory, within a size bound. Two forms:
//   multipart/form-data with one or more "file" fields (an HTML form, `curl -F file=@logs.zip`);
//   the file itself as the body, named by an X-Filename header (`curl --data-binary @logs.zip
//   -H 'X-Filename: logs.zip'`; the name may be percent-encoded).
// A body over the bound is refused with 413 before (Content-Length) or while it is read.
import type { UploadedFile } from "../ingest/sources/upload";

/** Default TRAILSCOPE_MAX_UPLOAD_BYTES: log files and archives a person drags in; folders and buckets are synced as sources. */
export const DEFAULT_MAX_UPLOAD_BYTES = 32 * 2 ** 20;

export class UploadError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * TRAILSCOPE_MAX_UPLOAD_BYTES (a whole number of bytes), else the default. next.config.js reads the
 * same variable: Next's proxy buffers request bodies up to its own limit and cuts longer ones.
 */
export function maxUploadBytes(env: Record<string, string | undefined> = process.env): number {
  const raw = env.TRAILSCOPE_MAX_UPLOAD_BYTES?.trim();
  return raw && /^\d+$/.test(raw) && Number(raw) > 0 ? Number(raw) : DEFAULT_MAX_UPLOAD_BYTES;
}

const size = (n: number) => (n % 2 ** 20 === 0 ? `${n / 2 ** 20} MiB` : `${n} bytes`);
const tooLarge = (limit: number) =>
  new UploadError(413, `upload too large: more than ${size(limit)} (TRAILSCOPE_MAX_UPLOAD_BYTES); sync larger collections as a folder or bucket source`);

async function readBounded(req: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  if (!req.body) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    parts.push(value);
  }
  // A body shorter than announced was cut on the way (a proxy's buffer): never sync half a file.
  if (declared !== null && total !== Number(declared)) throw new UploadError(400, `the upload arrived incomplete (${total} of ${declared} bytes); try again`);
  return Buffer.concat(parts);
}

function headerName(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

const USAGE = 'send the file as multipart/form-data field "file", or as the request body with an X-Filename header';

export async function readUploadBody(req: Request, limit = maxUploadBytes()): Promise<UploadedFile[]> {
  const type = req.headers.get("content-type") ?? "";
  const named = req.headers.get("x-filename");
  if (!/^multipart\/form-data\b/i.test(type) && named === null) throw new UploadError(400, USAGE);
  const body = await readBounded(req, limit);
  let files: UploadedFile[];
  if (named !== null && !/^multipart\/form-data\b/i.test(type)) files = [{ name: headerName(named), bytes: body }];
  else {
    let form: FormData;
    try {
      form = await new Response(body, { headers: { "content-type": type } }).formData();
    } catch {
      throw new UploadError(400, `the multipart body could not be read; ${USAGE}`);
    }
    files = [];
    for (const v of form.getAll("file")) {
      if (typeof v === "string") throw new UploadError(400, `"file" must be a file, not text; ${USAGE}`);
      files.push({ name: v.name, bytes: new Uint8Array(await v.arrayBuffer()) });
    }
    if (files.length === 0) throw new UploadError(400, `no "file" field; ${USAGE}`);
  }
  const empty = files.find((f) => f.bytes.length === 0);
  if (empty) throw new UploadError(400, `${JSON.stringify(empty.name || "the file")} is empty`);
  return files;
}

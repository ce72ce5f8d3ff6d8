// POST /api/uploads: log files (or archives of them) uploaded in the console are synced through
// the same engine as every source, and the sync's summary is the answer. The body is multipart
// ("file" fields) or the file itself with an X-Filename header (lib/api/upload-body.ts); 413 past
// TRAILSCOPE_MAX_UPLOAD_BYTES, 429 while other uploads fill the server's memory budget. Analysts
// and admins who see every account; audited.
import { jsonError } from "../../../lib/api/respond";
import { readUploadBody, UploadError } from "../../../lib/api/upload-body";
import { guarded } from "../../../lib/auth/guard";
import { acquireUploadSlot, syncUpload } from "../../../lib/sync/uploads";

export const dynamic = "force-dynamic";

export const POST = guarded("upload", async (req, { access, db }) => {
  // An upload could add events to accounts a scoped user may not see, and its duplicate count
  // would tell which of another account's events exist.
  if (access.scope) return jsonError(403, "uploads are for users who see every account");
  const release = acquireUploadSlot();
  if (!release) return jsonError(429, "other uploads are being read: try again in a moment");
  try {
    const files = await readUploadBody(req);
    const result = await syncUpload(db, files, access, { signal: req.signal });
    return Response.json(result, { status: result.fatal ? 500 : 200, headers: { "cache-control": "no-store" } });
  } catch (err) {
    if (err instanceof UploadError) return jsonError(err.status, err.message);
    throw err;
  } finally {
    release();
  }
});

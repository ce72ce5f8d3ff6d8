import { jsonError } from "../../../lib/api/respond";
import { accessQuery } from "../../../lib/auth/access";
import { audit } from "../../../lib/auth/audit";
import { guarded } from "../../../lib/auth/guard";
import { countingStream } from "../../../lib/export/count-rows";
import { acquireExportSlot } from "../../../lib/export/slots";
import { exportStream, type ExportFormat } from "../../../lib/export/stream";

export const dynamic = "force-dynamic";

const TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  ndjson: "application/x-ndjson; charset=utf-8",
};

export const GET = guarded("export", async (req, { access, db }) => {
  const sp = req.nextUrl.searchParams;
  const format = (sp.get("format") ?? "csv") as ExportFormat;
  if (!(format in TYPES) || sp.getAll("format").length > 1) return jsonError(400, `format: must be csv or ndjson`, { param: "format" });
  // Same parser as the page and the list API: the export is exactly the set the link shows.
  const q = accessQuery(access, sp);
  const slotKey = access.share ? `share:${access.share.id}` : `user:${access.userId}`;
  const release = acquireExportSlot(slotKey);
  if (!release) return jsonError(429, "too many exports running for this user: wait for one to finish");
  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const stream = countingStream(exportStream(db.pool, q, format, { onDone: release }), format, (rows, complete) => {
    void audit(db, {
      actorKind: access.share ? "share" : access.kind === "token" ? "token" : "user",
      actorId: access.share?.id ?? access.userId,
      actorName: access.name,
      ip: access.ip,
      action: access.share ? "share-export" : "export",
      target: access.share?.id ?? null,
      detail: { query: sp.toString(), format, rows, complete, accounts: access.scope },
    });
  }, req.signal);
  return new Response(stream, {
    headers: {
      "content-type": TYPES[format],
      "content-disposition": `attachment; filename="trailscope-events-${stamp}Z.${format}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});

import type { NextRequest } from "next/server";
import { handleError, jsonError } from "../../../lib/api/respond";
import { exportStream, type ExportFormat } from "../../../lib/export/stream";
import { parseEventQuery } from "../../../lib/query/params";
import { getDb } from "../../../lib/store/db";

export const dynamic = "force-dynamic";

const TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  ndjson: "application/x-ndjson; charset=utf-8",
};

export async function GET(req: NextRequest) {
  try {
    const sp = req.nextUrl.searchParams;
    const format = (sp.get("format") ?? "csv") as ExportFormat;
    if (!(format in TYPES) || sp.getAll("format").length > 1) return jsonError(400, `format: must be csv or ndjson`, { param: "format" });
    // Same parser as the page and the list API: the export is exactly the set the link shows.
    const q = parseEventQuery(sp);
    const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
    return new Response(exportStream(getDb().pool, q, format), {
      headers: {
        "content-type": TYPES[format],
        "content-disposition": `attachment; filename="trailscope-events-${stamp}Z.${format}"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  } catch (err) {
    return handleError(err);
  }
}

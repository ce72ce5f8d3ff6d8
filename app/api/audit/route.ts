// GET /api/audit?action=&actor=&from=&to=&limit=&format=json|csv: the console's audit trail, newest
// first (admin only).
import { jsonError } from "../../../lib/api/respond";
import { readAudit } from "../../../lib/auth/audit";
import { guarded } from "../../../lib/auth/guard";
import { csvCell } from "../../../lib/export/csv";
import { parseInstant, ParamError } from "../../../lib/query/params";

export const dynamic = "force-dynamic";

export const GET = guarded("admin", async (req, { db }) => {
  const sp = req.nextUrl.searchParams;
  const now = new Date();
  const limitRaw = sp.get("limit");
  if (limitRaw !== null && !/^\d{1,5}$/.test(limitRaw)) throw new ParamError("limit", "must be a whole number up to 10000");
  const format = sp.get("format") ?? "json";
  if (format !== "json" && format !== "csv") return jsonError(400, "format: must be json or csv", { param: "format" });
  const rows = await readAudit(db, {
    action: sp.get("action") || undefined,
    actor: sp.get("actor") || undefined,
    from: sp.get("from") ? parseInstant("from", sp.get("from")!, now) : undefined,
    to: sp.get("to") ? parseInstant("to", sp.get("to")!, now) : undefined,
    limit: limitRaw ? Number(limitRaw) : format === "csv" ? 10_000 : 500,
  });
  if (format === "json") return Response.json({ entries: rows }, { headers: { "cache-control": "no-store" } });
  const header = "at,actorKind,actorName,actorId,action,target,ip,detail\r\n";
  const body = rows
    .map((r) => [r.at.toISOString(), r.actorKind, r.actorName, r.actorId, r.action, r.target, r.ip, r.detail === null ? null : JSON.stringify(r.detail)].map(csvCell).join(",") + "\r\n")
    .join("");
  const stamp = now.toISOString().replace(/[:.]/g, "-").slice(0, 19);
  return new Response(header + body, { headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="trailscope-audit-${stamp}Z.csv"`, "cache-control": "no-store" } });
});

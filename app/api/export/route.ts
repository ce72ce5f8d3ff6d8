import { jsonError } from "../../../lib/api/respond";
import { accessQuery } from "../../../lib/auth/access";
import { audit } from "../../../lib/auth/audit";
import { guarded } from "../../../lib/auth/guard";
import { accessSettings } from "../../../lib/auth/settings";
import { freezeInstant } from "../../../lib/auth/shares";
import { evidenceBundle } from "../../../lib/export/bundle";
import { countingStream } from "../../../lib/export/count-rows";
import { CSV_HEADER_KINDS, type CsvHeaderKind } from "../../../lib/export/csv";
import { exportFileName } from "../../../lib/export/filename";
import { MANIFEST_FORMAT, manifestQuery, trailscopeVersion, type EvidenceManifest } from "../../../lib/export/manifest";
import { acquireExportSlot } from "../../../lib/export/slots";
import { exportStream } from "../../../lib/export/stream";
import { ParamError } from "../../../lib/query/params";

export const dynamic = "force-dynamic";

const TYPES = {
  csv: "text/csv; charset=utf-8",
  ndjson: "application/x-ndjson; charset=utf-8",
  bundle: "application/zip",
} as const;
type Format = keyof typeof TYPES;

/** `headers=keys|labels`: the CSV header row's words (export-only, so taken off before the query parser). */
function headerKind(sp: URLSearchParams): CsvHeaderKind {
  const all = sp.getAll("headers");
  if (all.length > 1) throw new ParamError("headers", "may be given only once");
  const v = all[0] ?? "keys";
  if (!(CSV_HEADER_KINDS as readonly string[]).includes(v)) throw new ParamError("headers", `must be keys or labels, not ${JSON.stringify(v.slice(0, 64))}`);
  return v as CsvHeaderKind;
}

export const GET = guarded("export", async (req, { access, db }) => {
  const sp = req.nextUrl.searchParams;
  const format = sp.get("format") ?? "csv";
  if (!Object.hasOwn(TYPES, format) || sp.getAll("format").length > 1) return jsonError(400, `format: must be csv, ndjson or bundle`, { param: "format" });
  const header = headerKind(sp);
  const own = new URLSearchParams(sp);
  own.delete("headers");
  // One instant for relative bounds, the file name and the manifest.
  const now = new Date();
  // Same parser as the page and the list API: the export is exactly the set the link shows.
  const q = accessQuery(access, own, { now });
  const slotKey = access.share ? `share:${access.share.id}` : `user:${access.userId}`;
  const release = acquireExportSlot(slotKey);
  if (!release) return jsonError(429, "too many exports running for this user: wait for one to finish");
  const actorKind = access.share ? "share" : access.kind === "token" ? "token" : "user";
  const record = (detail: Record<string, unknown>) =>
    void audit(db, {
      actorKind,
      actorId: access.share?.id ?? access.userId,
      actorName: access.name,
      ip: access.ip,
      action: access.share ? "share-export" : "export",
      target: access.share?.id ?? null,
      detail: { query: sp.toString(), format, ...detail, accounts: access.scope },
    });

  let body: ReadableStream<Uint8Array>;
  if (format === "bundle") {
    try {
      // Frozen: the CSV and the NDJSON are two reads, and a sync between them must not make them
      // differ. Events stored after this instant are not in either (a tighter asOf stays).
      const frozen = await freezeInstant(db.pool);
      if (!q.asOf || q.asOf > frozen) q.asOf = frozen;
      const manifest: Omit<EvidenceManifest, "rows" | "files" | "integrity"> = {
        format: MANIFEST_FORMAT,
        generatedAt: now.toISOString(),
        trailscopeVersion: await trailscopeVersion(),
        exportedBy: { kind: actorKind, name: access.name, id: access.share?.id ?? access.userId },
        // The query string as the server received it: Next hands routes a re-encoded URL (`:` as
        // %3A), the same parameters as sent, though not always the same characters.
        query: manifestQuery({ given: req.nextUrl.search.replace(/^\?/, ""), params: own, share: access.share?.params, q, now, header, baseUrl: accessSettings().baseUrl }),
        accountScope: access.scope,
      };
      body = evidenceBundle({
        pool: db.pool,
        query: q,
        header,
        manifest,
        signal: req.signal,
        onEnd: ({ complete, rows, manifestSha256 }) => {
          release();
          record({ rows: rows.csv, ndjsonRows: rows.ndjson, complete, headers: header, asOf: manifest.query.asOf, manifestSha256 });
        },
      });
    } catch (err) {
      release();
      throw err;
    }
  } else {
    body = countingStream(exportStream(db.pool, q, format as "csv" | "ndjson", { header, onDone: release }), format as "csv" | "ndjson", (rows, complete) => {
      record({ rows, complete, ...(format === "csv" ? { headers: header } : {}) });
    }, req.signal);
  }
  return new Response(body, {
    headers: {
      "content-type": TYPES[format as Format],
      "content-disposition": `attachment; filename="${exportFileName(q, format as Format, now)}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});

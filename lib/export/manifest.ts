// The evidence bundle's manifest: what the set is (the exact query, its frozen bounds, who took
// it and when), what the files are (bytes, SHA-256) and what can be said of the log files the
// events came from (integrity, completeness). Once as JSON for tools, once as short text for a
// person, whose hash lines `sha256sum -c manifest.txt` checks (its prose lines start with `#`,
// which sha256sum skips, so even --strict passes).
import { readFile } from "node:fs/promises";
import path from "node:path";
import pkg from "../../package.json";
import { narrowWithinShare } from "../auth/share-bounds";
import type { EvidenceIntegrity } from "../integrity/evidence";
import { PAGING_PARAMS, VIEW_PARAMS, type EventQuery } from "../query/params";
import type { CsvHeaderKind } from "./csv";

export const MANIFEST_FORMAT = "trailscope-evidence-1";

export interface ManifestFile {
  name: string;
  bytes: number;
  sha256: string;
}

export interface EvidenceManifest {
  format: typeof MANIFEST_FORMAT;
  /** When the export was asked for; relative bounds (now-7d) were resolved against it. */
  generatedAt: string;
  trailscopeVersion: string;
  exportedBy: { kind: "user" | "token" | "share"; name: string; id: string };
  query: {
    /** The query string as the request gave it (as the server received it: Next may re-encode characters). */
    string: string;
    /** The set as a frozen query: a share link's bounds and filters merged in, instants resolved, asOf. */
    effective: string;
    /** The timeline showing this set, for someone signed in to this console. */
    url: string;
    from: string | null;
    to: string | null;
    /** Only events stored in Trailscope at or before this instant are in the set. */
    asOf: string;
    sort: string;
    filters: Record<string, string[]>;
    csvHeader: CsvHeaderKind;
  };
  /** AWS accounts the exporter may see (null: every account). */
  accountScope: string[] | null;
  rows: { csv: number; ndjson: number };
  files: ManifestFile[];
  integrity: EvidenceIntegrity;
}

/** Parameters that shape a download, not the set. */
const EXPORT_ONLY = ["cursor", "limit", "event", "format", "headers"];
const BOUNDS = ["from", "to", "asOf", "sort"];

export interface ManifestQueryInput {
  /** The query string exactly as the request gave it. */
  given: string;
  /** The request's parameters as the query parser read them. */
  params: URLSearchParams;
  /** A share link's frozen view, when the request came through one. */
  share?: URLSearchParams;
  /** The parsed query, frozen (asOf set). */
  q: EventQuery;
  now: Date;
  header: CsvHeaderKind;
  /** The console's public base URL (lib/auth/settings.ts). */
  baseUrl: string;
}

/**
 * The manifest's account of the query. `effective` is the set as one frozen query string: a share
 * link's bounds and filters merged in where the request left them out (as accessQuery did), the
 * range as the instants used, the asOf bound, no paging or download options.
 */
export function manifestQuery(i: ManifestQueryInput): EvidenceManifest["query"] {
  const { q } = i;
  if (!q.asOf) throw new Error("manifestQuery: the query must be frozen (asOf)");
  const sp = i.share ? narrowWithinShare(i.share, i.params, i.now) : new URLSearchParams(i.params);
  for (const k of EXPORT_ONLY) sp.delete(k);
  for (const [k, d] of [["from", q.from], ["to", q.to]] as const) {
    if (d) sp.set(k, d.toISOString());
    else sp.delete(k);
  }
  sp.set("asOf", q.asOf.toISOString());
  const filters: Record<string, string[]> = {};
  for (const k of new Set(sp.keys())) {
    if (!BOUNDS.includes(k) && !VIEW_PARAMS.has(k) && !PAGING_PARAMS.has(k)) filters[k] = sp.getAll(k);
  }
  return {
    string: i.given,
    effective: sp.toString(),
    url: `${i.baseUrl}/events?${sp}`,
    from: q.from?.toISOString() ?? null,
    to: q.to?.toISOString() ?? null,
    asOf: q.asOf.toISOString(),
    sort: `${q.sort.field.key}:${q.sort.dir}`,
    filters,
    csvHeader: i.header,
  };
}

let version: Promise<string> | undefined;

/** package.json's version, with the git commit when the checkout has one (read once per process). */
export function trailscopeVersion(root = process.cwd()): Promise<string> {
  return (version ??= gitCommit(root).then((c) => (c ? `${pkg.version}+git.${c.slice(0, 12)}` : pkg.version)));
}

/**
 * HEAD's commit from .git's files (no git process); null when anything is not as expected. The
 * turbopackIgnore comments keep Next's file tracing from taking these run-time paths for files
 * the server needs (it would copy the whole project into the build output).
 */
async function gitCommit(root: string): Promise<string | null> {
  const read = (p: string) => readFile(/* turbopackIgnore: true */ p, "utf8");
  try {
    let dir = path.join(/* turbopackIgnore: true */ root, ".git");
    const dotGit = await read(dir).catch(() => null); // a worktree: "gitdir: …"
    if (dotGit?.startsWith("gitdir:")) dir = path.resolve(/* turbopackIgnore: true */ root, dotGit.slice(7).trim());
    const head = (await read(path.join(/* turbopackIgnore: true */ dir, "HEAD"))).trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = /^ref: (refs\/[\w./-]+)$/.exec(head)?.[1];
    if (!ref) return null;
    const loose = await read(path.join(/* turbopackIgnore: true */ dir, ref)).catch(() => null);
    if (loose && /^[0-9a-f]{40}\s*$/.test(loose)) return loose.trim();
    const packed = await read(path.join(/* turbopackIgnore: true */ dir, "packed-refs")).catch(() => "");
    return new RegExp(`^([0-9a-f]{40}) ${ref.replace(/[.]/g, "\\.")}$`, "m").exec(packed)?.[1] ?? null;
  } catch {
    return null;
  }
}

/** Log file outcomes (lib/integrity/outcomes.ts LogOutcome) as a count of files reads them. */
const LOG_OUTCOME_TEXT: Record<string, string> = {
  valid: "match a digest whose signature was checked",
  "hash-valid-unsigned": "match their digest (its signature not checked)",
  "hash-mismatch": "DIFFER from their digest (altered after delivery)",
  "digest-invalid": "are named only by invalid digests",
  "not-covered": "are named by no digest",
  missing: "are GONE from the source since they were read",
  "not validated": "were never validated",
};

const n = (x: number) => x.toLocaleString("en-US");
const plural = (x: number, one: string, many = one + "s") => `${n(x)} ${x === 1 ? one : many}`;
const MAX_TEXT_LISTED = 20;

function integrityLines(i: EvidenceIntegrity): string[] {
  const out: string[] = [];
  const e = i.events;
  const parts = [`${n(e.verified)} verified`];
  if (e.failed) parts.push(`${n(e.failed)} failed (their log file differs from its digest)`);
  parts.push(`${n(e.unverified)} unverified (no digest with a checked signature vouches for their log file${i.eventsWithoutLogFile ? `; ${n(i.eventsWithoutLogFile)} read through LookupEvents, which has no log file` : ""})`);
  out.push(`Events: ${parts.join(", ")}.`);
  if (i.logFiles.total) {
    const outcomes = Object.entries(i.logFiles.byOutcome)
      .sort((a, b) => b[1] - a[1])
      .map(([o, c]) => `${n(c)} ${LOG_OUTCOME_TEXT[o] ?? `are "${o}"`}`);
    out.push(`Log files: ${plural(i.logFiles.total, "log file")}; ${outcomes.join(", ")}.`);
  }
  for (const f of i.logFiles.invalid.slice(0, MAX_TEXT_LISTED)) out.push(`  ${f.outcome}: ${f.key}${f.detail ? ` (${f.detail})` : ""}`);
  if (i.logFiles.invalid.length > MAX_TEXT_LISTED) out.push(`  … ${n(i.logFiles.invalid.length - MAX_TEXT_LISTED)} more in manifest.json`);
  if (i.logFiles.total === 0) out.push("Signatures: no log files, nothing to check.");
  else if (i.signaturesChecked === "all") out.push(`Signatures: checked, with public keys from ${(i.keysFrom ?? []).join(" and ") || "CloudTrail ListPublicKeys"}.`);
  else if (i.signaturesChecked === "some") out.push(`Signatures: checked for some files only (public keys from ${(i.keysFrom ?? []).join(" and ") || "CloudTrail ListPublicKeys"}); the others' digests had no signature to check (a folder has no S3 metadata).`);
  else out.push("Signatures not checked: the digests had none to check (a folder has no S3 metadata); hashes and the digest chain were checked.");
  out.push(i.validatedAt ? `Last validated: ${i.validatedAt}.` : "These log files have never been validated.");
  return out;
}

function completenessLines(i: EvidenceIntegrity): string[] {
  const c = i.completeness;
  const out: string[] = [];
  if (!c.missingLogFiles && !c.missingDigests) out.push("Completeness: no log file or digest that a digest names is missing.");
  else out.push(`Completeness: ${plural(c.missingLogFiles, "log file")} and ${plural(c.missingDigests, "digest file")} named by a digest were never found.`);
  for (const m of c.missing.slice(0, MAX_TEXT_LISTED)) out.push(`  ${m.kind}: ${m.key ?? "?"}${m.namedBy ? ` (named by ${m.namedBy})` : ""}`);
  if (c.gaps.length) out.push(`${plural(c.gaps.length, "period")} no digest covers (logging stopped, or digests missing):`);
  else out.push("No gaps: digests cover the trails' hours in this range.");
  for (const g of c.gaps.slice(0, MAX_TEXT_LISTED)) out.push(`  ${g.kind}: account ${g.account} ${g.region} trail ${g.trail}, ${g.from ?? "?"} to ${g.to ?? "?"}`);
  if (c.gaps.length > MAX_TEXT_LISTED || c.missing.length > MAX_TEXT_LISTED) out.push("  … the rest in manifest.json");
  return out;
}

/**
 * manifest.txt: the same facts in a few lines. `manifestJsonSha256` is listed with the data
 * files, so the one command checks every file of the folder but this one.
 */
export function manifestText(m: EvidenceManifest, manifestJsonSha256: string): string {
  const who = m.exportedBy.kind === "share" ? m.exportedBy.name : `${m.exportedBy.name} (${m.exportedBy.kind === "token" ? "API token" : "signed in"})`;
  const rows = m.rows.csv === m.rows.ndjson ? `${plural(m.rows.csv, "event")}` : `events.csv ${n(m.rows.csv)}, events.ndjson ${n(m.rows.ndjson)} — THEY DIFFER`;
  const prose = [
    "Trailscope evidence bundle",
    "",
    `Exported by: ${who} at ${m.generatedAt}, Trailscope ${m.trailscopeVersion}`,
    `Query:       ${m.query.string || "(none: every event)"}`,
    `As a view:   ${m.query.url}`,
    `Range:       ${m.query.from ?? "no start"} to ${m.query.to ?? "no end"} (eventTime; from inclusive, to exclusive)`,
    `As of:       ${m.query.asOf} (events stored in Trailscope later are not included)`,
    `Accounts:    ${m.accountScope ? m.accountScope.join(", ") : "every account"}`,
    `Rows:        ${rows} (events.csv: rows after its header; events.ndjson: lines)`,
    "",
    ...integrityLines(m.integrity),
    ...completenessLines(m.integrity),
    "",
    "SHA-256 of the files (check with: sha256sum -c manifest.txt):",
  ];
  const sums = [...m.files, { name: "manifest.json", sha256: manifestJsonSha256 }].map((f) => `${f.sha256}  ${f.name}`);
  // Every prose line is one line starting with #: a control character in a value (an S3 key may
  // hold a newline) is written escaped, so nothing can start a line sha256sum would read.
  const safe = (l: string) => l.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return prose.map((l) => (l ? `# ${safe(l)}` : "#")).join("\n") + "\n" + sums.join("\n") + "\n";
}

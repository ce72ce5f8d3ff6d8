// How a validation reads in a terminal (`npm run verify`, the sync summary): the invalid files as
// `aws cloudtrail validate-logs` lists them, then totals per outcome.
import { OUTCOME_TEXT } from "./outcomes";
import type { VerifySummary } from "./verify";

const n = (x: number) => x.toLocaleString("en-US");
const total = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);

function ratio(label: string, m: Record<string, number>, good: string[]): string {
  const all = total(m);
  const ok = good.reduce((a, k) => a + (m[k] ?? 0), 0);
  const rest = Object.entries(m)
    .filter(([k]) => !good.includes(k))
    .map(([k, v]) => `${n(v)} ${k}`)
    .join(", ");
  return `${n(ok)}/${n(all)} ${label} files valid${rest ? ` (${rest})` : ""}`;
}

/** One line for a sync summary. */
export function integrityLine(s: VerifySummary): string {
  const digestsGood = ["valid", "unsigned"];
  return `  integrity: ${ratio("digest", s.digests, digestsGood)}; ${ratio("log", s.logs, ["valid", "hash-valid-unsigned"])}${s.ok ? "" : " — INVALID files found (npm run verify lists them)"}${s.signaturesChecked ? "" : "; signatures not checked (no S3 metadata in a folder)"}`;
}

/** The full report of `npm run verify`. */
export function formatVerifyReport(s: VerifySummary): string {
  const lines: string[] = [];
  for (const p of s.problems) {
    lines.push(`${p.what === "digest" ? "Digest file" : "Log file"}\t${p.key}\t${OUTCOME_TEXT[p.outcome as keyof typeof OUTCOME_TEXT] ?? p.outcome}${p.detail ? ` (${p.detail})` : ""}`);
  }
  if (lines.length) lines.push("");
  lines.push(`Results for ${s.source}:`);
  lines.push(`  ${ratio("digest", s.digests, ["valid", "unsigned"])}`);
  lines.push(`  ${ratio("log", s.logs, ["valid", "hash-valid-unsigned"])}`);
  const f = s.findings;
  if (total(f)) lines.push(`  findings: ${Object.entries(f).map(([k, v]) => `${n(v)} ${k}`).join(", ")}`);
  if (!s.signaturesChecked) lines.push("  Some or all signatures could not be checked: a folder has no S3 object metadata (unless each digest has its head-object output beside it). Log file hashes and the digest chain's links were checked.");
  if (s.keysFrom) lines.push(`  Public keys from ${s.keysFrom}.`);
  for (const e of s.keyErrors) lines.push(`  ${e}`);
  lines.push(s.ok ? "  Nothing invalid or missing." : "  INVALID or missing files found.");
  return lines.join("\n");
}

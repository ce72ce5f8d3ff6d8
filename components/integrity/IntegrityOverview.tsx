// The Integrity page's body: per source, the last validation, each trail's digest chain per account
// and region with its breaks, and the coverage grid; LookupEvents sources say how far they read.
import type { IntegrityOverview as Overview, ScopeOverview, TrailChain } from "../../lib/integrity/overview";
import { OUTCOME_TEXT } from "../../lib/integrity/outcomes";
import { ApiActionButton } from "../access/ApiActionButton";
import { rowClass, tdClass, thClass, theadClass } from "../access/styles";
import { LocalTime } from "../ui/LocalTime";
import { CoverageGrid } from "./CoverageGrid";

const text = (k: string) => OUTCOME_TEXT[k as keyof typeof OUTCOME_TEXT] ?? k;
const GOOD = new Set(["valid", "unsigned", "hash-valid-unsigned"]);

function Counts({ counts }: { counts: Record<string, number> }) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  if (!entries.length) return <span className="text-zinc-500">none</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {entries.map(([k, n]) => (
        <span key={k} title={text(k)} className={`rounded border px-1.5 ${GOOD.has(k) ? "border-emerald-300 text-emerald-800 dark:border-emerald-800 dark:text-emerald-300" : k === "not-covered" || k === "digest-invalid" ? "border-zinc-300 text-zinc-600 dark:border-zinc-700 dark:text-zinc-400" : "border-red-300 text-red-800 dark:border-red-800 dark:text-red-300"}`}>
          {n.toLocaleString("en-US")} {k}
        </span>
      ))}
    </span>
  );
}

function Breaks({ t }: { t: TrailChain }) {
  if (!t.broken.length && !t.findings.length) return <span className="text-emerald-700 dark:text-emerald-400">unbroken</span>;
  return (
    <ul className="space-y-0.5">
      {t.broken.map((b) => (
        <li key={b.key}>
          <span className="font-medium text-red-700 dark:text-red-400">{b.outcome}</span> <span className="font-mono text-[11px] break-all">{b.key}</span>
          {b.detail && <span className="text-zinc-500"> — {b.detail}</span>}
        </li>
      ))}
      {t.findings.map((f, i) => (
        <li key={`f${i}`}>
          <span className={`font-medium ${f.kind === "missing-log" || f.kind === "missing-digest" ? "text-red-700 dark:text-red-400" : "text-amber-700 dark:text-amber-400"}`}>{f.kind}</span>{" "}
          {f.key && <span className="font-mono text-[11px] break-all">{f.key} </span>}
          {(f.from || f.to) && (
            <span className="text-zinc-500">
              {f.from ? f.from.replace(".000Z", "Z") : "…"} → {f.to ? f.to.replace(".000Z", "Z") : "…"}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

function Scope({ s, manage }: { s: ScopeOverview; manage: boolean }) {
  return (
    <section className="space-y-3 rounded border border-zinc-200 p-3 dark:border-zinc-800" aria-label={`Integrity of ${s.source}`}>
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <h2 className="font-mono text-sm font-semibold break-all">{s.source}</h2>
        {s.lastRun && (
          <span className={`rounded-full px-2 text-xs font-medium ${s.lastRun.ok ? "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300" : "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300"}`}>
            {s.lastRun.ok ? "nothing invalid or missing" : "INVALID or missing files"}
          </span>
        )}
        {s.lastRun && (
          <span className="text-xs text-zinc-500">
            validated {s.lastRun.mode === "on-demand" ? "on demand (every file read again)" : "after the last sync"} <LocalTime iso={s.lastRun.at} />
          </span>
        )}
        {s.pending && (
          <span className="text-xs text-sky-700 dark:text-sky-400" role="status">
            {s.pending.startedAt ? "Validating again (every file read again)…" : "Validation asked for: the background sync runs it next."}
          </span>
        )}
        {manage && !s.pending && <ApiActionButton label="Validate again" busyLabel="Starting…" method="POST" url="/api/integrity" body={{ source: s.source }} title="Read every file of this source again and validate it (runs in the background)" />}
      </div>
      {!s.signatures && (
        <p className="rounded border border-amber-300 bg-amber-50 px-2 py-1 text-xs text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
          Signatures could not be checked{s.keysFrom ? " for every digest" : ""}: a folder has no S3 object metadata (unless each digest brings its <code className="font-mono">aws s3api head-object</code> output as <code className="font-mono">&lt;digest&gt;.metadata.json</code>). Each log file&apos;s hash was checked against its digest, and each digest against the hash the next one recorded — but whoever can write the folder could rewrite both.
        </p>
      )}
      {s.keysFrom && <p className="text-xs text-zinc-600 dark:text-zinc-400">Signatures checked with public keys from {s.keysFrom}.</p>}
      {s.lastRun?.keyErrors.map((e) => (
        <p key={e} className="text-xs text-red-700 dark:text-red-400">{e}</p>
      ))}
      <div className="text-xs">
        <span className="mr-2 text-zinc-600 dark:text-zinc-400">Log files:</span>
        <Counts counts={s.logs} />
      </div>
      <div className="overflow-x-auto">
        <table className="w-full text-left text-xs">
          <thead className={theadClass}>
            <tr>
              <th className={thClass}>Account</th>
              <th className={thClass}>Region</th>
              <th className={thClass}>Trail</th>
              <th className={thClass}>Digests</th>
              <th className={thClass}>Covers</th>
              <th className={thClass}>Chain</th>
            </tr>
          </thead>
          <tbody>
            {s.trails.map((t) => (
              <tr key={`${t.account}/${t.region}/${t.trail}/${t.backfill}`} className={rowClass}>
                <td className={`${tdClass} font-mono`}>{t.account}</td>
                <td className={tdClass}>{t.region}</td>
                <td className={tdClass}>
                  {t.trail}
                  {t.backfill && <span className="text-zinc-500"> (backfill)</span>}
                </td>
                <td className={tdClass}>
                  <Counts counts={t.digests} />
                </td>
                <td className={`${tdClass} whitespace-nowrap font-mono text-[11px]`}>
                  {t.first?.replace(/:\d\dZ$/, "Z")} → {t.last?.replace(/:\d\dZ$/, "Z")}
                </td>
                <td className={tdClass}>
                  <Breaks t={t} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <CoverageGrid coverage={s.coverage} />
    </section>
  );
}

export function IntegrityOverview({ data, manage }: { data: Overview; manage: boolean }) {
  return (
    <div className="space-y-4">
      {data.scopes.length === 0 && (
        <p className="max-w-2xl rounded border border-zinc-200 p-4 text-sm dark:border-zinc-800">
          Nothing validated yet. Log files are validated after every sync of a folder or S3 source that holds CloudTrail digest files (<code className="font-mono">CloudTrail-Digest/</code>); <code className="font-mono">npm run verify -- &lt;source&gt;</code> reads a source again and validates it.
        </p>
      )}
      {data.scopes.map((s) => (
        <Scope key={s.scope} s={s} manage={manage} />
      ))}
      {data.lookups.length > 0 && (
        <section className="space-y-1" aria-label="LookupEvents coverage">
          <h2 className="text-sm font-semibold">LookupEvents</h2>
          <p className="text-xs text-zinc-500">Events read through the API have no log file to validate: they count as unverified. How far each source has read:</p>
          <table className="text-left text-xs">
            <thead className={theadClass}>
              <tr>
                <th className={thClass}>Source</th>
                <th className={thClass}>Account</th>
                <th className={thClass}>Region</th>
                <th className={thClass}>Read up to</th>
                <th className={thClass}>Windows still to read</th>
              </tr>
            </thead>
            <tbody>
              {data.lookups.map((l) => (
                <tr key={`${l.source}/${l.account}/${l.region}`} className={rowClass}>
                  <td className={`${tdClass} font-mono`}>{l.source}</td>
                  <td className={`${tdClass} font-mono`}>{l.account}</td>
                  <td className={tdClass}>{l.region}</td>
                  <td className={tdClass}>{l.scannedTo ? <LocalTime iso={l.scannedTo} /> : "—"}</td>
                  <td className={tdClass}>{l.pendingWindows}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}

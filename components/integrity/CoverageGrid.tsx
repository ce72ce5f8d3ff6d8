// Coverage per account and region over time, one cell per day a trail delivered log files: green
// when every file is verified, teal when hashes match a digest whose signature could not be
// checked (folders), grey when unverified, red when a file failed or is missing. Days are the
// delivery days of the S3 layout (a file's key), which is what digests and auditors count by.
import type { ScopeOverview } from "../../lib/integrity/overview";

function tone(c: ScopeOverview["coverage"][number]["days"][number]): string {
  if (c.failed || c.missing) return "bg-red-500";
  if (c.unverified) return "bg-zinc-400 dark:bg-zinc-600";
  if (c.unsigned) return "bg-teal-400 dark:bg-teal-700";
  return "bg-emerald-500";
}

function label(c: ScopeOverview["coverage"][number]["days"][number]): string {
  const parts = [
    c.verified && `${c.verified} verified`,
    c.unsigned && `${c.unsigned} hashes match (signature not checked)`,
    c.unverified && `${c.unverified} unverified`,
    c.failed && `${c.failed} FAILED`,
    c.missing && `${c.missing} MISSING`,
  ].filter(Boolean);
  return `${c.day}: ${parts.join(", ")} log files`;
}

export function CoverageGrid({ coverage }: { coverage: ScopeOverview["coverage"] }) {
  if (coverage.length === 0) return <p className="text-xs text-zinc-500">No log files validated yet.</p>;
  const days = [...new Set(coverage.flatMap((r) => r.days.map((d) => d.day)))].sort();
  return (
    <div className="overflow-x-auto">
      <table className="border-separate border-spacing-[2px] text-xs" aria-label="Coverage per account, region and day">
        <thead>
          <tr>
            <th className="pr-2 text-left font-medium text-zinc-600 dark:text-zinc-300">Account / region</th>
            <th colSpan={days.length} className="text-left font-normal text-zinc-500">
              {days[0]} → {days[days.length - 1]}
            </th>
          </tr>
        </thead>
        <tbody>
          {coverage.map((row) => {
            const byDay = new Map(row.days.map((d) => [d.day, d]));
            return (
              <tr key={`${row.account}/${row.region}`}>
                <th scope="row" className="whitespace-nowrap pr-2 text-left font-mono font-normal">
                  {row.account} <span className="text-zinc-500">{row.region}</span>
                </th>
                {days.map((day) => {
                  const c = byDay.get(day);
                  return (
                    <td key={day} title={c ? label(c) : `${day}: no log files`} className={`h-4 w-3 min-w-3 rounded-sm ${c ? tone(c) : "bg-zinc-100 dark:bg-zinc-900"}`}>
                      <span className="sr-only">{c ? label(c) : `${day}: no log files`}</span>
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="mt-1 flex flex-wrap gap-3 text-[11px] text-zinc-500">
        <span><span className="mr-1 inline-block h-2.5 w-2.5 rounded-sm bg-emerald-500" />verified</span>
        <span><span className="mr-1 inline-block h-2.5 w-2.5 rounded-sm bg-teal-400" />hashes match, signature not checked</span>
        <span><span className="mr-1 inline-block h-2.5 w-2.5 rounded-sm bg-zinc-400" />unverified</span>
        <span><span className="mr-1 inline-block h-2.5 w-2.5 rounded-sm bg-red-500" />failed or missing</span>
        <span><span className="mr-1 inline-block h-2.5 w-2.5 rounded-sm bg-zinc-100 ring-1 ring-zinc-300" />no log files</span>
      </p>
    </div>
  );
}

import { getDb } from "../../lib/store/db";
import { configuredSources, sourceIdOf } from "../../lib/sync/config";
import { syncStatus } from "../../lib/sync/status";

export const dynamic = "force-dynamic";

export default async function SyncPage() {
  const configured = await Promise.all(configuredSources().map(sourceIdOf));
  const sources = await syncStatus(getDb().prisma, configured);
  if (sources.length === 0) {
    return <p className="text-sm text-zinc-500">No sources yet. Set TRAILSCOPE_SOURCES for background sync, or run <code>npm run sync -- &lt;source&gt;</code>.</p>;
  }
  return (
    <table className="w-full text-left text-sm">
      <thead><tr><th scope="col">Source</th><th scope="col">State</th><th scope="col">Last run</th><th scope="col">New events</th><th scope="col">Failed objects</th><th scope="col">Last error</th></tr></thead>
      <tbody>
        {sources.map((s) => (
          <tr key={s.source} className="border-t border-zinc-200 dark:border-zinc-800">
            <td className="font-mono">{s.source}</td>
            <td>{s.state}</td>
            <td>{s.lastRun?.startedAt ?? "—"}</td>
            <td>{s.lastRun?.eventsNew.toLocaleString("en-US") ?? "—"}</td>
            <td>{s.lastRun?.objectsFailed ?? "—"}</td>
            <td className="text-red-700 dark:text-red-400">{s.lastError ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// An admin's controls for one configured source on /sync: Sync now, Pause/Resume and Remove for
// the console's sources (the /api/sources routes); a source of TRAILSCOPE_SOURCES is changed in
// the environment, so it only says so.
import type { SourceView } from "../../lib/sync/sources-view";
import { ApiActionButton } from "../access/ApiActionButton";

export function SourceActions({ source }: { source: SourceView }) {
  if (source.origin === "environment" || !source.id) return <span className="text-zinc-500">set in TRAILSCOPE_SOURCES</span>;
  const url = `/api/sources/${encodeURIComponent(source.id)}`;
  return (
    <span className="flex flex-wrap items-center gap-2">
      {!source.paused && (
        <ApiActionButton label="Sync now" busyLabel="Asking…" method="POST" url={`${url}/sync`} title={`Sync ${source.source} as soon as the background sync is free`} />
      )}
      {source.paused ? (
        <ApiActionButton label="Resume" method="PATCH" url={url} body={{ paused: false }} title={`Sync ${source.source} again in the background`} />
      ) : (
        <ApiActionButton label="Pause" method="PATCH" url={url} body={{ paused: true }} title={`Stop syncing ${source.source} in the background (a run in progress finishes)`} />
      )}
      <ApiActionButton
        label="Remove"
        danger
        method="DELETE"
        url={url}
        confirm={`Remove ${source.source}? It will no longer be synced (a run in progress finishes). Its events and sync history stay; adding it again goes on where it left off.`}
        title={`Stop syncing ${source.source} and remove it from the list`}
      />
    </span>
  );
}

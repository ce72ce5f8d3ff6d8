// /sync: what each source is doing — state, last run, progress, counts and recent errors. Admins
// also manage the background sync's sources here: add one, and per source Sync now, Pause/Resume,
// Remove (the /api/sources routes); those of TRAILSCOPE_SOURCES are only shown. Analysts and admins
// upload log files here (POST /api/uploads). Everyone signed in (not a share link) sees how fresh the
// stored events are per account and region; a user scoped to some accounts sees theirs alone, and
// no sources (their runs count every account's files and events).
import { notFound } from "next/navigation";
import { AddSourceForm } from "../../components/sync/AddSourceForm";
import { AutoRefresh } from "../../components/sync/AutoRefresh";
import { SyncTable } from "../../components/sync/SyncTable";
import { UploadForm } from "../../components/sync/UploadForm";
import { maxUploadBytes } from "../../lib/api/upload-body";
import { formatDuration } from "../../lib/view/time";
import { can } from "../../lib/auth/access";
import { pageAccess } from "../../lib/auth/guard";
import { syncIntervalMs } from "../../lib/sync/config";
import { syncOverview, type SourceView } from "../../lib/sync/sources-view";
import type { SourceStatus } from "../../lib/sync/status";
import { FreshnessTable } from "../../components/sync/FreshnessTable";
import { freshness, judgeFreshness, STALE_AFTER_MS } from "../../lib/sync/freshness";
import type { Access } from "../../lib/auth/access";
import type { Db } from "../../lib/store/db";

export const dynamic = "force-dynamic";

export const metadata = { title: "Sync · Trailscope" };

function interval(): string {
  try {
    return `every ${formatDuration(syncIntervalMs())}`;
  } catch (err) {
    return `not running: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function summary(configured: SourceView[]): string {
  if (configured.length === 0) return "No background sources configured.";
  const fromEnv = configured.filter((s) => s.origin === "environment").length;
  const paused = configured.filter((s) => s.paused).length;
  const parts = [fromEnv && `${fromEnv} from TRAILSCOPE_SOURCES`, configured.length - fromEnv && `${configured.length - fromEnv} added in the console`, paused && `${paused} paused`].filter(Boolean);
  return `Background sync of ${configured.length} source${configured.length === 1 ? "" : "s"} (${parts.join(", ")}), ${interval()}.`;
}

async function Freshness({ db, access, now }: { db: Db; access: Access; now: Date }) {
  const judged = judgeFreshness(await freshness(db.pool, access), now);
  return <FreshnessTable rows={judged.rows} newest={judged.newest} now={now} staleAfterMs={STALE_AFTER_MS} scoped={access.scope !== null} />;
}

export default async function SyncPage() {
  const { access, db } = await pageAccess("read", "/sync");
  // A share link shows its view alone; the store's freshness is more than that.
  if (access.share) notFound();
  if (access.scope) {
    // Sync runs count every account's files and events: a scoped user sees the freshness of theirs.
    return (
      <div className="min-w-0 space-y-3 p-4">
        <div className="flex flex-wrap items-baseline gap-3">
          <h1 className="text-base font-semibold">Sync</h1>
          <p className="text-xs text-zinc-500">An admin manages the sources. Below: how recent the stored events of your accounts are.</p>
        </div>
        <Freshness db={db} access={access} now={new Date()} />
      </div>
    );
  }
  const manage = can(access, "admin");
  const upload = can(access, "upload");
  let sources: SourceStatus[];
  let configured: SourceView[];
  try {
    ({ statuses: sources, configured } = await syncOverview(db));
  } catch (err) {
    console.error("trailscope: /sync could not read sync status:", err);
    return (
      <div role="alert" className="m-4 max-w-2xl rounded border border-red-300 bg-red-50 p-4 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
        <p className="font-semibold">Sync status could not be read.</p>
        <p className="mt-1">The database may be unreachable: check that PostgreSQL is running, then reload this page. Details are in the server log.</p>
      </div>
    );
  }
  const now = new Date();
  return (
    <div className="min-w-0 space-y-3 p-4">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-base font-semibold">Sync</h1>
        <p className="text-xs text-zinc-500">{summary(configured)}</p>
        <AutoRefresh active={sources.some((s) => s.state === "running") || configured.some((s) => s.syncPending)} />
      </div>
      {sources.length === 0 ? (
        <div className="max-w-2xl rounded border border-zinc-200 p-4 text-sm dark:border-zinc-800">
          <p className="font-medium">No sources yet.</p>
          <p className="mt-1 text-zinc-600 dark:text-zinc-400">
            {manage ? "Add one below, or set " : "An admin adds them here, or sets "}
            <code className="font-mono">TRAILSCOPE_SOURCES</code> (space-separated: a folder, <code className="font-mono">s3://bucket/prefix</code>,{" "}
            <code className="font-mono">lookup://us-east-1</code>) for background sync; <code className="font-mono">npm run sync -- &lt;source&gt;</code> syncs one once.
          </p>
        </div>
      ) : (
        // relative: the table's visually hidden labels (absolutely positioned) scroll with it rather than widening the page.
        <div className="relative overflow-x-auto">
          <SyncTable sources={sources} now={now} configured={configured} manage={manage} />
        </div>
      )}
      <Freshness db={db} access={access} now={now} />
      {upload && <UploadForm maxBytes={maxUploadBytes()} />}
      {manage && <AddSourceForm schedule={interval()} />}
    </div>
  );
}

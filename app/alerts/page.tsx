// /alerts: the user's watches on saved views and detections (an admin: everyone's), a form to add
// one, and the history of what was sent and what failed. Analysts and admins (share capability).
import { AddWatch } from "../../components/alerts/AddWatch";
import { AlertCards, AlertHistory } from "../../components/alerts/AlertHistory";
import { WatchCards, WatchesTable } from "../../components/alerts/WatchesTable";
import { alertSettings } from "../../lib/alerts/settings";
import { watchableTargets } from "../../lib/alerts/targets";
import { alertHistory, listWatches } from "../../lib/alerts/watches";
import { pageAccess } from "../../lib/auth/guard";

export const dynamic = "force-dynamic";

export const metadata = { title: "Alerts · Trailscope" };

const boxClass = "max-w-2xl rounded border border-zinc-200 p-4 text-sm text-zinc-600 dark:border-zinc-800 dark:text-zinc-400";

export default async function AlertsPage() {
  const { access, db } = await pageAccess("share", "/alerts");
  const [watches, history, targets] = await Promise.all([listWatches(db, access), alertHistory(db, access, { limit: 100 }), watchableTargets(db, access)]);
  const admin = access.role === "admin";
  return (
    <div className="space-y-5 p-4">
      <div className="space-y-1">
        <h1 className="text-base font-semibold">Alerts</h1>
        <p className="max-w-3xl text-xs text-zinc-500">
          After each sync, the events stored since the last message that match a watched view or detection are sent to its webhook or by email: one message per watch and sync, with the count, the newest events and a link to exactly
          those events (opening it needs sign-in). Failed messages are retried with growing delays. A watch sees what its owner may see.
        </p>
      </div>
      <section aria-labelledby="add-watch" className="space-y-2">
        <h2 id="add-watch" className="text-sm font-semibold">Watch a view or detection</h2>
        <AddWatch targets={targets} emailAvailable={!!alertSettings().smtpUrl} />
      </section>
      <section aria-labelledby="watches" className="space-y-2">
        <h2 id="watches" className="text-sm font-semibold">{admin ? "Every watch" : "Your watches"}</h2>
        {watches.length === 0 ? <p className={boxClass}>No watches yet.</p> : (
          <div data-testid="watches">
            <div className="hidden overflow-x-auto md:block">
              <WatchesTable watches={watches} showOwner={admin} />
            </div>
            <div className="md:hidden">
              <WatchCards watches={watches} showOwner={admin} />
            </div>
          </div>
        )}
      </section>
      <section aria-labelledby="history" className="space-y-2">
        <h2 id="history" className="text-sm font-semibold">History</h2>
        {history.length === 0 ? <p className={boxClass}>Nothing sent yet.</p> : (
          <div data-testid="history">
            <div className="hidden overflow-x-auto md:block">
              <AlertHistory alerts={history} />
            </div>
            <div className="md:hidden">
              <AlertCards alerts={history} />
            </div>
          </div>
        )}
      </section>
    </div>
  );
}

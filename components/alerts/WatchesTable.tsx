// The watches on /alerts: what each watches, where it sends, whether it runs (and why not), when
// it last sent; send a test message, disable or enable, delete.
import Link from "next/link";
import type { WatchView } from "../../lib/alerts/watches";
import { ApiActionButton } from "../access/ApiActionButton";
import { utcTime } from "../access/format";
import { rowClass, tdClass, theadClass, thClass } from "../access/styles";

const KIND_STYLE = "rounded bg-zinc-100 px-1.5 py-0.5 text-[11px] text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300";

function State({ w }: { w: WatchView }) {
  if (!w.enabled) return <span className="whitespace-nowrap rounded-full bg-zinc-100 px-2 py-0.5 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300">disabled</span>;
  if (w.lastError)
    return (
      <div className="space-y-0.5">
        <span className="whitespace-nowrap rounded-full bg-red-100 px-2 py-0.5 text-red-900 dark:bg-red-950 dark:text-red-200">stopped</span>
        <div className="max-w-xs break-words text-red-800 dark:text-red-300">{w.lastError}</div>
      </div>
    );
  return <span className="whitespace-nowrap rounded-full bg-emerald-100 px-2 py-0.5 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200">watching</span>;
}

function Target({ w }: { w: WatchView }) {
  return (
    <div className="flex flex-wrap items-baseline gap-1.5">
      <span className={KIND_STYLE}>{w.target.kind}</span>
      {w.target.title ? (
        <Link href={w.target.href} className="font-medium text-sky-700 underline hover:no-underline dark:text-sky-400" title="Its events on the timeline">
          {w.target.title}
        </Link>
      ) : (
        <span className="text-zinc-500">{w.target.id} (no longer exists)</span>
      )}
    </div>
  );
}

function Channels({ w }: { w: WatchView }) {
  return (
    <div className="space-y-0.5">
      {w.webhook && (
        <div className="break-all">
          <span className="text-zinc-500">{w.webhook.format === "slack" ? "Slack" : "JSON"} webhook</span> <span className="font-mono">{w.webhook.destination}</span>
        </div>
      )}
      {w.emails.length > 0 && (
        <div className="break-all">
          <span className="text-zinc-500">email</span> {w.emails.join(", ")}
        </div>
      )}
    </div>
  );
}

function Actions({ w }: { w: WatchView }) {
  return (
    <div className="flex flex-wrap gap-1.5">
      <ApiActionButton label="Send test" busyLabel="Sending…" method="POST" url={`/api/watches/${encodeURIComponent(w.id)}/test`} title="Send a test message to each channel now; it shows in the history" />
      <ApiActionButton label={w.enabled ? "Disable" : "Enable"} method="PATCH" url={`/api/watches/${encodeURIComponent(w.id)}`} body={{ enabled: !w.enabled }} title={w.enabled ? "Stop sending; queued messages are dropped" : "Start again from now (events stored while it was off are not sent)"} />
      <ApiActionButton label="Delete" danger method="DELETE" url={`/api/watches/${encodeURIComponent(w.id)}`} confirm="Delete this watch and its history?" />
    </div>
  );
}

const lastSent = (w: WatchView) => (w.lastSentAt ? utcTime(w.lastSentAt) : <span className="font-sans text-zinc-500">never</span>);

/** Narrow screens: one card per watch (a table would hide its actions off to the side). */
export function WatchCards({ watches, showOwner }: { watches: WatchView[]; showOwner: boolean }) {
  return (
    <ul className="space-y-2 text-xs">
      {watches.map((w) => (
        <li key={w.id} className="space-y-1.5 rounded border border-zinc-200 p-2.5 dark:border-zinc-800" data-testid="watch-card">
          <div className="flex items-start justify-between gap-2">
            <Target w={w} />
            <State w={w} />
          </div>
          {showOwner && <div className="break-words text-zinc-500">{w.owner ?? "deleted user"}</div>}
          <Channels w={w} />
          <div className="text-zinc-500">
            last alert <span className="font-mono text-zinc-700 dark:text-zinc-300">{lastSent(w)}</span>
          </div>
          <Actions w={w} />
        </li>
      ))}
    </ul>
  );
}

export function WatchesTable({ watches, showOwner }: { watches: WatchView[]; showOwner: boolean }) {
  return (
    <table className="w-full min-w-[48rem] border-collapse text-left text-xs">
      <caption className="sr-only">Watches with their target, channels, state, last message and actions</caption>
      <thead className={theadClass}>
        <tr>
          <th scope="col" className={thClass}>Watches</th>
          {showOwner && <th scope="col" className={thClass}>Owner</th>}
          <th scope="col" className={thClass}>Sends to</th>
          <th scope="col" className={thClass}>State</th>
          <th scope="col" className={thClass}>Last alert</th>
          <th scope="col" className={thClass}><span className="sr-only">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {watches.map((w) => (
          <tr key={w.id} className={rowClass} data-testid="watch-row">
            <td className={`${tdClass} min-w-[12rem]`}>
              <Target w={w} />
            </td>
            {showOwner && <td className={`${tdClass} break-words`}>{w.owner ?? <span className="text-zinc-500">deleted user</span>}</td>}
            <td className={tdClass}>
              <Channels w={w} />
            </td>
            <td className={tdClass}>
              <State w={w} />
            </td>
            <td className={`${tdClass} whitespace-nowrap font-mono`}>{lastSent(w)}</td>
            <td className={tdClass}>
              <Actions w={w} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

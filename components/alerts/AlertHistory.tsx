// What was sent and what failed: each alert (or test message) with its count, the link to exactly
// its events, and each channel's outcome — sent, retrying (with the next try and the error),
// failed (with the error).
import type { AlertView, DeliveryView } from "../../lib/alerts/watches";
import { utcTime } from "../access/format";
import { rowClass, tdClass, theadClass, thClass } from "../access/styles";

const STATUS_STYLE: Record<string, string> = {
  sent: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200",
  retrying: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  pending: "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200",
  sending: "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200",
  failed: "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
};

function Delivery({ d }: { d: DeliveryView }) {
  return (
    <li className="space-y-0.5" data-testid="delivery">
      <div className="flex flex-wrap items-baseline gap-1.5">
        <span className={`whitespace-nowrap rounded-full px-2 py-0.5 ${STATUS_STYLE[d.status] ?? STATUS_STYLE.pending}`}>{d.status}</span>
        <span className="text-zinc-500">{d.channel}</span>
        <span className="break-all font-mono">{d.destination}</span>
        {d.attempts > 1 && <span className="text-zinc-500">{d.attempts} tries</span>}
      </div>
      {d.status === "sent" && d.response && <div className="break-words text-zinc-500">{d.response}{d.sentAt ? ` · ${utcTime(d.sentAt, "s")}` : ""}</div>}
      {d.lastError && d.status !== "sent" && (
        <div className="break-words text-red-800 dark:text-red-300">
          {d.lastError}
          {d.status === "retrying" && d.nextAttemptAt ? ` · next try ${utcTime(d.nextAttemptAt, "s")}` : ""}
        </div>
      )}
    </li>
  );
}

function Count({ a }: { a: AlertView }) {
  if (a.kind === "test") return <span className="text-zinc-500">test</span>;
  const events = `${a.count.toLocaleString("en-US")} ${a.count === 1 ? "event" : "events"}`;
  if (a.bursts) {
    return (
      <a href={a.link} className="tabular-nums text-sky-700 underline hover:no-underline dark:text-sky-400" title="Bursts that events stored since the previous message made or grew; the link opens the newest burst">
        {a.bursts.toLocaleString("en-US")} {a.bursts === 1 ? "burst" : "bursts"} ({events})
      </a>
    );
  }
  return (
    <a href={a.link} className="tabular-nums text-sky-700 underline hover:no-underline dark:text-sky-400" title="Exactly these events: stored after the previous message and by this one">
      {events}
    </a>
  );
}

function Deliveries({ a }: { a: AlertView }) {
  return a.deliveries.length ? <ul className="space-y-1.5">{a.deliveries.map((d) => <Delivery key={d.id} d={d} />)}</ul> : <span className="text-zinc-500">no channel</span>;
}

/** Narrow screens: one card per alert. */
export function AlertCards({ alerts }: { alerts: AlertView[] }) {
  return (
    <ul className="space-y-2 text-xs">
      {alerts.map((a) => (
        <li key={a.id} className="space-y-1.5 rounded border border-zinc-200 p-2.5 dark:border-zinc-800" data-testid="alert-card">
          <div className="flex flex-wrap items-baseline justify-between gap-x-2">
            <span className="break-words font-medium">{a.title}</span>
            <Count a={a} />
          </div>
          <div className="font-mono text-zinc-500">{utcTime(a.createdAt, "s")}</div>
          <Deliveries a={a} />
        </li>
      ))}
    </ul>
  );
}

export function AlertHistory({ alerts }: { alerts: AlertView[] }) {
  return (
    <table className="w-full min-w-[44rem] border-collapse text-left text-xs">
      <caption className="sr-only">Alerts sent, newest first, with each channel&apos;s outcome</caption>
      <thead className={theadClass}>
        <tr>
          <th scope="col" className={thClass}>When</th>
          <th scope="col" className={thClass}>Watch</th>
          <th scope="col" className={`${thClass} text-right`}>Events</th>
          <th scope="col" className={thClass}>Deliveries</th>
        </tr>
      </thead>
      <tbody>
        {alerts.map((a) => (
          <tr key={a.id} className={rowClass} data-testid="alert-row">
            <td className={`${tdClass} whitespace-nowrap font-mono`}>{utcTime(a.createdAt, "s")}</td>
            <td className={`${tdClass} min-w-[10rem] break-words`}>{a.title}</td>
            <td className={`${tdClass} whitespace-nowrap text-right`}>
              <Count a={a} />
            </td>
            <td className={tdClass}>
              <Deliveries a={a} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

import Link from "next/link";
import { FIELD_BY_KEY } from "../lib/fields";
import type { ApiEvent } from "../lib/query/events";

/** A plain server-rendered table of events; values are rendered as text (React escapes them). */
export function EventTable({ events, columns }: { events: ApiEvent[]; columns: string[] }) {
  return (
    <table className="w-full border-collapse text-left text-xs">
      <thead>
        <tr className="border-b border-zinc-300 dark:border-zinc-700">
          {columns.map((c) => (
            <th key={c} scope="col" className="px-2 py-1 font-medium">{FIELD_BY_KEY.get(c)?.label ?? c}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={String(e.eventID)} className="border-b border-zinc-100 hover:bg-zinc-50 dark:border-zinc-900 dark:hover:bg-zinc-900">
            {columns.map((c) => (
              <td key={c} className="whitespace-nowrap px-2 py-1 font-mono">
                {c === "eventTime" ? (
                  <Link href={`/events/${encodeURIComponent(String(e.eventID))}`} className="underline decoration-dotted">{String(e[c])}</Link>
                ) : Array.isArray(e[c]) ? (e[c] as string[]).join(", ") : e[c] === null ? "" : String(e[c])}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

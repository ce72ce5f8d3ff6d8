"use client";
// One-click pivots from a row: a new investigation around this row's principal, access key,
// source IP or resources (time range and view settings kept, other filters dropped).
import type { ApiEvent } from "../../lib/query/events";

const PIVOTS: { key: string; label: string; title: string }[] = [
  { key: "principalArn", label: "principal", title: "Everything this principal did" },
  { key: "accessKeyId", label: "key", title: "Everything done with this access key" },
  { key: "sourceIPAddress", label: "IP", title: "Everything from this source IP" },
  { key: "resourceName", label: "resource", title: "Everything touching these resources" },
];

/** The row's values of a pivot field (pivot() matches each exactly). */
export function pivotValues(e: ApiEvent, key: string): string[] {
  const v = e[key];
  const list = Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
  return list.filter((s) => s !== "");
}

export function RowPivots({ event, onPivot, visible }: { event: ApiEvent; onPivot: (key: string, values: string[]) => void; visible: boolean }) {
  return (
    <span className={`${visible ? "inline-flex" : "hidden group-hover:inline-flex"} gap-1 text-[11px]`}>
      {PIVOTS.map((p) => {
        const values = pivotValues(event, p.key);
        if (!values.length) return null;
        return (
          <button
            key={p.key}
            type="button"
            tabIndex={-1}
            title={`${p.title}: ${values.join(", ")}`}
            aria-label={`Pivot to this ${p.label}`}
            onClick={(e) => (e.stopPropagation(), onPivot(p.key, values))}
            className="rounded bg-zinc-200/70 px-1.5 text-zinc-700 hover:bg-sky-200 hover:text-sky-900 dark:bg-zinc-800 dark:text-zinc-300 dark:hover:bg-sky-900 dark:hover:text-sky-100"
          >
            {p.label}
          </button>
        );
      })}
    </span>
  );
}

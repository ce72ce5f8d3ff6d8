"use client";
// One value in the table, drawn after the catalog's `render` kind, with "filter in" / "filter out"
// buttons that appear on hover or keyboard focus of the cell. Values are text (React escapes them);
// cellText also makes bidi overrides and invisible characters visible.
import type { FieldDef } from "../../lib/fields";
import { IntegrityBadge } from "../integrity/IntegrityBadge";
import type { ArnLabel } from "../../lib/view/arn";
import { cellText } from "../../lib/view/text";
import { ArnText } from "../ui/ArnText";
import { formatTime } from "../../lib/view/time";
import { useIsClient } from "../../lib/view/useIsClient";
import type { TimeZoneMode } from "../../lib/view/viewParams";

export type FilterAction = (key: string, value: string, negate: boolean) => void;

const KIND_CLASS: Record<string, string> = {
  code: "font-mono",
  arn: "font-mono",
  ip: "font-mono tabular-nums",
  time: "font-mono tabular-nums",
  error: "font-mono text-red-700 dark:text-red-400",
};

function FilterButtons({ field, value, onFilter }: { field: FieldDef; value: string; onFilter: FilterAction }) {
  return (
    <span className="ml-1 hidden shrink-0 gap-px group-hover/cell:inline-flex group-focus-within/cell:inline-flex">
      <button
        type="button"
        tabIndex={-1}
        title={`Only events where ${field.label} is this value`}
        aria-label={`Filter in ${field.key} ${value}`}
        onClick={(e) => (e.stopPropagation(), onFilter(field.key, value, false))}
        className="rounded border border-zinc-300 bg-white px-1 leading-4 text-zinc-700 hover:bg-emerald-50 hover:text-emerald-800 dark:border-zinc-600 dark:bg-zinc-900 dark:text-zinc-300 dark:hover:bg-emerald-950"
      >
        +
      </button>
      <button
        type="button"
        tabIndex={-1}
        title={`Hide events where ${field.label} is this value`}
        aria-label={`Filter out ${field.key} ${value}`}
        onClick={(e) => (e.stopPropagation(), onFilter(field.key, value, true))}
        className="rounded border border-zinc-300 bg-white px-1 leading-4 text-zinc-700 hover:bg-red-50 hover:text-red-800 dark:border-zinc-600 dark:bg-zinc-900 dark:text-zinc-300 dark:hover:bg-red-950"
      >
        −
      </button>
    </span>
  );
}

/** The server knows no browser zone: local times appear once hydrated (UTC until then). */
function TimeText({ iso, tz, className }: { iso: string; tz: TimeZoneMode; className: string }) {
  const client = useIsClient();
  return <span className={className}>{formatTime(iso, client ? tz : "utc")}</span>;
}

export function CellValue({
  field,
  value,
  tz,
  onFilter,
  arns,
  className = "",
}: {
  field: FieldDef;
  value: unknown;
  tz: TimeZoneMode;
  onFilter: FilterAction;
  /** Labels of the ARNs in this column, told apart from each other (lib/view/arn.ts arnLabels). */
  arns?: Map<string, ArnLabel>;
  className?: string;
}) {
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) {
    return <span className="text-zinc-400 dark:text-zinc-600" aria-label="no value">—</span>;
  }
  const cls = KIND_CLASS[field.render] ?? "";
  if (field.render === "time") return <TimeText iso={String(value)} tz={tz} className={cls} />;
  if (field.render === "integrity") {
    return (
      <span className={`inline-flex items-center ${className}`}>
        <IntegrityBadge value={String(value)} />
        <FilterButtons field={field} value={String(value)} onFilter={onFilter} />
      </span>
    );
  }
  const values = Array.isArray(value) ? value.map(String) : [typeof value === "boolean" ? String(value) : String(value)];
  const filterable = (v: string) => field.filter && v !== "";
  return (
    <span className={`inline-flex items-center gap-2 ${className}`}>
      {values.map((v, i) => (
        <span key={i} className="inline-flex min-w-0 items-center">
          {field.render === "arn" ? (
            <ArnText value={v} label={arns?.get(v)} />
          ) : (
            <span className={`truncate ${cls}`} title={cellText(v)}>
              {cellText(v)}
            </span>
          )}
          {filterable(v) && <FilterButtons field={field} value={v} onFilter={onFilter} />}
        </span>
      ))}
    </span>
  );
}

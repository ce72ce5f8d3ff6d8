// Building blocks of the event detail: record access, definition rows with filter links, sections.
// No hooks: rendered on the server (detail page) and in the browser (side panel) alike.
import { exactValue } from "../../lib/query/filter-value";
import { NavLink } from "../../lib/view/navigation";
import { visibleText } from "../../lib/view/text";
import { addFilter, href } from "../../lib/view/url";

export type Rec = Record<string, unknown>;

export function at(r: unknown, path: string): unknown {
  let v = r;
  for (const k of path.split(".")) v = v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec)[k] : undefined;
  return v;
}
export const str = (v: unknown): string | null => (v === null || v === undefined || v === "" ? null : typeof v === "object" ? JSON.stringify(v) : String(v));
/** A value a filter can name (filters match it exactly through exactValue). */
export const present = (v: string | null): v is string => !!v;

export function parseRecord(json: string): Rec | null {
  try {
    const v = JSON.parse(json);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

export interface Ctx {
  /** Timeline parameters that filter links add to ("" on the detail page: a fresh timeline). */
  base: string;
}

export function FilterLinks({ ctx, fieldKey, value }: { ctx: Ctx; fieldKey: string; value: string }) {
  if (!present(value)) return null;
  const cls = "rounded px-1 text-[11px] leading-4 text-zinc-500 hover:bg-zinc-200 hover:text-zinc-900 dark:hover:bg-zinc-800 dark:hover:text-white";
  return (
    <span className="ml-1 inline-flex gap-px align-middle opacity-60 group-hover/row:opacity-100 group-focus-within/row:opacity-100">
      <NavLink className={cls} href={href("/events", addFilter(ctx.base, fieldKey, exactValue(value)))} aria-label={`Filter in ${fieldKey} ${value}`} title="Only events with this value">
        +
      </NavLink>
      <NavLink className={cls} href={href("/events", addFilter(ctx.base, fieldKey, exactValue(value), true))} aria-label={`Filter out ${fieldKey} ${value}`} title="Hide events with this value">
        −
      </NavLink>
    </span>
  );
}

/** One term/definition pair; skipped when the record has no value for it. */
export function Item({ ctx, label, value, filter, mono, hint }: { ctx: Ctx; label: string; value: string | null; filter?: string; mono?: boolean; hint?: React.ReactNode }) {
  if (value === null) return null;
  return (
    <div className="group/row grid grid-cols-[8.5rem_1fr] gap-2 py-0.5">
      <dt className="text-zinc-500 dark:text-zinc-400">{label}</dt>
      <dd className={`min-w-0 [overflow-wrap:anywhere] ${mono ? "font-mono" : ""}`}>
        {visibleText(value)}
        {hint && <span className="ml-1 text-zinc-500">{hint}</span>}
        {filter && <FilterLinks ctx={ctx} fieldKey={filter} value={value} />}
      </dd>
    </div>
  );
}

export function Section({ title, children, className = "" }: { title: string; children: React.ReactNode; className?: string }) {
  return (
    <section className={`min-w-0 ${className}`} aria-label={title}>
      <h3 className="mb-1 text-[11px] font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">{title}</h3>
      {children}
    </section>
  );
}


// The timeline's state is its URL (CONTRACT.md): these pure functions turn one query string into
// the next for every UI gesture (add a filter, negate it, pivot, zoom, sort…). Server components
// use them to build plain links and client components to navigate, so both produce the same URLs.
import { FIELD_BY_KEY, FIELDS, filterFieldOf, type FieldDef } from "../fields";
import { exactValue, matchesAny, parseFilterValue } from "../query/filter-value";

/** URLSearchParams, Next's ReadonlyURLSearchParams, a query string or a page's searchParams object. */
export type ReadableParams = { getAll(name: string): string[]; toString(): string } | string | Record<string, string | string[] | undefined>;

/** Parameters that change the matching set (anything else is presentation or paging). */
export const FILTER_FIELDS: readonly FieldDef[] = FIELDS.filter((f) => f.filter);
const FILTER_KEYS = new Set(FILTER_FIELDS.map((f) => f.key));
/** Presentation-only parameters: changing them never needs a new query. */
export const VIEW_ONLY = ["columns", "tz", "event", "facets", "view"] as const;

function isSearchParams(p: object): p is { getAll(name: string): string[]; toString(): string } {
  return typeof (p as { getAll?: unknown }).getAll === "function";
}

export function toParams(p: ReadableParams): URLSearchParams {
  if (typeof p === "string") return new URLSearchParams(p.startsWith("?") ? p.slice(1) : p);
  if (isSearchParams(p)) return new URLSearchParams(p.toString());
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(p as Record<string, string | string[] | undefined>)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) sp.append(k, one);
  }
  return sp;
}

/** Every change to what is listed invalidates a page cursor (it belongs to one query). */
function edited(sp: URLSearchParams): URLSearchParams {
  sp.delete("cursor");
  return sp;
}

/** A filter parameter: a catalog field's, or a value inside the record (requestParameters.userName). */
export function isFilterKey(key: string): boolean {
  return FILTER_KEYS.has(key) || (key.includes(".") && filterFieldOf(key) !== undefined);
}

/**
 * Sets a field's values where the field already stands in the URL (appended if new), so editing a
 * filter does not reorder a link someone is reading.
 */
function replaceValues(sp: URLSearchParams, key: string, values: string[]): URLSearchParams {
  const out = new URLSearchParams();
  let placed = false;
  for (const [k, v] of sp.entries()) {
    if (k !== key) out.append(k, v);
    else if (!placed) {
      for (const nv of values) out.append(key, nv);
      placed = true;
    }
  }
  if (!placed) for (const nv of values) out.append(key, nv);
  return out;
}

/** The raw parameter value for one value as written (a pattern, or exactValue's): `!` in front excludes. */
export function rawValue(value: string, negate: boolean): string {
  return (negate ? "!" : "") + value;
}

/**
 * Adds one value to a field's filter, dropping the same value with the other polarity (including
 * `x` while `!x` is set must not leave a contradiction). Boolean fields hold one value at most.
 * `value` is as written: `*` is a wildcard, so a stored value goes through exactValue first.
 */
export function addFilter(p: ReadableParams, key: string, value: string, negate = false): URLSearchParams {
  const sp = toParams(p);
  const field = FIELD_BY_KEY.get(key);
  const keep = field?.kind === "bool" ? [] : sp.getAll(key).filter((v) => v !== value && v !== "!" + value);
  return edited(replaceValues(sp, key, [...keep, rawValue(value, negate)]));
}

/** Removes one raw value (as written in the URL, `!` included). */
export function removeFilter(p: ReadableParams, key: string, raw: string): URLSearchParams {
  const sp = toParams(p);
  return edited(replaceValues(sp, key, sp.getAll(key).filter((v) => v !== raw)));
}

/** Include ↔ exclude for one raw value, keeping its place among the field's values. */
export function invertFilter(p: ReadableParams, key: string, raw: string): URLSearchParams {
  const sp = toParams(p);
  const values = sp.getAll(key).map((v) => (v === raw ? (raw.startsWith("!") ? raw.slice(1) : "!" + raw) : v));
  return edited(replaceValues(sp, key, [...new Set(values)]));
}

/** How a value currently takes part in the filter of its field. */
export function filterStateOf(p: ReadableParams, key: string, value: string): "include" | "exclude" | null {
  const values = toParams(p).getAll(key);
  if (values.includes(value)) return "include";
  if (values.includes("!" + value)) return "exclude";
  return null;
}

/** Sets (or with null/"" removes) a single-valued parameter. */
export function setParam(p: ReadableParams, name: string, value: string | null | undefined): URLSearchParams {
  const sp = toParams(p);
  if (value === null || value === undefined || value === "") sp.delete(name);
  else sp.set(name, value);
  return (VIEW_ONLY as readonly string[]).includes(name) ? sp : edited(sp);
}

export function setTimeRange(p: ReadableParams, from: string | null, to: string | null): URLSearchParams {
  return setParam(setParam(p, "from", from), "to", to);
}

/** Drops every field filter and the free text; time range, sort and view settings stay. */
export function clearFilters(p: ReadableParams): URLSearchParams {
  const sp = toParams(p);
  for (const k of [...new Set(sp.keys())]) if (isFilterKey(k) || k === "q") sp.delete(k);
  return edited(sp);
}

/**
 * A pivot starts a new line of investigation around one entity: only that entity's filter, with the
 * time range, sort and view settings kept. Several values (an event's resources) are ORed, each
 * matched exactly.
 */
export function pivot(p: ReadableParams, key: string, values: string[]): URLSearchParams {
  const sp = clearFilters(p);
  sp.delete("event");
  for (const v of values) sp.append(key, exactValue(v));
  return sp;
}

export const DEFAULT_SORT = "eventTime:desc";

/** Sort as written in the URL; the default is left out so links stay short. */
export function setSort(p: ReadableParams, key: string, dir: "asc" | "desc"): URLSearchParams {
  const v = `${key}:${dir}`;
  return setParam(p, "sort", v === DEFAULT_SORT ? null : v);
}

/** The export link: same parameters as the view, minus the page cursor and the open event. */
export function exportHref(p: ReadableParams, format: "csv" | "ndjson"): string {
  const sp = toParams(p);
  sp.delete("cursor");
  sp.delete("event");
  sp.delete("format");
  if (format !== "csv") sp.set("format", format);
  return `/api/export?${sp.toString()}`;
}

/**
 * A canonical key of the parameters that decide which events match (order-insensitive across
 * parameters, order-kept within one). Used to key Suspense boundaries so only a changed query
 * shows skeletons, and never a change of columns, time zone or open event.
 */
export function dataKey(p: ReadableParams): string {
  const sp = toParams(p);
  for (const k of VIEW_ONLY) sp.delete(k);
  const names = [...new Set(sp.keys())].sort();
  return names.map((n) => sp.getAll(n).map((v) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join("&")).join("&");
}

export function href(pathname: string, p: ReadableParams): string {
  const qs = toParams(p).toString();
  return qs ? `${pathname}?${qs}` : pathname;
}

export interface FilterChip {
  key: string;
  /** As written in the URL. */
  raw: string;
  value: string;
  negate: boolean;
  /** Human wording: "errorCode: any", "eventName ≠ ConsoleLogin". */
  label: string;
}

export function describeValue(key: string, raw: string): { value: string; negate: boolean; label: string } {
  const { negate, written: value, like } = parseFilterValue(raw);
  const field = FIELD_BY_KEY.get(key);
  const name = field?.label ?? key;
  if (matchesAny(like)) {
    return { value, negate, label: `${name}: ${negate ? "none" : "any"}` };
  }
  return { value, negate, label: `${name} ${negate ? "≠" : "="} ${value}` };
}

/** The field filters in URL order, one chip per value. */
export function filterChips(p: ReadableParams): FilterChip[] {
  const sp = toParams(p);
  const chips: FilterChip[] = [];
  for (const [key, raw] of sp.entries()) {
    if (!isFilterKey(key)) continue;
    chips.push({ key, raw, ...describeValue(key, raw) });
  }
  return chips;
}

// The presentation parameters of the timeline (columns, tz, event, facets). parseEventQuery accepts and
// ignores them (VIEW_PARAMS), so they are validated here, with the same ParamError, so a mistyped
// bookmark names its parameter instead of silently showing something else.
import { DEFAULT_COLUMNS, FIELD_BY_KEY } from "../fields";
import { ParamError } from "../query/params";
import { toParams, type ReadableParams } from "./url";

export type TimeZoneMode = "utc" | "local";

export interface ViewParams {
  /** Column keys in display order. */
  columns: string[];
  tz: TimeZoneMode;
  /** eventID of the event open in the side panel. */
  event: string | null;
  /** Facet sidebar folded away on wide screens (`facets=hide`). */
  facetsHidden: boolean;
}

function single(sp: URLSearchParams, name: string): string | undefined {
  const all = sp.getAll(name);
  if (all.length > 1) throw new ParamError(name, "may be given only once");
  return all[0];
}

export function parseColumns(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === "") return [...DEFAULT_COLUMNS];
  const keys = [...new Set(raw.split(",").map((s) => s.trim()).filter(Boolean))];
  const unknown = keys.filter((k) => !FIELD_BY_KEY.has(k));
  if (unknown.length) {
    throw new ParamError("columns", `unknown column ${unknown.map((k) => `"${k}"`).join(", ")}; columns are field names such as ${DEFAULT_COLUMNS.slice(0, 3).join(",")}`);
  }
  return keys;
}

/** `columns=` is left out of the URL while it is the catalog's default. */
export function serializeColumns(keys: string[]): string | null {
  return keys.join(",") === DEFAULT_COLUMNS.join(",") ? null : keys.join(",");
}

export function parseViewParams(p: ReadableParams): ViewParams {
  const sp = toParams(p);
  const columns = parseColumns(single(sp, "columns"));
  const tzRaw = single(sp, "tz") ?? "utc";
  if (tzRaw !== "utc" && tzRaw !== "local") throw new ParamError("tz", `must be utc or local, not "${tzRaw}"`);
  const event = single(sp, "event") || null;
  const facets = single(sp, "facets") ?? "show";
  if (facets !== "show" && facets !== "hide") throw new ParamError("facets", `must be show or hide, not "${facets}"`);
  return { columns, tz: tzRaw, event, facetsHidden: facets === "hide" };
}

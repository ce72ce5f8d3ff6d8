// CSV per RFC 4180 (CRLF, quotes doubled, fields with , " CR LF quoted), one row per event with the
// catalog's CSV columns. Cells a spreadsheet would run as a formula are neutralised.
import { CSV_FIELDS } from "../fields";

/** Spreadsheets treat a leading = + - @ (and tab/CR, which some strip first) as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let s: string;
  if (value instanceof Date) s = value.toISOString();
  else if (Array.isArray(value)) s = value.join("; ");
  else s = String(value);
  if (FORMULA_START.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

export const CSV_HEADER = CSV_FIELDS.map((f) => f.key).join(",") + "\r\n";

/**
 * The CSV columns as text, formatted by PostgreSQL exactly as csvCell formats the typed values
 * (ISO instants with milliseconds, "true"/"false", list entries joined with "; "). Exports read
 * these instead of typed rows: no array parsing, Date objects or per-row objects in Node.
 */
export const CSV_SELECT_EXPRS: readonly string[] = CSV_FIELDS.map((f) => {
  switch (f.kind) {
    case "time":
      return `to_char(${f.column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    case "textArray":
      return `array_to_string(${f.column}, '; ')`;
    case "bool":
      return `CASE WHEN ${f.column} THEN 'true' WHEN NOT ${f.column} THEN 'false' END`;
    default:
      return f.column;
  }
});
export const CSV_SELECT_TEXT = CSV_SELECT_EXPRS.join(", ");

/** A row of CSV_SELECT_TEXT (fetched in array mode) → one CSV line. */
export function csvTextLine(values: (string | null)[]): string {
  let line = "";
  for (let i = 0; i < values.length; i++) {
    if (i) line += ",";
    const v = values[i];
    if (v !== null && v !== "") line += csvCell(v);
  }
  return line + "\r\n";
}

/** A row from SELECT_COLUMNS (keys = catalog keys) → one CSV line. */
export function csvLine(row: Record<string, unknown>): string {
  let line = "";
  for (let i = 0; i < CSV_FIELDS.length; i++) {
    if (i) line += ",";
    line += csvCell(row[CSV_FIELDS[i].key]);
  }
  return line + "\r\n";
}

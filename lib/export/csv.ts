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

/** A row from SELECT_COLUMNS (keys = catalog keys) → one CSV line. */
export function csvLine(row: Record<string, unknown>): string {
  let line = "";
  for (let i = 0; i < CSV_FIELDS.length; i++) {
    if (i) line += ",";
    line += csvCell(row[CSV_FIELDS[i].key]);
  }
  return line + "\r\n";
}

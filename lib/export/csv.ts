// CSV per RFC 4180 (CRLF, quotes doubled), one row per event with the catalog's CSV columns.
// Cells a spreadsheet would run as a formula are neutralised, following OWASP's CSV injection
// guidance: every non-empty cell is quoted, and one that starts like a formula gets a leading `'`.
// The COPY export (copy-csv.ts) writes the same bytes; keep the two in step.
import { CSV_FIELDS } from "../fields";
import type { EventQuery } from "../query/params";
import { columnFor, type SqlParams } from "../query/sql";

/**
 * Whitespace a spreadsheet may skip before it reads a cell as a formula: exactly JavaScript's
 * `\s`, listed as code points so that the SQL version (copy-csv.ts) tests the same characters.
 */
export const CSV_SPACE_CODES: readonly number[] = [
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0, 0x1680,
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
  0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff,
];
/** What starts a formula (OWASP): = + - @, and a tab or CR, which some spreadsheets strip first. */
export const FORMULA_CHARS = "=+-@";
export const FORMULA_LEAD_CODES: readonly number[] = [0x09, 0x0d];

const hex = (c: number) => "\\u" + c.toString(16).padStart(4, "0");
/**
 * A formula character first, or after a run of whitespace (" =1+1": LibreOffice's "trim spaces"
 * import, or Excel once the cell is edited, reads it as a formula); a leading tab or CR alone.
 */
const FORMULA_START = new RegExp(
  `^(?:[${FORMULA_LEAD_CODES.map(hex).join("")}]|[${CSV_SPACE_CODES.map(hex).join("")}]*[${FORMULA_CHARS.replace("-", "\\-")}])`,
);

export function isFormulaLike(s: string): boolean {
  return FORMULA_START.test(s);
}

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let s: string;
  if (value instanceof Date) s = value.toISOString();
  else if (Array.isArray(value)) s = value.join("; ");
  else s = String(value);
  if (s === "") return "";
  if (FORMULA_START.test(s)) s = "'" + s;
  // Quoted whether or not it holds , " CR LF: a spreadsheet whose list separator is `;` (many
  // locales) splits an unquoted `a;=1+1` into a formula cell.
  return '"' + s.replace(/"/g, '""') + '"';
}

export const CSV_HEADER = CSV_FIELDS.map((f) => f.key).join(",") + "\r\n";

/** The header row's words: catalog keys (the contract: header = key, what scripts read) or labels. */
export type CsvHeaderKind = "keys" | "labels";
export const CSV_HEADER_KINDS: readonly CsvHeaderKind[] = ["keys", "labels"];

/**
 * The header row. `labels` gives the catalog's labels for a person ("Event name", "Source IP"),
 * through csvCell so a label holding a comma or quote stays one cell; the rows are the same.
 */
export function csvHeader(kind: CsvHeaderKind = "keys"): string {
  return kind === "keys" ? CSV_HEADER : CSV_FIELDS.map((f) => csvCell(f.label)).join(",") + "\r\n";
}

/**
 * The CSV columns as text, formatted by PostgreSQL exactly as csvCell formats the typed values
 * (ISO instants with milliseconds, "true"/"false", list entries joined with "; "). Exports read
 * these instead of typed rows: no array parsing, Date objects or per-row objects in Node.
 */
export function csvSelectExprs(q: EventQuery, p: SqlParams): string[] {
  return CSV_FIELDS.map((f) => {
    const col = columnFor(f, q, p);
    switch (f.kind) {
      case "time":
        return `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
      case "textArray":
        return `array_to_string(${col}, '; ')`;
      case "bool":
        return `CASE WHEN ${col} THEN 'true' WHEN NOT ${col} THEN 'false' END`;
      default:
        return col;
    }
  });
}

/** A row of csvSelectExprs (fetched in array mode) → one CSV line. */
export function csvTextLine(values: (string | null)[]): string {
  let line = "";
  for (let i = 0; i < values.length; i++) {
    if (i) line += ",";
    const v = values[i];
    if (v !== null && v !== "") line += csvCell(v);
  }
  return line + "\r\n";
}

/** A row from selectColumns (keys = catalog keys) → one CSV line. */
export function csvLine(row: Record<string, unknown>): string {
  let line = "";
  for (let i = 0; i < CSV_FIELDS.length; i++) {
    if (i) line += ",";
    line += csvCell(row[CSV_FIELDS[i].key]);
  }
  return line + "\r\n";
}

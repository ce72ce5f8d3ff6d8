// One strict RFC 4180 parser for every test that reads our CSV (unit, integration and e2e), so
// "the export is valid CSV" means the same thing everywhere.

/** A strict RFC 4180 parser: CRLF row ends, quoted cells with "" escapes, nothing else. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let i = 0;
  let quoted = false; // inside a quoted cell
  let closed = false; // a quoted cell just ended: only , or CRLF may follow
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        closed = true;
        i++;
        continue;
      }
      cell += c;
      i++;
      continue;
    }
    if (c === ",") {
      row.push(cell);
      cell = "";
      closed = false;
      i++;
      continue;
    }
    if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      closed = false;
      i += 2;
      continue;
    }
    if (closed) throw new Error(`CSV: ${JSON.stringify(c)} after a closing quote at ${i}`);
    if (c === '"') {
      if (cell !== "") throw new Error(`CSV: quote inside an unquoted cell at ${i}`);
      quoted = true;
      i++;
      continue;
    }
    if (c === "\r" || c === "\n") throw new Error(`CSV: bare ${JSON.stringify(c)} outside quotes at ${i}`);
    cell += c;
    i++;
  }
  if (quoted) throw new Error("CSV: unterminated quoted cell");
  if (cell !== "" || row.length > 0 || closed) throw new Error("CSV: last row does not end with CRLF");
  return rows;
}

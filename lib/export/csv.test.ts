// Pure tests of CSV formatting: RFC 4180 quoting, the header, arrays, formula neutralisation.
import { describe, expect, it } from "vitest";
import { CSV_FIELDS } from "../fields";
import { parseCsv } from "../../test/helpers/csv";
import { CSV_HEADER, CSV_SPACE_CODES, csvCell, csvHeader, csvLine, isFormulaLike } from "./csv";

/** The single cell a csvCell output stands for. */
function roundTrip(cell: string): string {
  const rows = parseCsv(cell + "\r\n");
  expect(rows).toHaveLength(1);
  expect(rows[0]).toHaveLength(1);
  return rows[0][0];
}

describe("csvCell: RFC 4180 quoting", () => {
  // Every non-empty cell is quoted (OWASP's CSV injection guidance): a spreadsheet whose list
  // separator is `;` splits an unquoted `a;=1+1` into a formula cell `=1+1`, and PostgreSQL's COPY
  // (the export's fast path) can quote by column, not by content, so quoting every cell is how
  // both paths stay byte-identical.
  it("quotes every non-empty value, keeping it as it is", () => {
    expect(csvCell("ConsoleLogin")).toBe('"ConsoleLogin"');
    expect(csvCell("arn:aws:iam::111122223333:user/alice")).toBe('"arn:aws:iam::111122223333:user/alice"');
    expect(csvCell("a=b")).toBe('"a=b"');
    expect(csvCell("it's")).toBe(`"it's"`);
    expect(csvCell("semi;colon")).toBe('"semi;colon"');
    expect(csvCell("")).toBe("");
  });

  it("keeps a semicolon-separated formula inside its one cell", () => {
    expect(csvCell("a;=1+1")).toBe('"a;=1+1"');
    // Read with ; as the separator, as Excel does in many locales (the strict parser with , and ;
    // swapped): one cell, where the bare text would have been two, the second a formula.
    const swap = (t: string) => t.replace(/[,;]/g, (c) => (c === "," ? ";" : ","));
    const bySemicolon = (line: string) => parseCsv(swap(line) + "\r\n").map((r) => r.map(swap));
    expect(bySemicolon(csvCell("a;=1+1"))).toEqual([["a;=1+1"]]);
    expect(bySemicolon("a;=1+1")).toEqual([["a", "=1+1"]]);
  });

  it("writes null and undefined as empty cells", () => {
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
  });

  it("quotes a comma", () => {
    expect(csvCell("a,b")).toBe('"a,b"');
  });

  it("quotes and doubles a double quote", () => {
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('"')).toBe('""""');
  });

  it("quotes LF, CR and CRLF, keeping them", () => {
    expect(csvCell("a\nb")).toBe('"a\nb"');
    expect(csvCell("a\rb")).toBe('"a\rb"');
    expect(csvCell("a\r\nb")).toBe('"a\r\nb"');
  });

  it.each(["plain", "a,b", 'x "y" z', "multi\nline\r\nvalue", ",,,", '""', "tab\tinside", "\\back\\slash"])(
    "round-trips %j through a strict parser",
    (v) => {
      expect(roundTrip(csvCell(v))).toBe(v);
    },
  );

  it("keeps unicode as it is", () => {
    for (const v of ["Zürich", "日本語", "emoji 😀 here", "Ünïcödé, with comma"]) {
      expect(roundTrip(csvCell(v))).toBe(v);
    }
    expect(csvCell("日本語 😀")).toBe('"日本語 😀"');
  });

  it("writes booleans, numbers and dates", () => {
    expect(csvCell(true)).toBe('"true"');
    expect(csvCell(false)).toBe('"false"');
    expect(csvCell(42)).toBe('"42"');
    expect(csvCell(new Date("2026-11-20T13:00:00.250Z"))).toBe('"2026-11-20T13:00:00.250Z"');
  });
});

describe("csvCell: arrays", () => {
  it("joins array entries into one cell", () => {
    expect(csvCell(["arn:aws:s3:::a", "arn:aws:s3:::b"])).toBe('"arn:aws:s3:::a; arn:aws:s3:::b"');
    expect(csvCell(["only"])).toBe('"only"');
    expect(csvCell([])).toBe("");
  });

  it("quotes a joined array that needs it", () => {
    expect(roundTrip(csvCell(["a,b", 'c"d']))).toBe('a,b; c"d');
  });
});

describe("csvCell: formula neutralisation", () => {
  it.each([
    ["=1+1", "'=1+1"],
    ["+1", "'+1"],
    ["-1", "'-1"],
    ["@SUM(A1:A9)", "'@SUM(A1:A9)"],
    ["\tcmd", "'\tcmd"],
    ["\rcmd", "'\rcmd"],
    ["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
    ['=HYPERLINK("http://evil.example","click"), x', `'=HYPERLINK("http://evil.example","click"), x`],
    ["-", "'-"],
  ])("prefixes %j with a single quote", (input, cell) => {
    expect(roundTrip(csvCell(input))).toBe(cell);
  });

  it("prefixes exactly once and only at the start", () => {
    const out = roundTrip(csvCell("==1"));
    expect(out).toBe("'==1");
    for (const v of ["a=1", "1-2", "user@example.com", "'already", "a -1", "x\t=1", "  x", "\u200b=1"]) {
      expect(roundTrip(csvCell(v)), JSON.stringify(v)).toBe(v);
    }
  });

  // A spreadsheet may skip leading whitespace before it decides a cell is a formula (LibreOffice's
  // "trim spaces" import option; Excel for a cell that is edited), so =, +, - or @ after any run of
  // whitespace is a formula too.
  it.each([
    [" =1+1", "' =1+1"],
    ["   +1", "'   +1"],
    ["\t\t=1", "'\t\t=1"],
    ["\n=1", "'\n=1"],
    ["\r\n-1", "'\r\n-1"],
    ["\u00a0=1", "'\u00a0=1"],
    ["\u3000@SUM(A1)", "'\u3000@SUM(A1)"],
    ["\ufeff=1", "'\ufeff=1"],
    [" \u2028\u00a0\t =HYPERLINK(1)", "' \u2028\u00a0\t =HYPERLINK(1)"],
  ])("prefixes %j (a formula after leading whitespace) with a single quote", (input, cell) => {
    expect(roundTrip(csvCell(input))).toBe(cell);
  });

  it("keeps whitespace that no formula follows", () => {
    for (const v of [" x", "\u00a0", "\n", " 1", "  a=1"]) expect(roundTrip(csvCell(v)), JSON.stringify(v)).toBe(v);
    // A leading tab or CR is neutralised whatever follows (OWASP lists both as formula starts).
    expect(roundTrip(csvCell("\tx"))).toBe("'\tx");
  });

  it("treats exactly JavaScript's whitespace as whitespace (the SQL version lists the same characters)", () => {
    const js: number[] = [];
    for (let c = 0; c <= 0xffff; c++) if (/\s/.test(String.fromCharCode(c))) js.push(c);
    expect([...CSV_SPACE_CODES].sort((a, b) => a - b)).toEqual(js);
    for (const c of js) expect(isFormulaLike(String.fromCharCode(c) + "=1"), c.toString(16)).toBe(true);
  });

  it("neutralises a formula that also needs quoting", () => {
    expect(csvCell("=a,b")).toBe(`"'=a,b"`);
    expect(csvCell('=x"y')).toBe(`"'=x""y"`);
    expect(csvCell("\rx")).toBe(`"'\rx"`);
  });

  it("neutralises an array whose first entry starts like a formula", () => {
    expect(roundTrip(csvCell(["=evil", "ok"]))).toBe("'=evil; ok");
  });
});

describe("CSV header and lines", () => {
  const keys = CSV_FIELDS.map((f) => f.key);

  it("the header row is the catalog's CSV field keys, CRLF-terminated", () => {
    expect(CSV_HEADER.endsWith("\r\n")).toBe(true);
    expect(parseCsv(CSV_HEADER)).toEqual([keys]);
    for (const k of ["eventTime", "eventID", "eventName", "eventSource", "awsRegion", "username", "errorCode", "readOnly"]) {
      expect(keys).toContain(k);
    }
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("a line has one cell per CSV field, in header order, CRLF-terminated", () => {
    const row: Record<string, unknown> = {
      eventTime: new Date("2026-11-20T13:00:00Z"),
      eventID: "id-1",
      eventName: "PutObject",
      username: "alice",
      readOnly: false,
      errorCode: null,
      errorMessage: 'bad, "very"\r\nbad',
      userAgent: "=HYPERLINK(1)",
      resourceName: ["arn:aws:s3:::b", "arn:aws:s3:::b/k"],
      resourceType: ["AWS::S3::Bucket", "AWS::S3::Object"],
      notAColumn: "ignored",
    };
    const line = csvLine(row);
    expect(line.endsWith("\r\n")).toBe(true);
    const parsed = parseCsv(line);
    expect(parsed).toHaveLength(1);
    const expected = keys.map((k) => {
      switch (k) {
        case "eventTime": return "2026-11-20T13:00:00.000Z";
        case "eventID": return "id-1";
        case "eventName": return "PutObject";
        case "username": return "alice";
        case "readOnly": return "false";
        case "errorMessage": return 'bad, "very"\r\nbad';
        case "userAgent": return "'=HYPERLINK(1)";
        case "resourceName": return "arn:aws:s3:::b; arn:aws:s3:::b/k";
        case "resourceType": return "AWS::S3::Bucket; AWS::S3::Object";
        default: return "";
      }
    });
    expect(parsed[0]).toEqual(expected);
    expect(line).not.toContain("ignored");
  });

  it("headers=labels: the catalog's labels in the same order, one cell each; keys stay the default", () => {
    expect(csvHeader()).toBe(CSV_HEADER);
    expect(csvHeader("keys")).toBe(CSV_HEADER);
    const labels = csvHeader("labels");
    expect(labels.endsWith("\r\n")).toBe(true);
    expect(parseCsv(labels)).toEqual([CSV_FIELDS.map((f) => f.label)]);
    expect(parseCsv(labels)[0]).toHaveLength(keys.length);
    expect(parseCsv(labels)[0][keys.indexOf("eventName")]).toBe("Event name");
    expect(parseCsv(labels)[0][keys.indexOf("sourceIPAddress")]).toBe("Source IP");
  });

  it("header plus lines parse as one table", () => {
    const rows = [{ eventID: "a", eventName: "x\ny" }, { eventID: "b", eventName: "z" }];
    const table = parseCsv(CSV_HEADER + rows.map(csvLine).join(""));
    expect(table).toHaveLength(3);
    for (const r of table) expect(r).toHaveLength(keys.length);
    const idx = keys.indexOf("eventName");
    expect(table.slice(1).map((r) => r[idx])).toEqual(["x\ny", "z"]);
  });
});

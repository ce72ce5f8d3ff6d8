// CloudTrail record → one row of the `events` table, already in COPY text format. Pure and
// synchronous so it can run in worker threads. Column values come from the field catalog.
import { createHash } from "node:crypto";
import { credentialLinkOf } from "../actors/origin";
import { INGEST_FIELDS, parseEventTime, type CloudTrailRecord, type IngestContext } from "../fields";
import { ROLLUP_FIELD_KEYS } from "../store/rollups";
import { appendSketch, SketchBuilder, type Sketch } from "../store/sketch";
import { withEnrichment } from "../enrich/enrich";

/** Columns in the order normalizeRecord writes them (COPY events (...) FROM STDIN). */
export const COPY_COLUMNS = ["id", ...INGEST_FIELDS.map((f) => f.column), "record", "raw_json"];

/** Records nested deeper than this keep a depth-capped copy in `record` and their exact text in raw_json. */
const JSONB_MAX_DEPTH = 500;

// ---- JSON that PostgreSQL's jsonb accepts -------------------------------------------------------
// `record` is a json column (stored as text), which would take anything; the loader still writes
// only what jsonb accepts, so the column can always be cast to jsonb (an index, an ad-hoc query).

/**
 * jsonb rejects the escape \u0000 and unpaired surrogates (\ud800…\udfff). JSON.stringify writes
 * exactly those as escapes, so finding an unescaped-backslash `\u0000` or `\udXXX` in its output
 * finds every offending character.
 */
const JSONB_UNSAFE = /(?<!\\)((?:\\\\)*)\\u(0000|d[89a-f][0-9a-f]{2})/gi;

/** JSON.stringify without recursion, for records nested deeper than V8's stack allows. */
export function stringifyIterative(value: unknown): string {
  const out: string[] = [];
  type Frame = { items: [string | null, unknown][]; i: number; close: string };
  const stack: Frame[] = [];
  const open = (v: unknown): void => {
    if (v === null || typeof v !== "object") {
      out.push(v === undefined ? "null" : JSON.stringify(v));
      return;
    }
    if (Array.isArray(v)) {
      out.push("[");
      stack.push({ items: v.map((x) => [null, x] as [null, unknown]), i: 0, close: "]" });
    } else {
      out.push("{");
      const items = Object.entries(v as object).filter(([, x]) => x !== undefined) as [string, unknown][];
      stack.push({ items, i: 0, close: "}" });
    }
  };
  open(value);
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.i >= top.items.length) {
      out.push(top.close);
      stack.pop();
      continue;
    }
    const [k, v] = top.items[top.i];
    if (top.i++ > 0) out.push(",");
    if (k !== null) out.push(JSON.stringify(k), ":");
    open(v);
  }
  return out.join("");
}

/** A copy of `value` with everything deeper than `max` levels replaced by a note (iterative). */
function truncateDepth(value: unknown, max: number): unknown {
  const note = `[nested deeper than ${max} levels: see the raw record]`;
  const root: { v: unknown } = { v: undefined };
  const work: [unknown, (x: unknown) => void, number][] = [[value, (x) => (root.v = x), 0]];
  while (work.length) {
    const [v, set, depth] = work.pop()!;
    if (v === null || typeof v !== "object") set(v);
    else if (depth >= max) set(note);
    else if (Array.isArray(v)) {
      const a: unknown[] = new Array(v.length);
      set(a);
      v.forEach((x, i) => work.push([x, (y) => (a[i] = y), depth + 1]));
    } else {
      const o: Record<string, unknown> = {};
      set(o);
      for (const [k, x] of Object.entries(v)) work.push([x, (y) => (o[k] = y), depth + 1]);
    }
  }
  return root.v;
}

export interface RecordJson {
  /** What goes into the `record` column (jsonb-compatible). */
  stored: string;
  /** The exact record as JSON when `stored` had to differ from it, else null. */
  raw: string | null;
}

/**
 * Whether the JSON text nests deeper than `limit`. Each level costs at least two characters, so
 * short texts (nearly every record) are answered without a scan.
 */
export function nestsDeeperThan(json: string, limit: number): boolean {
  if (json.length <= 2 * limit) return false;
  // Nesting deeper than `limit` needs more than `limit` opening brackets; counting them with the
  // native indexOf settles nearly every record without the character-by-character scan below.
  let opens = 0;
  for (const ch of ["{", "["]) {
    for (let i = json.indexOf(ch); i !== -1; i = json.indexOf(ch, i + 1)) if (++opens > limit) break;
  }
  if (opens <= limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91 /* { [ */) {
      if (++depth > limit) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

export function recordJson(record: CloudTrailRecord): RecordJson {
  let json: string;
  try {
    json = JSON.stringify(record);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    // Too deep for V8's recursive stringify on this thread's stack.
    json = stringifyIterative(record);
  }
  // PostgreSQL's jsonb parser gives up somewhere past 10,000 levels and V8's stringify at a depth
  // that depends on the thread's stack; an explicit limit keeps the outcome the same everywhere.
  if (nestsDeeperThan(json, JSONB_MAX_DEPTH)) {
    return { stored: sanitizeJson(JSON.stringify(truncateDepth(record, JSONB_MAX_DEPTH))), raw: json };
  }
  const safe = sanitizeJson(json);
  return { stored: safe, raw: safe === json ? null : json };
}

function sanitizeJson(json: string): string {
  if (!json.includes("\\u")) return json; // native scan: nearly every record ends here
  JSONB_UNSAFE.lastIndex = 0;
  if (!JSONB_UNSAFE.test(json)) return json;
  return json.replace(JSONB_UNSAFE, (_m, bs: string) => `${bs}\\ufffd`);
}

// ---- COPY text format ---------------------------------------------------------------------------

/** Text values: PostgreSQL text cannot hold U+0000, and UTF-8 cannot hold lone surrogates. */
export function cleanText(s: string): string {
  // eslint-disable-next-line no-control-regex
  const t = s.includes("\u0000") ? s.replace(/\u0000/g, "\ufffd") : s;
  return t.isWellFormed() ? t : t.toWellFormed();
}

/**
 * copyEscape for JSON.stringify output, which never holds a raw newline, carriage return or tab
 * (it writes them as escapes): only backslashes need doubling, found by a native scan.
 */
function copyEscapeJson(s: string): string {
  return s.includes("\\") ? s.replace(/\\/g, "\\\\") : s;
}

function copyEscape(s: string): string {
  // COPY text format: backslash, newline, carriage return and tab must be escaped.
  return /[\\\n\r\t]/.test(s) ? s.replace(/[\\\n\r\t]/g, (c) => (c === "\\" ? "\\\\" : c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\\t")) : s;
}

function arrayLiteral(values: string[]): string {
  return "{" + values.map((v) => '"' + cleanText(v).replace(/[\\"]/g, (c) => "\\" + c) + '"').join(",") + "}";
}

export function copyValue(v: string | boolean | Date | string[] | null): string {
  if (v === null || v === undefined) return "\\N";
  if (typeof v === "boolean") return v ? "t" : "f";
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return copyEscape(arrayLiteral(v));
  return copyEscape(cleanText(v));
}

// ---- identity -----------------------------------------------------------------------------------

/** Canonical JSON (sorted keys) so the same record hashes the same wherever it was delivered. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
  const o = v as Record<string, unknown>;
  return "{" + Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => JSON.stringify(k) + ":" + canonical(o[k])).join(",") + "}";
}

/**
 * The dedupe key: eventID, or for records that have none (eventVersion 1.0 predates it) a
 * deterministic key from the record's content, so re-deliveries of the same record collapse.
 */
export function eventKey(record: CloudTrailRecord, json: RecordJson): string {
  const id = record.eventID;
  if (typeof id === "string" && id !== "") return cleanText(id);
  const text = json.raw ?? json.stored;
  let basis: string;
  try {
    basis = canonical(record);
  } catch {
    basis = text; // too deep to canonicalise recursively; the serialisation is deterministic too
  }
  return "v1-" + createHash("sha256").update(basis).digest("hex").slice(0, 32);
}

// ---- the row ------------------------------------------------------------------------------------

/**
 * Normalised events ready for COPY: one line per event, with its dedupe key and its rollup entry
 * (rollupEntry) at the same index; `sketches` cover the lines in order (lib/store/sketch.ts; lines
 * past the last sketch have none and are always searched).
 */
export interface EventRows {
  /** UTF-8, each with its trailing newline: views into a few large buffers (LinePacker). */
  lines: Uint8Array[];
  ids: string[];
  rollups: string[];
  sketches: Sketch[];
  /**
   * Per line: what the loader needs to set the event's actor (lib/actors/origin.ts
   * credentialLinkOf), or null. Absent: no event names one (the actor stays unknown).
   */
  links?: (string | null)[];
}

export const noRows = (): EventRows => ({ lines: [], ids: [], rollups: [], sketches: [], links: [] });

/**
 * COPY lines encoded to UTF-8 once, where they are made (a decode worker), into one buffer per
 * object that moves to the main thread without a copy. As strings they were structured-cloned
 * across, joined, and encoded again on the way to the socket: a third of the main thread's CPU
 * at 1M events (bench: CPU profile of `npm run sync`).
 */
export class LinePacker {
  private buf = Buffer.alloc(1 << 16);
  private used = 0;
  private readonly ends: number[] = [];

  push(line: string) {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const need = this.used + line.length * 3;
    if (need > this.buf.length) {
      const grown = Buffer.alloc(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.used);
      this.buf = grown;
    }
    this.used += this.buf.write(line, this.used, "utf8");
    this.ends.push(this.used);
  }

  /** The lines as views of one buffer of their own (transferable: `lines[0].buffer`). */
  finish(): Uint8Array[] {
    const out = new Uint8Array(this.used);
    out.set(this.buf.subarray(0, this.used));
    let start = 0;
    return this.ends.map((end) => {
      const view = out.subarray(start, end);
      start = end;
      return view;
    });
  }
}

const encoder = new TextEncoder();

/** Normalised events collected into EventRows: their lines, ids, rollup entries, sketches and links. */
export class RowsBuilder {
  private readonly rows = noRows();
  private readonly lines = new LinePacker();
  private readonly sketch = new SketchBuilder();

  add(n: Extract<NormalizeResult, { ok: true }>) {
    this.lines.push(n.line);
    this.rows.ids.push(n.id);
    this.rows.rollups.push(n.rollup);
    this.rows.links!.push(n.link);
    this.sketch.add(n.text);
  }

  finish(): EventRows {
    this.rows.lines = this.lines.finish();
    this.rows.sketches = this.sketch.finish();
    return this.rows;
  }
}

/** One line on its own (tests, and sources that normalise a few events at a time). */
export const encodeLine = (line: string): Uint8Array => encoder.encode(line);

const sketchedRows = (r: EventRows) => r.sketches.reduce((n, s) => n + s.rows, 0);

/**
 * Appends `from` to `into`. Sketches cover lines by position, so they are carried over only while
 * both cover every one of their lines; otherwise `into` keeps its sketched prefix and the rest of
 * its lines go unsketched (always searched).
 */
export function appendRows(into: EventRows, from: EventRows) {
  const whole = sketchedRows(into) === into.lines.length && sketchedRows(from) === from.lines.length;
  for (let i = 0; i < from.lines.length; i++) {
    into.lines.push(from.lines[i]);
    into.ids.push(from.ids[i]);
    into.rollups.push(from.rollups[i]);
    (into.links ??= []).push(from.links?.[i] ?? null);
  }
  if (whole) for (const s of from.sketches) appendSketch(into.sketches, s);
}

export type NormalizeResult =
  | {
      ok: true;
      id: string;
      line: string;
      rollup: string;
      /** the text free-text search matches (RECORD_TEXT) */
      text: string;
      /** what the loader needs to set its actor (lib/actors/origin.ts) */
      link: string | null;
    }
  | { ok: false; reason: string };

/** Where each rollup field sits among INGEST_FIELDS. */
const ROLLUP_AT = ROLLUP_FIELD_KEYS.map((k) => INGEST_FIELDS.findIndex((f) => f.key === k));
if (ROLLUP_AT.includes(-1)) throw new Error("a rollup field is not an ingest field");

/**
 * What an event adds to the rollups, as the loader needs it when the event turns out to be new:
 * JSON `[eventTime ms, ...values of ROLLUP_FIELD_KEYS]`, each value exactly as its column stores it
 * (cleaned text, booleans as "true"/"false", null for none). The loader sums these in Node instead
 * of reading the rows it just inserted back out of PostgreSQL.
 */
function rollupEntry(time: Date, values: unknown[]): string {
  const out: (number | string | null)[] = [time.getTime()];
  for (const i of ROLLUP_AT) {
    const v = values[i];
    out.push(v === null || v === undefined ? null : typeof v === "boolean" ? String(v) : cleanText(String(v)));
  }
  return JSON.stringify(out);
}

/** One COPY line (with trailing newline) for a record, or why it cannot be stored. */
export function normalizeRecord(record: unknown, ctx: IngestContext): NormalizeResult {
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    return { ok: false, reason: "record is not a JSON object" };
  }
  const r = record as CloudTrailRecord;
  const time = parseEventTime(r);
  if (!time) return { ok: false, reason: `record has no valid eventTime (${JSON.stringify(r.eventTime)?.slice(0, 40)})` };
  const json = recordJson(r);
  const id = eventKey(r, json);
  const cells = [copyEscape(id)];
  const ectx = withEnrichment(r, ctx); // source IP and user-agent classes (lib/enrich)
  const values = INGEST_FIELDS.map((f) => f.extract(r, ectx));
  for (const v of values) cells.push(copyValue(v));
  cells.push(copyEscapeJson(json.stored), json.raw === null ? "\\N" : copyEscapeJson(json.raw));
  return { ok: true, id, line: cells.join("\t") + "\n", rollup: rollupEntry(time, values), text: json.raw ?? json.stored, link: credentialLinkOf(r) };
}

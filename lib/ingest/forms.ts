// The forms CloudTrail events are handed over in, recognised by content (never by file name):
//   {"Records": [...]}                         a trail's log file
//   [ {...}, {...} ]                           a bare JSON array of events
//   one event per line                         NDJSON / JSON Lines (our own export, jq -c, …)
//   { "eventVersion": …, "eventTime": … }      a single event
//   {"Events": [{"CloudTrailEvent": "<json>"}]} `aws cloudtrail lookup-events` output
// Each gives the records as CloudTrail wrote them; normalizeRecord (lib/ingest/normalize.ts)
// turns every one into the same row whatever the form. Pure and synchronous: it runs in the
// decode workers.

export type FormName = "Records" | "array" | "ndjson" | "event" | "lookup-events";

export interface FormRecords {
  form: FormName;
  /** Candidate records, in order (each still checked by normalizeRecord). */
  records: unknown[];
  /** Parts that could not even be candidates (bad lines, unreadable CloudTrailEvent), by reason. */
  problems: Map<string, number>;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * A CloudTrail record: an eventTime and one of the fields every record carries. Management, data,
 * Insights and eventVersion 1.0 records all have eventTime and eventVersion; eventName/eventSource/
 * eventID also count, for exports that dropped eventVersion.
 */
export function looksLikeEvent(v: unknown): boolean {
  if (!isObject(v) || typeof v.eventTime !== "string") return false;
  return ["eventVersion", "eventName", "eventSource", "eventID"].some((k) => typeof v[k] === "string");
}

/** An entry of lookup-events' Events: the record is the JSON text in CloudTrailEvent. */
const isLookupEntry = (v: unknown): v is { CloudTrailEvent: string } => isObject(v) && typeof v.CloudTrailEvent === "string";

function add(problems: Map<string, number>, reason: string) {
  problems.set(reason, (problems.get(reason) ?? 0) + 1);
}

/** A lookup-events entry's record, or undefined (counted as a problem). */
function unwrapLookup(entry: { CloudTrailEvent: string }, problems: Map<string, number>): unknown {
  try {
    return JSON.parse(entry.CloudTrailEvent);
  } catch {
    add(problems, "CloudTrailEvent is not valid JSON");
    return undefined;
  }
}

/** Pushes the records one parsed value holds; false when it is none of the forms. */
function collect(value: unknown, out: unknown[], problems: Map<string, number>): FormName | null {
  if (Array.isArray(value)) {
    if (!value.some((v) => looksLikeEvent(v) || isLookupEntry(v))) return null;
    for (const v of value) {
      if (isLookupEntry(v)) {
        const r = unwrapLookup(v, problems);
        if (r !== undefined) out.push(r);
      } else out.push(v); // normalizeRecord says what is wrong with an element that is no record
    }
    return "array";
  }
  if (!isObject(value)) return null;
  if (Array.isArray(value.Records)) {
    for (const r of value.Records) out.push(r);
    return "Records";
  }
  if (Array.isArray(value.Events) && (value.Events.length === 0 || value.Events.some(isLookupEntry))) {
    for (const e of value.Events) {
      if (!isLookupEntry(e)) add(problems, "lookup-events entry without a CloudTrailEvent");
      else {
        const r = unwrapLookup(e, problems);
        if (r !== undefined) out.push(r);
      }
    }
    return "lookup-events";
  }
  if (isLookupEntry(value)) {
    const r = unwrapLookup(value, problems);
    if (r !== undefined) out.push(r);
    return "event";
  }
  if (looksLikeEvent(value)) {
    out.push(value);
    return "event";
  }
  return null;
}

/** The records of a parsed JSON document, or null when it holds no form of events. */
export function formOfDocument(doc: unknown): FormRecords | null {
  const records: unknown[] = [];
  const problems = new Map<string, number>();
  const form = collect(doc, records, problems);
  return form ? { form, records, problems } : null;
}

/**
 * NDJSON: text that is not one JSON document but whose first non-blank line is an event (or a
 * log file, or a lookup-events entry) read line by line. A line that does not parse, or holds no
 * event, is counted and the others are kept. Null when the first line says it is not NDJSON.
 */
export function formOfLines(text: string): FormRecords | null {
  const records: unknown[] = [];
  const problems = new Map<string, number>();
  let first = true;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (first) return null;
      add(problems, "line is not valid JSON");
      continue;
    }
    const form = collect(value, records, problems);
    if (first && !form) return null;
    first = false;
    if (!form) add(problems, "line holds no CloudTrail event");
  }
  return first ? null : { form: "ndjson", records, problems };
}

/**
 * Bytes → text. UTF-8 (a byte-order mark dropped), or UTF-16 when it starts with a byte-order mark:
 * Windows PowerShell 5's `>` writes `aws cloudtrail lookup-events` output as UTF-16LE.
 */
export function textOf(raw: Buffer): string {
  if (raw.length >= 2 && raw[0] === 0xff && raw[1] === 0xfe) return raw.toString("utf16le", 2);
  if (raw.length >= 2 && raw[0] === 0xfe && raw[1] === 0xff) {
    const swapped = Buffer.from(raw.subarray(2, raw.length - (raw.length % 2)));
    return swapped.swap16().toString("utf16le");
  }
  if (raw.length >= 3 && raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf) return raw.toString("utf8", 3);
  return raw.toString("utf8");
}

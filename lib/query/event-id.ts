// The <eventID> segment of /events/<eventID> and /api/events/<eventID>, as a route receives it.
//
// Next.js 16.4.6 hands the segment over differently to the two (verified against a production
// build, on full page loads and client-side navigation alike):
// - a route handler (/api/events/[id]) gets it percent-decoded once: use parseEventIdParam;
// - a page (/events/[id]) gets it still percent-encoded: use parseEventIdSegment, which decodes it
//   exactly once. Decoding a route handler's value again would turn an ID holding "%3C" into "<";
//   not decoding a page's would look "a%3Cb" up as "a%253Cb".
// Then what PostgreSQL cannot take or no stored ID can be is a 400 naming eventID instead of a
// 500: U+0000 (PostgreSQL rejects it in a text value), unpaired surrogates (not text; the URL
// decoder never makes them, a caller might), and lengths no event ID comes near.
// Malformed percent-encoding (%E0%A4%A) never reaches either: Next answers 500 for it before any
// page or route runs (400 in `next dev`); only the proxy sees such a path first.
import { ParamError, quoted } from "./params";

/**
 * Longest event ID accepted. CloudTrail's are UUIDs (36 characters), IDs made for records without
 * one `v1-<hash>`; 256 leaves room for any other source's format.
 */
export const MAX_EVENT_ID_CHARS = 256;

/** The event ID a route segment names, unchanged; throws ParamError("eventID") for one that cannot be. */
export function parseEventIdParam(raw: string): string {
  if (raw === "") throw new ParamError("eventID", "empty");
  if (raw.length > MAX_EVENT_ID_CHARS) {
    throw new ParamError("eventID", `at most ${MAX_EVENT_ID_CHARS} characters long (this one is ${raw.length})`);
  }
  if (raw.includes("\u0000")) throw new ParamError("eventID", `${quoted(raw)} must not contain U+0000 (%00)`);
  if (!raw.isWellFormed()) throw new ParamError("eventID", `${quoted(raw)} is not valid Unicode text (an unpaired surrogate)`);
  return raw;
}

/** The event ID a page's still percent-encoded segment names, decoded exactly once. */
export function parseEventIdSegment(raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new ParamError("eventID", `${quoted(raw)} is not valid percent-encoding`);
  }
  return parseEventIdParam(decoded);
}

/**
 * Whether every %XX sequence in a request path decodes (to UTF-8): the proxy can answer 400 for
 * a path where it does not, which Next itself would answer with a 500.
 */
export function isDecodablePath(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

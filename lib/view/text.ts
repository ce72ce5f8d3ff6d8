// Event values come from whoever made the API call. React already renders them as text (never as
// HTML); this also makes characters that change how text LOOKS visible, so a value cannot pose as
// another: bidirectional overrides (U+202E turns "exe.txt" around), zero-width characters and
// control characters are shown as \u escapes.
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

export function visibleText(s: string): string {
  return s.replace(INVISIBLE, (c) => "\\u" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0"));
}

/** Any event value as one line of text for a table cell. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (Array.isArray(v)) return v.map(cellText).join(", ");
  if (typeof v === "string") return visibleText(v);
  if (typeof v === "object") return visibleText(JSON.stringify(v));
  return String(v);
}

/** Shortens long text in the middle, where ARNs and IDs differ least usefully. */
export function middleEllipsis(s: string, max: number): string {
  if (s.length <= max) return s;
  const head = Math.ceil((max - 1) * 0.6);
  return s.slice(0, head) + "…" + s.slice(s.length - (max - 1 - head));
}

// One filter value as a URL writes it (CONTRACT.md, "Filter parameters"): a leading `!` excludes,
// `*` stands for any run of characters, and a backslash makes the `*`, `!` or `\` after it
// literal, so every stored value can be filtered exactly (an S3 key ending in `/*`, a name that
// starts with `!`). A backslash before anything else is itself literal: a value written before
// escapes existed keeps its meaning unless it holds `\*`, `\!` or `\\`.
// Pure: the server's parser and the browser's links share it.

/** The URL text that matches exactly `value` (the `!` for excluding it goes in front of this). */
export function exactValue(value: string): string {
  const escaped = value.replace(/[\\*]/g, "\\$&");
  return escaped.startsWith("!") ? "\\" + escaped : escaped;
}

export interface ParsedValue {
  /** Written with a leading `!`. */
  negate: boolean;
  /** The value as written, without that `!`. */
  written: string;
  /** Not a pattern: the value itself, escapes resolved. */
  exact: string | null;
  /** A pattern: as a LIKE pattern (`*` → `%`; `%`, `_` and `\` escaped with `\`). */
  like: string | null;
}

export function parseFilterValue(raw: string): ParsedValue {
  const negate = raw.startsWith("!");
  const written = negate ? raw.slice(1) : raw;
  let exact = "";
  let like = "";
  let wildcard = false;
  for (let i = 0; i < written.length; i++) {
    let c = written[i];
    const next = written[i + 1];
    if (c === "\\" && (next === "*" || next === "!" || next === "\\")) c = written[++i];
    else if (c === "*") {
      wildcard = true;
      like += "%";
      continue;
    }
    exact += c;
    like += c === "%" || c === "_" || c === "\\" ? "\\" + c : c;
  }
  return { negate, written, exact: wildcard ? null : exact, like: wildcard ? like : null };
}

/** A pattern of wildcards only (`*`): "has any value". */
export const matchesAny = (like: string | null) => like !== null && /^%+$/.test(like);

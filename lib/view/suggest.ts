// The filter bar's value suggestions, in the order someone typing expects, and which one Enter
// takes. Names match exactly and case-sensitively (CloudTrail's own values), so a typed `stoplog`
// filters nothing; the suggestions (found case-insensitively by /api/facets `contains`) are what
// the person meant. Pure: components/timeline/AddFilter.tsx draws it.
import { parseFilterValue } from "../query/filter-value";

export interface Suggestion {
  /** null: events without a value. */
  value: string | null;
  count: number;
}

/**
 * The typed text's matches first: the same value, the same value in another case, values that
 * begin with it, then the rest, each group by count as the server gave them.
 */
export function rankSuggestions(list: Suggestion[], typed: string): Suggestion[] {
  const t = typed.trim();
  if (!t) return list;
  const low = t.toLowerCase();
  const rank = (s: Suggestion) => {
    if (s.value === null) return 4;
    if (s.value === t) return 0;
    const v = s.value.toLowerCase();
    return v === low ? 1 : v.startsWith(low) ? 2 : 3;
  };
  return list
    .map((s, i) => ({ s, i, r: rank(s) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.s);
}

/** The typed text holds an unescaped `*`: a pattern, meant as written. */
export const isPattern = (typed: string) => parseFilterValue(typed.trim()).like !== null;

/**
 * Which option Enter takes before any arrow key is pressed: options are the ranked suggestions,
 * then "use as typed" (index suggestions.length) when something is typed. The best suggestion
 * when there is one, so `stoplog` ⏎ is StopLogging; as typed for a pattern or without any.
 * null: nothing typed, nothing highlighted.
 */
export function defaultOption(ranked: Suggestion[], typed: string): number | null {
  if (!typed.trim()) return null;
  if (isPattern(typed) || ranked.length === 0) return ranked.length;
  return 0;
}

import { describe, expect, it } from "vitest";
import { defaultOption, rankSuggestions } from "./suggest";

const S = (value: string | null, count: number) => ({ value, count });

describe("filter value suggestions", () => {
  it("ranks the typed value, then other cases of it, then values that begin with it, then by count", () => {
    const list = [S("DescribeTrails", 90), S("StopLoggingAll", 50), S("StopLogging", 10), S("stoplogging", 5)];
    expect(rankSuggestions(list, "stoplogging").map((s) => s.value)).toEqual(["stoplogging", "StopLogging", "StopLoggingAll", "DescribeTrails"]);
    expect(rankSuggestions(list, "StopLogging").map((s) => s.value)).toEqual(["StopLogging", "stoplogging", "StopLoggingAll", "DescribeTrails"]);
    expect(rankSuggestions(list, "")).toBe(list);
  });

  it("Enter takes the best suggestion, or the text as typed for a pattern or without suggestions", () => {
    const ranked = rankSuggestions([S("StopLogging", 3)], "stoplog");
    expect(defaultOption(ranked, "stoplog")).toBe(0);
    expect(defaultOption(ranked, "Stop*")).toBe(1); // "use as typed" follows the suggestions
    expect(defaultOption([], "stoplog")).toBe(0); // the only option: as typed
    expect(defaultOption(ranked, "  ")).toBeNull();
    expect(defaultOption(ranked, "Stop\\*")).toBe(0); // an escaped * is a character, not a pattern
  });
});

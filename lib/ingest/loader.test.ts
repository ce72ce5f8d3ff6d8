import { describe, expect, it } from "vitest";
import { joinLines } from "./loader";

describe("joinLines", () => {
  it("keeps every line, in order, in pieces of about the given size", () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `row ${i}\t${"x".repeat(i % 97)}\n`);
    for (const size of [1, 50, 4096, 1e9]) {
      const pieces = joinLines(lines, size);
      expect(pieces.join("")).toBe(lines.join(""));
      // Each piece but the last reaches the size, and ends on a line boundary.
      for (const p of pieces.slice(0, -1)) {
        expect(p.length).toBeGreaterThanOrEqual(size);
        expect(p.endsWith("\n")).toBe(true);
      }
    }
    expect(joinLines([])).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { packLines } from "./loader";
import { encodeLine, LinePacker } from "./normalize";

describe("packLines", () => {
  const texts = Array.from({ length: 1000 }, (_, i) => `row ${i}\t${"x".repeat(i % 97)}\t${i % 7 === 0 ? "é€😀" : ""}\n`);
  const suffix = (i: number) => (i % 3 ? `\t${i}\n` : "\t\\N\n");
  const expected = (idx: number[]) => idx.map((i) => texts[i].slice(0, -1) + suffix(i)).join("");

  it("keeps the chosen lines, in order, each with its suffix, in buffers of whole lines", () => {
    const packer = new LinePacker();
    for (const t of texts) packer.push(t);
    const lines = packer.finish();
    expect(lines.map((l) => Buffer.from(l).toString("utf8"))).toEqual(texts);
    const all = texts.map((_, i) => i);
    const some = all.filter((i) => i % 4 !== 1);
    for (const idx of [all, some]) {
      for (const size of [1, 50, 4096, 1e7]) {
        const pieces = packLines(lines, idx, suffix, size);
        expect(Buffer.concat(pieces).toString("utf8")).toBe(expected(idx));
        for (const p of pieces) {
          expect(p.length).toBeLessThanOrEqual(Math.max(size, 200));
          expect(p[p.length - 1]).toBe(0x0a);
        }
      }
    }
    expect(packLines(lines, [], suffix)).toEqual([]);
  });

  it("packs lines encoded one at a time the same way", () => {
    const lines = texts.map(encodeLine);
    expect(Buffer.concat(packLines(lines, [5, 2, 999], suffix)).toString("utf8")).toBe(expected([5, 2, 999]));
  });
});

// Rollup counts summed where events are decoded must equal the counts of their entries summed in
// the loader, and a batch assembled from rows without counts must fall back to the entries.
import { describe, expect, it } from "vitest";
import { generateRecords } from "../demo/generate";
import { addEvent, appendRows, LinePacker, noRows, normalizeRecord, summed, type EventRows } from "../ingest/normalize";
import { mergeSums, sumEntries, type RollupSums } from "./rollups";

function rowsOf(records: unknown[]): EventRows {
  const rows = noRows();
  const lines = new LinePacker();
  for (const r of records) {
    const n = normalizeRecord(r, {});
    if (n.ok) (lines.push(n.line), addEvent(rows, n));
  }
  rows.lines = lines.finish();
  return rows;
}

const plain = (s: RollupSums) => ({ rows: s.rows, minutes: [...s.minutes].sort(), hours: [...s.hours].sort() });

describe("rollup sums", () => {
  // Three days, so the counts span many minutes, hours and days.
  const records: unknown[] = [...generateRecords({ count: 600, seed: 7, start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-11-04T00:00:00Z") })];

  it("summed per object and merged equal the entries summed at once", () => {
    const a = rowsOf(records.slice(0, 250));
    const b = rowsOf(records.slice(250));
    const batch = noRows();
    appendRows(batch, a);
    appendRows(batch, b);
    expect(summed(batch)).toBe(true);
    expect(batch.sums!.rows).toBe(600);
    const fromEntries = sumEntries(batch.rollups);
    expect(plain(batch.sums!)).toEqual(plain(fromEntries));
    // Every event counts once per minute, and once per hour for each field it has a value of.
    expect([...batch.sums!.minutes.values()].reduce((n, m) => n + m[0], 0)).toBe(600);
    expect([...batch.sums!.minutes.values()].reduce((n, m) => n + m[1], 0)).toBe(records.filter((r) => (r as { errorCode?: string }).errorCode).length);
  });

  it("merging keeps counts of keys both sides hold", () => {
    const a = rowsOf(records.slice(0, 100)).sums!;
    const twice = sumEntries([...rowsOf(records.slice(0, 100)).rollups, ...rowsOf(records.slice(0, 100)).rollups]);
    mergeSums(a, rowsOf(records.slice(0, 100)).sums!);
    expect(plain(a)).toEqual(plain(twice));
  });

  it("rows appended without counts leave the batch without them (the loader then sums the entries)", () => {
    const withSums = rowsOf(records.slice(0, 10));
    const without = rowsOf(records.slice(10, 20));
    delete without.sums;
    const batch = noRows();
    appendRows(batch, withSums);
    expect(summed(batch)).toBe(true);
    appendRows(batch, without);
    expect(summed(batch)).toBe(false);
    appendRows(batch, rowsOf(records.slice(20, 30)));
    expect(summed(batch)).toBe(false);
    expect(batch.rollups).toHaveLength(30);
  });
});

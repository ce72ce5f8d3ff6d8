import { describe, expect, it } from "vitest";
import { BUCKET_ORIGIN, bucketStart, chooseBucket, fillBuckets, MAX_BUCKETS } from "./histogram";

const MIN = 60e3;
const H = 3600e3;
const D = 86400e3;

describe("histogram buckets", () => {
  it("chooses the bucket size from the range", () => {
    expect(chooseBucket(15 * MIN)).toBe(10e3);
    expect(chooseBucket(H)).toBe(30e3);
    expect(chooseBucket(2 * H)).toBe(MIN);
    expect(chooseBucket(4 * H)).toBe(5 * MIN);
    expect(chooseBucket(24 * H)).toBe(15 * MIN);
    expect(chooseBucket(7 * D)).toBe(3 * H);
    expect(chooseBucket(30 * D)).toBe(6 * H);
    expect(chooseBucket(90 * D)).toBe(D);
    expect(chooseBucket(13 * 365 * D)).toBe(90 * D);
    expect(chooseBucket(1000 * 365 * D)).toBe(365 * D);
    for (const r of [MIN, H, 24 * H, 30 * D, 400 * D]) expect(Math.ceil(r / chooseBucket(r))).toBeLessThanOrEqual(MAX_BUCKETS);
  });

  it("aligns buckets like date_bin with a Monday-midnight origin", () => {
    expect(new Date(BUCKET_ORIGIN).getUTCDay()).toBe(1);
    const t = Date.UTC(2026, 10, 20, 10, 7, 30);
    expect(bucketStart(t, 5 * MIN)).toBe(Date.UTC(2026, 10, 20, 10, 5));
    expect(bucketStart(t, D)).toBe(Date.UTC(2026, 10, 20));
    expect(bucketStart(Date.UTC(1999, 0, 1, 0, 30), H)).toBe(Date.UTC(1999, 0, 1));
  });

  it("fills empty buckets between the returned ones", () => {
    const from = Date.UTC(2026, 10, 20, 10, 2);
    const to = Date.UTC(2026, 10, 20, 10, 20);
    const b = fillBuckets(from, to, 5 * MIN, [{ t: Date.UTC(2026, 10, 20, 10, 10), total: 3, errors: 1 }]);
    expect(b.map((x) => [new Date(x.t).getUTCMinutes(), x.total])).toEqual([[0, 0], [5, 0], [10, 3], [15, 0]]);
  });
});

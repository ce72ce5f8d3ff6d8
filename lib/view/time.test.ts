import { describe, expect, it } from "vitest";
import { describeRange, formatDuration, formatTime, fromInputValue, isoParam, toInputValue } from "./time";

describe("time helpers", () => {
  it("formats instants densely in UTC", () => {
    expect(formatTime("2026-11-20T10:00:05Z", "utc")).toBe("2026-11-20 10:00:05");
    expect(formatTime("2026-11-20T10:00:05.250Z", "utc")).toBe("2026-11-20 10:00:05.250");
    expect(formatTime("2026-11-20T10:00:05Z", "utc", "m")).toBe("2026-11-20 10:00");
    expect(formatTime("garbage", "utc")).toBe("garbage");
  });

  it("writes URL instants without zero milliseconds", () => {
    expect(isoParam(Date.UTC(2026, 10, 20, 10))).toBe("2026-11-20T10:00:00Z");
    expect(isoParam(Date.UTC(2026, 10, 20, 10, 0, 0, 5))).toBe("2026-11-20T10:00:00.005Z");
  });

  it("round-trips datetime-local values in UTC", () => {
    const t = Date.UTC(2026, 10, 20, 23, 59, 7);
    expect(toInputValue(t, "utc")).toBe("2026-11-20T23:59:07");
    expect(fromInputValue("2026-11-20T23:59:07", "utc")?.getTime()).toBe(t);
    expect(fromInputValue("2026-11-20T23:59", "utc")?.getTime()).toBe(Date.UTC(2026, 10, 20, 23, 59));
    expect(fromInputValue("2026-11-20", "utc")).toBeNull();
  });

  it("names ranges and durations", () => {
    expect(describeRange("now-24h", null, "utc")).toBe("Last 24 hours");
    expect(describeRange(null, null, "utc")).toBe("All time");
    expect(describeRange("2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z", "utc")).toBe("2026-11-20 10:00:00 → 2026-11-20 11:00:00 UTC");
    expect(formatDuration(300_000)).toBe("5m");
    expect(formatDuration(86_400_000)).toBe("1d");
    expect(formatDuration(90 * 86_400_000)).toBe("90d");
  });
});

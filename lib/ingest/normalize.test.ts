import { describe, expect, it } from "vitest";
import { nestsDeeperThan, normalizeRecord, recordJson, stringifyIterative } from "./normalize";

function nest(depth: number): unknown {
  let v: unknown = "x";
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
}

describe("recordJson", () => {
  it("keeps ordinary records as they are, with no raw copy", () => {
    const r = { eventID: "a", eventTime: "2026-11-20T00:00:00Z", requestParameters: { s: "[[[{{{ not nesting" } };
    expect(recordJson(r)).toEqual({ stored: JSON.stringify(r), raw: null });
  });

  it("counts nesting only outside strings, and escaped quotes do not end a string", () => {
    expect(nestsDeeperThan(JSON.stringify({ s: "[".repeat(5000) }), 10)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify({ s: '\\"' + "[".repeat(5000) }), 10)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify(nest(11)), 10)).toBe(true);
    expect(nestsDeeperThan(JSON.stringify(nest(9)), 10)).toBe(false);
  });

  it("stores records deeper than the limit with a capped copy and the exact text, whatever the stack", () => {
    for (const depth of [800, 20_000, 60_000]) {
      const r = { eventID: "deep", eventTime: "2026-11-20T00:00:00Z", requestParameters: nest(depth) };
      const j = recordJson(r);
      expect(j.raw).toBe(stringifyIterative(r));
      expect(nestsDeeperThan(j.stored, 501)).toBe(false);
      expect(j.stored).toContain("nested deeper than 500 levels");
    }
  });

  it("replaces U+0000 and lone surrogates in the stored copy only", () => {
    const r = { eventID: "n", eventTime: "2026-11-20T00:00:00Z", a: "x\u0000y", b: "\ud800", c: "literal \\u0000 text", d: "😀" };
    const j = recordJson(r);
    expect(j.raw).toBe(JSON.stringify(r));
    expect(JSON.parse(j.stored)).toEqual({ ...r, a: "x\ufffdy", b: "\ufffd" });
  });
});

describe("normalizeRecord", () => {
  it("rejects records without a valid eventTime and non-objects, with a reason", () => {
    expect(normalizeRecord({ eventID: "x" }, {})).toMatchObject({ ok: false, reason: expect.stringMatching(/eventTime/) });
    expect(normalizeRecord({ eventID: "x", eventTime: "yesterday" }, {})).toMatchObject({ ok: false });
    expect(normalizeRecord([1, 2], {})).toMatchObject({ ok: false, reason: "record is not a JSON object" });
  });

  it("derives the same key for the same eventVersion 1.0 record regardless of key order", () => {
    const a = normalizeRecord({ eventVersion: "1.0", eventTime: "2014-01-01T00:00:00Z", eventName: "X", userIdentity: { type: "Root", arn: "r" } }, {});
    const b = normalizeRecord({ userIdentity: { arn: "r", type: "Root" }, eventName: "X", eventTime: "2014-01-01T00:00:00Z", eventVersion: "1.0" }, {});
    expect(a.ok && b.ok && a.id === b.id && a.id.startsWith("v1-")).toBe(true);
  });
});

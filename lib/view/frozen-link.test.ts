import { describe, expect, it } from "vitest";
import { parseEventQuery } from "../query/params";
import { frozenViewParams, isFrozenView, summariseView } from "./frozen-link";

const resolved = { from: "2026-05-01T10:00:00Z", to: "2026-05-02T10:00:00Z", asOf: "2026-05-02T10:00:00Z" };

describe("frozen view links", () => {
  it("replaces a relative range with the resolved instants and adds asOf, keeping filters and view settings", () => {
    const sp = frozenViewParams("from=now-24h&eventName=!ConsoleLogin&tz=local&cursor=abc&event=e1", resolved);
    expect([...sp]).toEqual([
      ["from", "2026-05-01T10:00:00Z"],
      ["eventName", "!ConsoleLogin"],
      ["tz", "local"],
      ["event", "e1"],
      ["to", "2026-05-02T10:00:00Z"],
      ["asOf", "2026-05-02T10:00:00Z"],
    ]);
  });

  it("keeps absolute bounds and an earlier asOf as written; a view without a start stays without one", () => {
    const kept = frozenViewParams("from=2026-04-01&to=2026-04-02&asOf=2026-04-03T00:00:00Z", resolved);
    expect(kept.toString()).toBe(new URLSearchParams("from=2026-04-01&to=2026-04-02&asOf=2026-04-03T00:00:00Z").toString());
    const all = frozenViewParams("q=root", { ...resolved, from: null });
    expect(all.has("from")).toBe(false);
    expect(all.get("to")).toBe(resolved.to);
  });

  it("resolves a relative asOf and a relative to", () => {
    const sp = frozenViewParams("from=now-7d&to=now-1h&asOf=now", resolved);
    expect(sp.get("to")).toBe(resolved.to);
    expect(sp.get("asOf")).toBe(resolved.asOf);
  });

  it("the frozen form is a valid query of the contract, and a frozen view is recognised as such", () => {
    const sp = frozenViewParams("from=now-24h&errorCode=*", resolved);
    const q = parseEventQuery(sp, { now: new Date("2030-01-01T00:00:00Z") });
    expect(q.from?.toISOString()).toBe("2026-05-01T10:00:00.000Z");
    expect(q.asOf?.toISOString()).toBe("2026-05-02T10:00:00.000Z");
    expect(isFrozenView(sp, resolved)).toBe(true);
    expect(isFrozenView("from=now-24h", resolved)).toBe(false);
    expect(isFrozenView("from=2026-05-01T10:00:00Z&to=2026-05-02T10:00:00Z", resolved)).toBe(false);
  });

  it("summarises a stored view: range in UTC, the asOf bound and each filter", () => {
    const s = summariseView("from=2026-05-01T10:00:00Z&to=2026-05-02T10:00:00Z&asOf=2026-05-02T09:30:00Z&eventName=!ConsoleLogin&q=root");
    expect(s.range).toBe("2026-05-01 10:00:00 → 2026-05-02 10:00:00 UTC");
    expect(s.asOf).toBe("2026-05-02 09:30:00 UTC");
    expect(s.filters).toEqual(["text “root”", "Event name ≠ ConsoleLogin"]);
    // A shared all-time view is stored from the epoch: it reads as having no start.
    expect(summariseView("from=1970-01-01T00:00:00.000Z&to=2026-05-02T10:00:00Z").range).toBe("before 2026-05-02 10:00:00 UTC");
  });
});

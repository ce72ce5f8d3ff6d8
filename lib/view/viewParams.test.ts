import { describe, expect, it } from "vitest";
import { DEFAULT_COLUMNS } from "../fields";
import { ParamError } from "../query/params";
import { parseViewParams, serializeColumns } from "./viewParams";
import { middleEllipsis, visibleText } from "./text";
import { mergeRelatedPages, relatedListParams, relatedPageQueries, relatedQueries } from "./related";

describe("view parameters", () => {
  it("defaults and validates columns, tz and event", () => {
    expect(parseViewParams("")).toEqual({ columns: DEFAULT_COLUMNS, tz: "utc", event: null, facetsHidden: false });
    expect(parseViewParams("columns=eventName,eventTime,eventName&tz=local&event=e1&facets=hide")).toEqual({ columns: ["eventName", "eventTime"], tz: "local", event: "e1", facetsHidden: true });
    expect(() => parseViewParams("facets=maybe")).toThrow(/facets/);
    expect(() => parseViewParams("columns=eventTime,nope")).toThrow(ParamError);
    expect(() => parseViewParams("tz=mars")).toThrow(/tz/);
    expect(() => parseViewParams("tz=utc&tz=local")).toThrow(/only once/);
    try {
      parseViewParams("columns=bogus");
    } catch (e) {
      expect((e as ParamError).param).toBe("columns");
    }
    expect(serializeColumns(DEFAULT_COLUMNS)).toBeNull();
    expect(serializeColumns(["eventTime"])).toBe("eventTime");
  });
});

describe("text safety", () => {
  it("shows bidi overrides and invisible characters as escapes", () => {
    expect(visibleText("evil\u202Etxt.exe")).toBe("evil\\u202Etxt.exe");
    expect(visibleText("a\u0000b\u200Bc")).toBe("a\\u0000b\\u200Bc");
    expect(visibleText("Zoë-日本-مرحبا")).toBe("Zoë-日本-مرحبا");
  });
  it("cuts long text in the middle", () => {
    expect(middleEllipsis("arn:aws:iam::111122223333:user/alice", 20)).toBe("arn:aws:iam:…r/alice");
    expect(middleEllipsis("short", 20)).toBe("short");
  });
});

describe("related event queries", () => {
  it("relates by request, shared event, and ±15 minutes of access key and principal", () => {
    const groups = relatedQueries({
      eventID: "e1",
      eventTime: "2026-11-20T10:00:00Z",
      requestID: "r1",
      sharedEventID: null,
      accessKeyId: "AKIA1",
      principalArn: "arn:aws:iam::1:user/a",
    });
    expect(groups.map((g) => g.id)).toEqual(["request", "accessKey", "session"]);
    expect(new URLSearchParams(groups[1].params).get("from")).toBe("2026-11-20T09:45:00Z");
    expect(new URLSearchParams(groups[1].params).get("to")).toBe("2026-11-20T10:15:00Z");
  });
  it("lists the events nearest in time for window groups", () => {
    const subject = { eventID: "e1", eventTime: "2026-11-20T10:00:00Z", requestID: "r1", sharedEventID: null, accessKeyId: "AKIA1", principalArn: null };
    const [request, key] = relatedQueries(subject);
    expect(relatedPageQueries(request, subject).map((q) => q.params.toString())).toEqual(["requestID=r1&eventID=%21e1"]);
    const [before, after] = relatedPageQueries(key, subject).map((q) => q.params);
    expect([before.get("from"), before.get("to"), before.get("sort")]).toEqual(["2026-11-20T09:45:00Z", "2026-11-20T10:00:00Z", null]);
    expect([after.get("from"), after.get("to"), after.get("sort")]).toEqual(["2026-11-20T10:00:00Z", "2026-11-20T10:15:00Z", "eventTime:asc"]);
    const merged = mergeRelatedPages([
      { events: ["b1", "b2"], nextCursor: null },
      { events: ["a1", "a2"], nextCursor: "c" },
    ]);
    expect(merged).toEqual({ events: ["a2", "a1", "b1", "b2"], more: true });
  });
  it("writes values that would read as patterns or negations escaped, so they match exactly", () => {
    expect(relatedQueries({ eventID: "e", eventTime: null, requestID: "a*b", sharedEventID: "!x", accessKeyId: null, principalArn: null })).toEqual([
      { id: "request", title: "Same request ID", params: new URLSearchParams({ requestID: "a\\*b" }).toString() },
      { id: "shared", title: "Same shared event ID", params: new URLSearchParams({ sharedEventID: "\\!x" }).toString() },
    ]);
    expect(relatedListParams({ id: "request", title: "", params: "requestID=r" }, "!e*").getAll("eventID")).toEqual(["!\\!e\\*"]);
  });
});

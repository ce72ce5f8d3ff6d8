import { describe, expect, it } from "vitest";
import { addFilter, clearFilters, dataKey, describeValue, exportHref, filterChips, filterStateOf, invertFilter, pivot, removeFilter, setParam, setSort, toParams } from "./url";

const qs = (sp: URLSearchParams) => decodeURIComponent(sp.toString());

describe("URL state helpers", () => {
  it("adds values to a field (OR) and replaces the other polarity of the same value", () => {
    let sp = addFilter("eventName=CreateUser", "eventName", "DeleteUser");
    expect(sp.getAll("eventName")).toEqual(["CreateUser", "DeleteUser"]);
    sp = addFilter(sp, "eventName", "CreateUser", true);
    expect(sp.getAll("eventName")).toEqual(["DeleteUser", "!CreateUser"]);
    expect(filterStateOf(sp, "eventName", "CreateUser")).toBe("exclude");
    expect(filterStateOf(sp, "eventName", "DeleteUser")).toBe("include");
    expect(filterStateOf(sp, "eventName", "Other")).toBeNull();
  });

  it("keeps one value for boolean fields", () => {
    expect(addFilter("readOnly=true", "readOnly", "true", true).getAll("readOnly")).toEqual(["!true"]);
  });

  it("drops the page cursor on every query change but not on view changes", () => {
    expect(addFilter("cursor=abc", "eventName", "X").has("cursor")).toBe(false);
    expect(removeFilter("eventName=X&cursor=abc", "eventName", "X").has("cursor")).toBe(false);
    expect(setParam("cursor=abc", "from", "now-1h").has("cursor")).toBe(false);
    expect(setParam("cursor=abc", "tz", "local").get("cursor")).toBe("abc");
    expect(setParam("cursor=abc", "event", "e1").get("cursor")).toBe("abc");
  });

  it("inverts a value in place and removes exactly one raw value", () => {
    expect(qs(invertFilter("eventName=A&eventName=B", "eventName", "A"))).toBe("eventName=!A&eventName=B");
    expect(qs(invertFilter("eventName=!A", "eventName", "!A"))).toBe("eventName=A");
    expect(qs(removeFilter("eventName=A&eventName=!B&q=x", "eventName", "!B"))).toBe("eventName=A&q=x");
  });

  it("clears filters and free text, keeping time, sort and view", () => {
    expect(qs(clearFilters("eventName=A&q=x&from=now-1h&sort=eventName:asc&tz=local&columns=eventTime"))).toBe("from=now-1h&sort=eventName:asc&tz=local&columns=eventTime");
  });

  it("pivots to one entity, dropping other filters and the open event", () => {
    const sp = pivot("eventName=A&from=now-7d&event=e1&cursor=c", "resourceName", ["arn:1", "arn:2"]);
    expect(qs(sp)).toBe("from=now-7d&resourceName=arn:1&resourceName=arn:2");
  });

  it("pivots to stored values exactly, escaping * and a leading !", () => {
    const sp = pivot("", "resourceName", ["arn:aws:s3:::logs/*", "!odd"]);
    expect(sp.getAll("resourceName")).toEqual(["arn:aws:s3:::logs/\\*", "\\!odd"]);
  });

  it("leaves the default sort out of the URL", () => {
    expect(setSort("sort=eventName:asc", "eventTime", "desc").has("sort")).toBe(false);
    expect(setSort("", "eventName", "asc").get("sort")).toBe("eventName:asc");
  });

  it("builds export links from the same parameters, without cursor and open event", () => {
    expect(exportHref("eventName=A&cursor=c&event=e&tz=local", "csv")).toBe("/api/export?eventName=A&tz=local");
    expect(exportHref("eventName=A&format=csv", "ndjson")).toBe("/api/export?eventName=A&format=ndjson");
    expect(exportHref("", "csv")).toBe("/api/export?");
  });

  it("keys data by the query only, independent of parameter order and view settings", () => {
    expect(dataKey("b=2&a=1&tz=local&columns=x&event=e")).toBe(dataKey("a=1&b=2"));
    expect(dataKey("eventName=A&eventName=B")).not.toBe(dataKey("eventName=B&eventName=A"));
  });

  it("describes chips in words", () => {
    expect(describeValue("errorCode", "*").label).toBe("Error: any");
    expect(describeValue("errorCode", "!*").label).toBe("Error: none");
    expect(describeValue("eventName", "!ConsoleLogin").label).toBe("Event name ≠ ConsoleLogin");
    // An escaped star is a value, not "any"; an escaped ! does not negate.
    expect(describeValue("resourceName", "\\*").label).toMatch(/= \\\*$/);
    expect(describeValue("userAgent", "\\!x")).toMatchObject({ negate: false });
    expect(filterChips("q=x&eventName=A&from=now-1h&columns=a").map((c) => c.raw)).toEqual(["A"]);
  });

  it("reads page searchParams objects and query strings alike", () => {
    expect(qs(toParams({ a: ["1", "2"], b: "3", c: undefined }))).toBe("a=1&a=2&b=3");
    expect(qs(toParams("?a=1"))).toBe("a=1");
  });
});

import { describe, expect, it } from "vitest";
import { fieldPairs } from "./compare-fields";

describe("fieldPairs", () => {
  it("pairs the catalog's fields in catalog order, marks the differing ones and leaves out fields both lack", () => {
    const a = { eventTime: "2026-11-20T10:00:01.000Z", eventName: "ListUsers", awsRegion: "us-east-1", errorCode: "AccessDenied", resourceName: ["arn:aws:s3:::b"], readOnly: true };
    const b = { eventTime: "2026-11-20T10:00:02.000Z", eventName: "ListUsers", awsRegion: "us-east-1", errorCode: null, resourceName: [], readOnly: true };
    const { pairs, bothEmpty } = fieldPairs(a, b);
    const keys = pairs.map((p) => p.key);
    expect(keys.indexOf("eventTime")).toBeLessThan(keys.indexOf("eventName"));
    expect(pairs.filter((p) => p.differs).map((p) => p.key).sort()).toEqual(["errorCode", "eventTime", "resourceName"]);
    expect(pairs.find((p) => p.key === "eventName")).toMatchObject({ label: "Event name", a: "ListUsers", b: "ListUsers", differs: false });
    expect(keys).not.toContain("userAgent");
    expect(bothEmpty).toBeGreaterThan(0);
  });
});

import { describe, expect, it } from "vitest";
import { childPath, diffJson, differingLines, mergedKeys, type DiffLine, type Json } from "./json-diff";

/** Lines as "status path a|b" for readable expectations. */
const show = (lines: DiffLine[]) => lines.map((l) => `${l.status}${l.inner ? "*" : ""} ${l.path || "·"} ${l.a ?? "∅"}|${l.b ?? "∅"}`);

describe("diffJson", () => {
  it("lines two records up key by key and marks changed, added and removed values", () => {
    const a = { eventName: "ListUsers", eventTime: "2026-11-20T10:00:01Z", userIdentity: { type: "IAMUser", userName: "alice" }, errorCode: "AccessDenied" };
    const b = { eventName: "ListUsers", eventTime: "2026-11-20T10:00:02Z", userIdentity: { type: "IAMUser", userName: "alice", accessKeyId: "AKIA1" }, readOnly: true };
    const d = diffJson(a, b);
    expect(show(d.lines)).toEqual([
      "same* · {|{",
      'same eventName "ListUsers"|"ListUsers"',
      'changed eventTime "2026-11-20T10:00:01Z"|"2026-11-20T10:00:02Z"',
      "same* userIdentity {|{",
      'same userIdentity.type "IAMUser"|"IAMUser"',
      'same userIdentity.userName "alice"|"alice"',
      'added userIdentity.accessKeyId ∅|"AKIA1"',
      "same* userIdentity }|}",
      // After userIdentity, where B has it.
      "added readOnly ∅|true",
      'removed errorCode "AccessDenied"|∅',
      "same* · }|}",
    ]);
    expect(d.differences).toBe(4);
    expect(d.cut).toBe(0);
  });

  it("marks nothing for equal records, and only the containers that hold a difference", () => {
    const r = { a: { b: [1, 2, { c: null }] }, d: "x" };
    const same = diffJson(r, structuredClone(r));
    expect(same.differences).toBe(0);
    expect(same.lines.every((l) => l.status === "same" && !l.inner)).toBe(true);
    const other = structuredClone(r) as { a: { b: Json[] }; d: string };
    other.a.b.push(3);
    const d = diffJson(r, other);
    expect(show(d.lines.filter((l) => l.inner || l.status !== "same"))).toEqual(["same* · {|{", "same* a {|{", "same* a.b [|[", "added a.b[3] ∅|3", "same* a.b ]|]", "same* a }|}", "same* · }|}"]);
    // Only the differences, each inside the containers that hold it.
    expect(show(differingLines(d.lines))).toEqual(show(d.lines.filter((l) => l.inner || l.status !== "same")));
  });

  it("shows a subtree one side lacks line by line, as one difference", () => {
    const d = diffJson({ k: 1 }, { k: 1, resources: [{ ARN: "arn:aws:s3:::b", type: "AWS::S3::Bucket" }] });
    expect(show(d.lines).slice(2, 8)).toEqual([
      "added resources ∅|[",
      "added resources[0] ∅|{",
      'added resources[0].ARN ∅|"arn:aws:s3:::b"',
      'added resources[0].type ∅|"AWS::S3::Bucket"',
      "added resources[0] ∅|}",
      "added resources ∅|]",
    ]);
    expect(d.differences).toBe(1);
  });

  it("treats a value that changes type (object against string) as one key out and one in", () => {
    const d = diffJson({ requestParameters: { bucketName: "b" } }, { requestParameters: null });
    expect(show(d.lines)).toEqual(["same* · {|{", "removed requestParameters {|∅", 'removed requestParameters.bucketName "b"|∅', "removed requestParameters }|∅", "added requestParameters ∅|null", "same* · }|}"]);
    expect(d.differences).toBe(1);
  });

  it("tells strings from numbers and null from a missing key", () => {
    expect(show(diffJson({ v: "1" }, { v: 1 }).lines)[1]).toBe('changed v "1"|1');
    expect(show(diffJson({ v: null }, {}).lines)[1]).toBe("removed v null|∅");
  });

  it("copes with records nested thousands of levels deep, and cuts long listings", () => {
    let deep: Json = "bottom";
    for (let i = 0; i < 6000; i++) deep = i % 2 ? [deep] : { level: deep };
    let deep2: Json = "other";
    for (let i = 0; i < 6000; i++) deep2 = i % 2 ? [deep2] : { level: deep2 };
    const d = diffJson({ item: deep }, { item: deep2 }, { maxLines: 100 });
    expect(d.differences).toBe(1);
    expect(d.lines).toHaveLength(100);
    expect(d.cut).toBe(2 * 6000 + 3 - 100);
    expect(d.lines[1].inner).toBe(true);
  });

  it("keeps both records' key order, placing keys only B has after the key they follow in B", () => {
    expect(mergedKeys(["a", "b", "c"], ["a", "x", "b", "y", "z", "c", "w"])).toEqual(["a", "x", "b", "y", "z", "c", "w"]);
    expect(mergedKeys(["b"], ["x", "b"])).toEqual(["x", "b"]);
    expect(mergedKeys([], ["p", "q"])).toEqual(["p", "q"]);
  });

  it("names paths as one would write them", () => {
    expect(childPath("", "userIdentity")).toBe("userIdentity");
    expect(childPath("userIdentity", "arn")).toBe("userIdentity.arn");
    expect(childPath("resources", 0)).toBe("resources[0]");
    expect(childPath("tags", "aws:cloudformation:stack-name")).toBe('tags["aws:cloudformation:stack-name"]');
  });
});

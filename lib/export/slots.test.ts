import { describe, expect, it } from "vitest";
import { acquireExportSlot, exportsRunning, maxExportsPerKey } from "./slots";

describe("export slots", () => {
  it("caps concurrent exports per key; release is idempotent", () => {
    const a1 = acquireExportSlot("user-a", 2);
    const a2 = acquireExportSlot("user-a", 2);
    expect(a1).toBeTypeOf("function");
    expect(a2).toBeTypeOf("function");
    expect(acquireExportSlot("user-a", 2)).toBeNull();
    // another key has slots of its own
    const b1 = acquireExportSlot("user-b", 2);
    expect(b1).toBeTypeOf("function");
    expect(exportsRunning("user-a")).toBe(2);

    a1!();
    a1!(); // a second release of the same slot must not free another one
    expect(exportsRunning("user-a")).toBe(1);
    const a3 = acquireExportSlot("user-a", 2);
    expect(a3).toBeTypeOf("function");
    expect(acquireExportSlot("user-a", 2)).toBeNull();

    a2!();
    a3!();
    b1!();
    expect(exportsRunning("user-a")).toBe(0);
    expect(exportsRunning("user-b")).toBe(0);
  });

  it("reads TRAILSCOPE_MAX_EXPORTS_PER_USER strictly", () => {
    expect(maxExportsPerKey({})).toBe(2);
    expect(maxExportsPerKey({ TRAILSCOPE_MAX_EXPORTS_PER_USER: "5" })).toBe(5);
    for (const bad of ["0", "-1", "two", "1.5", ""]) {
      expect(() => maxExportsPerKey({ TRAILSCOPE_MAX_EXPORTS_PER_USER: bad })).toThrow(/TRAILSCOPE_MAX_EXPORTS_PER_USER/);
    }
    const saved = process.env.TRAILSCOPE_MAX_EXPORTS_PER_USER;
    process.env.TRAILSCOPE_MAX_EXPORTS_PER_USER = "1";
    try {
      const only = acquireExportSlot("user-c");
      expect(only).toBeTypeOf("function");
      expect(acquireExportSlot("user-c")).toBeNull();
      only!();
    } finally {
      if (saved === undefined) delete process.env.TRAILSCOPE_MAX_EXPORTS_PER_USER;
      else process.env.TRAILSCOPE_MAX_EXPORTS_PER_USER = saved;
    }
  });
});

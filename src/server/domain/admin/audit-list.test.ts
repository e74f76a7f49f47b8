import { describe, expect, it } from "vitest";
import { auditChanges } from "./audit-list.ts";

describe("auditChanges", () => {
  it.each([
    ["a changed value", { value: 10 }, { value: 20 }, [{ key: "value", before: 10, after: 20 }]],
    ["only the keys that changed", { name: "A", enabled: true, price: 1 }, { name: "A", enabled: false, price: 1 }, [{ key: "enabled", before: true, after: false }]],
    ["a key added or removed", { a: 1 }, { b: 2 }, [{ key: "a", before: 1, after: null }, { key: "b", before: null, after: 2 }]],
    ["a creation (no before)", null, { name: "X" }, [{ key: "name", before: null, after: "X" }]],
    ["a removal (no after)", { name: "X" }, undefined, [{ key: "name", before: "X", after: null }]],
    ["nested values compared whole", { caps: { daily: 1 } }, { caps: { daily: 1 } }, []],
    ["scalars as `value`", 5, 6, [{ key: "value", before: 5, after: 6 }]],
  ])("%s", (_name, before, after, expected) => {
    expect(auditChanges(before, after)).toEqual(expected);
  });
});

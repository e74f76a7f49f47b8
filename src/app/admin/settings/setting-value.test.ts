import { describe, expect, it } from "vitest";
import { formatSettingValue, readNumberField } from "./setting-value.ts";

describe("formatSettingValue", () => {
  it.each([
    [true, null, "On"],
    [false, null, "Off"],
    [null, null, "Automatic"],
    [10 * 1024 * 1024, "bytes", "10 MB"],
    [1536, "bytes", "1,536 bytes"],
    [90, "days", "90 days"],
    [0.05, "credits", "0.05 credits"],
  ])("%s %s → %s", (value, unit, text) => {
    expect(formatSettingValue(value, unit)).toBe(text);
  });
});

describe("readNumberField", () => {
  const rounds = { type: "integer" as const, min: 1, max: 10 };
  it("reads a value inside the bounds", () => {
    expect(readNumberField(" 4 ", rounds, "Rounds per turn", "a whole number from 1 to 10")).toEqual({ ok: true, value: 4 });
    expect(readNumberField("0.5", { type: "number", min: 0, max: null }, "Price", "a number, at least 0")).toEqual({ ok: true, value: 0.5 });
  });
  it.each(["11", "0", "2.5", "abc", "1e3", "-1"])("refuses %s with the rule", (text) => {
    expect(readNumberField(text, rounds, "Rounds per turn", "a whole number from 1 to 10")).toEqual({ ok: false, message: "Rounds per turn must be a whole number from 1 to 10." });
  });
  it("asks for a value when the field is empty", () => {
    expect(readNumberField("", rounds, "Rounds per turn", "a whole number from 1 to 10")).toEqual({ ok: false, message: "Enter a whole number from 1 to 10." });
  });
});

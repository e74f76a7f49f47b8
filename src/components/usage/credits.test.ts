import { describe, expect, it } from "vitest";
import { creditsText, formatCredits } from "./credits.ts";

describe("formatCredits", () => {
  it.each([
    ["0", "0.00"],
    ["100", "100.00"],
    ["1234567.5", "1,234,567.50"],
    ["0.000123", "0.000123"],
    ["0.012300", "0.0123"],
    ["-2.5", "-2.50"],
    ["-0.000", "0.00"],
    ["0.1234567", "0.123456"],
    ["007.10", "7.10"],
    ["not a number", "not a number"],
  ])("%s → %s", (input, shown) => {
    expect(formatCredits(input)).toBe(shown);
  });

  it("says credit or credits", () => {
    expect(creditsText("1")).toBe("1.00 credit");
    expect(creditsText("0.5")).toBe("0.50 credits");
  });
});

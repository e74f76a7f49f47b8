import { describe, expect, it } from "vitest";
import { creditsExactText, creditsText, formatCredits, formatCreditsExact } from "./credits.ts";

describe("formatCredits", () => {
  it.each([
    ["0", "0.00"],
    ["-0.000", "0.00"],
    ["100", "100.00"],
    ["1234567.5", "1,234,567.50"],
    ["99.746137", "99.75"],
    ["-0.01997", "-0.02"],
    ["0.005", "0.01"],
    ["0.004999", "< 0.01"],
    ["0.000123", "< 0.01"],
    ["-0.004385", "-< 0.01"],
    ["2.345", "2.35"],
    ["-2.5", "-2.50"],
    ["999.995", "1,000.00"],
    ["007.10", "7.10"],
    ["not a number", "not a number"],
  ])("%s → %s", (input, shown) => {
    expect(formatCredits(input)).toBe(shown);
  });

  it("says credit or credits", () => {
    expect(creditsText("1")).toBe("1.00 credit");
    expect(creditsText("0.999")).toBe("1.00 credit");
    expect(creditsText("0.5")).toBe("0.50 credits");
    expect(creditsText("0.0001")).toBe("< 0.01 credits");
  });
});

describe("formatCreditsExact", () => {
  it.each([
    ["0", "0.00"],
    ["99.746137", "99.746137"],
    ["-0.004385", "-0.004385"],
    ["0.012300", "0.0123"],
    ["1234567.5", "1,234,567.50"],
    ["0.1234567", "0.123456"],
    ["-0.000", "0.00"],
    ["junk", "junk"],
  ])("%s → %s", (input, shown) => {
    expect(formatCreditsExact(input)).toBe(shown);
  });

  it("names the unit", () => {
    expect(creditsExactText("0.004385")).toBe("0.004385 credits");
    expect(creditsExactText("1")).toBe("1.00 credit");
  });
});

import { Decimal } from "decimal.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { availableCredits, creditsFor, isLowBalance, oeTokens, providerCostUsd, splitUsage, worstCaseCredits } from "./formula.ts";

describe("OE", () => {
  it.each([
    // The reference check (PRODUCT.md 7.2).
    [{ fresh: 100, cached: 50, output: 10 }, "50"],
    [{ fresh: 0, cached: 0, output: 0 }, "0"],
    [{ fresh: 1, cached: 0, output: 0 }, "0.35"],
    [{ fresh: 0, cached: 1, output: 0 }, "0.1"],
    [{ fresh: 0, cached: 0, output: 7 }, "7"],
    // Negatives clamp to 0.
    [{ fresh: -100, cached: -5, output: -1 }, "0"],
    [{ fresh: 1_000_000_000, cached: 3, output: 1 }, "350000001.3"],
  ])("%j → %s", (usage, expected) => {
    expect(oeTokens(usage).toString()).toBe(expected);
  });
});

describe("credits", () => {
  it.each([
    // The reference checks.
    ["10000", "0.5", "0.5"],
    ["10000", "0.2", "0.5"],
    ["10000", "1", "1"],
    ["10000", "6", "6"],
    ["50", "1", "0.005"],
    ["0", "3", "0"],
    // Rounded up at the sixth decimal: a call is never billed less than it cost.
    ["1", "1", "0.0001"],
    ["0.35", "0.5", "0.000018"],
    ["0.1", "0.5", "0.000005"],
  ])("OE %s at multiplier %s → %s", (oe, multiplier, expected) => {
    expect(creditsFor(oe, multiplier).toString()).toBe(expected);
  });

  it("never goes below the floor's price and grows with OE (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 }), fc.double({ min: 0, max: 10, noNaN: true }), (a, b, m) => {
        const multiplier = new Decimal(m).toDecimalPlaces(4);
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(creditsFor(lo, multiplier).lte(creditsFor(hi, multiplier))).toBe(true);
        expect(creditsFor(lo, multiplier).gte(creditsFor(lo, "0.5").minus("0.000001"))).toBe(true);
      }),
    );
  });
});

describe("provider cost", () => {
  it("prices fresh, cached and output tokens separately, exactly", () => {
    const cost = providerCostUsd({ fresh: 1000, cached: 500, output: 200 }, { input: "0.000003", cachedInput: "0.0000003", output: "0.000015" });
    // 1000 × 3e-6 + 500 × 3e-7 + 200 × 1.5e-5 = 0.003 + 0.00015 + 0.003
    expect(cost.toString()).toBe("0.00615");
  });
  it("is zero for a free model", () => {
    expect(providerCostUsd({ fresh: 123, cached: 4, output: 56 }, { input: 0, cachedInput: 0, output: 0 }).isZero()).toBe(true);
  });
});

describe("usage split and worst case", () => {
  it("treats all input as fresh without a cached count, and never counts cached above input", () => {
    expect(splitUsage({ inputTokens: 100, outputTokens: 5 })).toEqual({ fresh: 100, cached: 0, output: 5 });
    expect(splitUsage({ inputTokens: 100, cachedTokens: 40, outputTokens: 5 })).toEqual({ fresh: 60, cached: 40, output: 5 });
    expect(splitUsage({ inputTokens: 10, cachedTokens: 40, outputTokens: 5 })).toEqual({ fresh: 0, cached: 10, output: 5 });
  });
  it("reserves all input as fresh plus every allowed output token", () => {
    // (1000 × 0.35 + 1024) × 1 / 10 000
    expect(worstCaseCredits(1000, 1024, 1).toString()).toBe("0.1374");
    expect(worstCaseCredits(1000, 1024, "0.2").toString()).toBe("0.0687");
  });
});

describe("wallet figures", () => {
  it("available credits are the balance less what is held, never below zero", () => {
    expect(availableCredits({ balance: "10", reserved: "2.5" }).toString()).toBe("7.5");
    expect(availableCredits({ balance: "1", reserved: "3" }).toString()).toBe("0");
    expect(availableCredits({ balance: "0.000001", reserved: "0" }).toString()).toBe("0.000001");
  });

  it("a balance is low strictly below the threshold", () => {
    expect(isLowBalance("4.999999", 5)).toBe(true);
    expect(isLowBalance("5", 5)).toBe(false);
    expect(isLowBalance("100", "5")).toBe(false);
  });
});

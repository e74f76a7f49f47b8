import { describe, expect, it } from "vitest";
import { creditPacksSchema, defaultCreditPacks } from "./credit-packs.ts";

describe("credit packs setting", () => {
  it("reads credits given as numbers or strings as exact decimal strings, currency defaulting to usd", () => {
    expect(creditPacksSchema.parse([{ id: "a", credits: 123.5, priceCents: 199 }, { id: "b", credits: "0.000001", priceCents: 50, currency: "eur" }])).toEqual([
      { id: "a", credits: "123.5", priceCents: 199, currency: "usd" },
      { id: "b", credits: "0.000001", priceCents: 50, currency: "eur" },
    ]);
  });

  it.each([
    ["a duplicate id", [{ id: "a", credits: 1, priceCents: 100 }, { id: "a", credits: 2, priceCents: 200 }]],
    ["no credits", [{ id: "a", credits: 0, priceCents: 100 }]],
    ["negative credits", [{ id: "a", credits: "-5", priceCents: 100 }]],
    ["more than 6 decimals", [{ id: "a", credits: "1.0000001", priceCents: 100 }]],
    ["credits that are not a number", [{ id: "a", credits: "lots", priceCents: 100 }]],
    ["a price under Stripe's minimum", [{ id: "a", credits: 1, priceCents: 10 }]],
    ["an id with spaces", [{ id: "big pack", credits: 1, priceCents: 100 }]],
    ["a blank name", [{ id: "a", credits: 1, priceCents: 100, name: "  " }]],
  ])("refuses %s", (_name, value) => {
    expect(creditPacksSchema.safeParse(value).success).toBe(false);
  });

  it("the defaults are valid", () => {
    expect(creditPacksSchema.parse(defaultCreditPacks)).toEqual(defaultCreditPacks);
  });
});

import { describe, expect, it } from "vitest";
import { emptyPlanFields, fieldsOfPlan, formatPrice, parsePrice, planInputOf, priceLabel } from "./plan-form.ts";

describe("plan form", () => {
  it("reads prices in the main unit as cents, exactly", () => {
    expect(parsePrice("9")).toBe(900);
    expect(parsePrice("9.9")).toBe(990);
    expect(parsePrice("0.07")).toBe(7);
    expect(parsePrice("19,99")).toBe(1999);
    expect(parsePrice("9.999")).toBeNull();
    expect(parsePrice("-1")).toBeNull();
    expect(formatPrice(990)).toBe("9.90");
    expect(formatPrice(2900)).toBe("29");
    expect(priceLabel(0, "usd")).toBe("Free");
    expect(priceLabel(900, "usd")).toBe("$9.00 / month");
  });

  it("turns the fields into the API input; empty rate limits mean the global ones", () => {
    const parsed = planInputOf({ ...emptyPlanFields, name: " Team ", monthlyCredits: "2500", price: "49", allowedModels: ["llama"], rateLimitPerMinute: "5" });
    expect(parsed).toEqual({
      ok: true,
      value: { name: "Team", monthlyCredits: "2500", priceCents: 4900, currency: "usd", stripePriceId: null, allowedModels: ["llama"], rateLimitPerMinute: 5, rateLimitPerHour: null, active: true },
    });
  });

  it("names each field that is wrong", () => {
    const parsed = planInputOf({ ...emptyPlanFields, name: "", monthlyCredits: "-3", price: "abc", rateLimitPerHour: "0.5" });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(Object.keys(parsed.errors).sort()).toEqual(["monthlyCredits", "name", "priceCents", "rateLimitPerHour"]);
  });

  it("round-trips a saved plan through the form", () => {
    const plan = { key: "pro", name: "Pro", monthlyCredits: "5000", priceCents: 2990, currency: "usd", stripePriceId: "price_1", allowedModels: ["a"], rateLimitPerMinute: null, rateLimitPerHour: 100, active: true };
    const back = planInputOf(fieldsOfPlan(plan));
    expect(back).toMatchObject({ ok: true, value: { priceCents: 2990, stripePriceId: "price_1", rateLimitPerMinute: null, rateLimitPerHour: 100 } });
  });
});

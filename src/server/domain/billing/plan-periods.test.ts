import { describe, expect, it } from "vitest";
import { addMonthsUtc, periodContaining } from "./plan-periods.ts";

describe("plan periods", () => {
  it("adds calendar months, clamping to a shorter month's last day", () => {
    expect(addMonthsUtc(new Date("2026-01-31T10:00:00Z"), 1).toISOString()).toBe("2026-02-28T10:00:00.000Z");
    expect(addMonthsUtc(new Date("2028-01-31T10:00:00Z"), 1).toISOString()).toBe("2028-02-29T10:00:00.000Z");
    expect(addMonthsUtc(new Date("2026-12-15T00:00:00Z"), 1).toISOString()).toBe("2027-01-15T00:00:00.000Z");
    expect(addMonthsUtc(new Date("2026-01-31T10:00:00Z"), 3).toISOString()).toBe("2026-04-30T10:00:00.000Z");
  });

  it("finds the period containing now, in whole months from the anchor", () => {
    const anchor = new Date("2026-01-31T10:00:00Z");
    expect(periodContaining(anchor, anchor)).toEqual({ start: anchor, end: new Date("2026-02-28T10:00:00Z") });
    // Two periods missed: the third one, with boundaries from the anchor (no drift to the 28th).
    const p = periodContaining(anchor, new Date("2026-04-05T00:00:00Z"));
    expect(p.start.toISOString()).toBe("2026-03-31T10:00:00.000Z");
    expect(p.end.toISOString()).toBe("2026-04-30T10:00:00.000Z");
    // Exactly on a boundary: the new period starts there.
    expect(periodContaining(anchor, new Date("2026-02-28T10:00:00Z")).start.toISOString()).toBe("2026-02-28T10:00:00.000Z");
  });
});

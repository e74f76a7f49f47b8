import { describe, expect, it } from "vitest";
import { waitInWords } from "./wait-in-words.ts";

describe("waitInWords", () => {
  it("says seconds, minutes, hours and days as a person would", () => {
    expect(waitInWords(1)).toBe("in 1 second");
    expect(waitInWords(30)).toBe("in 30 seconds");
    expect(waitInWords(1570)).toBe("in 26 minutes");
    expect(waitInWords(60)).toBe("in 1 minute");
    expect(waitInWords(3600)).toBe("in 1 hour");
    expect(waitInWords(3600 + 20 * 60)).toBe("in 1 hour and 20 minutes");
    expect(waitInWords(2 * 86_400)).toBe("in 2 days");
  });
  it("rounds a fraction of a second up, and a wait that is over is now", () => {
    expect(waitInWords(0.2)).toBe("in 1 second");
    expect(waitInWords(0)).toBe("now");
    expect(waitInWords(-3)).toBe("now");
  });
});

import { describe, expect, it } from "vitest";
import { relativeTime } from "./relative-time.ts";

const now = new Date("2026-12-02T12:00:00Z");
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

describe("relativeTime", () => {
  it("says just now for the last few seconds, and for a clock slightly ahead", () => {
    expect(relativeTime(ago(10), now)).toBe("just now");
    expect(relativeTime(ago(-5), now)).toBe("just now");
  });
  it("counts minutes, hours and days in words", () => {
    expect(relativeTime(ago(60), now)).toBe("1 minute ago");
    expect(relativeTime(ago(5 * 60), now)).toBe("5 minutes ago");
    expect(relativeTime(ago(3 * 3600), now)).toBe("3 hours ago");
    expect(relativeTime(ago(86_400), now)).toBe("yesterday");
    expect(relativeTime(ago(3 * 86_400), now)).toBe("3 days ago");
  });
  it("gives a date past a week, and takes strings and numbers", () => {
    expect(relativeTime("2026-11-01T12:00:00Z", now)).toBe("Nov 1, 2026");
    expect(relativeTime(ago(120).getTime(), now.getTime())).toBe("2 minutes ago");
  });
});

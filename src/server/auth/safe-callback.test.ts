import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "./safe-callback.ts";

describe("safeCallbackPath", () => {
  it.each([
    ["/account", "/account"],
    ["/rooms/42?tab=roster#top", "/rooms/42?tab=roster#top"],
  ])("keeps the local path %s", (input, expected) => expect(safeCallbackPath(input)).toBe(expected));

  it.each(["//evil.example", "/\\evil.example", "/\t/evil.example", "https://evil.example/account", "javascript:alert(1)", "", undefined])(
    "refuses %j and falls back",
    (input) => expect(safeCallbackPath(input)).toBe("/account"),
  );
});

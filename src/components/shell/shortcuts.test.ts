import { describe, expect, it } from "vitest";
import { shortcutFor } from "./shortcuts.ts";

const press = (key: string, extra: Partial<{ code: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean; target: EventTarget | null }> = {}) =>
  shortcutFor({ key, code: extra.code ?? `Key${key.toUpperCase()}`, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, target: null, ...extra });

describe("shortcutFor", () => {
  it("maps the listed combinations", () => {
    expect(press("k", { ctrlKey: true })).toBe("search");
    expect(press("k", { metaKey: true })).toBe("search");
    expect(press("O", { ctrlKey: true, shiftKey: true, code: "KeyO" })).toBe("newSession");
    expect(press("˜", { altKey: true, code: "KeyN" })).toBe("newSession");
    expect(press("S", { ctrlKey: true, shiftKey: true, code: "KeyS" })).toBe("toggleSidebar");
    expect(press("/", { code: "Slash" })).toBe("focusComposer");
    expect(press("?", { shiftKey: true, code: "Slash" })).toBe("help");
  });
  it("leaves plain letters and other combinations alone", () => {
    expect(press("k")).toBeNull();
    expect(press("n", { code: "KeyN" })).toBeNull();
    expect(press("k", { ctrlKey: true, shiftKey: true })).toBeNull();
    expect(press("/", { ctrlKey: true, code: "Slash" })).toBeNull();
  });
});

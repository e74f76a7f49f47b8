import { describe, expect, it } from "vitest";
import { parseSignInEmail } from "./users.ts";

describe("parseSignInEmail", () => {
  it("normalizes one plain address", () => expect(parseSignInEmail("  Ada@Example.COM ")).toBe("ada@example.com"));

  it.each(["v@x.com,a@evil.example", "v@x.com;a@evil.example", '"a@b"@evil.example', "Ada <ada@example.com>", "no-at-sign", "a@b@c.com", "a b@example.com"])(
    "refuses %j",
    (input) => expect(() => parseSignInEmail(input)).toThrow(/single e-mail address/),
  );
});

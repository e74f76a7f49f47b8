/** Provider keys at rest: AES-256-GCM, authenticated, unreadable with another key. */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, lastFour, parseEncryptionKey } from "./secret-box.ts";

describe("secret box", () => {
  const key = randomBytes(32);

  it("round-trips, with a fresh nonce each time, and never contains the plain text", () => {
    const a = encryptSecret("sk-or-v1-secret-1234", key);
    const b = encryptSecret("sk-or-v1-secret-1234", key);
    expect(a).not.toBe(b);
    expect(a.startsWith("v1.")).toBe(true);
    expect(a).not.toContain("secret");
    expect(decryptSecret(a, key)).toBe("sk-or-v1-secret-1234");
    expect(lastFour("sk-or-v1-secret-1234")).toBe("1234");
  });

  it("fails loudly with another key or a tampered text", () => {
    const sealed = encryptSecret("sk-test", key);
    expect(() => decryptSecret(sealed, randomBytes(32))).toThrow();
    const [v, iv, tag, ct] = sealed.split(".");
    const flipped = Buffer.from(ct!, "base64url");
    flipped[0] = flipped[0]! ^ 1;
    expect(() => decryptSecret([v, iv, tag, flipped.toString("base64url")].join("."), key)).toThrow();
  });

  it("reads a key in base64, base64url or hex, and refuses anything but 32 bytes", () => {
    const bytes = randomBytes(32);
    expect(parseEncryptionKey(bytes.toString("base64"))).toEqual(bytes);
    expect(parseEncryptionKey(bytes.toString("base64url"))).toEqual(bytes);
    expect(parseEncryptionKey(bytes.toString("hex"))).toEqual(bytes);
    expect(parseEncryptionKey(randomBytes(16).toString("base64"))).toBeNull();
    expect(parseEncryptionKey("correct horse battery staple")).toBeNull();
  });
});

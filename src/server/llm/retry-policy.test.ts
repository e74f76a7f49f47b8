/** Which failed attempts are tried again, and when a model's fallback takes over (PRODUCT.md 13). */
import { describe, expect, it } from "vitest";
import { errorCodeOf, nextAttempt, TRIES_PER_MODEL } from "./retry-policy.ts";

const fresh = { triesOnModel: 1, streamed: false, fallbackAlias: null, onFallback: false };

describe("nextAttempt", () => {
  it("retries a transient provider error once on the same model, then gives up without a fallback", () => {
    expect(nextAttempt({ kind: "provider", transient: true }, fresh)).toEqual({ kind: "retry" });
    expect(nextAttempt({ kind: "rate_limited", transient: true }, fresh)).toEqual({ kind: "retry" });
    expect(nextAttempt({ kind: "provider", transient: true }, { ...fresh, triesOnModel: TRIES_PER_MODEL })).toBeNull();
  });

  it("hands a model that still fails, or cannot be reached, to its fallback, one hop only", () => {
    const withFallback = { ...fresh, fallbackAlias: "qwen" };
    expect(nextAttempt({ kind: "unavailable", transient: true }, withFallback)).toEqual({ kind: "fallback", alias: "qwen" });
    expect(nextAttempt({ kind: "provider", transient: true }, { ...withFallback, triesOnModel: 2 })).toEqual({ kind: "fallback", alias: "qwen" });
    expect(nextAttempt({ kind: "unavailable", transient: true }, { ...withFallback, onFallback: true })).toBeNull();
    expect(nextAttempt({ kind: "unavailable", transient: true }, fresh)).toBeNull();
  });

  it("never tries again after text streamed, a cancel, a timeout or a client error", () => {
    const withFallback = { ...fresh, fallbackAlias: "qwen" };
    expect(nextAttempt({ kind: "provider", transient: true }, { ...withFallback, streamed: true })).toBeNull();
    expect(nextAttempt({ kind: "cancelled", transient: false }, withFallback)).toBeNull();
    expect(nextAttempt({ kind: "timeout", transient: false }, withFallback)).toBeNull();
    expect(nextAttempt({ kind: "provider", transient: false }, withFallback)).toBeNull();
  });

  it("names the step's error", () => {
    expect(errorCodeOf({ kind: "unavailable" })).toBe("provider_unavailable");
    expect(errorCodeOf({ kind: "provider" })).toBe("provider_error");
    expect(errorCodeOf({ kind: "timeout" })).toBe("timeout");
  });
});

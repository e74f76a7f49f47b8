import { describe, expect, it } from "vitest";
import { describeSendError, sendBlockReason } from "./send-rules.ts";

const roster = [{ key: "editor" }, { key: "fact-checker" }];

describe("sendBlockReason", () => {
  it("needs a roster tag in manual mode", () => {
    expect(sendBlockReason({ mode: "manual", roster, message: "hello", turnActive: false })).toMatch(/tag at least one agent, like @editor/);
    expect(sendBlockReason({ mode: "manual", roster, message: "hello @nobody", turnActive: false })).toMatch(/@nobody is not on this room's roster/);
    expect(sendBlockReason({ mode: "manual", roster, message: "mail bob@editor.com", turnActive: false })).toMatch(/tag at least one/);
    expect(sendBlockReason({ mode: "manual", roster, message: "hello @Fact-Checker", turnActive: false })).toBeNull();
  });
  it("needs agents in a room, and no running turn", () => {
    expect(sendBlockReason({ mode: "roundtable", roster: [], message: "hi", turnActive: false })).toMatch(/no agents/);
    expect(sendBlockReason({ mode: "orchestrator", roster, message: "hi", turnActive: true })).toMatch(/turn is running/);
    expect(sendBlockReason({ mode: "direct", roster: [], message: "hi", turnActive: false })).toBeNull();
  });
});

describe("describeSendError", () => {
  it("links a plan refusal to Change plan and a credits refusal to Buy credits, with the server's sentence", () => {
    expect(describeSendError({ message: 'Your plan "Free" does not include the model "gpt".', data: { appCode: "model_not_in_plan" } })).toEqual({
      text: 'Your plan "Free" does not include the model "gpt".',
      network: false,
      fix: { href: "/usage#plans", label: "Change plan" },
    });
    expect(describeSendError({ message: "Not enough credits.", data: { appCode: "insufficient_credits" } }).fix).toEqual({ href: "/usage#buy-credits", label: "Buy credits" });
    expect(describeSendError({ message: "Busy.", data: { appCode: "turn_in_progress" } }).fix).toBeUndefined();
  });

  it("explains rate limits with the wait, and network errors as safe to retry", () => {
    expect(describeSendError({ message: "x", data: { appCode: "rate_limited", details: { retryAfterSeconds: 42 } } })).toEqual({
      text: "Too many turns — try again in 42 seconds.",
      retryAfterSeconds: 42,
      network: false,
    });
    expect(describeSendError({ message: "Failed to fetch" }).network).toBe(true);
    expect(describeSendError({ message: "x", data: { appCode: "context_budget_exceeded", details: { agentKey: "a", model: "local", neededTokens: 9000, budgetTokens: 5000 } } }).text).toMatch(
      /needs 9000 tokens and the budget is 5000/,
    );
  });
});

describe("rateLimitText", () => {
  it("says the wait in words", () => {
    expect(describeSendError({ message: "x", data: { appCode: "rate_limited", details: { retryAfterSeconds: 1570 } } }).text).toBe("Too many turns — try again in 26 minutes.");
    expect(describeSendError({ message: "x", data: { appCode: "rate_limited", details: {} } }).text).toBe("Too many turns for now — try again later.");
  });
});

/**
 * The turn event schemas: each event shaped as its writer builds it parses unchanged; a payload
 * with a wrong status, kind or mode, a missing or mistyped field, or an unknown type is refused.
 * (turn-events.integration.test.ts checks the events real turns write.)
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { turnEvent, turnEventBody, type TurnEventBody } from "./turn-event-schema.ts";

const turnId = randomUUID();
const stepId = randomUUID();
const manager = { id: null, key: null, name: "Manager", model: "llama" };

/** One of each event, with the fields its writer in src/server/domain/** emits. */
const samples: TurnEventBody[] = [
  { type: "mode_applied", turnId, from: "roundtable", to: "orchestrator" },
  { type: "turn_started", turnId, mode: "direct", roster: [{ id: randomUUID(), key: "alpha", name: "Alpha", model: "local" }] },
  { type: "step_started", turnId, stepId, index: 1, kind: "manager_route", agent: manager, round: 1, attempt: 2 },
  { type: "step_delta", stepId, text: "Hel" },
  { type: "step_completed", stepId, status: "succeeded", usage: { inputTokens: 500, cachedTokens: 0, outputTokens: 50, credits: "0.012345" }, latencyMs: 10, error: null },
  { type: "step_completed", stepId, status: "failed", usage: { inputTokens: 0, cachedTokens: 0, outputTokens: 0, credits: "1e-7" }, latencyMs: null, error: { code: "provider_error", message: "bad request" } },
  { type: "turn_completed", turnId, status: "partial", credits: "0.5", balanceAfter: "99.500000", lowBalance: false },
  { type: "turn_completed", turnId, status: "completed", credits: "0", balanceAfter: null, lowBalance: false },
  { type: "turn_failed", turnId, code: "all_steps_failed", message: "Every agent's call failed; see the steps for why." },
  { type: "turn_cancelled", turnId },
  { type: "tool_started", stepId, toolCallId: randomUUID(), tool: "file_read", input: { file_id: randomUUID() } },
  { type: "tool_completed", stepId, toolCallId: randomUUID(), status: "succeeded", summary: "Searched: solar", sources: [{ title: "A", url: "https://example.com/a" }], latencyMs: 12, credits: "0.05" },
  { type: "tool_completed", stepId, toolCallId: randomUUID(), status: "denied", summary: "Not allowed: search", latencyMs: null, credits: "0" },
  { type: "file_status", fileId: randomUUID(), status: "failed", error: "The PDF is damaged." },
  { type: "session_title", sessionId: randomUUID(), title: "Launch plan for Tuesday" },
];

describe("turnEventBody", () => {
  it.each(samples.map((s) => [s.type, s] as const))("%s, as written, parses unchanged", (_type, sample) => {
    expect(turnEventBody.parse(sample)).toEqual(sample);
    // What the stream carries is JSON: it parses after the round trip through the jsonb column too.
    expect(turnEventBody.parse(JSON.parse(JSON.stringify(sample)))).toEqual(sample);
  });

  it("has a schema for every event type of PRODUCT.md section 6 that a turn writes, and the samples cover them", () => {
    const types = turnEventBody.options.map((o) => o.shape.type.value);
    expect(new Set(types)).toEqual(new Set(["turn_started", "step_started", "step_delta", "step_completed", "turn_completed", "turn_failed", "turn_cancelled", "mode_applied", "tool_started", "tool_completed", "file_status", "session_title"]));
    expect(new Set(samples.map((s) => s.type))).toEqual(new Set(types));
  });

  const started = samples.find((s) => s.type === "step_started")!;
  const completed = samples.find((s) => s.type === "step_completed")!;
  const refused: [string, unknown][] = [
    ["an unknown type", { type: "tool_finished", stepId }],
    ["a title without its session", { type: "session_title", title: "Launch" }],
    ["a tool event without its call id", { type: "tool_started", stepId, tool: "search", input: {} }],
    ["no type", { turnId }],
    ["a missing field", { type: "step_delta", stepId }],
    ["a step status that is not an end", { ...completed, status: "running" }],
    ["a step status that is not a step's", { ...completed, status: "completed" }],
    ["a turn status that turn_completed never carries", { type: "turn_completed", turnId, status: "failed", credits: "0", balanceAfter: null, lowBalance: false }],
    ["an unknown step kind", { ...started, kind: "manager" }],
    ["an unknown turn mode", { type: "turn_started", turnId, mode: "chaos", roster: [] }],
    ["a turn mode a room cannot have", { type: "mode_applied", turnId, from: "manual", to: "direct" }],
    ["a fractional index", { ...started, index: 1.5 }],
    ["a number as text", { ...started, round: "1" }],
    ["negative tokens", { ...completed, usage: { inputTokens: -1, cachedTokens: 0, outputTokens: 0, credits: null } }],
    ["credits that are not a decimal", { ...completed, usage: { inputTokens: 1, cachedTokens: 0, outputTokens: 0, credits: "NaN" } }],
    ["a step id that is not a uuid", { type: "step_delta", stepId: "step-1", text: "x" }],
    ["an agent with no name", { ...started, agent: { id: null, key: null, model: "llama" } }],
    ["a roster entry with no key", { type: "turn_started", turnId, mode: "manual", roster: [{ id: randomUUID(), key: null, name: "A", model: "local" }] }],
    ["an error with no message", { ...completed, error: { code: "x" } }],
    ["a string", "step_delta"],
    ["null", null],
  ];
  it.each(refused)("refuses %s", (_what, payload) => {
    expect(turnEventBody.safeParse(payload).success).toBe(false);
  });

  it("drops a field it does not know (an event from a newer writer still reads)", () => {
    expect(turnEventBody.parse({ type: "turn_cancelled", turnId, reason: "user" })).toEqual({ type: "turn_cancelled", turnId });
  });
});

describe("turnEvent", () => {
  const envelope = { id: "42", sessionId: randomUUID(), turnId, at: new Date().toISOString(), event: samples[3]! };

  it("parses an event as subscribers get it", () => {
    expect(turnEvent.parse(envelope)).toEqual(envelope);
    expect(turnEvent.parse({ ...envelope, turnId: null })).toEqual({ ...envelope, turnId: null });
  });

  it.each([
    ["an id that is not a bigint", { ...envelope, id: "abc" }],
    ["a time that is not ISO 8601", { ...envelope, at: "yesterday" }],
    ["no session", { ...envelope, sessionId: undefined }],
    ["a malformed event", { ...envelope, event: { type: "step_delta", stepId } }],
  ] as const)("refuses %s", (_what, payload) => {
    expect(turnEvent.safeParse(payload).success).toBe(false);
  });
});

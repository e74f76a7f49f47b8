import { describe, expect, it } from "vitest";
import type { DisplayStep, DisplayTurn } from "./live-turns.ts";
import { sameDisplayTurn } from "./same-turn.ts";

const call = { id: "c1", tool: "search", status: "succeeded" as const, input: {}, summary: "", sources: [], latencyMs: 1, credits: "0", error: null };
const step = (over: Partial<DisplayStep> = {}): DisplayStep => ({
  id: "s1",
  index: 1,
  kind: "agent",
  round: 1,
  status: "running",
  attempt: 1,
  agent: { id: "a", key: "a", name: "A", model: "local" },
  output: "",
  text: "Hello",
  toolCalls: [call],
  sources: [],
  error: null,
  usage: null,
  credits: null,
  latencyMs: null,
  ttftMs: null,
  metadata: {},
  startedAt: new Date(1000),
  finishedAt: null,
  ...over,
});
const turn = (steps: DisplayStep[], over: Partial<DisplayTurn> = {}): DisplayTurn =>
  ({ id: "t1", index: 1, status: "running", credits: "0", createdAt: new Date(5), roster: [{ id: "a", key: "a", name: "A", model: "local" }], metadata: {}, error: null, steps, ...over }) as unknown as DisplayTurn;

describe("sameDisplayTurn", () => {
  it("is true for a rebuilt copy of the same turn (new objects, equal dates, same tool calls)", () => {
    expect(sameDisplayTurn(turn([step()]), turn([step({ startedAt: new Date(1000), toolCalls: [call] })], { createdAt: new Date(5) }))).toBe(true);
  });

  it("is false when streamed text grows, a status changes, a step or a tool call is added, or the credits change", () => {
    const base = turn([step()]);
    expect(sameDisplayTurn(base, turn([step({ text: "Hello there" })]))).toBe(false);
    expect(sameDisplayTurn(base, turn([step({ status: "succeeded" })]))).toBe(false);
    expect(sameDisplayTurn(base, turn([step(), step({ id: "s2", index: 2 })]))).toBe(false);
    expect(sameDisplayTurn(base, turn([step({ toolCalls: [call, { ...call, id: "c2" }] })]))).toBe(false);
    expect(sameDisplayTurn(base, turn([step()], { credits: "0.01" }))).toBe(false);
    expect(sameDisplayTurn(base, turn([step({ usage: { inputTokens: 1, cachedTokens: 0, outputTokens: 2, source: null } })]))).toBe(false);
  });
});

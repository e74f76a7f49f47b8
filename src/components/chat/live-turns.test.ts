import { describe, expect, it } from "vitest";
import type { TurnView } from "@/server/domain/turns/turn-view.ts";
import type { TurnEvent, TurnEventBody } from "@/server/realtime/turn-events.ts";
import { applyEvent, emptyLive, mergeTurns, type LiveState } from "./live-turns.ts";

const agent = { id: "a1", key: "strategist", name: "Strategist", model: "local" };
let nextId = 1;
const ev = (event: TurnEventBody): TurnEvent => ({ id: String(nextId++), sessionId: "s", turnId: "t", at: "", event });
const fold = (events: TurnEvent[], state: LiveState = emptyLive("s")) => events.reduce(applyEvent, state);

function turn(over: Partial<TurnView> = {}): TurnView {
  return {
    id: "t",
    sessionId: "s",
    index: 1,
    mode: "roundtable",
    status: "running",
    userInput: "hi",
    roster: [agent],
    selectedKeys: ["strategist"],
    metadata: {},
    error: null,
    clientRequestId: "c",
    credits: "0",
    createdAt: new Date(),
    startedAt: new Date(),
    finishedAt: null,
    steps: [],
    ...over,
  } as TurnView;
}

function step(over: Partial<TurnView["steps"][number]> = {}): TurnView["steps"][number] {
  return {
    id: "st1",
    index: 1,
    kind: "agent",
    round: 1,
    status: "running",
    attempt: 1,
    agent,
    output: "",
    error: null,
    usage: null,
    credits: null,
    latencyMs: null,
    ttftMs: null,
    metadata: {},
    startedAt: new Date(),
    finishedAt: null,
    ...over,
  } as TurnView["steps"][number];
}

const started = (attempt = 1) => ev({ type: "step_started", turnId: "t", stepId: "st1", index: 1, kind: "agent", agent, round: 1, attempt });
const delta = (text: string) => ev({ type: "step_delta", stepId: "st1", text });

describe("live turns", () => {
  it("shows a step heard of before the list has it, with its streamed text", () => {
    const live = fold([started(), delta("Hel"), delta("lo")]);
    const [shown] = mergeTurns([turn()], live);
    expect(shown!.steps).toMatchObject([{ id: "st1", status: "running", text: "Hello" }]);
  });

  it("applies each event once, and a new attempt starts the text over", () => {
    const start = started();
    const first = delta("A");
    let live = fold([start, first]);
    live = applyEvent(live, first);
    expect(mergeTurns([turn({ steps: [step()] })], live)[0]!.steps[0]!.text).toBe("A");
    live = fold([started(2), delta("B")], live);
    expect(mergeTurns([turn({ steps: [step()] })], live)[0]!.steps[0]).toMatchObject({ text: "B", attempt: 2 });
  });

  it("prefers the list's output once the step ended there", () => {
    const live = fold([started(), delta("partial")]);
    const [shown] = mergeTurns([turn({ steps: [step({ status: "succeeded", output: "Full answer" })] })], live);
    expect(shown!.steps[0]).toMatchObject({ status: "succeeded", text: "Full answer" });
  });

  it("ends the turn and its running steps when the end is heard before a refetch", () => {
    const live = fold([started(), delta("x"), ev({ type: "turn_cancelled", turnId: "t" })]);
    const [shown] = mergeTurns([turn({ steps: [step()] })], live);
    expect(shown!.status).toBe("cancelled");
    expect(shown!.steps[0]).toMatchObject({ status: "cancelled", text: "x" });
  });

  it("carries credits: a step's from step_completed (added to its earlier attempts'), the turn's from turn_completed", () => {
    const completed = (credits: string) =>
      ev({ type: "step_completed", stepId: "st1", status: "succeeded", usage: { inputTokens: 10, cachedTokens: 0, outputTokens: 5, credits }, latencyMs: 5, error: null });
    let live = fold([started(2), completed("0.000123")]);
    // The list still has the step running, with its first attempt's row only.
    let [shown] = mergeTurns([turn({ credits: "0.1", steps: [step({ attempt: 2, credits: "0.1" })] })], live);
    expect(shown!.steps[0]!.credits).toBe("0.100123");
    expect(shown!.credits).toBe("0.100123");
    live = fold([ev({ type: "turn_completed", turnId: "t", status: "completed", credits: "0.100123", balanceAfter: "99.9", lowBalance: false })], live);
    [shown] = mergeTurns([turn({ credits: "0.1", steps: [step({ attempt: 2, credits: "0.1" })] })], live);
    expect(shown).toMatchObject({ status: "completed", credits: "0.100123" });
    // Once the list has the end, its figures win.
    [shown] = mergeTurns([turn({ status: "completed", credits: "0.2", steps: [step({ status: "succeeded", attempt: 2, credits: "0.2" })] })], live);
    expect(shown).toMatchObject({ credits: "0.2", steps: [{ credits: "0.2" }] });
  });
});

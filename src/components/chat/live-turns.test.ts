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
});

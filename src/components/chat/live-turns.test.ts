import { describe, expect, it } from "vitest";
import type { TurnView } from "@/server/domain/turns/turn-view.ts";
import type { TurnEvent, TurnEventBody } from "@/server/realtime/turn-events.ts";
import { applyEvent, emptyLive, isWebUrl, mergeTurns, type LiveState } from "./live-turns.ts";

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
    toolCalls: [],
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

  describe("tool calls", () => {
    const callId = "00000000-0000-4000-8000-0000000000c1";
    const toolStarted = (id = callId, input: Record<string, unknown> = { query: "solar panels" }) => ev({ type: "tool_started", stepId: "st1", toolCallId: id, tool: "search", input });
    const toolCompleted = (over: Partial<{ status: "succeeded" | "failed" | "cancelled" | "denied"; summary: string; sources: { title: string; url: string }[] }> = {}, id = callId) =>
      ev({ type: "tool_completed", stepId: "st1", toolCallId: id, status: over.status ?? "succeeded", summary: over.summary ?? "Searched: solar panels", sources: over.sources, latencyMs: 42, credits: "0.01" });
    type ListedCall = TurnView["steps"][number]["toolCalls"][number];
    const listedCall = (over: Partial<ListedCall> = {}): ListedCall => ({
      id: callId,
      tool: "search",
      status: "succeeded",
      input: { query: "solar panels" },
      summary: "Searched: solar panels",
      sources: [],
      latencyMs: 40,
      credits: "0.01",
      error: null,
      ...over,
    });
    const shownStep = (live: LiveState, steps = [step()]) => mergeTurns([turn({ steps })], live)[0]!.steps[0]!;

    it("shows a running call from tool_started, then its end from tool_completed, in call order", () => {
      let live = fold([started(), toolStarted()]);
      expect(shownStep(live).toolCalls).toMatchObject([{ id: callId, tool: "search", status: "running", input: { query: "solar panels" }, summary: "", credits: null }]);
      live = fold([toolStarted("00000000-0000-4000-8000-0000000000c2", { query: "wind" }), toolCompleted()], live);
      expect(shownStep(live).toolCalls).toMatchObject([
        { id: callId, status: "succeeded", summary: "Searched: solar panels", latencyMs: 42, credits: "0.01" },
        { id: "00000000-0000-4000-8000-0000000000c2", status: "running" },
      ]);
    });

    it("is pure and applies each tool event once", () => {
      const before = fold([started()]);
      const start = toolStarted();
      const after = applyEvent(before, start);
      expect(before.steps.get("st1")!.toolCalls).toEqual([]);
      expect(applyEvent(after, start)).toBe(after);
      // Even with a new id, the same call is not added twice.
      expect(shownStep(applyEvent(after, toolStarted())).toolCalls).toHaveLength(1);
    });

    it("keeps a step's tool calls across a new attempt of the step", () => {
      const live = fold([started(), toolStarted(), toolCompleted(), delta("partial"), started(2)]);
      expect(shownStep(live)).toMatchObject({ attempt: 2, text: "", toolCalls: [{ id: callId, status: "succeeded" }] });
    });

    it("shows a completion whose start it never heard, and a tool event for a step the list does not have yet", () => {
      const live = fold([toolCompleted({ status: "failed", summary: "Search failed: provider unreachable" }), started()]);
      expect(shownStep(live, []).toolCalls).toMatchObject([{ id: callId, status: "failed", summary: "Search failed: provider unreachable", input: {} }]);
    });

    it("lists the step's sources once each, http(s) only, from every call", () => {
      const sources = [
        { title: "A", url: "https://a.example/1" },
        { title: "A again", url: "https://a.example/1" },
        { title: "Script", url: "javascript:alert(1)" },
        { title: "Data", url: "data:text/html,hi" },
        { title: "B", url: "http://b.example/" },
      ];
      const live = fold([started(), toolStarted(), toolCompleted({ sources })]);
      expect(shownStep(live).sources).toEqual([
        { title: "A", url: "https://a.example/1" },
        { title: "B", url: "http://b.example/" },
      ]);
    });

    it("after a reload, shows the list's tool calls (with their errors); a running one takes the event's end", () => {
      const failed = listedCall({ id: "00000000-0000-4000-8000-0000000000c3", status: "failed", error: "No such file", summary: "Read failed" });
      const ended = shownStep(emptyLive("s"), [step({ status: "succeeded", output: "Done", toolCalls: [listedCall(), failed] })]);
      expect(ended.toolCalls.map((c) => [c.status, c.error])).toEqual([
        ["succeeded", null],
        ["failed", "No such file"],
      ]);
      const live = fold([started(), toolCompleted({ summary: "Searched: solar panels (5 results)" })]);
      const shown = shownStep(live, [step({ toolCalls: [listedCall({ status: "running", summary: "", latencyMs: null, credits: "0" })] })]);
      expect(shown.toolCalls).toMatchObject([{ id: callId, status: "succeeded", summary: "Searched: solar panels (5 results)", input: { query: "solar panels" }, credits: "0.01" }]);
    });

    it("starts the step's text over at a tool call: the answer is the next model call's", () => {
      const live = fold([started(), delta("Let me read it. "), toolStarted(), toolCompleted(), delta("It says 40.")]);
      expect(shownStep(live).text).toBe("It says 40.");
    });

    it("follows the streamed answer when the list is ahead by the tool loop's next model call (no step_started)", () => {
      const live = fold([started(), toolStarted(), toolCompleted(), delta("It says")]);
      // The list has the step at its second model call, with nothing written yet.
      const shown = shownStep(live, [step({ attempt: 2, output: "", toolCalls: [listedCall()] })]);
      expect(shown).toMatchObject({ status: "running", attempt: 2, text: "It says" });
      // A restart (no tool calls heard) still shows the list's newer attempt until its step_started arrives.
      expect(shownStep(fold([started(), delta("old")]), [step({ attempt: 2, output: "" })])).toMatchObject({ attempt: 2, text: "" });
    });

    it("shows a call still running in a step that ended as cancelled", () => {
      const live = fold([started(), toolStarted(), ev({ type: "turn_cancelled", turnId: "t" })]);
      expect(shownStep(live)).toMatchObject({ status: "cancelled", toolCalls: [{ status: "cancelled" }] });
    });

    it("a file_status event moves the stream on and changes no turn", () => {
      const before = fold([started()]);
      const after = applyEvent(before, ev({ type: "file_status", fileId: "00000000-0000-4000-8000-0000000000f1", status: "ready" }));
      expect(after).not.toBe(before);
      expect(after.steps).toBe(before.steps);
      expect(after.turns).toBe(before.turns);
    });
  });

  it("recognizes web links only", () => {
    expect(["https://x.example", "http://x.example/a?b", "javascript:alert(1)", "mailto:a@b.c", "/relative", "not a url"].map(isWebUrl)).toEqual([true, true, false, false, false, false]);
  });
});

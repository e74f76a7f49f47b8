/**
 * Orchestrator mode (PRODUCT.md 5.2): the manager routes, the specialists run, it evaluates, for up
 * to `orchestrator.max_rounds` rounds and `orchestrator.max_invocations` specialist calls; invalid
 * routing is retried once and then falls back to the first roster agent (recorded on the step);
 * later rounds see earlier rounds; the synthesis is its own message, skipped when every specialist
 * failed. The manager and the specialists run on a fake OpenAI-compatible server, scripted per call.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { databaseForThisFile } from "@/test/database.ts";
import { roleOf, type FakeReply, type FakeRequest } from "@/test/fake-openai.ts";
import { roomWorld, sendAndRun, turnEngineForThisFile } from "@/test/turns.ts";
import { defaultSettings, setSetting } from "../settings/settings.ts";
import { SYNTHESIS_INSTRUCTIONS } from "./manager-prompts.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t);
beforeEach(async () => {
  engine.fake.reset();
  await setSetting(t.db, "orchestrator.manager_model", "llama");
});
afterEach(async () => {
  const defaults = defaultSettings();
  await setSetting(t.db, "orchestrator.max_rounds", defaults["orchestrator.max_rounds"]);
  await setSetting(t.db, "orchestrator.max_invocations", defaults["orchestrator.max_invocations"]);
});

const agent = (key: string) => ({ key, name: key[0]!.toUpperCase() + key.slice(1), modelAlias: "llama" });

type CallKind = "route" | "evaluate" | "synthesis" | "agent";
function kindOf(r: FakeRequest): CallKind {
  if (r.system.includes("selected_agent_keys")) return "route";
  if (r.system.includes('"continue"')) return "evaluate";
  if (r.system.includes(SYNTHESIS_INSTRUCTIONS)) return "synthesis";
  return "agent";
}
const roundOf = (r: FakeRequest) => Number(/^Round: (\d+) of/m.exec(r.system)?.[1] ?? 0);

/** Scripts the manager and the specialists. */
function orchestra(plan: { route: (round: number) => FakeReply; evaluate?: (round: number) => boolean; agent?: (r: FakeRequest) => FakeReply }) {
  engine.fake.script((r) => {
    switch (kindOf(r)) {
      case "route":
        return plan.route(roundOf(r));
      case "evaluate":
        return JSON.stringify({ continue: plan.evaluate?.(roundOf(r)) ?? false });
      case "synthesis":
        return "All in all: launch on Tuesday.";
      default:
        return plan.agent?.(r) ?? `${roleOf(r)} Specialist answer.`;
    }
  });
}
const routeTo = (...keys: string[]) => JSON.stringify({ selected_agent_keys: keys });

function world() {
  return roomWorld(t.db, "orchestrator", [agent("alice"), agent("bob"), agent("carol")]);
}

describe("orchestrator turns", () => {
  it("runs the routed specialists, evaluates, and persists the synthesis as its own message", async () => {
    const w = await world();
    orchestra({ route: () => routeTo("carol", "@Alice", "ghost") });
    const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "When should we launch?");

    expect(turn.status).toBe("completed");
    expect(turn.mode).toBe("orchestrator");
    expect(turn.steps.map((s) => [s.kind, s.agentKey, s.round, s.status])).toEqual([
      ["manager_route", null, 1, "succeeded"],
      ["agent", "carol", 1, "succeeded"],
      ["agent", "alice", 1, "succeeded"],
      ["manager_evaluate", null, 1, "succeeded"],
      ["synthesis", null, 1, "succeeded"],
    ]);
    expect(turn.steps[0]!.metadata).toMatchObject({ routedTo: ["carol", "alice"], unknownKeys: ["ghost"] });
    expect(turn.steps.every((s) => s.modelAlias === "llama")).toBe(true);
    expect(engine.fake.requests.map(kindOf)).toEqual(["route", "agent", "agent", "evaluate", "synthesis"]);
    // Specialists of one round do not see each other.
    expect(engine.fake.requests[2]!.conversation).toEqual([{ role: "user", content: "When should we launch?" }]);
    // The synthesis integrates both answers.
    expect(engine.fake.requests[4]!.conversation).toEqual([
      { role: "user", content: "When should we launch?" },
      { role: "assistant", content: "[Carol]: You are Carol. Specialist answer." },
      { role: "assistant", content: "[Alice]: You are Alice. Specialist answer." },
    ]);
    // The manager's routing and evaluation are no timeline messages; the synthesis is one.
    expect(turn.messages.map((m) => [m.role, m.agentKey, m.agentName])).toEqual([
      ["user", null, null],
      ["assistant", "carol", "Carol"],
      ["assistant", "alice", "Alice"],
      ["assistant", null, "Synthesis"],
    ]);
    expect(turn.messages[3]!.content).toBe("All in all: launch on Tuesday.");
    expect(turn.messages[3]!.stepId).toBe(turn.steps[4]!.id);
  });

  it("retries invalid routing exactly once, then falls back to the first roster agent and records it", async () => {
    const w = await world();
    orchestra({ route: () => "I would ask Carol, she knows." });
    const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "When should we launch?");

    expect(engine.fake.requests.map(kindOf)).toEqual(["route", "route", "agent", "evaluate", "synthesis"]);
    expect(turn.steps.map((s) => [s.kind, s.agentKey])).toEqual([
      ["manager_route", null],
      ["manager_route", null],
      ["agent", "alice"],
      ["manager_evaluate", null],
      ["synthesis", null],
    ]);
    const [first, second] = turn.steps;
    expect(first!.metadata).toMatchObject({ invalid: expect.any(String) });
    expect(first!.metadata).not.toHaveProperty("fallback");
    expect(second!.metadata).toMatchObject({ retryOfInvalidRouting: true, invalid: expect.any(String), fallback: true, routedTo: ["alice"] });
    expect(turn.status).toBe("completed");
  });

  it("an invalid routing followed by a valid one uses the valid one, with no fallback", async () => {
    const w = await world();
    let routes = 0;
    // More than three keys is invalid too.
    orchestra({ route: () => (++routes === 1 ? routeTo("alice", "bob", "carol", "alice2") : routeTo("bob")) });
    const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "When should we launch?");
    expect(turn.steps.map((s) => [s.kind, s.agentKey])).toEqual([
      ["manager_route", null],
      ["manager_route", null],
      ["agent", "bob"],
      ["manager_evaluate", null],
      ["synthesis", null],
    ]);
    expect(turn.steps[1]!.metadata).toMatchObject({ retryOfInvalidRouting: true, routedTo: ["bob"] });
    expect(turn.steps[1]!.metadata).not.toHaveProperty("fallback");
  });

  it("holds the depth cap when the manager always says continue", async () => {
    await setSetting(t.db, "orchestrator.max_rounds", 2);
    const w = await world();
    orchestra({ route: () => routeTo("alice"), evaluate: () => true });
    const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "Go deep.");

    expect(turn.steps.map((s) => [s.kind, s.round])).toEqual([
      ["manager_route", 1],
      ["agent", 1],
      ["manager_evaluate", 1],
      ["manager_route", 2],
      ["agent", 2],
      ["synthesis", 2],
    ]);
    expect(engine.fake.requests.filter((r) => kindOf(r) === "route").map((r) => /^Round: .*$/m.exec(r.system)?.[0])).toEqual([
      expect.stringMatching(/^Round: 1 of 2\./),
      expect.stringMatching(/^Round: 2 of 2\./),
    ]);
    expect(turn.status).toBe("completed");
  });

  it("holds the invocation cap when the manager always says continue", async () => {
    await setSetting(t.db, "orchestrator.max_rounds", 10);
    await setSetting(t.db, "orchestrator.max_invocations", 4);
    const w = await world();
    orchestra({ route: () => routeTo("alice", "bob", "carol"), evaluate: () => true });
    const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "Everyone, again and again.");

    const agents = turn.steps.filter((s) => s.kind === "agent");
    expect(agents.map((s) => [s.agentKey, s.round])).toEqual([
      ["alice", 1],
      ["bob", 1],
      ["carol", 1],
      ["alice", 2],
    ]);
    // Round 2 was told only one more call is left.
    const routes = engine.fake.requests.filter((r) => kindOf(r) === "route");
    expect(routes).toHaveLength(2);
    expect(routes[1]!.system).toContain("(at most 1)");
    expect(turn.steps.at(-1)!.kind).toBe("synthesis");
    expect(engine.fake.requests.filter((r) => kindOf(r) === "agent")).toHaveLength(4);
  });

  it("round 2's manager and specialists see round 1's answers", async () => {
    const w = await world();
    orchestra({ route: (round) => (round === 1 ? routeTo("alice") : routeTo("bob")), evaluate: (round) => round === 1 });
    const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "Plan it.");

    expect(turn.steps.map((s) => [s.kind, s.agentKey, s.round])).toEqual([
      ["manager_route", null, 1],
      ["agent", "alice", 1],
      ["manager_evaluate", null, 1],
      ["manager_route", null, 2],
      ["agent", "bob", 2],
      ["manager_evaluate", null, 2],
      ["synthesis", null, 2],
    ]);
    const aliceSays = { role: "assistant", content: "[Alice]: You are Alice. Specialist answer." };
    const [route1, alice, evaluate1, route2, bob] = engine.fake.requests;
    expect(route1!.conversation).toEqual([{ role: "user", content: "Plan it." }]);
    expect(alice!.conversation).toEqual([{ role: "user", content: "Plan it." }]);
    expect(evaluate1!.conversation).toEqual([{ role: "user", content: "Plan it." }, aliceSays]);
    expect(route2!.conversation).toEqual([{ role: "user", content: "Plan it." }, aliceSays]);
    expect(route2!.system).toContain("Already heard from: @alice");
    expect(route2!.system).toContain("Not yet heard from: @bob, @carol");
    expect(bob!.conversation).toEqual([{ role: "user", content: "Plan it." }, aliceSays]);
    expect(engine.fake.requests.at(-1)!.conversation).toEqual([
      { role: "user", content: "Plan it." },
      aliceSays,
      { role: "assistant", content: "[Bob]: You are Bob. Specialist answer." },
    ]);
  });

  it("skips the synthesis and ends partial when every specialist fails", async () => {
    const w = await world();
    orchestra({ route: () => routeTo("alice", "bob"), agent: () => ({ status: 400 }) });
    const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "Plan it.");

    expect(turn.status).toBe("partial");
    expect(turn.steps.map((s) => [s.kind, s.status])).toEqual([
      ["manager_route", "succeeded"],
      ["agent", "failed"],
      ["agent", "failed"],
      ["manager_evaluate", "succeeded"],
    ]);
    expect(engine.fake.requests.some((r) => kindOf(r) === "synthesis")).toBe(false);
    expect(turn.messages.map((m) => m.role)).toEqual(["user"]);
  });

  it("a partly failed round still synthesizes the answers that succeeded, and the turn is partial", async () => {
    const w = await world();
    orchestra({ route: () => routeTo("alice", "bob"), agent: (r) => (roleOf(r) === "You are Bob." ? { status: 400 } : `${roleOf(r)} Specialist answer.`) });
    const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "Plan it.");
    expect(turn.status).toBe("partial");
    expect(turn.steps.at(-1)).toMatchObject({ kind: "synthesis", status: "succeeded" });
    expect(engine.fake.requests.at(-1)!.conversation).toEqual([
      { role: "user", content: "Plan it." },
      { role: "assistant", content: "[Alice]: You are Alice. Specialist answer." },
    ]);
  });
});

it("runs on the offline model end to end with the default manager", async () => {
  await setSetting(t.db, "orchestrator.manager_model", "local");
  const w = await roomWorld(t.db, "orchestrator", [{ key: "planner" }, { key: "critic" }]);
  const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "Plan the launch.");
  expect(turn.status).toBe("completed");
  expect(turn.steps[0]!.kind).toBe("manager_route");
  expect(turn.steps.at(-1)!.kind).toBe("synthesis");
  expect(turn.messages.at(-1)!.agentName).toBe("Synthesis");
});

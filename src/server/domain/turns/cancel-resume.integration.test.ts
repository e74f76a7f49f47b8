/**
 * Cancel and crash-resume of `turn.run`, in process (PRODUCT.md 5.2). A cancel aborts the call in
 * flight, keeps its partial text, cancels the turn and starts no further step. A run that stops
 * without a cancel (the worker stopping, or dying) leaves the turn to the next attempt, which replays
 * the steps that ended — not calling or billing them again — and restarts the interrupted step as
 * attempt 2.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { databaseForThisFile } from "@/test/database.ts";
import { roleOf, type FakeOpenAI } from "@/test/fake-openai.ts";
import { offlineGateway, roomWorld, turnEngineForThisFile } from "@/test/turns.ts";
import { waitFor } from "@/test/wait-for.ts";
import { localReply } from "@/server/llm/providers/local.ts";
import { setSetting } from "../settings/settings.ts";
import { runTurn } from "./run-turn.ts";
import { sendTurn } from "./send-turn.ts";
import { cancelTurn } from "./turns.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t);
beforeAll(async () => {
  await setSetting(t.db, "orchestrator.manager_model", "llama");
});
beforeEach(() => {
  engine.fake.reset();
  engine.fake.script((r) => `${roleOf(r)} Full answer.`);
});

const agent = (key: string, modelAlias = "llama") => ({ key, name: key[0]!.toUpperCase() + key.slice(1), modelAlias });
const stepsOf = (turnId: string) => t.db.turnStep.findMany({ where: { turnId }, orderBy: { index: "asc" } });

async function queuedTurn(mode: "roundtable" | "orchestrator", agents: ReturnType<typeof agent>[], gateway = engine.gateway) {
  const world = await roomWorld(t.db, mode, agents);
  const deps = { ...engine.deps, gateway };
  const turn = await sendTurn(deps, world.user.id, { sessionId: world.session.id, message: "Plan the launch.", clientRequestId: randomUUID() });
  return { world, deps, turn };
}

describe("cancel", () => {
  it("aborts the call in flight: the step is cancelled with its partial text, the turn is cancelled, and no later step runs", async () => {
    // The offline model, slowed down so that a cancel lands mid-stream: a reply (~150 tokens) takes
    // seconds, and the turn's watch reads the request within about one.
    const { world, deps, turn } = await queuedTurn("roundtable", [agent("alice", "local"), agent("bob", "local"), agent("carol", "local")], offlineGateway(t.db, { tokenDelayMs: 40, timeoutMs: 30_000 }));
    const run = runTurn(deps, turn.id, new AbortController().signal);

    // Bob (step 2) has started streaming.
    const bobStep = await waitFor("bob's step to stream", async () => {
      const step = await t.db.turnStep.findFirst({ where: { turnId: turn.id, index: 2 } });
      return step && (await t.db.turnEvent.count({ where: { turnId: turn.id, type: "step_delta", payload: { path: ["stepId"], equals: step.id } } })) > 0 && step;
    });
    // The turn's watch reads cancel_requested_at within a second and aborts bob's call.
    await cancelTurn(engine.deps, world.user.id, turn.id);

    expect(await run).toBe("cancelled");
    const ended = await t.db.turn.findUniqueOrThrow({ where: { id: turn.id } });
    expect(ended.status).toBe("cancelled");
    expect(ended.cancelRequestedAt).not.toBeNull();
    expect(ended.finishedAt).not.toBeNull();

    const steps = await stepsOf(turn.id);
    expect(steps.map((s) => [s.agentKey, s.status])).toEqual([
      ["alice", "succeeded"],
      ["bob", "cancelled"],
    ]);
    const bob = steps[1]!;
    expect(bob.id).toBe(bobStep.id);
    expect(bob.errorCode).toBe("cancelled");
    // The partial text is kept: a non-empty prefix of what the model would have said.
    expect(bob.output.length).toBeGreaterThan(0);
    const deltas = await t.db.turnEvent.findMany({ where: { type: "step_delta", payload: { path: ["stepId"], equals: bob.id } }, orderBy: { id: "asc" } });
    const streamed = deltas.map((e) => (e.payload as { text: string }).text).join("");
    expect(bob.output.startsWith(streamed)).toBe(true);
    expect(bob.outputTokens).toBeGreaterThan(0);
    // No message for the cancelled step; nothing after it.
    const messages = await t.db.message.findMany({ where: { turnId: turn.id }, orderBy: { seq: "asc" } });
    expect(messages.map((m) => m.agentKey)).toEqual([null, "alice"]);
    expect(await t.db.turnEvent.count({ where: { turnId: turn.id, type: "turn_cancelled" } })).toBe(1);
    expect(await t.db.turnEvent.count({ where: { turnId: turn.id, type: "turn_completed" } })).toBe(0);
    const bobCompleted = await t.db.turnEvent.findFirst({ where: { type: "step_completed", payload: { path: ["stepId"], equals: bob.id } } });
    expect(bobCompleted?.payload).toMatchObject({ status: "cancelled" });
    // Whole reply would be longer than what was kept.
    expect(bob.output.length).toBeLessThan(localReply([{ role: "system", content: "You are Bob." }, { role: "user", content: "Plan the launch." }]).length);
  });

  it("a cancel requested between two calls starts no further step", async () => {
    const { world, deps, turn } = await queuedTurn("roundtable", [agent("alice"), agent("bob"), agent("carol")]);
    engine.fake.script(async (r) => {
      // The owner cancels while bob is answering; bob's call is not aborted (no heartbeat yet).
      if (roleOf(r) === "You are Bob.") await cancelTurn(engine.deps, world.user.id, turn.id);
      return `${roleOf(r)} Full answer.`;
    });
    expect(await runTurn(deps, turn.id, new AbortController().signal)).toBe("cancelled");
    expect((await stepsOf(turn.id)).map((s) => [s.agentKey, s.status])).toEqual([
      ["alice", "succeeded"],
      ["bob", "succeeded"],
    ]);
    expect(engine.fake.requests.map(roleOf)).toEqual(["You are Alice.", "You are Bob."]);
    expect((await t.db.turn.findUniqueOrThrow({ where: { id: turn.id } })).status).toBe("cancelled");
  });

  it("a turn cancelled while queued never runs", async () => {
    const { world, deps, turn } = await queuedTurn("roundtable", [agent("alice")]);
    const view = await cancelTurn(engine.deps, world.user.id, turn.id);
    expect(view.status).toBe("cancelled");
    expect(await runTurn(deps, turn.id, new AbortController().signal)).toBe("cancelled");
    expect(engine.fake.requests).toHaveLength(0);
    expect(await stepsOf(turn.id)).toHaveLength(0);
    expect(await t.db.turnEvent.count({ where: { turnId: turn.id, type: "turn_started" } })).toBe(0);
  });
});

describe("crash resume", () => {
  it("replays the steps that ended, restarts the interrupted one as attempt 2, and counts nothing twice", async () => {
    const { deps, turn } = await queuedTurn("roundtable", [agent("alice"), agent("bob"), agent("carol")]);
    // First run: bob's call hangs after some text, then the worker goes away (signal aborted, no cancel).
    engine.fake.script((r) => (roleOf(r) === "You are Bob." ? { hang: true, partial: "Half an ans" } : `${roleOf(r)} Full answer.`));
    const controller = new AbortController();
    const first = runTurn(deps, turn.id, controller.signal);
    await engine.fake.waitForRequests(2);
    controller.abort();
    await expect(first).rejects.toThrow();

    const interrupted = await stepsOf(turn.id);
    expect((await t.db.turn.findUniqueOrThrow({ where: { id: turn.id } })).status).toBe("running");
    expect(interrupted.map((s) => [s.agentKey, s.status, s.attempt])).toEqual([
      ["alice", "succeeded", 1],
      ["bob", "running", 1],
    ]);

    // The job is handed to a worker again.
    engine.fake.script((r) => `${roleOf(r)} Full answer.`);
    expect(await runTurn(deps, turn.id, new AbortController().signal)).toBe("completed");

    // Alice was not called again; bob was called again, then carol.
    expect(engine.fake.requests.map(roleOf)).toEqual(["You are Alice.", "You are Bob.", "You are Bob.", "You are Carol."]);
    // The resumed bob still sees alice's answer from the first run.
    expect(engine.fake.requests[2]!.conversation).toEqual([
      { role: "user", content: "Plan the launch." },
      { role: "assistant", content: "[Alice]: You are Alice. Full answer." },
    ]);
    const steps = await stepsOf(turn.id);
    expect(steps.map((s) => [s.agentKey, s.status, s.attempt])).toEqual([
      ["alice", "succeeded", 1],
      ["bob", "succeeded", 2],
      ["carol", "succeeded", 1],
    ]);
    expect(steps[0]!.id).toBe(interrupted[0]!.id);
    expect(steps[1]!.id).toBe(interrupted[1]!.id);
    expect(steps[1]!.output).toBe("You are Bob. Full answer.");
    const messages = await t.db.message.findMany({ where: { turnId: turn.id, role: "assistant" }, orderBy: { seq: "asc" } });
    expect(messages.map((m) => [m.agentKey, m.stepId])).toEqual(steps.map((s) => [s.agentKey, s.id]));
    // One turn_started, one turn_completed; bob's step started twice (one per attempt).
    expect(await t.db.turnEvent.count({ where: { turnId: turn.id, type: "turn_started" } })).toBe(1);
    expect(await t.db.turnEvent.count({ where: { turnId: turn.id, type: "turn_completed" } })).toBe(1);
    const bobStarts = await t.db.turnEvent.findMany({ where: { type: "step_started", payload: { path: ["stepId"], equals: steps[1]!.id } }, orderBy: { id: "asc" } });
    expect(bobStarts.map((e) => (e.payload as { attempt: number }).attempt)).toEqual([1, 2]);

    // A third run (a duplicate delivery) changes nothing.
    expect(await runTurn(deps, turn.id, new AbortController().signal)).toBe("completed");
    expect(engine.fake.requests).toHaveLength(4);
  });

  it("an orchestrator turn resumes without routing again", async () => {
    const { deps, turn } = await queuedTurn("orchestrator", [agent("alice"), agent("bob")]);
    const script = (hangBob: boolean) => (r: Parameters<Parameters<FakeOpenAI["script"]>[0]>[0]) => {
      if (r.system.includes("selected_agent_keys")) return JSON.stringify({ selected_agent_keys: ["alice", "bob"] });
      if (r.system.includes('"continue"')) return JSON.stringify({ continue: false });
      if (hangBob && roleOf(r) === "You are Bob.") return { hang: true } as const;
      return `${roleOf(r)} Full answer.`;
    };
    engine.fake.script(script(true));
    const controller = new AbortController();
    const first = runTurn(deps, turn.id, controller.signal);
    await engine.fake.waitForRequests(3);
    controller.abort();
    await expect(first).rejects.toThrow();

    engine.fake.script(script(false));
    expect(await runTurn(deps, turn.id, new AbortController().signal)).toBe("completed");
    const kinds = engine.fake.requests.map((r) => (r.system.includes("selected_agent_keys") ? "route" : r.system.includes('"continue"') ? "evaluate" : roleOf(r)));
    expect(kinds.slice(0, 3)).toEqual(["route", "You are Alice.", "You are Bob."]);
    expect(kinds.slice(3, 5)).toEqual(["You are Bob.", "evaluate"]);
    expect(kinds).toHaveLength(6);
    const steps = await stepsOf(turn.id);
    expect(steps.map((s) => [s.kind, s.agentKey, s.status, s.attempt])).toEqual([
      ["manager_route", null, "succeeded", 1],
      ["agent", "alice", "succeeded", 1],
      ["agent", "bob", "succeeded", 2],
      ["manager_evaluate", null, "succeeded", 1],
      ["synthesis", null, "succeeded", 1],
    ]);
    expect(await t.db.message.count({ where: { turnId: turn.id, role: "assistant" } })).toBe(3);
  });

  it("a resumed turn keeps the plan settings it was sent with, even if an operator changed them meanwhile", async () => {
    await setSetting(t.db, "orchestrator.max_rounds", 2);
    const { deps, turn } = await queuedTurn("orchestrator", [agent("alice"), agent("bob")]);
    const script = (hang: boolean) => (r: Parameters<Parameters<FakeOpenAI["script"]>[0]>[0]) => {
      if (r.system.includes("selected_agent_keys")) return JSON.stringify({ selected_agent_keys: [r.system.includes("Round: 1") ? "alice" : "bob"] });
      if (r.system.includes('"continue"')) return JSON.stringify({ continue: true });
      if (hang && roleOf(r) === "You are Bob.") return { hang: true } as const;
      return `${roleOf(r)} Full answer.`;
    };
    try {
      engine.fake.script(script(true));
      const controller = new AbortController();
      const first = runTurn(deps, turn.id, controller.signal);
      // Round 1 (route, alice, evaluate), then round 2's routing and bob, who hangs.
      await engine.fake.waitForRequests(5);
      controller.abort();
      await expect(first).rejects.toThrow();

      // With one round, a replay would end after round 1 and find round 2's steps in its way.
      await setSetting(t.db, "orchestrator.max_rounds", 1);
      engine.fake.script(script(false));
      expect(await runTurn(deps, turn.id, new AbortController().signal)).toBe("completed");
      const steps = await stepsOf(turn.id);
      expect(steps.map((s) => [s.kind, s.round, s.agentKey])).toEqual([
        ["manager_route", 1, null],
        ["agent", 1, "alice"],
        ["manager_evaluate", 1, null],
        ["manager_route", 2, null],
        ["agent", 2, "bob"],
        ["synthesis", 2, null],
      ]);
    } finally {
      await setSetting(t.db, "orchestrator.max_rounds", 3);
    }
  });

  it("a stale attempt that finishes after a new attempt took its step over writes nothing", async () => {
    const { deps, turn } = await queuedTurn("roundtable", [agent("alice"), agent("bob"), agent("carol")]);
    let releaseStale!: () => void;
    const stale = new Promise<void>((resolve) => (releaseStale = resolve));
    let bobCalls = 0;
    engine.fake.script(async (r) => {
      if (roleOf(r) === "You are Bob." && ++bobCalls === 1) {
        // The first worker's call is slow (the worker lost its claim meanwhile) ...
        await stale;
        return "Stale answer.";
      }
      return `${roleOf(r)} Full answer.`;
    });
    const first = runTurn(deps, turn.id, new AbortController().signal);
    await engine.fake.waitForRequests(2);
    // ... and another worker got the job and ran the turn to the end.
    expect(await runTurn(deps, turn.id, new AbortController().signal)).toBe("completed");
    releaseStale();
    await expect(first).rejects.toThrow(/superseded/);

    const steps = await stepsOf(turn.id);
    expect(steps.map((s) => [s.agentKey, s.status, s.attempt, s.output])).toEqual([
      ["alice", "succeeded", 1, "You are Alice. Full answer."],
      ["bob", "succeeded", 2, "You are Bob. Full answer."],
      ["carol", "succeeded", 1, "You are Carol. Full answer."],
    ]);
    const messages = await t.db.message.findMany({ where: { turnId: turn.id, role: "assistant" }, orderBy: { seq: "asc" } });
    expect(messages.map((m) => m.content)).toEqual(steps.map((s) => s.output));
    expect(await t.db.turnEvent.count({ where: { type: "step_completed", payload: { path: ["stepId"], equals: steps[1]!.id } } })).toBe(1);
    expect((await t.db.turn.findUniqueOrThrow({ where: { id: turn.id } })).status).toBe("completed");
  });

  it("a worker stopping between two calls leaves the turn to the next attempt (it is not cancelled)", async () => {
    const { deps, turn } = await queuedTurn("roundtable", [agent("alice"), agent("bob")]);
    // The job's signal is already aborted (the worker is stopping), and nobody asked to cancel.
    const stopped = new AbortController();
    stopped.abort();
    await expect(runTurn(deps, turn.id, stopped.signal)).rejects.toThrow();
    const after = await t.db.turn.findUniqueOrThrow({ where: { id: turn.id } });
    expect(after.status).toBe("running");
    expect(await t.db.turnEvent.count({ where: { turnId: turn.id, type: "turn_cancelled" } })).toBe(0);
    expect(engine.fake.requests).toHaveLength(0);

    expect(await runTurn(deps, turn.id, new AbortController().signal)).toBe("completed");
    expect((await stepsOf(turn.id)).map((s) => [s.agentKey, s.status, s.attempt])).toEqual([
      ["alice", "succeeded", 1],
      ["bob", "succeeded", 1],
    ]);
  });
});

/**
 * Roundtable mode (PRODUCT.md 5.2): every roster agent runs in position order and sees the earlier
 * same-turn answers labelled `[Name]:`; a failing agent is a failed step, the others go on, and the
 * turn is `partial`; an empty roster is refused. Agents run on a fake OpenAI-compatible server.
 */
import { randomUUID } from "node:crypto";
import { beforeEach, expect, it } from "vitest";
import { databaseForThisFile } from "@/test/database.ts";
import { roleOf } from "@/test/fake-openai.ts";
import { offlineGateway, roomWorld, sendAndRun, turnEngineForThisFile } from "@/test/turns.ts";
import { addAgentToRoom, removeAgentFromRoom, reorderRoomAgents } from "../rooms/rooms.ts";
import { createAgent } from "../agents/agents.ts";
import { runTurn } from "./run-turn.ts";
import { sendTurn } from "./send-turn.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t);
beforeEach(() => {
  engine.fake.reset();
  engine.fake.script((r) => `${roleOf(r)} My view.`);
});

const agent = (key: string) => ({ key, name: key[0]!.toUpperCase() + key.slice(1), modelAlias: "llama" });

it("runs every agent in roster position order; later agents see earlier answers labelled with the name", async () => {
  const world = await roomWorld(t.db, "roundtable", [agent("alice"), agent("bob"), agent("carol")]);
  const [alice, bob, carol] = world.agents;
  // Position order, not the order they were created or added in.
  await reorderRoomAgents(t.db, world.user.id, { roomId: world.room.id, agentIds: [carol!.id, alice!.id, bob!.id] });

  const turn = await sendAndRun(engine.deps, world.user.id, world.session.id, "Plan the launch.");
  expect(turn.status).toBe("completed");
  expect(turn.mode).toBe("roundtable");
  expect(turn.steps.map((s) => [s.index, s.agentKey, s.status])).toEqual([
    [1, "carol", "succeeded"],
    [2, "alice", "succeeded"],
    [3, "bob", "succeeded"],
  ]);
  expect(engine.fake.requests.map((r) => r.conversation)).toEqual([
    [{ role: "user", content: "Plan the launch." }],
    [
      { role: "user", content: "Plan the launch." },
      { role: "assistant", content: "[Carol]: You are Carol. My view." },
    ],
    [
      { role: "user", content: "Plan the launch." },
      { role: "assistant", content: "[Carol]: You are Carol. My view." },
      { role: "assistant", content: "[Alice]: You are Alice. My view." },
    ],
  ]);
  // Each agent knows who is present, in roster order.
  expect(engine.fake.requests[0]!.system).toMatch(/@carol — Carol[\s\S]*@alice — Alice[\s\S]*@bob — Bob/);
  expect(turn.messages.map((m) => m.agentName)).toEqual([null, "Carol", "Alice", "Bob"]);
});

it("a failing agent leaves a failed step and a partial turn; the others still run and succeed", async () => {
  const world = await roomWorld(t.db, "roundtable", [agent("alice"), agent("bob"), agent("carol")]);
  engine.fake.script((r) => (roleOf(r) === "You are Bob." ? { status: 400, message: "bad request for bob" } : `${roleOf(r)} My view.`));

  const turn = await sendAndRun(engine.deps, world.user.id, world.session.id, "Plan the launch.");
  expect(turn.status).toBe("partial");
  expect(turn.steps.map((s) => [s.agentKey, s.status])).toEqual([
    ["alice", "succeeded"],
    ["bob", "failed"],
    ["carol", "succeeded"],
  ]);
  expect(turn.steps[1]).toMatchObject({ errorCode: "provider_error", output: "" });
  expect(turn.steps[1]!.errorMessage).toContain("400");
  // A non-transient error is not retried: one request per agent.
  expect(engine.fake.requests.map(roleOf)).toEqual(["You are Alice.", "You are Bob.", "You are Carol."]);
  // Carol sees Alice's answer and nothing of Bob's failure.
  expect(engine.fake.requests[2]!.conversation).toEqual([
    { role: "user", content: "Plan the launch." },
    { role: "assistant", content: "[Alice]: You are Alice. My view." },
  ]);
  // No timeline message for the failed step.
  expect(turn.messages.map((m) => m.agentKey)).toEqual([null, "alice", "carol"]);
  const completed = await t.db.turnEvent.findFirst({ where: { turnId: turn.id, type: "turn_completed" } });
  expect(completed?.payload).toMatchObject({ status: "partial" });
});

it("a transient provider error is retried once before the step fails", async () => {
  const world = await roomWorld(t.db, "roundtable", [agent("alice"), agent("bob")]);
  engine.fake.script((r) => (roleOf(r) === "You are Alice." ? { status: 503 } : `${roleOf(r)} My view.`));
  const turn = await sendAndRun(engine.deps, world.user.id, world.session.id, "Go.");
  expect(engine.fake.requests.map(roleOf)).toEqual(["You are Alice.", "You are Alice.", "You are Bob."]);
  expect(turn.steps.map((s) => s.status)).toEqual(["failed", "succeeded"]);
  expect(turn.status).toBe("partial");
});

it("a turn where every agent fails is failed", async () => {
  const world = await roomWorld(t.db, "roundtable", [agent("alice"), agent("bob")]);
  engine.fake.script(() => ({ status: 401 }));
  const turn = await sendAndRun(engine.deps, world.user.id, world.session.id, "Go.");
  expect(turn.status).toBe("failed");
  expect(turn.errorCode).toBe("all_steps_failed");
  expect(turn.steps.map((s) => s.status)).toEqual(["failed", "failed"]);
  expect(await t.db.turnEvent.count({ where: { turnId: turn.id, type: "turn_failed" } })).toBe(1);
});

it("an empty roster is refused with no_room_agents and creates nothing", async () => {
  const world = await roomWorld(t.db, "roundtable", []);
  await expect(sendTurn(engine.deps, world.user.id, { sessionId: world.session.id, message: "Anyone?", clientRequestId: randomUUID() })).rejects.toMatchObject({
    code: "no_room_agents",
  });
  expect(await t.db.turn.count({ where: { sessionId: world.session.id } })).toBe(0);
});

it("roster edits after the send do not change the turn: it runs the roster snapshotted when it was created", async () => {
  const world = await roomWorld(t.db, "roundtable", [agent("alice"), agent("bob")]);
  const sent = await sendTurn(engine.deps, world.user.id, { sessionId: world.session.id, message: "Go.", clientRequestId: randomUUID() });
  const dave = await createAgent(t.db, world.user.id, { key: "dave", name: "Dave", modelAlias: "llama", rolePrompt: "You are Dave.", toolPermissions: [] });
  await addAgentToRoom(t.db, world.user.id, { roomId: world.room.id, agentId: dave.id, position: 1 });
  await removeAgentFromRoom(t.db, world.user.id, { roomId: world.room.id, agentId: world.agents[1]!.id });

  expect(await runTurn(engine.deps, sent.id, new AbortController().signal)).toBe("completed");
  const steps = await t.db.turnStep.findMany({ where: { turnId: sent.id }, orderBy: { index: "asc" } });
  expect(steps.map((s) => s.agentKey)).toEqual(["alice", "bob"]);

  // The next send uses the edited roster.
  const next = await sendAndRun(engine.deps, world.user.id, world.session.id, "Again.");
  expect(next.steps.map((s) => s.agentKey)).toEqual(["dave", "alice"]);
});

it("writes the turn's events in order: turn_started, then per step started → deltas → completed, then turn_completed", async () => {
  const world = await roomWorld(t.db, "roundtable", [agent("alice"), agent("bob")]);
  engine.fake.script((r) => ({ text: `${roleOf(r)} My view.`, usage: { prompt_tokens: 100, completion_tokens: 7, cached_tokens: 30 } }));
  const turn = await sendAndRun(engine.deps, world.user.id, world.session.id, "Go.");
  const events = await t.db.turnEvent.findMany({ where: { sessionId: world.session.id }, orderBy: { id: "asc" } });
  expect(events.every((e) => e.turnId === turn.id)).toBe(true);
  // Deltas may be coalesced: collapse runs of them for the shape.
  const shape = events.map((e) => e.type).filter((type, i, all) => type !== "step_delta" || all[i - 1] !== "step_delta");
  expect(shape).toEqual(["turn_started", "step_started", "step_delta", "step_completed", "step_started", "step_delta", "step_completed", "turn_completed"]);
  expect(events[0]!.payload).toMatchObject({ turnId: turn.id, mode: "roundtable", roster: [{ key: "alice", model: "llama" }, { key: "bob", model: "llama" }] });
  for (const step of turn.steps) {
    const own = events.filter((e) => (e.payload as { stepId?: string }).stepId === step.id);
    expect(own[0]!.payload).toMatchObject({ type: "step_started", index: step.index, kind: "agent", agent: { key: step.agentKey, name: step.agentName, model: "llama" }, round: 1 });
    const streamed = own.filter((e) => e.type === "step_delta").map((e) => (e.payload as { text: string }).text).join("");
    expect(streamed).toBe(step.output);
    expect(own.at(-1)!.payload).toMatchObject({ type: "step_completed", status: "succeeded", usage: { inputTokens: 100, cachedTokens: 30, outputTokens: 7 } });
    expect(step).toMatchObject({ inputTokens: 100, cachedTokens: 30, outputTokens: 7, usageSource: "provider" });
  }
  expect(events.at(-1)!.payload).toMatchObject({ type: "turn_completed", turnId: turn.id, status: "completed" });
});

it("a call that hangs past the timeout fails its step, keeping what streamed, and the turn goes on", async () => {
  const world = await roomWorld(t.db, "roundtable", [agent("alice"), agent("bob")]);
  engine.fake.script((r) => (roleOf(r) === "You are Alice." ? { hang: true, partial: "I was saying" } : `${roleOf(r)} My view.`));
  const impatient = offlineGateway(t.db, { timeoutMs: 400 });
  const turn = await sendAndRun({ ...engine.deps, gateway: impatient }, world.user.id, world.session.id, "Go.");
  expect(turn.status).toBe("partial");
  expect(turn.steps.map((s) => [s.agentKey, s.status, s.errorCode, s.output])).toEqual([
    ["alice", "failed", "timeout", "I was saying"],
    ["bob", "succeeded", null, "You are Bob. My view."],
  ]);
  // A timeout after text streamed is not retried (the text would show twice).
  expect(engine.fake.requests.map(roleOf)).toEqual(["You are Alice.", "You are Bob."]);
});

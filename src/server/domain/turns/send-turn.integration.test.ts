/**
 * The send path (PRODUCT.md 4 and 5.1), mode-independent rules: a pending mode is applied on the
 * next send (and never to a turn already created); `clientRequestId` is idempotent, also when two
 * sends race; one turn at a time per session; `seq` increases strictly; the rate limit counts only
 * accepted turns; the context preflight refuses before anything is created or called.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { databaseForThisFile } from "@/test/database.ts";
import { roomWorld, sendAndRun, turnEngineForThisFile } from "@/test/turns.ts";
import { queues } from "@/server/jobs/queues.ts";
import { countTextTokens } from "@/server/llm/tokenizer.ts";
import { deleteAgent } from "../agents/agents.ts";
import { setMode } from "../modes/room-mode.ts";
import { deleteRoom } from "../rooms/rooms.ts";
import { createSession, deleteSession } from "../sessions/sessions.ts";
import { defaultSettings, setSetting } from "../settings/settings.ts";
import { contextBudget } from "./context.ts";
import { runTurn } from "./run-turn.ts";
import { sendTurn } from "./send-turn.ts";

const t = databaseForThisFile();
// The fake server makes the OpenRouter aliases (llama, 131072 tokens) usable.
const engine = turnEngineForThisFile(t);
afterEach(async () => {
  const defaults = defaultSettings();
  for (const key of ["turns.rate_limit_per_minute", "turns.rate_limit_per_hour", "orchestrator.manager_model"] as const) {
    await setSetting(t.db, key, defaults[key] as never);
  }
});

const send = (userId: string, sessionId: string, message: string, clientRequestId: string = randomUUID()) => sendTurn(engine.deps, userId, { sessionId, message, clientRequestId });
const errorOf = (promise: Promise<unknown>) => promise.then(
  () => {
    throw new Error("expected a refusal");
  },
  (error: unknown) => error as { code: string; message: string; details?: Record<string, unknown> },
);
const jobsFor = async (turnId: string) => (await engine.boss.findJobs(queues.turnRun.name, { id: turnId })).length;

describe("pending mode", () => {
  it.each([
    ["orchestrator", "manual"],
    ["manual", "roundtable"],
    ["roundtable", "orchestrator"],
  ] as const)("%s → %s is applied on the next send, in the turn's transaction", async (from, to) => {
    const w = await roomWorld(t.db, from, [{ key: "alice" }, { key: "bob" }]);
    await setMode(t.db, w.user.id, { roomId: w.room.id, mode: to });
    expect(await t.db.room.findUniqueOrThrow({ where: { id: w.room.id } })).toMatchObject({ currentMode: from, pendingMode: to });

    const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "@bob what now?");
    expect(turn.mode).toBe(to);
    expect(turn.status).toBe("completed");
    if (to === "manual") expect(turn.steps.map((s) => s.agentKey)).toEqual(["bob"]);
    if (to === "orchestrator") expect(turn.steps[0]!.kind).toBe("manager_route");
    if (to === "roundtable") expect(turn.steps.map((s) => s.agentKey)).toEqual(["alice", "bob"]);

    expect(await t.db.room.findUniqueOrThrow({ where: { id: w.room.id } })).toMatchObject({ currentMode: to, pendingMode: null, modeVersion: 2 });
    const applied = await t.db.modeTransition.findMany({ where: { roomId: w.room.id, kind: "applied" } });
    expect(applied).toEqual([expect.objectContaining({ fromMode: from, toMode: to, turnId: turn.id, actorId: w.user.id, version: 2 })]);
    const events = await t.db.turnEvent.findMany({ where: { sessionId: w.session.id, type: "mode_applied" } });
    expect(events.map((e) => [e.turnId, e.payload])).toEqual([[turn.id, expect.objectContaining({ from, to })]]);
    // Streamed before the turn's own events.
    const first = await t.db.turnEvent.findFirst({ where: { turnId: turn.id }, orderBy: { id: "asc" } });
    expect(first!.type).toBe("mode_applied");

    // Applied once: the next send changes nothing.
    const next = await sendAndRun(engine.deps, w.user.id, w.session.id, "@alice and again?");
    expect(next.mode).toBe(to);
    expect(await t.db.modeTransition.count({ where: { roomId: w.room.id, kind: "applied" } })).toBe(1);
  });

  it("is not applied to a turn already queued or running: that turn keeps its mode", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "alice" }, { key: "bob" }]);
    const queued = await send(w.user.id, w.session.id, "First.");
    await setMode(t.db, w.user.id, { roomId: w.room.id, mode: "orchestrator" });

    expect(await runTurn(engine.deps, queued.id, new AbortController().signal)).toBe("completed");
    const ran = await t.db.turn.findUniqueOrThrow({ where: { id: queued.id }, include: { steps: true } });
    expect(ran.mode).toBe("roundtable");
    expect(ran.steps.every((s) => s.kind === "agent")).toBe(true);
    expect(await t.db.room.findUniqueOrThrow({ where: { id: w.room.id } })).toMatchObject({ currentMode: "roundtable", pendingMode: "orchestrator" });
    expect(await t.db.modeTransition.count({ where: { roomId: w.room.id, kind: "applied" } })).toBe(0);

    const next = await sendAndRun(engine.deps, w.user.id, w.session.id, "Second.");
    expect(next.mode).toBe("orchestrator");
  });

  it("a refused send does not apply the pending mode", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "alice" }]);
    await setMode(t.db, w.user.id, { roomId: w.room.id, mode: "manual" });
    // Manual mode and no tag: refused, so nothing of the transaction stays.
    expect(await errorOf(send(w.user.id, w.session.id, "no tag here"))).toMatchObject({ code: "no_valid_tagged_agents" });
    expect(await t.db.room.findUniqueOrThrow({ where: { id: w.room.id } })).toMatchObject({ currentMode: "roundtable", pendingMode: "manual", modeVersion: 1 });
    expect(await t.db.modeTransition.count({ where: { roomId: w.room.id, kind: "applied" } })).toBe(0);
    expect(await t.db.turnEvent.count({ where: { sessionId: w.session.id } })).toBe(0);
  });
});

describe("idempotent send", () => {
  it("the same clientRequestId returns the same turn and creates nothing", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "alice" }]);
    const first = await send(w.user.id, w.session.id, "Hello.", "req-1");
    const again = await send(w.user.id, w.session.id, "Hello.", "req-1");
    expect(again.id).toBe(first.id);
    expect(await t.db.turn.count({ where: { sessionId: w.session.id } })).toBe(1);
    expect(await t.db.message.count({ where: { sessionId: w.session.id } })).toBe(1);
    expect(await jobsFor(first.id)).toBe(1);

    // Also after the turn ran (a client retrying a dropped response), with its steps.
    await runTurn(engine.deps, first.id, new AbortController().signal);
    const later = await send(w.user.id, w.session.id, "Hello.", "req-1");
    expect(later).toMatchObject({ id: first.id, status: "completed" });
    expect(later.steps).toHaveLength(1);
    expect(await t.db.turn.count({ where: { sessionId: w.session.id } })).toBe(1);
  });

  it("two sends racing with one clientRequestId get the same turn; one turn, one message, one job", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "alice" }]);
    const results = await Promise.allSettled([0, 1, 2, 3].map(() => send(w.user.id, w.session.id, "Hello.", "race-1")));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
    const ids = new Set(results.map((r) => (r as PromiseFulfilledResult<{ id: string }>).value.id));
    expect(ids.size).toBe(1);
    expect(await t.db.turn.count({ where: { sessionId: w.session.id } })).toBe(1);
    expect(await t.db.message.count({ where: { sessionId: w.session.id } })).toBe(1);
    expect(await jobsFor([...ids][0]!)).toBe(1);
  });

  it("a clientRequestId already used in another session is a conflict", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "alice" }]);
    const other = await createSession(t.db, w.user.id, { roomId: w.room.id });
    await send(w.user.id, w.session.id, "Hello.", "req-x");
    expect(await errorOf(send(w.user.id, other.id, "Hello.", "req-x"))).toMatchObject({ code: "conflict" });
    expect(await t.db.turn.count({ where: { sessionId: other.id } })).toBe(0);
  });

  it("clientRequestIds are per user", async () => {
    const a = await roomWorld(t.db, "roundtable", [{ key: "alice" }]);
    const b = await roomWorld(t.db, "roundtable", [{ key: "alice" }]);
    const ta = await send(a.user.id, a.session.id, "Hello.", "shared-id");
    const tb = await send(b.user.id, b.session.id, "Hello.", "shared-id");
    expect(tb.id).not.toBe(ta.id);
  });
});

describe("one turn at a time", () => {
  it("refuses turn_in_progress while a turn is queued or running, and accepts once it ended", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "alice" }]);
    const first = await send(w.user.id, w.session.id, "One.");
    expect(await errorOf(send(w.user.id, w.session.id, "Two."))).toMatchObject({ code: "turn_in_progress", details: { turnId: first.id } });
    await t.db.turn.update({ where: { id: first.id }, data: { status: "running" } });
    expect(await errorOf(send(w.user.id, w.session.id, "Two."))).toMatchObject({ code: "turn_in_progress" });
    await t.db.turn.update({ where: { id: first.id }, data: { status: "queued" } });

    await runTurn(engine.deps, first.id, new AbortController().signal);
    const second = await send(w.user.id, w.session.id, "Two.");
    expect(second.index).toBe(first.index + 1);
    // Another session of the same room is independent.
    const other = await createSession(t.db, w.user.id, { roomId: w.room.id });
    await expect(send(w.user.id, other.id, "Elsewhere.")).resolves.toMatchObject({ status: "queued" });
  });

  it("of two different sends racing in one session, one is accepted and the other refused", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "alice" }]);
    const results = await Promise.allSettled([send(w.user.id, w.session.id, "A."), send(w.user.id, w.session.id, "B.")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "turn_in_progress" } });
    expect(await t.db.turn.count({ where: { sessionId: w.session.id } })).toBe(1);
  });
});

describe("ownership and state", () => {
  it("another user's session, a deleted session and a deleted room's session are not found, and create nothing", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "alice" }]);
    const stranger = await roomWorld(t.db, "roundtable", [{ key: "alice" }]);
    expect(await errorOf(send(stranger.user.id, w.session.id, "Mine now."))).toMatchObject({ code: "not_found" });

    const gone = await createSession(t.db, w.user.id, { roomId: w.room.id });
    await deleteSession(t.db, w.user.id, gone.id);
    expect(await errorOf(send(w.user.id, gone.id, "Hello?"))).toMatchObject({ code: "not_found" });

    await deleteRoom(t.db, w.user.id, w.room.id);
    expect(await errorOf(send(w.user.id, w.session.id, "Hello?"))).toMatchObject({ code: "not_found" });
    expect(await t.db.turn.count({ where: { session: { roomId: w.room.id } } })).toBe(0);
  });

  it("a deleted agent is no longer on the roster of the next send", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "alice" }, { key: "bob" }]);
    await deleteAgent(t.db, w.user.id, w.agents[0]!.id);
    const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "Who is here?");
    expect(turn.steps.map((s) => s.agentKey)).toEqual(["bob"]);
  });
});

it("gives messages strictly increasing seq, in timeline order", async () => {
  const w = await roomWorld(t.db, "roundtable", [{ key: "alice" }, { key: "bob" }, { key: "carol" }]);
  await sendAndRun(engine.deps, w.user.id, w.session.id, "One.");
  await sendAndRun(engine.deps, w.user.id, w.session.id, "Two.");
  const messages = await t.db.message.findMany({ where: { sessionId: w.session.id }, orderBy: { seq: "asc" }, include: { step: true, turn: true } });
  expect(messages.map((m) => Number(m.seq))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  expect(messages.map((m) => [m.turn!.index, m.agentKey])).toEqual([
    [1, null],
    [1, "alice"],
    [1, "bob"],
    [1, "carol"],
    [2, null],
    [2, "alice"],
    [2, "bob"],
    [2, "carol"],
  ]);
  // Within a turn, seq follows step order.
  const stepIndexes = messages.filter((m) => m.step).map((m) => m.step!.index);
  expect(stepIndexes).toEqual([1, 2, 3, 1, 2, 3]);
});

describe("rate limit", () => {
  it("refuses the 11th accepted turn within a minute; refused sends do not count", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "alice" }]);
    const sessions = [w.session];
    for (let i = 1; i < 11; i++) sessions.push(await createSession(t.db, w.user.id, { roomId: w.room.id }));

    const accepted = [];
    for (let i = 0; i < 9; i++) accepted.push(await send(w.user.id, sessions[i]!.id, `Turn ${i + 1}.`));
    // Refused for other reasons, several times: none of these may use up the limit.
    for (let i = 0; i < 3; i++) expect(await errorOf(send(w.user.id, sessions[0]!.id, "Busy."))).toMatchObject({ code: "turn_in_progress" });
    accepted.push(await send(w.user.id, sessions[9]!.id, "Turn 10."));

    const refused = await errorOf(send(w.user.id, sessions[10]!.id, "Turn 11."));
    expect(refused).toMatchObject({ code: "rate_limited", details: { limit: 10, windowSeconds: 60 } });
    const retryAfter = refused.details!.retryAfterSeconds as number;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await t.db.turn.count({ where: { userId: w.user.id } })).toBe(10);

    // Refusals do not count either: still refused, and still exactly ten turns.
    expect(await errorOf(send(w.user.id, sessions[10]!.id, "Turn 11."))).toMatchObject({ code: "rate_limited" });
    // An idempotent retry of an accepted turn is not a new turn: it is answered, not refused.
    await expect(sendTurn(engine.deps, w.user.id, { sessionId: sessions[0]!.id, message: "Turn 1.", clientRequestId: accepted[0]!.clientRequestId })).resolves.toMatchObject({
      id: accepted[0]!.id,
    });
    // Another user is not affected.
    const other = await roomWorld(t.db, "roundtable", [{ key: "alice" }]);
    await expect(send(other.user.id, other.session.id, "Hi.")).resolves.toMatchObject({ status: "queued" });
  });

  it("holds under concurrency: of many simultaneous sends, exactly the limit is accepted", async () => {
    await setSetting(t.db, "turns.rate_limit_per_minute", 5);
    const w = await roomWorld(t.db, "roundtable", [{ key: "alice" }]);
    const sessions = [];
    for (let i = 0; i < 8; i++) sessions.push(await createSession(t.db, w.user.id, { roomId: w.room.id }));
    const results = await Promise.allSettled(sessions.map((s) => send(w.user.id, s.id, "Now.")));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
    const reasons = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as { code: string });
    expect(reasons.map((r) => r.code)).toEqual(["rate_limited", "rate_limited", "rate_limited"]);
  });

  it("applies the hourly limit too (a setting)", async () => {
    await setSetting(t.db, "turns.rate_limit_per_hour", 2);
    const w = await roomWorld(t.db, "roundtable", [{ key: "alice" }]);
    const s2 = await createSession(t.db, w.user.id, { roomId: w.room.id });
    const s3 = await createSession(t.db, w.user.id, { roomId: w.room.id });
    await send(w.user.id, w.session.id, "One.");
    await send(w.user.id, s2.id, "Two.");
    const refused = await errorOf(send(w.user.id, s3.id, "Three."));
    expect(refused).toMatchObject({ code: "rate_limited", details: { limit: 2, windowSeconds: 3600 } });
    expect(refused.details!.retryAfterSeconds as number).toBeGreaterThan(60);
  });
});

describe("context preflight", () => {
  /** Deterministic text of many tokens per character (no real words), within the 20 000-character limit. */
  function longMessage(tokens: number): string {
    let seed = 7;
    const words: string[] = [];
    while (countTextTokens(words.join(" ")) < tokens) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      words.push(seed.toString(36).slice(0, 5));
    }
    return words.join(" ");
  }

  it("refuses a message too long for an agent's model, with the numbers, before anything is created or called", async () => {
    // alice's local model has 8192 tokens; bob's llama has 131072: one is enough to refuse.
    const w = await roomWorld(t.db, "roundtable", [{ key: "bob", modelAlias: "llama" }, { key: "alice" }]);
    const budget = contextBudget(8192, defaultSettings()["turns.max_output_tokens"]);
    const message = longMessage(budget.input + 200);
    expect(message.length).toBeLessThanOrEqual(20_000);

    const jobsBefore = (await engine.boss.findJobs(queues.turnRun.name)).length;
    const error = await errorOf(send(w.user.id, w.session.id, message));
    expect(error).toMatchObject({ code: "context_budget_exceeded", details: { agentKey: "alice", model: "local", budgetTokens: budget.input, contextWindow: 8192 } });
    expect(error.details!.neededTokens as number).toBeGreaterThan(budget.input);
    expect(await t.db.turn.count({ where: { sessionId: w.session.id } })).toBe(0);
    expect(await t.db.turnStep.count({ where: { turn: { sessionId: w.session.id } } })).toBe(0);
    expect(await t.db.message.count({ where: { sessionId: w.session.id } })).toBe(0);
    expect(await engine.boss.findJobs(queues.turnRun.name)).toHaveLength(jobsBefore);

    // The same message fits bob's larger model.
    const roomy = await roomWorld(t.db, "roundtable", [{ key: "bob", modelAlias: "llama" }]);
    await expect(send(roomy.user.id, roomy.session.id, message)).resolves.toMatchObject({ status: "queued" });
  });

  it("in orchestrator mode, also checks the manager model, whose calls come first and last", async () => {
    // Specialists on a large model, the manager on the offline 8192-token model.
    await setSetting(t.db, "orchestrator.manager_model", "local");
    const w = await roomWorld(t.db, "orchestrator", [{ key: "bob", modelAlias: "llama" }]);
    const message = longMessage(contextBudget(8192, 1024).input + 200);
    const error = await errorOf(send(w.user.id, w.session.id, message));
    expect(error).toMatchObject({ code: "context_budget_exceeded", details: { agentKey: null, model: "local" } });
    expect(await t.db.turn.count({ where: { sessionId: w.session.id } })).toBe(0);
  });

  it("refuses an agent whose model cannot be used now, naming the agent, the model and why, before anything is created", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "alice" }, { key: "bob", modelAlias: "qwen" }]);
    await t.db.llmModel.update({ where: { alias: "qwen" }, data: { enabled: false } });
    try {
      const error = await errorOf(send(w.user.id, w.session.id, "Hello"));
      expect(error).toMatchObject({ code: "model_unavailable", details: { agentKey: "bob", model: "qwen" } });
      expect(error.message).toContain("it is disabled");
      expect(await t.db.turn.count({ where: { sessionId: w.session.id } })).toBe(0);
    } finally {
      await t.db.llmModel.update({ where: { alias: "qwen" }, data: { enabled: true } });
    }
    await expect(send(w.user.id, w.session.id, "Hello")).resolves.toMatchObject({ status: "queued" });
  });
});

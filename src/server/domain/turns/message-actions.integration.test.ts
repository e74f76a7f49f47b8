/**
 * Message actions (message-actions.ts): retry re-runs only the failed agent on the same input,
 * regenerate and edit make a new turn from the last one; each makes exactly one turn however often
 * it is clicked (same or different clientRequestId, also concurrently); ownership and state are
 * checked; what the agents read leaves out the replaced answers and never asks the question twice.
 * Agents run on a fake OpenAI server through the real gateway; the API is called through tRPC's
 * fetch adapter for input errors and status codes.
 */
import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { roleOf } from "@/test/fake-openai.ts";
import { bindWebSingletons, callApi } from "@/test/trpc-http.ts";
import { roomWorld, sendAndRun, turnEngineForThisFile } from "@/test/turns.ts";
import { defaultSettings, setSetting } from "../settings/settings.ts";
import { editTurn, regenerateTurn, retryStep } from "./message-actions.ts";
import { runTurn } from "./run-turn.ts";
import { sendTurn } from "./send-turn.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t);
bindWebSingletons(() => t.url);
beforeEach(() => {
  engine.fake.reset();
  engine.fake.script((r) => `${roleOf(r)} My view.`);
});

const agent = (key: string) => ({ key, name: key[0]!.toUpperCase() + key.slice(1), modelAlias: "llama" });
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (error: unknown) => error as { code: string; message: string },
  );
const run = (turnId: string) => runTurn(engine.deps, turnId, new AbortController().signal);

/** A roundtable of alice and bob in which bob failed: the partial turn and bob's step. */
async function failedBob() {
  const w = await roomWorld(t.db, "roundtable", [agent("alice"), agent("bob")]);
  engine.fake.script((r) => (roleOf(r) === "You are Bob." ? { status: 400, message: "bob is down" } : `${roleOf(r)} My view.`));
  const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "Plan the launch.");
  expect(turn.status).toBe("partial");
  const bob = turn.steps.find((s) => s.agentKey === "bob")!;
  expect(bob.status).toBe("failed");
  engine.fake.reset();
  engine.fake.script((r) => `${roleOf(r)} My view.`);
  return { ...w, turn, bob };
}

describe("turns.retry", () => {
  it("re-runs only the failed agent, on the same input, as a new turn without a new user message", async () => {
    const w = await failedBob();
    const retry = await retryStep(engine.deps, w.user.id, { stepId: w.bob.id, clientRequestId: randomUUID() });
    expect(retry).toMatchObject({ action: "retry", sourceTurnId: w.turn.id, userInput: "Plan the launch.", mode: "roundtable", selectedKeys: ["bob"] });
    expect(await run(retry.id)).toBe("completed");

    const ran = await t.db.turn.findUniqueOrThrow({ where: { id: retry.id }, include: { steps: true, messages: true } });
    expect(ran.steps.map((s) => [s.kind, s.agentKey, s.status])).toEqual([["agent", "bob", "succeeded"]]);
    expect(ran.messages.map((m) => [m.role, m.agentKey, m.content])).toEqual([["assistant", "bob", "You are Bob. My view."]]);
    // Only Bob was called, with the question once (last) and Alice's answer from the source turn.
    expect(engine.fake.requests.map(roleOf)).toEqual(["You are Bob."]);
    const conversation = engine.fake.requests[0]!.conversation;
    expect(conversation.filter((m) => m.content.includes("Plan the launch."))).toHaveLength(1);
    expect(conversation.at(-1)).toEqual({ role: "user", content: "Plan the launch." });
    expect(JSON.stringify(conversation)).toContain("You are Alice. My view.");
    // The source turn is unchanged.
    expect((await t.db.turnStep.findUniqueOrThrow({ where: { id: w.bob.id } })).status).toBe("failed");
  });

  it("clicked twice (two clientRequestIds, concurrently, or again later) makes one turn; the same clientRequestId returns it", async () => {
    const w = await failedBob();
    const [a, b] = await Promise.all([
      retryStep(engine.deps, w.user.id, { stepId: w.bob.id, clientRequestId: randomUUID() }),
      retryStep(engine.deps, w.user.id, { stepId: w.bob.id, clientRequestId: randomUUID() }),
    ]);
    expect(b.id).toBe(a.id);
    await run(a.id);
    const again = await retryStep(engine.deps, w.user.id, { stepId: w.bob.id, clientRequestId: randomUUID() });
    expect(again.id).toBe(a.id);
    const same = await retryStep(engine.deps, w.user.id, { stepId: w.bob.id, clientRequestId: a.clientRequestId });
    expect(same.id).toBe(a.id);
    expect(await t.db.turn.count({ where: { sessionId: w.session.id } })).toBe(2);
  });

  it("refuses a step that succeeded, a manager step, another user's step, and while a turn runs", async () => {
    const w = await failedBob();
    const alice = w.turn.steps.find((s) => s.agentKey === "alice")!;
    expect(await refusal(retryStep(engine.deps, w.user.id, { stepId: alice.id, clientRequestId: randomUUID() }))).toMatchObject({ code: "unprocessable" });

    const other = await roomWorld(t.db, "roundtable", [agent("carol")]);
    expect(await refusal(retryStep(engine.deps, other.user.id, { stepId: w.bob.id, clientRequestId: randomUUID() }))).toMatchObject({ code: "not_found" });

    const running = await sendTurn(engine.deps, w.user.id, { sessionId: w.session.id, message: "Next question.", clientRequestId: randomUUID() });
    expect(await refusal(retryStep(engine.deps, w.user.id, { stepId: w.bob.id, clientRequestId: randomUUID() }))).toMatchObject({ code: "turn_in_progress" });
    await run(running.id);

    const orchestrated = await roomWorld(t.db, "orchestrator", [agent("dave")]);
    const turn = await sendAndRun(engine.deps, orchestrated.user.id, orchestrated.session.id, "Route me.");
    const route = turn.steps.find((s) => s.kind === "manager_route")!;
    expect(await refusal(retryStep(engine.deps, orchestrated.user.id, { stepId: route.id, clientRequestId: randomUUID() }))).toMatchObject({ code: "unprocessable" });
  });
});

describe("turns.regenerate", () => {
  it("makes a new turn of the last turn's input; its agents read the question once and not the replaced answers", async () => {
    const w = await roomWorld(t.db, "roundtable", [agent("alice")]);
    const first = await sendAndRun(engine.deps, w.user.id, w.session.id, "First question.");
    const last = await sendAndRun(engine.deps, w.user.id, w.session.id, "Second question.");
    expect(await refusal(regenerateTurn(engine.deps, w.user.id, { turnId: first.id, clientRequestId: randomUUID() }))).toMatchObject({ code: "unprocessable" });

    engine.fake.reset();
    engine.fake.script(() => "A fresh answer.");
    const [a, b] = await Promise.all([
      regenerateTurn(engine.deps, w.user.id, { turnId: last.id, clientRequestId: randomUUID() }),
      regenerateTurn(engine.deps, w.user.id, { turnId: last.id, clientRequestId: randomUUID() }),
    ]);
    expect(b.id).toBe(a.id);
    expect(a).toMatchObject({ action: "regenerate", sourceTurnId: last.id, userInput: "Second question." });
    await run(a.id);
    const conversation = engine.fake.requests[0]!.conversation;
    expect(conversation.map((m) => m.content)).toEqual(["First question.", "You are Alice. My view.", "Second question."]);
    expect(await t.db.message.count({ where: { turnId: a.id, role: "user" } })).toBe(0);

    // A later send reads the question with the new answer only.
    engine.fake.reset();
    engine.fake.script(() => "Third answer.");
    await sendAndRun(engine.deps, w.user.id, w.session.id, "Third question.");
    expect(engine.fake.requests[0]!.conversation.map((m) => m.content)).toEqual([
      "First question.",
      "You are Alice. My view.",
      "Second question.",
      "A fresh answer.",
      "Third question.",
    ]);
  });

  it("refuses a running turn and another user's turn", async () => {
    const w = await roomWorld(t.db, "roundtable", [agent("alice")]);
    const queued = await sendTurn(engine.deps, w.user.id, { sessionId: w.session.id, message: "Hello.", clientRequestId: randomUUID() });
    expect(await refusal(regenerateTurn(engine.deps, w.user.id, { turnId: queued.id, clientRequestId: randomUUID() }))).toMatchObject({ code: "turn_in_progress" });
    await run(queued.id);
    const other = await roomWorld(t.db, "roundtable", [agent("bob")]);
    expect(await refusal(regenerateTurn(engine.deps, other.user.id, { turnId: queued.id, clientRequestId: randomUUID() }))).toMatchObject({ code: "not_found" });
  });
});

describe("turns.edit", () => {
  it("sends the changed message as a new turn; the old turn stays and later contexts leave it out", async () => {
    const w = await roomWorld(t.db, "roundtable", [agent("alice")]);
    const last = await sendAndRun(engine.deps, w.user.id, w.session.id, "Waht is 2+2?");
    const [a, b] = await Promise.all([
      editTurn(engine.deps, w.user.id, { turnId: last.id, message: "What is 2+2?", clientRequestId: randomUUID() }),
      editTurn(engine.deps, w.user.id, { turnId: last.id, message: "What is 2+2?", clientRequestId: randomUUID() }),
    ]);
    expect(b.id).toBe(a.id);
    expect(a).toMatchObject({ action: "edit", sourceTurnId: last.id, userInput: "What is 2+2?" });
    expect(await refusal(editTurn(engine.deps, w.user.id, { turnId: last.id, message: "Something else", clientRequestId: randomUUID() }))).toMatchObject({
      code: "unprocessable",
    });
    engine.fake.reset();
    engine.fake.script(() => "4.");
    await run(a.id);
    expect(engine.fake.requests[0]!.conversation.map((m) => m.content)).toEqual(["What is 2+2?"]);
    const messages = await t.db.message.findMany({ where: { sessionId: w.session.id }, orderBy: { seq: "asc" } });
    expect(messages.map((m) => [m.role, m.content])).toEqual([
      ["user", "Waht is 2+2?"],
      ["assistant", "You are Alice. My view."],
      ["user", "What is 2+2?"],
      ["assistant", "4."],
    ]);
    expect(await t.db.turn.count({ where: { sessionId: w.session.id } })).toBe(2);
  });
});

describe("the send rules", () => {
  it("an action counts toward the rate limit, and needs the credits for its first call; a refused one creates nothing", async () => {
    const w = await failedBob();
    try {
      await setSetting(t.db, "turns.rate_limit_per_minute", 1);
      expect(await refusal(retryStep(engine.deps, w.user.id, { stepId: w.bob.id, clientRequestId: randomUUID() }))).toMatchObject({ code: "rate_limited" });
      await setSetting(t.db, "turns.rate_limit_per_minute", defaultSettings()["turns.rate_limit_per_minute"]);

      await setSetting(t.db, "credits.enforcement", true);
      await t.db.creditWallet.update({ where: { userId: w.user.id }, data: { balance: "0.001" } });
      expect(await refusal(regenerateTurn(engine.deps, w.user.id, { turnId: w.turn.id, clientRequestId: randomUUID() }))).toMatchObject({ code: "insufficient_credits" });
      expect(await t.db.turn.count({ where: { sessionId: w.session.id } })).toBe(1);
    } finally {
      const defaults = defaultSettings();
      await setSetting(t.db, "turns.rate_limit_per_minute", defaults["turns.rate_limit_per_minute"]);
      await setSetting(t.db, "credits.enforcement", defaults["credits.enforcement"]);
    }
  });
});

describe("through the API", () => {
  it("malformed input is 400, another user's turn or step 404, the wrong state 422, a running turn 409", async () => {
    const w = await failedBob();
    const { token } = await createApiToken(t.db, w.user.id, { name: "test" });
    const other = await roomWorld(t.db, "roundtable", [agent("carol")]);
    const { token: otherToken } = await createApiToken(t.db, other.user.id, { name: "test" });

    for (const [path, input] of [
      ["turns.retry", { stepId: "not-a-uuid", clientRequestId: "x" }],
      ["turns.regenerate", { turnId: w.turn.id }],
      ["turns.edit", { turnId: w.turn.id, message: "   ", clientRequestId: "x" }],
      ["turns.edit", { turnId: w.turn.id, message: "a\u0000b", clientRequestId: "x" }],
    ] as const) {
      const res = await callApi(t.db, path, { token, input });
      expect([path, res.status, res.error?.code]).toEqual([path, 400, "BAD_REQUEST"]);
    }
    const stranger = await callApi(t.db, "turns.regenerate", { token: otherToken, input: { turnId: w.turn.id, clientRequestId: randomUUID() } });
    expect([stranger.status, stranger.error?.appCode]).toEqual([404, "not_found"]);
    const alice = w.turn.steps.find((s) => s.agentKey === "alice")!;
    const wrong = await callApi(t.db, "turns.retry", { token, input: { stepId: alice.id, clientRequestId: randomUUID() } });
    expect([wrong.status, wrong.error?.appCode]).toEqual([422, "unprocessable"]);

    const retried = await callApi(t.db, "turns.retry", { token, input: { stepId: w.bob.id, clientRequestId: randomUUID() } });
    expect(retried.error).toBeNull();
    expect(retried.data).toMatchObject({ action: "retry", sourceTurnId: w.turn.id, status: "queued" });
    const busy = await callApi(t.db, "turns.regenerate", { token, input: { turnId: w.turn.id, clientRequestId: randomUUID() } });
    // The source is no longer the last turn: refused before the running turn matters.
    expect([busy.status, busy.error?.appCode]).toEqual([422, "unprocessable"]);
  });
});

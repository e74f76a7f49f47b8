/**
 * Metering end to end, in process (PRODUCT.md 7): every LLM call of a turn — agent replies, the
 * orchestrator's routing, evaluation and synthesis, the session summary, and calls that failed,
 * timed out, were rate limited, cancelled or lost with their worker — writes exactly one ledger row
 * with its purpose, status, tokens (the provider's fresh/cached split, or estimated), credits per the
 * formula and the active pricing version, and provider cost; the wallet is debited exactly that,
 * by a `debit` transaction referencing the row's idempotency key; no reservation outlives its call.
 * `turn_completed` carries what the turn cost and the wallet after it. The send preflight refuses a
 * wallet that cannot cover the first call; a wallet that runs out mid-turn ends the turn `partial`;
 * with enforcement off a wallet at zero still sends and every call is still in the ledger; the
 * ledger outlives the chats it was about.
 */
import { randomUUID } from "node:crypto";
import { Decimal } from "decimal.js";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { deleteRoom, purgeDeletedRooms } from "@/server/domain/rooms/rooms.ts";
import { createSession } from "@/server/domain/sessions/sessions.ts";
import { defaultSettings, setSetting } from "@/server/domain/settings/settings.ts";
import { runTurn } from "@/server/domain/turns/run-turn.ts";
import { sendTurn } from "@/server/domain/turns/send-turn.ts";
import { MANAGER_ROLE } from "@/server/domain/turns/manager-prompts.ts";
import { summarizeSession } from "@/server/domain/turns/summarize-session.ts";
import { cancelTurn } from "@/server/domain/turns/turns.ts";
import { isAppError } from "@/server/errors.ts";
import { queues } from "@/server/jobs/queues.ts";
import { countMessageTokens, countTextTokens } from "@/server/llm/tokenizer.ts";
import type { LlmCallEvent } from "@/generated/prisma/client.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { roleOf } from "@/test/fake-openai.ts";
import { bindWebSingletons, callApi } from "@/test/trpc-http.ts";
import { offlineGateway, roomWorld, sendAndRun, turnEngineForThisFile } from "@/test/turns.ts";
import { waitFor } from "@/test/wait-for.ts";
import { creditsFor, oeTokens, providerCostUsd, worstCaseCredits } from "./formula.ts";
import { getWallet } from "./wallet.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t);
// For the one check through the API (turns.send's PAYMENT_REQUIRED).
bindWebSingletons(() => t.url);

const LLAMA = { provider: "openrouter", providerModel: "meta-llama/llama-3.3-70b-instruct" };
// Pricing version 1 of llama (the migration's seed).
const LLAMA_V1 = { multiplier: "1", input: "0.00000012", cachedInput: "0.000000012", output: "0.0000003" };

beforeAll(async () => {
  await setSetting(t.db, "orchestrator.manager_model", "llama");
  await setSetting(t.db, "summary.model", "llama");
  // Many turns per user here; the rate limit has tests of its own.
  await setSetting(t.db, "turns.rate_limit_per_minute", 10_000);
  await setSetting(t.db, "turns.rate_limit_per_hour", 10_000);
});
beforeEach(() => {
  engine.fake.reset();
  engine.fake.script((r) => `${roleOf(r)} Full answer.`);
});
afterEach(async () => {
  const defaults = defaultSettings();
  for (const key of ["credits.enforcement", "credits.signup_grant", "credits.low_balance_threshold", "turns.max_output_tokens"] as const) {
    await setSetting(t.db, key, defaults[key] as never);
  }
});

const agent = (key: string, modelAlias = "llama") => ({ key, name: key[0]!.toUpperCase() + key.slice(1), modelAlias });
const keyParts = (row: Pick<LlmCallEvent, "idempotencyKey">) => row.idempotencyKey.split(":").slice(1).map(Number) as [number, number];

/** A turn's ledger rows in step order (then attempt). */
async function ledgerOf(turnId: string) {
  const rows = await t.db.llmCallEvent.findMany({ where: { turnId } });
  return rows.sort((a, b) => keyParts(a)[0] - keyParts(b)[0] || keyParts(a)[1] - keyParts(b)[1]);
}

const sum = (values: Decimal.Value[]) => values.reduce<Decimal>((acc, v) => acc.plus(v), new Decimal(0));
const dec = (v: { toString(): string } | string | null | undefined) => new Decimal(v?.toString() ?? "NaN");

/** Credits and cost of a row recomputed from its own tokens at `pricing`, the way PRODUCT.md 7.2 says. */
function priced(row: LlmCallEvent, pricing = LLAMA_V1) {
  const usage = { fresh: row.inputTokensFresh, cached: row.inputTokensCached, output: row.outputTokens };
  return {
    oe: oeTokens(usage),
    credits: creditsFor(oeTokens(usage), pricing.multiplier),
    cost: providerCostUsd(usage, { input: pricing.input, cachedInput: pricing.cachedInput, output: pricing.output }),
  };
}

function expectPriced(row: LlmCallEvent, pricing = LLAMA_V1, version = 1) {
  const expected = priced(row, pricing);
  expect(row.pricingVersion).toBe(version);
  expect(dec(row.multiplier).eq(pricing.multiplier)).toBe(true);
  expect(dec(row.oeTokens).eq(expected.oe), `oe of ${row.idempotencyKey}`).toBe(true);
  expect(dec(row.creditsBurned).eq(expected.credits), `credits of ${row.idempotencyKey}: ${row.creditsBurned} vs ${expected.credits}`).toBe(true);
  expect(dec(row.providerCostUsd).eq(expected.cost), `cost of ${row.idempotencyKey}`).toBe(true);
  expect(row.totalTokens).toBe(row.inputTokensFresh + row.inputTokensCached + row.outputTokens);
}

/**
 * The books of a user add up: nothing reserved or held; one `debit` per ledger row that cost
 * something, referencing its idempotency key, for exactly its credits; and the balance is where the
 * start and those debits put it.
 */
async function expectBooksBalanced(userId: string, startBalance?: Decimal.Value) {
  const wallet = await t.db.creditWallet.findUniqueOrThrow({ where: { userId } });
  expect(wallet.reserved.toString()).toBe("0");
  expect(await t.db.walletReservation.count({ where: { userId } })).toBe(0);
  const rows = await t.db.llmCallEvent.findMany({ where: { userId } });
  const debits = await t.db.creditTransaction.findMany({ where: { userId, kind: "debit" } });
  const charged = rows.filter((r) => dec(r.creditsBurned).gt(0));
  expect(debits.map((d) => d.referenceId).sort()).toEqual(charged.map((r) => r.idempotencyKey).sort());
  for (const row of charged) {
    const debit = debits.find((d) => d.referenceId === row.idempotencyKey)!;
    expect(dec(debit.amount).negated().eq(dec(row.creditsBurned)), `debit of ${row.idempotencyKey}`).toBe(true);
  }
  const burned = sum(rows.map((r) => r.creditsBurned.toString()));
  const debited = sum(debits.map((d) => d.amount.toString())).negated();
  expect(debited.eq(burned)).toBe(true);
  if (startBalance !== undefined) expect(dec(wallet.balance).eq(new Decimal(startBalance).minus(burned)), `balance ${wallet.balance}`).toBe(true);
  expect(dec(wallet.balance).gte(0)).toBe(true);
  return { wallet, rows, debits, burned };
}

/** Creates the user's wallet (signup grant) if needed, then sets its balance as an operator would. */
async function setBalance(userId: string, balance: string) {
  await getWallet(t.db, userId);
  await t.db.creditWallet.update({ where: { userId }, data: { balance } });
}

async function turnCompletedOf(turnId: string) {
  const events = await t.db.turnEvent.findMany({ where: { turnId, type: "turn_completed" } });
  expect(events).toHaveLength(1);
  return events[0]!.payload as { status: string; credits: string; balanceAfter: string; lowBalance: boolean };
}

function sendFor(userId: string, sessionId: string, message = "Plan the launch.") {
  return sendTurn(engine.deps, userId, { sessionId, message, clientRequestId: randomUUID() });
}

/** Step `index` of the turn is running and has streamed at least one delta. */
function waitForStreaming(turnId: string, index: number) {
  return waitFor(`step ${index} of ${turnId} to stream`, async () => {
    const step = await t.db.turnStep.findFirst({ where: { turnId, index, status: "running" } });
    return step && (await t.db.turnEvent.count({ where: { turnId, type: "step_delta", payload: { path: ["stepId"], equals: step.id } } })) > 0 && step;
  }, 10_000, 10);
}

/** A roundtable of alice, bob and carol whose turn is running with bob's call streaming, then hanging. */
async function bobStreamingThenHanging() {
  const w = await roomWorld(t.db, "roundtable", [agent("alice"), agent("bob"), agent("carol")]);
  const start = await getWallet(t.db, w.user.id);
  engine.fake.script((r) => (roleOf(r) === "You are Bob." ? { hang: true, partial: "Half an ans" } : `${roleOf(r)} Full answer.`));
  const turn = await sendFor(w.user.id, w.session.id);
  const controller = new AbortController();
  const run = runTurn(engine.deps, turn.id, controller.signal);
  const bob = await waitForStreaming(turn.id, 2);
  return { w, start, turn, controller, run, bob };
}

describe("one ledger row per call", () => {
  it("agent replies: provider usage split into fresh and cached, or estimated when the provider reports none; credits, cost and the debit per row", async () => {
    const w = await roomWorld(t.db, "roundtable", [agent("alice"), agent("bob")]);
    const start = await getWallet(t.db, w.user.id);
    engine.fake.script((r) =>
      roleOf(r) === "You are Alice."
        ? { text: "Alice's answer.", usage: { prompt_tokens: 120, completion_tokens: 30, cached_tokens: 50 } }
        : { text: "Bob's answer, with no usage reported.", usage: null },
    );
    const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "Plan the launch.");
    expect(turn.status).toBe("completed");

    const rows = await ledgerOf(turn.id);
    expect(rows).toHaveLength(engine.fake.requests.length);
    expect(rows).toHaveLength(2);
    const [alice, bob] = rows as [LlmCallEvent, LlmCallEvent];
    for (const [row, step, request] of [[alice, turn.steps[0]!, engine.fake.requests[0]!], [bob, turn.steps[1]!, engine.fake.requests[1]!]] as const) {
      expect(row).toMatchObject({
        userId: w.user.id,
        roomId: w.room.id,
        sessionId: w.session.id,
        turnId: turn.id,
        stepId: step.id,
        agentId: step.agentId,
        agentKey: step.agentKey,
        callPurpose: "agent_reply",
        mode: "roundtable",
        modelAlias: "llama",
        ...LLAMA,
        status: "success",
        errorCode: null,
        requestId: request.requestId,
        idempotencyKey: `${turn.id}:${step.index}:1`,
      });
      expect(row.requestId).toMatch(/^fake-/);
      expect(row.latencyMs).toBeGreaterThanOrEqual(0);
      expect(row.ttftMs).not.toBeNull();
      expect(row.startedAt.getTime()).toBeLessThanOrEqual(row.createdAt.getTime());
      expectPriced(row);
    }
    // The provider's split: 50 of the 120 input tokens were cached.
    expect(alice).toMatchObject({ inputTokensFresh: 70, inputTokensCached: 50, outputTokens: 30, totalTokens: 150, usageSource: "provider" });
    // OE = 70 × 0.35 + 50 × 0.10 + 30 = 59.5; credits = 59.5 × 1 / 10 000; cost = 70 × 1.2e-7 + 50 × 1.2e-8 + 30 × 3e-7.
    expect(alice.oeTokens.toString()).toBe("59.5");
    expect(alice.creditsBurned.toString()).toBe("0.00595");
    expect(alice.providerCostUsd.toString()).toBe("0.000018");
    // No usage from the provider: counted with the tokenizer, all input fresh.
    expect(bob).toMatchObject({
      inputTokensFresh: countMessageTokens(engine.fake.requests[1]!.messages),
      inputTokensCached: 0,
      outputTokens: countTextTokens("Bob's answer, with no usage reported."),
      usageSource: "estimated",
    });
    // The step's own usage and the credits its step_completed reported are the row's.
    expect(turn.steps[0]).toMatchObject({ inputTokens: 120, cachedTokens: 50, outputTokens: 30, usageSource: "provider" });
    for (const [i, row] of rows.entries()) {
      const completed = await t.db.turnEvent.findFirstOrThrow({ where: { type: "step_completed", payload: { path: ["stepId"], equals: turn.steps[i]!.id } } });
      expect(dec((completed.payload as { usage: { credits: string } }).usage.credits).eq(dec(row.creditsBurned))).toBe(true);
    }

    const { wallet, burned } = await expectBooksBalanced(w.user.id, start.balance);
    const debit = await t.db.creditTransaction.findFirstOrThrow({ where: { userId: w.user.id, kind: "debit", referenceId: alice.idempotencyKey } });
    expect(debit.amount.toString()).toBe("-0.00595");
    const event = await turnCompletedOf(turn.id);
    expect(event.status).toBe("completed");
    expect(dec(event.credits).eq(burned)).toBe(true);
    expect(dec(event.balanceAfter).eq(dec(wallet.balance))).toBe(true);
    expect(event.lowBalance).toBe(false);
  });

  it("an orchestrator turn meters routing, evaluation and synthesis with their purpose, and the session summary as a `summary` call", async () => {
    const w = await roomWorld(t.db, "orchestrator", [agent("alice"), agent("bob")]);
    const start = await getWallet(t.db, w.user.id);
    engine.fake.script((r) => {
      if (r.system.includes("selected_agent_keys")) return JSON.stringify({ selected_agent_keys: ["alice", "bob"] });
      if (r.system.includes('"continue"')) return JSON.stringify({ continue: false });
      if (r.system.includes("key_facts")) return JSON.stringify({ summary: "They planned.", key_facts: [], decisions: [], open_questions: [], action_items: [] });
      if (r.system.startsWith(MANAGER_ROLE)) return "All in all: launch on Tuesday.";
      return `${roleOf(r)} Specialist answer.`;
    });
    const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "When should we launch?");
    expect(turn.status).toBe("completed");

    const beforeSummary = await ledgerOf(turn.id);
    expect(beforeSummary.map((r) => [r.callPurpose, r.agentKey, r.status, r.mode])).toEqual([
      ["route", null, "success", "orchestrator"],
      ["agent_reply", "alice", "success", "orchestrator"],
      ["agent_reply", "bob", "success", "orchestrator"],
      ["evaluate", null, "success", "orchestrator"],
      ["synthesis", null, "success", "orchestrator"],
    ]);
    expect(beforeSummary.map((r) => r.stepId)).toEqual(turn.steps.map((s) => s.id));
    const event = await turnCompletedOf(turn.id);
    expect(dec(event.credits).eq(sum(beforeSummary.map((r) => r.creditsBurned.toString())))).toBe(true);

    // The summary job of that turn (what session.summarize runs) is metered on the same turn.
    const summarized = await summarizeSession(engine.deps, { sessionId: w.session.id, turnId: turn.id }, new AbortController().signal);
    expect(summarized).toMatchObject({ summarized: true });
    const rows = await ledgerOf(turn.id);
    expect(rows).toHaveLength(6);
    const summary = rows[5]!;
    const summaryStep = await t.db.turnStep.findFirstOrThrow({ where: { turnId: turn.id, kind: "summary" } });
    expect(summary).toMatchObject({ callPurpose: "summary", stepId: summaryStep.id, agentKey: null, status: "success", usageSource: "provider", idempotencyKey: `${turn.id}:6:1` });
    // Once more changes nothing: that range is summarized.
    await summarizeSession(engine.deps, { sessionId: w.session.id, turnId: turn.id }, new AbortController().signal);

    expect(engine.fake.requests).toHaveLength(6);
    expect(rows.map((r) => r.requestId)).toEqual(engine.fake.requests.map((r) => r.requestId));
    for (const row of rows) expectPriced(row);
    await expectBooksBalanced(w.user.id, start.balance);
  });

  it("failed, rate-limited and timed-out calls: one row each, with their status and error, usage estimated, billed like any call", async () => {
    const w = await roomWorld(t.db, "roundtable", [agent("alice"), agent("broken"), agent("limited"), agent("slow")]);
    const start = await getWallet(t.db, w.user.id);
    engine.fake.script((r) => {
      switch (roleOf(r)) {
        case "You are Broken.":
          return { status: 500 };
        case "You are Limited.":
          return { status: 429 };
        case "You are Slow.":
          return { hang: true, partial: "Half an answer" };
        default:
          return `${roleOf(r)} Full answer.`;
      }
    });
    // A gateway like the test one, with a short call timeout (long enough for the calls that answer).
    const gateway = offlineGateway(t.db, { timeoutMs: 1000 });
    const turn = await sendAndRun({ ...engine.deps, gateway }, w.user.id, w.session.id, "Plan the launch.");
    expect(turn.status).toBe("partial");
    expect(turn.steps.map((s) => [s.agentKey, s.status, s.errorCode])).toEqual([
      ["alice", "succeeded", null],
      ["broken", "failed", "provider_error"],
      ["limited", "failed", "rate_limited"],
      ["slow", "failed", "timeout"],
    ]);

    const rows = await ledgerOf(turn.id);
    // A transient error (500, 429) is retried once, as the step's next attempt: one row per HTTP
    // attempt, each billed. The timeout is not retried.
    expect(rows.map((r) => [r.agentKey, keyParts(r)[1], r.callPurpose, r.status, r.errorCode, r.usageSource])).toEqual([
      ["alice", 1, "agent_reply", "success", null, "provider"],
      ["broken", 1, "agent_reply", "error", "provider_error", "estimated"],
      ["broken", 2, "agent_reply", "error", "provider_error", "estimated"],
      ["limited", 1, "agent_reply", "rate_limited", "rate_limited", "estimated"],
      ["limited", 2, "agent_reply", "rate_limited", "rate_limited", "estimated"],
      ["slow", 1, "agent_reply", "timeout", "timeout", "estimated"],
    ]);
    expect(engine.fake.requests.map(roleOf)).toEqual(["You are Alice.", "You are Broken.", "You are Broken.", "You are Limited.", "You are Limited.", "You are Slow."]);
    expect(turn.steps.map((s) => s.attempt)).toEqual([1, 2, 2, 1]);
    const lastRequestOf = (role: string) => engine.fake.requests.findLast((r) => roleOf(r) === role)!;
    for (const [row, role] of [[rows[1]!, "You are Broken."], [rows[2]!, "You are Broken."], [rows[3]!, "You are Limited."], [rows[4]!, "You are Limited."], [rows[5]!, "You are Slow."]] as const) {
      // Estimated: the input counted with the tokenizer (all fresh), and what had streamed.
      expect(row.inputTokensFresh).toBe(countMessageTokens(lastRequestOf(role).messages));
      expect(row.inputTokensCached).toBe(0);
      expect(row.requestId).toBeNull();
      expect(row.ttftMs).toBeNull();
      expect(row.latencyMs).toBeGreaterThanOrEqual(0);
      expectPriced(row);
      expect(dec(row.creditsBurned).gt(0)).toBe(true);
    }
    expect(rows[1]!.outputTokens).toBe(0);
    expect(rows[5]!.outputTokens).toBe(countTextTokens("Half an answer"));
    expect(rows[5]!.latencyMs).toBeGreaterThanOrEqual(1000);

    const { wallet, burned } = await expectBooksBalanced(w.user.id, start.balance);
    const event = await turnCompletedOf(turn.id);
    expect(event.status).toBe("partial");
    expect(dec(event.credits).eq(burned)).toBe(true);
    expect(dec(event.balanceAfter).eq(dec(wallet.balance))).toBe(true);
  });

  it("a cancelled call: its credits are held while it runs, then it gets a `cancelled` row billed for what it streamed", async () => {
    const { w, start, turn, run, bob } = await bobStreamingThenHanging();

    // While bob's call runs, its worst case is held: all input fresh plus every allowed output token.
    const held = worstCaseCredits(countMessageTokens(engine.fake.requests[1]!.messages), defaultSettings()["turns.max_output_tokens"], LLAMA_V1.multiplier);
    const reservation = await t.db.walletReservation.findUniqueOrThrow({ where: { key: `${turn.id}:2:1` } });
    expect(dec(reservation.amount).eq(held)).toBe(true);
    expect(dec((await t.db.creditWallet.findUniqueOrThrow({ where: { userId: w.user.id } })).reserved).eq(held)).toBe(true);
    expect(await t.db.llmCallEvent.count({ where: { stepId: bob.id } })).toBe(0);

    // The turn's watch sees the request within a second and aborts bob's call.
    await cancelTurn(engine.deps, w.user.id, turn.id);
    expect(await run).toBe("cancelled");

    const rows = await ledgerOf(turn.id);
    expect(rows.map((r) => [r.agentKey, r.status, r.errorCode, r.usageSource])).toEqual([
      ["alice", "success", null, "provider"],
      ["bob", "cancelled", "cancelled", "estimated"],
    ]);
    expect(rows[1]).toMatchObject({ stepId: bob.id, inputTokensFresh: countMessageTokens(engine.fake.requests[1]!.messages), outputTokens: countTextTokens("Half an ans") });
    expect(engine.fake.requests).toHaveLength(2);
    for (const row of rows) expectPriced(row);
    await expectBooksBalanced(w.user.id, start.balance);
  });

  it("a call whose worker died gets an `error`/`worker_lost` row, estimated, when the next attempt resumes the turn; nothing is counted twice", async () => {
    const { w, start, turn, controller, run: first } = await bobStreamingThenHanging();
    controller.abort(); // the worker goes away, nobody cancelled
    await expect(first).rejects.toThrow();
    // Its call is still held: only a later attempt knows it is lost.
    expect(await t.db.walletReservation.count({ where: { key: `${turn.id}:2:1` } })).toBe(1);

    engine.fake.script((r) => `${roleOf(r)} Full answer.`);
    expect(await runTurn(engine.deps, turn.id, new AbortController().signal)).toBe("completed");
    const rows = await ledgerOf(turn.id);
    expect(rows.map((r) => [r.agentKey, r.idempotencyKey, r.status, r.errorCode, r.usageSource])).toEqual([
      ["alice", `${turn.id}:1:1`, "success", null, "provider"],
      ["bob", `${turn.id}:2:1`, "error", "worker_lost", "estimated"],
      ["bob", `${turn.id}:2:2`, "success", null, "provider"],
      ["carol", `${turn.id}:3:1`, "success", null, "provider"],
    ]);
    // The lost call: the input counted when it was reserved, the output it had streamed.
    expect(rows[1]).toMatchObject({ inputTokensFresh: countMessageTokens(engine.fake.requests[1]!.messages), inputTokensCached: 0, outputTokens: countTextTokens("Half an ans"), requestId: null });
    expect(engine.fake.requests).toHaveLength(rows.length);
    for (const row of rows) expectPriced(row);
    const { burned } = await expectBooksBalanced(w.user.id, start.balance);
    expect(dec((await turnCompletedOf(turn.id)).credits).eq(burned)).toBe(true);

    // A duplicate delivery of the job changes nothing.
    expect(await runTurn(engine.deps, turn.id, new AbortController().signal)).toBe("completed");
    expect(await t.db.llmCallEvent.count({ where: { turnId: turn.id } })).toBe(4);
  });

  it("a turn cancelled while no worker held it: the dead attempt's call still gets its row and its credits are released", async () => {
    const { w, start, turn, controller, run: first } = await bobStreamingThenHanging();
    controller.abort();
    await expect(first).rejects.toThrow();
    // The user cancels the stalled turn; then the job's next attempt runs.
    await cancelTurn(engine.deps, w.user.id, turn.id);
    expect(await runTurn(engine.deps, turn.id, new AbortController().signal)).toBe("cancelled");

    const rows = await ledgerOf(turn.id);
    expect(rows.map((r) => [r.agentKey, r.idempotencyKey, r.status, r.errorCode])).toEqual([
      ["alice", `${turn.id}:1:1`, "success", null],
      ["bob", `${turn.id}:2:1`, "error", "worker_lost"],
    ]);
    expect(engine.fake.requests).toHaveLength(2);
    await expectBooksBalanced(w.user.id, start.balance);
  });
});

describe("pricing versions", () => {
  async function activate(version: number) {
    await t.db.$transaction([
      t.db.pricingVersion.updateMany({ where: { active: true }, data: { active: false } }),
      t.db.pricingVersion.update({ where: { version }, data: { active: true } }),
    ]);
  }

  it("calls are priced by the active version, recorded on the row; below the 0.5 floor the floor applies", async () => {
    const v2 = { multiplier: "2.5", input: "0.000001", cachedInput: "0.0000001", output: "0.000004" };
    const v3 = { multiplier: "0.2", input: "0.0000001", cachedInput: "0.00000001", output: "0.0000002" };
    await t.db.pricingVersion.create({
      data: {
        version: 2,
        note: "test",
        models: { create: [{ modelAlias: "llama", multiplier: v2.multiplier, inputUsdPerToken: v2.input, cachedInputUsdPerToken: v2.cachedInput, outputUsdPerToken: v2.output }] },
      },
    });
    await t.db.pricingVersion.create({
      data: {
        version: 3,
        note: "test",
        models: { create: [{ modelAlias: "llama", multiplier: v3.multiplier, inputUsdPerToken: v3.input, cachedInputUsdPerToken: v3.cachedInput, outputUsdPerToken: v3.output }] },
      },
    });
    engine.fake.script(() => ({ text: "Answer.", usage: { prompt_tokens: 1000, completion_tokens: 200, cached_tokens: 400 } }));
    const w = await roomWorld(t.db, "roundtable", [agent("alice")]);
    const start = await getWallet(t.db, w.user.id);
    try {
      await activate(2);
      const second = await sendAndRun(engine.deps, w.user.id, w.session.id, "Priced at version 2?");
      await activate(3);
      const third = await sendAndRun(engine.deps, w.user.id, w.session.id, "And at version 3?");
      const [row2] = await ledgerOf(second.id);
      const [row3] = await ledgerOf(third.id);
      // OE = 600 × 0.35 + 400 × 0.10 + 200 = 450.
      expect(row2!.oeTokens.toString()).toBe("450");
      expectPriced(row2!, v2, 2);
      expect(row2!.creditsBurned.toString()).toBe("0.1125"); // 450 × 2.5 / 10 000
      expect(row2!.providerCostUsd.toString()).toBe("0.00144"); // 600e-6 + 400e-7 + 200 × 4e-6
      expectPriced(row3!, v3, 3);
      expect(row3!.multiplier.toString()).toBe("0.2");
      expect(row3!.creditsBurned.toString()).toBe("0.0225"); // the floor: 450 × 0.5 / 10 000
      await expectBooksBalanced(w.user.id, start.balance);
    } finally {
      await activate(1);
    }
  });
});

describe("the wallet", () => {
  it("is created once, on first use, with the signup grant the setting says", async () => {
    await setSetting(t.db, "credits.signup_grant", 42);
    const w = await roomWorld(t.db, "roundtable", [agent("alice")]);
    expect(await t.db.creditWallet.count({ where: { userId: w.user.id } })).toBe(0);
    // Many first uses at once (the wallet screen and two sends): one wallet, one grant.
    const [first] = await Promise.all([
      sendAndRun(engine.deps, w.user.id, w.session.id, "Hello"),
      ...Array.from({ length: 6 }, () => getWallet(t.db, w.user.id)),
    ]);
    expect(first.status).toBe("completed");
    await sendAndRun(engine.deps, w.user.id, w.session.id, "Hello again");

    const grants = await t.db.creditTransaction.findMany({ where: { userId: w.user.id, kind: "grant" } });
    expect(grants.map((g) => [g.amount.toString(), g.balanceAfter.toString(), g.referenceId])).toEqual([["42", "42", `signup:${w.user.id}`]]);
    await expectBooksBalanced(w.user.id, 42);
    // A later change of the setting does not touch wallets that exist; a new user gets the new grant.
    await setSetting(t.db, "credits.signup_grant", 7);
    await getWallet(t.db, w.user.id);
    expect(await t.db.creditTransaction.count({ where: { userId: w.user.id, kind: "grant" } })).toBe(1);
    const later = await ensureUserByEmail(t.db, `u-${randomUUID()}@example.com`);
    expect((await getWallet(t.db, later.id)).balance).toBe("7");
  });

  it("turn_completed carries what the turn cost, the balance after it, and lowBalance once that is below the threshold", async () => {
    const w = await roomWorld(t.db, "roundtable", [agent("alice")]);
    // 1000 fresh input and 200 output tokens: OE 550, 0.055 credits a call at multiplier 1.
    engine.fake.script(() => ({ text: "Answer.", usage: { prompt_tokens: 1000, completion_tokens: 200 } }));
    await setBalance(w.user.id, "5.1");
    const above = await turnCompletedOf((await sendAndRun(engine.deps, w.user.id, w.session.id, "One")).id);
    expect(above).toMatchObject({ status: "completed", lowBalance: false });
    expect(dec(above.credits).eq("0.055")).toBe(true);
    expect(dec(above.balanceAfter).eq("5.045")).toBe(true);

    const below = await turnCompletedOf((await sendAndRun(engine.deps, w.user.id, w.session.id, "Two")).id);
    expect(below).toMatchObject({ status: "completed", lowBalance: true });
    expect(dec(below.balanceAfter).eq("4.99")).toBe(true);
    expect(dec(below.balanceAfter).eq(dec((await t.db.creditWallet.findUniqueOrThrow({ where: { userId: w.user.id } })).balance))).toBe(true);

    // The threshold is a setting.
    await setSetting(t.db, "credits.low_balance_threshold", 4.5);
    const third = await turnCompletedOf((await sendAndRun(engine.deps, w.user.id, w.session.id, "Three")).id);
    expect(third).toMatchObject({ lowBalance: false });
    expect(dec(third.balanceAfter).eq("4.935")).toBe(true);
    await expectBooksBalanced(w.user.id, "5.1");
  });
});

describe("enforcement", () => {
  it("send refuses with insufficient_credits (PAYMENT_REQUIRED) when the wallet cannot cover the first call, and creates nothing", async () => {
    const w = await roomWorld(t.db, "roundtable", [agent("alice"), agent("bob")]);
    // The first call's worst case is ~0.1 credits (1024 output tokens at multiplier 1).
    await setBalance(w.user.id, "0.05");
    const jobsBefore = (await engine.boss.findJobs(queues.turnRun.name)).length;
    const refused = await sendFor(w.user.id, w.session.id).then(
      () => null,
      (error: unknown) => error,
    );
    expect(isAppError(refused) && refused.code).toBe("insufficient_credits");
    expect(isAppError(refused) && refused.trpcCode).toBe("PAYMENT_REQUIRED");
    expect(isAppError(refused) && dec(refused.details?.needed as string).gt("0.05")).toBe(true);
    expect(isAppError(refused) && refused.details?.available).toBe("0.05");

    // Through the API, as a client sees it.
    const { token } = await createApiToken(t.db, w.user.id, { name: "test" });
    const viaApi = await callApi(t.db, "turns.send", { token, input: { sessionId: w.session.id, message: "Plan the launch.", clientRequestId: randomUUID() } });
    expect(viaApi.status).toBe(402);
    expect(viaApi.error).toMatchObject({ code: "PAYMENT_REQUIRED", appCode: "insufficient_credits", httpStatus: 402 });

    expect(await t.db.turn.count({ where: { sessionId: w.session.id } })).toBe(0);
    expect(await t.db.message.count({ where: { sessionId: w.session.id } })).toBe(0);
    expect(await t.db.turnEvent.count({ where: { sessionId: w.session.id } })).toBe(0);
    expect((await t.db.chatSession.findUniqueOrThrow({ where: { id: w.session.id } })).lastTurnIndex).toBe(0);
    expect((await engine.boss.findJobs(queues.turnRun.name)).length).toBe(jobsBefore);
    expect(await t.db.llmCallEvent.count({ where: { userId: w.user.id } })).toBe(0);
    expect(engine.fake.requests).toHaveLength(0);
    const wallet = await t.db.creditWallet.findUniqueOrThrow({ where: { userId: w.user.id } });
    expect(wallet.balance.toString()).toBe("0.05");
    await expectBooksBalanced(w.user.id);
  });

  it("a wallet that runs out mid-turn: the turn ends partial with insufficient_credits, later steps never start, the balance never goes negative", async () => {
    const w = await roomWorld(t.db, "roundtable", [agent("alice"), agent("bob"), agent("carol"), agent("dave")]);
    // Each call uses most of what it may: 900 of 1024 output tokens, ~0.09 credits; each reservation ~0.103.
    engine.fake.script((r) => ({ text: `${roleOf(r)} Long answer.`, usage: { prompt_tokens: countMessageTokens(r.messages), completion_tokens: 900 } }));
    await setBalance(w.user.id, "0.25");
    const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "Plan the launch.");

    expect(turn.status).toBe("partial");
    expect(turn.errorCode).toBe("insufficient_credits");
    // Two calls fit; the third could not reserve, so it and the fourth never started.
    expect(turn.steps.map((s) => [s.agentKey, s.status])).toEqual([
      ["alice", "succeeded"],
      ["bob", "succeeded"],
    ]);
    expect(engine.fake.requests.map(roleOf)).toEqual(["You are Alice.", "You are Bob."]);
    expect(await t.db.turnEvent.count({ where: { turnId: turn.id, type: "step_started" } })).toBe(2);
    expect(turn.messages.map((m) => m.agentKey)).toEqual([null, "alice", "bob"]);

    const { wallet, burned, rows } = await expectBooksBalanced(w.user.id, "0.25");
    expect(rows).toHaveLength(2);
    // What was left could not cover carol's worst case.
    const carolWorstCase = worstCaseCredits(countMessageTokens(engine.fake.requests[1]!.messages), 1024, 1);
    expect(dec(wallet.balance).lt(carolWorstCase)).toBe(true);
    expect(dec(wallet.balance).gte(0)).toBe(true);
    const event = await turnCompletedOf(turn.id);
    expect(event).toMatchObject({ status: "partial", lowBalance: true });
    expect(dec(event.credits).eq(burned)).toBe(true);
    expect(dec(event.balanceAfter).eq(dec(wallet.balance))).toBe(true);

    // The next send is refused up front.
    await expect(sendFor(w.user.id, w.session.id)).rejects.toMatchObject({ code: "insufficient_credits" });
  });

  it("an orchestrator turn that runs out before its synthesis ends partial with insufficient_credits", async () => {
    const w = await roomWorld(t.db, "orchestrator", [agent("alice"), agent("bob")]);
    engine.fake.script((r) => {
      if (r.system.includes("selected_agent_keys")) return { text: JSON.stringify({ selected_agent_keys: ["alice", "bob"] }), usage: { prompt_tokens: 200, completion_tokens: 20 } };
      if (r.system.includes('"continue"')) return { text: JSON.stringify({ continue: false }), usage: { prompt_tokens: 200, completion_tokens: 20 } };
      return { text: `${roleOf(r)} Long answer.`, usage: { prompt_tokens: countMessageTokens(r.messages), completion_tokens: 1000 } };
    });
    // Routing (~0.035 held), alice and bob (~0.1 each, nearly all spent); then too little is left.
    await setBalance(w.user.id, "0.26");
    const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "When should we launch?");
    expect(turn.status).toBe("partial");
    expect(turn.errorCode).toBe("insufficient_credits");
    expect(turn.steps.every((s) => s.status === "succeeded")).toBe(true);
    expect(turn.steps.map((s) => s.kind)).not.toContain("synthesis");
    const rows = await ledgerOf(turn.id);
    expect(rows.map((r) => r.stepId)).toEqual(turn.steps.map((s) => s.id));
    expect(engine.fake.requests).toHaveLength(rows.length);
    await expectBooksBalanced(w.user.id, "0.26");
  });

  it("switched off (a setting): a wallet at zero sends and runs, and the ledger still records every call", async () => {
    const w = await roomWorld(t.db, "roundtable", [agent("alice"), agent("bob")]);
    await setBalance(w.user.id, "0");
    await expect(sendFor(w.user.id, w.session.id)).rejects.toMatchObject({ code: "insufficient_credits" });

    await setSetting(t.db, "credits.enforcement", false);
    const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "Plan the launch.");
    expect(turn.status).toBe("completed");
    const rows = await ledgerOf(turn.id);
    expect(rows.map((r) => [r.agentKey, r.status])).toEqual([
      ["alice", "success"],
      ["bob", "success"],
    ]);
    expect(engine.fake.requests).toHaveLength(2);
    for (const row of rows) {
      expectPriced(row);
      expect(dec(row.creditsBurned).gt(0)).toBe(true);
    }
    // Nothing to take from an empty wallet: no debit, never below zero, nothing held.
    const wallet = await t.db.creditWallet.findUniqueOrThrow({ where: { userId: w.user.id } });
    expect(wallet.balance.toString()).toBe("0");
    expect(wallet.reserved.toString()).toBe("0");
    expect(await t.db.walletReservation.count({ where: { userId: w.user.id } })).toBe(0);
    expect(await t.db.creditTransaction.count({ where: { userId: w.user.id, kind: "debit" } })).toBe(0);
    const event = await turnCompletedOf(turn.id);
    expect(dec(event.credits).eq(sum(rows.map((r) => r.creditsBurned.toString())))).toBe(true);
    expect(event).toMatchObject({ balanceAfter: expect.stringMatching(/^0(\.0+)?$/), lowBalance: true });
  });
});

describe("the ledger outlives the chats", () => {
  it("a purged room (its sessions, turns and steps) leaves its rows, detached; a deleted direct session too", async () => {
    const w = await roomWorld(t.db, "roundtable", [agent("alice"), agent("bob")]);
    const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "Plan the launch.");
    const direct = await createSession(t.db, w.user.id, { agentId: w.agents[0]!.id });
    const directTurn = await sendAndRun(engine.deps, w.user.id, direct.id, "Just us.");
    const before = await t.db.llmCallEvent.findMany({ where: { userId: w.user.id }, orderBy: { idempotencyKey: "asc" } });
    expect(before).toHaveLength(3);
    expect(before.every((r) => r.turnId && r.sessionId && r.stepId)).toBe(true);

    await deleteRoom(t.db, w.user.id, w.room.id);
    expect(await purgeDeletedRooms(t.db, new Date(Date.now() + 30 * 86_400_000))).toBeGreaterThanOrEqual(1);
    expect(await t.db.turn.count({ where: { id: turn.id } })).toBe(0);
    await t.db.chatSession.delete({ where: { id: direct.id } });
    expect(await t.db.turn.count({ where: { id: directTurn.id } })).toBe(0);

    const after = await t.db.llmCallEvent.findMany({ where: { userId: w.user.id }, orderBy: { idempotencyKey: "asc" } });
    expect(after.map((r) => [r.id, r.idempotencyKey, r.creditsBurned.toString(), r.agentId, r.agentKey, r.callPurpose])).toEqual(
      before.map((r) => [r.id, r.idempotencyKey, r.creditsBurned.toString(), r.agentId, r.agentKey, r.callPurpose]),
    );
    expect(after.map((r) => [r.roomId, r.sessionId, r.turnId, r.stepId])).toEqual(before.map(() => [null, null, null, null]));
    // And the money side is untouched.
    await expectBooksBalanced(w.user.id, 100);
  });
});

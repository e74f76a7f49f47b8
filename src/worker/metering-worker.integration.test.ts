/**
 * Metering with the real worker process (`src/worker/main.ts`) and a fake OpenAI-compatible server
 * (agents and the manager on alias `llama`, which the worker sends to LLM_BASE_URL): every request
 * that reaches the provider has exactly one ledger row — also when the worker is SIGKILLed in the
 * middle of a call and another worker resumes the turn (the lost call's row is `error`/`worker_lost`,
 * estimated), or the user cancels the stalled turn before it does. No idempotency key twice, no
 * reservation left, and the wallet is debited exactly what the ledger says.
 * Recovery after a SIGKILL takes 10–25 s (pg-boss notices the missed job heartbeat; see
 * turns-worker.integration.test.ts).
 */
import { randomUUID } from "node:crypto";
import { Decimal } from "decimal.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setSetting } from "@/server/domain/settings/settings.ts";
import { sendTurn } from "@/server/domain/turns/send-turn.ts";
import { cancelTurn } from "@/server/domain/turns/turns.ts";
import { countMessageTokens, countTextTokens } from "@/server/llm/tokenizer.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { roleOf, type FakeRequest } from "@/test/fake-openai.ts";
import { roomWorld, turnEngineForThisFile } from "@/test/turns.ts";
import { waitFor } from "@/test/wait-for.ts";
import { startWorker, type WorkerProcess } from "@/test/worker-process.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t);

const workerEnv = () => ({ OPENROUTER_API_KEY: "x", LLM_BASE_URL: engine.fake.baseURL, LOG_LEVEL: "warn" });
const dec = (v: { toString(): string }) => new Decimal(v.toString());
const agent = (key: string) => ({ key, name: key[0]!.toUpperCase() + key.slice(1), modelAlias: "llama" });

beforeAll(async () => {
  await setSetting(t.db, "orchestrator.manager_model", "llama");
});
beforeEach(() => {
  engine.fake.reset();
  engine.fake.script(answer);
});

/** Full answers; the orchestrator's manager routes to everyone and stops after one round. */
function answer(r: FakeRequest) {
  if (r.system.includes("selected_agent_keys")) return JSON.stringify({ selected_agent_keys: [...r.system.matchAll(/@([a-z]+)/g)].map((m) => m[1]!) });
  if (r.system.includes('"continue"')) return JSON.stringify({ continue: false });
  return `${roleOf(r)} Full answer.`;
}

async function send(userId: string, sessionId: string, message: string) {
  return sendTurn(engine.deps, userId, { sessionId, message, clientRequestId: randomUUID() });
}

function waitForTurn(turnId: string, statuses: string[], timeoutMs: number) {
  return waitFor(`turn ${turnId} to be ${statuses.join(" or ")}`, async () => {
    const turn = await t.db.turn.findUniqueOrThrow({ where: { id: turnId }, include: { steps: { orderBy: { index: "asc" } } } });
    return statuses.includes(turn.status) ? turn : null;
  }, timeoutMs, 50);
}

/** Step `index` of the turn is running and has streamed at least one delta: its request reached the provider. */
function waitForStreaming(turnId: string, index: number) {
  return waitFor(`step ${index} of ${turnId} to stream`, async () => {
    const step = await t.db.turnStep.findFirst({ where: { turnId, index, status: "running" } });
    return step && (await t.db.turnEvent.count({ where: { turnId, type: "step_delta", payload: { path: ["stepId"], equals: step.id } } })) > 0 && step;
  }, 20_000, 20);
}

async function stop(worker: WorkerProcess | undefined) {
  if (!worker) return;
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGTERM");
  await worker.exited;
}

/** The ledger rows of a turn, in step order then attempt. */
async function ledgerOf(turnId: string) {
  const rows = await t.db.llmCallEvent.findMany({ where: { turnId } });
  const parts = (key: string) => key.split(":").slice(1).map(Number) as [number, number];
  return rows.sort((a, b) => parts(a.idempotencyKey)[0] - parts(b.idempotencyKey)[0] || parts(a.idempotencyKey)[1] - parts(b.idempotencyKey)[1]);
}

/**
 * Nothing held, and the wallet debited exactly what the user's ledger rows burned, once each. A
 * session's first turn that ends with an answer also gets its title (a `title` call on no turn,
 * sessions/title.ts): `titled` waits for it; `turnBurned` is what the turns' own rows burned.
 */
async function expectBooksBalanced(userId: string, startBalance: Decimal.Value, options: { titled?: boolean } = {}) {
  if (options.titled ?? true) await waitFor(`the session title call of ${userId}`, () => t.db.llmCallEvent.findFirst({ where: { userId, callPurpose: "title" } }), 20_000);
  const wallet = await t.db.creditWallet.findUniqueOrThrow({ where: { userId } });
  expect(wallet.reserved.toString()).toBe("0");
  expect(await t.db.walletReservation.count({ where: { userId } })).toBe(0);
  const rows = await t.db.llmCallEvent.findMany({ where: { userId } });
  expect(new Set(rows.map((r) => r.idempotencyKey)).size).toBe(rows.length);
  const debits = await t.db.creditTransaction.findMany({ where: { userId, kind: "debit" } });
  expect(debits.map((d) => d.referenceId).sort()).toEqual(rows.filter((r) => dec(r.creditsBurned).gt(0)).map((r) => r.idempotencyKey).sort());
  const burned = rows.reduce((acc, r) => acc.plus(dec(r.creditsBurned)), new Decimal(0));
  expect(debits.reduce((acc, d) => acc.minus(dec(d.amount)), new Decimal(0)).toString()).toBe(burned.toString());
  expect(dec(wallet.balance).toString()).toBe(new Decimal(startBalance).minus(burned).toString());
  const turnBurned = rows.filter((r) => r.turnId).reduce((acc, r) => acc.plus(dec(r.creditsBurned)), new Decimal(0));
  return { burned, rows, turnBurned };
}

describe("with a running worker", () => {
  let worker: WorkerProcess | undefined;
  beforeAll(async () => {
    worker = await startWorker(t.url, t.db, workerEnv());
  });
  afterAll(() => stop(worker));

  it("every request that reached the provider has exactly one ledger row, with its request id", async () => {
    const room = await roomWorld(t.db, "roundtable", [agent("alpha"), agent("beta"), agent("gamma")]);
    const orchestrated = await roomWorld(t.db, "orchestrator", [agent("alpha"), agent("beta")]);
    // Two turns at once (the worker runs up to four).
    const sent = await Promise.all([
      send(room.user.id, room.session.id, "What should we launch first?"),
      send(orchestrated.user.id, orchestrated.session.id, "And when?"),
    ]);
    const done = await Promise.all(sent.map((turn) => waitForTurn(turn.id, ["completed", "partial", "failed", "cancelled"], 30_000)));
    expect(done.map((turn) => turn.status)).toEqual(["completed", "completed"]);
    expect(done[1]!.steps.map((s) => s.kind)).toEqual(["manager_route", "agent", "agent", "manager_evaluate", "synthesis"]);

    const rows = [...(await ledgerOf(sent[0]!.id)), ...(await ledgerOf(sent[1]!.id))];
    expect(rows).toHaveLength(8);
    expect(engine.fake.requests).toHaveLength(rows.length);
    expect(rows.map((r) => r.requestId).sort()).toEqual(engine.fake.requests.map((r) => r.requestId).sort());
    expect(rows.map((r) => r.callPurpose).sort()).toEqual(["agent_reply", "agent_reply", "agent_reply", "agent_reply", "agent_reply", "evaluate", "route", "synthesis"]);
    expect(rows.every((r) => r.status === "success" && r.usageSource === "provider" && r.modelAlias === "llama")).toBe(true);
    // Each row's tokens are what the provider reported for that request.
    for (const row of rows) {
      const request = engine.fake.requests.find((r) => r.requestId === row.requestId)!;
      expect(row.inputTokensFresh).toBe(countMessageTokens(request.messages));
    }
    for (const [w, turn] of [[room, done[0]!], [orchestrated, done[1]!]] as const) {
      const { turnBurned } = await expectBooksBalanced(w.user.id, 100);
      const completed = await t.db.turnEvent.findFirstOrThrow({ where: { turnId: turn.id, type: "turn_completed" } });
      expect(dec((completed.payload as { credits: string }).credits).toString()).toBe(turnBurned.toString());
    }
  });
});

describe("a worker SIGKILLed in the middle of a call", () => {
  it("is replaced: the lost call gets its worker_lost row, the retried step its own, and nothing is counted twice", async () => {
    const w = await roomWorld(t.db, "roundtable", [agent("alpha"), agent("beta"), agent("gamma")]);
    engine.fake.script((r) => (roleOf(r) === "You are Beta." ? { hang: true, partial: "Half an ans" } : answer(r)));
    const first = await startWorker(t.url, t.db, workerEnv());
    let second: WorkerProcess | undefined;
    try {
      const sent = await send(w.user.id, w.session.id, "Walk me through the launch, one by one.");
      await waitForStreaming(sent.id, 2);
      // Beta's call is held while it runs.
      expect(await t.db.walletReservation.count({ where: { key: `${sent.id}:2:1` } })).toBe(1);
      first.child.kill("SIGKILL");
      await first.exited;
      const killedAt = Date.now();

      engine.fake.script(answer);
      second = await startWorker(t.url, t.db, workerEnv());
      const turn = await waitForTurn(sent.id, ["completed", "partial", "failed", "cancelled"], 90_000);
      console.info(`a turn whose worker was SIGKILLed mid-call completed ${Date.now() - killedAt} ms after the kill`);
      expect(turn.status).toBe("completed");
      expect(turn.steps.map((s) => [s.agentKey, s.status, s.attempt])).toEqual([
        ["alpha", "succeeded", 1],
        ["beta", "succeeded", 2],
        ["gamma", "succeeded", 1],
      ]);

      // Four requests reached the provider (beta's twice): four rows, four keys.
      expect(engine.fake.requests.map(roleOf)).toEqual(["You are Alpha.", "You are Beta.", "You are Beta.", "You are Gamma."]);
      const rows = await ledgerOf(sent.id);
      expect(rows.map((r) => [r.idempotencyKey, r.agentKey, r.status, r.errorCode, r.usageSource])).toEqual([
        [`${sent.id}:1:1`, "alpha", "success", null, "provider"],
        [`${sent.id}:2:1`, "beta", "error", "worker_lost", "estimated"],
        [`${sent.id}:2:2`, "beta", "success", null, "provider"],
        [`${sent.id}:3:1`, "gamma", "success", null, "provider"],
      ]);
      const [, lost] = engine.fake.requests;
      // The lost call: its input as reserved, the output it had streamed, no request id (its answer never came).
      expect(rows[1]).toMatchObject({ stepId: turn.steps[1]!.id, requestId: null, inputTokensFresh: countMessageTokens(lost!.messages), inputTokensCached: 0, outputTokens: countTextTokens("Half an ans") });
      expect(dec(rows[1]!.creditsBurned).gt(0)).toBe(true);
      expect([rows[0], rows[2], rows[3]].map((r) => r!.requestId)).toEqual([0, 2, 3].map((i) => engine.fake.requests[i]!.requestId));

      const { turnBurned } = await expectBooksBalanced(w.user.id, 100);
      const completed = await t.db.turnEvent.findFirstOrThrow({ where: { turnId: sent.id, type: "turn_completed" } });
      expect(dec((completed.payload as { credits: string }).credits).toString()).toBe(turnBurned.toString());
    } finally {
      await stop(second);
      await stop(first);
    }
  }, 120_000);

  it("and cancelled before another worker took the turn over: the lost call still gets its row, and nothing stays reserved", async () => {
    const w = await roomWorld(t.db, "roundtable", [agent("alpha"), agent("beta"), agent("gamma")]);
    engine.fake.script((r) => (roleOf(r) === "You are Beta." ? { hang: true, partial: "Half an ans" } : answer(r)));
    const first = await startWorker(t.url, t.db, workerEnv());
    let second: WorkerProcess | undefined;
    try {
      const sent = await send(w.user.id, w.session.id, "Walk me through the launch, one by one.");
      await waitForStreaming(sent.id, 2);
      first.child.kill("SIGKILL");
      await first.exited;
      await cancelTurn(engine.deps, w.user.id, sent.id);

      second = await startWorker(t.url, t.db, workerEnv());
      const turn = await waitForTurn(sent.id, ["completed", "partial", "failed", "cancelled"], 90_000);
      expect(turn.status).toBe("cancelled");
      expect(engine.fake.requests.map(roleOf)).toEqual(["You are Alpha.", "You are Beta."]);
      const rows = await ledgerOf(sent.id);
      expect(rows.map((r) => [r.idempotencyKey, r.status, r.errorCode, r.usageSource])).toEqual([
        [`${sent.id}:1:1`, "success", null, "provider"],
        [`${sent.id}:2:1`, "error", "worker_lost", "estimated"],
      ]);
      // Cancelled: no title.
      await expectBooksBalanced(w.user.id, 100, { titled: false });
    } finally {
      await stop(second);
      await stop(first);
    }
  }, 120_000);
});

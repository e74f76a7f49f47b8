/**
 * The cost of metering, per LLM call: what `reserveCall` (in the transaction that starts a step)
 * and `settleCall` (in the transaction that ends it) add, against a real database.
 *
 * Each call runs the two transactions StepRunner runs around a provider call (step-runner.ts): the
 * start (step row, `step_started` event) and the finish (step update, message, `step_completed`
 * event). Calls alternate between plain (no metering, as before it existed) and metered (the same
 * plus reserveCall at the end of the start, and settleCall — release, ledger row and debit in one
 * statement — at the end of the finish), so both see the same
 * database state. Measured: the two calls themselves, timed inside their transactions, and the
 * whole start + finish of a plain and of a metered call. Once one call at a time, and once with
 * several calls of one user at once in different sessions (they all take that user's wallet row
 * lock, which a plain step never touches).
 */
import { randomUUID } from "node:crypto";
import type { Db } from "../../src/server/db.ts";
import type { Prisma } from "../../src/generated/prisma/client.ts";
import { createAgent } from "../../src/server/domain/agents/agents.ts";
import { ensureUserByEmail } from "../../src/server/domain/auth/users.ts";
import { idempotencyKey, priceCall, reserveCall, settleCall } from "../../src/server/domain/metering/meter.ts";
import { appendMessage } from "../../src/server/domain/sessions/session-counters.ts";
import { grantCredits } from "../../src/server/domain/metering/wallet.ts";
import { addAgentToRoom, createRoom } from "../../src/server/domain/rooms/rooms.ts";
import { createSession } from "../../src/server/domain/sessions/sessions.ts";
import { getSettings, type Settings } from "../../src/server/domain/settings/settings.ts";
import { appendEventsInTx } from "../../src/server/realtime/turn-events.ts";
import { series, type Series } from "./turns.ts";

export interface MeteringRun {
  /** Calls at once (each in a session of its own, all of one user). */
  lanes: number;
  /** Metered calls measured (as many plain ones ran alongside). */
  calls: number;
  /** reserveCall inside the start transaction, settleCall inside the finish transaction. */
  reserve: Series;
  settle: Series;
  /** Start + finish transactions of one call, each from begin to commit. */
  plain: Series;
  metered: Series;
}

export interface MeteringBench {
  sequential: MeteringRun;
  concurrent: MeteringRun;
}

const WARM_UP = 20;
const INPUT_TOKENS = 600;
const OUTPUT_TOKENS = 300;
const MAX_OUTPUT_TOKENS = 1024;

interface Lane {
  userId: string;
  roomId: string;
  sessionId: string;
  turnId: string;
  agent: { id: string; key: string; name: string };
  nextIndex: number;
}

async function lanesFor(db: Db, userId: string, count: number): Promise<Lane[]> {
  const agent = await createAgent(db, userId, { key: `bench-${randomUUID().slice(0, 8)}`, name: "Bench", modelAlias: "llama", rolePrompt: "You answer briefly.", toolPermissions: [] });
  const room = await createRoom(db, userId, { name: "Metering bench", goal: "", mode: "roundtable" });
  await addAgentToRoom(db, userId, { roomId: room.id, agentId: agent.id });
  const lanes: Lane[] = [];
  for (let i = 0; i < count; i++) {
    const session = await createSession(db, userId, { roomId: room.id });
    const turn = await db.turn.create({
      data: {
        sessionId: session.id,
        userId,
        index: 1,
        mode: "roundtable",
        userInput: "Metering bench",
        status: "running",
        startedAt: new Date(),
        rosterSnapshot: { roster: [], selected: [] },
        clientRequestId: randomUUID(),
      },
    });
    lanes.push({ userId, roomId: room.id, sessionId: session.id, turnId: turn.id, agent: { id: agent.id, key: agent.key, name: agent.name }, nextIndex: 1 });
  }
  return lanes;
}

/** One call's start and finish transactions, as StepRunner runs them (the wallet last in each); metered or not. */
async function oneCall(db: Db, lane: Lane, settings: Settings, metered: boolean) {
  const index = lane.nextIndex++;
  const key = idempotencyKey(lane.turnId, index, 1);
  const call = { userId: lane.userId, roomId: lane.roomId, sessionId: lane.sessionId, turnId: lane.turnId, agentId: lane.agent.id, agentKey: lane.agent.key, purpose: "agent_reply", mode: "roundtable", modelAlias: "llama" } as const;
  let reserveMs = 0;
  let settleMs = 0;
  const began = performance.now();
  const step = await db.$transaction(async (tx) => {
    const created = await tx.turnStep.create({
      data: { turnId: lane.turnId, index, kind: "agent", agentId: lane.agent.id, agentKey: lane.agent.key, agentName: lane.agent.name, modelAlias: "llama", round: 1, metadata: {}, status: "running", attempt: 1, startedAt: new Date() },
    });
    await appendEventsInTx(tx, lane.sessionId, [
      { type: "step_started", turnId: lane.turnId, stepId: created.id, index, kind: "agent", agent: { ...lane.agent, model: "llama" }, round: 1, attempt: 1 },
    ]);
    if (!metered) return { ...created, pricing: null };
    const t0 = performance.now();
    const { pricing } = await reserveCall(tx, { userId: lane.userId, key, modelAlias: "llama", inputTokens: INPUT_TOKENS, maxOutputTokens: MAX_OUTPUT_TOKENS, settings });
    reserveMs = performance.now() - t0;
    return { ...created, pricing };
  });
  const output = "A short answer from the bench.";
  const usage = { inputTokens: INPUT_TOKENS, cachedTokens: 0, outputTokens: OUTPUT_TOKENS };
  await db.$transaction(async (tx: Prisma.TransactionClient) => {
    await tx.turnStep.updateMany({
      where: { id: step.id, attempt: 1, status: { in: ["running"] } },
      data: { status: "succeeded", output, ...usage, usageSource: "provider", latencyMs: 100, ttftMs: 10, finishedAt: new Date() },
    });
    const priced = step.pricing ? priceCall(step.pricing, usage) : null;
    await appendMessage(tx, { sessionId: lane.sessionId, turnId: lane.turnId, stepId: step.id, role: "assistant", visibility: "shared", agentKey: lane.agent.key, agentName: lane.agent.name, content: output });
    await appendEventsInTx(
      tx,
      lane.sessionId,
      [{ type: "step_completed", stepId: step.id, status: "succeeded", usage: { ...usage, credits: priced?.credits.toString() ?? "0" }, latencyMs: 100, error: null }],
      lane.turnId,
    );
    if (priced) {
      const t0 = performance.now();
      await settleCall(
        tx,
        { ...call, stepId: step.id },
        key,
        { status: "success", errorCode: null, ...usage, usageSource: "provider", requestId: `bench-${randomUUID()}`, latencyMs: 100, ttftMs: 10, startedAt: step.startedAt! },
        priced,
      );
      settleMs = performance.now() - t0;
    }
  });
  return { totalMs: performance.now() - began, reserveMs, settleMs };
}

async function run(db: Db, settings: Settings, lanes: Lane[], callsPerLane: number): Promise<MeteringRun> {
  const reserve: number[] = [];
  const settle: number[] = [];
  const plain: number[] = [];
  const metered: number[] = [];
  await Promise.all(
    lanes.map(async (lane, l) => {
      for (let i = 0; i < WARM_UP + callsPerLane; i++) {
        // Alternate which goes first, so neither variant always follows the other.
        const order = (i + l) % 2 === 0 ? [false, true] : [true, false];
        for (const isMetered of order) {
          const call = await oneCall(db, lane, settings, isMetered);
          if (i < WARM_UP) continue;
          if (isMetered) {
            metered.push(call.totalMs);
            reserve.push(call.reserveMs);
            settle.push(call.settleMs);
          } else plain.push(call.totalMs);
        }
      }
    }),
  );
  return { lanes: lanes.length, calls: metered.length, reserve: series(reserve), settle: series(settle), plain: series(plain), metered: series(metered) };
}

export async function benchMetering(db: Db): Promise<MeteringBench> {
  const user = await ensureUserByEmail(db, `bench-metering-${randomUUID()}@example.com`);
  // Enough for every call: the bench measures the happy path, not refusals.
  await grantCredits(db, { userId: user.id, amount: "1000000", referenceId: `bench:${user.id}`, note: "Metering bench" });
  const settings = await getSettings(db);
  if (!settings["credits.enforcement"]) throw new Error("the metering bench expects credits.enforcement on (the default)");
  console.log("metering: one call at a time…");
  const sequential = await run(db, settings, await lanesFor(db, user.id, 1), 500);
  console.log("metering: 8 calls of one user at once…");
  const concurrent = await run(db, settings, await lanesFor(db, user.id, 8), 100);
  return { sequential, concurrent };
}

/**
 * A send and the metered calls of the same session must not deadlock. The only metered call that
 * can run in a session while a send goes through it is the session summary of its last turn
 * (`session.summarize`, after the turn ended). Its transactions take the user's wallet row
 * (reserveCall, settleCall) and, through the foreign keys of the rows they insert (ledger row,
 * turn events), a KEY SHARE lock on the room and the session; the send locks the session and the
 * room, and reads the wallet. Each test stops a real metered transaction half-way at the point
 * where the two meet, makes the send wait behind it, and then lets it go on: both must finish.
 * (Found by the turn benchmark: a send in a session whose summary was running failed with
 * `deadlock detected`.)
 */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { defaultSettings } from "@/server/domain/settings/settings.ts";
import { sendTurn } from "@/server/domain/turns/send-turn.ts";
import { appendEventsInTx } from "@/server/realtime/turn-events.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { roomWorld, sendAndRun, turnEngineForThisFile } from "@/test/turns.ts";
import { waitFor } from "@/test/wait-for.ts";
import { idempotencyKey, reserveCall, settleCall } from "./meter.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t, { fakeOpenAI: false });

/** Resolves once some backend of this database waits for a lock in a statement matching `pattern`. */
function waitForLockWait(pattern: string) {
  return waitFor(`a statement like ${pattern} to wait for a lock`, async () => {
    const [row] = await t.db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE ${pattern}`;
    return row!.n > 0;
  }, 10_000, 10);
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A room with one agent and a finished turn, and that turn's summary step as session.summarize starts it. */
async function sessionWithSummaryStep() {
  const w = await roomWorld(t.db, "roundtable", [{ key: "alice" }]);
  const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "Plan the launch.");
  expect(turn.status).toBe("completed");
  const index = Math.max(...turn.steps.map((s) => s.index)) + 1;
  return { w, turn, index, key: idempotencyKey(turn.id, index, 1) };
}

const summaryStep = (turnId: string, index: number) =>
  ({ turnId, index, kind: "summary", agentName: "Summary", modelAlias: "local", status: "running", attempt: 1, startedAt: new Date() }) as const;

it("a summary call's start (wallet held, then its step_started event) and a send in that session both go through", async () => {
  const { w, turn, index, key } = await sessionWithSummaryStep();
  const walletHeld = deferred();
  const sendWaiting = deferred();
  // StepRunner.start for the summary step, paused between reserveCall and its event.
  const start = t.db.$transaction(
    async (tx) => {
      const step = await tx.turnStep.create({ data: summaryStep(turn.id, index) });
      await reserveCall(tx, { userId: w.user.id, key, modelAlias: "local", inputTokens: 500, maxOutputTokens: 512, settings: defaultSettings() });
      walletHeld.resolve();
      await sendWaiting.promise;
      await appendEventsInTx(tx, w.session.id, [{ type: "step_started", turnId: turn.id, stepId: step.id, index, kind: "summary", agent: { id: null, key: null, name: "Summary", model: "local" }, round: 1, attempt: 1 }]);
    },
    { timeout: 30_000 },
  );
  await walletHeld.promise;
  // The send gets as far as the wallet, which the summary's reservation holds.
  const send = sendTurn(engine.deps, w.user.id, { sessionId: w.session.id, message: "Next question.", clientRequestId: randomUUID() });
  const sendOutcome = send.then(() => "sent", (error: unknown) => error);
  await Promise.race([waitForLockWait("%credit_wallets%"), sendOutcome]);
  sendWaiting.resolve();

  await expect(start).resolves.toBeUndefined();
  expect(await sendOutcome).toBe("sent");
  await expect(send).resolves.toMatchObject({ status: "queued" });
});

it("a summary call's settle (ledger row, then the wallet) and a send in that session both go through", async () => {
  const { w, turn, index, key } = await sessionWithSummaryStep();
  const step = await t.db.$transaction(async (tx) => {
    const created = await tx.turnStep.create({ data: summaryStep(turn.id, index) });
    await reserveCall(tx, { userId: w.user.id, key, modelAlias: "local", inputTokens: 500, maxOutputTokens: 512, settings: defaultSettings() });
    return created;
  });
  // Someone is renaming the room: the send will lock the session, then wait for the room.
  const roomHeld = deferred();
  const releaseRoom = deferred();
  const rename = t.db.$transaction(
    async (tx) => {
      await tx.room.update({ where: { id: w.room.id }, data: { name: "Renamed" } });
      roomHeld.resolve();
      await releaseRoom.promise;
    },
    { timeout: 30_000 },
  );
  await roomHeld.promise;
  const send = sendTurn(engine.deps, w.user.id, { sessionId: w.session.id, message: "Next question.", clientRequestId: randomUUID() });
  const sendOutcome = send.then(() => "sent", (error: unknown) => error);
  await Promise.race([waitForLockWait("%UPDATE rooms SET last_activity_at%"), sendOutcome]);

  // Meanwhile the summary call ends: StepRunner.finish, settling it (the ledger row's foreign keys
  // lock the room and the session for key share).
  const finish = t.db.$transaction(
    async (tx) => {
      await tx.turnStep.update({ where: { id: step.id }, data: { status: "succeeded", output: "{}", finishedAt: new Date() } });
      await settleCall(
        tx,
        { userId: w.user.id, roomId: w.room.id, sessionId: w.session.id, turnId: turn.id, stepId: step.id, agentId: null, agentKey: null, purpose: "summary", mode: "roundtable", modelAlias: "local" },
        key,
        { status: "success", errorCode: null, inputTokens: 500, cachedTokens: 0, outputTokens: 50, usageSource: "provider", requestId: null, latencyMs: 10, ttftMs: 5, startedAt: step.startedAt! },
      );
      await appendEventsInTx(tx, w.session.id, [{ type: "step_completed", stepId: step.id, status: "succeeded", usage: { inputTokens: 500, cachedTokens: 0, outputTokens: 50, credits: "0" }, latencyMs: 10, error: null }], turn.id);
    },
    { timeout: 30_000 },
  );
  const finishOutcome = finish.then(() => "settled", (error: unknown) => error);
  // Either it commits at once, or it waits for a lock the send holds.
  await Promise.race([finishOutcome, waitForLockWait("%llm_call_events%")]);
  releaseRoom.resolve();
  await rename;

  expect(await finishOutcome).toBe("settled");
  expect(await sendOutcome).toBe("sent");
  await expect(send).resolves.toMatchObject({ status: "queued" });
  expect(await t.db.llmCallEvent.count({ where: { idempotencyKey: key } })).toBe(1);
  expect(await t.db.walletReservation.count({ where: { userId: w.user.id } })).toBe(0);
});

/**
 * Turns run by the real worker process (`src/worker/main.ts`) against a real database, sent the way
 * turns.send sends them (transactional enqueue through pg-boss): a roundtable turn completes; cancel
 * aborts the call in flight; a mode change during a turn waits for the next send; SIGTERM lets the
 * turn finish; a worker SIGKILLed mid-turn is replaced and the turn completes with nothing run,
 * stored or streamed twice, or, cancelled while no worker held it, still ends cancelled.
 * Recovery after a SIGKILL takes 10–25 s: pg-boss fails a job once its heartbeat (10 s) is missed,
 * on a supervise pass (every 10 s), and the retry is polled for every 2 s.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setMode } from "@/server/domain/modes/room-mode.ts";
import { sendTurn } from "@/server/domain/turns/send-turn.ts";
import { cancelTurn } from "@/server/domain/turns/turns.ts";
import { getWebBoss } from "@/server/jobs/boss.ts";
import { queues } from "@/server/jobs/queues.ts";
import { streamSessionEvents } from "@/server/realtime/session-stream.ts";
import type { TurnEvent } from "@/server/realtime/turn-events.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { bindWebSingletons } from "@/test/trpc-http.ts";
import { roomWorld } from "@/test/turns.ts";
import { waitFor } from "@/test/wait-for.ts";
import { startWorker, type WorkerProcess } from "@/test/worker-process.ts";

const t = databaseForThisFile();
// The sender (getWebBoss) and this process's LISTEN connection (a live subscriber) use the test database.
bindWebSingletons(() => t.url);

// Slow enough to act in the middle of a step (a step of the offline model is ~120 tokens), fast
// enough to keep the tests short.
const TOKEN_MS = "25";

async function send(userId: string, sessionId: string, message: string) {
  return sendTurn({ db: t.db, boss: await getWebBoss() }, userId, { sessionId, message, clientRequestId: randomUUID() });
}

function turnWithSteps(turnId: string) {
  return t.db.turn.findUniqueOrThrow({ where: { id: turnId }, include: { steps: { orderBy: { index: "asc" } }, messages: { orderBy: { seq: "asc" } } } });
}

function waitForTurn(turnId: string, statuses: string[], timeoutMs: number) {
  return waitFor(`turn ${turnId} to be ${statuses.join(" or ")}`, async () => {
    const turn = await turnWithSteps(turnId);
    return statuses.includes(turn.status) ? turn : null;
  }, timeoutMs, 50);
}

/** Waits until the turn's step `index` is running and has streamed at least `deltas` step_delta events. */
function waitForStreaming(turnId: string, index: number, deltas: number, timeoutMs = 20_000) {
  return waitFor(`step ${index} of ${turnId} to stream`, async () => {
    const step = await t.db.turnStep.findFirst({ where: { turnId, index, status: "running" } });
    if (!step) return null;
    const count = await t.db.turnEvent.count({ where: { turnId, type: "step_delta", payload: { path: ["stepId"], equals: step.id } } });
    return count >= deltas ? step : null;
  }, timeoutMs, 20);
}

async function waitForJob(turnId: string, state: string) {
  const boss = await getWebBoss();
  return waitFor(`the turn.run job of ${turnId} to be ${state}`, async () => {
    const job = await boss.getJobById(queues.turnRun.name, turnId);
    return job?.state === state ? job : null;
  }, 10_000, 50);
}

function tableEvents(sessionId: string) {
  return t.db.turnEvent.findMany({ where: { sessionId }, orderBy: { id: "asc" } });
}

async function stop(worker: WorkerProcess) {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGTERM");
  await worker.exited;
}

/** A client of this process's fan-out, as turns.events reads it: every event of the session after `afterId`. */
function subscribe(sessionId: string, afterId = 0n) {
  const abort = new AbortController();
  const events: TurnEvent[] = [];
  const done = (async () => {
    for await (const event of streamSessionEvents(t.db, sessionId, afterId, abort.signal)) events.push(event);
  })();
  return {
    events,
    async close() {
      abort.abort();
      await done;
    },
  };
}

/** What a client that subscribes after `afterId` reads until the turn ends. */
async function readAfter(sessionId: string, afterId: bigint, turnId: string): Promise<TurnEvent[]> {
  const abort = new AbortController();
  const events: TurnEvent[] = [];
  for await (const event of streamSessionEvents(t.db, sessionId, afterId, abort.signal)) {
    events.push(event);
    if (event.turnId === turnId && ["turn_completed", "turn_failed", "turn_cancelled"].includes(event.event.type)) break;
  }
  abort.abort();
  return events;
}

describe("with a running worker", () => {
  let worker: WorkerProcess;
  beforeAll(async () => {
    worker = await startWorker(t.url, t.db, { LOCAL_MODEL_TOKEN_MS: TOKEN_MS });
  });
  afterAll(async () => {
    if (worker) await stop(worker);
  });

  it("a roundtable turn sent through sendTurn is picked up and completes", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "alpha", name: "Alpha" }, { key: "beta", name: "Beta" }]);
    const sent = await send(w.user.id, w.session.id, "What should we launch first?");
    expect(sent.status).toBe("queued");
    const turn = await waitForTurn(sent.id, ["completed", "partial", "failed"], 30_000);

    expect(turn.status).toBe("completed");
    // How soon it was taken (pg-boss wakes the worker by NOTIFY) is the benchmark's "send → job start".
    expect(turn.startedAt!.getTime()).toBeGreaterThanOrEqual(turn.createdAt.getTime());
    expect(turn.steps.map((s) => [s.index, s.kind, s.agentKey, s.status, s.attempt])).toEqual([
      [1, "agent", "alpha", "succeeded", 1],
      [2, "agent", "beta", "succeeded", 1],
    ]);
    expect(turn.messages.map((m) => [m.seq, m.role, m.agentKey])).toEqual([
      [1n, "user", null],
      [2n, "assistant", "alpha"],
      [3n, "assistant", "beta"],
    ]);
    const types = (await tableEvents(w.session.id)).map((e) => e.type).filter((type) => type !== "step_delta");
    expect(types).toEqual(["turn_started", "step_started", "step_completed", "step_started", "step_completed", "turn_completed"]);
    await waitForJob(sent.id, "completed");
  });

  it("cancel while a step is streaming: the call is aborted, partial text kept, nothing later runs", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "alpha" }, { key: "beta" }, { key: "gamma" }]);
    const sent = await send(w.user.id, w.session.id, "Take your time on this one.");
    const streaming = await waitForStreaming(sent.id, 2, 2);

    const view = await cancelTurn({ db: t.db, boss: await getWebBoss() }, w.user.id, sent.id);
    expect(["running", "cancelled"]).toContain(view.status);
    // How fast the cancel lands is a latency, measured by the benchmark, not asserted here.
    const turn = await waitForTurn(sent.id, ["cancelled", "completed", "partial", "failed"], 10_000);
    expect(turn.status).toBe("cancelled");

    // Step 1 kept; step 2 cancelled with what it had streamed; step 3 never started.
    expect(turn.steps.map((s) => [s.index, s.agentKey, s.status])).toEqual([
      [1, "alpha", "succeeded"],
      [2, "beta", "cancelled"],
    ]);
    const cancelled = turn.steps[1]!;
    expect(cancelled.id).toBe(streaming.id);
    expect(cancelled.errorCode).toBe("cancelled");
    expect(cancelled.output.length).toBeGreaterThan(0);
    expect(cancelled.outputTokens).toBeGreaterThan(0);
    const events = await tableEvents(w.session.id);
    const streamed = events.filter((e) => e.type === "step_delta" && (e.payload as { stepId: string }).stepId === cancelled.id);
    expect(streamed.map((e) => (e.payload as { text: string }).text).join("")).toBe(cancelled.output);
    // The cancelled answer is not a timeline message.
    expect(turn.messages.map((m) => m.agentKey)).toEqual([null, "alpha"]);

    const types = events.map((e) => e.type).filter((type) => type !== "step_delta");
    expect(types).toEqual(["turn_started", "step_started", "step_completed", "step_started", "step_completed", "turn_cancelled"]);
    expect(events.find((e) => e.type === "step_completed" && (e.payload as { stepId: string }).stepId === cancelled.id)?.payload).toMatchObject({ status: "cancelled" });
    // The job ended normally: it ran the turn to its cancelled end (and was never cancelled in
    // pg-boss, so a dead worker's job would still have been retried; see the test below).
    await waitForJob(sent.id, "completed");

    // Nothing else happens to the turn afterwards (no late step, no second end).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await t.db.turnEvent.count({ where: { sessionId: w.session.id } })).toBe(events.length);
    expect(await t.db.turnStep.count({ where: { turnId: sent.id } })).toBe(2);
  }, 30_000);

  it("a mode set while a turn runs does not change that turn; the next send applies it", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "alpha" }, { key: "beta" }]);
    const first = await send(w.user.id, w.session.id, "Round the table, please.");
    await waitForStreaming(first.id, 1, 1);
    const pending = await setMode(t.db, w.user.id, { roomId: w.room.id, mode: "manual" });
    expect(pending).toMatchObject({ currentMode: "roundtable", pendingMode: "manual" });

    const done = await waitForTurn(first.id, ["completed", "partial", "failed"], 30_000);
    expect(done.mode).toBe("roundtable");
    expect(done.steps.map((s) => [s.agentKey, s.status])).toEqual([
      ["alpha", "succeeded"],
      ["beta", "succeeded"],
    ]);
    expect(await t.db.turnEvent.count({ where: { sessionId: w.session.id, type: "mode_applied" } })).toBe(0);
    expect(await t.db.room.findUniqueOrThrow({ where: { id: w.room.id } })).toMatchObject({ currentMode: "roundtable", pendingMode: "manual" });

    const second = await send(w.user.id, w.session.id, "@beta just you this time");
    expect(second).toMatchObject({ mode: "manual", selectedKeys: ["beta"] });
    expect(await t.db.room.findUniqueOrThrow({ where: { id: w.room.id } })).toMatchObject({ currentMode: "manual", pendingMode: null });
    expect(await t.db.modeTransition.findFirst({ where: { roomId: w.room.id, kind: "applied" } })).toMatchObject({ turnId: second.id });
    const applied = await t.db.turnEvent.findFirstOrThrow({ where: { sessionId: w.session.id, type: "mode_applied" } });
    expect(applied).toMatchObject({ turnId: second.id, payload: { from: "roundtable", to: "manual" } });

    const next = await waitForTurn(second.id, ["completed", "partial", "failed"], 30_000);
    expect(next.steps.map((s) => [s.agentKey, s.status])).toEqual([["beta", "succeeded"]]);
  }, 60_000);
});

describe("a worker stopped mid-turn", () => {
  it("by SIGTERM lets the turn finish, then exits 0", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "alpha" }, { key: "beta" }]);
    const worker = await startWorker(t.url, t.db, { LOCAL_MODEL_TOKEN_MS: TOKEN_MS });
    try {
      const sent = await send(w.user.id, w.session.id, "One more thing before you go.");
      await waitForStreaming(sent.id, 1, 2);
      worker.child.kill("SIGTERM");
      expect((await worker.exited).code).toBe(0);
      const turn = await turnWithSteps(sent.id);
      expect(turn.status).toBe("completed");
      expect(turn.steps.map((s) => [s.agentKey, s.status, s.attempt])).toEqual([
        ["alpha", "succeeded", 1],
        ["beta", "succeeded", 1],
      ]);
      expect((await (await getWebBoss()).getJobById(queues.turnRun.name, sent.id))?.state).toBe("completed");
    } finally {
      await stop(worker);
    }
  }, 30_000);
});

describe("a worker killed mid-turn", () => {
  it("is replaced: the turn completes with every step run, stored and streamed once", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "alpha" }, { key: "beta" }, { key: "gamma" }]);
    const live = subscribe(w.session.id);
    const first = await startWorker(t.url, t.db, { LOCAL_MODEL_TOKEN_MS: TOKEN_MS });
    let second: WorkerProcess | undefined;
    try {
      const sent = await send(w.user.id, w.session.id, "Walk me through the launch, one by one.");
      const interrupted = await waitForStreaming(sent.id, 2, 2);
      const before = await turnWithSteps(sent.id);
      first.child.kill("SIGKILL");
      await first.exited;
      const killedAt = Date.now();
      expect(before.steps.map((s) => [s.index, s.status, s.attempt])).toEqual([
        [1, "succeeded", 1],
        [2, "running", 1],
      ]);

      second = await startWorker(t.url, t.db, { LOCAL_MODEL_TOKEN_MS: TOKEN_MS });
      const turn = await waitForTurn(sent.id, ["completed", "partial", "failed", "cancelled"], 90_000);
      const recoveryMs = Date.now() - killedAt;
      console.info(`turn resumed ${turn.steps[1]!.startedAt!.getTime() - killedAt} ms and completed ${recoveryMs} ms after the worker was killed`);

      expect(turn.status).toBe("completed");
      // One succeeded step and one message per agent; the step that had ended was not run again.
      expect(turn.steps.map((s) => [s.index, s.agentKey, s.status, s.attempt])).toEqual([
        [1, "alpha", "succeeded", 1],
        [2, "beta", "succeeded", 2],
        [3, "gamma", "succeeded", 1],
      ]);
      expect(turn.steps[0]).toEqual(before.steps[0]);
      expect(turn.steps[1]!.id).toBe(interrupted.id);
      expect(turn.messages.map((m) => [m.seq, m.role, m.agentKey, m.stepId])).toEqual([
        [1n, "user", null, null],
        [2n, "assistant", "alpha", turn.steps[0]!.id],
        [3n, "assistant", "beta", turn.steps[1]!.id],
        [4n, "assistant", "gamma", turn.steps[2]!.id],
      ]);
      // The job settles just after the turn it ran is committed.
      const job = await waitForJob(sent.id, "completed");
      expect(job.retryCount).toBe(1);

      // The log: the turn started once; step 2 started twice (attempt 1, then 2); every step
      // completed once; the turn completed once.
      const events = await tableEvents(w.session.id);
      const summary = events
        .filter((e) => e.type !== "step_delta")
        .map((e) => [e.type, (e.payload as { index?: number }).index ?? null, (e.payload as { attempt?: number }).attempt ?? null]);
      expect(summary).toEqual([
        ["turn_started", null, null],
        ["step_started", 1, 1],
        ["step_completed", null, null],
        ["step_started", 2, 1],
        ["step_started", 2, 2],
        ["step_completed", null, null],
        ["step_started", 3, 1],
        ["step_completed", null, null],
        ["turn_completed", null, null],
      ]);
      // A client shows step 2's text from its last step_started: exactly the stored output.
      const restart = events.findLastIndex((e) => e.type === "step_started" && (e.payload as { stepId: string }).stepId === interrupted.id);
      const resent = events.slice(restart).filter((e) => e.type === "step_delta" && (e.payload as { stepId: string }).stepId === interrupted.id);
      expect(resent.map((e) => (e.payload as { text: string }).text).join("")).toBe(turn.steps[1]!.output);

      // The subscriber that stayed connected through the crash got every event once, in order.
      await waitFor("the live subscriber to catch up", () => live.events.length >= events.length, 15_000);
      expect(live.events.map((e) => e.id)).toEqual(events.map((e) => e.id.toString()));

      // So does a client that (re)subscribes after any event id: each step_completed at most once.
      const completedSteps = events.filter((e) => e.type === "step_completed").map((e) => (e.payload as { stepId: string }).stepId);
      expect(new Set(completedSteps).size).toBe(3);
      for (const [i, from] of [0n, ...events.map((e) => e.id)].entries()) {
        if (i === events.length) break;
        const read = await readAfter(w.session.id, from, sent.id);
        const ids = read.map((e) => BigInt(e.id));
        expect(ids, `after ${from}`).toEqual(events.filter((e) => e.id > from).map((e) => e.id));
        const seen = read.filter((e) => e.event.type === "step_completed").map((e) => (e.event as { stepId: string }).stepId);
        expect(new Set(seen).size, `after ${from}`).toBe(seen.length);
      }
    } finally {
      await live.close();
      if (second) await stop(second);
      await stop(first);
    }
  }, 150_000);

  it("and cancelled before a new worker took the turn over: the turn still ends cancelled", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "alpha" }, { key: "beta" }, { key: "gamma" }]);
    const first = await startWorker(t.url, t.db, { LOCAL_MODEL_TOKEN_MS: TOKEN_MS });
    let second: WorkerProcess | undefined;
    try {
      const sent = await send(w.user.id, w.session.id, "Walk me through the launch, one by one.");
      await waitForStreaming(sent.id, 2, 2);
      first.child.kill("SIGKILL");
      await first.exited;
      const killedAt = Date.now();
      // The user sees the turn stall and cancels it while no worker holds it.
      await cancelTurn({ db: t.db, boss: await getWebBoss() }, w.user.id, sent.id);

      second = await startWorker(t.url, t.db, { LOCAL_MODEL_TOKEN_MS: TOKEN_MS });
      const turn = await waitForTurn(sent.id, ["cancelled", "completed", "partial", "failed"], 60_000);
      console.info(`cancelled turn of a killed worker ended ${Date.now() - killedAt} ms after the kill`);
      expect(turn.status).toBe("cancelled");
      // Step 1 kept; the interrupted step cancelled, not run again; step 3 never started.
      expect(turn.steps.map((s) => [s.index, s.status, s.attempt])).toEqual([
        [1, "succeeded", 1],
        [2, "cancelled", 1],
      ]);
      const types = (await tableEvents(w.session.id)).map((e) => e.type).filter((type) => type !== "step_delta");
      expect(types.filter((type) => type === "turn_cancelled")).toHaveLength(1);
      expect(types.at(-1)).toBe("turn_cancelled");
      // The session takes turns again (that one is cancelled at once, to keep the test short).
      const next = await send(w.user.id, w.session.id, "Let's start over.");
      expect(next.status).toBe("queued");
      await cancelTurn({ db: t.db, boss: await getWebBoss() }, w.user.id, next.id);
      await waitForTurn(next.id, ["cancelled"], 10_000);
    } finally {
      if (second) await stop(second);
      await stop(first);
    }
  }, 120_000);
});

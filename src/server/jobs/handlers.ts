/**
 * What the worker does for each queue. Handlers receive the validated payload and the job's
 * AbortSignal (set when the worker is stopping or the job is cancelled).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { PgBoss } from "pg-boss";
import type { Db } from "../db.ts";
import { settleTurnReservations } from "../domain/metering/lost-calls.ts";
import { failTurn, runTurn } from "../domain/turns/run-turn.ts";
import { summarizeSession } from "../domain/turns/summarize-session.ts";
import { sweepLostTurns } from "../domain/turns/sweep-turns.ts";
import type { Gateway } from "../llm/gateway.ts";
import { PING_REPLY_CHANNEL, type PingReply } from "../domain/system/ping-worker.ts";
import { pruneRateLimitCounters } from "../domain/auth/rate-limit.ts";
import { purgeDeletedRooms } from "../domain/rooms/rooms.ts";
import { pruneStaleHeartbeats, type WorkerIdentity } from "../domain/workers/heartbeat.ts";
import { logger } from "../logger.ts";
import { publish } from "../realtime/publish.ts";
import { queues, type QueueKey, type QueuePayload } from "./queues.ts";

export interface JobContext {
  db: Db;
  gateway: Gateway;
  boss: PgBoss;
  worker: WorkerIdentity;
  jobId: string;
  signal: AbortSignal;
  /** How many times this job was retried before this attempt. */
  retryCount: number;
}

const CANCEL_CHECK_MS = 1000;

/**
 * A signal that aborts with the job's, or once the turn's owner has asked to cancel it (turns.cancel
 * sets cancel_requested_at), checked every second. Fix: turns.cancel used to cancel the running
 * turn's pg-boss job so that its heartbeat aborted the handler; but a cancelled job is never retried,
 * so a turn whose worker had died when it was cancelled stayed `running` for good and its session
 * refused every later send (turn_in_progress). Now the job stays retryable: a live worker stops
 * within a second, and a dead worker's retried job finds the request and ends the turn cancelled.
 */
function abortOnCancelRequest(db: Db, turnId: string, jobSignal: AbortSignal) {
  const requested = new AbortController();
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    db.turn
      .findUnique({ where: { id: turnId }, select: { cancelRequestedAt: true } })
      .then((turn) => {
        if (!turn?.cancelRequestedAt) return;
        clearInterval(timer);
        requested.abort(new Error("The turn was cancelled by its owner."));
      })
      // A check that could not run is tried again a second later.
      .catch(() => undefined)
      .finally(() => (checking = false));
  }, CANCEL_CHECK_MS);
  return { signal: AbortSignal.any([jobSignal, requested.signal]), stop: () => clearInterval(timer) };
}

type Handlers = { [K in QueueKey]: (payload: QueuePayload<K>, ctx: JobContext) => Promise<unknown> };

export const handlers: Handlers = {
  systemPing: async (payload, ctx) => {
    if (payload.workMs) await sleep(payload.workMs, undefined, { signal: ctx.signal });
    const reply: PingReply = { jobId: ctx.jobId, workerId: ctx.worker.id, handledAt: new Date().toISOString() };
    await publish(ctx.db, PING_REPLY_CHANNEL, reply);
    return reply;
  },
  systemMaintenance: async (_payload, ctx) => {
    const pruned = {
      heartbeats: await pruneStaleHeartbeats(ctx.db),
      rateLimitWindows: await pruneRateLimitCounters(ctx.db),
      outboxMessages: (await ctx.db.authOutbox.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - 7 * 86_400_000) } } })).count,
    };
    logger.info({ component: "maintenance", pruned }, "maintenance done");
    return pruned;
  },
  roomsPurge: async (_payload, ctx) => {
    const purged = await purgeDeletedRooms(ctx.db);
    logger.info({ component: "purge", purged }, "deleted rooms purged");
    return { purged };
  },
  turnRun: async (payload, ctx) => {
    const cancel = abortOnCancelRequest(ctx.db, payload.turnId, ctx.signal);
    try {
      return { status: await runTurn(ctx, payload.turnId, cancel.signal) };
    } catch (error) {
      // Stopping, or the job's claim was lost: the next attempt resumes the turn.
      if (ctx.signal.aborted || ctx.retryCount < (queues.turnRun.options?.retryLimit ?? 0)) throw error;
      logger.error({ err: error, turnId: payload.turnId }, "turn failed after its last retry");
      await settleTurnReservations(ctx.db, payload.turnId);
      await failTurn(ctx.db, payload.turnId, "internal", "The turn could not be run; it was retried and then given up.");
      return { status: "failed" };
    } finally {
      cancel.stop();
    }
  },
  sessionSummarize: (payload, ctx) => summarizeSession(ctx, payload, ctx.signal),
  turnsSweep: async (_payload, ctx) => {
    const ended = await sweepLostTurns(ctx.db);
    if (ended) logger.warn({ component: "turns", ended }, "ended turns whose job had ended without them");
    return { ended };
  },
};

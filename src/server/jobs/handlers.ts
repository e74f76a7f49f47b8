/**
 * What the worker does for each queue. Handlers receive the validated payload and the job's
 * AbortSignal (set when the worker is stopping or the job is cancelled).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { PgBoss } from "pg-boss";
import type { Db } from "../db.ts";
import { settleTurnReservations } from "../domain/metering/lost-calls.ts";
import { failTurn, runTurn } from "../domain/turns/run-turn.ts";
import { jobStopSignal } from "../domain/turns/turn-stop.ts";
import { summarizeSession } from "../domain/turns/summarize-session.ts";
import { writeSessionTitle } from "../domain/sessions/title.ts";
import { sweepLostTurns } from "../domain/turns/sweep-turns.ts";
import type { Gateway } from "../llm/gateway.ts";
import { PING_REPLY_CHANNEL, type PingReply } from "../domain/system/ping-worker.ts";
import { pruneRateLimitCounters } from "../domain/auth/rate-limit.ts";
import { purgeDeletedRooms } from "../domain/rooms/rooms.ts";
import { purgeChatData } from "../domain/retention/purge-chat-data.ts";
import { purgeDeletedSessionsAndAgents } from "../domain/retention/purge-deleted.ts";
import { purgeEndedTurnEvents } from "../domain/retention/purge-turn-events.ts";
import { failFileParse, parseFile } from "../domain/files/parse-file.ts";
import { sweepOrphanObjects } from "../domain/files/sweep-files.ts";
import { grantDuePeriods } from "../domain/billing/plan-grants.ts";
import { getStorage } from "../files/storage.ts";
import { applyStripeEvent, requeueLostStripeEvents } from "../domain/billing/stripe-events.ts";
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
  /** Aborted once this worker is stopping (SIGTERM/SIGINT): tells a stop from a job taken away. */
  workerStopping: AbortSignal;
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
  retentionChat: async (_payload, ctx) => {
    const report = await purgeChatData(ctx.db);
    logger.info({ component: "retention", report }, report.cutoff ? "old chat data purged" : "chat data is kept forever (retention.chat_days = 0)");
    return report;
  },
  retentionEvents: async (_payload, ctx) => {
    const report = await purgeEndedTurnEvents(ctx.db);
    logger.info({ component: "retention", report }, "events of ended turns purged");
    return report;
  },
  retentionDeleted: async (_payload, ctx) => {
    const report = await purgeDeletedSessionsAndAgents(ctx.db);
    logger.info({ component: "retention", report }, "deleted sessions and agents purged");
    return report;
  },
  turnRun: async (payload, ctx) => {
    const signal = jobStopSignal(ctx.signal, ctx.workerStopping);
    try {
      return { status: await runTurn(ctx, payload.turnId, signal) };
    } catch (error) {
      // Stopping, or the job's claim was lost: the next attempt resumes the turn.
      if (signal.aborted || ctx.retryCount < (queues.turnRun.options?.retryLimit ?? 0)) throw error;
      logger.error({ err: error, turnId: payload.turnId }, "turn failed after its last retry");
      await settleTurnReservations(ctx.db, payload.turnId);
      await failTurn(ctx.db, payload.turnId, "internal", "The turn could not be run; it was retried and then given up.");
      return { status: "failed" };
    }
  },
  sessionSummarize: (payload, ctx) => summarizeSession(ctx, payload, jobStopSignal(ctx.signal, ctx.workerStopping)),
  sessionTitle: (payload, ctx) => writeSessionTitle(ctx, payload, jobStopSignal(ctx.signal, ctx.workerStopping)),
  fileParse: async (payload, ctx) => {
    const lastAttempt = ctx.retryCount >= (queues.fileParse.options?.retryLimit ?? 0);
    const signal = AbortSignal.any([ctx.signal, ctx.workerStopping]);
    const outcome = await parseFile({ db: ctx.db, storage: getStorage(), signal }, payload.fileId, { lastAttempt });
    logger.info({ component: "files", fileId: payload.fileId, ...outcome }, "file parsed");
    return outcome;
  },
  fileParseDeadLetter: async (payload, ctx) => {
    const outcome = await failFileParse(ctx.db, payload.fileId, "This file could not be read: its reader stopped before finishing, on every try.");
    logger.warn({ component: "files", fileId: payload.fileId, ...outcome }, "file parse job given up");
    return outcome;
  },
  filesSweep: async (_payload, ctx) => {
    const swept = await sweepOrphanObjects({ db: ctx.db, storage: getStorage() });
    if (swept.removed) logger.info({ component: "files", ...swept }, "removed stored objects no file owns");
    return swept;
  },
  stripeApply: async (payload, ctx) => {
    const outcome = await applyStripeEvent(ctx.db, ctx.boss, payload.eventId);
    logger.info({ component: "stripe", eventId: payload.eventId, ...outcome }, "Stripe event applied");
    return outcome;
  },
  stripeRequeue: async (_payload, ctx) => {
    const requeued = await requeueLostStripeEvents(ctx.db, ctx.boss);
    if (requeued) logger.warn({ component: "stripe", requeued }, "queued Stripe events whose apply job was lost");
    return { requeued };
  },
  turnsSweep: async (_payload, ctx) => {
    const ended = await sweepLostTurns(ctx.db);
    if (ended) logger.warn({ component: "turns", ended }, "ended turns whose job had ended without them");
    return { ended };
  },
  billingGrants: async (_payload, ctx) => {
    const report = await grantDuePeriods(ctx.db);
    if (report.advanced || report.ended) logger.info({ component: "billing", ...report }, "manual plan periods granted");
    return report;
  },
};

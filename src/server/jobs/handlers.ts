/**
 * What the worker does for each queue. Handlers receive the validated payload and the job's
 * AbortSignal (set when the worker is stopping or the job is cancelled).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Db } from "../db.ts";
import { PING_REPLY_CHANNEL, type PingReply } from "../domain/system/ping-worker.ts";
import { pruneRateLimitCounters } from "../domain/auth/rate-limit.ts";
import { purgeDeletedRooms } from "../domain/rooms/rooms.ts";
import { pruneStaleHeartbeats, type WorkerIdentity } from "../domain/workers/heartbeat.ts";
import { logger } from "../logger.ts";
import { publish } from "../realtime/publish.ts";
import type { QueueKey, QueuePayload } from "./queues.ts";

export interface JobContext {
  db: Db;
  worker: WorkerIdentity;
  jobId: string;
  signal: AbortSignal;
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
};

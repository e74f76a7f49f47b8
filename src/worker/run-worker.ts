/**
 * The worker (`npm run worker`, Procfile `worker:`, entry point main.ts): runs every pg-boss job.
 * It beats a heartbeat row every few seconds (health reads it), survives database restarts,
 * and on SIGTERM/SIGINT lets active jobs finish before exiting with code 0.
 */
import type { PgBoss } from "pg-boss";
import { getDb } from "../server/db.ts";
import { env } from "../server/env.ts";
import { newWorkerIdentity, recordHeartbeat, removeHeartbeat } from "../server/domain/workers/heartbeat.ts";
import { createBoss } from "../server/jobs/boss.ts";
import { handlers, type JobContext } from "../server/jobs/handlers.ts";
import { bootstrapModels } from "../server/domain/models/bootstrap.ts";
import { databaseGateway } from "../server/domain/models/model-routes.ts";
import { ensureQueues, queues, schedules, type QueueKey } from "../server/jobs/queues.ts";
import { logger } from "../server/logger.ts";

const HEARTBEAT_INTERVAL_MS = 5000;
const STOP_TIMEOUT_MS = 30_000;

const log = logger.child({ component: "worker" });

async function registerHandlers(boss: PgBoss, ctx: Omit<JobContext, "jobId" | "signal" | "retryCount">) {
  for (const key of Object.keys(queues) as QueueKey[]) {
    const queue = queues[key];
    const handler = handlers[key] as (payload: unknown, c: JobContext) => Promise<unknown>;
    const options = { pollingIntervalSeconds: 2, ...("work" in queue ? queue.work : {}), batchSize: 1 };
    await boss.work(queue.name, options, async ([job]) => {
      if (!job) return;
      // Payloads are validated again on the way out of the queue: a job may predate a deploy.
      const payload = queue.schema.parse(job.data);
      return handler(payload, { ...ctx, jobId: job.id, signal: job.signal, retryCount: job.retryCount });
    });
  }
}

/** Starts the worker in this process; it exits the process when it is stopped by a signal. */
export async function runWorker(): Promise<void> {
  const db = getDb();
  const worker = newWorkerIdentity();
  const boss = createBoss("worker");
  let heartbeat: NodeJS.Timeout | undefined;
  let beating: Promise<void> = Promise.resolve();

  // Signal handlers come first: a stop requested during start-up waits for start-up, then stops.
  const stopping = new AbortController();
  let started: Promise<void> = Promise.resolve();
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping.signal.aborted) return;
    stopping.abort();
    log.info({ signal }, "stopping: letting active jobs finish");
    try {
      await started.catch(() => undefined);
      clearInterval(heartbeat);
      // A beat in flight must land before the row is removed, or it would bring the row back.
      await beating;
      await boss.stop({ graceful: true, timeout: STOP_TIMEOUT_MS });
      await removeHeartbeat(db, worker).catch(() => undefined);
      await db.$disconnect();
      log.info("worker stopped");
      process.exit(0);
    } catch (err) {
      log.error({ err }, "worker did not stop cleanly");
      process.exit(1);
    }
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);

  started = (async () => {
    await boss.start();
    await ensureQueues(boss);
    await bootstrapModels(db, env);
    await registerHandlers(boss, { db, worker, boss, gateway: databaseGateway(db), workerStopping: stopping.signal });
    for (const { queue, cron } of schedules) await boss.schedule(queues[queue].name, cron, {});

    const beat = () => {
      beating = recordHeartbeat(db, worker).catch((err: unknown) => log.warn({ err }, "heartbeat failed; will retry"));
      return beating;
    };
    await beat();
    heartbeat = setInterval(beat, HEARTBEAT_INTERVAL_MS);
    log.info({ workerId: worker.id, queues: Object.values(queues).map((q) => q.name) }, "worker started");
  })();
  await started;
}

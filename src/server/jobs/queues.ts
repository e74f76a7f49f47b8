/**
 * Every pg-boss queue Pantheon uses: its name, the zod schema of its payload (checked when sent and
 * again when handled) and its options. Web processes only send; the worker handles them all.
 */
import { z } from "zod";
import type { PgBoss } from "pg-boss";

type QueueOptions = Parameters<PgBoss["createQueue"]>[1];

type WorkOptions = Parameters<PgBoss["work"]>[1];

export interface QueueDefinition<S extends z.ZodType> {
  name: string;
  schema: S;
  options: QueueOptions;
  /** How the worker fetches this queue's jobs (default: one at a time, polling every 2 s). */
  work?: Omit<WorkOptions, "batchSize">;
}

function defineQueue<S extends z.ZodType>(definition: QueueDefinition<S>) {
  return definition;
}

export const queues = {
  /** A round trip web → queue → worker → web, for the status page and the benchmarks. */
  systemPing: defineQueue({
    name: "system.ping",
    schema: z.object({
      requestedAt: z.iso.datetime(),
      // Simulated work, to observe a job in flight (graceful-stop tests, diagnostics).
      workMs: z.number().int().min(0).max(10_000).optional(),
    }),
    options: {
      // Wake the worker through LISTEN/NOTIFY instead of waiting for its next poll.
      notify: true,
      retryLimit: 0,
      expireInSeconds: 30,
      // An unanswered ping is useless after the caller has given up.
      retentionSeconds: 60,
      deleteAfterSeconds: 3600,
    },
  }),
  /** Hourly housekeeping: dead workers' heartbeats, old rate-limit windows, old outbox e-mails. */
  systemMaintenance: defineQueue({
    name: "system.maintenance",
    schema: z.object({}).passthrough(),
    options: { retryLimit: 2, expireInSeconds: 300, deleteAfterSeconds: 86_400 },
  }),
  /** Daily: rooms deleted more than 7 days ago go for good, with their sessions. */
  roomsPurge: defineQueue({
    name: "rooms.purge",
    schema: z.object({}).passthrough(),
    options: { retryLimit: 2, expireInSeconds: 600, deleteAfterSeconds: 7 * 86_400 },
  }),
  /**
   * One turn (PRODUCT.md 5.2); job id = turn id. A crashed worker's job is taken back after a
   * missed heartbeat and resumed: steps that ended are not run again. turns.cancel marks the turn,
   * which the handler checks every second; only a job not yet started is cancelled in pg-boss.
   */
  turnRun: defineQueue({
    name: "turn.run",
    schema: z.object({ turnId: z.uuid() }),
    options: {
      notify: true,
      retryLimit: 3,
      retryDelay: 1,
      heartbeatSeconds: 10,
      // The longest a turn may run: 3 rounds of up to 12 calls, each with its own timeout.
      expireInSeconds: 3600,
      deleteAfterSeconds: 7 * 86_400,
    },
    // notifyPollingIntervalSeconds: NOTIFY only announces jobs that are runnable when sent; a job
    // retried after a crash (start_after = now + retryDelay) is found by polling alone, which with
    // notify on defaults to every 30 s. That added up to 30 s to every crash recovery.
    work: { localConcurrency: 4, pollingIntervalSeconds: 2, notifyPollingIntervalSeconds: 2, heartbeatRefreshSeconds: 1 },
  }),
  /** Summarizes a session's older messages so later contexts use the summary instead (PRODUCT.md 5.2). */
  sessionSummarize: defineQueue({
    name: "session.summarize",
    schema: z.object({ sessionId: z.uuid(), turnId: z.uuid() }),
    options: { notify: true, retryLimit: 2, retryDelay: 5, heartbeatSeconds: 10, expireInSeconds: 600, deleteAfterSeconds: 7 * 86_400 },
    work: { pollingIntervalSeconds: 2, notifyPollingIntervalSeconds: 5, heartbeatRefreshSeconds: 2 },
  }),
  /** A session's automatic title, after its first turn ended (src/server/domain/sessions/title.ts); one per session. */
  sessionTitle: defineQueue({
    name: "session.title",
    schema: z.object({ sessionId: z.uuid(), turnId: z.uuid() }),
    options: { notify: true, retryLimit: 2, retryDelay: 5, heartbeatSeconds: 10, expireInSeconds: 120, deleteAfterSeconds: 7 * 86_400 },
    work: { pollingIntervalSeconds: 2, notifyPollingIntervalSeconds: 5, heartbeatRefreshSeconds: 2 },
  }),
  /**
   * A `file.parse` job that ended without its handler ending the file (its last attempt's worker
   * died, or it expired): the file is failed here, so it never stays `parsing`. Created before
   * `file.parse`, which names it as its dead-letter queue.
   */
  fileParseDeadLetter: defineQueue({
    name: "file.parse.dead",
    schema: z.object({ fileId: z.uuid() }),
    options: { retryLimit: 3, retryDelay: 5, expireInSeconds: 60, deleteAfterSeconds: 7 * 86_400 },
  }),
  /**
   * Extracts an uploaded file's text into searchable chunks (PRODUCT.md 8), sent in the upload's
   * transaction. Retried when the store is unreachable; a file that cannot be read fails at once.
   */
  fileParse: defineQueue({
    name: "file.parse",
    schema: z.object({ fileId: z.uuid() }),
    options: {
      deadLetter: "file.parse.dead",
      notify: true,
      retryLimit: 3,
      retryDelay: 5,
      retryBackoff: true,
      heartbeatSeconds: 15,
      // Above FILE_PARSE_TIMEOUT_SECONDS (at most 600) plus the download and the chunk writes.
      expireInSeconds: 900,
      deleteAfterSeconds: 7 * 86_400,
    },
    work: { localConcurrency: 2, pollingIntervalSeconds: 2, notifyPollingIntervalSeconds: 5, heartbeatRefreshSeconds: 5 },
  }),
  /** Daily: stored objects that no live file owns are removed (src/server/domain/files/sweep-files.ts). */
  filesSweep: defineQueue({
    name: "files.sweep",
    schema: z.object({}).passthrough(),
    options: { retryLimit: 2, expireInSeconds: 1800, deleteAfterSeconds: 7 * 86_400 },
  }),
  /**
   * Daily retention (PRODUCT.md 3; src/server/domain/retention/): chat data older than
   * `retention.chat_days`, events of turns ended more than `retention.events_days` ago, and sessions
   * and agents past their 7-day restore. Each returns a report of what it removed: pg-boss keeps it
   * as the job's output, and the admin Jobs view shows the latest.
   */
  retentionChat: defineQueue({
    name: "retention.chat",
    schema: z.object({}).passthrough(),
    options: { retryLimit: 2, retryDelay: 300, expireInSeconds: 3600, deleteAfterSeconds: 30 * 86_400 },
  }),
  retentionEvents: defineQueue({
    name: "retention.events",
    schema: z.object({}).passthrough(),
    options: { retryLimit: 2, retryDelay: 300, expireInSeconds: 1800, deleteAfterSeconds: 30 * 86_400 },
  }),
  retentionDeleted: defineQueue({
    name: "retention.deleted",
    schema: z.object({}).passthrough(),
    options: { retryLimit: 2, retryDelay: 300, expireInSeconds: 1800, deleteAfterSeconds: 30 * 86_400 },
  }),
  /** Every minute: ends turns whose job ended without them (src/server/domain/turns/sweep-turns.ts). */
  turnsSweep: defineQueue({
    name: "turns.sweep",
    schema: z.object({}).passthrough(),
    options: { retryLimit: 0, expireInSeconds: 60, deleteAfterSeconds: 3600 },
  }),
  /**
   * Applies one stored Stripe webhook event (src/server/domain/billing/stripe-events.ts). Job id
   * derived from the event id, sent in the webhook's transaction; idempotent, so retries are safe.
   */
  stripeApply: defineQueue({
    name: "stripe.apply",
    schema: z.object({ eventId: z.string().min(1).max(255) }),
    options: { notify: true, retryLimit: 5, retryDelay: 10, retryBackoff: true, expireInSeconds: 120, deleteAfterSeconds: 7 * 86_400 },
    work: { localConcurrency: 2, pollingIntervalSeconds: 2, notifyPollingIntervalSeconds: 5 },
  }),
  /** Every 10 minutes: Stripe events still `received` long after their webhook get their job again. */
  stripeRequeue: defineQueue({
    name: "stripe.requeue",
    schema: z.object({}).passthrough(),
    options: { retryLimit: 0, expireInSeconds: 120, deleteAfterSeconds: 86_400 },
  }),
  /**
   * Every 5 minutes: manual subscriptions whose period ended move to the next one and get its
   * plan_grant, once (src/server/domain/billing/plan-grants.ts). Stripe ones get invoice.paid instead.
   */
  billingGrants: defineQueue({
    name: "billing.grants",
    schema: z.object({}).passthrough(),
    options: { retryLimit: 2, retryDelay: 60, expireInSeconds: 600, deleteAfterSeconds: 7 * 86_400 },
  }),
} as const;

/** Cron schedules the worker keeps registered (pg-boss runs each once across all workers). */
export const schedules: { queue: QueueKey; cron: string }[] = [
  { queue: "systemMaintenance", cron: "17 * * * *" },
  { queue: "roomsPurge", cron: "41 3 * * *" },
  { queue: "retentionDeleted", cron: "43 3 * * *" },
  { queue: "retentionChat", cron: "47 3 * * *" },
  { queue: "retentionEvents", cron: "53 3 * * *" },
  { queue: "turnsSweep", cron: "* * * * *" },
  { queue: "stripeRequeue", cron: "*/10 * * * *" },
  // After rooms.purge and the retention jobs, whose purged files leave their objects behind.
  { queue: "filesSweep", cron: "11 4 * * *" },
  { queue: "billingGrants", cron: "*/5 * * * *" },
];

export type QueueKey = keyof typeof queues;
export type QueuePayload<K extends QueueKey> = z.infer<(typeof queues)[K]["schema"]>;

/** createQueue is idempotent; both web and worker call this at start so either may come up first. */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  for (const queue of Object.values(queues)) {
    await boss.createQueue(queue.name, queue.options);
  }
}

/** Typed, validated send. `id` lets the caller know the job id before the job exists. */
export async function sendJob<K extends QueueKey>(
  boss: PgBoss,
  key: K,
  payload: QueuePayload<K>,
  options: { id?: string; singletonKey?: string } = {},
): Promise<string> {
  const queue = queues[key];
  const data = queue.schema.parse(payload) as object;
  const id = await boss.send(queue.name, data, options);
  if (!id) throw new Error(`pg-boss refused the ${queue.name} job`);
  return id;
}

import { randomUUID } from "node:crypto";
import type { PgBoss } from "pg-boss";
import { z } from "zod";
import { AppError } from "../../errors.ts";
import { queues, sendJob } from "../../jobs/queues.ts";
import type { PgListener } from "../../realtime/listener.ts";

/** The worker answers each system.ping job on this channel. */
export const PING_REPLY_CHANNEL = "pantheon_ping_reply";

export const pingReply = z.object({ jobId: z.string(), workerId: z.string(), handledAt: z.iso.datetime() });
export type PingReply = z.infer<typeof pingReply>;

export interface PingResult extends PingReply {
  roundTripMs: number;
}

/**
 * Sends a system.ping job and waits for the worker's reply: the whole path a turn takes
 * (enqueue, pickup, handling, notification back to the web process), timed.
 */
export async function pingWorker(deps: { boss: PgBoss; listener: PgListener; timeoutMs?: number }): Promise<PingResult> {
  const jobId = randomUUID();
  const timeoutMs = deps.timeoutMs ?? 10_000;
  let onReply: (reply: PingReply) => void = () => undefined;
  const replied = new Promise<PingReply>((resolve) => (onReply = resolve));

  // Listen before sending, so even an instant reply is heard.
  const unsubscribe = await deps.listener.subscribe(PING_REPLY_CHANNEL, (raw) => {
    const parsed = pingReply.safeParse(JSON.parse(raw));
    if (parsed.success && parsed.data.jobId === jobId) onReply(parsed.data);
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const started = performance.now();
    await sendJob(deps.boss, "systemPing", { requestedAt: new Date().toISOString() }, { id: jobId });
    const timedOut = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
    const reply = await Promise.race([replied, timedOut]);
    if (!reply) {
      await deps.boss.cancel(queues.systemPing.name, jobId).catch(() => undefined);
      throw new AppError("worker_unavailable", `No worker answered the ping within ${timeoutMs / 1000} s. Is the worker running?`);
    }
    return { ...reply, roundTripMs: Math.round((performance.now() - started) * 10) / 10 };
  } finally {
    clearTimeout(timer);
    await unsubscribe();
  }
}

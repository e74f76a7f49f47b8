import { z } from "zod";

/** The `health.check` contract (PRODUCT.md section 10); also the body of GET /api/health. */
export const healthReport = z.object({
  status: z.enum(["ok", "degraded", "down"]),
  version: z.string(),
  uptimeS: z.number(),
  db: z.object({ ok: z.boolean(), latencyMs: z.number().nullable() }),
  queue: z.object({ ok: z.boolean(), queued: z.number(), active: z.number(), failed: z.number() }),
  worker: z.object({ ok: z.boolean(), lastHeartbeatAt: z.date().nullable(), ageS: z.number().nullable() }),
  /**
   * Each enabled model provider, from its real calls (PRODUCT.md 13; nothing is polled): `ok` when
   * its last call succeeded (or none was made yet). `lastError` is only its kind (a provider's error
   * text can name internal hosts; owners read it on Models & providers). Informational: a provider's trouble does not
   * change `status`, since its models may have fallbacks and other models keep working.
   */
  providers: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      ok: z.boolean(),
      lastSuccessAt: z.date().nullable(),
      lastErrorAt: z.date().nullable(),
      lastError: z.string().nullable(),
      latencyMs: z.number().nullable(),
    }),
  ),
  /** Enabled models with no price in the active pricing version (they cannot be called). */
  unpricedModels: z.array(z.string()),
});

export type HealthReport = z.infer<typeof healthReport>;

/** A worker whose last heartbeat is older than this is reported as not ok. */
export const WORKER_STALE_AFTER_S = 15;

/** The database is required for everything; queue or worker trouble leaves the app usable. */
export function overallStatus(parts: Pick<HealthReport, "db" | "queue" | "worker">): HealthReport["status"] {
  if (!parts.db.ok) return "down";
  if (!parts.queue.ok || !parts.worker.ok) return "degraded";
  return "ok";
}

/** `ageS` is measured by the database that stamped the heartbeat (see check-health.ts). */
export function workerHealth(lastHeartbeatAt: Date | null, ageS: number | null): HealthReport["worker"] {
  if (!lastHeartbeatAt || ageS === null) return { ok: false, lastHeartbeatAt: null, ageS: null };
  const age = Math.max(0, ageS);
  return { ok: age < WORKER_STALE_AFTER_S, lastHeartbeatAt, ageS: Math.round(age * 10) / 10 };
}

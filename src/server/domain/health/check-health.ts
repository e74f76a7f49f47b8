import type { PgBoss } from "pg-boss";
import type { Db } from "../../db.ts";
import { appVersion } from "../../version.ts";
import { overallStatus, workerHealth, type HealthReport } from "./health-schema.ts";

const PROBE_TIMEOUT_MS = 3000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out`)), PROBE_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Probes the database, the queue and the worker heartbeat. Never throws: a failing part is reported
 * as not ok, so callers (the API, the load balancer route, the CLI) always get a report.
 */
export async function checkHealth(deps: { db: Db; boss: () => Promise<PgBoss> }): Promise<HealthReport> {
  const now = new Date();

  const dbProbe = (async () => {
    const started = performance.now();
    await withTimeout(deps.db.$queryRaw`SELECT 1`, "database probe");
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  })().catch(() => ({ ok: false, latencyMs: null }));

  // Counts come from pg-boss's queue table, refreshed by the worker's monitor (every 10 s).
  const queueProbe = (async () => {
    const boss = await withTimeout(deps.boss(), "queue connection");
    const all = await withTimeout(boss.getQueues(), "queue probe");
    const sum = (pick: (q: (typeof all)[number]) => number) => all.reduce((n, q) => n + (pick(q) ?? 0), 0);
    return { ok: true, queued: sum((q) => q.queuedCount), active: sum((q) => q.activeCount), failed: sum((q) => q.failedCount) };
  })().catch(() => ({ ok: false, queued: 0, active: 0, failed: 0 }));

  const workerProbe = (async () => {
    const newest = await withTimeout(
      deps.db.workerHeartbeat.findFirst({ orderBy: { lastBeatAt: "desc" }, select: { lastBeatAt: true } }),
      "heartbeat probe",
    );
    return workerHealth(newest?.lastBeatAt ?? null, now);
  })().catch(() => workerHealth(null, now));

  const [db, queue, worker] = await Promise.all([dbProbe, queueProbe, workerProbe]);
  return {
    status: overallStatus({ db, queue, worker }),
    version: appVersion,
    uptimeS: Math.round(process.uptime()),
    db,
    queue,
    worker,
  };
}

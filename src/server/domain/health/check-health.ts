import type { Db } from "../../db.ts";
import { env } from "../../env.ts";
import { appVersion } from "../../version.ts";
import { activePricingVersion } from "../metering/meter.ts";
import { overallStatus, workerHealth, type HealthReport } from "./health-schema.ts";

const PROBE_TIMEOUT_MS = 3000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out`)), PROBE_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What a public report says of a provider's last error: its kind, never its text. */
function publicError(message: string | null): string | null {
  if (!message) return null;
  if (/unreachable|cannot be used/i.test(message)) return "unreachable";
  if (/rate limit/i.test(message)) return "rate limited";
  if (/no complete answer|timed? ?out/i.test(message)) return "timed out";
  const status = /error (\d{3})/i.exec(message)?.[1];
  return status ? `HTTP ${status}` : "error";
}

/**
 * Probes the database, the queue and the worker heartbeat. Never throws: a failing part (even a
 * database that is not configured at all, so `getDb` throws) is reported as not ok, so callers
 * (the API, the load balancer route, the CLI) always get a report.
 */
export async function checkHealth(deps: { getDb: () => Db }): Promise<HealthReport> {
  let db: Db;
  try {
    db = deps.getDb();
  } catch {
    const down = { db: { ok: false, latencyMs: null }, queue: { ok: false, queued: 0, active: 0, failed: 0 }, worker: workerHealth(null, null) };
    return { status: overallStatus(down), version: appVersion, uptimeS: Math.round(process.uptime()), ...down, providers: [], unpricedModels: [] };
  }

  const dbProbe = (async () => {
    const started = performance.now();
    await withTimeout(db.$queryRaw`SELECT 1`, "database probe");
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  })().catch(() => ({ ok: false, latencyMs: null }));

  // Live counts from pg-boss's job table (its own queue counters are refreshed only by a running
  // worker's monitor, so they would freeze exactly when the worker is gone). The schema name is
  // validated by env.ts as a plain identifier.
  const queueProbe = (async () => {
    const rows = await withTimeout(
      db.$queryRawUnsafe<{ state: string; count: bigint }[]>(
        `SELECT state::text AS state, count(*) AS count FROM "${env.PGBOSS_SCHEMA}".job
         WHERE state IN ('created', 'retry', 'active', 'failed') GROUP BY state`,
      ),
      "queue probe",
    );
    const count = (...states: string[]) => rows.filter((r) => states.includes(r.state)).reduce((n, r) => n + Number(r.count), 0);
    return { ok: true, queued: count("created", "retry"), active: count("active"), failed: count("failed") };
  })().catch(() => ({ ok: false, queued: 0, active: 0, failed: 0 }));

  // The age is computed by the database's clock, the same clock that stamped the heartbeat, so
  // clock skew between hosts cannot move a worker across the threshold.
  const workerProbe = (async () => {
    const [row] = await withTimeout(
      db.$queryRaw<{ last: Date | null; age: number | null }[]>`
        SELECT max(last_beat_at) AS last, extract(epoch FROM now() - max(last_beat_at))::float8 AS age
        FROM worker_heartbeats`,
      "heartbeat probe",
    );
    return workerHealth(row?.last ?? null, row?.age ?? null);
  })().catch(() => workerHealth(null, null));

  const modelsProbe = withTimeout(
    db.$queryRaw<{ providers: HealthReport["providers"] | null; unpriced: string[] | null }[]>`
      SELECT
        (SELECT json_agg(json_build_object('key', key, 'name', name, 'lastSuccessAt', last_success_at, 'lastErrorAt', last_error_at,
                                           'lastError', last_error, 'latencyMs', last_latency_ms) ORDER BY name)
           FROM llm_providers WHERE enabled AND kind <> 'local') AS providers,
        (SELECT array_agg(m.alias ORDER BY m.alias) FROM llm_models m
           WHERE m.enabled AND NOT EXISTS (SELECT 1 FROM model_pricing mp WHERE mp.model_alias = m.alias
             AND mp.pricing_version = ${activePricingVersion})) AS unpriced`,
    "models probe",
  )
    .then(([row]) => ({
      providers: (row?.providers ?? []).map((p) => {
        const lastSuccessAt = p.lastSuccessAt ? new Date(p.lastSuccessAt) : null;
        const lastErrorAt = p.lastErrorAt ? new Date(p.lastErrorAt) : null;
        return { ...p, lastError: publicError(p.lastError), lastSuccessAt, lastErrorAt, ok: !lastErrorAt || (!!lastSuccessAt && lastSuccessAt > lastErrorAt) };
      }),
      unpricedModels: row?.unpriced ?? [],
    }))
    .catch(() => ({ providers: [], unpricedModels: [] }));

  const [dbPart, queue, worker, models] = await Promise.all([dbProbe, queueProbe, workerProbe, modelsProbe]);
  return {
    status: overallStatus({ db: dbPart, queue, worker }),
    version: appVersion,
    uptimeS: Math.round(process.uptime()),
    db: dbPart,
    queue,
    worker,
    ...models,
  };
}

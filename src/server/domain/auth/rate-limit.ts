/**
 * Fixed-window rate limits counted in PostgreSQL, so every web process shares them. One statement
 * increments and reads the counter, so concurrent requests cannot both slip under the limit.
 */
import type { Db } from "../../db.ts";

export interface RateLimitResult {
  allowed: boolean;
  count: number;
  retryAfterSeconds: number;
}

export async function hitRateLimit(db: Db, key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
  const now = Date.now();
  const windowStart = new Date(Math.floor(now / (windowSeconds * 1000)) * windowSeconds * 1000);
  const [row] = await db.$queryRaw<{ count: number }[]>`
    INSERT INTO rate_limit_counters (key, window_start, count) VALUES (${key}, ${windowStart}, 1)
    ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limit_counters.count + 1
    RETURNING count`;
  const count = row?.count ?? 1;
  const retryAfterSeconds = Math.max(1, Math.ceil((windowStart.getTime() + windowSeconds * 1000 - now) / 1000));
  return { allowed: count <= limit, count, retryAfterSeconds };
}

/** Old windows are useless; the worker's maintenance (or anyone) may prune them. */
export async function pruneRateLimitCounters(db: Db, olderThanSeconds = 86_400): Promise<number> {
  return db.$executeRaw`DELETE FROM rate_limit_counters WHERE window_start < now() - make_interval(secs => ${olderThanSeconds})`;
}

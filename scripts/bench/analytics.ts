/**
 * The admin analytics at scale (PRODUCT.md 9: every endpoint ≤ 300 ms p95 at 1M ledger rows):
 * seeds a year of ledger rows, users and turns with generate_series in one SQL statement each, then
 * times each `admin.analytics.*` procedure's domain function (its parsed input, the queries, the
 * result's shaping; no HTTP) over the console's default period (the last 30 days) and over the
 * longest one (366 days, every row).
 */
import type { Db } from "../../src/server/db.ts";
import {
  analyticsActiveUsers,
  analyticsBreakdown,
  analyticsBreakdownInput,
  analyticsModels,
  analyticsRangeInput,
  analyticsOverview,
  analyticsOverviewInput,
  analyticsPeriodInput,
  analyticsTurns,
} from "../../src/server/domain/admin/analytics.ts";
import { createRoom } from "../../src/server/domain/rooms/rooms.ts";
import { createSession } from "../../src/server/domain/sessions/sessions.ts";

export interface AnalyticsSeed {
  ledgerRows: number;
  users: number;
  turns: number;
  days: number;
  seedSeconds: number;
}

export interface AnalyticsTiming {
  endpoint: string;
  period: string;
  runs: number;
  p50: number;
  p95: number;
  max: number;
}

export interface AnalyticsBench {
  seed: AnalyticsSeed;
  timings: AnalyticsTiming[];
}

const DAY_MS = 86_400_000;

/** A year of activity ending now: users joining through it, calls and turns spread evenly in time. */
export async function seedAnalytics(db: Db, options: { ledgerRows: number; users: number; turns: number; days: number; now: Date }): Promise<AnalyticsSeed> {
  const started = performance.now();
  const start = new Date(options.now.getTime() - options.days * DAY_MS);
  const span = `${options.days} days`;
  await db.$executeRawUnsafe(`SELECT setseed(0.42)`);
  await db.$executeRaw`
    INSERT INTO users (id, email, role, status, created_at, updated_at)
    SELECT gen_random_uuid(), 'bench-' || i || '@example.com', 'user', 'active',
           ${start}::timestamptz + (i::float8 / ${options.users}) * ${span}::interval, now()
    FROM generate_series(1, ${options.users}) i`;
  // Calls in the order they happened (the ledger is append-only), by users with a skew (a few heavy
  // users), over the catalog's models, with 2 % errors, 1 % timeouts and 1 % rate limited or cancelled.
  await db.$executeRaw`
    WITH u AS (SELECT array_agg(id ORDER BY created_at) AS ids FROM users WHERE email LIKE 'bench-%'),
    m AS (SELECT ARRAY['llama','qwen','deepseek','gpt_oss','premium','free','local'] AS aliases,
                 ARRAY['openrouter','openrouter','openrouter','openrouter','openrouter','openrouter','local'] AS providers),
    calls AS (
      SELECT i, ${start}::timestamptz + (i::float8 / ${options.ledgerRows}) * ${span}::interval AS at,
             1 + floor(power(random(), 2) * ${options.users})::int AS who, 1 + floor(random() * 7)::int AS model,
             random() AS fate, (200 + random() * 4000)::int AS fresh, (random() * 800)::int AS cached, (50 + random() * 900)::int AS output
      FROM generate_series(1, ${options.ledgerRows}) i
    )
    INSERT INTO llm_call_events (id, user_id, call_purpose, mode, provider, model_alias, provider_model,
      input_tokens_fresh, input_tokens_cached, output_tokens, total_tokens, usage_source, oe_tokens, multiplier,
      credits_burned, provider_cost_usd, pricing_version, status, latency_ms, ttft_ms, idempotency_key, started_at, created_at)
    SELECT gen_random_uuid(), u.ids[least(c.who, ${options.users})], 'agent_reply', 'roundtable', m.providers[c.model], m.aliases[c.model], m.aliases[c.model],
      c.fresh, c.cached, c.output, c.fresh + c.cached + c.output, 'provider', c.fresh * 0.35 + c.cached * 0.1 + c.output, 1,
      round((c.fresh * 0.35 + c.cached * 0.1 + c.output) / 10000.0, 6), round((c.fresh * 0.0000002 + c.output * 0.0000008)::numeric, 10), 1,
      (CASE WHEN c.fate < 0.96 THEN 'success' WHEN c.fate < 0.98 THEN 'error' WHEN c.fate < 0.99 THEN 'timeout' WHEN c.fate < 0.995 THEN 'rate_limited' ELSE 'cancelled' END)::call_status,
      (300 + random() * 9000)::int, (80 + random() * 1500)::int, 'bench:' || c.i, c.at - interval '2 seconds', c.at
    FROM calls c, u, m`;
  // Turns need sessions: a handful of real rooms, their sessions taking turns.
  const owners = await db.user.findMany({ where: { email: { startsWith: "bench-" } }, orderBy: { createdAt: "asc" }, take: 20, select: { id: true } });
  for (const owner of owners) {
    const room = await createRoom(db, owner.id, { name: "Bench room", goal: "", mode: "roundtable" });
    await createSession(db, owner.id, { roomId: room.id });
  }
  await db.$executeRaw`
    WITH s AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg(user_id ORDER BY id) AS users, count(*)::int AS n FROM sessions)
    INSERT INTO turns (id, session_id, user_id, index, mode, user_input, status, roster_snapshot, client_request_id, created_at)
    SELECT gen_random_uuid(), s.ids[1 + i % s.n], s.users[1 + i % s.n], 1 + i / s.n,
      (ARRAY['manual','roundtable','orchestrator','direct'])[1 + floor(random() * 4)::int]::turn_mode, 'hello',
      (ARRAY['completed','completed','completed','completed','completed','completed','partial','failed','cancelled','running'])[1 + floor(random() * 10)::int]::turn_status,
      '[]', 'bench-' || i, ${start}::timestamptz + (i::float8 / ${options.turns}) * ${span}::interval
    FROM generate_series(1, ${options.turns}) i, s`;
  // What autovacuum does soon after a bulk load: statistics, and the visibility map index-only scans need.
  await db.$executeRawUnsafe(`VACUUM ANALYZE users`);
  await db.$executeRawUnsafe(`VACUUM ANALYZE llm_call_events`);
  await db.$executeRawUnsafe(`VACUUM ANALYZE turns`);
  return { ledgerRows: options.ledgerRows, users: options.users, turns: options.turns, days: options.days, seedSeconds: (performance.now() - started) / 1000 };
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Each endpoint with its input for a period of `days` ending at `now`. */
function endpoints(days: number, now: Date) {
  const period = { from: new Date(now.getTime() - days * DAY_MS).toISOString(), to: now.toISOString() };
  const granularity = days > 90 ? "month" : "day";
  return [
    { name: "overview", run: (db: Db) => analyticsOverview(db, analyticsOverviewInput.parse({ ...period, granularity })) },
    { name: "activeUsers", run: (db: Db) => analyticsActiveUsers(db, analyticsRangeInput.parse(period)) },
    { name: "breakdown (by user, top 10)", run: (db: Db) => analyticsBreakdown(db, analyticsBreakdownInput.parse({ ...period, by: "user" })) },
    { name: "breakdown (by model)", run: (db: Db) => analyticsBreakdown(db, analyticsBreakdownInput.parse({ ...period, by: "model" })) },
    { name: "breakdown (by provider)", run: (db: Db) => analyticsBreakdown(db, analyticsBreakdownInput.parse({ ...period, by: "provider" })) },
    { name: "models", run: (db: Db) => analyticsModels(db, analyticsRangeInput.parse(period)) },
    { name: "turns", run: (db: Db) => analyticsTurns(db, analyticsPeriodInput.parse({ ...period, granularity })) },
  ];
}

/** Times every endpoint, `runs` times each after two warm-up calls, one call at a time. */
export async function timeAnalytics(db: Db, options: { now: Date; runs: number }): Promise<AnalyticsTiming[]> {
  const timings: AnalyticsTiming[] = [];
  for (const [days, period] of [
    [30, "last 30 days"],
    [366, "366 days (every row)"],
  ] as const) {
    for (const endpoint of endpoints(days, options.now)) {
      for (let i = 0; i < 2; i++) await endpoint.run(db);
      const samples: number[] = [];
      for (let i = 0; i < options.runs; i++) {
        const t0 = performance.now();
        await endpoint.run(db);
        samples.push(performance.now() - t0);
      }
      samples.sort((a, b) => a - b);
      timings.push({ endpoint: endpoint.name, period, runs: samples.length, p50: percentile(samples, 50), p95: percentile(samples, 95), max: samples.at(-1)! });
      console.log(`${endpoint.name.padEnd(28)} ${period.padEnd(22)} p50 ${percentile(samples, 50).toFixed(1)} ms  p95 ${percentile(samples, 95).toFixed(1)} ms`);
    }
  }
  return timings;
}

export async function benchAnalytics(db: Db, options: { ledgerRows?: number; runs?: number } = {}): Promise<AnalyticsBench> {
  const now = new Date();
  console.log("seeding the ledger…");
  const seed = await seedAnalytics(db, { ledgerRows: options.ledgerRows ?? 1_000_000, users: 5_000, turns: 200_000, days: 365, now });
  console.log(`seeded in ${seed.seedSeconds.toFixed(1)} s`);
  return { seed, timings: await timeAnalytics(db, { now, runs: options.runs ?? 20 }) };
}

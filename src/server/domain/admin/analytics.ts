/**
 * The admin console's analytics (PRODUCT.md 9), read from the ledger (`llm_call_events`), `users`
 * and `turns` for a period [from, to) and a granularity (UTC days, ISO weeks starting on Monday, or
 * calendar months). What the numbers mean:
 *
 * - **Active user:** a user with at least one ledger row (an LLM call of any status) in the window.
 *   A turn refused before any call (rate limit, no credits) does not make its user active.
 * - **DAU / WAU / MAU** (`activeUsers`): for each UTC day d of the period, the distinct users active
 *   on d, in the 7 days ending on d, and in the 30 days ending on d (rolling windows, so they look
 *   back before `from`; a period that starts or ends inside a day counts that whole day). Alongside, `overview` counts the distinct users active in each calendar
 *   bucket of the granularity, and in the whole period.
 * - **New users:** accounts whose `users.created_at` falls in the bucket.
 * - **Ledger sums** are over rows whose `created_at` (when the call was recorded) is in the period.
 * - **Money:** `costUsd` is the sum of `provider_cost_usd` (what the providers charge, from the
 *   catalog's per-token prices); `credits` the sum of `credits_burned` (what was billed). A credit
 *   has no price in money yet (plans and payments, PRODUCT.md 14, are not built), so the margin is
 *   computed at a price per credit the caller states (`usdPerCredit`, default
 *   DEFAULT_USD_PER_CREDIT, shown next to every margin): revenue = credits × usdPerCredit,
 *   margin = revenue − cost, marginRate = margin / revenue. `costPerCreditUsd` = cost / credits needs
 *   no price: it is what a billed credit costs in provider fees (the break-even price of a credit).
 * - **Reliability per model:** errorRate = calls with status `error` / calls, timeoutRate =
 *   `timeout` / calls (rate-limited and cancelled calls are counted apart). Latency and time to
 *   first token percentiles (`percentile_cont`, interpolated) are over successful calls only, so a
 *   fast failure does not flatter a model; failures show in the rates.
 * - **Turns** are counted by `turns.created_at` (the send), by mode and status.
 *
 * Every query reads a `created_at` range through an index (migration
 * 20261202131000_analytics_indexes); `npm run bench -- --analytics` times them at 1M ledger rows.
 * Money leaves as exact decimal strings; rates and latencies are plain numbers.
 */
import { Decimal } from "decimal.js";
import { z } from "zod";
import type { Db } from "../../db.ts";
import { Prisma } from "@/generated/prisma/client.ts";

const DAY_MS = 86_400_000;
/** The longest period: a year (and a day, for a leap year counted inclusively). */
export const MAX_ANALYTICS_DAYS = 366;
/** The working price of a credit for margins until plans give credits one (see the header). */
export const DEFAULT_USD_PER_CREDIT = "0.01";

export const granularities = ["day", "week", "month"] as const;
export type Granularity = (typeof granularities)[number];
export const breakdownDimensions = ["user", "model", "provider"] as const;
export type BreakdownDimension = (typeof breakdownDimensions)[number];

// A date (2026-03-01, a whole UTC day) or a date-time with an offset (2026-03-01T12:00:00Z).
const isoDate = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: "Use an ISO date (2026-03-01) or date-time (2026-03-01T12:00:00Z)" });
const usdPerCredit = z
  .string()
  .regex(/^\d{1,6}(\.\d{1,10})?$/, "A price per credit in USD, like 0.01")
  .default(DEFAULT_USD_PER_CREDIT);

const periodFields = { from: isoDate, to: isoDate };

/**
 * `from` is inclusive; `to` is exclusive for a date-time and inclusive for a date (the whole day
 * counts). At most MAX_ANALYTICS_DAYS apart. Bad periods are input errors (BAD_REQUEST).
 */
function toPeriod<T extends { from: string; to: string }>(input: T, ctx: z.RefinementCtx): Omit<T, "from" | "to"> & { from: Date; to: Date } {
  const from = new Date(input.from);
  const to = /^\d{4}-\d{2}-\d{2}$/.test(input.to) ? new Date(Date.parse(input.to) + DAY_MS) : new Date(input.to);
  if (Number.isNaN(from.getTime())) ctx.addIssue({ code: "custom", path: ["from"], message: "Not a real date" });
  else if (Number.isNaN(to.getTime())) ctx.addIssue({ code: "custom", path: ["to"], message: "Not a real date" });
  else if (to <= from) ctx.addIssue({ code: "custom", path: ["to"], message: "`to` must be after `from`" });
  else if (to.getTime() - from.getTime() > MAX_ANALYTICS_DAYS * DAY_MS) ctx.addIssue({ code: "custom", path: ["to"], message: `A period covers at most ${MAX_ANALYTICS_DAYS} days` });
  return { ...input, from, to };
}

export const analyticsPeriodInput = z.object({ ...periodFields, granularity: z.enum(granularities).default("day") }).transform(toPeriod);
export const analyticsOverviewInput = z.object({ ...periodFields, granularity: z.enum(granularities).default("day"), usdPerCredit }).transform(toPeriod);
export const analyticsBreakdownInput = z
  .object({ ...periodFields, by: z.enum(breakdownDimensions), limit: z.number().int().min(1).max(100).default(10), usdPerCredit })
  .transform(toPeriod);
/** A period alone (DAU/WAU/MAU are always per day; models have no buckets). */
export const analyticsRangeInput = z.object(periodFields).transform(toPeriod);

export type AnalyticsPeriod = z.output<typeof analyticsPeriodInput>;

/**
 * Runs one analytics statement with more sort and hash memory than the server's default (4 MB
 * there, fine for the app's small queries): a period's (user, day) pairs are a few megabytes and
 * would spill to disk. SET LOCAL keeps it to this statement's own transaction.
 */
const ANALYTICS_WORK_MEM = "64MB";
async function query<T>(db: Db, sql: Prisma.Sql): Promise<T> {
  const [, rows] = await db.$transaction([db.$executeRawUnsafe(`SET LOCAL work_mem = '${ANALYTICS_WORK_MEM}'`), db.$queryRaw<T>(sql)]);
  return rows;
}

/** A decimal as plain digits (Decimal's toString switches to exponent notation below 1e-7). */
const plain = (value: Decimal.Value | null) => new Decimal(value ?? 0).toFixed();

// Fixed SQL per granularity, never built from input (and written identically wherever the planner
// must see the same expression).
const units: Record<Granularity, { unit: Prisma.Sql; step: Prisma.Sql }> = {
  day: { unit: Prisma.raw("'day'"), step: Prisma.raw("interval '1 day'") },
  week: { unit: Prisma.raw("'week'"), step: Prisma.raw("interval '1 week'") },
  month: { unit: Prisma.raw("'month'"), step: Prisma.raw("interval '1 month'") },
};

/** Every bucket start of the period at this granularity (the first may begin before `from`). */
const bucketSeries = (p: { from: Date; to: Date; granularity: Granularity }) => {
  const { unit, step } = units[p.granularity];
  return Prisma.sql`SELECT generate_series(date_trunc(${unit}, ${p.from}::timestamptz AT TIME ZONE 'UTC'), (${p.to}::timestamptz - interval '1 millisecond') AT TIME ZONE 'UTC', ${step}) AS start`;
};

/** What a credit costs and earns: see the header for the definitions. */
export function moneyOf(credits: Decimal.Value, costUsd: Decimal.Value, price: Decimal.Value) {
  const c = new Decimal(credits);
  const cost = new Decimal(costUsd);
  const revenue = c.mul(price);
  const margin = revenue.minus(cost);
  return {
    credits: c.toFixed(),
    costUsd: cost.toFixed(),
    usdPerCredit: new Decimal(price).toFixed(),
    revenueUsd: revenue.toFixed(),
    marginUsd: margin.toFixed(),
    /** margin / revenue, null with no revenue. */
    marginRate: revenue.isZero() ? null : margin.div(revenue).toDecimalPlaces(6).toNumber(),
    /** cost / credits (USD per credit billed), null with no credits. */
    costPerCreditUsd: c.isZero() ? null : cost.div(c).toDecimalPlaces(10).toFixed(),
  };
}

interface OverviewRow {
  start: string | null;
  is_total: boolean;
  calls: number;
  active_users: number;
  fresh: string | null;
  cached: string | null;
  output: string | null;
  total: string | null;
  credits: string | null;
  cost: string | null;
}

const tokensOf = (r: { fresh: string | null; cached: string | null; output: string | null; total: string | null }) => ({
  inputTokens: Number(r.fresh ?? 0) + Number(r.cached ?? 0),
  cachedTokens: Number(r.cached ?? 0),
  outputTokens: Number(r.output ?? 0),
  tokens: Number(r.total ?? 0),
});

/**
 * The period at a glance, and per bucket of the granularity: calls, tokens, credits billed,
 * provider cost, margin, distinct active users and new users.
 */
export async function analyticsOverview(db: Db, input: z.output<typeof analyticsOverviewInput>) {
  const { unit } = units[input.granularity];
  const bucket = Prisma.sql`date_trunc(${unit}, created_at AT TIME ZONE 'UTC')`;
  const [rows, signups, starts] = await Promise.all([
    // Sums per bucket (a hash aggregate of a few groups), and apart from them the distinct users
    // per bucket and in the period, from (bucket, user) pairs: no sort of the period's rows.
    query<OverviewRow[]>(db, Prisma.sql`
      WITH sums AS (
        SELECT ${bucket} AS b, count(*) AS calls,
               sum(input_tokens_fresh) AS fresh, sum(input_tokens_cached) AS cached, sum(output_tokens) AS output,
               sum(total_tokens) AS total, sum(credits_burned) AS credits, sum(provider_cost_usd) AS cost
        FROM llm_call_events
        WHERE created_at >= ${input.from} AND created_at < ${input.to}
        GROUP BY 1
      ),
      pairs AS MATERIALIZED (
        SELECT ${bucket} AS b, user_id FROM llm_call_events
        WHERE created_at >= ${input.from} AND created_at < ${input.to}
        GROUP BY 1, 2
      ),
      active AS (SELECT b, count(*) AS users FROM pairs GROUP BY b)
      SELECT to_char(s.b, 'YYYY-MM-DD') AS start, false AS is_total, s.calls::int AS calls, a.users::int AS active_users,
             s.fresh::text AS fresh, s.cached::text AS cached, s.output::text AS output, s.total::text AS total,
             s.credits::text AS credits, s.cost::text AS cost
      FROM sums s JOIN active a ON a.b = s.b
      UNION ALL
      SELECT NULL, true, COALESCE(sum(calls), 0)::int, (SELECT count(*) FROM (SELECT user_id FROM pairs GROUP BY user_id) u)::int,
             sum(fresh)::text, sum(cached)::text, sum(output)::text, sum(total)::text, sum(credits)::text, sum(cost)::text
      FROM sums`),
    db.$queryRaw<{ start: string; is_total: boolean; users: number }[]>`
      SELECT to_char(${bucket}, 'YYYY-MM-DD') AS start, GROUPING(${bucket}) = 1 AS is_total, count(*)::int AS users
      FROM users
      WHERE created_at >= ${input.from} AND created_at < ${input.to}
      GROUP BY GROUPING SETS ((${bucket}), ())`,
    db.$queryRaw<{ start: string }[]>`SELECT to_char(start, 'YYYY-MM-DD') AS start FROM (${bucketSeries(input)}) b ORDER BY 1`,
  ]);
  const byStart = new Map(rows.filter((r) => !r.is_total).map((r) => [r.start, r]));
  const newByStart = new Map(signups.filter((r) => !r.is_total).map((r) => [r.start, r.users]));
  const empty: OverviewRow = { start: null, is_total: false, calls: 0, active_users: 0, fresh: null, cached: null, output: null, total: null, credits: null, cost: null };
  const view = (r: OverviewRow, newUsers: number) => ({
    calls: r.calls,
    activeUsers: r.active_users,
    newUsers,
    ...tokensOf(r),
    ...moneyOf(r.credits ?? 0, r.cost ?? 0, input.usdPerCredit),
  });
  return {
    from: input.from,
    to: input.to,
    granularity: input.granularity,
    usdPerCredit: plain(input.usdPerCredit),
    total: view(rows.find((r) => r.is_total) ?? empty, signups.find((r) => r.is_total)?.users ?? 0),
    buckets: starts.map(({ start }) => ({ start, ...view(byStart.get(start) ?? empty, newByStart.get(start) ?? 0) })),
  };
}

/**
 * DAU, WAU and MAU for each UTC day of the period (rolling 1, 7 and 30 days ending on that day).
 * Counted with a sweep rather than one distinct count per day: each (user, active day) covers the
 * days [day, day + window − 1] up to the user's next active day, so the spans of one user never
 * overlap, and a running sum of +1 at each span's start and −1 after its end is the distinct count
 * (one pass over the period's (user, day) pairs, whatever the number of days).
 */
export async function analyticsActiveUsers(db: Db, input: z.output<typeof analyticsRangeInput>) {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const firstDay = day(input.from);
  const lastDay = day(new Date(input.to.getTime() - 1));
  // The rows that can make someone active on a day of the period: 29 days before it, to its end.
  const since = new Date(Date.parse(firstDay) - 29 * DAY_MS);
  const until = new Date(Date.parse(lastDay) + DAY_MS);
  const rows = await query<{ day: string; dau: number; wau: number; mau: number }[]>(db, Prisma.sql`
    -- Each (user, active day) pair, as the ledger's trigger keeps them (migration user_active_days),
    -- with the gap to the same user's next active day; counted by (day, span lengths) first, so
    -- the four changes below add up a few thousand groups rather than every pair.
    WITH spans AS MATERIALIZED (
      SELECT day, LEAST(7, COALESCE(gap, 7)) AS len7, LEAST(30, COALESCE(gap, 30)) AS len30, count(*) AS n
      FROM (
        SELECT day, lead(day) OVER (PARTITION BY user_id ORDER BY day) - day AS gap FROM user_active_days
        WHERE day >= ${since}::date AND day < ${until}::date
      ) pairs
      GROUP BY 1, 2, 3
    ),
    changes AS (
      SELECT day AS at, sum(n) AS up, 0 AS down1, 0 AS down7, 0 AS down30 FROM spans GROUP BY 1
      UNION ALL SELECT day + 1, 0, sum(n), 0, 0 FROM spans GROUP BY 1
      UNION ALL SELECT day + len7, 0, 0, sum(n), 0 FROM spans GROUP BY 1
      UNION ALL SELECT day + len30, 0, 0, 0, sum(n) FROM spans GROUP BY 1
    ),
    running AS MATERIALIZED (
      SELECT at, sum(sum(up) - sum(down1)) OVER w AS dau, sum(sum(up) - sum(down7)) OVER w AS wau, sum(sum(up) - sum(down30)) OVER w AS mau
      FROM changes GROUP BY at WINDOW w AS (ORDER BY at)
    ),
    days AS (
      SELECT d::date AS day FROM generate_series(${firstDay}::date, ${lastDay}::date, interval '1 day') d
    )
    SELECT to_char(days.day, 'YYYY-MM-DD') AS day, COALESCE(r.dau, 0)::int AS dau, COALESCE(r.wau, 0)::int AS wau, COALESCE(r.mau, 0)::int AS mau
    FROM days LEFT JOIN LATERAL (SELECT dau, wau, mau FROM running WHERE at <= days.day ORDER BY at DESC LIMIT 1) r ON true
    ORDER BY days.day`);
  return { from: input.from, to: input.to, days: rows };
}

interface BreakdownRow {
  key: string;
  label: string;
  calls: number;
  all_groups: number;
  all_calls: number;
  all_credits: string;
  all_cost: string;
  fresh: string;
  cached: string;
  output: string;
  total: string;
  credits: string;
  cost: string;
}

// The key and label of each dimension: fixed SQL, never built from input.
const dimensions: Record<BreakdownDimension, Prisma.Sql> = {
  user: Prisma.sql`user_id::text`,
  model: Prisma.sql`model_alias`,
  provider: Prisma.sql`provider`,
};

/**
 * Calls, tokens, credits, cost and margin by user, model or provider, the largest `limit` by
 * credits billed (then calls): the top users and top models. `total` covers every row of the
 * period, so the rows' share of it shows.
 */
export async function analyticsBreakdown(db: Db, input: z.output<typeof analyticsBreakdownInput>) {
  const key = dimensions[input.by];
  // One pass: every group summed (a hash aggregate), the period's totals as window sums over
  // the groups, then the top `limit`.
  const rows = await query<BreakdownRow[]>(db, Prisma.sql`
    SELECT g.key, COALESCE(${input.by === "user" ? Prisma.sql`u.email, u.name, g.key` : Prisma.sql`g.key`}) AS label,
           g.calls::int AS calls, g.fresh::text AS fresh, g.cached::text AS cached, g.output::text AS output, g.total::text AS total,
           g.credits::text AS credits, g.cost::text AS cost,
           g.all_groups::int AS all_groups, g.all_calls::int AS all_calls, g.all_credits::text AS all_credits, g.all_cost::text AS all_cost
    FROM (
      SELECT key, calls, fresh, cached, output, total, credits, cost,
             count(*) OVER () AS all_groups, sum(calls) OVER () AS all_calls, sum(credits) OVER () AS all_credits, sum(cost) OVER () AS all_cost
      FROM (
        SELECT ${key} AS key, count(*) AS calls,
               sum(input_tokens_fresh) AS fresh, sum(input_tokens_cached) AS cached, sum(output_tokens) AS output,
               sum(total_tokens) AS total, sum(credits_burned) AS credits, sum(provider_cost_usd) AS cost
        FROM llm_call_events
        WHERE created_at >= ${input.from} AND created_at < ${input.to}
        GROUP BY 1
      ) grouped
      ORDER BY credits DESC, calls DESC, key ASC
      LIMIT ${input.limit}
    ) g
    ${input.by === "user" ? Prisma.sql`LEFT JOIN users u ON u.id = g.key::uuid` : Prisma.empty}
    ORDER BY g.credits DESC, g.calls DESC, g.key ASC`);
  const t = rows[0] ?? { all_groups: 0, all_calls: 0, all_credits: "0", all_cost: "0" };
  return {
    from: input.from,
    to: input.to,
    by: input.by,
    usdPerCredit: plain(input.usdPerCredit),
    rows: rows.map((r) => ({ key: r.key, label: r.label, calls: r.calls, ...tokensOf(r), ...moneyOf(r.credits, r.cost, input.usdPerCredit) })),
    /** How many users, models or providers had calls in the period (rows shows at most `limit`). */
    groups: t.all_groups,
    total: { calls: t.all_calls, ...moneyOf(t.all_credits, t.all_cost, input.usdPerCredit) },
  };
}

interface ModelRow {
  model: string;
  providers: string;
  calls: number;
  success: number;
  errors: number;
  timeouts: number;
  rate_limited: number;
  cancelled: number;
  latency: (number | null)[] | null;
  ttft: (number | null)[] | null;
}

const rate = (n: number, of: number) => (of === 0 ? 0 : Math.round((n / of) * 1e6) / 1e6);
const ms = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(v * 10) / 10);

/**
 * Per model (alias), most calls first: calls by status, error and timeout rates, and p50/p95
 * latency and time to first token of its successful calls.
 */
export async function analyticsModels(db: Db, input: z.output<typeof analyticsRangeInput>) {
  const rows = await query<ModelRow[]>(db, Prisma.sql`
    SELECT model_alias AS model, string_agg(DISTINCT provider, ', ') AS providers, count(*)::int AS calls,
           count(*) FILTER (WHERE status = 'success')::int AS success,
           count(*) FILTER (WHERE status = 'error')::int AS errors,
           count(*) FILTER (WHERE status = 'timeout')::int AS timeouts,
           count(*) FILTER (WHERE status = 'rate_limited')::int AS rate_limited,
           count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
           percentile_cont(ARRAY[0.5, 0.95]::float8[]) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE status = 'success') AS latency,
           percentile_cont(ARRAY[0.5, 0.95]::float8[]) WITHIN GROUP (ORDER BY ttft_ms) FILTER (WHERE status = 'success') AS ttft
    FROM llm_call_events
    WHERE created_at >= ${input.from} AND created_at < ${input.to}
    GROUP BY model_alias
    ORDER BY calls DESC, model ASC`);
  return {
    from: input.from,
    to: input.to,
    models: rows.map((r) => ({
      model: r.model,
      providers: r.providers,
      calls: r.calls,
      success: r.success,
      errors: r.errors,
      timeouts: r.timeouts,
      rateLimited: r.rate_limited,
      cancelled: r.cancelled,
      errorRate: rate(r.errors, r.calls),
      timeoutRate: rate(r.timeouts, r.calls),
      latencyP50Ms: ms(r.latency?.[0]),
      latencyP95Ms: ms(r.latency?.[1]),
      ttftP50Ms: ms(r.ttft?.[0]),
      ttftP95Ms: ms(r.ttft?.[1]),
    })),
  };
}

export const turnModes = ["manual", "roundtable", "orchestrator", "direct"] as const;
export const turnStatuses = ["queued", "running", "completed", "partial", "failed", "cancelled"] as const;
type TurnStatusName = (typeof turnStatuses)[number];
type TurnModeName = (typeof turnModes)[number];

const zeroStatuses = () => Object.fromEntries(turnStatuses.map((s) => [s, 0])) as Record<TurnStatusName, number>;

/** Turns sent in the period by mode and status, and per bucket of the granularity by status. */
export async function analyticsTurns(db: Db, input: AnalyticsPeriod) {
  const { unit } = units[input.granularity];
  const bucket = Prisma.sql`date_trunc(${unit}, created_at AT TIME ZONE 'UTC')`;
  const [rows, starts] = await Promise.all([
    db.$queryRaw<{ start: string; mode: TurnModeName; status: TurnStatusName; turns: number }[]>`
      SELECT to_char(${bucket}, 'YYYY-MM-DD') AS start, mode::text AS mode, status::text AS status, count(*)::int AS turns
      FROM turns
      WHERE created_at >= ${input.from} AND created_at < ${input.to}
      GROUP BY ${bucket}, mode, status`,
    db.$queryRaw<{ start: string }[]>`SELECT to_char(start, 'YYYY-MM-DD') AS start FROM (${bucketSeries(input)}) b ORDER BY 1`,
  ]);
  const byMode = new Map<TurnModeName, Record<TurnStatusName, number>>(turnModes.map((m) => [m, zeroStatuses()]));
  const byBucket = new Map(starts.map(({ start }) => [start, zeroStatuses()]));
  for (const r of rows) {
    byMode.get(r.mode)![r.status] += r.turns;
    byBucket.get(r.start)![r.status] += r.turns;
  }
  const sum = (s: Record<TurnStatusName, number>) => Object.values(s).reduce((a, b) => a + b, 0);
  return {
    from: input.from,
    to: input.to,
    granularity: input.granularity,
    byMode: turnModes.map((mode) => ({ mode, ...byMode.get(mode)!, total: sum(byMode.get(mode)!) })),
    buckets: starts.map(({ start }) => ({ start, ...byBucket.get(start)!, total: sum(byBucket.get(start)!) })),
    total: rows.reduce((n, r) => n + r.turns, 0),
  };
}

/**
 * The admin analytics against a real database: ledger rows, users and turns inserted with SQL with
 * known values, and every number checked against a sum worked out here in JavaScript from the same
 * list of rows (never by the queries under test): totals, buckets, DAU/WAU/MAU across a month
 * boundary, breakdowns, margins, rates and percentiles; rows outside the period left out; an empty
 * period; bad input refused with BAD_REQUEST through the API.
 */
import { randomUUID } from "node:crypto";
import { Decimal } from "decimal.js";
import { beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { createRoom } from "@/server/domain/rooms/rooms.ts";
import { createSession } from "@/server/domain/sessions/sessions.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { callApi } from "@/test/trpc-http.ts";
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
} from "./analytics.ts";

const t = databaseForThisFile();
const DAY_MS = 86_400_000;

type Status = "success" | "error" | "timeout" | "cancelled" | "rate_limited";
interface Call {
  user: "a" | "b" | "c";
  at: string;
  model: string;
  provider: string;
  status: Status;
  fresh: number;
  cached: number;
  output: number;
  credits: string;
  cost: string;
  latency: number | null;
  ttft: number | null;
}

const call = (user: Call["user"], at: string, model: string, status: Status, credits: string, cost: string, latency: number | null, ttft: number | null, tokens = [100, 10, 50]): Call => ({
  user,
  at,
  model,
  provider: model === "local" ? "local" : model === "premium" ? "acme" : "openrouter",
  status,
  fresh: tokens[0]!,
  cached: tokens[1]!,
  output: tokens[2]!,
  credits,
  cost,
  latency,
  ttft,
});

// The period: 2026-01-15 to 2026-02-14 (dates, so to 2026-02-15T00:00Z exclusive).
const FROM = "2026-01-15";
const TO = "2026-02-14";
const from = Date.parse("2026-01-15T00:00:00Z");
const to = Date.parse("2026-02-15T00:00:00Z");

const calls: Call[] = [
  // Before the period: counts in the rolling WAU/MAU of its first days, never in its sums.
  call("c", "2026-01-10T09:00:00Z", "llama", "success", "9", "0.9", 10, 1),
  call("a", "2026-01-14T23:59:59.999Z", "llama", "success", "7", "0.7", 10, 1),
  // In the period.
  call("c", "2026-01-20T10:00:00Z", "llama", "timeout", "0", "0", 120_000, null),
  call("a", "2026-01-31T23:30:00Z", "llama", "success", "1.5", "0.002", 100, 10, [1000, 200, 300]),
  call("a", "2026-02-01T00:10:00Z", "llama", "success", "0.25", "0.0001", 200, 20),
  call("a", "2026-02-01T00:20:00Z", "llama", "success", "0.125", "0.00005", 1000, 35),
  call("a", "2026-02-02T00:20:00Z", "llama", "success", "0.000001", "0.0000000001", 50, 5, [1, 0, 1]),
  call("b", "2026-02-01T12:00:00Z", "premium", "error", "0", "0", 50, null),
  call("b", "2026-02-03T08:00:00Z", "premium", "success", "3.123456", "0.0123456789", 400, 40, [5000, 1000, 2000]),
  call("b", "2026-02-03T09:00:00Z", "premium", "rate_limited", "0", "0", 20, null),
  call("c", "2026-02-10T00:00:00Z", "local", "success", "0.5", "0", 300, 30),
  call("c", "2026-02-14T23:59:59.999Z", "local", "cancelled", "0.1", "0", 900, 60),
  // After the period.
  call("b", "2026-02-15T00:00:00Z", "premium", "success", "11", "1.1", 10, 1),
];

// Accounts created at known times; `d` joins in the period and never calls.
const created = { a: "2025-12-01T00:00:00Z", b: "2026-01-15T00:00:00Z", c: "2026-02-01T05:00:00Z", d: "2026-02-14T23:00:00Z", e: "2026-02-15T00:00:00Z" };
const ids: Record<string, string> = {};

const turnRows = [
  { at: "2026-01-16T00:00:00Z", mode: "manual", status: "completed" },
  { at: "2026-01-31T23:59:00Z", mode: "roundtable", status: "partial" },
  { at: "2026-02-01T00:00:00Z", mode: "roundtable", status: "completed" },
  { at: "2026-02-02T00:00:00Z", mode: "orchestrator", status: "failed" },
  { at: "2026-02-02T01:00:00Z", mode: "direct", status: "cancelled" },
  { at: "2026-02-14T12:00:00Z", mode: "orchestrator", status: "completed" },
  { at: "2026-01-14T12:00:00Z", mode: "manual", status: "completed" }, // before
  { at: "2026-02-15T00:00:00Z", mode: "manual", status: "failed" }, // after
] as const;

const inPeriod = (at: string) => Date.parse(at) >= from && Date.parse(at) < to;
const periodCalls = calls.filter((c) => inPeriod(c.at));
const sumOf = (rows: Call[], f: (c: Call) => string) => rows.reduce((s, c) => s.plus(f(c)), new Decimal(0));
const day = (at: string | number) => new Date(at).toISOString().slice(0, 10);
const monday = (at: string) => {
  const d = new Date(`${day(at)}T00:00:00Z`);
  return day(d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY_MS);
};

/** percentile_cont as PostgreSQL defines it: linear interpolation between the closest ranks. */
function percentileCont(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

beforeAll(async () => {
  for (const [key, at] of Object.entries(created)) {
    const user = await ensureUserByEmail(t.db, `${key}-analytics@example.com`);
    ids[key] = user.id;
    await t.db.$executeRaw`UPDATE users SET created_at = ${new Date(at)} WHERE id = ${user.id}::uuid`;
  }
  for (const [i, c] of calls.entries()) {
    await t.db.$executeRaw`
      INSERT INTO llm_call_events (id, user_id, call_purpose, mode, provider, model_alias, provider_model, input_tokens_fresh, input_tokens_cached,
        output_tokens, total_tokens, usage_source, oe_tokens, multiplier, credits_burned, provider_cost_usd, pricing_version, status,
        latency_ms, ttft_ms, idempotency_key, started_at, created_at)
      VALUES (${randomUUID()}::uuid, ${ids[c.user]}::uuid, 'agent_reply', 'manual', ${c.provider}, ${c.model}, ${c.model}, ${c.fresh}, ${c.cached},
        ${c.output}, ${c.fresh + c.cached + c.output}, 'provider', 0, 1, ${c.credits}::numeric, ${c.cost}::numeric, 1, ${c.status}::call_status,
        ${c.latency}, ${c.ttft}, ${`analytics:${i}`}, ${new Date(c.at)}, ${new Date(c.at)})`;
  }
  const room = await createRoom(t.db, ids.a!, { name: "Analytics", goal: "", mode: "manual" });
  const session = await createSession(t.db, ids.a!, { roomId: room.id });
  for (const [i, turn] of turnRows.entries()) {
    await t.db.$executeRaw`
      INSERT INTO turns (id, session_id, user_id, index, mode, user_input, status, roster_snapshot, client_request_id, created_at)
      VALUES (${randomUUID()}::uuid, ${session.id}::uuid, ${ids.a}::uuid, ${i + 1}, ${turn.mode}::turn_mode, 'hi', ${turn.status}::turn_status, '[]', ${`t${i}`}, ${new Date(turn.at)})`;
  }
});

describe("overview", () => {
  it("sums the period's calls, tokens, credits and cost, with the margin at the stated price, and per month across the boundary", async () => {
    const result = await analyticsOverview(t.db, analyticsOverviewInput.parse({ from: FROM, to: TO, granularity: "month", usdPerCredit: "0.02" }));
    const credits = sumOf(periodCalls, (c) => c.credits);
    const cost = sumOf(periodCalls, (c) => c.cost);
    expect(result.total).toMatchObject({
      calls: periodCalls.length,
      activeUsers: new Set(periodCalls.map((c) => c.user)).size,
      newUsers: Object.values(created).filter(inPeriod).length,
      inputTokens: periodCalls.reduce((n, c) => n + c.fresh + c.cached, 0),
      cachedTokens: periodCalls.reduce((n, c) => n + c.cached, 0),
      outputTokens: periodCalls.reduce((n, c) => n + c.output, 0),
      tokens: periodCalls.reduce((n, c) => n + c.fresh + c.cached + c.output, 0),
    });
    expect(new Decimal(result.total.credits).equals(credits)).toBe(true);
    expect(new Decimal(result.total.costUsd).equals(cost)).toBe(true);
    const revenue = credits.mul("0.02");
    expect(new Decimal(result.total.revenueUsd).equals(revenue)).toBe(true);
    expect(new Decimal(result.total.marginUsd).equals(revenue.minus(cost))).toBe(true);
    expect(result.total.marginRate).toBeCloseTo(revenue.minus(cost).div(revenue).toNumber(), 6);
    expect(new Decimal(result.total.costPerCreditUsd!).toDecimalPlaces(10).equals(cost.div(credits).toDecimalPlaces(10))).toBe(true);
    expect(result.usdPerCredit).toBe("0.02");

    // Calendar months: A called on both sides of midnight, 31 January to 1 February.
    expect(result.buckets.map((b) => b.start)).toEqual(["2026-01-01", "2026-02-01"]);
    for (const bucket of result.buckets) {
      const rows = periodCalls.filter((c) => c.at.slice(0, 7) === bucket.start.slice(0, 7));
      expect(bucket.calls).toBe(rows.length);
      expect(bucket.activeUsers).toBe(new Set(rows.map((c) => c.user)).size);
      expect(new Decimal(bucket.credits).equals(sumOf(rows, (c) => c.credits))).toBe(true);
      expect(new Decimal(bucket.costUsd).equals(sumOf(rows, (c) => c.cost))).toBe(true);
      expect(bucket.newUsers).toBe(Object.values(created).filter((at) => inPeriod(at) && at.slice(0, 7) === bucket.start.slice(0, 7)).length);
    }
    expect(result.buckets.map((b) => b.activeUsers)).toEqual([2, 3]);
  });

  it("gives every day and every ISO week of the period, with zeros where nothing happened", async () => {
    const days = await analyticsOverview(t.db, analyticsOverviewInput.parse({ from: FROM, to: TO, granularity: "day" }));
    expect(days.buckets).toHaveLength(31);
    for (const bucket of days.buckets) {
      const rows = periodCalls.filter((c) => day(c.at) === bucket.start);
      expect({ start: bucket.start, calls: bucket.calls, users: bucket.activeUsers }).toEqual({ start: bucket.start, calls: rows.length, users: new Set(rows.map((c) => c.user)).size });
      expect(new Decimal(bucket.credits).equals(sumOf(rows, (c) => c.credits))).toBe(true);
    }
    const weeks = await analyticsOverview(t.db, analyticsOverviewInput.parse({ from: FROM, to: TO, granularity: "week" }));
    // 2026-01-15 is a Thursday: the first week starts on Monday the 12th.
    expect(weeks.buckets[0]!.start).toBe("2026-01-12");
    for (const bucket of weeks.buckets) {
      const rows = periodCalls.filter((c) => monday(c.at) === bucket.start);
      expect(bucket.calls).toBe(rows.length);
      expect(bucket.activeUsers).toBe(new Set(rows.map((c) => c.user)).size);
    }
    expect(weeks.buckets.reduce((n, b) => n + b.calls, 0)).toBe(periodCalls.length);
  });

  it("is all zeros for a period without activity", async () => {
    const result = await analyticsOverview(t.db, analyticsOverviewInput.parse({ from: "2025-03-01", to: "2025-03-31", granularity: "week" }));
    expect(result.total).toMatchObject({ calls: 0, activeUsers: 0, newUsers: 0, tokens: 0, credits: "0", costUsd: "0", marginUsd: "0", marginRate: null, costPerCreditUsd: null });
    // 1 March 2025 is a Saturday: weeks from Monday 24 February to Monday 31 March.
    expect(result.buckets.map((b) => b.start)).toEqual(["2025-02-24", "2025-03-03", "2025-03-10", "2025-03-17", "2025-03-24", "2025-03-31"]);
    expect(result.buckets.every((b) => b.calls === 0 && b.credits === "0")).toBe(true);
  });
});

describe("active users", () => {
  it("counts DAU, WAU and MAU per day as rolling windows, looking back before the period and across the month boundary", async () => {
    const result = await analyticsActiveUsers(t.db, analyticsPeriodInput.parse({ from: FROM, to: TO }));
    const windowed = (d: number, size: number) =>
      new Set(calls.filter((c) => Date.parse(`${day(c.at)}T00:00:00Z`) <= d && Date.parse(`${day(c.at)}T00:00:00Z`) > d - size * DAY_MS).map((c) => c.user)).size;
    const expected = [];
    for (let d = from; d < to; d += DAY_MS) expected.push({ day: day(d), dau: windowed(d, 1), wau: windowed(d, 7), mau: windowed(d, 30) });
    expect(result.days).toEqual(expected);
    // The boundary itself: A on both days, B from 1 February; C's calls of January still in MAU.
    const at = (d: string) => result.days.find((r) => r.day === d)!;
    expect(at("2026-01-31")).toEqual({ day: "2026-01-31", dau: 1, wau: 1, mau: 2 });
    expect(at("2026-02-01")).toEqual({ day: "2026-02-01", dau: 2, wau: 2, mau: 3 });
    expect(at("2026-01-15").mau).toBe(2);
  });

  it("is zero every day of an empty period", async () => {
    const result = await analyticsActiveUsers(t.db, analyticsPeriodInput.parse({ from: "2025-03-01", to: "2025-03-07" }));
    expect(result.days).toHaveLength(7);
    expect(result.days.every((d) => d.dau === 0 && d.wau === 0 && d.mau === 0)).toBe(true);
  });
});

describe("breakdown", () => {
  for (const by of ["user", "model", "provider"] as const) {
    it(`by ${by}: every group's calls, tokens, credits, cost and margin, largest credits first`, async () => {
      const keyOf = (c: Call) => (by === "user" ? ids[c.user]! : by === "model" ? c.model : c.provider);
      const result = await analyticsBreakdown(t.db, analyticsBreakdownInput.parse({ from: FROM, to: TO, by, limit: 100 }));
      const keys = [...new Set(periodCalls.map(keyOf))];
      const expected = keys
        .map((key) => {
          const rows = periodCalls.filter((c) => keyOf(c) === key);
          return { key, calls: rows.length, credits: sumOf(rows, (c) => c.credits), cost: sumOf(rows, (c) => c.cost), tokens: rows.reduce((n, c) => n + c.fresh + c.cached + c.output, 0) };
        })
        .sort((x, y) => y.credits.comparedTo(x.credits) || y.calls - x.calls || (x.key < y.key ? -1 : 1));
      expect(result.rows.map((r) => r.key)).toEqual(expected.map((e) => e.key));
      for (const [i, row] of result.rows.entries()) {
        const e = expected[i]!;
        expect({ calls: row.calls, tokens: row.tokens }).toEqual({ calls: e.calls, tokens: e.tokens });
        expect(new Decimal(row.credits).equals(e.credits)).toBe(true);
        expect(new Decimal(row.costUsd).equals(e.cost)).toBe(true);
        expect(new Decimal(row.marginUsd).equals(e.credits.mul("0.01").minus(e.cost))).toBe(true);
        expect(row.usdPerCredit).toBe("0.01");
      }
      expect(result.groups).toBe(keys.length);
      expect(result.total.calls).toBe(periodCalls.length);
      expect(new Decimal(result.total.credits).equals(sumOf(periodCalls, (c) => c.credits))).toBe(true);
      if (by === "user") expect(result.rows.find((r) => r.key === ids.a)!.label).toBe("a-analytics@example.com");
    });
  }

  it("top N keeps the largest and still totals the whole period", async () => {
    const result = await analyticsBreakdown(t.db, analyticsBreakdownInput.parse({ from: FROM, to: TO, by: "user", limit: 1 }));
    expect(result.rows.map((r) => r.key)).toEqual([ids.b]);
    expect(result.groups).toBe(3);
    expect(result.total.calls).toBe(periodCalls.length);
  });

  it("is empty for an empty period", async () => {
    const result = await analyticsBreakdown(t.db, analyticsBreakdownInput.parse({ from: "2025-03-01", to: "2025-03-31", by: "model" }));
    expect(result).toMatchObject({ rows: [], groups: 0, total: { calls: 0, credits: "0", costUsd: "0" } });
  });
});

describe("models", () => {
  it("gives each model's calls by status, error and timeout rates, and latency and TTFT percentiles of its successful calls", async () => {
    const result = await analyticsModels(t.db, analyticsRangeInput.parse({ from: FROM, to: TO }));
    const models = [...new Set(periodCalls.map((c) => c.model))];
    expect(result.models.map((m) => m.model).sort()).toEqual(models.sort());
    for (const m of result.models) {
      const rows = periodCalls.filter((c) => c.model === m.model);
      const ok = rows.filter((c) => c.status === "success");
      const count = (s: Status) => rows.filter((c) => c.status === s).length;
      expect(m).toMatchObject({
        calls: rows.length,
        success: ok.length,
        errors: count("error"),
        timeouts: count("timeout"),
        rateLimited: count("rate_limited"),
        cancelled: count("cancelled"),
      });
      expect(m.errorRate).toBeCloseTo(count("error") / rows.length, 6);
      expect(m.timeoutRate).toBeCloseTo(count("timeout") / rows.length, 6);
      const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
      expect(m.latencyP50Ms).toBe(round(percentileCont(ok.map((c) => c.latency!), 0.5)));
      expect(m.latencyP95Ms).toBe(round(percentileCont(ok.map((c) => c.latency!), 0.95)));
      expect(m.ttftP50Ms).toBe(round(percentileCont(ok.flatMap((c) => (c.ttft === null ? [] : [c.ttft])), 0.5)));
      expect(m.ttftP95Ms).toBe(round(percentileCont(ok.flatMap((c) => (c.ttft === null ? [] : [c.ttft])), 0.95)));
    }
    // llama's successful latencies are 50, 100, 200 and 1000: p50 150, p95 880 (interpolated).
    expect(result.models.find((m) => m.model === "llama")).toMatchObject({ latencyP50Ms: 150, latencyP95Ms: 880, timeouts: 1, timeoutRate: 0.2 });
  });

  it("is empty for an empty period", async () => {
    expect((await analyticsModels(t.db, analyticsRangeInput.parse({ from: "2025-03-01", to: "2025-03-31" }))).models).toEqual([]);
  });
});

describe("turns", () => {
  it("counts the period's turns by mode and status, and per bucket", async () => {
    const result = await analyticsTurns(t.db, analyticsPeriodInput.parse({ from: FROM, to: TO, granularity: "month" }));
    const rows = turnRows.filter((r) => inPeriod(r.at));
    expect(result.total).toBe(rows.length);
    for (const mode of result.byMode) {
      const ofMode = rows.filter((r) => r.mode === mode.mode);
      expect(mode.total).toBe(ofMode.length);
      for (const status of ["completed", "partial", "failed", "cancelled", "queued", "running"] as const) {
        expect(mode[status]).toBe(ofMode.filter((r) => r.status === status).length);
      }
    }
    expect(result.buckets.map((b) => [b.start, b.total, b.completed])).toEqual([
      ["2026-01-01", rows.filter((r) => r.at < "2026-02").length, rows.filter((r) => r.at < "2026-02" && r.status === "completed").length],
      ["2026-02-01", rows.filter((r) => r.at >= "2026-02").length, rows.filter((r) => r.at >= "2026-02" && r.status === "completed").length],
    ]);
  });

  it("is all zeros for an empty period", async () => {
    const result = await analyticsTurns(t.db, analyticsPeriodInput.parse({ from: "2025-03-01", to: "2025-03-01", granularity: "day" }));
    expect(result.total).toBe(0);
    expect(result.buckets).toEqual([{ start: "2025-03-01", queued: 0, running: 0, completed: 0, partial: 0, failed: 0, cancelled: 0, total: 0 }]);
  });
});

describe("through the API", () => {
  let token: string;
  beforeAll(async () => {
    const analyst = await ensureUserByEmail(t.db, "analyst-analytics@example.com");
    await t.db.user.update({ where: { id: analyst.id }, data: { role: "analyst" } });
    token = (await createApiToken(t.db, analyst.id, { name: "test" })).token;
  });

  it("answers an analyst with the same numbers", async () => {
    const res = await callApi(t.db, "admin.analytics.overview", { token, input: { from: FROM, to: TO, granularity: "month" } });
    expect(res.error).toBeNull();
    expect(res.data.total.calls).toBe(periodCalls.length);
  });

  it("refuses bad periods and options with BAD_REQUEST, never a server error", async () => {
    const bad: [string, unknown][] = [
      ["admin.analytics.overview", { from: "2026-02-14", to: "2026-01-15" }],
      ["admin.analytics.overview", { from: "2025-01-01", to: "2026-02-14" }],
      ["admin.analytics.overview", { from: "2026-02-30", to: "2026-03-02" }],
      ["admin.analytics.overview", { from: "yesterday", to: "2026-03-02" }],
      ["admin.analytics.overview", { from: FROM, to: TO, granularity: "hour" }],
      ["admin.analytics.overview", { from: FROM, to: TO, usdPerCredit: "-1" }],
      ["admin.analytics.activeUsers", { from: FROM }],
      ["admin.analytics.breakdown", { from: FROM, to: TO, by: "room" }],
      ["admin.analytics.breakdown", { from: FROM, to: TO, by: "user", limit: 0 }],
      ["admin.analytics.models", null],
      ["admin.analytics.turns", { from: "2026-01-01T00:00:00", to: TO }],
    ];
    for (const [path, input] of bad) {
      const res = await callApi(t.db, path, { token, input });
      expect({ path, input, status: res.status, code: res.error?.code }).toEqual({ path, input, status: 400, code: "BAD_REQUEST" });
    }
  });
});

/**
 * `admin stats` against a real database, through a tRPC client whose requests go to the API
 * handler in this process (as the CLI's go over HTTP): the period's figures as text and as JSON,
 * options checked before any call, and the API's refusal of a plain user.
 */
import { randomUUID } from "node:crypto";
import { Command } from "commander";
import { afterEach, beforeAll, expect, it, vi } from "vitest";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { trpcClient } from "@/test/trpc-http.ts";
import { adminStats, registerAdminCommands, type StatsOptions } from "./admin-commands.ts";

const t = databaseForThisFile();
let analystToken: string;
let userToken: string;

beforeAll(async () => {
  const analyst = await ensureUserByEmail(t.db, "stats-analyst@example.com");
  await t.db.user.update({ where: { id: analyst.id }, data: { role: "analyst" } });
  analystToken = (await createApiToken(t.db, analyst.id, { name: "cli" })).token;
  const user = await ensureUserByEmail(t.db, "stats-user@example.com");
  await t.db.user.update({ where: { id: user.id }, data: { role: "user" } });
  userToken = (await createApiToken(t.db, user.id, { name: "cli" })).token;
  for (const [i, [model, credits, cost]] of [["llama", "2.5", "0.01"], ["premium", "4", "0.03"], ["llama", "0.5", "0.002"]].entries()) {
    await t.db.$executeRaw`
      INSERT INTO llm_call_events (id, user_id, call_purpose, mode, provider, model_alias, provider_model, input_tokens_fresh, input_tokens_cached,
        output_tokens, total_tokens, usage_source, oe_tokens, multiplier, credits_burned, provider_cost_usd, pricing_version, status,
        latency_ms, ttft_ms, idempotency_key, started_at, created_at)
      VALUES (${randomUUID()}::uuid, ${user.id}::uuid, 'agent_reply', 'manual', 'openrouter', ${model}, ${model}, 10, 0, 5, 15, 'provider', 0, 1,
        ${credits}::numeric, ${cost}::numeric, 1, 'success', ${100 * (i + 1)}, 10, ${`stats:${i}`}, ${new Date("2026-03-02T10:00:00Z")}, ${new Date("2026-03-02T10:00:00Z")})`;
  }
});

afterEach(() => vi.restoreAllMocks());

function captured() {
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
  return lines;
}

const options = (extra: Partial<StatsOptions> = {}): StatsOptions => ({ from: "2026-03-01", to: "2026-03-31", granularity: "week", price: "1", top: "10", ...extra });

it("prints the period's totals, margin, breakdowns, models and turns", async () => {
  const lines = captured();
  const program = new Command().exitOverride();
  registerAdminCommands(program, trpcClient(t.db, analystToken));
  await program.parseAsync(["node", "pantheon", "admin", "stats", "--from", "2026-03-01", "--to", "2026-03-31", "--granularity", "month", "--price", "0.02"]);
  const text = lines.join("\n");
  expect(text).toContain("2026-03-01 to 2026-03-31 (UTC), by month");
  expect(text).toContain("active users 1   new users 0   calls 3   tokens 45");
  // 7 credits cost $0.042: at $0.02 a credit that is $0.14, a margin of $0.098 (70 %).
  expect(text).toContain("credits 7   provider cost $0.042   cost per credit $0.006");
  expect(text).toContain("margin at $0.02 a credit: $0.098 (70.0%)");
  expect(text).toMatch(/^llama\s+2\s+30\s+3\s+0\.012\s+0\.048$/m);
  expect(text).toMatch(/^stats-user@example\.com\s+3\s+45\s+7\s+0\.042\s+0\.098$/m);
  // llama's latencies are 100 and 300 ms: p50 200, p95 290 (interpolated).
  expect(text).toMatch(/^llama\s+2\s+0\.0%\s+0\.0%\s+200\s+290\s+10\s+10$/m);
  expect(text).toMatch(/^manual\s+0\s+0\s+0\s+0\s+0\s+0\s+0$/m);
});

it("prints every figure as JSON with --json", async () => {
  const lines = captured();
  await adminStats(trpcClient(t.db, analystToken), options({ json: true }));
  const json = JSON.parse(lines.join("\n")) as { overview: { total: { credits: string; calls: number } }; byModel: { rows: { key: string }[] }; activeUsers: { days: unknown[] } };
  expect(json.overview.total).toMatchObject({ credits: "7", calls: 3 });
  expect(json.byModel.rows.map((r) => r.key)).toEqual(["premium", "llama"]);
  expect(json.activeUsers.days).toHaveLength(31);
});

it("names the wrong option before calling the API", async () => {
  const api = trpcClient(t.db, analystToken);
  await expect(adminStats(api, options({ granularity: "hour" }))).rejects.toThrow("--granularity must be one of day, week, month");
  await expect(adminStats(api, options({ from: "2026-04-01" }))).rejects.toThrow("--to: `to` must be after `from`");
  await expect(adminStats(api, options({ from: "March" }))).rejects.toThrow(/^--from: /);
  await expect(adminStats(api, options({ price: "free" }))).rejects.toThrow(/^--price: /);
  await expect(adminStats(api, options({ top: "0" }))).rejects.toThrow("--top must be a whole number from 1 to 100");
});

it("is refused to a user who is not staff", async () => {
  await expect(adminStats(trpcClient(t.db, userToken), options())).rejects.toMatchObject({ data: { appCode: "admin_only" } });
});

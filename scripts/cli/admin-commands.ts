/**
 * `admin stats`: the admin console's analytics (PRODUCT.md 9) from the command line, through the
 * same `admin.analytics.*` API the Analytics page calls, so PANTHEON_TOKEN must be an owner's or an
 * analyst's. Text tables by default, or every figure as JSON with --json.
 */
import type { Command } from "commander";
import { analyticsOverviewInput, DEFAULT_USD_PER_CREDIT, granularities, type Granularity } from "../../src/server/domain/admin/analytics.ts";
import type { ApiClient } from "./api-client.ts";
import { printTable } from "./models-commands.ts";

const DAY_MS = 86_400_000;

export interface StatsOptions {
  from?: string;
  to?: string;
  granularity: string;
  price: string;
  top: string;
  json?: boolean;
}

const count = (n: number) => n.toLocaleString("en-US");
const pct = (rate: number | null) => (rate === null ? "-" : `${(rate * 100).toFixed(1)}%`);
const orDash = (v: number | string | null) => (v === null ? "-" : String(v));

/** Checks the options as the API would, and says which option is wrong in one line. */
function periodOf(opts: StatsOptions, now = new Date()) {
  const to = opts.to ?? now.toISOString().slice(0, 10);
  const from = opts.from ?? new Date(Date.parse(`${to.slice(0, 10)}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10);
  if (!granularities.includes(opts.granularity as Granularity)) throw new Error(`--granularity must be one of ${granularities.join(", ")}`);
  const top = Number(opts.top);
  if (!Number.isInteger(top) || top < 1 || top > 100) throw new Error("--top must be a whole number from 1 to 100");
  const input = { from, to, granularity: opts.granularity as Granularity, usdPerCredit: opts.price };
  const parsed = analyticsOverviewInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? "");
    throw new Error(`${field === "usdPerCredit" ? "--price" : field ? `--${field}` : "period"}: ${issue.message}`);
  }
  return { ...input, top };
}

/** Fetches every analytics figure of the period and prints it (tables, or JSON). */
export async function adminStats(api: ApiClient, opts: StatsOptions) {
  const p = periodOf(opts);
  const period = { from: p.from, to: p.to };
  // The overview first, alone: a refused token (not staff, expired) then stops at one request.
  const overview = await api.admin.analytics.overview.query({ ...period, granularity: p.granularity, usdPerCredit: p.usdPerCredit });
  const [activeUsers, byUser, byModel, byProvider, models, turns] = await Promise.all([
    api.admin.analytics.activeUsers.query(period),
    api.admin.analytics.breakdown.query({ ...period, by: "user", limit: p.top, usdPerCredit: p.usdPerCredit }),
    api.admin.analytics.breakdown.query({ ...period, by: "model", limit: 100, usdPerCredit: p.usdPerCredit }),
    api.admin.analytics.breakdown.query({ ...period, by: "provider", limit: 100, usdPerCredit: p.usdPerCredit }),
    api.admin.analytics.models.query(period),
    api.admin.analytics.turns.query({ ...period, granularity: p.granularity }),
  ]);
  if (opts.json) {
    console.log(JSON.stringify({ period: { ...period, granularity: p.granularity }, overview, activeUsers, byUser, byModel, byProvider, models, turns }, null, 2));
    return;
  }
  const print = (line: string) => console.log(line);
  const table = printTable;
  const t = overview.total;
  const last = activeUsers.days.at(-1);
  print(`${p.from} to ${p.to} (UTC), by ${p.granularity}`);
  print("");
  print(`active users ${count(t.activeUsers)}   new users ${count(t.newUsers)}   calls ${count(t.calls)}   tokens ${count(t.tokens)}`);
  if (last) print(`on ${last.day}: DAU ${count(last.dau)}, WAU ${count(last.wau)}, MAU ${count(last.mau)}`);
  print(`credits ${t.credits}   provider cost $${t.costUsd}   cost per credit ${t.costPerCreditUsd === null ? "-" : `$${t.costPerCreditUsd}`}`);
  print(`margin at $${t.usdPerCredit} a credit: $${t.marginUsd} (${pct(t.marginRate)})`);
  print("");
  table(
    [p.granularity, "active", "new", "calls", "tokens", "credits", "cost_usd", "margin_usd"],
    overview.buckets.map((b) => [b.start, count(b.activeUsers), count(b.newUsers), count(b.calls), count(b.tokens), b.credits, b.costUsd, b.marginUsd]),
    [1, 2, 3, 4, 5, 6, 7],
  );
  for (const [title, b] of [
    ["by model", byModel],
    ["by provider", byProvider],
    [`top ${p.top} users (of ${count(byUser.groups)})`, byUser],
  ] as const) {
    print("");
    print(`${title}:`);
    table(
      [title.startsWith("top") ? "user" : title.slice(3), "calls", "tokens", "credits", "cost_usd", "margin_usd"],
      b.rows.map((r) => [r.label, count(r.calls), count(r.tokens), r.credits, r.costUsd, r.marginUsd]),
      [1, 2, 3, 4, 5],
    );
  }
  print("");
  print("models (latency and first token of successful calls, ms):");
  table(
    ["model", "calls", "errors", "timeouts", "p50", "p95", "ttft_p50", "ttft_p95"],
    models.models.map((m) => [m.model, count(m.calls), pct(m.errorRate), pct(m.timeoutRate), orDash(m.latencyP50Ms), orDash(m.latencyP95Ms), orDash(m.ttftP50Ms), orDash(m.ttftP95Ms)]),
    [1, 2, 3, 4, 5, 6, 7],
  );
  print("");
  print(`turns (${count(turns.total)}):`);
  table(
    ["mode", "completed", "partial", "failed", "cancelled", "running", "queued", "total"],
    turns.byMode.map((m) => [m.mode, ...[m.completed, m.partial, m.failed, m.cancelled, m.running, m.queued, m.total].map(count)]),
    [1, 2, 3, 4, 5, 6, 7],
  );
}

export function registerAdminCommands(program: Command, api: ApiClient) {
  program
    .command("admin")
    .description("the admin console from the command line (PANTHEON_TOKEN of an owner or analyst)")
    .command("stats")
    .description("active users, calls, tokens, credits against provider cost, models' errors and latency, turns; the last 30 days unless --from/--to")
    .option("--from <date>", "first day (YYYY-MM-DD, UTC) or an ISO date-time")
    .option("--to <date>", "last day, included (YYYY-MM-DD), or an ISO date-time (excluded); default today")
    .option("--granularity <unit>", `buckets: ${granularities.join(", ")}`, "day")
    .option("--price <usd>", "price of a credit in USD, for the margin (credits have no price yet)", DEFAULT_USD_PER_CREDIT)
    .option("--top <n>", "how many top users", "10")
    .option("--json", "print every figure as JSON")
    .action((opts: StatsOptions) => adminStats(api, opts));
}

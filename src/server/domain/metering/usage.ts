/**
 * What users see of their metering (PRODUCT.md 7.5, the `usage` router): their wallet, their credit
 * transactions, their ledger rows and a summary of the ledger by day, model, room or agent. Every
 * read is scoped to the user; another user's id as a cursor gives an empty page. Money leaves here
 * as exact decimal strings, never as JS numbers.
 */
import { Decimal } from "decimal.js";
import { z } from "zod";
import type { Db } from "../../db.ts";
import { Prisma, type CreditTransaction, type LlmCallEvent } from "@/generated/prisma/client.ts";
import { pageArgs, pageInput, toPage } from "../pagination.ts";

export { getWallet } from "./wallet.ts";

const DAY_MS = 86_400_000;
/** The longest range a summary covers: a year (and a day, for a leap year counted inclusively). */
export const MAX_SUMMARY_DAYS = 366;

/** A decimal as plain digits (Decimal's toString switches to exponent notation below 1e-7). */
const plain = (value: Prisma.Decimal | Decimal | string) => new Decimal(value.toString()).toFixed();

// Both lists may be called with no input at all: the first page.
export const listTransactionsInput = z.object({ ...pageInput }).prefault({});
export const listUsageEventsInput = z.object({ ...pageInput }).prefault({});

export const summaryGroups = ["day", "model", "room", "agent"] as const;
export type SummaryGroup = (typeof summaryGroups)[number];

// A date (2026-03-01, a whole UTC day) or a date-time with an offset (2026-03-01T12:00:00Z).
const isoDate = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: "Use an ISO date (2026-03-01) or date-time (2026-03-01T12:00:00Z)" });

/**
 * `from` is inclusive; `to` is exclusive for a date-time and inclusive for a date (the whole day
 * counts). At most MAX_SUMMARY_DAYS apart.
 */
export const usageSummaryInput = z
  .object({ from: isoDate, to: isoDate, groupBy: z.enum(summaryGroups) })
  .transform((input, ctx) => {
    const from = new Date(input.from);
    const to = /^\d{4}-\d{2}-\d{2}$/.test(input.to) ? new Date(Date.parse(input.to) + DAY_MS) : new Date(input.to);
    if (to <= from) ctx.addIssue({ code: "custom", path: ["to"], message: "`to` must be after `from`" });
    else if (to.getTime() - from.getTime() > MAX_SUMMARY_DAYS * DAY_MS) ctx.addIssue({ code: "custom", path: ["to"], message: `A summary covers at most ${MAX_SUMMARY_DAYS} days` });
    return { from, to, groupBy: input.groupBy };
  });

export function toTransactionView(row: CreditTransaction) {
  return {
    id: row.id,
    kind: row.kind,
    amount: plain(row.amount),
    balanceAfter: plain(row.balanceAfter),
    referenceId: row.referenceId,
    initiatedBy: row.initiatedBy,
    note: row.note,
    createdAt: row.createdAt,
  };
}

/** The user's credit transactions, newest first. */
export async function listTransactions(db: Db, userId: string, input: z.infer<typeof listTransactionsInput>) {
  if (input.cursor && !(await db.creditTransaction.count({ where: { id: input.cursor, userId } }))) return toPage([], input.limit);
  const rows = await db.creditTransaction.findMany({ where: { userId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], ...pageArgs(input) });
  return toPage(rows.map(toTransactionView), input.limit);
}

/** A ledger row as the API gives it: every column, decimals as exact strings. */
export function toUsageEventView(row: LlmCallEvent) {
  return {
    ...row,
    oeTokens: plain(row.oeTokens),
    multiplier: plain(row.multiplier),
    creditsBurned: plain(row.creditsBurned),
    providerCostUsd: plain(row.providerCostUsd),
  };
}

/** The user's ledger rows (one per LLM call), newest first. */
export async function listUsageEvents(db: Db, userId: string, input: z.infer<typeof listUsageEventsInput>) {
  if (input.cursor && !(await db.llmCallEvent.count({ where: { id: input.cursor, userId } }))) return toPage([], input.limit);
  const rows = await db.llmCallEvent.findMany({ where: { userId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], ...pageArgs(input) });
  return toPage(rows.map(toUsageEventView), input.limit);
}

// The key and label of each grouping: fixed SQL, never built from input. A call outside any room
// is a direct chat's; one whose room and session are both gone (purged) is grouped as "deleted".
// Manager, synthesis and summary calls have no agent: "manager" and "summary".
const groupings: Record<SummaryGroup, { key: Prisma.Sql; label: Prisma.Sql; order: Prisma.Sql }> = {
  day: {
    key: Prisma.sql`to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
    label: Prisma.sql`to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
    order: Prisma.sql`key ASC`,
  },
  model: { key: Prisma.sql`e.model_alias`, label: Prisma.sql`e.model_alias`, order: Prisma.sql`sum(credits) DESC, key ASC` },
  room: {
    key: Prisma.sql`COALESCE(e.room_id::text, CASE WHEN e.session_id IS NULL THEN 'deleted' ELSE 'direct' END)`,
    label: Prisma.sql`COALESCE(r.name, CASE WHEN e.room_id IS NULL AND e.session_id IS NOT NULL THEN 'Direct chats' ELSE 'Deleted rooms' END)`,
    order: Prisma.sql`sum(credits) DESC, key ASC`,
  },
  agent: {
    key: Prisma.sql`COALESCE(e.agent_id::text, CASE WHEN e.call_purpose = 'summary' THEN 'summary' ELSE 'manager' END)`,
    label: Prisma.sql`COALESCE(a.name, '@' || e.agent_key, CASE WHEN e.call_purpose = 'summary' THEN 'Session summaries' ELSE 'Manager' END)`,
    order: Prisma.sql`sum(credits) DESC, key ASC`,
  },
};

interface SummaryRow {
  key: string;
  label: string;
  credits: string;
  calls: number;
  input_tokens: string;
  cached_tokens: string;
  output_tokens: string;
  tokens: string;
}

/**
 * The user's ledger between `from` and `to`, summed per day (UTC), model, room or agent: credits
 * (exact), calls and tokens. Groups with no calls are left out.
 */
export async function summarizeUsage(db: Db, userId: string, input: z.output<typeof usageSummaryInput>) {
  const g = groupings[input.groupBy];
  const rows = await db.$queryRaw<SummaryRow[]>`
    SELECT key, min(label) AS label, sum(credits)::text AS credits, count(*)::int AS calls,
           sum(fresh + cached)::text AS input_tokens, sum(cached)::text AS cached_tokens,
           sum(output)::text AS output_tokens, sum(total)::text AS tokens
    FROM (
      SELECT ${g.key} AS key, ${g.label} AS label, e.credits_burned AS credits,
             e.input_tokens_fresh AS fresh, e.input_tokens_cached AS cached, e.output_tokens AS output, e.total_tokens AS total
      FROM llm_call_events e
      LEFT JOIN rooms r ON r.id = e.room_id AND r.user_id = e.user_id
      LEFT JOIN agents a ON a.id = e.agent_id AND a.user_id = e.user_id
      WHERE e.user_id = ${userId}::uuid AND e.created_at >= ${input.from} AND e.created_at < ${input.to}
    ) calls
    GROUP BY key
    ORDER BY ${g.order}`;
  const groups = rows.map((row) => ({
    key: row.key,
    label: row.label,
    credits: plain(row.credits),
    calls: row.calls,
    tokens: Number(row.tokens),
    inputTokens: Number(row.input_tokens),
    cachedTokens: Number(row.cached_tokens),
    outputTokens: Number(row.output_tokens),
  }));
  return {
    from: input.from,
    to: input.to,
    groupBy: input.groupBy,
    groups,
    total: {
      credits: groups.reduce((sum, row) => sum.plus(row.credits), new Decimal(0)).toFixed(),
      calls: groups.reduce((sum, row) => sum + row.calls, 0),
      tokens: groups.reduce((sum, row) => sum + row.tokens, 0),
    },
  };
}

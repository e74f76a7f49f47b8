/**
 * What users see of their metering (PRODUCT.md 7.5, the `usage` router): their wallet, their credit
 * transactions, their ledger rows and a summary of what they were charged (LLM and tool calls) by
 * day, model, room or agent. Every read is scoped to the user; another user's id as a cursor gives an
 * empty page. Money leaves here as exact decimal strings, never as JS numbers.
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

// The key and label of each grouping, over the rows of `charged` below: fixed SQL, never built
// from input. A call outside any room is a direct chat's; one whose room and session are both gone
// (purged) is grouped as "deleted". Manager, synthesis and summary calls have no agent: "manager"
// and "summary". A tool call knows its room and agent only through its turn and step; once
// retention or a deletion has purged those, it is grouped as "purged" (still counted everywhere).
const groupings: Record<SummaryGroup, { key: Prisma.Sql; label: Prisma.Sql; order: Prisma.Sql }> = {
  day: {
    key: Prisma.sql`to_char(c.at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
    label: Prisma.sql`to_char(c.at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
    order: Prisma.sql`key ASC`,
  },
  model: { key: Prisma.sql`c.model_key`, label: Prisma.sql`c.model_label`, order: Prisma.sql`sum(credits) DESC, key ASC` },
  room: {
    key: Prisma.sql`COALESCE(c.room_id::text, CASE WHEN c.purged THEN 'purged' WHEN c.in_session THEN 'direct' ELSE 'deleted' END)`,
    label: Prisma.sql`COALESCE(c.room_name, CASE WHEN c.purged THEN 'Purged chats' WHEN c.room_id IS NULL AND c.in_session THEN 'Direct chats' ELSE 'Deleted rooms' END)`,
    order: Prisma.sql`sum(credits) DESC, key ASC`,
  },
  agent: {
    key: Prisma.sql`COALESCE(c.agent_id::text, CASE WHEN c.purged THEN 'purged' WHEN c.purpose = 'summary' THEN 'summary' ELSE 'manager' END)`,
    label: Prisma.sql`COALESCE(c.agent_name, '@' || c.agent_key, CASE WHEN c.purged THEN 'Purged chats' WHEN c.purpose = 'summary' THEN 'Session summaries' ELSE 'Manager' END)`,
    order: Prisma.sql`sum(credits) DESC, key ASC`,
  },
};

/** A tool's row in the by-model summary: its own key space, so a tool never merges with a model alias. */
export const TOOL_KEY_PREFIX = "tool:";

interface SummaryRow {
  key: string;
  label: string;
  credits: string;
  calls: number;
  tool_credits: string;
  tool_calls: number;
  input_tokens: string;
  cached_tokens: string;
  output_tokens: string;
  tokens: string;
}

/**
 * What the user was charged between `from` and `to`, summed per day (UTC), model, room or agent.
 * Two kinds of charge, so the totals are what the wallet was debited: LLM calls (the ledger, at
 * `created_at`) and paid tool calls (`tool_call_events` that succeeded with credits, at
 * `finished_at`, when their hold was settled; denied, failed and cancelled calls cost nothing).
 *
 * Per group: `credits` is everything charged (LLM and tool calls); `calls` and the token counts are
 * the LLM calls' only; `toolCredits` and `toolCalls` are the tool calls' part. A tool call counts
 * for the day it ended, the room of its turn and the agent of its step; by model, each tool is a row
 * of its own (key `tool:<name>`, label "<name> (tool)"). Groups with no charge are left out.
 */
export async function summarizeUsage(db: Db, userId: string, input: z.output<typeof usageSummaryInput>) {
  const g = groupings[input.groupBy];
  // `started_at < to` adds nothing (a call ends after it starts) but bounds the (user_id, started_at) index.
  const rows = await db.$queryRaw<SummaryRow[]>`
    WITH charged AS (
      SELECT e.created_at AS at, e.model_alias AS model_key, e.model_alias AS model_label,
             e.room_id, r.name AS room_name, e.session_id IS NOT NULL AS in_session, false AS purged,
             e.agent_id, a.name AS agent_name, e.agent_key, e.call_purpose::text AS purpose,
             e.credits_burned AS credits, 1 AS llm_call, 0 AS tool_call, 0::numeric AS tool_credits,
             e.input_tokens_fresh AS fresh, e.input_tokens_cached AS cached, e.output_tokens AS output, e.total_tokens AS total
      FROM llm_call_events e
      LEFT JOIN rooms r ON r.id = e.room_id AND r.user_id = e.user_id
      LEFT JOIN agents a ON a.id = e.agent_id AND a.user_id = e.user_id
      WHERE e.user_id = ${userId}::uuid AND e.created_at >= ${input.from} AND e.created_at < ${input.to}
      UNION ALL
      SELECT tc.finished_at, ${TOOL_KEY_PREFIX}::text || tc.tool, tc.tool || ' (tool)',
             cs.room_id, r.name, cs.id IS NOT NULL, t.id IS NULL,
             s.agent_id, a.name, s.agent_key, 'tool',
             tc.credits, 0, 1, tc.credits,
             0, 0, 0, 0
      FROM tool_call_events tc
      LEFT JOIN turn_steps s ON s.id = tc.step_id
      LEFT JOIN turns t ON t.id = tc.turn_id AND t.user_id = tc.user_id
      LEFT JOIN sessions cs ON cs.id = t.session_id
      LEFT JOIN rooms r ON r.id = cs.room_id AND r.user_id = tc.user_id
      LEFT JOIN agents a ON a.id = s.agent_id AND a.user_id = tc.user_id
      WHERE tc.user_id = ${userId}::uuid AND tc.status = 'succeeded' AND tc.credits > 0
        AND tc.finished_at >= ${input.from} AND tc.finished_at < ${input.to} AND tc.started_at < ${input.to}
    )
    SELECT key, min(label) AS label, sum(credits)::text AS credits, sum(llm_call)::int AS calls,
           sum(tool_credits)::text AS tool_credits, sum(tool_call)::int AS tool_calls,
           sum(fresh + cached)::text AS input_tokens, sum(cached)::text AS cached_tokens,
           sum(output)::text AS output_tokens, sum(total)::text AS tokens
    FROM (SELECT ${g.key} AS key, ${g.label} AS label, c.* FROM charged c) grouped
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
    toolCredits: plain(row.tool_credits),
    toolCalls: row.tool_calls,
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
      toolCredits: groups.reduce((sum, row) => sum.plus(row.toolCredits), new Decimal(0)).toFixed(),
      toolCalls: groups.reduce((sum, row) => sum + row.toolCalls, 0),
    },
  };
}

/**
 * Chat data retention (PRODUCT.md 3), run daily by `retention.chat`: what is older than
 * `retention.chat_days` goes (0 keeps everything), each row by its own time —
 *
 * - messages (user, assistant and tool messages: the tool traces), session summaries and turn
 *   events;
 * - turns that ended before the cutoff, with their steps (the user's input and each answer's text);
 * - files uploaded before the cutoff, with their chunks (the stored objects are removed by the next
 *   `files.sweep`, which deletes objects no file owns);
 * - tool calls' results, arguments, summaries and sources are cleared; the rows stay, with what
 *   metering needs (tool, status, credits, sizes, timings).
 *
 * Never purged here: the ledger (`llm_call_events`, whose turn, step and session references become
 * null), wallet transactions, the admin audit log, and rooms, sessions and agents themselves.
 * Each statement is one pass over its table, so a day's worth is cheap; the first run on an old
 * install does the backlog in the same few statements.
 */
import type { Db } from "../../db.ts";
import { Prisma } from "@/generated/prisma/client.ts";
import { activeTurnStatuses } from "../turns/turn-machine.ts";
import { getSettings } from "../settings/settings.ts";

export interface ChatPurgeReport {
  chatDays: number;
  /** Rows older than this went; null when chat data is kept forever (chat_days 0). */
  cutoff: string | null;
  messages: number;
  summaries: number;
  turnEvents: number;
  turns: number;
  files: number;
  toolResultsCleared: number;
}

export async function purgeChatData(db: Db, now = new Date()): Promise<ChatPurgeReport> {
  const chatDays = (await getSettings(db))["retention.chat_days"];
  const report: ChatPurgeReport = { chatDays, cutoff: null, messages: 0, summaries: 0, turnEvents: 0, turns: 0, files: 0, toolResultsCleared: 0 };
  if (chatDays === 0) return report;
  const cutoff = new Date(now.getTime() - chatDays * 86_400_000);
  report.cutoff = cutoff.toISOString();
  const active = Prisma.join(activeTurnStatuses.map((s) => Prisma.sql`${s}::turn_status`));

  report.messages = await db.$executeRaw`DELETE FROM messages WHERE created_at < ${cutoff}`;
  report.summaries = await db.$executeRaw`DELETE FROM session_summaries WHERE created_at < ${cutoff}`;
  report.turnEvents = await db.$executeRaw`DELETE FROM turn_events WHERE created_at < ${cutoff}`;
  // By the time it ended, so none of its (newer) messages go with it through the cascade.
  report.turns = await db.$executeRaw`
    DELETE FROM turns WHERE status NOT IN (${active}) AND COALESCE(finished_at, created_at) < ${cutoff}`;
  report.files = await db.$executeRaw`DELETE FROM files WHERE created_at < ${cutoff}`;
  report.toolResultsCleared = await db.$executeRaw`
    UPDATE tool_call_events SET result = NULL, arguments = '{}'::jsonb, summary = '', sources = '[]'::jsonb
    WHERE started_at < ${cutoff}
      AND (result IS NOT NULL OR arguments <> '{}'::jsonb OR summary <> '' OR sources <> '[]'::jsonb)`;
  return report;
}

/**
 * `turns.send` (PRODUCT.md 5.1): validates and creates a turn in one transaction — ownership, rate
 * limit, pending mode, roster, credits and context preflights, the turn and the user message, and
 * the `turn.run` job (job id = turn id) enqueued through the same transaction, so a turn exists if
 * and only if its job does. The same `clientRequestId` returns the same turn and creates nothing.
 */
import { randomUUID } from "node:crypto";
import type { PgBoss } from "pg-boss";
import { fromPrisma } from "pg-boss";
import { z } from "zod";
import type { Db } from "../../db.ts";
import { Prisma } from "@/generated/prisma/client.ts";
import { AppError } from "../../errors.ts";
import { findModel } from "../../llm/catalog.ts";
import { queues } from "../../jobs/queues.ts";
import { appendEventsInTx, type TurnEventBody } from "../../realtime/turn-events.ts";
import { applyPendingMode } from "../modes/room-mode.ts";
import { getSettings, type Settings } from "../settings/settings.ts";
import { text } from "../text.ts";
import { contextBudget, irreducibleTokens, type RosterEntry } from "./context.ts";
import { MANAGER_MAX_OUTPUT_TOKENS, MANAGER_ROLE, routingInstructions } from "./manager-prompts.ts";
import { checkCreditsForTurn, type FirstCall } from "./credits-preflight.ts";
import { parseTags, resolveTags } from "./tags.ts";
import { toTurnView } from "./turn-view.ts";

type Tx = Prisma.TransactionClient;

export const sendTurnInput = z.object({
  sessionId: z.uuid(),
  message: text().trim().min(1, "Write a message").max(20_000),
  clientRequestId: z.string().trim().min(1).max(200),
});

export interface SendDeps {
  db: Db;
  boss: PgBoss;
}

export async function sendTurn(deps: SendDeps, userId: string, input: z.infer<typeof sendTurnInput>) {
  const existing = await findByRequestId(deps.db, userId, input.clientRequestId);
  if (existing) return sameRequest(existing, input.sessionId);
  const settings = await getSettings(deps.db);
  try {
    const turn = await deps.db.$transaction((tx) => createTurn(tx, deps.boss, userId, input, settings), { timeout: 20_000 });
    // createTurn may hand back the turn of a racing send with this clientRequestId (see there).
    return sameRequest(turn, input.sessionId);
  } catch (error) {
    // Two sends with one clientRequestId raced: the loser returns the winner's turn.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      const winner = await findByRequestId(deps.db, userId, input.clientRequestId);
      if (winner) return sameRequest(winner, input.sessionId);
    }
    throw error;
  }
}

function findByRequestId(db: Db | Tx, userId: string, clientRequestId: string) {
  return db.turn.findUnique({ where: { userId_clientRequestId: { userId, clientRequestId } }, include: { steps: { orderBy: { index: "asc" } } } });
}

function sameRequest(turn: NonNullable<Awaited<ReturnType<typeof findByRequestId>>>, sessionId: string) {
  if (turn.sessionId !== sessionId) throw new AppError("conflict", "This clientRequestId was already used for another session.");
  return toTurnView(turn);
}

async function createTurn(tx: Tx, boss: PgBoss, userId: string, input: z.infer<typeof sendTurnInput>, settings: Settings) {
  // One send at a time per user, so the rate-limit count is exact under concurrency.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${userId}, 5))`;
  // Fix: two sends racing with one clientRequestId both miss the lookup in sendTurn; the lock
  // serialises them, so the loser finds the winner's turn here. Without this it went on to refuse
  // itself with `turn_in_progress` (the winner's turn is queued) instead of returning that turn.
  const raced = await findByRequestId(tx, userId, input.clientRequestId);
  if (raced) return raced;

  // Fix: FOR NO KEY UPDATE, not FOR UPDATE. It still serialises sends and deletes of the session,
  // but no longer blocks the KEY SHARE locks that inserting rows referencing it take (turn events,
  // ledger rows). A session summary's metered call holds the wallet (or the room, through its ledger
  // row) and then inserts those; with FOR UPDATE a send in that session that waited for the wallet
  // (the credits preflight) or the room (the pending mode) deadlocked with it.
  const [session] = await tx.$queryRaw<{ id: string; room_id: string | null; agent_id: string | null }[]>`
    SELECT id, room_id, agent_id FROM sessions WHERE id = ${input.sessionId}::uuid AND user_id = ${userId}::uuid AND deleted_at IS NULL FOR NO KEY UPDATE`;
  if (!session) throw new AppError("not_found", "No such session.");

  const active = await tx.turn.findFirst({ where: { sessionId: session.id, status: { in: ["queued", "running"] } }, select: { id: true } });
  if (active) throw new AppError("turn_in_progress", "A turn is still running in this session; wait for it or cancel it.", { turnId: active.id });

  await checkRateLimit(tx, userId, settings);

  const turnId = randomUUID();
  const events: TurnEventBody[] = [];
  let mode: "manual" | "roundtable" | "orchestrator" | "direct";
  let roster: RosterEntry[];
  let selected: RosterEntry[];
  let room: { name: string; goal: string } | null = null;
  // The settings that shape the turn's plan are fixed when it is sent: a resumed turn replays the
  // same plan even if an operator changes them meanwhile.
  const metadata: Record<string, unknown> = { settings: planSettings(settings) };

  if (session.room_id) {
    const liveRoom = await tx.room.findFirst({ where: { id: session.room_id, deletedAt: null } });
    if (!liveRoom) throw new AppError("not_found", "No such session.");
    room = { name: liveRoom.name, goal: liveRoom.goal };
    const applied = await applyPendingMode(tx, session.room_id, userId, turnId);
    mode = applied.mode;
    if (applied.applied) events.push({ type: "mode_applied", turnId, ...applied.applied });
    roster = await loadRoster(tx, session.room_id);
    if (mode === "manual") {
      const tags = parseTags(input.message);
      const { selected: tagged, unknown } = resolveTags(tags, roster);
      if (tagged.length === 0) {
        throw new AppError(
          "no_valid_tagged_agents",
          tags.length === 0 ? "Manual mode: tag at least one agent, like @key." : "None of the tagged agents is on this room's roster.",
          { unknownTags: unknown, rosterKeys: roster.map((a) => a.key) },
        );
      }
      selected = tagged;
      if (unknown.length) metadata.unknownTags = unknown;
    } else {
      if (roster.length === 0) throw new AppError("no_room_agents", "This room has no agents yet; add some in the room setup.");
      selected = roster;
    }
    await tx.room.update({ where: { id: session.room_id }, data: { lastActivityAt: new Date() } });
  } else {
    const agent = await tx.agent.findFirst({ where: { id: session.agent_id!, userId, deletedAt: null } });
    if (!agent) throw new AppError("not_found", "No such session.");
    mode = "direct";
    roster = [{ id: agent.id, key: agent.key, name: agent.name, model: agent.modelAlias, role: agent.rolePrompt }];
    selected = roster;
  }

  const summary = await tx.sessionSummary.findFirst({ where: { sessionId: session.id }, orderBy: { throughSeq: "desc" } });
  const firstCall = checkContextFits({ selected, roster, mode, room, summary: summary?.text ?? null, message: input.message, settings });
  await checkCreditsForTurn(tx, userId, firstCall, settings);

  const [counters] = await tx.$queryRaw<{ last_turn_index: number; last_seq: bigint }[]>`
    UPDATE sessions SET last_turn_index = last_turn_index + 1, last_seq = last_seq + 1, updated_at = now()
    WHERE id = ${session.id}::uuid RETURNING last_turn_index, last_seq`;
  const turn = await tx.turn.create({
    data: {
      id: turnId,
      sessionId: session.id,
      userId,
      index: counters!.last_turn_index,
      mode,
      userInput: input.message,
      rosterSnapshot: { roster, selected: selected.map((a) => a.key) } as unknown as Prisma.InputJsonValue,
      metadata: metadata as Prisma.InputJsonValue,
      clientRequestId: input.clientRequestId,
    },
    include: { steps: true },
  });
  await tx.message.create({ data: { sessionId: session.id, turnId, seq: counters!.last_seq, role: "user", content: input.message } });
  await appendEventsInTx(tx, session.id, events, turnId);
  await boss.send(queues.turnRun.name, queues.turnRun.schema.parse({ turnId }), { id: turnId, db: fromPrisma(tx) });
  return turn;
}

const planSettingKeys = ["turns.max_output_tokens", "orchestrator.max_rounds", "orchestrator.max_invocations", "orchestrator.manager_model"] as const;

function planSettings(settings: Settings) {
  return Object.fromEntries(planSettingKeys.map((key) => [key, settings[key]]));
}

async function loadRoster(tx: Tx, roomId: string): Promise<RosterEntry[]> {
  const rows = await tx.roomAgent.findMany({ where: { roomId, agent: { deletedAt: null } }, include: { agent: true }, orderBy: { position: "asc" } });
  return rows.map(({ agent }) => ({ id: agent.id, key: agent.key, name: agent.name, model: agent.modelAlias, role: agent.rolePrompt }));
}

/** Accepted turns in the last minute and hour (PRODUCT.md 5.1); refused sends never count. */
async function checkRateLimit(tx: Tx, userId: string, settings: Settings) {
  const perMinute = settings["turns.rate_limit_per_minute"];
  const perHour = settings["turns.rate_limit_per_hour"];
  // For each window, the limit-th newest turn in it: once that one leaves the window, a send fits again.
  const [row] = await tx.$queryRaw<{ minute_retry: number | null; hour_retry: number | null }[]>`
    WITH recent AS (
      SELECT created_at, row_number() OVER (ORDER BY created_at DESC) AS n
      FROM turns WHERE user_id = ${userId}::uuid AND created_at > now() - interval '1 hour'
    )
    SELECT
      (SELECT ceil(extract(epoch FROM created_at + interval '1 minute' - now()))::int FROM recent WHERE n = ${perMinute} AND created_at > now() - interval '1 minute') AS minute_retry,
      (SELECT ceil(extract(epoch FROM created_at + interval '1 hour' - now()))::int FROM recent WHERE n = ${perHour}) AS hour_retry`;
  for (const [retry, limit, window] of [[row?.minute_retry, perMinute, "minute"], [row?.hour_retry, perHour, "hour"]] as const) {
    if (retry === null || retry === undefined) continue;
    const retryAfterSeconds = Math.max(1, retry);
    throw new AppError("rate_limited", `Too many turns: at most ${limit} per ${window}. Try again in ${retryAfterSeconds} s.`, {
      retryAfterSeconds,
      limit,
      windowSeconds: window === "minute" ? 60 : 3600,
    });
  }
}

/**
 * Before any call is made: every selected agent's irreducible context (its system prompt with the
 * room, roster and summary, plus this message) must fit its model's budget; history and same-turn
 * outputs can always be trimmed at run time, so a turn never fails on context midway.
 */
function checkContextFits(args: {
  selected: RosterEntry[];
  roster: RosterEntry[];
  mode: string;
  room: { name: string; goal: string } | null;
  summary: string | null;
  message: string;
  settings: Settings;
}): FirstCall {
  const maxOutputTokens = args.settings["turns.max_output_tokens"];
  const calls: FirstCall[] = [];
  for (const agent of args.selected) {
    const budget = contextBudget(findModel(agent.model)?.contextWindow, args.settings["turns.max_output_tokens"]);
    const needed = irreducibleTokens({
      speaker: { key: agent.key, name: agent.name, rolePrompt: agent.role },
      mode: args.mode,
      room: args.room,
      roster: args.roster,
      summary: args.summary,
      history: [],
      userMessage: args.message,
      sameTurn: [],
    });
    if (needed > budget.input) {
      throw new AppError("context_budget_exceeded", `The message is too long for @${agent.key}'s model (${agent.model}): ${needed} tokens, budget ${budget.input}.`, {
        agentKey: agent.key,
        model: agent.model,
        neededTokens: needed,
        budgetTokens: budget.input,
        contextWindow: budget.contextWindow,
      });
    }
    calls.push({ modelAlias: agent.model, inputTokens: needed, maxOutputTokens });
  }
  // Fix: in orchestrator mode the manager model reads the message too (routing first, synthesis
  // last), and its window may be smaller than the specialists'. Unchecked, a message that fits the
  // specialists but not the manager passed here and overflowed mid-turn, after specialists were paid.
  if (args.mode === "orchestrator") {
    const model = args.settings["orchestrator.manager_model"];
    const budget = contextBudget(findModel(model)?.contextWindow, args.settings["turns.max_output_tokens"]);
    const needed = irreducibleTokens({
      speaker: { key: null, name: "Manager", rolePrompt: MANAGER_ROLE },
      mode: args.mode,
      room: args.room,
      roster: [],
      summary: args.summary,
      history: [],
      userMessage: args.message,
      sameTurn: [],
      // The longest of its prompts: routing, listing every specialist (as run-turn.ts builds it).
      instructions: routingInstructions({
        round: args.settings["orchestrator.max_rounds"],
        maxRounds: args.settings["orchestrator.max_rounds"],
        roster: args.roster,
        covered: args.roster.slice(0, 1).map((a) => ({ agentKey: a.key, agentName: a.name })),
        remainingInvocations: args.settings["orchestrator.max_invocations"],
      }),
    });
    if (needed > budget.input) {
      throw new AppError("context_budget_exceeded", `The message is too long for the orchestrator's manager model (${model}): ${needed} tokens, budget ${budget.input}.`, {
        agentKey: null,
        model,
        neededTokens: needed,
        budgetTokens: budget.input,
        contextWindow: budget.contextWindow,
      });
    }
    // The manager's routing comes first.
    return { modelAlias: model, inputTokens: needed, maxOutputTokens: MANAGER_MAX_OUTPUT_TOKENS };
  }
  return calls[0]!;
}

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
import type { Prisma } from "@/generated/prisma/client.ts";
import { isUniqueViolation } from "../../db-errors.ts";
import { AppError } from "../../errors.ts";
import { assertModelsInPlan, rateLimitsForPlan } from "../billing/plan-enforcement.ts";
import { planForUser } from "../billing/plans.ts";
import { queues } from "../../jobs/queues.ts";
import { appendEventsInTx, type TurnEventBody } from "../../realtime/turn-events.ts";
import { loadCatalog, type Catalog } from "../models/catalog.ts";
import { chooseModel } from "../models/model-choice.ts";
import { applyPendingMode } from "../modes/room-mode.ts";
import { nextTurn } from "../sessions/session-counters.ts";
import { getSettings, type Settings } from "../settings/settings.ts";
import { text } from "../text.ts";
import { assertFits } from "./context-preflight.ts";
import type { RosterEntry } from "./context.ts";
import { checkCreditsForTurn } from "./credits-preflight.ts";
import { parseTags, resolveTags } from "./tags.ts";
import type { PlanSettings, RosterSnapshot, TurnMetadata } from "./turn-json.ts";
import { activeTurnStatuses } from "./turn-machine.ts";
import { toTurnView } from "./turn-view.ts";

type Tx = Prisma.TransactionClient;

export const sendTurnInput = z.object({
  sessionId: z.uuid(),
  message: text().trim().min(1, "Write a message").max(20_000),
  clientRequestId: z.string().trim().min(1).max(200),
});
type SendTurnInput = z.infer<typeof sendTurnInput>;

export interface SendDeps {
  db: Db;
  boss: PgBoss;
}

/** What a send resolved to: who answers, in which mode, with what the preflights need. */
export interface TurnPlan {
  mode: "manual" | "roundtable" | "orchestrator" | "direct";
  room: { name: string; goal: string } | null;
  roster: RosterEntry[];
  selected: RosterEntry[];
  /** Events the send itself emits (a pending mode applied). */
  events: TurnEventBody[];
  unknownTags: string[];
}

/**
 * A message action on an earlier turn (message-actions.ts): the same send path and rules, with the
 * action recorded on the new turn. `guard` runs under the session's lock before anything else is
 * checked: it refuses a source in the wrong state, or returns the turn an earlier click of the same
 * action already created (so two clicks make one turn). `plan` replaces planning a send (a retry
 * runs one agent of the source turn). Retry and regenerate write no user message: the question is
 * the source's, already in the timeline; edit writes its new message.
 */
export interface TurnAction {
  action: "retry" | "regenerate" | "edit";
  sourceTurnId: string;
  writesUserMessage: boolean;
  guard: (tx: Tx) => Promise<CreatedTurn | null>;
  plan?: (tx: Tx, session: { roomId: string | null; agentId: string | null }) => Promise<TurnPlan>;
}

type CreatedTurn = NonNullable<Awaited<ReturnType<typeof findByRequestId>>>;

export async function sendTurn(deps: SendDeps, userId: string, input: SendTurnInput, action?: TurnAction) {
  const [settings, catalog] = await Promise.all([getSettings(deps.db), loadCatalog(deps.db)]);
  try {
    const turn = await deps.db.$transaction((tx) => createTurn(tx, deps.boss, userId, input, settings, catalog, action), { timeout: 20_000 });
    return sameRequest(turn, input.sessionId);
  } catch (error) {
    // Two sends with one clientRequestId raced past the lock's check: the loser returns the winner's turn.
    if (isUniqueViolation(error)) {
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

async function createTurn(tx: Tx, boss: PgBoss, userId: string, input: SendTurnInput, settings: Settings, catalog: Catalog, action?: TurnAction): Promise<CreatedTurn> {
  // One send at a time per user, so the rate-limit count is exact under concurrency, and a send
  // repeated with its clientRequestId (a retry, or two racing) finds the first one's turn here.
  // Two statements: the lookup's snapshot must be taken after the lock is held, so that it sees
  // the turn of a send that held the lock before.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${userId}, 5))`;
  const earlier = await findByRequestId(tx, userId, input.clientRequestId);
  if (earlier) return earlier;

  const session = await lockSession(tx, userId, input.sessionId);
  const derived = action ? await action.guard(tx) : null;
  if (derived) return derived;
  if (session.activeTurnId) throw new AppError("turn_in_progress", "A turn is still running in this session; wait for it or cancel it.", { turnId: session.activeTurnId });
  // The user's plan, read once: its rate limits replace the global ones, and it must allow every model.
  const { plan: userPlan } = await planForUser(tx, userId);
  await checkRateLimit(tx, userId, rateLimitsForPlan(userPlan, settings));

  const turnId = randomUUID();
  const plan = action?.plan
    ? await action.plan(tx, session)
    : session.roomId
      ? await planRoomTurn(tx, { roomId: session.roomId, userId, turnId, message: input.message }) : await planDirectTurn(tx, userId, session.agentId!);
  const managerModel = chooseModel(catalog, settings, "manager").alias;
  // The user's plan must allow every model the turn would call, checked before anything is paid.
  assertModelsInPlan(userPlan, [...plan.selected.map((a) => ({ model: a.model, agentKey: a.key })), ...(plan.mode === "orchestrator" ? [{ model: managerModel, agentKey: null }] : [])]);
  const firstCall = assertFits(plan, { summary: session.summary, message: input.message, settings, catalog, managerModel });
  await checkCreditsForTurn(tx, userId, firstCall, settings);

  const { index, seq } = await nextTurn(tx, session.id);
  const snapshot: RosterSnapshot = { roster: plan.roster, selected: plan.selected.map((a) => a.key) };
  const metadata: TurnMetadata = { settings: planSettings(settings, managerModel), ...(plan.unknownTags.length ? { unknownTags: plan.unknownTags } : {}) };
  const turn = await tx.turn.create({
    data: {
      id: turnId, sessionId: session.id, userId, index, mode: plan.mode, userInput: input.message, rosterSnapshot: snapshot, metadata, clientRequestId: input.clientRequestId,
      ...(action ? { action: action.action, sourceTurnId: action.sourceTurnId } : {}),
    },
  });
  if (!action || action.writesUserMessage) await tx.message.create({ data: { sessionId: session.id, turnId, seq, role: "user", content: input.message } });
  await appendEventsInTx(tx, session.id, plan.events, turnId);
  await boss.send(queues.turnRun.name, queues.turnRun.schema.parse({ turnId }), { id: turnId, db: fromPrisma(tx) });
  return { ...turn, steps: [] };
}

/**
 * The session, locked for this send, with its running turn (if any) and its latest summary.
 * FOR NO KEY UPDATE, not FOR UPDATE: it still serialises sends and deletes of the session, but does
 * not block the KEY SHARE locks that inserting rows referencing it take (turn events, ledger rows),
 * so a send cannot deadlock with the session's metered summary call, which holds the wallet (or the
 * room, through its ledger row) and then inserts those.
 */
async function lockSession(tx: Tx, userId: string, sessionId: string) {
  const [row] = await tx.$queryRaw<{ id: string; room_id: string | null; agent_id: string | null; active_turn_id: string | null; summary: string | null }[]>`
    SELECT s.id, s.room_id, s.agent_id,
      (SELECT t.id FROM turns t WHERE t.session_id = s.id AND t.status::text = ANY(${[...activeTurnStatuses]}::text[]) LIMIT 1) AS active_turn_id,
      (SELECT m.text FROM session_summaries m WHERE m.session_id = s.id ORDER BY m.through_seq DESC LIMIT 1) AS summary
    FROM sessions s WHERE s.id = ${sessionId}::uuid AND s.user_id = ${userId}::uuid AND s.deleted_at IS NULL
    FOR NO KEY UPDATE OF s`;
  if (!row) throw new AppError("not_found", "No such session.");
  return { id: row.id, roomId: row.room_id, agentId: row.agent_id, activeTurnId: row.active_turn_id, summary: row.summary };
}

/** A room's turn: the pending mode becomes current, then the roster is resolved for that mode. */
export async function planRoomTurn(tx: Tx, args: { roomId: string; userId: string; turnId: string; message: string }): Promise<TurnPlan> {
  // Locks the room (as applying a mode does) and reads whether a mode is pending.
  const [room] = await tx.$queryRaw<{ name: string; goal: string; current_mode: TurnPlan["mode"]; pending: boolean }[]>`
    UPDATE rooms SET last_activity_at = now() WHERE id = ${args.roomId}::uuid AND deleted_at IS NULL
    RETURNING name, goal, current_mode, pending_mode IS NOT NULL AS pending`;
  if (!room) throw new AppError("not_found", "No such session.");
  const applied = room.pending ? await applyPendingMode(tx, args.roomId, args.userId, args.turnId) : { mode: room.current_mode, applied: null };
  const events: TurnEventBody[] = applied.applied ? [{ type: "mode_applied", turnId: args.turnId, ...applied.applied }] : [];
  const roster = await loadRoster(tx, args.roomId);
  const plan = { mode: applied.mode, room: { name: room.name, goal: room.goal }, roster, events };
  if (applied.mode !== "manual") {
    if (roster.length === 0) throw new AppError("no_room_agents", "This room has no agents yet; add some in the room setup.");
    return { ...plan, selected: roster, unknownTags: [] };
  }
  const tags = parseTags(args.message);
  const { selected, unknown } = resolveTags(tags, roster);
  if (selected.length === 0) {
    throw new AppError(
      "no_valid_tagged_agents",
      tags.length === 0 ? "Manual mode: tag at least one agent, like @key." : "None of the tagged agents is on this room's roster.",
      { unknownTags: unknown, rosterKeys: roster.map((a) => a.key) },
    );
  }
  return { ...plan, selected, unknownTags: unknown };
}

/** A direct chat: its one agent, with no room around it. */
export async function planDirectTurn(tx: Tx, userId: string, agentId: string): Promise<TurnPlan> {
  const agent = await tx.agent.findFirst({ where: { id: agentId, userId, deletedAt: null } });
  if (!agent) throw new AppError("not_found", "No such session.");
  const roster = [{ id: agent.id, key: agent.key, name: agent.name, model: agent.modelAlias, role: agent.rolePrompt, tools: agent.toolPermissions }];
  return { mode: "direct", room: null, roster, selected: roster, events: [], unknownTags: [] };
}

function planSettings(settings: Settings, managerModel: string): PlanSettings {
  return {
    "turns.max_output_tokens": settings["turns.max_output_tokens"],
    "orchestrator.max_rounds": settings["orchestrator.max_rounds"],
    "orchestrator.max_invocations": settings["orchestrator.max_invocations"],
    "orchestrator.manager_model": managerModel,
  };
}

async function loadRoster(tx: Tx, roomId: string): Promise<RosterEntry[]> {
  const rows = await tx.roomAgent.findMany({ where: { roomId, agent: { deletedAt: null } }, include: { agent: true }, orderBy: { position: "asc" } });
  return rows.map(({ agent }) => ({ id: agent.id, key: agent.key, name: agent.name, model: agent.modelAlias, role: agent.rolePrompt, tools: agent.toolPermissions }));
}

/** Accepted turns in the last minute and hour (PRODUCT.md 5.1); refused sends never count. */
async function checkRateLimit(tx: Tx, userId: string, { perMinute, perHour }: { perMinute: number; perHour: number }) {
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

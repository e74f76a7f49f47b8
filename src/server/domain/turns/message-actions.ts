/**
 * Message actions (PRODUCT.md 11): retry a failed or cancelled step, regenerate the last turn, edit
 * the last message and resend. Each creates a new turn through the send path (send-turn.ts: rate
 * limit, credits and context preflights, transactional enqueue), recording `action` and
 * `sourceTurnId`; the source turn stays in the history as it was.
 *
 * What the timeline shows: retry and regenerate write no user message (the question is already on
 * screen, on the source turn); edit writes its new message. A turn is "edited" when a newer turn has
 * `action: 'edit'` and `sourceTurnId` = its id (the UI derives it; turns.list pages newest first,
 * so the newer turn is always loaded before the one it edits).
 *
 * What the agents read (run-turn.ts, through `historyFilter`): the question of a retry or
 * regenerate is the turn's `userInput`, so the source's user message is left out of its history
 * (no question twice); a regenerated turn's answers, and an edited turn's message and answers, are
 * left out of every later context: they were replaced.
 *
 * Clicked twice: the same `clientRequestId` returns the same turn (send path). Two different clicks
 * for the same source and action are serialised by the user's send lock and the session's row
 * lock, and the second finds the first one's turn (`guard`) and returns it: one turn per source
 * and action (per source step for a retry).
 */
import { z } from "zod";
import type { Prisma, TurnAction as TurnActionKind } from "@/generated/prisma/client.ts";
import type { Db } from "../../db.ts";
import { AppError } from "../../errors.ts";
import { text } from "../text.ts";
import type { RosterEntry } from "./context.ts";
import { sendTurn, type SendDeps, type TurnAction, type TurnPlan } from "./send-turn.ts";
import { rosterSnapshot } from "./turn-json.ts";
import { isTurnActive } from "./turn-machine.ts";

type Tx = Prisma.TransactionClient;

const clientRequestId = z.string().trim().min(1).max(200);
export const retryStepInput = z.object({ stepId: z.uuid(), clientRequestId });
export const regenerateTurnInput = z.object({ turnId: z.uuid(), clientRequestId });
export const editTurnInput = z.object({ turnId: z.uuid(), message: text().trim().min(1, "Write a message").max(20_000), clientRequestId });

const withSteps = { steps: { orderBy: { index: "asc" as const } } };

/** The turn an earlier click of this action on `sourceTurnId` created, if any (newest first). */
function derivedTurns(tx: Tx, sourceTurnId: string, action: TurnActionKind) {
  return tx.turn.findMany({ where: { sourceTurnId, action }, orderBy: { index: "desc" }, include: withSteps });
}

/** Refuses unless `turn` is its session's latest turn and has ended (regenerate and edit). */
async function assertLatestEnded(tx: Tx, turn: { id: string; sessionId: string; index: number; status: string }, what: string) {
  const newer = await tx.turn.count({ where: { sessionId: turn.sessionId, index: { gt: turn.index } } });
  if (newer > 0) throw new AppError("unprocessable", `Only the last turn can be ${what}.`, { turnId: turn.id });
  if (isTurnActive(turn.status as never)) throw new AppError("turn_in_progress", "This turn is still running; wait for it or cancel it.", { turnId: turn.id });
}

async function ownedTurn(db: Db, userId: string, turnId: string) {
  const turn = await db.turn.findFirst({ where: { id: turnId, userId, session: { deletedAt: null } } });
  if (!turn) throw new AppError("not_found", "No such turn.");
  return turn;
}

/** `turns.retry`: a new turn that runs only the step's agent, as it was in the source turn, on the same input. */
export async function retryStep(deps: SendDeps, userId: string, input: z.infer<typeof retryStepInput>) {
  const step = await deps.db.turnStep.findFirst({ where: { id: input.stepId, turn: { userId, session: { deletedAt: null } } }, include: { turn: true } });
  if (!step) throw new AppError("not_found", "No such step.");
  const source = step.turn;
  if (step.kind !== "agent" || !step.agentKey) throw new AppError("unprocessable", "Only an agent's step can be retried.", { stepId: step.id, kind: step.kind });
  const agentKey = step.agentKey;
  const action: TurnAction = {
    action: "retry",
    sourceTurnId: source.id,
    writesUserMessage: false,
    guard: async (tx) => {
      const earlier = (await derivedTurns(tx, source.id, "retry")).find((t) => rosterSnapshot.parse(t.rosterSnapshot).selected.includes(agentKey));
      if (earlier) return earlier;
      // Read under the session lock: the step's status as it is now, not as it was before the lock.
      const now = await tx.turnStep.findUniqueOrThrow({ where: { id: step.id }, select: { status: true } });
      if (now.status !== "failed" && now.status !== "cancelled") {
        throw new AppError("unprocessable", `Only a failed or cancelled step can be retried; this one is ${now.status}.`, { stepId: step.id, status: now.status });
      }
      return null;
    },
    plan: async () => {
      const snapshot = rosterSnapshot.parse(source.rosterSnapshot);
      // The agent as it was in the source turn (model, role, tools); a step outside the snapshot
      // (an old turn) is rebuilt from what the step recorded.
      const entry: RosterEntry = snapshot.roster.find((a) => a.key === agentKey) ?? {
        id: step.agentId ?? "",
        key: agentKey,
        name: step.agentName ?? agentKey,
        model: step.modelAlias,
        role: "",
        tools: [],
      };
      const room = await roomOf(deps.db, source.sessionId);
      return { mode: source.mode, room, roster: snapshot.roster.length ? snapshot.roster : [entry], selected: [entry], events: [], unknownTags: [] } satisfies TurnPlan;
    },
  };
  return sendTurn(deps, userId, { sessionId: source.sessionId, message: source.userInput, clientRequestId: input.clientRequestId }, action);
}

async function roomOf(db: Db, sessionId: string) {
  const session = await db.chatSession.findUnique({ where: { id: sessionId }, select: { room: { select: { name: true, goal: true } } } });
  return session?.room ?? null;
}

/** `turns.regenerate`: the last turn's input again, planned as a send of it would be now. */
export async function regenerateTurn(deps: SendDeps, userId: string, input: z.infer<typeof regenerateTurnInput>) {
  const source = await ownedTurn(deps.db, userId, input.turnId);
  const action: TurnAction = {
    action: "regenerate",
    sourceTurnId: source.id,
    writesUserMessage: false,
    guard: async (tx) => {
      const [earlier] = await derivedTurns(tx, source.id, "regenerate");
      if (earlier) return earlier;
      await assertLatestEnded(tx, await tx.turn.findUniqueOrThrow({ where: { id: source.id } }), "regenerated");
      return null;
    },
  };
  return sendTurn(deps, userId, { sessionId: source.sessionId, message: source.userInput, clientRequestId: input.clientRequestId }, action);
}

/** `turns.edit`: the last message, changed and sent again as a new turn; the old turn stays, marked edited. */
export async function editTurn(deps: SendDeps, userId: string, input: z.infer<typeof editTurnInput>) {
  const source = await ownedTurn(deps.db, userId, input.turnId);
  const action: TurnAction = {
    action: "edit",
    sourceTurnId: source.id,
    writesUserMessage: true,
    guard: async (tx) => {
      const [earlier] = await derivedTurns(tx, source.id, "edit");
      if (earlier) {
        if (earlier.userInput === input.message) return earlier;
        throw new AppError("unprocessable", "This message was already edited; edit the newer one.", { turnId: earlier.id });
      }
      await assertLatestEnded(tx, await tx.turn.findUniqueOrThrow({ where: { id: source.id } }), "edited");
      return null;
    },
  };
  return sendTurn(deps, userId, { sessionId: source.sessionId, message: input.message, clientRequestId: input.clientRequestId }, action);
}

/**
 * Which of a session's messages a turn's agents do not read (see the header): `dropped` are turn
 * ids whose messages are all left out, `answersDropped` those whose assistant and tool messages
 * are, and `question` the user message the running turn asks again itself.
 */
export async function historyFilter(db: Db, turn: { id: string; sessionId: string; action: TurnActionKind; sourceTurnId: string | null }) {
  const turns = await db.turn.findMany({ where: { sessionId: turn.sessionId, action: { not: "send" } }, select: { id: true, action: true, sourceTurnId: true } });
  const dropped = new Set<string>();
  const answersDropped = new Set<string>();
  for (const t of turns) {
    if (!t.sourceTurnId) continue;
    if (t.action === "edit") dropped.add(t.sourceTurnId);
    if (t.action === "regenerate") answersDropped.add(t.sourceTurnId);
  }
  // The turn whose user message holds the question: follow retries and regenerations back to a send or an edit.
  let question: string | null = null;
  if (turn.action === "retry" || turn.action === "regenerate") {
    const byId = new Map(turns.map((t) => [t.id, t]));
    let id: string | null = turn.sourceTurnId;
    for (let hops = 0; id && hops < 1000; hops++) {
      const t = byId.get(id);
      if (!t || t.action === "send" || t.action === "edit") break;
      id = t.sourceTurnId;
    }
    question = id;
  }
  return (m: { turnId: string | null; role: string }) =>
    !m.turnId || (!dropped.has(m.turnId) && !(answersDropped.has(m.turnId) && m.role !== "user") && !(m.turnId === question && m.role === "user"));
}

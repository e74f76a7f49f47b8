/** Reading and cancelling turns (`turns.byId`, `turns.list`, `turns.cancel`). Owned: another user's id is NOT_FOUND. */
import { Decimal } from "decimal.js";
import type { PgBoss } from "pg-boss";
import { z } from "zod";
import type { Db } from "../../db.ts";
import { AppError } from "../../errors.ts";
import { queues } from "../../jobs/queues.ts";
import { appendEventsInTx, latestEventId } from "../../realtime/turn-events.ts";
import { pageInput } from "../pagination.ts";
import { activeTurnStatuses, isTurnActive } from "./turn-machine.ts";
import { toTurnView, type TurnCredits } from "./turn-view.ts";

export const listTurnsInput = z.object({ sessionId: z.uuid(), ...pageInput });

const withSteps = { steps: { orderBy: { index: "asc" as const }, include: { toolCalls: { orderBy: [{ attempt: "asc" as const }, { callIndex: "asc" as const }] } } } };

export async function getTurn(db: Db, userId: string, id: string) {
  const turn = await db.turn.findFirst({ where: { id, userId }, include: withSteps });
  if (!turn) throw new AppError("not_found", "No such turn.");
  return toTurnView(turn, await creditsOf(db, userId, [turn.id]));
}

/** The credits of these turns and of their steps: their ledger rows and their tool calls. */
export async function creditsOf(db: Db, userId: string, turnIds: string[]): Promise<TurnCredits> {
  if (turnIds.length === 0) return { steps: new Map(), turns: new Map() };
  const [calls, tools] = await Promise.all([
    db.llmCallEvent.groupBy({ by: ["turnId", "stepId"], where: { userId, turnId: { in: turnIds } }, _sum: { creditsBurned: true } }),
    db.toolCallEvent.groupBy({ by: ["turnId", "stepId"], where: { userId, turnId: { in: turnIds } }, _sum: { credits: true } }),
  ]);
  const rows = [
    ...calls.map((r) => ({ turnId: r.turnId, stepId: r.stepId, sum: r._sum.creditsBurned })),
    ...tools.map((r) => ({ turnId: r.turnId, stepId: r.stepId, sum: r._sum.credits })),
  ];
  const steps = new Map<string, Decimal>();
  const turns = new Map<string, Decimal>();
  for (const row of rows) {
    const sum = new Decimal((row.sum ?? 0).toString());
    if (row.stepId) steps.set(row.stepId, (steps.get(row.stepId) ?? new Decimal(0)).plus(sum));
    if (row.turnId) turns.set(row.turnId, (turns.get(row.turnId) ?? new Decimal(0)).plus(sum));
  }
  const fixed = (map: Map<string, Decimal>) => new Map([...map].map(([id, sum]) => [id, sum.toFixed()]));
  return { steps: fixed(steps), turns: fixed(turns) };
}

/**
 * A session's turns, newest first, with `streamFrom`: the event id to subscribe after so that the
 * page sees the running turn's progress from its start (its streamed text is only in events until
 * each step ends) and then everything that follows, with no gap.
 */
export async function listTurns(db: Db, userId: string, input: z.infer<typeof listTurnsInput>) {
  const session = await db.chatSession.findFirst({ where: { id: input.sessionId, userId, deletedAt: null }, select: { id: true } });
  if (!session) throw new AppError("not_found", "No such session.");
  // Read before the turns, so an event committed in between is replayed rather than missed.
  const latest = await latestEventId(db, session.id);
  const rows = await db.turn.findMany({
    where: { sessionId: session.id, ...(input.cursor ? { index: { lt: await cursorIndex(db, session.id, input.cursor) } } : {}) },
    orderBy: { index: "desc" },
    take: input.limit + 1,
    include: withSteps,
  });
  const page = rows.slice(0, input.limit);
  const credits = await creditsOf(db, userId, page.map((t) => t.id));
  const items = page.map((turn) => toTurnView(turn, credits));
  const active = items.find((t) => isTurnActive(t.status));
  let streamFrom = latest;
  if (active) {
    const first = await db.turnEvent.findFirst({ where: { sessionId: session.id, turnId: active.id, id: { lte: latest } }, orderBy: { id: "asc" }, select: { id: true } });
    if (first) streamFrom = first.id - 1n;
  }
  return { items, nextCursor: rows.length > input.limit ? (items.at(-1)?.id ?? null) : null, streamFrom: streamFrom.toString() };
}

async function cursorIndex(db: Db, sessionId: string, cursor: string): Promise<number> {
  const turn = await db.turn.findFirst({ where: { id: cursor, sessionId }, select: { index: true } });
  // A cursor from elsewhere (or another user's turn) gives an empty page, never someone's data.
  return turn?.index ?? -1;
}

/**
 * Asks a turn to stop. A queued turn is cancelled at once; a running one stops when its worker sees
 * cancel_requested_at (within a second; see turn-stop.ts) and aborts the call in flight
 * (partial text kept). A turn that already ended is returned unchanged.
 */
export async function cancelTurn(deps: { db: Db; boss: PgBoss }, userId: string, turnId: string) {
  const { db } = deps;
  const turn = await db.turn.findFirst({ where: { id: turnId, userId } });
  if (!turn) throw new AppError("not_found", "No such turn.");
  if (isTurnActive(turn.status)) {
    const endedHere = await db.$transaction(async (tx) => {
      await tx.turn.updateMany({ where: { id: turnId, status: { in: [...activeTurnStatuses] }, cancelRequestedAt: null }, data: { cancelRequestedAt: new Date() } });
      // Not yet picked up: no worker will start it now (it checks cancel_requested_at), so end it here.
      const { count } = await tx.turn.updateMany({ where: { id: turnId, status: "queued" }, data: { status: "cancelled", finishedAt: new Date() } });
      if (count) await appendEventsInTx(tx, turn.sessionId, [{ type: "turn_cancelled", turnId }]);
      return count > 0;
    });
    // Fix: only the job of a turn ended here is cancelled. A running turn's job must stay
    // retryable: cancelled, it was never retried, so a turn whose worker had died stayed running.
    if (endedHere) await deps.boss.cancel(queues.turnRun.name, turnId);
  }
  return getTurn(db, userId, turnId);
}

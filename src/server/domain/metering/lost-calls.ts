/**
 * Calls whose worker died mid-call: the request may well have reached the provider, so each gets
 * its ledger row — status `error`, `worker_lost`, usage estimated (the input counted when it was
 * reserved, the output from what it had streamed) — and its reservation is released. Used by the
 * next attempt of the step (step-runner.ts) and by the sweep of turns that were given up.
 */
import type { Db } from "../../db.ts";
import type { TurnStep } from "@/generated/prisma/client.ts";
import { countTextTokens } from "../../llm/tokenizer.ts";
import { settleCall, type CallAttribution, type CallPurpose } from "./meter.ts";
import { endLostToolCalls, isToolCallKey } from "../tools/tool-calls.ts";

export const purposeOf: Record<TurnStep["kind"], CallPurpose> = {
  agent: "agent_reply",
  manager_route: "route",
  manager_evaluate: "evaluate",
  synthesis: "synthesis",
  summary: "summary",
};

export function attributionOf(
  turn: { id: string; sessionId: string; userId: string; mode: string },
  roomId: string | null,
  step: Pick<TurnStep, "id" | "kind" | "agentId" | "agentKey" | "modelAlias">,
): CallAttribution {
  return {
    userId: turn.userId,
    roomId,
    sessionId: turn.sessionId,
    turnId: turn.id,
    stepId: step.id,
    agentId: step.agentId,
    agentKey: step.agentKey,
    purpose: purposeOf[step.kind],
    mode: turn.mode,
    modelAlias: step.modelAlias,
  };
}

/** Settles the reservation `key` (left by a dead attempt of `step`), if it is still there. */
export async function settleLostCall(db: Db, call: CallAttribution, step: Pick<TurnStep, "id" | "startedAt">, key: string): Promise<boolean> {
  const reservation = await db.walletReservation.findUnique({ where: { key } });
  if (!reservation) return false;
  // What the dead attempt had streamed: the deltas after the step's last start.
  const [streamed] = await db.$queryRaw<{ text: string | null }[]>`
    SELECT string_agg(payload->>'text', '' ORDER BY id) AS text FROM turn_events
    WHERE turn_id = ${call.turnId}::uuid AND type = 'step_delta' AND payload->>'stepId' = ${step.id}
      AND id > COALESCE((SELECT max(id) FROM turn_events WHERE turn_id = ${call.turnId}::uuid AND type = 'step_started' AND payload->>'stepId' = ${step.id}), 0)`;
  await db.$transaction((tx) =>
    settleCall(tx, call, key, {
      status: "error",
      errorCode: "worker_lost",
      inputTokens: reservation.inputTokens,
      cachedTokens: 0,
      outputTokens: countTextTokens(streamed?.text ?? ""),
      usageSource: "estimated",
      requestId: null,
      latencyMs: null,
      ttftMs: null,
      startedAt: step.startedAt ?? reservation.createdAt,
    }),
  );
  return true;
}

/** Every reservation a given-up turn still holds (keys are `turn:step:attempt`). */
export async function settleTurnReservations(db: Db, turnId: string): Promise<number> {
  const turn = await db.turn.findUnique({ where: { id: turnId }, include: { session: { select: { roomId: true } }, steps: true } });
  if (!turn) return 0;
  // Tool calls left running end cancelled, which releases their holds (nothing is charged).
  await endLostToolCalls(db, { id: turn.id, sessionId: turn.sessionId, userId: turn.userId, roomId: turn.session.roomId });
  const reservations = await db.walletReservation.findMany({ where: { key: { startsWith: `${turnId}:` } } });
  let settled = 0;
  for (const reservation of reservations) {
    if (isToolCallKey(reservation.key)) continue;
    const index = Number(reservation.key.split(":")[1]);
    const step = turn.steps.find((s) => s.index === index);
    if (!step) {
      // Reserved in a start transaction that never committed its step: nothing was called. The
      // delete decides who releases it, so two sweeps at once cannot release it twice.
      await db.$transaction(async (tx) => {
        const [released] = await tx.$queryRaw<{ amount: string }[]>`DELETE FROM wallet_reservations WHERE key = ${reservation.key} RETURNING amount::text`;
        if (released) await tx.$executeRaw`UPDATE credit_wallets SET reserved = reserved - ${released.amount}::numeric WHERE user_id = ${reservation.userId}::uuid`;
      });
      continue;
    }
    if (await settleLostCall(db, attributionOf(turn, turn.session.roomId, step), step, reservation.key)) settled++;
  }
  return settled;
}

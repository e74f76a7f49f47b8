/**
 * The mode state machine applied to rooms in the database: compare-and-set on mode_version, one
 * audit row per change, in the same transaction.
 */
import { z } from "zod";
import type { Db } from "../../db.ts";
import type { Prisma } from "@/generated/prisma/client.ts";
import { AppError } from "../../errors.ts";
import { getLiveRoom } from "../rooms/rooms.ts";
import { allowedEvents, modes, transition, type ModeState } from "./machine.ts";

type Tx = Prisma.TransactionClient;

export const setModeInput = z.object({ roomId: z.uuid(), mode: z.enum(modes), expectedVersion: z.number().int().min(0).optional() });
export const modeHistoryInput = z.object({
  roomId: z.uuid(),
  cursor: z.string().regex(/^\d{1,18}$/, "Not a history cursor").optional(),
  limit: z.number().int().min(1).max(100).default(50),
});

function view(state: ModeState) {
  return { currentMode: state.current, pendingMode: state.pending, version: state.version, allowedEvents: allowedEvents(state) };
}

export async function getMode(db: Db, userId: string, roomId: string) {
  const room = await getLiveRoom(db, userId, roomId);
  return view({ current: room.currentMode, pending: room.pendingMode, version: room.modeVersion });
}

/**
 * Writes the pending mode only (never the current one). With `expectedVersion`, a stale version is
 * a CONFLICT and changes nothing; without it, a concurrent change is retried on the fresh state.
 */
export async function setMode(db: Db, userId: string, input: z.infer<typeof setModeInput>) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const room = await getLiveRoom(db, userId, input.roomId);
    const state: ModeState = { current: room.currentMode, pending: room.pendingMode, version: room.modeVersion };
    if (input.expectedVersion !== undefined && input.expectedVersion !== state.version) {
      throw new AppError("conflict", "The mode was changed meanwhile.", { version: state.version });
    }
    const next = transition(state, { type: "set", mode: input.mode });
    if (!next.audit) return view(state);
    const written = await db.$transaction(async (tx) => {
      const { count } = await tx.room.updateMany({
        where: { id: room.id, userId, deletedAt: null, modeVersion: state.version },
        data: { pendingMode: next.state.pending, modeVersion: next.state.version, lastActivityAt: new Date() },
      });
      if (count === 0) return false;
      await tx.modeTransition.create({
        data: { roomId: room.id, fromMode: next.audit!.from, toMode: next.audit!.to, kind: next.audit!.kind, version: next.state.version, actorId: userId },
      });
      return true;
    });
    if (written) return view(next.state);
    if (input.expectedVersion !== undefined) throw new AppError("conflict", "The mode was changed meanwhile.");
  }
  throw new AppError("conflict", "The mode keeps changing; try again.");
}

/**
 * For the send path: inside the transaction that creates a turn, the pending mode (if any) becomes
 * current and is audited as `applied` with the turn. Returns the effective mode and what changed.
 */
export async function applyPendingMode(tx: Tx, roomId: string, actorId: string, turnId: string) {
  const [room] = await tx.$queryRaw<{ current_mode: ModeState["current"]; pending_mode: ModeState["pending"]; mode_version: number }[]>`
    SELECT current_mode, pending_mode, mode_version FROM rooms WHERE id = ${roomId}::uuid FOR UPDATE`;
  if (!room) throw new AppError("not_found", "No such room.");
  const state: ModeState = { current: room.current_mode, pending: room.pending_mode, version: room.mode_version };
  const next = transition(state, { type: "send" });
  if (!next.audit) return { mode: state.current, applied: null };
  await tx.room.update({ where: { id: roomId }, data: { currentMode: next.state.current, pendingMode: null, modeVersion: next.state.version } });
  await tx.modeTransition.create({
    data: { roomId, fromMode: next.audit.from, toMode: next.audit.to, kind: "applied", version: next.state.version, actorId, turnId },
  });
  return { mode: next.state.current, applied: { from: next.audit.from!, to: next.audit.to! } };
}

export async function modeHistory(db: Db, userId: string, input: z.infer<typeof modeHistoryInput>) {
  await getLiveRoom(db, userId, input.roomId);
  const rows = await db.modeTransition.findMany({
    where: { roomId: input.roomId, ...(input.cursor ? { id: { lt: BigInt(input.cursor) } } : {}) },
    orderBy: { id: "desc" },
    take: input.limit + 1,
  });
  const items = rows.slice(0, input.limit).map((r) => ({ ...r, id: r.id.toString() }));
  return { items, nextCursor: rows.length > input.limit ? (items.at(-1)?.id ?? null) : null };
}

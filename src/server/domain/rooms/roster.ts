/**
 * A room's roster: agents in order, positions dense 1..n and unique. Every change locks the room
 * row first, so concurrent adds, removes and reorders of one room run one after the other.
 * Positions are moved in two steps (out of the way, then into place) so the unique index never
 * sees two agents on one position.
 */
import type { Prisma } from "@/generated/prisma/client.ts";
import { AppError } from "../../errors.ts";

type Tx = Prisma.TransactionClient;

const PARKED = 1_000_000;

export async function lockRoom(tx: Tx, roomId: string) {
  await tx.$queryRaw`SELECT id FROM rooms WHERE id = ${roomId}::uuid FOR UPDATE`;
}

/** Renumbers the roster 1..n in its current order. */
export async function compactRoster(tx: Tx, roomId: string) {
  await tx.$executeRaw`UPDATE room_agents SET position = position + ${PARKED} WHERE room_id = ${roomId}::uuid`;
  await tx.$executeRaw`
    UPDATE room_agents ra SET position = o.rank
    FROM (SELECT agent_id, row_number() OVER (ORDER BY position) AS rank FROM room_agents WHERE room_id = ${roomId}::uuid) o
    WHERE ra.room_id = ${roomId}::uuid AND ra.agent_id = o.agent_id`;
}

export async function insertIntoRoster(tx: Tx, roomId: string, agentId: string, position?: number) {
  const size = await tx.roomAgent.count({ where: { roomId } });
  if (await tx.roomAgent.findUnique({ where: { roomId_agentId: { roomId, agentId } } })) {
    throw new AppError("conflict", "That agent is already on the roster.");
  }
  const at = Math.min(Math.max(position ?? size + 1, 1), size + 1);
  await tx.$executeRaw`UPDATE room_agents SET position = position + ${PARKED} WHERE room_id = ${roomId}::uuid AND position >= ${at}`;
  await tx.$executeRaw`UPDATE room_agents SET position = position - ${PARKED} + 1 WHERE room_id = ${roomId}::uuid AND position >= ${PARKED}`;
  await tx.roomAgent.create({ data: { roomId, agentId, position: at } });
}

export async function removeFromRoster(tx: Tx, roomId: string, agentId: string) {
  const { count } = await tx.roomAgent.deleteMany({ where: { roomId, agentId } });
  if (count === 0) throw new AppError("not_found", "That agent is not on the roster.");
  await compactRoster(tx, roomId);
}

/** `agentIds` must be exactly the agents on the roster, in their new order. */
export async function reorderRoster(tx: Tx, roomId: string, agentIds: string[]) {
  const current = await tx.roomAgent.findMany({ where: { roomId }, select: { agentId: true } });
  const same = current.length === agentIds.length && new Set(agentIds).size === agentIds.length && current.every((r) => agentIds.includes(r.agentId));
  if (!same) throw new AppError("conflict", "The roster changed meanwhile; reload and try again.", { roster: current.map((r) => r.agentId) });
  await tx.$executeRaw`UPDATE room_agents SET position = position + ${PARKED} WHERE room_id = ${roomId}::uuid`;
  await tx.$executeRaw`
    UPDATE room_agents ra SET position = o.ord
    FROM unnest(${agentIds}::uuid[]) WITH ORDINALITY AS o(agent_id, ord)
    WHERE ra.room_id = ${roomId}::uuid AND ra.agent_id = o.agent_id`;
}

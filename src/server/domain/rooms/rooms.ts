/**
 * Rooms: their settings, soft delete with a 7-day restore window, and roster edits. Another user's
 * room behaves exactly like one that does not exist (not_found).
 */
import { z } from "zod";
import { text } from "../text.ts";
import type { Db } from "../../db.ts";
import { Prisma, type Room } from "@/generated/prisma/client.ts";
import { AppError } from "../../errors.ts";
import { allowedEvents, modes } from "../modes/machine.ts";
import { pageInput, toPage } from "../pagination.ts";
import { insertIntoRoster, lockRoom, removeFromRoster, reorderRoster } from "./roster.ts";

export const RESTORE_WINDOW_DAYS = 7;

const roomName = text().trim().min(1, "Give the room a name").max(200);
const roomGoal = text().trim().max(5000);

export const createRoomInput = z.object({ name: roomName, goal: roomGoal.default(""), mode: z.enum(modes).default("orchestrator") });
export const updateRoomInput = z.object({ id: z.uuid(), name: roomName.optional(), goal: roomGoal.optional() });
export const listRoomsInput = z.object({ ...pageInput, deleted: z.boolean().default(false), query: text().trim().max(200).optional() });
export const addAgentInput = z.object({ roomId: z.uuid(), agentId: z.uuid(), position: z.number().int().min(1).optional() });
export const removeAgentInput = z.object({ roomId: z.uuid(), agentId: z.uuid() });
export const reorderAgentsInput = z.object({ roomId: z.uuid(), agentIds: z.array(z.uuid()).max(100) });

const rosterInclude = {
  roster: { where: { agent: { deletedAt: null } }, orderBy: { position: "asc" as const }, include: { agent: { select: { id: true, key: true, name: true, modelAlias: true, rolePrompt: true } } } },
};

/** A live (not deleted) room of this user, or not_found. */
export async function getLiveRoom(db: Pick<Db, "room">, userId: string, id: string) {
  const room = await db.room.findFirst({ where: { id, userId, deletedAt: null } });
  if (!room) throw new AppError("not_found", "No such room.");
  return room;
}

export async function getRoom(db: Db, userId: string, id: string) {
  const room = await db.room.findFirst({ where: { id, userId, deletedAt: null }, include: rosterInclude });
  if (!room) throw new AppError("not_found", "No such room.");
  const state = { current: room.currentMode, pending: room.pendingMode, version: room.modeVersion };
  return {
    ...room,
    roster: room.roster.map((r) => ({ position: r.position, ...r.agent })),
    mode: { currentMode: state.current, pendingMode: state.pending, version: state.version, allowedEvents: allowedEvents(state) },
  };
}

/** A `LIKE` pattern that matches `text` literally anywhere: its own `%`, `_` and `\` are not wildcards. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, "\\$&")}%`;
}

/**
 * A page of the user's rooms, most recently active first, each with its roster size. One query,
 * as it backs the home page and `pantheon rooms list`: the roster is counted per listed room
 * through its primary key (Prisma's `_count` aggregates every room's roster and joins the result),
 * and the cursor is resolved in the same statement.
 */
export async function listRooms(db: Db, userId: string, input: z.infer<typeof listRoomsInput>) {
  const where = [Prisma.sql`r.user_id = ${userId}::uuid`, input.deleted ? Prisma.sql`r.deleted_at IS NOT NULL` : Prisma.sql`r.deleted_at IS NULL`];
  if (input.query) where.push(Prisma.sql`r.name ILIKE ${containsPattern(input.query)}`);
  // Rows after the cursor room in (last_activity_at, id) order. Another user's id as a cursor
  // behaves like an unknown one: no cursor row, so an empty page.
  if (input.cursor) {
    where.push(Prisma.sql`(r.last_activity_at, r.id) < (SELECT c.last_activity_at, c.id FROM rooms c WHERE c.id = ${input.cursor}::uuid AND c.user_id = ${userId}::uuid)`);
  }
  const rows = await db.$queryRaw<(Room & { rosterCount: number })[]>`
    SELECT r.id, r.user_id AS "userId", r.name, r.goal, r.current_mode::text AS "currentMode", r.pending_mode::text AS "pendingMode",
           r.mode_version AS "modeVersion", r.last_activity_at AS "lastActivityAt", r.deleted_at AS "deletedAt",
           r.created_at AS "createdAt", r.updated_at AS "updatedAt",
           (SELECT count(*) FROM room_agents ra WHERE ra.room_id = r.id)::int AS "rosterCount"
    FROM rooms r
    WHERE ${Prisma.join(where, " AND ")}
    ORDER BY r.last_activity_at DESC, r.id DESC
    LIMIT ${input.limit + 1}`;
  return toPage(
    rows.map(({ rosterCount, ...room }) => ({ ...room, _count: { roster: rosterCount } })),
    input.limit,
  );
}

export async function createRoom(db: Db, userId: string, input: z.infer<typeof createRoomInput>) {
  return db.room.create({ data: { userId, name: input.name, goal: input.goal, currentMode: input.mode } });
}

export async function updateRoom(db: Db, userId: string, input: z.infer<typeof updateRoomInput>) {
  await getLiveRoom(db, userId, input.id);
  return db.room.update({ where: { id: input.id }, data: { name: input.name, goal: input.goal, lastActivityAt: new Date() } });
}

export async function deleteRoom(db: Db, userId: string, id: string) {
  await getLiveRoom(db, userId, id);
  return db.room.update({ where: { id }, data: { deletedAt: new Date() } });
}

export async function restoreRoom(db: Db, userId: string, id: string) {
  const room = await db.room.findFirst({ where: { id, userId, deletedAt: { not: null } } });
  if (!room) throw new AppError("not_found", "No deleted room with that id.");
  const deadline = new Date(room.deletedAt!.getTime() + RESTORE_WINDOW_DAYS * 86_400_000);
  if (deadline < new Date()) {
    throw new AppError("restore_window_expired", `Rooms can be restored for ${RESTORE_WINDOW_DAYS} days after deletion; this one was deleted on ${room.deletedAt!.toISOString().slice(0, 10)}.`);
  }
  return db.room.update({ where: { id }, data: { deletedAt: null } });
}

/** Removes rooms deleted more than the restore window ago, with their sessions (daily job). */
export async function purgeDeletedRooms(db: Db, now = new Date()): Promise<number> {
  const { count } = await db.room.deleteMany({ where: { deletedAt: { lt: new Date(now.getTime() - RESTORE_WINDOW_DAYS * 86_400_000) } } });
  return count;
}

async function inRoomTransaction<T>(db: Db, userId: string, roomId: string, fn: (tx: Parameters<Parameters<Db["$transaction"]>[0]>[0]) => Promise<T>) {
  return db.$transaction(async (tx) => {
    await lockRoom(tx, roomId);
    await getLiveRoom(tx, userId, roomId);
    const result = await fn(tx);
    await tx.room.update({ where: { id: roomId }, data: { lastActivityAt: new Date() } });
    return result;
  });
}

export async function addAgentToRoom(db: Db, userId: string, input: z.infer<typeof addAgentInput>) {
  await db.$transaction(async (tx) => {
    // The agent first (shared lock: a concurrent delete waits, or wins and we see it deleted),
    // then the room: the same order as deleteAgent.
    const [agent] = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM agents WHERE id = ${input.agentId}::uuid AND user_id = ${userId}::uuid AND deleted_at IS NULL FOR SHARE`;
    await lockRoom(tx, input.roomId);
    await getLiveRoom(tx, userId, input.roomId);
    if (!agent) throw new AppError("not_found", "No such agent.");
    await insertIntoRoster(tx, input.roomId, input.agentId, input.position);
    await tx.room.update({ where: { id: input.roomId }, data: { lastActivityAt: new Date() } });
  });
  return getRoom(db, userId, input.roomId);
}

export async function removeAgentFromRoom(db: Db, userId: string, input: z.infer<typeof removeAgentInput>) {
  await inRoomTransaction(db, userId, input.roomId, (tx) => removeFromRoster(tx, input.roomId, input.agentId));
  return getRoom(db, userId, input.roomId);
}

export async function reorderRoomAgents(db: Db, userId: string, input: z.infer<typeof reorderAgentsInput>) {
  await inRoomTransaction(db, userId, input.roomId, (tx) => reorderRoster(tx, input.roomId, input.agentIds));
  return getRoom(db, userId, input.roomId);
}

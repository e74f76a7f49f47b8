/** Chat sessions: in a room, or directly with one agent. Owned; soft-deleted. */
import { z } from "zod";
import { text } from "../text.ts";
import type { Db } from "../../db.ts";
import { AppError } from "../../errors.ts";
import { getAgent } from "../agents/agents.ts";
import { pageArgs, pageInput, toPage } from "../pagination.ts";
import { getLiveRoom } from "../rooms/rooms.ts";
import { restoreCutoff, restoreWindowExpired } from "../retention/restore-window.ts";
import { appendEventsInTx } from "../../realtime/turn-events.ts";

const target = z.union([z.object({ roomId: z.uuid() }).strict(), z.object({ agentId: z.uuid() }).strict()]);

export const createSessionInput = target.and(z.object({ title: text().trim().max(200).optional() }));
export const listSessionsInput = target.and(z.object(pageInput));

export async function createSession(db: Db, userId: string, input: z.infer<typeof createSessionInput>) {
  if ("roomId" in input) {
    await getLiveRoom(db, userId, input.roomId);
    const [session] = await db.$transaction([
      db.chatSession.create({ data: { userId, roomId: input.roomId, title: input.title ?? "" } }),
      db.room.update({ where: { id: input.roomId }, data: { lastActivityAt: new Date() } }),
    ]);
    return session;
  }
  await getAgent(db, userId, input.agentId);
  return db.chatSession.create({ data: { userId, agentId: input.agentId, title: input.title ?? "" } });
}

export async function listSessions(db: Db, userId: string, input: z.infer<typeof listSessionsInput>) {
  if ("roomId" in input) await getLiveRoom(db, userId, input.roomId);
  else await getAgent(db, userId, input.agentId);
  if (input.cursor && !(await db.chatSession.count({ where: { id: input.cursor, userId } }))) return toPage([], input.limit);
  const rows = await db.chatSession.findMany({
    where: { userId, deletedAt: null, ...("roomId" in input ? { roomId: input.roomId } : { agentId: input.agentId }) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    ...pageArgs(input),
  });
  return toPage(rows, input.limit);
}

export async function deleteSession(db: Db, userId: string, id: string) {
  const { count } = await db.chatSession.updateMany({ where: { id, userId, deletedAt: null }, data: { deletedAt: new Date() } });
  if (count === 0) throw new AppError("not_found", "No such session.");
  return { id };
}

/**
 * Brings back a session deleted less than 7 days ago (PRODUCT.md 3); after that it is
 * `restore_window_expired`, and the daily `retention.deleted` job removes it. A compare-and-set, so
 * a restore racing the purge either wins or is refused.
 */
export async function restoreSession(db: Db, userId: string, id: string) {
  const { count } = await db.chatSession.updateMany({ where: { id, userId, deletedAt: { not: null, gte: restoreCutoff() } }, data: { deletedAt: null } });
  if (count === 0) {
    const session = await db.chatSession.findFirst({ where: { id, userId, deletedAt: { not: null } } });
    if (!session) throw new AppError("not_found", "No deleted session with that id.");
    throw restoreWindowExpired("Sessions", session.deletedAt!);
  }
  return db.chatSession.findUniqueOrThrow({ where: { id } });
}

export const renameSessionInput = z.object({ id: z.uuid(), title: text().trim().min(1, "Give the session a title").max(120) });

/** The user's title; it also wins over an automatic title still being written (title.ts). Open pages get `session_title`. */
export async function renameSession(db: Db, userId: string, input: z.infer<typeof renameSessionInput>) {
  return db.$transaction(async (tx) => {
    const { count } = await tx.chatSession.updateMany({ where: { id: input.id, userId, deletedAt: null }, data: { title: input.title } });
    if (count === 0) throw new AppError("not_found", "No such session.");
    await appendEventsInTx(tx, input.id, [{ type: "session_title", sessionId: input.id, title: input.title }]);
    return tx.chatSession.findUniqueOrThrow({ where: { id: input.id } });
  });
}

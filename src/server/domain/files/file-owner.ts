/**
 * Whose files: a room's, or a direct-chat session's (PRODUCT.md 8). A session in a room has no files
 * of its own: its files are its room's, so `{ sessionId }` of a room session means that room.
 * Another user's room or session, or a deleted one, is `not_found`.
 */
import { z } from "zod";
import type { Db } from "../../db.ts";
import type { Prisma } from "@/generated/prisma/client.ts";
import { AppError } from "../../errors.ts";

type Tx = Prisma.TransactionClient;

export const fileTarget = z.union([z.object({ roomId: z.uuid() }).strict(), z.object({ sessionId: z.uuid() }).strict()]);
export type FileTarget = z.infer<typeof fileTarget>;

/** Exactly one of the two is set, as in the `files` row. */
export type FileOwner = { roomId: string; sessionId: null } | { roomId: null; sessionId: string };

export const ownerOf = (file: { roomId: string | null; sessionId: string | null }): FileOwner =>
  file.roomId ? { roomId: file.roomId, sessionId: null } : { roomId: null, sessionId: file.sessionId! };

const UUID = z.uuid();

export async function resolveFileOwner(db: Db | Tx, userId: string, target: FileTarget): Promise<FileOwner> {
  if ("roomId" in target) {
    if (!UUID.safeParse(target.roomId).success) throw new AppError("not_found", "No such room.");
    const room = await db.room.findFirst({ where: { id: target.roomId, userId, deletedAt: null }, select: { id: true } });
    if (!room) throw new AppError("not_found", "No such room.");
    return { roomId: room.id, sessionId: null };
  }
  if (!UUID.safeParse(target.sessionId).success) throw new AppError("not_found", "No such session.");
  const session = await db.chatSession.findFirst({
    where: { id: target.sessionId, userId, deletedAt: null },
    select: { id: true, roomId: true, room: { select: { deletedAt: true } } },
  });
  if (!session || (session.roomId && session.room?.deletedAt)) throw new AppError("not_found", "No such session.");
  return session.roomId ? { roomId: session.roomId, sessionId: null } : { roomId: null, sessionId: session.id };
}

/**
 * Locks the room (or direct session) row for the rest of the transaction, so two uploads cannot
 * both fit under the quota; FOR NO KEY UPDATE, like a send, so rows referencing it can still be inserted.
 */
export async function lockFileOwner(tx: Tx, userId: string, owner: FileOwner): Promise<void> {
  const rows = owner.roomId
    ? await tx.$queryRaw<{ id: string }[]>`SELECT id FROM rooms WHERE id = ${owner.roomId}::uuid AND user_id = ${userId}::uuid AND deleted_at IS NULL FOR NO KEY UPDATE`
    : await tx.$queryRaw<{ id: string }[]>`SELECT id FROM sessions WHERE id = ${owner.sessionId}::uuid AND user_id = ${userId}::uuid AND deleted_at IS NULL FOR NO KEY UPDATE`;
  if (!rows.length) throw new AppError("not_found", owner.roomId ? "No such room." : "No such session.");
}

/** Bytes held by the owner's live files. */
export async function usedBytes(db: Db | Tx, owner: FileOwner): Promise<number> {
  const { _sum } = await db.file.aggregate({
    where: { deletedAt: null, ...(owner.roomId ? { roomId: owner.roomId } : { sessionId: owner.sessionId }) },
    _sum: { sizeBytes: true },
  });
  return _sum.sizeBytes ?? 0;
}

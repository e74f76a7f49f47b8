/**
 * `file_status` events (PRODUCT.md 6): on every live session's stream of the file's room, or on its
 * direct session's, in the transaction that changes the status.
 */
import type { Prisma } from "@/generated/prisma/client.ts";
import { appendEventsInTx } from "../../realtime/turn-events.ts";
import type { FileOwner } from "./file-owner.ts";

type Tx = Prisma.TransactionClient;

export interface FileStatusChange {
  fileId: string;
  status: "uploaded" | "parsing" | "ready" | "failed";
  error?: string;
}

export async function emitFileStatus(tx: Tx, owner: FileOwner, change: FileStatusChange): Promise<void> {
  const sessionIds = owner.sessionId
    ? [owner.sessionId]
    : (await tx.chatSession.findMany({ where: { roomId: owner.roomId, deletedAt: null }, select: { id: true }, orderBy: { id: "asc" } })).map((s) => s.id);
  // In id order: each append holds its session's event lock to commit, so two writers never wait on each other crosswise.
  for (const sessionId of sessionIds) {
    await appendEventsInTx(tx, sessionId, [{ type: "file_status", ...change }]);
  }
}

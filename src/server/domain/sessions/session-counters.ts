/**
 * A session's counters, handed out under its row lock (one home for "the next message seq"):
 * messages are ordered by `seq`, never by timestamp, and turns by `index`.
 */
import type { Prisma } from "@/generated/prisma/client.ts";

type Tx = Prisma.TransactionClient;

/** The seq of the session's next message. */
export async function nextSeq(tx: Tx, sessionId: string): Promise<bigint> {
  const [row] = await tx.$queryRaw<{ last_seq: bigint }[]>`
    UPDATE sessions SET last_seq = last_seq + 1 WHERE id = ${sessionId}::uuid RETURNING last_seq`;
  if (!row) throw new Error(`session ${sessionId} is gone`);
  return row.last_seq;
}

/** The index of the session's next turn and the seq of its user message. */
export async function nextTurn(tx: Tx, sessionId: string): Promise<{ index: number; seq: bigint }> {
  const [row] = await tx.$queryRaw<{ last_turn_index: number; last_seq: bigint }[]>`
    UPDATE sessions SET last_turn_index = last_turn_index + 1, last_seq = last_seq + 1, updated_at = now()
    WHERE id = ${sessionId}::uuid RETURNING last_turn_index, last_seq`;
  if (!row) throw new Error(`session ${sessionId} is gone`);
  return { index: row.last_turn_index, seq: row.last_seq };
}

/**
 * A session's counters, handed out under its row lock (one home for "the next message seq"):
 * messages are ordered by `seq`, never by timestamp, and turns by `index`.
 */
import type { Prisma } from "@/generated/prisma/client.ts";

type Tx = Prisma.TransactionClient;

/**
 * Appends a message at the session's next seq, in one statement (the counter's row lock is held to
 * the end of the caller's transaction, so seqs commit in order).
 */
export async function appendMessage(
  tx: Tx,
  message: { sessionId: string; turnId: string; stepId: string | null; role: "user" | "assistant" | "tool"; visibility: "shared" | "private"; agentKey: string | null; agentName: string | null; content: string },
): Promise<bigint> {
  const [row] = await tx.$queryRaw<{ seq: bigint }[]>`
    WITH next AS (UPDATE sessions SET last_seq = last_seq + 1 WHERE id = ${message.sessionId}::uuid RETURNING last_seq)
    INSERT INTO messages (id, session_id, turn_id, step_id, seq, role, visibility, agent_key, agent_name, content)
    SELECT gen_random_uuid(), ${message.sessionId}::uuid, ${message.turnId}::uuid, ${message.stepId}::uuid, last_seq,
      ${message.role}::message_role, ${message.visibility}::message_visibility, ${message.agentKey}, ${message.agentName}, ${message.content}
    FROM next RETURNING seq`;
  if (!row) throw new Error(`session ${message.sessionId} is gone`);
  return row.seq;
}

/** The index of the session's next turn and the seq of its user message. */
export async function nextTurn(tx: Tx, sessionId: string): Promise<{ index: number; seq: bigint }> {
  const [row] = await tx.$queryRaw<{ last_turn_index: number; last_seq: bigint }[]>`
    UPDATE sessions SET last_turn_index = last_turn_index + 1, last_seq = last_seq + 1, updated_at = now()
    WHERE id = ${sessionId}::uuid RETURNING last_turn_index, last_seq`;
  if (!row) throw new Error(`session ${sessionId} is gone`);
  return { index: row.last_turn_index, seq: row.last_seq };
}

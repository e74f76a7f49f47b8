/**
 * The turn event log (PRODUCT.md section 6): every event is a `turn_events` row, NOTIFYed in the
 * same transaction, so listeners hear it only once it is committed and in commit order. Writers of
 * one session take a per-session advisory lock before the id is drawn, so within a session ids also
 * commit in order: "every event after lastEventId" never skips one that commits late.
 */
import type { Db } from "../db.ts";
import type { Prisma } from "@/generated/prisma/client.ts";

export const TURN_EVENTS_CHANNEL = "turn_events";
// NOTIFY payloads are limited to 8000 bytes; bigger events travel by id and are read back.
const MAX_INLINE_PAYLOAD = 7000;

export interface AgentRef {
  id: string | null;
  key: string | null;
  name: string;
  model: string;
}

export interface StepUsage {
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  /** Filled by metering; null until then. */
  credits: string | null;
}

export type TurnEventBody =
  | { type: "turn_started"; turnId: string; mode: string; roster: { id: string; key: string; name: string; model: string }[] }
  | { type: "step_started"; turnId: string; stepId: string; index: number; kind: string; agent: AgentRef; round: number; attempt: number }
  | { type: "step_delta"; stepId: string; text: string }
  | { type: "step_completed"; stepId: string; status: string; usage: StepUsage; latencyMs: number | null; error: { code: string; message: string } | null }
  | { type: "turn_completed"; turnId: string; status: string; credits: string | null; balanceAfter: string | null; lowBalance: boolean }
  | { type: "turn_failed"; turnId: string; code: string; message: string }
  | { type: "turn_cancelled"; turnId: string }
  | { type: "mode_applied"; turnId: string; from: string; to: string };

export type TurnEventType = TurnEventBody["type"];

export interface TurnEvent {
  id: string;
  sessionId: string;
  turnId: string | null;
  at: string;
  event: TurnEventBody;
}

type Tx = Prisma.TransactionClient;

function turnIdOf(event: TurnEventBody): string | null {
  return "turnId" in event ? event.turnId : null;
}

/**
 * Appends events inside the caller's transaction (so they commit with the state they describe).
 * The caller must not hold the lock on another session's events.
 */
export async function appendEventsInTx(tx: Tx, sessionId: string, events: TurnEventBody[], turnId?: string): Promise<TurnEvent[]> {
  if (events.length === 0) return [];
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${sessionId}, 7))`;
  const written: TurnEvent[] = [];
  for (const event of events) {
    const [row] = await tx.$queryRaw<{ id: bigint; created_at: Date }[]>`
      INSERT INTO turn_events (session_id, turn_id, type, payload)
      VALUES (${sessionId}::uuid, ${turnId ?? turnIdOf(event)}::uuid, ${event.type}, ${JSON.stringify(event)}::jsonb)
      RETURNING id, created_at`;
    const stored: TurnEvent = { id: row!.id.toString(), sessionId, turnId: turnId ?? turnIdOf(event), at: row!.created_at.toISOString(), event };
    const inline = JSON.stringify({ s: sessionId, e: stored });
    const notice = Buffer.byteLength(inline) <= MAX_INLINE_PAYLOAD ? inline : JSON.stringify({ s: sessionId, id: stored.id });
    await tx.$executeRaw`SELECT pg_notify(${TURN_EVENTS_CHANNEL}, ${notice})`;
    written.push(stored);
  }
  return written;
}

/** Appends events in a transaction of their own. */
export function appendEvents(db: Db, sessionId: string, events: TurnEventBody[], turnId?: string): Promise<TurnEvent[]> {
  return db.$transaction((tx) => appendEventsInTx(tx, sessionId, events, turnId));
}

/** Events of a session after `afterId`, oldest first. */
export async function readEvents(db: Db, sessionId: string, afterId: bigint, limit = 500): Promise<TurnEvent[]> {
  const rows = await db.turnEvent.findMany({ where: { sessionId, id: { gt: afterId } }, orderBy: { id: "asc" }, take: limit });
  return rows.map((r) => ({ id: r.id.toString(), sessionId: r.sessionId, turnId: r.turnId, at: r.createdAt.toISOString(), event: r.payload as unknown as TurnEventBody }));
}

export async function latestEventId(db: Db, sessionId: string): Promise<bigint> {
  const row = await db.turnEvent.findFirst({ where: { sessionId }, orderBy: { id: "desc" }, select: { id: true } });
  return row?.id ?? 0n;
}

/** What a NOTIFY on the channel carries: the event itself, or only its id when it was too big. */
export type EventNotice = { s: string; e: TurnEvent } | { s: string; id: string };

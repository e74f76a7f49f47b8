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
  const written: TurnEvent[] = [];
  for (const event of events) written.push(await appendEvent(tx, sessionId, event, turnId ?? turnIdOf(event)));
  return written;
}

/**
 * One event in one statement: the session's lock (taken first: the subquery is kept from being
 * flattened, so it runs before the row's id is drawn), the row, and its NOTIFY, built from the
 * row's id and time. Alone (outside a transaction) it is atomic too, so deltas need no transaction.
 */
async function appendEvent(db: Tx | Db, sessionId: string, event: TurnEventBody, turnId: string | null): Promise<TurnEvent> {
  const payload = JSON.stringify(event);
  const [row] = await db.$queryRaw<{ id: bigint; at: string }[]>`
    WITH inserted AS (
      INSERT INTO turn_events (session_id, turn_id, type, payload)
      SELECT ${sessionId}::uuid, ${turnId}::uuid, ${event.type}, ${payload}::jsonb
      FROM (SELECT pg_advisory_xact_lock(hashtextextended(${sessionId}, 7)) OFFSET 0) AS locked
      RETURNING id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at),
    notice AS (
      SELECT id, at, json_build_object('s', ${sessionId}::text, 'e', json_build_object('id', id::text, 'sessionId', ${sessionId}::text, 'turnId', ${turnId}::text, 'at', at, 'event', ${payload}::json))::text AS inline
      FROM inserted)
    SELECT id, at, pg_notify(${TURN_EVENTS_CHANNEL},
      CASE WHEN octet_length(inline) <= ${MAX_INLINE_PAYLOAD} THEN inline ELSE json_build_object('s', ${sessionId}::text, 'id', id::text)::text END)::text
    FROM notice`;
  return { id: row!.id.toString(), sessionId, turnId, at: row!.at, event };
}

/** Appends events with no transaction of the caller's: each is one atomic statement. */
export async function appendEvents(db: Db, sessionId: string, events: TurnEventBody[], turnId?: string): Promise<TurnEvent[]> {
  const written: TurnEvent[] = [];
  for (const event of events) written.push(await appendEvent(db, sessionId, event, turnId ?? turnIdOf(event)));
  return written;
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

/**
 * The turn event log (PRODUCT.md section 6): every event is a `turn_events` row, NOTIFYed in the
 * same transaction, so listeners hear it only once it is committed and in commit order. Writers of
 * one session take a per-session advisory lock before the id is drawn, so within a session ids also
 * commit in order: "every event after lastEventId" never skips one that commits late.
 */
import { z } from "zod";
import type { Db } from "../db.ts";
import type { Prisma } from "@/generated/prisma/client.ts";
import { logger } from "../logger.ts";
import { turnEvent, turnEventBody, type TurnEvent, type TurnEventBody } from "./turn-event-schema.ts";

export type { AgentRef, StepUsage, TurnEvent, TurnEventBody, TurnEventType } from "./turn-event-schema.ts";

export const TURN_EVENTS_CHANNEL = "turn_events";
// NOTIFY payloads are limited to 8000 bytes; bigger events travel by id and are read back.
const MAX_INLINE_PAYLOAD = 7000;

const log = logger.child({ component: "turn-events" });

type Tx = Prisma.TransactionClient;

function turnIdOf(event: TurnEventBody): string | null {
  return "turnId" in event ? event.turnId : null;
}

/**
 * Appends events inside the caller's transaction (so they commit with the state they describe).
 * The caller must not hold the lock on another session's events.
 */
export function appendEventsInTx(tx: Tx, sessionId: string, events: TurnEventBody[], turnId?: string): Promise<TurnEvent[]> {
  return appendAll(tx, sessionId, events, turnId);
}

/** Appends events with no transaction of the caller's: each is one atomic statement. */
export function appendEvents(db: Db, sessionId: string, events: TurnEventBody[], turnId?: string): Promise<TurnEvent[]> {
  return appendAll(db, sessionId, events, turnId);
}

async function appendAll(db: Tx | Db, sessionId: string, bodies: TurnEventBody[], turnId?: string): Promise<TurnEvent[]> {
  // A writer's bug fails here, loudly, before any of its events is written, instead of reaching
  // every subscriber as a malformed event.
  const events = bodies.map((body) => turnEventBody.parse(body));
  const written: TurnEvent[] = [];
  for (const event of events) written.push(await appendEvent(db, sessionId, event, turnId ?? turnIdOf(event)));
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

export interface EventPage {
  /** The readable events, oldest first. */
  events: TurnEvent[];
  /** The last id read, readable or not (`afterId` when there was none): the next page starts after it. */
  last: bigint;
  /** The page was full: more events may follow. */
  more: boolean;
}

/**
 * Events of a session after `afterId`, oldest first, `limit` rows at most. A row whose payload does
 * not parse (written by another version) is logged and skipped, and the page still moves past it.
 */
export async function readEvents(db: Db, sessionId: string, afterId: bigint, limit = 500): Promise<EventPage> {
  const rows = await db.turnEvent.findMany({ where: { sessionId, id: { gt: afterId } }, orderBy: { id: "asc" }, take: limit });
  const events: TurnEvent[] = [];
  for (const r of rows) {
    const body = turnEventBody.safeParse(r.payload);
    if (body.success) events.push({ id: r.id.toString(), sessionId: r.sessionId, turnId: r.turnId, at: r.createdAt.toISOString(), event: body.data });
    else log.warn({ eventId: r.id.toString(), sessionId, type: r.type, issues: body.error.issues }, "skipping a turn event that does not parse");
  }
  return { events, last: rows.at(-1)?.id ?? afterId, more: rows.length === limit };
}

export async function latestEventId(db: Db, sessionId: string): Promise<bigint> {
  const row = await db.turnEvent.findFirst({ where: { sessionId }, orderBy: { id: "desc" }, select: { id: true } });
  return row?.id ?? 0n;
}

/** What a NOTIFY on the channel carries: the event itself, or only its id when it was too big. */
export const eventNotice = z.union([z.object({ s: z.guid(), e: turnEvent }), z.object({ s: z.guid(), id: z.string() })]);
export type EventNotice = z.infer<typeof eventNotice>;

/**
 * A NOTIFY payload as a notice, or null when it names no session. A notice whose event does not
 * parse becomes a by-id notice: its session's subscribers read the table instead (where the row is
 * skipped too), so they still move past it.
 */
export function parseEventNotice(payload: string): EventNotice | null {
  let raw: unknown;
  try {
    raw = JSON.parse(payload);
  } catch {
    log.warn({ payload: payload.slice(0, 200) }, "a turn event notice is not JSON");
    return null;
  }
  const notice = eventNotice.safeParse(raw);
  if (notice.success) return notice.data;
  const session = z.object({ s: z.guid() }).safeParse(raw);
  log.warn({ sessionId: session.data?.s, issues: notice.error.issues }, "a turn event notice does not parse");
  return session.success ? { s: session.data.s, id: "unreadable" } : null;
}

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
export async function appendEventsInTx(tx: Tx, sessionId: string, events: TurnEventBody[], turnId?: string): Promise<TurnEvent[]> {
  if (events.length === 0) return [];
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${sessionId}, 7))`;
  const written: TurnEvent[] = [];
  for (const body of events) {
    // A writer's bug fails here, loudly, instead of reaching every subscriber as a malformed event.
    const event = turnEventBody.parse(body);
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

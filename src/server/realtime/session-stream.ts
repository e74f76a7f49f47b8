/**
 * Live turn events for subscribers of this process. One LISTEN connection per process (PgListener)
 * and one channel handler that parses each notice once and hands it to the subscribers of its
 * session; each subscriber catches up from the table, then follows the notices, skipping what it
 * has already delivered, so a reconnect with `lastEventId` sees every later event once, in order.
 */
import { EventEmitter, on } from "node:events";
import type { Db } from "../db.ts";
import { logger } from "../logger.ts";
import { getListener, type PgListener } from "./listener.ts";
import { parseEventNotice, readEvents, TURN_EVENTS_CHANNEL, type EventNotice, type TurnEvent } from "./turn-events.ts";

// A notice lost while the LISTEN connection was down is found by this periodic catch-up read.
const SAFETY_POLL_MS = 10_000;

class SessionEventHub {
  private readonly emitter = new EventEmitter();
  private started: Promise<unknown> | null = null;

  constructor(private readonly listener: PgListener) {
    this.emitter.setMaxListeners(0);
  }

  /** Resolves once LISTEN is active, so no notice committed after it can be missed. */
  async ready(): Promise<void> {
    this.started ??= this.listener
      .subscribe(TURN_EVENTS_CHANNEL, (payload) => {
        const notice = parseEventNotice(payload);
        if (notice) this.emitter.emit(notice.s, notice);
      })
      .catch((error: unknown) => {
        this.started = null;
        throw error;
      });
    await this.started;
  }

  get events() {
    return this.emitter;
  }

  get epoch() {
    return this.listener.epoch;
  }
}

const globalForHub = globalThis as unknown as { pantheonSessionHub?: SessionEventHub };

function getHub(): SessionEventHub {
  globalForHub.pantheonSessionHub ??= new SessionEventHub(getListener());
  return globalForHub.pantheonSessionHub;
}

/**
 * Every event of `sessionId` after `afterId`, then live ones, until `signal` aborts. Events come
 * strictly in id order and never twice.
 */
export async function* streamSessionEvents(db: Db, sessionId: string, afterId: bigint, signal: AbortSignal): AsyncGenerator<TurnEvent> {
  const hub = getHub();
  await hub.ready();
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  // This subscriber's own queue: the session's notices, and its own safety poll (which, emitted on
  // the hub, would wake every subscriber of the session each time).
  const own = new EventEmitter();
  const forward = (notice: EventNotice) => own.emit("notice", notice);
  // Subscribed before the catch-up read, so nothing committed in between is missed.
  hub.events.on(sessionId, forward);
  const notices = on(own, "notice", { signal: stop.signal });
  const poll = setInterval(() => own.emit("notice", { s: sessionId, id: "poll" }), SAFETY_POLL_MS);
  let last = afterId;
  let epoch = hub.epoch;

  async function* catchUp(): AsyncGenerator<TurnEvent> {
    epoch = hub.epoch;
    for (;;) {
      const page = await readEvents(db, sessionId, last);
      for (const event of page.events) {
        last = BigInt(event.id);
        yield event;
      }
      // Past the rows that were skipped as unreadable too, so they are not read again.
      last = page.last;
      if (!page.more) return;
    }
  }

  try {
    yield* catchUp();
    for await (const [notice] of notices as AsyncIterable<[EventNotice]>) {
      // Fix: after the LISTEN connection was lost, the notices sent meanwhile never come; taking
      // the next one as is moved `last` past those events for good (a gap that no catch-up filled).
      if ("e" in notice && epoch === hub.epoch) {
        const id = BigInt(notice.e.id);
        if (id <= last) continue;
        last = id;
        yield notice.e;
      } else {
        yield* catchUp();
      }
    }
  } catch (error) {
    if (!stop.signal.aborted) {
      logger.warn({ err: error, sessionId }, "turn event stream ended with an error");
      throw error;
    }
  } finally {
    clearInterval(poll);
    hub.events.off(sessionId, forward);
    signal.removeEventListener("abort", onAbort);
    stop.abort();
  }
}

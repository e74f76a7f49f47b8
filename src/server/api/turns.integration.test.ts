/**
 * Turns and messages through the real tRPC fetch adapter and database: turns.send's error codes and
 * HTTP statuses, input validation (400, never 500), turns.list's `streamFrom`, sessions.messages'
 * order and paging, cancelling a queued turn, and the turns.events SSE stream: its wire format, and
 * resuming after a disconnect with `lastEventId` with no gap and no duplicate. Turns run in this
 * process (runTurn on the offline model), as the worker would run them.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import superjson from "superjson";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { createRoom } from "@/server/domain/rooms/rooms.ts";
import { createSession } from "@/server/domain/sessions/sessions.ts";
import { runTurn } from "@/server/domain/turns/run-turn.ts";
import { getWebBoss } from "@/server/jobs/boss.ts";
import { queues } from "@/server/jobs/queues.ts";
import { appendEvents, type TurnEvent } from "@/server/realtime/turn-events.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { bindWebSingletons, callApi, firstSubscriptionMessage, openSubscription, type RequestOptions, type SseStream } from "@/test/trpc-http.ts";
import { offlineGateway, roomWorld, type AgentSpec } from "@/test/turns.ts";
import { waitFor } from "@/test/wait-for.ts";

const t = databaseForThisFile();
bindWebSingletons(() => t.url);

/** A room world (see roomWorld) whose user has an API token, and calls as that user. */
async function world(mode: "manual" | "roundtable" | "orchestrator", agents: AgentSpec[]) {
  const w = await roomWorld(t.db, mode, agents);
  const { token } = await createApiToken(t.db, w.user.id, { name: "test" });
  const call = (path: string, input?: unknown, options: Omit<RequestOptions, "token" | "input"> = {}) => callApi(t.db, path, { ...options, token, input });
  const api = async (path: string, input?: unknown) => {
    const res = await call(path, input);
    if (res.error) throw new Error(`${path} → ${res.status} ${res.error.appCode}: ${res.error.message}`);
    return res.data;
  };
  const send = (message: string, sessionId = w.session.id) => call("turns.send", { sessionId, message, clientRequestId: randomUUID() });
  return { ...w, token, call, api, send };
}

/** Runs a sent turn in this process, as the worker's turn.run handler does. */
function run(turnId: string, tokenDelayMs = 0) {
  return runTurn({ db: t.db, gateway: offlineGateway(t.db, { tokenDelayMs }) }, turnId, new AbortController().signal);
}

async function sendAndRun(w: Awaited<ReturnType<typeof world>>, message: string) {
  const res = await w.send(message);
  expect(res.error).toBeNull();
  await run(res.data.id);
  return res.data.id as string;
}

function tableEvents(sessionId: string) {
  return t.db.turnEvent.findMany({ where: { sessionId }, orderBy: { id: "asc" } });
}

describe("turns.send", () => {
  it("manual mode: no tag, or no tag on the roster, is 422 no_valid_tagged_agents; a tag is accepted", async () => {
    const w = await world("manual", [{ key: "alpha" }, { key: "beta-2" }]);
    for (const message of ["Hello everyone", "Mail me at bob@alpha.com", "@gamma what do you think?"]) {
      const res = await w.send(message);
      expect(res.status, message).toBe(422);
      expect(res.error?.appCode, message).toBe("no_valid_tagged_agents");
    }
    expect((await w.send("@gamma what do you think?")).error?.details).toMatchObject({ unknownTags: ["gamma"], rosterKeys: ["alpha", "beta-2"] });

    const ok = await w.send("@BETA-2 and @gamma, and @alpha: go");
    expect(ok.status).toBe(200);
    expect(ok.data).toMatchObject({ mode: "manual", status: "queued", selectedKeys: ["beta-2", "alpha"], metadata: { unknownTags: ["gamma"] } });
    expect(await t.db.turn.count({ where: { userId: w.user.id } })).toBe(1);
  });

  it.each(["roundtable", "orchestrator"] as const)("%s with an empty roster is 422 no_room_agents", async (mode) => {
    const w = await world(mode, []);
    const res = await w.send("Anyone there?");
    expect(res.status).toBe(422);
    expect(res.error?.appCode).toBe("no_room_agents");
    expect(await t.db.turn.count({ where: { userId: w.user.id } })).toBe(0);
    expect(await t.db.message.count({ where: { sessionId: w.session.id } })).toBe(0);
  });

  it("the 11th accepted turn in a minute is 429 rate_limited with retryAfterSeconds; refused sends do not count", async () => {
    const w = await world("roundtable", [{ key: "alpha" }]);
    // Refused attempts first: they must not use up the allowance.
    const empty = await createRoom(t.db, w.user.id, { name: "Empty", goal: "", mode: "roundtable" });
    const emptySession = await createSession(t.db, w.user.id, { roomId: empty.id });
    for (let i = 0; i < 12; i++) expect((await w.send("Nobody here", emptySession.id)).error?.appCode).toBe("no_room_agents");

    // One session per turn: a session refuses a second turn while its first is queued.
    const sessions = [w.session, ...(await Promise.all(Array.from({ length: 10 }, () => createSession(t.db, w.user.id, { roomId: w.room.id }))))];
    for (const session of sessions.slice(0, 10)) expect((await w.send("Go", session.id)).status).toBe(200);
    const refused = await w.send("One more", sessions[10]!.id);
    expect(refused.status).toBe(429);
    expect(refused.error).toMatchObject({ code: "TOO_MANY_REQUESTS", appCode: "rate_limited", httpStatus: 429 });
    const retryAfter = refused.error?.details?.retryAfterSeconds as number;
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.error?.details).toMatchObject({ limit: 10, windowSeconds: 60 });
    // The refused send created nothing, and counts for nothing either.
    expect(await t.db.turn.count({ where: { userId: w.user.id } })).toBe(10);
    expect(await t.db.message.count({ where: { sessionId: sessions[10]!.id } })).toBe(0);

    // Once the window has moved on, the next send fits again (10 in the hour is within 60).
    await t.db.turn.updateMany({ where: { userId: w.user.id }, data: { createdAt: new Date(Date.now() - 61_000) } });
    expect((await w.send("Now?", sessions[10]!.id)).status).toBe(200);
  });

  it("the same clientRequestId returns the same turn; reused for another session it is 409", async () => {
    const w = await world("roundtable", [{ key: "alpha" }]);
    const input = { sessionId: w.session.id, message: "Once", clientRequestId: "retry-me" };
    const first = await w.call("turns.send", input);
    const again = await w.call("turns.send", input);
    expect(again.data.id).toBe(first.data.id);
    const other = await createSession(t.db, w.user.id, { roomId: w.room.id });
    const elsewhere = await w.call("turns.send", { ...input, sessionId: other.id });
    expect(elsewhere.status).toBe(409);
    expect(await t.db.turn.count({ where: { userId: w.user.id } })).toBe(1);
  });

  it("under concurrency: one turn per session at a time, one turn per clientRequestId, and the rate limit is exact", async () => {
    const w = await world("roundtable", [{ key: "alpha" }]);
    const racing = await Promise.all(Array.from({ length: 5 }, (_, i) => w.send(`Racer ${i}`)));
    expect(racing.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
    expect(racing.filter((r) => r.error).map((r) => r.error?.appCode)).toEqual(Array(4).fill("turn_in_progress"));

    const other = await createSession(t.db, w.user.id, { roomId: w.room.id });
    const input = { sessionId: other.id, message: "Retried by a flaky network", clientRequestId: randomUUID() };
    const retried = await Promise.all(Array.from({ length: 5 }, () => w.call("turns.send", input)));
    expect(retried.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(retried.map((r) => r.data.id)).size).toBe(1);

    // 2 accepted so far; of 12 concurrent sends to fresh sessions, exactly 8 fit in the minute.
    const sessions = await Promise.all(Array.from({ length: 12 }, () => createSession(t.db, w.user.id, { roomId: w.room.id })));
    const burst = await Promise.all(sessions.map((session) => w.send("Burst", session.id)));
    expect(burst.filter((r) => r.status === 200)).toHaveLength(8);
    expect(burst.filter((r) => r.status === 429)).toHaveLength(4);
    expect(await t.db.turn.count({ where: { userId: w.user.id } })).toBe(10);
  });

  it("malformed input is 400 (never 500) and changes nothing", async () => {
    const w = await world("roundtable", [{ key: "alpha" }]);
    const good = { sessionId: w.session.id, message: "Hello", clientRequestId: "r1" };
    const bad: unknown[] = [
      null,
      {},
      [good],
      "hello",
      { ...good, sessionId: "not-a-uuid" },
      { ...good, sessionId: 42 },
      { ...good, message: "" },
      { ...good, message: "   \n\t " },
      { ...good, message: "x".repeat(20_001) },
      { ...good, message: "nul \u0000 byte" },
      { ...good, message: ["Hello"] },
      { ...good, clientRequestId: "" },
      { ...good, clientRequestId: "r".repeat(201) },
      { ...good, clientRequestId: undefined },
    ];
    for (const input of bad) {
      const res = await w.call("turns.send", input);
      expect(res.status, JSON.stringify(input)).toBe(400);
      expect(res.error?.appCode, JSON.stringify(input)).toBe("invalid_input");
    }
    for (const rawInput of ["{not json", '{"json":', ""]) {
      const res = await callApi(t.db, "turns.send", { token: w.token, rawInput });
      expect(res.status, rawInput).toBe(400);
    }
    expect(await t.db.turn.count({ where: { userId: w.user.id } })).toBe(0);
    // A well-formed id that names nothing is 404.
    expect((await w.call("turns.send", { ...good, sessionId: randomUUID() })).status).toBe(404);
  });
});

describe("ids and cursors", () => {
  it("ids that are not uuids, and bad cursors, are 400 on every turn procedure; unknown uuids are 404", async () => {
    const w = await world("roundtable", [{ key: "alpha" }]);
    const cases: [string, unknown][] = [
      ["turns.byId", { id: "123" }],
      ["turns.byId", { id: "' OR 1=1 --" }],
      ["turns.cancel", { turnId: "abc" }],
      ["turns.list", { sessionId: "abc" }],
      ["turns.list", { sessionId: w.session.id, cursor: "abc" }],
      ["turns.list", { sessionId: w.session.id, limit: 0 }],
      ["sessions.messages", { sessionId: "abc" }],
      ["sessions.messages", { sessionId: w.session.id, cursor: "abc" }],
      ["sessions.messages", { sessionId: w.session.id, cursor: "-1" }],
      ["sessions.messages", { sessionId: w.session.id, cursor: "9".repeat(19) }],
      ["sessions.messages", { sessionId: w.session.id, limit: 1000 }],
    ];
    for (const [path, input] of cases) {
      const res = await w.call(path, input);
      expect(res.status, `${path} ${JSON.stringify(input)}`).toBe(400);
      expect(res.error?.appCode).toBe("invalid_input");
    }
    for (const [path, input] of [
      ["turns.byId", { id: randomUUID() }],
      ["turns.cancel", { turnId: randomUUID() }],
      ["turns.list", { sessionId: randomUUID() }],
      ["sessions.messages", { sessionId: randomUUID() }],
    ] as const) {
      expect((await w.call(path, input)).status, path).toBe(404);
    }
  });

  it("turns.events refuses bad input with a 400 error event, and an unknown session with 404", async () => {
    const w = await world("roundtable", [{ key: "alpha" }]);
    const cases: [Omit<RequestOptions, "token">, number][] = [
      [{ input: { sessionId: "abc" } }, 400],
      [{ input: { sessionId: w.session.id, lastEventId: "abc" } }, 400],
      [{ input: { sessionId: w.session.id, lastEventId: "-1" } }, 400],
      [{ input: { sessionId: w.session.id, lastEventId: "9".repeat(19) } }, 400],
      // An EventSource reconnecting sends the id it last saw as a header; tRPC puts it in the input.
      [{ input: { sessionId: w.session.id }, headers: { "last-event-id": "abc" } }, 400],
      [{ input: { sessionId: randomUUID() } }, 404],
    ];
    for (const [options, httpStatus] of cases) {
      const first = await firstSubscriptionMessage(t.db, "turns.events", { ...options, token: w.token });
      expect(first.status).toBe(200);
      expect(first.message?.event, JSON.stringify(options)).toBe("serialized-error");
      expect(first.error?.httpStatus, JSON.stringify(options)).toBe(httpStatus);
      expect(first.error, JSON.stringify(options)).toMatchObject(httpStatus === 400 ? { code: "BAD_REQUEST", appCode: "invalid_input" } : { code: "NOT_FOUND", appCode: "not_found" });
      expect(first.ended).toBe(true);
    }
  });
});

describe("turns.list", () => {
  it("pages newest first", async () => {
    const w = await world("roundtable", [{ key: "alpha" }]);
    const ids = [];
    for (const message of ["One", "Two", "Three"]) ids.push(await sendAndRun(w, message));
    const page1 = await w.api("turns.list", { sessionId: w.session.id, limit: 2 });
    expect(page1.items.map((x: { id: string }) => x.id)).toEqual([ids[2], ids[1]]);
    expect(page1.items[0].steps).toHaveLength(1);
    const page2 = await w.api("turns.list", { sessionId: w.session.id, limit: 2, cursor: page1.nextCursor });
    expect(page2.items.map((x: { id: string }) => x.id)).toEqual([ids[0]]);
    expect(page2.nextCursor).toBeNull();
  });

  it("streamFrom: the latest event when idle; just before the running turn's first event while it runs", async () => {
    const w = await world("roundtable", [{ key: "alpha" }, { key: "beta" }]);
    expect((await w.api("turns.list", { sessionId: w.session.id })).streamFrom).toBe("0");
    await sendAndRun(w, "First");
    const idle = await w.api("turns.list", { sessionId: w.session.id });
    const latest = (await tableEvents(w.session.id)).at(-1)!.id;
    expect(idle.streamFrom).toBe(latest.toString());

    const sent = await w.send("Second");
    const running = run(sent.data.id, 10);
    await waitFor("the turn to be streaming", () => t.db.turnEvent.findFirst({ where: { turnId: sent.data.id, type: "step_delta" } }));
    const mid = await w.api("turns.list", { sessionId: w.session.id });
    expect(mid.items[0]).toMatchObject({ id: sent.data.id, status: "running" });
    const first = await t.db.turnEvent.findFirstOrThrow({ where: { turnId: sent.data.id }, orderBy: { id: "asc" } });
    expect(mid.streamFrom).toBe((first.id - 1n).toString());
    expect(first.type).toBe("turn_started");

    // Subscribing from there replays the running turn from its start, then follows it live.
    const stream = await openSubscription(t.db, "turns.events", { token: w.token, input: { sessionId: w.session.id, lastEventId: mid.streamFrom } });
    try {
      const received = await readUntil(stream, (e) => e.event.type === "turn_completed");
      expect(received[0]!.event).toMatchObject({ type: "turn_started", turnId: sent.data.id });
      expect(received.map((e) => e.id)).toEqual((await tableEvents(w.session.id)).filter((e) => e.id >= first.id).map((e) => e.id.toString()));
    } finally {
      await stream.close();
    }
    expect(await running).toBe("completed");
    expect((await w.api("turns.list", { sessionId: w.session.id })).streamFrom).toBe((await tableEvents(w.session.id)).at(-1)!.id.toString());
  });
});

describe("sessions.messages", () => {
  it("returns messages in seq order, paging back from the newest", async () => {
    const w = await world("roundtable", [{ key: "alpha", name: "Alpha" }, { key: "beta", name: "Beta" }]);
    await sendAndRun(w, "First question");
    await sendAndRun(w, "Second question");
    // Another session's messages never show up here.
    const other = await createSession(t.db, w.user.id, { roomId: w.room.id });
    expect((await w.send("Elsewhere", other.id)).status).toBe(200);

    const all = await w.api("sessions.messages", { sessionId: w.session.id });
    expect(all.items.map((m: { seq: string; role: string; agentKey: string | null }) => [m.seq, m.role, m.agentKey])).toEqual([
      ["1", "user", null],
      ["2", "assistant", "alpha"],
      ["3", "assistant", "beta"],
      ["4", "user", null],
      ["5", "assistant", "alpha"],
      ["6", "assistant", "beta"],
    ]);
    expect(all.items[3].content).toBe("Second question");
    expect(all.nextCursor).toBeNull();

    const newest = await w.api("sessions.messages", { sessionId: w.session.id, limit: 4 });
    expect(newest.items.map((m: { seq: string }) => m.seq)).toEqual(["3", "4", "5", "6"]);
    expect(newest.nextCursor).toBe("3");
    const older = await w.api("sessions.messages", { sessionId: w.session.id, limit: 4, cursor: newest.nextCursor });
    expect(older.items.map((m: { seq: string }) => m.seq)).toEqual(["1", "2"]);
    expect(older.nextCursor).toBeNull();
    // The page is exactly full: no next page is promised.
    const exact = await w.api("sessions.messages", { sessionId: w.session.id, limit: 2, cursor: "3" });
    expect(exact.items.map((m: { seq: string }) => m.seq)).toEqual(["1", "2"]);
    expect(exact.nextCursor).toBeNull();
  });
});

describe("turns.cancel", () => {
  it("cancels a queued turn at once: its job too, and the session takes a new turn", async () => {
    const w = await world("roundtable", [{ key: "alpha" }]);
    const sent = await w.send("Never mind");
    expect((await w.send("Meanwhile")).error?.appCode).toBe("turn_in_progress");
    const cancelled = await w.api("turns.cancel", { turnId: sent.data.id });
    expect(cancelled).toMatchObject({ id: sent.data.id, status: "cancelled", steps: [] });
    expect((await tableEvents(w.session.id)).map((e) => e.type)).toEqual(["turn_cancelled"]);
    const boss = await getWebBoss();
    expect((await boss.getJobById(queues.turnRun.name, sent.data.id))?.state).toBe("cancelled");
    // A worker that picks the job up anyway finds nothing to do.
    expect(await run(sent.data.id)).toBe("cancelled");
    // Cancelling again changes nothing.
    expect(await w.api("turns.cancel", { turnId: sent.data.id })).toMatchObject({ status: "cancelled" });
    expect(await t.db.turnEvent.count({ where: { sessionId: w.session.id } })).toBe(1);
    expect((await w.send("Let's try again")).status).toBe(200);
  });
});

/** Reads data events until `stop` says so; fails on an error event or if the stream ends first. */
async function readUntil(stream: SseStream, stop: (event: TurnEvent) => boolean, onEvent?: (event: TurnEvent) => void, timeoutMs?: number): Promise<TurnEvent[]> {
  const events: TurnEvent[] = [];
  for (;;) {
    const message = await stream.next(timeoutMs);
    if (!message) throw new Error("the stream ended");
    if (message.event === "connected" || message.event === "ping") continue;
    if (message.event) throw new Error(`unexpected ${message.event}: ${message.data}`);
    const event = superjson.parse<TurnEvent>(message.data);
    // The SSE id is the tracked id, the turn_events id; the data carries it too.
    expect(message.id).toBe(event.id);
    events.push(event);
    onEvent?.(event);
    if (stop(event)) return events;
  }
}

/** Subscribers of this process's fan-out for a session (session-stream.ts keeps the hub on globalThis). */
function sessionSubscribers(sessionId: string): number {
  const hub = (globalThis as unknown as { pantheonSessionHub?: { events: { listenerCount(name: string): number } } }).pantheonSessionHub;
  return hub?.events.listenerCount(sessionId) ?? 0;
}

describe("turns.events", () => {
  it("is an unbuffered event stream of tracked, superjson-encoded events", async () => {
    const w = await world("roundtable", [{ key: "alpha" }]);
    const stream = await openSubscription(t.db, "turns.events", { token: w.token, input: { sessionId: w.session.id, lastEventId: "0" } });
    try {
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get("content-type")).toBe("text/event-stream");
      expect(stream.response.headers.get("cache-control")).toContain("no-transform");
      expect(stream.response.headers.get("x-accel-buffering")).toBe("no");
      expect(await stream.next()).toMatchObject({ event: "connected" });

      const sent = await w.send("Hello");
      const running = run(sent.data.id);
      const events = await readUntil(stream, (e) => e.event.type === "turn_completed");
      await running;
      expect(events.map((e) => e.event.type).filter((type) => type !== "step_delta")).toEqual(["turn_started", "step_started", "step_completed", "turn_completed"]);
      expect(events[0]).toMatchObject({ sessionId: w.session.id, turnId: sent.data.id, event: { type: "turn_started", mode: "roundtable", roster: [{ key: "alpha" }] } });
      const stepId = events[1]!.event.type === "step_started" ? events[1]!.event.stepId : null;
      const text = events.flatMap((e) => (e.event.type === "step_delta" && e.event.stepId === stepId ? [e.event.text] : [])).join("");
      expect(text).toBe((await t.db.turnStep.findFirstOrThrow({ where: { turnId: sent.data.id } })).output);
    } finally {
      await stream.close();
    }
  });

  it("without lastEventId, sends only what happens after subscribing", async () => {
    const w = await world("roundtable", [{ key: "alpha" }]);
    await sendAndRun(w, "Before");
    const stream = await openSubscription(t.db, "turns.events", { token: w.token, input: { sessionId: w.session.id } });
    try {
      expect(await stream.next()).toMatchObject({ event: "connected" });
      const sent = await w.send("After");
      const running = run(sent.data.id);
      const events = await readUntil(stream, (e) => e.event.type === "turn_completed");
      await running;
      expect(new Set(events.map((e) => e.turnId))).toEqual(new Set([sent.data.id]));
      expect(events[0]!.event.type).toBe("turn_started");
    } finally {
      await stream.close();
    }
  });

  it("a LISTEN connection lost mid-stream: events written meanwhile still arrive, in order, with no gap", async () => {
    const w = await world("roundtable", [{ key: "alpha" }]);
    const sent = await w.send("Hello");
    const turnId = sent.data.id as string;
    const stream = await openSubscription(t.db, "turns.events", { token: w.token, input: { sessionId: w.session.id, lastEventId: "0" } });
    const write = (text: string) => appendEvents(t.db, w.session.id, [{ type: "step_delta", stepId: randomUUID(), text }], turnId);
    const listenerPids = () =>
      t.db.$queryRaw<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`;
    try {
      await write("before");
      expect((await readUntil(stream, () => true))[0]!.event).toMatchObject({ text: "before" });

      // The process's LISTEN connection drops (a database restart, a proxy timeout): what is
      // committed before it is back is not notified.
      const [listener] = await listenerPids();
      await t.db.$executeRaw`SELECT pg_terminate_backend(${listener!.pid}::int)`;
      await write("while down 1");
      await write("while down 2");
      await waitFor("the listener to reconnect", async () => (await listenerPids()).some((p) => p.pid !== listener!.pid), 10_000, 50);
      await write("after");

      const texts: string[] = [];
      await readUntil(stream, (e) => {
        texts.push((e.event as { text: string }).text);
        return texts.at(-1) === "after";
      }, undefined, 5000);
      expect(texts).toEqual(["while down 1", "while down 2", "after"]);
    } finally {
      await stream.close();
    }
  });

  it.each(["input", "Last-Event-ID header"] as const)(
    "resumes after a disconnect mid-turn with lastEventId (%s): every later event once, in order, no gap",
    async (how) => {
      const w = await world("roundtable", [{ key: "alpha" }, { key: "beta" }, { key: "gamma" }]);
      await sendAndRun(w, "An earlier turn");
      const { streamFrom } = await w.api("turns.list", { sessionId: w.session.id });
      const sent = await w.send("Plan the launch");
      const turnId = sent.data.id as string;

      const first = await openSubscription(t.db, "turns.events", { token: w.token, input: { sessionId: w.session.id, lastEventId: streamFrom } });
      const running = run(turnId, 8);
      // Disconnect after the first agent's step ended, mid-turn.
      const before = await readUntil(first, (e) => e.event.type === "step_completed");
      await first.close();
      const lastId = before.at(-1)!.id;
      // The server let go of the disconnected subscriber (no listener left on the session's fan-out).
      await waitFor("the subscriber to be released", () => sessionSubscribers(w.session.id) === 0, 5000, 20);
      // Events keep coming while nobody listens.
      await waitFor("events written while disconnected", async () => (await t.db.turnEvent.count({ where: { sessionId: w.session.id, id: { gt: BigInt(lastId) } } })) >= 5);
      expect(await t.db.turn.findUniqueOrThrow({ where: { id: turnId } })).toMatchObject({ status: "running" });

      const resume: Omit<RequestOptions, "token"> =
        how === "input" ? { input: { sessionId: w.session.id, lastEventId: lastId } } : { input: { sessionId: w.session.id }, headers: { "last-event-id": lastId } };
      const second = await openSubscription(t.db, "turns.events", { ...resume, token: w.token });
      let after: TurnEvent[];
      try {
        after = await readUntil(second, (e) => e.event.type === "turn_completed" && e.turnId === turnId);
      } finally {
        await second.close();
      }
      expect(await running).toBe("completed");

      const received = [...before, ...after];
      const expected = (await tableEvents(w.session.id)).filter((e) => e.id > BigInt(streamFrom));
      expect(received.map((e) => e.id)).toEqual(expected.map((e) => e.id.toString()));
      expect(received.map((e) => e.event)).toEqual(expected.map((e) => e.payload));
      expect(new Set(received.map((e) => e.id)).size).toBe(received.length);
      expect(BigInt(after[0]!.id)).toBeGreaterThan(BigInt(lastId));
      // The resumed part holds live events too: it was not all catch-up.
      expect(after.filter((e) => e.event.type === "step_completed")).toHaveLength(2);
      expect(received.filter((e) => e.event.type === "step_started").map((e) => (e.event as { agent: { key: string } }).agent.key)).toEqual(["alpha", "beta", "gamma"]);
    },
    30_000,
  );
});

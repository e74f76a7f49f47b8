/**
 * The turn event log against a real database: every event real turns write (an orchestrator turn
 * after a mode change, with a failing specialist and one using a tool, its summary, a cancelled and
 * a failed turn, and a file's status) is
 * stored exactly as its schema reads it; a malformed event is refused and nothing of its batch is
 * written; a row that does not parse (from another version) is skipped by readEvents, which still
 * pages past it, and a subscriber that hears it (a malformed notice) catches up and goes on.
 */
import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { emitFileStatus } from "@/server/domain/files/file-events.ts";
import { setMode } from "@/server/domain/modes/room-mode.ts";
import { renameSession } from "@/server/domain/sessions/sessions.ts";
import { setSetting } from "@/server/domain/settings/settings.ts";
import { failTurn, runTurn } from "@/server/domain/turns/run-turn.ts";
import { sendTurn } from "@/server/domain/turns/send-turn.ts";
import { summarizeSession } from "@/server/domain/turns/summarize-session.ts";
import { cancelTurn } from "@/server/domain/turns/turns.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { roleOf } from "@/test/fake-openai.ts";
import { bindWebSingletons } from "@/test/trpc-http.ts";
import { roomWorld, turnEngineForThisFile } from "@/test/turns.ts";
import { streamSessionEvents } from "./session-stream.ts";
import { turnEventBody, type TurnEventBody } from "./turn-event-schema.ts";
import { appendEvents, readEvents, TURN_EVENTS_CHANNEL, type TurnEvent } from "./turn-events.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t);
// This process's LISTEN connection (for the subscriber test) uses the test database.
bindWebSingletons(() => t.url);

beforeEach(async () => {
  engine.fake.reset();
  await setSetting(t.db, "orchestrator.manager_model", "llama");
});

const agent = (key: string) => ({ key, name: key[0]!.toUpperCase() + key.slice(1), modelAlias: "llama" });

function tableEvents(sessionId: string) {
  return t.db.turnEvent.findMany({ where: { sessionId }, orderBy: { id: "asc" } });
}

/** A row as another version might have written it: no schema of this one checks it. */
async function insertRaw(sessionId: string, type: string, payload: unknown): Promise<bigint> {
  const [row] = await t.db.$queryRaw<{ id: bigint }[]>`
    INSERT INTO turn_events (session_id, type, payload) VALUES (${sessionId}::uuid, ${type}, ${JSON.stringify(payload)}::jsonb) RETURNING id`;
  return row!.id;
}

const delta = (text: string): TurnEventBody => ({ type: "step_delta", stepId: randomUUID(), text });

describe("what the writers write", () => {
  it("every event of real turns parses, unchanged, and together they cover every event type", async () => {
    const w = await roomWorld(t.db, "roundtable", [agent("alice"), agent("bob")]);
    await setMode(t.db, w.user.id, { roomId: w.room.id, mode: "orchestrator" });
    // Alice reads the room's files: her first call asks for a search of them (tool_started, tool_completed).
    await t.db.agent.update({ where: { id: w.agents[0]!.id }, data: { toolPermissions: ["file_read"] } });
    await t.db.$transaction((tx) => emitFileStatus(tx, { roomId: w.room.id, sessionId: null }, { fileId: randomUUID(), status: "failed", error: "The PDF is damaged." }));
    engine.fake.script((r) => {
      if (r.body.tools && !r.messages.some((m) => m.role === "tool")) return { toolCalls: [{ name: "file_search", arguments: { query: "launch" } }] };
      if (r.system.includes("selected_agent_keys")) return JSON.stringify({ selected_agent_keys: ["alice", "bob"] });
      if (r.system.includes('"continue"')) return JSON.stringify({ continue: false });
      if (roleOf(r) === "You are Bob.") return { status: 400, message: "bad request for bob" };
      return "An answer.";
    });
    const send = (message: string) => sendTurn(engine.deps, w.user.id, { sessionId: w.session.id, message, clientRequestId: randomUUID() });

    const ran = await send("When should we launch?");
    expect(await runTurn(engine.deps, ran.id, new AbortController().signal)).toBe("partial");
    expect(await summarizeSession(engine.deps, { sessionId: w.session.id, turnId: ran.id }, new AbortController().signal)).toMatchObject({ summarized: true });
    const cancelled = await send("Never mind.");
    await cancelTurn(engine.deps, w.user.id, cancelled.id);
    const failed = await send("Once more.");
    await failTurn(t.db, failed.id, "job_failed", "The turn could not run.");
    // The session's title changing (a rename here; the title job writes the same event).
    await renameSession(t.db, w.user.id, { id: w.session.id, title: "Launch" });

    const rows = await tableEvents(w.session.id);
    for (const row of rows) expect(turnEventBody.parse(row.payload), `event ${row.id} (${row.type})`).toEqual(row.payload);
    expect(new Set(rows.map((r) => r.type))).toEqual(new Set(turnEventBody.options.map((o) => o.shape.type.value)));
    const bodies = rows.map((r) => turnEventBody.parse(r.payload));
    const kinds = bodies.flatMap((e) => (e.type === "step_started" ? [e.kind] : []));
    expect(new Set(kinds)).toEqual(new Set(["manager_route", "agent", "manager_evaluate", "synthesis", "summary"]));
    expect(bodies.filter((e) => e.type === "step_completed").map((e) => e.status)).toContain("failed");
  });

  it("a malformed event is refused, and nothing of its batch is written", async () => {
    const w = await roomWorld(t.db, "roundtable", [agent("alice")]);
    const malformed = { type: "step_completed", stepId: randomUUID(), status: "running" } as unknown as TurnEventBody;
    await expect(appendEvents(t.db, w.session.id, [delta("fine"), malformed])).rejects.toThrow(ZodError);
    await expect(appendEvents(t.db, w.session.id, [{ type: "turn_cancelled", turnId: "not-a-uuid" }])).rejects.toThrow(ZodError);
    expect(await tableEvents(w.session.id)).toEqual([]);
  });
});

describe("reading", () => {
  it("readEvents skips a row that does not parse, and pages past it", async () => {
    const w = await roomWorld(t.db, "roundtable", []);
    const [first] = await appendEvents(t.db, w.session.id, [delta("first")]);
    const unknownType = await insertRaw(w.session.id, "tool_started", { type: "tool_started", stepId: randomUUID() });
    const missingField = await insertRaw(w.session.id, "step_delta", { type: "step_delta", stepId: randomUUID() });
    const [last] = await appendEvents(t.db, w.session.id, [delta("last")]);

    const all = await readEvents(t.db, w.session.id, 0n);
    expect(all.events).toEqual([first, last]);
    expect(all).toMatchObject({ last: BigInt(last!.id), more: false });

    // A page that ends on unreadable rows still moves the reader past them.
    const page = await readEvents(t.db, w.session.id, 0n, 3);
    expect(page).toMatchObject({ events: [first], last: missingField, more: true });
    const unreadableOnly = await readEvents(t.db, w.session.id, BigInt(first!.id), 2);
    expect(unreadableOnly).toEqual({ events: [], last: missingField, more: true });
    expect(await readEvents(t.db, w.session.id, unknownType, 3)).toEqual({ events: [last], last: BigInt(last!.id), more: false });
  });

  it("a subscriber that hears a malformed event skips it and goes on, in order", async () => {
    const w = await roomWorld(t.db, "roundtable", []);
    const abort = new AbortController();
    const heard: TurnEvent[] = [];
    const stream = streamSessionEvents(t.db, w.session.id, 0n, abort.signal);
    const next = async () => {
      const { value, done } = await stream.next();
      if (done) throw new Error("the stream ended");
      heard.push(value);
      return value;
    };
    try {
      const [before] = await appendEvents(t.db, w.session.id, [delta("before")]);
      expect(await next()).toEqual(before);

      // Another version's event, notified inline as appendEvents would, with a payload this one cannot read.
      await t.db.$transaction(async (tx) => {
        const [row] = await tx.$queryRaw<{ id: bigint; created_at: Date }[]>`
          INSERT INTO turn_events (session_id, type, payload) VALUES (${w.session.id}::uuid, 'tool_started', '{"type":"tool_started"}'::jsonb) RETURNING id, created_at`;
        const notice = { s: w.session.id, e: { id: row!.id.toString(), sessionId: w.session.id, turnId: null, at: row!.created_at.toISOString(), event: { type: "tool_started" } } };
        await tx.$executeRaw`SELECT pg_notify(${TURN_EVENTS_CHANNEL}, ${JSON.stringify(notice)})`;
      });
      await t.db.$executeRaw`SELECT pg_notify(${TURN_EVENTS_CHANNEL}, ${"not json"})`;
      const [after] = await appendEvents(t.db, w.session.id, [delta("after")]);
      expect(await next()).toEqual(after);
      expect(heard.map((e) => e.event)).toEqual([before!.event, after!.event]);
    } finally {
      abort.abort();
      await stream.return(undefined);
    }
  });
});

/**
 * Direct chat (PRODUCT.md 5.2): a session with one agent, outside any room, with its own memory —
 * a room session's messages never reach the direct session's context, and the other way round.
 */
import { randomUUID } from "node:crypto";
import { beforeEach, expect, it } from "vitest";
import { databaseForThisFile } from "@/test/database.ts";
import { roleOf } from "@/test/fake-openai.ts";
import { roomWorld, sendAndRun, turnEngineForThisFile } from "@/test/turns.ts";
import { deleteAgent } from "../agents/agents.ts";
import { createSession } from "../sessions/sessions.ts";
import { sendTurn } from "./send-turn.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t);
beforeEach(() => {
  engine.fake.reset();
  // Echo what the agent was asked, so answers carry the session's secret word.
  engine.fake.script((r) => `${roleOf(r)} You said: ${r.conversation.findLast((m) => m.role === "user")?.content}`);
});

async function directWorld() {
  const w = await roomWorld(t.db, "roundtable", [{ key: "sage", name: "Sage", modelAlias: "llama" }]);
  const sage = w.agents[0]!;
  const direct = await createSession(t.db, w.user.id, { agentId: sage.id });
  return { ...w, sage, direct };
}

it("a session with one agent runs it in direct mode, with no room or roster in its context", async () => {
  const w = await directWorld();
  const turn = await sendAndRun(engine.deps, w.user.id, w.direct.id, "Hello there.");
  expect(turn.mode).toBe("direct");
  expect(turn.status).toBe("completed");
  expect(turn.steps.map((s) => [s.kind, s.agentKey, s.agentId, s.status])).toEqual([["agent", "sage", w.sage.id, "succeeded"]]);
  expect(turn.messages.map((m) => [m.role, m.agentKey, m.content])).toEqual([
    ["user", null, "Hello there."],
    ["assistant", "sage", "You are Sage. You said: Hello there."],
  ]);
  expect(engine.fake.requests).toHaveLength(1);
  expect(engine.fake.requests[0]!.system).toBe("You are Sage.");
  expect(engine.fake.requests[0]!.conversation).toEqual([{ role: "user", content: "Hello there." }]);
  // A direct session has no room: no room activity, no mode machine involved.
  expect(await t.db.turnEvent.count({ where: { turnId: turn.id, type: "mode_applied" } })).toBe(0);
});

it("keeps its memory apart from the agent's room sessions, both ways", async () => {
  const w = await directWorld();
  await sendAndRun(engine.deps, w.user.id, w.session.id, "Room secret: AZURE.");
  await sendAndRun(engine.deps, w.user.id, w.direct.id, "Direct secret: CRIMSON.");
  engine.fake.reset();

  await sendAndRun(engine.deps, w.user.id, w.direct.id, "What did I tell you?");
  const direct = JSON.stringify(engine.fake.requests[0]!.messages);
  expect(direct).toContain("CRIMSON");
  expect(direct).not.toContain("AZURE");
  expect(engine.fake.requests[0]!.conversation).toEqual([
    { role: "user", content: "Direct secret: CRIMSON." },
    // Its own earlier answer, unlabelled.
    { role: "assistant", content: "You are Sage. You said: Direct secret: CRIMSON." },
    { role: "user", content: "What did I tell you?" },
  ]);

  await sendAndRun(engine.deps, w.user.id, w.session.id, "And in the room?");
  const room = JSON.stringify(engine.fake.requests[1]!.messages);
  expect(room).toContain("AZURE");
  expect(room).not.toContain("CRIMSON");

  // A second direct session with the same agent starts blank.
  const fresh = await createSession(t.db, w.user.id, { agentId: w.sage.id });
  await sendAndRun(engine.deps, w.user.id, fresh.id, "Anything?");
  expect(engine.fake.requests[2]!.conversation).toEqual([{ role: "user", content: "Anything?" }]);
});

it("refuses a send once the agent is deleted", async () => {
  const w = await directWorld();
  await deleteAgent(t.db, w.user.id, w.sage.id);
  await expect(sendTurn(engine.deps, w.user.id, { sessionId: w.direct.id, message: "Hi?", clientRequestId: randomUUID() })).rejects.toMatchObject({ code: "not_found" });
  expect(await t.db.turn.count({ where: { sessionId: w.direct.id } })).toBe(0);
});

it("another user's direct session is not found", async () => {
  const w = await directWorld();
  const other = await directWorld();
  await expect(sendTurn(engine.deps, other.user.id, { sessionId: w.direct.id, message: "Hi?", clientRequestId: randomUUID() })).rejects.toMatchObject({ code: "not_found" });
});

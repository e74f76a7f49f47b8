/**
 * Sessions in the workspace, through the real tRPC fetch adapter: rename (with its event), search
 * across all of a user's sessions (ranking, plain-text snippets with match offsets, ownership,
 * deleted sessions, tool and private messages left out, paging), export as Markdown and JSON, and
 * input errors as 400s.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { bindWebSingletons, callApi } from "@/test/trpc-http.ts";
import { roomWorld } from "@/test/turns.ts";
import { createAgent } from "../agents/agents.ts";
import { createRoom, deleteRoom, restoreRoom } from "../rooms/rooms.ts";
import { createSession, deleteSession } from "./sessions.ts";

const t = databaseForThisFile();
bindWebSingletons(() => t.url);

async function world() {
  const w = await roomWorld(t.db, "roundtable", [{ key: "sage", name: "Sage" }]);
  const { token } = await createApiToken(t.db, w.user.id, { name: "test" });
  const call = (path: string, input?: unknown) => callApi(t.db, path, { token, input });
  const api = async (path: string, input?: unknown) => {
    const res = await call(path, input);
    if (res.error) throw new Error(`${path} → ${res.status} ${res.error.appCode}: ${res.error.message}`);
    return res.data;
  };
  return { ...w, token, call, api };
}

let seqs = new Map<string, bigint>();
/** Writes messages straight into a session, as turns would have (search and export only read them). */
async function say(sessionId: string, role: "user" | "assistant" | "tool", content: string, extra: { agentKey?: string; agentName?: string; visibility?: "shared" | "private" } = {}) {
  const seq = (seqs.get(sessionId) ?? 0n) + 1n;
  seqs.set(sessionId, seq);
  await t.db.chatSession.update({ where: { id: sessionId }, data: { lastSeq: seq } });
  return t.db.message.create({ data: { sessionId, seq, role, content, ...extra } });
}
seqs = new Map();

describe("sessions.rename", () => {
  it("trims and stores the title, emits session_title, and refuses bad titles and other users' sessions", async () => {
    const w = await world();
    const renamed = await w.api("sessions.rename", { id: w.session.id, title: "  Launch plan  " });
    expect(renamed).toMatchObject({ id: w.session.id, title: "Launch plan" });
    const listed = await w.api("sessions.list", { roomId: w.room.id });
    expect(listed.items.map((s: { title: string }) => s.title)).toEqual(["Launch plan"]);
    const events = await t.db.turnEvent.findMany({ where: { sessionId: w.session.id, type: "session_title" } });
    expect(events.map((e) => e.payload)).toEqual([{ type: "session_title", sessionId: w.session.id, title: "Launch plan" }]);

    for (const title of ["   ", "x".repeat(121)]) {
      const res = await w.call("sessions.rename", { id: w.session.id, title });
      expect([res.status, res.error?.code]).toEqual([400, "BAD_REQUEST"]);
    }
    const other = await world();
    const res = await other.call("sessions.rename", { id: w.session.id, title: "Mine now" });
    expect([res.status, res.error?.appCode]).toEqual([404, "not_found"]);
    expect((await t.db.chatSession.findUniqueOrThrow({ where: { id: w.session.id } })).title).toBe("Launch plan");
  });
});

describe("sessions.search", () => {
  it("finds a word in any of the user's sessions, best match first, with a plain-text snippet and offsets", async () => {
    const w = await world();
    const roomB = await createRoom(t.db, w.user.id, { name: "Research", goal: "", mode: "roundtable" });
    const roomC = await createRoom(t.db, w.user.id, { name: "Ops", goal: "", mode: "roundtable" });
    const sessionB = await createSession(t.db, w.user.id, { roomId: roomB.id, title: "Vendors" });
    const sessionC = await createSession(t.db, w.user.id, { roomId: roomC.id });
    const agent = await createAgent(t.db, w.user.id, { key: "solo", name: "Solo", modelAlias: "local", rolePrompt: "", toolPermissions: [] });
    const direct = await createSession(t.db, w.user.id, { agentId: agent.id });

    await say(w.session.id, "user", "What about the launch date?");
    const once = await say(sessionB.id, "assistant", "The <b>zeppelin</b> vendor replied\nyesterday.", { agentKey: "sage", agentName: "Sage" });
    const twice = await say(sessionC.id, "user", "Zeppelin, zeppelins and more zeppelin talk.");
    const inDirect = await say(direct.id, "assistant", "A zeppelin is an airship.", { agentKey: "solo", agentName: "Solo" });
    await say(sessionC.id, "tool", "zeppelin search results");
    await say(sessionC.id, "assistant", "private zeppelin notes", { agentKey: "sage", visibility: "private" });
    const deleted = await createSession(t.db, w.user.id, { roomId: roomC.id });
    await say(deleted.id, "user", "a deleted zeppelin");
    await deleteSession(t.db, w.user.id, deleted.id);
    const other = await world();
    await say(other.session.id, "user", "someone else's zeppelin");

    const page = await w.api("sessions.search", { query: "zeppelin" });
    expect(page.items.map((i: { messageId: string }) => i.messageId)).toEqual([twice.id, expect.any(String), expect.any(String)]);
    expect(new Set(page.items.map((i: { messageId: string }) => i.messageId))).toEqual(new Set([twice.id, once.id, inDirect.id]));
    expect(page.nextCursor).toBeNull();

    const hit = page.items.find((i: { messageId: string }) => i.messageId === once.id);
    expect(hit).toMatchObject({ sessionId: sessionB.id, sessionTitle: "Vendors", roomId: roomB.id, roomName: "Research", agentId: null, role: "assistant", agentKey: "sage", speakerName: "Sage" });
    expect(hit.seq).toBe(String(once.seq));
    // Plain text on one line (PostgreSQL's parser drops what looks like markup), the match located by offsets.
    expect(hit.snippet).toBe("The zeppelin vendor replied yesterday");
    expect(hit.highlights.map(([a, b]: [number, number]) => hit.snippet.slice(a, b))).toEqual(["zeppelin"]);
    const directHit = page.items.find((i: { messageId: string }) => i.messageId === inDirect.id);
    expect(directHit).toMatchObject({ roomId: null, roomName: null, agentId: agent.id, agentName: "Solo" });

    // Stemming and websearch syntax; a phrase that is not there finds nothing.
    expect((await w.api("sessions.search", { query: "zeppelins" })).items).toHaveLength(3);
    expect((await w.api("sessions.search", { query: '"zeppelin vendor"' })).items.map((i: { messageId: string }) => i.messageId)).toEqual([once.id]);
    expect((await w.api("sessions.search", { query: "zeppelin -airship" })).items).toHaveLength(2);
    expect((await w.api("sessions.search", { query: "the" })).items).toEqual([]);

    // Paging: two pages of the same ranking.
    const first = await w.api("sessions.search", { query: "zeppelin", limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await w.api("sessions.search", { query: "zeppelin", limit: 2, cursor: first.nextCursor });
    expect([...first.items, ...second.items].map((i: { messageId: string }) => i.messageId)).toEqual(page.items.map((i: { messageId: string }) => i.messageId));
    expect(second.nextCursor).toBeNull();

    // A deleted room hides its sessions' messages until it is restored.
    await deleteRoom(t.db, w.user.id, roomB.id);
    expect((await w.api("sessions.search", { query: "zeppelin" })).items.map((i: { messageId: string }) => i.messageId)).not.toContain(once.id);
    await restoreRoom(t.db, w.user.id, roomB.id);
    expect((await w.api("sessions.search", { query: "zeppelin" })).items.map((i: { messageId: string }) => i.messageId)).toContain(once.id);

    // The other user sees only their own.
    expect((await other.api("sessions.search", { query: "zeppelin" })).items.map((i: { sessionId: string }) => i.sessionId)).toEqual([other.session.id]);

    for (const input of [{ query: "" }, { query: "   " }, { query: "x".repeat(201) }, { query: "zeppelin", cursor: "abc" }, { query: "zeppelin", limit: 0 }]) {
      const res = await w.call("sessions.search", input);
      expect([res.status, res.error?.code]).toEqual([400, "BAD_REQUEST"]);
    }
  });
});

describe("sessions.messages around a search result", () => {
  it("cursor = seq + 1 ends the page at the message; after pages forward to the newest", async () => {
    const w = await world();
    const written = [];
    for (let i = 1; i <= 7; i++) written.push(await say(w.session.id, i % 2 ? "user" : "assistant", `message ${i}`));
    const target = written[2]!; // "message 3"
    const page = await w.api("sessions.messages", { sessionId: w.session.id, cursor: String(target.seq + 1n), limit: 2 });
    expect(page.items.map((m: { content: string }) => m.content)).toEqual(["message 2", "message 3"]);
    expect(page.nextCursor).toBe(String(written[1]!.seq));
    const newer = await w.api("sessions.messages", { sessionId: w.session.id, after: String(target.seq), limit: 3 });
    expect(newer.items.map((m: { content: string }) => m.content)).toEqual(["message 4", "message 5", "message 6"]);
    const newest = await w.api("sessions.messages", { sessionId: w.session.id, after: newer.newerCursor, limit: 3 });
    expect(newest.items.map((m: { content: string }) => m.content)).toEqual(["message 7"]);
    expect(newest.newerCursor).toBeNull();
    const bad = await w.call("sessions.messages", { sessionId: w.session.id, after: "-1" });
    expect(bad.status).toBe(400);
  });
});

describe("sessions.export", () => {
  it("Markdown with the title, room and each message's speaker and time; JSON with the session, messages and turns", async () => {
    const w = await world();
    await w.api("sessions.rename", { id: w.session.id, title: "Launch: plan & dates" });
    await say(w.session.id, "user", "When do we launch?");
    await say(w.session.id, "assistant", "On **Tuesday**.", { agentKey: "sage", agentName: "Sage" });
    await say(w.session.id, "tool", "calendar lookup");

    const md = await w.api("sessions.export", { id: w.session.id, format: "markdown" });
    expect(md.mimeType).toBe("text/markdown");
    expect(md.filename).toMatch(/^launch-plan-dates-\d{4}-\d{2}-\d{2}\.md$/);
    expect(md.content).toContain("# Launch: plan & dates\n");
    expect(md.content).toContain("Room: Room roundtable — Decide the launch plan");
    expect(md.content).toMatch(/\*\*You\*\* · \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\n\nWhen do we launch\?/);
    expect(md.content).toMatch(/\*\*Sage \(@sage\)\*\* · .* UTC\n\nOn \*\*Tuesday\*\*\./);
    expect(md.content).not.toContain("calendar lookup");
    expect(md.content.indexOf("When do we launch?")).toBeLessThan(md.content.indexOf("Tuesday"));

    const json = await w.api("sessions.export", { id: w.session.id, format: "json" });
    expect(json).toMatchObject({ mimeType: "application/json", filename: expect.stringMatching(/\.json$/) });
    const body = JSON.parse(json.content);
    expect(body.session).toMatchObject({ id: w.session.id, title: "Launch: plan & dates", room: { id: w.room.id, name: "Room roundtable" }, agent: null });
    expect(body.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ["user", "When do we launch?"],
      ["assistant", "On **Tuesday**."],
    ]);
    expect(body.turns).toEqual([]);

    const other = await world();
    const res = await other.call("sessions.export", { id: w.session.id, format: "json" });
    expect([res.status, res.error?.appCode]).toEqual([404, "not_found"]);
    const bad = await w.call("sessions.export", { id: w.session.id, format: "pdf" });
    expect([bad.status, bad.error?.code]).toEqual([400, "BAD_REQUEST"]);
    const missing = await w.call("sessions.export", { id: randomUUID(), format: "markdown" });
    expect(missing.status).toBe(404);
  });
});

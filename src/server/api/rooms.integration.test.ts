/**
 * Rooms, agents, modes, sessions and turns through the real tRPC adapter and database: isolation
 * between users for every procedure that takes an id, the mode machine under concurrency, and
 * rosters that stay dense and unique under concurrent edits.
 */
import { randomUUID } from "node:crypto";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { describe, expect, it } from "vitest";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { purgeDeletedRooms } from "@/server/domain/rooms/rooms.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { bindWebSingletons, clientError, firstSubscriptionMessage, trpcClient } from "@/test/trpc-http.ts";
import { appRouter } from "./root.ts";

const t = databaseForThisFile();
// turns.send and turns.cancel enqueue through the web process's pg-boss; no worker runs here.
bindWebSingletons(() => t.url);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read response JSON loosely
type Body = { result?: { data: { json: any } }; error?: { json: { data: { code: string; appCode: string; httpStatus: number } } } };

async function call(token: string, path: string, input?: unknown) {
  const type = (appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)[path]!._def.type;
  if (type === "subscription") {
    // A refused subscription is a 200 event stream whose first event is the error (tRPC 11).
    const first = await firstSubscriptionMessage(t.db, path, { token, input });
    return { status: first.error?.httpStatus ?? first.status, data: first.message, code: first.error?.code, appCode: first.error?.appCode };
  }
  const json = JSON.stringify({ json: input ?? null });
  const url = `http://pantheon.test/api/trpc/${path}`;
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const req = type === "mutation" ? new Request(url, { method: "POST", headers, body: json }) : new Request(`${url}?input=${encodeURIComponent(json)}`, { headers });
  const res = await fetchRequestHandler({ endpoint: "/api/trpc", req, router: appRouter, createContext: () => ({ db: t.db, headers: req.headers }), onError: () => undefined });
  const body = (await res.json()) as Body;
  return { status: res.status, data: body.result?.data.json, code: body.error?.json.data.code, appCode: body.error?.json.data.appCode };
}

async function newUser() {
  const user = await ensureUserByEmail(t.db, `u-${randomUUID()}@example.com`);
  const { token } = await createApiToken(t.db, user.id, { name: "test" });
  const api = async (path: string, input?: unknown) => {
    const res = await call(token, path, input);
    if (res.status !== 200) throw new Error(`${path} → ${res.status} ${res.appCode}`);
    return res.data;
  };
  return { user, token, api, call: (path: string, input?: unknown) => call(token, path, input) };
}

async function world(options: { turn?: boolean } = {}) {
  const a = await newUser();
  const agent = await a.api("agents.create", { key: "code-reviewer", name: "Reviewer", modelAlias: "local" });
  const other = await a.api("agents.create", { key: "writer", name: "Writer", modelAlias: "local" });
  const room = await a.api("rooms.create", { name: "Launch", goal: "Ship it" });
  await a.api("rooms.addAgent", { roomId: room.id, agentId: agent.id });
  const session = await a.api("sessions.create", { roomId: room.id });
  // A queued turn (no worker runs it), for the procedures that take a turn id.
  const turn = options.turn ? await a.api("turns.send", { sessionId: session.id, message: "Plan the launch", clientRequestId: randomUUID() }) : null;
  // A failed agent step on that turn, for turns.retry (only such steps can be retried).
  const step = turn
    ? await t.db.turnStep.create({ data: { turnId: turn.id, index: 1, kind: "agent", agentId: agent.id, agentKey: agent.key, agentName: agent.name, modelAlias: "local", status: "failed" } })
    : null;
  return { a, agent, other, room, session, turn, step };
}

describe("isolation", () => {
  // sessions.search takes no id: it only ever reads the caller's own sessions (sessions-workspace tests).
  const noId = new Set(["agents.list", "agents.create", "agents.models", "rooms.list", "rooms.create", "rooms.templates", "rooms.createFromTemplate", "sessions.search"]);
  const inputs: Record<string, (w: Awaited<ReturnType<typeof world>>) => unknown> = {
    "agents.byId": (w) => ({ id: w.agent.id }),
    "agents.update": (w) => ({ id: w.agent.id, name: "Mine now" }),
    "agents.delete": (w) => ({ id: w.agent.id }),
    "agents.restore": (w) => ({ id: w.agent.id }),
    "rooms.byId": (w) => ({ id: w.room.id }),
    "rooms.update": (w) => ({ id: w.room.id, name: "Mine now" }),
    "rooms.delete": (w) => ({ id: w.room.id }),
    "rooms.restore": (w) => ({ id: w.room.id }),
    "rooms.addAgent": (w) => ({ roomId: w.room.id, agentId: w.other.id }),
    "rooms.removeAgent": (w) => ({ roomId: w.room.id, agentId: w.agent.id }),
    "rooms.reorderAgents": (w) => ({ roomId: w.room.id, agentIds: [w.agent.id] }),
    "mode.get": (w) => ({ roomId: w.room.id }),
    "mode.set": (w) => ({ roomId: w.room.id, mode: "manual" }),
    "mode.history": (w) => ({ roomId: w.room.id }),
    "sessions.create": (w) => ({ roomId: w.room.id }),
    "sessions.list": (w) => ({ roomId: w.room.id }),
    "sessions.delete": (w) => ({ id: w.session.id }),
    "sessions.restore": (w) => ({ id: w.session.id }),
    "sessions.messages": (w) => ({ sessionId: w.session.id }),
    "sessions.rename": (w) => ({ id: w.session.id, title: "Mine now" }),
    "sessions.export": (w) => ({ id: w.session.id, format: "markdown" }),
    "turns.send": (w) => ({ sessionId: w.session.id, message: "Mine now", clientRequestId: randomUUID() }),
    "turns.byId": (w) => ({ id: w.turn!.id }),
    "turns.list": (w) => ({ sessionId: w.session.id }),
    "turns.cancel": (w) => ({ turnId: w.turn!.id }),
    "turns.retry": (w) => ({ stepId: w.step!.id, clientRequestId: randomUUID() }),
    "turns.regenerate": (w) => ({ turnId: w.turn!.id, clientRequestId: randomUUID() }),
    "turns.edit": (w) => ({ turnId: w.turn!.id, message: "Mine now", clientRequestId: randomUUID() }),
    "turns.events": (w) => ({ sessionId: w.session.id, lastEventId: "0" }),
  };
  const scoped = Object.keys(appRouter._def.procedures).filter((p) => /^(agents|rooms|mode|sessions|turns)\./.test(p));

  it("covers every procedure of these routers", () => {
    expect(scoped.filter((p) => !noId.has(p) && !inputs[p])).toEqual([]);
  });

  it.each(Object.keys(inputs))("%s: another user's id is NOT_FOUND, and changes nothing", async (path) => {
    const w = await world({ turn: path.startsWith("turns.") });
    const b = await newUser();
    // restore only applies to deleted rooms: make A's room one, so only ownership can refuse B.
    if (path === "rooms.restore") {
      await w.a.api("rooms.delete", { id: w.room.id });
      const res = await b.call(path, inputs[path]!(w));
      expect(res.status).toBe(404);
      expect((await w.a.api("rooms.list", { deleted: true })).items.map((r: { id: string }) => r.id)).toContain(w.room.id);
      return;
    }
    // Likewise for A's deleted session and agent: B's restore is NOT_FOUND and they stay deleted.
    if (path === "sessions.restore" || path === "agents.restore") {
      const id = path === "sessions.restore" ? w.session.id : w.agent.id;
      await w.a.api(path === "sessions.restore" ? "sessions.delete" : "agents.delete", { id });
      const res = await b.call(path, inputs[path]!(w));
      expect(res).toMatchObject({ status: 404, code: "NOT_FOUND", appCode: "not_found" });
      const row = path === "sessions.restore" ? await t.db.chatSession.findUniqueOrThrow({ where: { id } }) : await t.db.agent.findUniqueOrThrow({ where: { id } });
      expect(row.deletedAt).not.toBeNull();
      return;
    }
    const before = await w.a.api("rooms.byId", { id: w.room.id });
    const turnsBefore = await w.a.api("turns.list", { sessionId: w.session.id });
    const res = await b.call(path, inputs[path]!(w));
    expect(res.status).toBe(404);
    expect(res).toMatchObject({ code: "NOT_FOUND", appCode: "not_found" });
    expect(await w.a.api("rooms.byId", { id: w.room.id })).toEqual(before);
    expect((await w.a.api("agents.byId", { id: w.agent.id })).name).toBe("Reviewer");
    expect((await w.a.api("sessions.list", { roomId: w.room.id })).items.map((x: { id: string }) => x.id)).toEqual([w.session.id]);
    // No turn was added, cancelled or asked to cancel; B's refused send did not count against anyone.
    expect(await w.a.api("turns.list", { sessionId: w.session.id })).toEqual(turnsBefore);
    expect(await t.db.turn.count({ where: { OR: [{ userId: b.user.id }, { userId: w.a.user.id, cancelRequestedAt: { not: null } }] } })).toBe(0);
  });

  it("gives a tRPC client NOT_FOUND in data.code and not_found in data.appCode for another user's id", async () => {
    const w = await world();
    const b = trpcClient(t.db, (await newUser()).token);
    const calls = [() => b.rooms.byId.query({ id: w.room.id }), () => b.agents.update.mutate({ id: w.agent.id, name: "Mine now" }), () => b.sessions.messages.query({ sessionId: w.session.id })];
    for (const call of calls) {
      const error = await clientError(call());
      expect(error.data).toMatchObject({ code: "NOT_FOUND", httpStatus: 404, appCode: "not_found", details: null, zodError: null });
    }
    // An id that is not one at all is the caller's input to fix.
    const malformed = await clientError(b.rooms.byId.query({ id: "not-a-uuid" }));
    expect(malformed.data).toMatchObject({ code: "BAD_REQUEST", appCode: "invalid_input", zodError: { fieldErrors: { id: expect.any(Array) } } });
  });

  it("A's ids inside B's own requests are NOT_FOUND too", async () => {
    const w = await world();
    const b = await newUser();
    const bRoom = await b.api("rooms.create", { name: "B's room" });
    const bAgent = await b.api("agents.create", { key: "b-agent", name: "B agent", modelAlias: "local" });
    await b.api("rooms.addAgent", { roomId: bRoom.id, agentId: bAgent.id });
    expect((await b.call("rooms.addAgent", { roomId: bRoom.id, agentId: w.agent.id })).status).toBe(404);
    expect((await b.call("rooms.reorderAgents", { roomId: bRoom.id, agentIds: [w.agent.id] })).status).toBe(409);
    expect((await b.call("rooms.removeAgent", { roomId: bRoom.id, agentId: w.agent.id })).status).toBe(404);
    // A's ids as list cursors behave like unknown ids: an empty page, nothing about A's data.
    for (const [path, input] of [
      ["rooms.list", { cursor: w.room.id }],
      ["agents.list", { cursor: w.agent.id }],
      ["sessions.list", { roomId: bRoom.id, cursor: w.session.id }],
    ] as const) {
      const page = await b.api(path, input);
      expect(page, path).toEqual({ items: [], nextCursor: null });
    }
    expect((await b.api("rooms.byId", { id: bRoom.id })).roster.map((r: { id: string }) => r.id)).toEqual([bAgent.id]);

    // A's turn id as B's turns.list cursor, and A's clientRequestId in B's send: B sees only B's turns.
    const aTurn = await w.a.api("turns.send", { sessionId: w.session.id, message: "A's question", clientRequestId: "shared-request-id" });
    const bSession = await b.api("sessions.create", { roomId: bRoom.id });
    expect(await b.api("turns.list", { sessionId: bSession.id, cursor: aTurn.id })).toMatchObject({ items: [], nextCursor: null });
    const bTurn = await b.api("turns.send", { sessionId: bSession.id, message: "B's question", clientRequestId: "shared-request-id" });
    expect(bTurn.id).not.toBe(aTurn.id);
    expect(bTurn).toMatchObject({ sessionId: bSession.id, userInput: "B's question" });
  });

  it("usage: B's usage procedures show none of A's data, and A's ids as cursors give empty pages", async () => {
    const w = await world();
    const b = await newUser();
    // A has a ledger row and transactions (the signup grant); B has only B's grant.
    await w.a.api("usage.wallet");
    await t.db.llmCallEvent.create({
      data: {
        userId: w.a.user.id, roomId: w.room.id, sessionId: w.session.id, callPurpose: "agent_reply", mode: "manual", provider: "local", modelAlias: "local",
        providerModel: "local", inputTokensFresh: 1, inputTokensCached: 0, outputTokens: 1, totalTokens: 2, usageSource: "provider", oeTokens: "1.35",
        multiplier: "0.5", creditsBurned: "0.42", providerCostUsd: "0", pricingVersion: 1, status: "success", idempotencyKey: randomUUID(), startedAt: new Date(),
      },
    });
    const aTransaction = await t.db.creditTransaction.findFirstOrThrow({ where: { userId: w.a.user.id } });
    const aEvent = await t.db.llmCallEvent.findFirstOrThrow({ where: { userId: w.a.user.id } });
    const inputs: Record<string, unknown> = {
      "usage.wallet": undefined,
      "usage.transactions": { cursor: aTransaction.id },
      "usage.events": { cursor: aEvent.id },
      "usage.summary": { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString(), groupBy: "room" },
    };
    expect(Object.keys(appRouter._def.procedures).filter((p) => p.startsWith("usage.") && !(p in inputs))).toEqual([]);
    for (const [path, input] of Object.entries(inputs)) {
      const res = await b.call(path, input);
      expect(res.status, path).toBe(200);
      const text = JSON.stringify(res.data);
      for (const id of [w.a.user.id, w.room.id, aTransaction.id, aEvent.id]) expect(text, path).not.toContain(id);
    }
    expect((await b.call("usage.transactions", { cursor: aTransaction.id })).data).toEqual({ items: [], nextCursor: null });
    expect((await b.call("usage.events", { cursor: aEvent.id })).data).toEqual({ items: [], nextCursor: null });
    expect((await b.call("usage.summary", inputs["usage.summary"])).data.groups).toEqual([]);
    expect((await b.call("usage.wallet")).data).toMatchObject({ balance: "100", reserved: "0" });
  });

  it("direct sessions: another user's agent is NOT_FOUND", async () => {
    const w = await world();
    const b = await newUser();
    expect((await b.call("sessions.create", { agentId: w.agent.id })).status).toBe(404);
    expect((await b.call("sessions.list", { agentId: w.agent.id })).status).toBe(404);
  });
});

describe("agents", () => {
  it("keys allow hyphens, are unique per owner among live agents, and free up on delete", async () => {
    const a = await newUser();
    const b = await newUser();
    const first = await a.api("agents.create", { key: "Data-Analyst_2", name: "Analyst", modelAlias: "local" });
    expect(first.key).toBe("data-analyst_2");
    const dup = await a.call("agents.create", { key: "data-analyst_2", name: "Again", modelAlias: "local" });
    expect(dup.status).toBe(409);
    expect((await b.call("agents.create", { key: "data-analyst_2", name: "Theirs", modelAlias: "local" })).status).toBe(200);
    await a.api("agents.delete", { id: first.id });
    expect((await a.call("agents.create", { key: "data-analyst_2", name: "Reborn", modelAlias: "local" })).status).toBe(200);
  });

  it("a partial update changes only the fields it names", async () => {
    const a = await newUser();
    const agent = await a.api("agents.create", { key: "keeper", name: "Keeper", modelAlias: "local", rolePrompt: "Keep things.", toolPermissions: ["search"] });
    const updated = await a.api("agents.update", { id: agent.id, name: "Keeper II" });
    expect(updated).toMatchObject({ name: "Keeper II", key: "keeper", rolePrompt: "Keep things.", toolPermissions: ["search"] });
  });

  it("rejects bad keys, unknown models and unknown tools with field errors", async () => {
    const a = await newUser();
    for (const input of [
      { key: "-starts-with-dash", name: "x", modelAlias: "local" },
      { key: "has space", name: "x", modelAlias: "local" },
      { key: "ok", name: "x", modelAlias: "gpt-17" },
      { key: "ok", name: "x", modelAlias: "local", toolPermissions: ["rm_rf"] },
      { key: "ok", name: "nul\u0000byte", modelAlias: "local" },
    ]) {
      const res = await a.call("agents.create", input);
      expect(res.status, JSON.stringify(input)).toBe(400);
    }
  });

  it("deleting an agent takes it off every roster, keeping positions dense", async () => {
    const a = await newUser();
    const [x, y, z] = await Promise.all(["x", "y", "z"].map((key) => a.api("agents.create", { key, name: key, modelAlias: "local" })));
    const rooms = await Promise.all([1, 2].map((n) => a.api("rooms.create", { name: `Room ${n}` })));
    for (const room of rooms) for (const agent of [x, y, z]) await a.api("rooms.addAgent", { roomId: room.id, agentId: agent.id });
    await a.api("agents.delete", { id: y.id });
    for (const room of rooms) {
      const full = await a.api("rooms.byId", { id: room.id });
      expect(full.roster.map((r: { key: string; position: number }) => [r.key, r.position])).toEqual([["x", 1], ["z", 2]]);
    }
  });

  it("serves the model catalog with the offline model available", async () => {
    const a = await newUser();
    const models = await a.api("agents.models");
    expect(models.find((m: { alias: string }) => m.alias === "local")).toMatchObject({ available: true, offline: true });
    // The offline model first; the OpenRouter aliases are listed, unavailable until it has a key.
    expect(models[0]).toMatchObject({ alias: "local", provider: "local" });
    expect(models.map((m: { alias: string }) => m.alias).sort()).toEqual(["deepseek", "free", "gpt_oss", "llama", "local", "premium", "qwen"]);
    expect(models.find((m: { alias: string }) => m.alias === "llama")).toMatchObject({ available: false, unavailableReason: "its provider OpenRouter is disabled", price: { outputPerMTokUsd: "0.3" } });
  });
});

describe("rooms", () => {
  it("default to orchestrator, list newest activity first with cursors, and search by name", async () => {
    const a = await newUser();
    for (let i = 1; i <= 5; i++) await a.api("rooms.create", { name: `Room ${i}` });
    const page1 = await a.api("rooms.list", { limit: 2 });
    expect(page1.items).toHaveLength(2);
    expect(page1.items[0].currentMode).toBe("orchestrator");
    const page2 = await a.api("rooms.list", { limit: 2, cursor: page1.nextCursor });
    const page3 = await a.api("rooms.list", { limit: 2, cursor: page2.nextCursor });
    expect(page3.nextCursor).toBeNull();
    const names = [...page1.items, ...page2.items, ...page3.items].map((r: { name: string }) => r.name);
    expect(new Set(names).size).toBe(5);
    expect((await a.api("rooms.list", { query: "room 3" })).items.map((r: { name: string }) => r.name)).toEqual(["Room 3"]);
  });

  it("restore within 7 days, not after; the purge removes old ones with their sessions", async () => {
    const w = await world();
    await w.a.api("rooms.delete", { id: w.room.id });
    expect((await w.a.call("rooms.byId", { id: w.room.id })).status).toBe(404);
    expect((await w.a.api("rooms.list", { deleted: true })).items.map((r: { id: string }) => r.id)).toEqual([w.room.id]);
    await w.a.api("rooms.restore", { id: w.room.id });
    expect((await w.a.call("rooms.byId", { id: w.room.id })).status).toBe(200);

    await t.db.room.update({ where: { id: w.room.id }, data: { deletedAt: new Date(Date.now() - 8 * 86_400_000) } });
    const late = await w.a.call("rooms.restore", { id: w.room.id });
    expect(late.status).toBe(422);
    expect(late).toMatchObject({ code: "UNPROCESSABLE_CONTENT", appCode: "restore_window_expired" });

    const recent = await w.a.api("rooms.create", { name: "Deleted yesterday" });
    await t.db.room.update({ where: { id: recent.id }, data: { deletedAt: new Date(Date.now() - 86_400_000) } });
    const live = await w.a.api("rooms.create", { name: "Alive" });

    expect(await purgeDeletedRooms(t.db)).toBeGreaterThanOrEqual(1);
    expect(await t.db.room.count({ where: { id: w.room.id } })).toBe(0);
    expect(await t.db.chatSession.count({ where: { id: w.session.id } })).toBe(0);
    expect(await t.db.room.count({ where: { id: { in: [recent.id, live.id] } } })).toBe(2);
  });

  it("quick-start templates create a room with a ready roster, reusing agents the user has", async () => {
    const a = await newUser();
    const mine = await a.api("agents.create", { key: "editor", name: "My editor", modelAlias: "local" });
    const room = await a.api("rooms.createFromTemplate", { templateId: "writing-desk" });
    const full = await a.api("rooms.byId", { id: room.id });
    expect(full.mode.currentMode).toBe("manual");
    expect(full.roster.map((r: { key: string }) => r.key)).toEqual(["editor", "fact-checker"]);
    expect(full.roster[0].id).toBe(mine.id);
    await a.api("rooms.createFromTemplate", { templateId: "writing-desk" });
    expect((await a.api("agents.list", { limit: 100 })).items).toHaveLength(2);
  });

  it("validates names", async () => {
    const a = await newUser();
    expect((await a.call("rooms.create", { name: "   " })).status).toBe(400);
    expect((await a.call("rooms.create", { name: "x".repeat(201) })).status).toBe(400);
    expect((await a.api("rooms.create", { name: "  Trimmed  " })).name).toBe("Trimmed");
  });
});

describe("mode", () => {
  it("history refuses cursors that are not history ids with a 400", async () => {
    const w = await world();
    expect((await w.a.call("mode.history", { roomId: w.room.id, cursor: "99999999999999999999" })).status).toBe(400);
  });

  it("set writes pending only; setting the current mode clears it; history audits both", async () => {
    const w = await world();
    const requested = await w.a.api("mode.set", { roomId: w.room.id, mode: "manual" });
    expect(requested).toMatchObject({ currentMode: "orchestrator", pendingMode: "manual", version: 1 });
    const cleared = await w.a.api("mode.set", { roomId: w.room.id, mode: "orchestrator" });
    expect(cleared).toMatchObject({ currentMode: "orchestrator", pendingMode: null, version: 2 });
    const history = await w.a.api("mode.history", { roomId: w.room.id });
    expect(history.items.map((h: { kind: string }) => h.kind)).toEqual(["cleared", "requested"]);
  });

  it("two concurrent sets with the same expectedVersion: exactly one wins, the other is CONFLICT", async () => {
    for (let round = 0; round < 5; round++) {
      const w = await world();
      const results = await Promise.all(
        (["manual", "roundtable"] as const).map((mode) => w.a.call("mode.set", { roomId: w.room.id, mode, expectedVersion: 0 })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      const mode = await w.a.api("mode.get", { roomId: w.room.id });
      expect(mode.version).toBe(1);
      expect(await t.db.modeTransition.count({ where: { roomId: w.room.id } })).toBe(1);
    }
  });

  it("applyPendingMode makes the pending mode current, audited with the turn", async () => {
    const { applyPendingMode } = await import("@/server/domain/modes/room-mode.ts");
    const w = await world();
    await w.a.api("mode.set", { roomId: w.room.id, mode: "roundtable" });
    const turnId = randomUUID();
    const applied = await t.db.$transaction((tx) => applyPendingMode(tx, w.room.id, w.a.user.id, turnId));
    expect(applied).toEqual({ mode: "roundtable", applied: { from: "orchestrator", to: "roundtable" } });
    expect(await w.a.api("mode.get", { roomId: w.room.id })).toMatchObject({ currentMode: "roundtable", pendingMode: null, version: 2 });
    expect(await t.db.modeTransition.findFirst({ where: { roomId: w.room.id, kind: "applied" } })).toMatchObject({ turnId });
    expect(await t.db.$transaction((tx) => applyPendingMode(tx, w.room.id, w.a.user.id, randomUUID()))).toEqual({ mode: "roundtable", applied: null });

    // Rolled back with its transaction, nothing is applied.
    await w.a.api("mode.set", { roomId: w.room.id, mode: "manual" });
    await expect(
      t.db.$transaction(async (tx) => {
        await applyPendingMode(tx, w.room.id, w.a.user.id, randomUUID());
        throw new Error("turn refused");
      }),
    ).rejects.toThrow("turn refused");
    expect(await w.a.api("mode.get", { roomId: w.room.id })).toMatchObject({ currentMode: "roundtable", pendingMode: "manual" });
  });
});

describe("concurrency between agents and rosters", () => {
  it("an agent deleted while being added never stays on a roster", async () => {
    for (let round = 0; round < 5; round++) {
      const a = await newUser();
      const agent = await a.api("agents.create", { key: `racer-${round}`, name: "Racer", modelAlias: "local" });
      const rooms = await Promise.all([1, 2, 3].map((n) => a.api("rooms.create", { name: `Race ${n}` })));
      await Promise.all([
        ...rooms.map((room) => a.call("rooms.addAgent", { roomId: room.id, agentId: agent.id })),
        a.call("agents.delete", { id: agent.id }),
      ]);
      expect(await t.db.roomAgent.count({ where: { agentId: agent.id } })).toBe(0);
    }
  });

  it("concurrent templates share the agents they create", async () => {
    const a = await newUser();
    const results = await Promise.all([1, 2, 3].map(() => a.call("rooms.createFromTemplate", { templateId: "code-review" })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await a.api("agents.list", { limit: 100 })).items).toHaveLength(2);
  });
});

describe("roster under concurrency", () => {
  it("stays dense and unique through concurrent adds, removes and reorders", async () => {
    const a = await newUser();
    const room = await a.api("rooms.create", { name: "Busy" });
    const agents = await Promise.all(Array.from({ length: 8 }, (_, i) => a.api("agents.create", { key: `agent-${i}`, name: `Agent ${i}`, modelAlias: "local" })));
    for (const agent of agents.slice(0, 4)) await a.api("rooms.addAgent", { roomId: room.id, agentId: agent.id });

    const ops = [
      ...agents.slice(4).map((agent) => () => a.call("rooms.addAgent", { roomId: room.id, agentId: agent.id, position: 1 })),
      ...agents.slice(0, 2).map((agent) => () => a.call("rooms.removeAgent", { roomId: room.id, agentId: agent.id })),
      async () => {
        const current = await a.api("rooms.byId", { id: room.id });
        return a.call("rooms.reorderAgents", { roomId: room.id, agentIds: current.roster.map((r: { id: string }) => r.id).reverse() });
      },
    ];
    const results = await Promise.all(ops.map((op) => op()));
    // A reorder that raced with another edit is refused with CONFLICT; everything else succeeds.
    for (const r of results) expect([200, 409]).toContain(r.status);

    const rows = await t.db.roomAgent.findMany({ where: { roomId: room.id }, orderBy: { position: "asc" } });
    expect(rows.map((r) => r.position)).toEqual(rows.map((_, i) => i + 1));
    expect(rows).toHaveLength(6);
  });
});

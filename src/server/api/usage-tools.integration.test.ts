/**
 * `usage.summary` counts paid tool calls (PRODUCT.md 7.5), through the real tRPC adapter and
 * database: turns that search (models on a fake OpenAI-compatible server, search on a fake Tavily),
 * then the summary compared, group by group, with the user's wallet debits placed where their calls
 * were made. A paid search counts in the totals, its day, its turn's room, its step's agent, and as
 * its own "(tool)" row by model; denied, failed and cancelled calls add nothing; another user's
 * calls never count; a search whose turn was purged still counts, under "purged".
 */
import { randomUUID } from "node:crypto";
import { Decimal } from "decimal.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { createSession } from "@/server/domain/sessions/sessions.ts";
import { getSettings } from "@/server/domain/settings/settings.ts";
import { runTurn } from "@/server/domain/turns/run-turn.ts";
import { sendTurn } from "@/server/domain/turns/send-turn.ts";
import { cancelTurn } from "@/server/domain/turns/turns.ts";
import { env } from "@/server/env.ts";
import { databaseForThisFile } from "@/test/database.ts";
import type { FakeRequest } from "@/test/fake-openai.ts";
import { startFakeTavily, type FakeSearch } from "@/test/fake-search.ts";
import { trpcClient } from "@/test/trpc-http.ts";
import { roomWorld, sendAndRun, turnEngineForThisFile } from "@/test/turns.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t);
let tavily: FakeSearch;
const deps = () => ({ ...engine.deps, env: { ...env, TAVILY_API_KEY: "tvly-test", TAVILY_BASE_URL: tavily.baseURL } });

beforeAll(async () => {
  tavily = await startFakeTavily([{ title: "Solar prices", url: "https://example.com/solar", content: "Panel prices fell." }]);
});
afterAll(() => tavily.close());
beforeEach(() => {
  engine.fake.reset();
  tavily.reset();
  tavily.answer();
  // Every model asks to search first, offered the tool or not (an agent without it is denied); with
  // a result (or a refusal) back, it answers.
  engine.fake.script((r: FakeRequest) => (r.messages.some((m) => m.role === "tool") ? "Prices fell." : { toolCalls: [{ name: "search", arguments: { query: "solar prices" } }] }));
});

/** A user with a roundtable room: Scout may search, Critic may not; and a tRPC client as them. */
async function world() {
  const w = await roomWorld(t.db, "roundtable", [
    { key: "scout", name: "Scout", modelAlias: "llama" },
    { key: "critic", name: "Critic", modelAlias: "llama" },
  ]);
  await t.db.agent.update({ where: { id: w.agents[0]!.id }, data: { toolPermissions: ["search"] } });
  const { token } = await createApiToken(t.db, w.user.id, { name: "test" });
  return { ...w, scout: w.agents[0]!, critic: w.agents[1]!, api: trpcClient(t.db, token) };
}

const groupings = ["day", "model", "room", "agent"] as const;
type Grouping = (typeof groupings)[number];
interface Expected {
  credits: Decimal;
  calls: number;
  toolCredits: Decimal;
  toolCalls: number;
}
const dayOf = (at: Date) => at.toISOString().slice(0, 10);

/**
 * The user's wallet debits, each placed where its call was made (the LLM call or tool call it
 * references), summed per grouping. Built from the wallet, not the summary's query: what the user
 * was charged, by day, model or tool, room and agent.
 */
async function debitsBy(userId: string): Promise<Record<Grouping, Record<string, Expected>> & { total: Decimal }> {
  const debits = await t.db.creditTransaction.findMany({ where: { userId, kind: "debit" } });
  const llm = new Map((await t.db.llmCallEvent.findMany({ where: { userId } })).map((row) => [row.idempotencyKey, row]));
  const tools = new Map(
    (await t.db.toolCallEvent.findMany({ where: { userId }, include: { step: true, turn: { include: { session: true } } } })).map((row) => [row.key, row]),
  );
  const by: Record<Grouping, Record<string, Expected>> = { day: {}, model: {}, room: {}, agent: {} };
  const add = (grouping: Grouping, key: string, amount: Decimal, tool: boolean) => {
    const e = (by[grouping][key] ??= { credits: new Decimal(0), calls: 0, toolCredits: new Decimal(0), toolCalls: 0 });
    e.credits = e.credits.plus(amount);
    if (tool) {
      e.toolCredits = e.toolCredits.plus(amount);
      e.toolCalls++;
    } else e.calls++;
  };
  let total = new Decimal(0);
  for (const debit of debits) {
    const amount = new Decimal(debit.amount.toString()).negated();
    total = total.plus(amount);
    const call = llm.get(debit.referenceId!);
    const tool = tools.get(debit.referenceId!);
    if (call) {
      add("day", dayOf(call.createdAt), amount, false);
      add("model", call.modelAlias, amount, false);
      add("room", call.roomId ?? (call.sessionId ? "direct" : "deleted"), amount, false);
      add("agent", call.agentId ?? (call.callPurpose === "summary" ? "summary" : "manager"), amount, false);
    } else if (tool) {
      add("day", dayOf(tool.finishedAt!), amount, true);
      add("model", `tool:${tool.tool}`, amount, true);
      add("room", tool.turn ? (tool.turn.session.roomId ?? "direct") : "purged", amount, true);
      add("agent", tool.step?.agentId ?? "purged", amount, true);
    } else throw new Error(`a debit for no call: ${debit.referenceId}`);
  }
  return { ...by, total };
}

type Api = Awaited<ReturnType<typeof world>>["api"];
const range = () => ({ from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() });

/** The summary for every grouping equals the debits placed the same way; returns the summaries. */
async function expectSummaryEqualsDebits(api: Api, userId: string) {
  const expected = await debitsBy(userId);
  const input = range();
  const out = {} as Record<Grouping, Awaited<ReturnType<Api["usage"]["summary"]["query"]>>>;
  for (const groupBy of groupings) {
    const summary = await api.usage.summary.query({ ...input, groupBy });
    out[groupBy] = summary;
    expect(summary.total.credits, groupBy).toBe(expected.total.toFixed());
    const got = Object.fromEntries(summary.groups.map((g) => [g.key, { credits: g.credits, calls: g.calls, toolCredits: g.toolCredits, toolCalls: g.toolCalls }]));
    const want = Object.fromEntries(
      Object.entries(expected[groupBy]).map(([key, e]) => [key, { credits: e.credits.toFixed(), calls: e.calls, toolCredits: e.toolCredits.toFixed(), toolCalls: e.toolCalls }]),
    );
    expect(got, groupBy).toEqual(want);
    const toolTotal = Object.values(expected[groupBy]).reduce((sum, e) => sum.plus(e.toolCredits), new Decimal(0));
    expect(summary.total, groupBy).toMatchObject({
      toolCredits: toolTotal.toFixed(),
      toolCalls: Object.values(expected[groupBy]).reduce((n, e) => n + e.toolCalls, 0),
      calls: Object.values(expected[groupBy]).reduce((n, e) => n + e.calls, 0),
    });
  }
  return out;
}

describe("usage.summary with paid tool calls", () => {
  it("a paid search counts in the totals, its day, its room, its agent and as its own tool row; the totals are the wallet's debits; another user's never count", async () => {
    const price = new Decimal((await getSettings(t.db))["tools.search_credits"]);
    expect(price.gt(0)).toBe(true);
    const a = await world();
    const b = await world();
    const inRoom = await sendAndRun(deps(), a.user.id, a.session.id, "What happened to solar prices?");
    expect(inRoom.status).toBe("completed");
    // In a direct chat with Scout too: a room-less search.
    const direct = await createSession(t.db, a.user.id, { agentId: a.scout.id });
    expect((await sendAndRun(deps(), a.user.id, direct.id, "And this week?")).status).toBe("completed");
    // Another user's paid search in the same hour.
    expect((await sendAndRun(deps(), b.user.id, b.session.id, "Solar prices, please.")).status).toBe("completed");

    const calls = await t.db.toolCallEvent.findMany({ where: { userId: a.user.id }, orderBy: { startedAt: "asc" } });
    // Scout searched (twice: room and direct chat); Critic asked and was denied, for nothing.
    expect(calls.map((c) => [c.status, c.credits.toFixed()])).toEqual([
      ["succeeded", price.toFixed()],
      ["denied", "0"],
      ["succeeded", price.toFixed()],
    ]);

    const summary = await expectSummaryEqualsDebits(a.api, a.user.id);
    const llmCredits = (await t.db.llmCallEvent.findMany({ where: { userId: a.user.id } })).reduce((sum, r) => sum.plus(r.creditsBurned.toString()), new Decimal(0));
    // The summary is more than the ledger by exactly the two searches: what the wallet lost.
    expect(new Decimal(summary.day.total.credits).minus(llmCredits).toFixed()).toBe(price.times(2).toFixed());
    expect(summary.day.total).toMatchObject({ toolCredits: price.times(2).toFixed(), toolCalls: 2 });

    // The tool's own row by model, named for it; the model rows keep their meaning (model calls, tokens).
    const searchRow = summary.model.groups.find((g) => g.key === "tool:search");
    expect(searchRow).toEqual({ key: "tool:search", label: "search (tool)", credits: price.times(2).toFixed(), calls: 0, tokens: 0, inputTokens: 0, cachedTokens: 0, outputTokens: 0, toolCredits: price.times(2).toFixed(), toolCalls: 2 });
    expect(summary.model.groups.find((g) => g.key === "llama")).toMatchObject({ credits: llmCredits.toFixed(), toolCalls: 0, toolCredits: "0" });
    // Rooms and agents named; the search counts for Scout, never for Critic (denied).
    const rooms = Object.fromEntries(summary.room.groups.map((g) => [g.key, g]));
    expect(rooms[a.room.id]).toMatchObject({ label: a.room.name, toolCalls: 1, toolCredits: price.toFixed() });
    expect(rooms.direct).toMatchObject({ label: "Direct chats", toolCalls: 1, toolCredits: price.toFixed() });
    const agents = Object.fromEntries(summary.agent.groups.map((g) => [g.key, g]));
    expect(agents[a.scout.id]).toMatchObject({ label: "Scout", toolCalls: 2, toolCredits: price.times(2).toFixed() });
    expect(agents[a.critic.id]).toMatchObject({ label: "Critic", toolCalls: 0, toolCredits: "0" });
    expect(JSON.stringify(summary)).not.toContain(b.room.id);

    // B sees theirs only.
    const bSummary = await expectSummaryEqualsDebits(b.api, b.user.id);
    expect(bSummary.room.groups.map((g) => g.key)).toEqual([b.room.id]);
    expect(bSummary.day.total).toMatchObject({ toolCalls: 1, toolCredits: price.toFixed() });
  });

  it("denied, failed and cancelled calls add nothing", async () => {
    const w = await world();
    // Failed: the provider answers 500.
    tavily.fail(500);
    expect((await sendAndRun(deps(), w.user.id, w.session.id, "Search, please.")).status).toBe("completed");
    // Cancelled: the search hangs and the turn is cancelled.
    tavily.reset();
    tavily.hang();
    const turn = await sendTurn(deps(), w.user.id, { sessionId: w.session.id, message: "Search slowly.", clientRequestId: randomUUID() });
    const run = runTurn(deps(), turn.id, new AbortController().signal);
    await tavily.waitForRequests(1);
    await cancelTurn(deps(), w.user.id, turn.id);
    expect(await run).toBe("cancelled");
    tavily.answer();

    const calls = await t.db.toolCallEvent.findMany({ where: { userId: w.user.id }, orderBy: { startedAt: "asc" } });
    expect(calls.map((c) => c.status).sort()).toEqual(["cancelled", "denied", "failed"]);
    const summary = await expectSummaryEqualsDebits(w.api, w.user.id);
    for (const groupBy of groupings) {
      expect(summary[groupBy].total, groupBy).toMatchObject({ toolCalls: 0, toolCredits: "0" });
      expect(summary[groupBy].groups.every((g) => g.toolCalls === 0 && g.toolCredits === "0"), groupBy).toBe(true);
    }
    expect(summary.model.groups.map((g) => g.key)).toEqual(["llama"]);
    const ledger = (await t.db.llmCallEvent.findMany({ where: { userId: w.user.id } })).reduce((sum, r) => sum.plus(r.creditsBurned.toString()), new Decimal(0));
    expect(summary.day.total.credits).toBe(ledger.toFixed());
  });

  it("a search whose turn was purged still counts, under its day and tool, as `purged` by room and agent", async () => {
    const w = await world();
    const sent = await sendAndRun(deps(), w.user.id, w.session.id, "What happened to solar prices?");
    const before = await w.api.usage.summary.query({ ...range(), groupBy: "day" });
    // What retention does to an old turn: its steps go, the tool call and ledger rows stay.
    await t.db.turn.delete({ where: { id: sent.id } });
    expect(await t.db.toolCallEvent.count({ where: { userId: w.user.id, turnId: null, status: "succeeded" } })).toBe(1);

    const summary = await expectSummaryEqualsDebits(w.api, w.user.id);
    expect(summary.day.total).toEqual(before.total);
    const price = new Decimal((await getSettings(t.db))["tools.search_credits"]).toFixed();
    expect(summary.room.groups.find((g) => g.key === "purged")).toMatchObject({ label: "Purged chats", credits: price, calls: 0, toolCalls: 1 });
    expect(summary.agent.groups.find((g) => g.key === "purged")).toMatchObject({ label: "Purged chats", credits: price, calls: 0, toolCalls: 1 });
    // The ledger keeps its own room and agent: the model calls stay where they were.
    expect(summary.room.groups.find((g) => g.key === w.room.id)).toMatchObject({ toolCalls: 0, calls: 4 });
  });
});

/**
 * The tool loop of a step (PRODUCT.md 8), in-process on a real database: models on a fake
 * OpenAI-compatible server (or the offline model), search on a fake Tavily server, files as rows.
 * Permissions hold whatever the model asks; every model call is one ledger row and every tool call
 * one `tool_call_events` row; results enter the context fenced as untrusted data; traces are private
 * to the agent that made them; searches are paid for once.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { databaseForThisFile } from "@/test/database.ts";
import { roleOf, type FakeRequest } from "@/test/fake-openai.ts";
import { startFakeTavily, type FakeSearch } from "@/test/fake-search.ts";
import { roomWorld, sendAndRun, turnEngineForThisFile } from "@/test/turns.ts";
import { env } from "../../env.ts";
import { setSetting } from "../settings/settings.ts";
import { runTurn } from "../turns/run-turn.ts";
import { sendTurn } from "../turns/send-turn.ts";
import { cancelTurn, getTurn } from "../turns/turns.ts";
import type { Db } from "../../db.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t);
let tavily: FakeSearch;
const searchEnv = () => ({ ...env, TAVILY_API_KEY: "tvly-secret-key", TAVILY_BASE_URL: tavily.baseURL });

beforeAll(async () => {
  tavily = await startFakeTavily([
    { title: "Solar prices 2026", url: "https://example.com/solar", content: "Panel prices fell 12 percent this year." },
    { title: "Grid news", url: "https://example.org/grid", content: "Utilities buy more storage." },
  ]);
});
afterAll(() => tavily.close());
beforeEach(() => {
  engine.fake.reset();
  tavily.reset();
});

async function allow(db: Db, agentId: string, tools: string[]) {
  await db.agent.update({ where: { id: agentId }, data: { toolPermissions: tools } });
}

/** A ready file with its text in chunks, as the parse job leaves it. */
async function readyFile(db: Db, owner: { userId: string; roomId: string }, name: string, pages: string[]) {
  const file = await db.file.create({
    data: { userId: owner.userId, roomId: owner.roomId, name, kind: "pdf", mimeType: "application/pdf", sizeBytes: 1000, sha256: "x", status: "ready", pages: pages.length, chunkCount: pages.length },
  });
  await db.fileChunk.createMany({ data: pages.map((text, i) => ({ fileId: file.id, position: i, page: i + 1, charStart: i * 100, text })) });
  return file;
}

const offered = (r: FakeRequest) => ((r.body.tools as { function: { name: string } }[] | undefined) ?? []).map((d) => d.function.name);
const toolMessages = (r: FakeRequest) => r.messages.filter((m) => m.role === "tool");

describe("search in a roundtable", () => {
  it("only the agent with `search` searches, even when the other's model asks for it; the ledger has a row per model call", async () => {
    const world = await roomWorld(t.db, "roundtable", [
      { key: "scout", modelAlias: "llama" },
      { key: "critic", modelAlias: "llama" },
    ]);
    await allow(t.db, world.agents[0]!.id, ["search"]);
    // Every first call asks to search, whether or not it was offered the tool; with results back, it answers.
    engine.fake.script((r) => (toolMessages(r).length === 0 ? { toolCalls: [{ name: "search", arguments: { query: "solar panel prices" } }] } : `${roleOf(r)} Prices fell.`));

    const deps = { ...engine.deps, env: searchEnv() };
    const sent = await sendAndRun(deps, world.user.id, world.session.id, "What happened to solar panel prices?");
    expect(sent.status).toBe("completed");

    // The scout was offered search; the critic was offered nothing.
    const [scout1, scout2, critic1, critic2] = engine.fake.requests;
    expect(offered(scout1!)).toEqual(["search"]);
    expect(offered(critic1!)).toEqual([]);
    expect(engine.fake.requests).toHaveLength(4);

    // One search reached the provider, with the key in the Authorization header only.
    expect(tavily.requests).toHaveLength(1);
    expect(tavily.requests[0]!.authorization).toBe("Bearer tvly-secret-key");
    expect(JSON.stringify(tavily.requests[0]!.body)).not.toContain("tvly-secret-key");
    expect(tavily.requests[0]!.query).toBe("solar panel prices");

    // The result came back fenced and labelled as untrusted data; the critic's was a refusal.
    const scoutResult = toolMessages(scout2!)[0]!.content;
    expect(scoutResult).toMatch(/^<tool_result tool="search" status="succeeded" summary="Searched: solar panel prices" trust="untrusted">/);
    expect(scoutResult).toContain("not instructions");
    expect(scoutResult).toContain("https://example.com/solar");
    expect(toolMessages(critic2!)[0]!.content).toMatch(/status="denied"[\s\S]*not available to this agent/);

    const calls = await t.db.toolCallEvent.findMany({ where: { turnId: sent.id }, orderBy: [{ startedAt: "asc" }] });
    expect(calls.map((c) => [c.tool, c.status])).toEqual([
      ["search", "succeeded"],
      ["search", "denied"],
    ]);
    expect(calls[0]!.stepId).toBe(sent.steps[0]!.id);
    expect(calls[1]!.stepId).toBe(sent.steps[1]!.id);

    // One ledger row per model call: two per agent (the round that asked for a tool, then the answer).
    const ledger = await t.db.llmCallEvent.findMany({ where: { turnId: sent.id }, orderBy: { createdAt: "asc" } });
    expect(ledger).toHaveLength(4);
    expect(ledger.every((row) => row.status === "success")).toBe(true);
    expect(new Set(ledger.map((row) => row.idempotencyKey)).size).toBe(4);

    // The search was paid for once, at its price; the denied call cost nothing.
    expect(calls[0]!.credits.toFixed()).toBe("0.05");
    expect(calls[1]!.credits.toFixed()).toBe("0");
    const debits = await t.db.creditTransaction.findMany({ where: { userId: world.user.id, referenceId: calls[0]!.key } });
    expect(debits.map((d) => d.amount.toFixed())).toEqual(["-0.05"]);
    expect(await t.db.walletReservation.count({ where: { userId: world.user.id } })).toBe(0);

    // The API shows the call with its sources under the scout's step, and counts it in the credits.
    const view = await getTurn(t.db, world.user.id, sent.id);
    expect(view.steps[0]!.toolCalls).toMatchObject([{ tool: "search", status: "succeeded", summary: "Searched: solar panel prices", sources: [{ url: "https://example.com/solar" }, { url: "https://example.org/grid" }] }]);
    expect(view.steps[1]!.toolCalls).toMatchObject([{ tool: "search", status: "denied" }]);
    const ledgerCredits = ledger.reduce((sum, row) => sum + Number(row.creditsBurned), 0);
    expect(Number(view.credits)).toBeCloseTo(ledgerCredits + 0.05, 6);

    // Events streamed the loop: started and completed for each call.
    const events = await t.db.turnEvent.findMany({ where: { turnId: sent.id, type: { in: ["tool_started", "tool_completed"] } }, orderBy: { id: "asc" } });
    expect(events.map((e) => [e.type, (e.payload as { status?: string }).status ?? null])).toEqual([
      ["tool_started", null],
      ["tool_completed", "succeeded"],
      ["tool_started", null],
      ["tool_completed", "denied"],
    ]);
    expect(events[1]!.payload).toMatchObject({ credits: "0.05", sources: [{ title: "Solar prices 2026", url: "https://example.com/solar" }, { url: "https://example.org/grid" }] });
  });

  it("keeps the tool trace private to its agent in later turns; the others see only the answer", async () => {
    const world = await roomWorld(t.db, "roundtable", [
      { key: "scout", modelAlias: "llama" },
      { key: "critic", modelAlias: "llama" },
    ]);
    await allow(t.db, world.agents[0]!.id, ["search"]);
    engine.fake.script((r) =>
      offered(r).length && toolMessages(r).length === 0 ? { toolCalls: [{ name: "search", arguments: { query: "grid storage" } }] } : `${roleOf(r)} Noted.`,
    );
    const deps = { ...engine.deps, env: searchEnv() };
    const first = await sendAndRun(deps, world.user.id, world.session.id, "Look up grid storage.");
    expect(first.messages.map((m) => [m.role, m.visibility, m.agentKey])).toEqual([
      ["user", "shared", null],
      ["tool", "private", "scout"],
      ["assistant", "shared", "scout"],
      ["assistant", "shared", "critic"],
    ]);

    engine.fake.reset();
    engine.fake.script((r) => `${roleOf(r)} Second.`);
    await sendAndRun(deps, world.user.id, world.session.id, "And now?");
    const [scout, critic] = engine.fake.requests;
    const traces = (r: FakeRequest) => r.messages.filter((m) => m.content.includes("[Earlier tool use]"));
    expect(traces(scout!)).toHaveLength(1);
    expect(traces(scout!)[0]).toMatchObject({ role: "assistant" });
    expect(traces(scout!)[0]!.content).toContain("https://example.com/solar");
    expect(traces(critic!)).toHaveLength(0);
    expect(critic!.messages.some((m) => m.content.includes("[scout]: You are scout. Noted."))).toBe(true);

    // People see the step's tool calls, not the private trace, in the conversation.
    const listed = await t.db.message.count({ where: { sessionId: world.session.id, role: "tool" } });
    expect(listed).toBe(1);
  });

  it("stops offering tools at tools.max_calls_per_step and refuses calls past it", async () => {
    await setSetting(t.db, "tools.max_calls_per_step", 2);
    try {
      const world = await roomWorld(t.db, "roundtable", [{ key: "scout", modelAlias: "llama" }]);
      await allow(t.db, world.agents[0]!.id, ["search"]);
      // A model that always wants more searches, three at a time.
      engine.fake.script((r) =>
        toolMessages(r).length < 6
          ? { toolCalls: [1, 2, 3].map((i) => ({ name: "search", arguments: { query: `q${toolMessages(r).length + i}` } })) }
          : "Enough.",
      );
      const sent = await sendAndRun({ ...engine.deps, env: searchEnv() }, world.user.id, world.session.id, "Search everything.");
      const calls = await t.db.toolCallEvent.findMany({ where: { turnId: sent.id }, orderBy: [{ attempt: "asc" }, { callIndex: "asc" }] });
      expect(calls.filter((c) => c.status === "succeeded")).toHaveLength(2);
      expect(calls.filter((c) => c.status === "denied").every((c) => c.error?.includes("limit"))).toBe(true);
      expect(tavily.requests).toHaveLength(2);
      // After the limit the model is offered no tools.
      expect(offered(engine.fake.requests.at(-1)!)).toEqual([]);
      expect(sent.steps[0]!.status).toBe("succeeded");
      expect(sent.steps[0]!.output).toBe("Enough.");
    } finally {
      await setSetting(t.db, "tools.max_calls_per_step", 5);
    }
  });
});

it("cancel stops the search in flight: the call ends cancelled, nothing is charged for it, the turn is cancelled", async () => {
  const world = await roomWorld(t.db, "roundtable", [
    { key: "scout", modelAlias: "llama" },
    { key: "after", modelAlias: "llama" },
  ]);
  await allow(t.db, world.agents[0]!.id, ["search"]);
  engine.fake.script((r) => (offered(r).length ? { toolCalls: [{ name: "search", arguments: { query: "slow" } }] } : "Never."));
  tavily.hang();
  try {
    const deps = { ...engine.deps, env: searchEnv() };
    const turn = await sendTurn(deps, world.user.id, { sessionId: world.session.id, message: "Search slowly.", clientRequestId: randomUUID() });
    const run = runTurn(deps, turn.id, new AbortController().signal);
    await tavily.waitForRequests(1);
    await cancelTurn(deps, world.user.id, turn.id);
    expect(await run).toBe("cancelled");
    await tavily.waitForClientGone(1);

    const [call] = await t.db.toolCallEvent.findMany({ where: { turnId: turn.id } });
    expect(call).toMatchObject({ status: "cancelled", credits: expect.anything() });
    expect(call!.credits.toFixed()).toBe("0");
    expect(await t.db.creditTransaction.count({ where: { referenceId: call!.key } })).toBe(0);
    expect(await t.db.walletReservation.count({ where: { userId: world.user.id } })).toBe(0);
    const steps = await t.db.turnStep.findMany({ where: { turnId: turn.id }, orderBy: { index: "asc" } });
    expect(steps.map((s) => [s.agentKey, s.status])).toEqual([["scout", "cancelled"]]);
    // Only the round that asked for the search reached the model.
    expect(engine.fake.requests).toHaveLength(1);
    expect(await t.db.llmCallEvent.count({ where: { turnId: turn.id } })).toBe(1);
    const completed = await t.db.turnEvent.findFirst({ where: { turnId: turn.id, type: "tool_completed" } });
    expect(completed?.payload).toMatchObject({ status: "cancelled", credits: "0" });
  } finally {
    tavily.answer();
  }
});

it("keeps what the model said while asking for a tool as part of its answer", async () => {
  const world = await roomWorld(t.db, "roundtable", [{ key: "scout", modelAlias: "llama" }]);
  await allow(t.db, world.agents[0]!.id, ["search"]);
  engine.fake.script((r) => (toolMessages(r).length === 0 ? { text: "Let me look that up.", toolCalls: [{ name: "search", arguments: { query: "grid" } }] } : "Storage is growing."));
  const sent = await sendAndRun({ ...engine.deps, env: searchEnv() }, world.user.id, world.session.id, "Look up the grid.");
  expect(sent.steps[0]!.output).toBe("Let me look that up.\n\nStorage is growing.");
  expect(sent.messages.at(-1)!.content).toBe("Let me look that up.\n\nStorage is growing.");
  // The second call saw what it had said, with its request for the tool.
  expect(engine.fake.requests[1]!.messages.find((m) => m.role === "assistant")).toMatchObject({ content: "Let me look that up." });
  const streamed = await t.db.turnEvent.findMany({ where: { turnId: sent.id, type: "step_delta" }, orderBy: { id: "asc" } });
  expect(streamed.map((e) => (e.payload as { text: string }).text).join("")).toBe("Let me look that up.\n\nStorage is growing.");
});

it("refuses a search that would take the user past a credit cap, without searching", async () => {
  const world = await roomWorld(t.db, "roundtable", [{ key: "scout", modelAlias: "llama" }]);
  await allow(t.db, world.agents[0]!.id, ["search"]);
  await t.db.userCreditCaps.create({ data: { userId: world.user.id, dailyCap: "1" } });
  await setSetting(t.db, "tools.search_credits", 5);
  try {
    engine.fake.script((r) => (toolMessages(r).length === 0 ? { toolCalls: [{ name: "search", arguments: { query: "pricey" } }] } : "Without searching, then."));
    const sent = await sendAndRun({ ...engine.deps, env: searchEnv() }, world.user.id, world.session.id, "Look up something pricey.");
    expect(sent.status).toBe("completed");
    const [call] = await t.db.toolCallEvent.findMany({ where: { turnId: sent.id } });
    expect(call).toMatchObject({ tool: "search", status: "failed" });
    expect(call!.error).toMatch(/cap/i);
    expect(tavily.requests).toHaveLength(0);
    expect(await t.db.walletReservation.count({ where: { userId: world.user.id } })).toBe(0);
  } finally {
    await setSetting(t.db, "tools.search_credits", 0.05);
  }
});

describe("files with the offline model", () => {
  it("reads the file named in the message and quotes the passage that answers it", async () => {
    const world = await roomWorld(t.db, "roundtable", [{ key: "reader" }, { key: "plain" }]);
    await allow(t.db, world.agents[0]!.id, ["file_read"]);
    const file = await readyFile(t.db, { userId: world.user.id, roomId: world.room.id }, "report.pdf", [
      "Introduction. This report covers the launch.",
      "Pricing. The starter plan costs nine euros a month. Discounts apply to schools.",
    ]);
    const sent = await sendAndRun(engine.deps, world.user.id, world.session.id, "What does report.pdf say about the starter plan pricing?");
    expect(sent.status).toBe("completed");
    const calls = await t.db.toolCallEvent.findMany({ where: { turnId: sent.id } });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ tool: "file_read", status: "succeeded", summary: "Read: report.pdf p. 1–2", stepId: sent.steps[0]!.id });
    expect(calls[0]!.arguments).toEqual({ file_id: file.id });
    const answer = sent.messages.find((m) => m.role === "assistant" && m.agentKey === "reader")!;
    expect(answer.content).toContain("From report.pdf p. 1–2: “The starter plan costs nine euros a month.”");
    // The agent without the permission answers without tools.
    expect(sent.steps[1]!.output).not.toContain("starter plan costs");
    expect(await t.db.llmCallEvent.count({ where: { turnId: sent.id } })).toBe(3);
  });

  it("answers `no such file` for another user's file id, whatever the model asks", async () => {
    const world = await roomWorld(t.db, "roundtable", [{ key: "reader", modelAlias: "llama" }]);
    await allow(t.db, world.agents[0]!.id, ["file_read"]);
    const other = await roomWorld(t.db, "roundtable", [{ key: "x" }]);
    const foreign = await readyFile(t.db, { userId: other.user.id, roomId: other.room.id }, "secret.pdf", ["The vault code is 4711."]);
    engine.fake.script((r) => (toolMessages(r).length === 0 ? { toolCalls: [{ name: "file_read", arguments: { file_id: foreign.id } }] } : "Could not read it."));
    const sent = await sendAndRun(engine.deps, world.user.id, world.session.id, "Read that file.");
    const [call] = await t.db.toolCallEvent.findMany({ where: { turnId: sent.id } });
    expect(call).toMatchObject({ tool: "file_read", status: "failed" });
    expect(call!.error).toBe(`No such file: ${foreign.id}`);
    const result = toolMessages(engine.fake.requests[1]!)[0]!.content;
    expect(result).toContain(`No such file: ${foreign.id}`);
    expect(result).not.toContain("4711");
  });

  it("lists the room's ready files (with their ids) to an agent with file tools only", async () => {
    const world = await roomWorld(t.db, "roundtable", [
      { key: "reader", modelAlias: "llama" },
      { key: "plain", modelAlias: "llama" },
    ]);
    await allow(t.db, world.agents[0]!.id, ["file_read"]);
    const file = await readyFile(t.db, { userId: world.user.id, roomId: world.room.id }, "notes.pdf", ["Alpha."]);
    engine.fake.script(() => "Fine.");
    await sendAndRun(engine.deps, world.user.id, world.session.id, "Hello");
    const [reader, plain] = engine.fake.requests;
    expect(reader!.system).toContain(`- notes.pdf (file id: ${file.id}, PDF, 1 page)`);
    expect(offered(reader!)).toEqual(["file_search", "file_read"]);
    expect(plain!.system).not.toContain(file.id);
    expect(offered(plain!)).toEqual([]);
  });
});

it("does not offer tools to a model without the tools capability", async () => {
  const world = await roomWorld(t.db, "roundtable", [{ key: "reader", modelAlias: "free" }]);
  await allow(t.db, world.agents[0]!.id, ["file_read"]);
  const model = await t.db.llmModel.findUniqueOrThrow({ where: { alias: "free" } });
  expect(model.capabilities).not.toContain("tools");
  engine.fake.script(() => "Plain.");
  await sendAndRun(engine.deps, world.user.id, world.session.id, `Hi ${randomUUID()}`);
  expect(offered(engine.fake.requests[0]!)).toEqual([]);
});

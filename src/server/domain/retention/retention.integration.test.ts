/**
 * Retention (PRODUCT.md 3) with the clock moved: rows get timestamps in the past, and each purge
 * removes exactly what is older than its setting, keeps the ledger, wallet transactions, tool calls'
 * metering and the audit log, and reports what it removed. Sessions and agents restore inside 7
 * days and are refused after, when the daily purge removes them for good.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { restoreAgent } from "@/server/domain/agents/agents.ts";
import { recordAudit } from "@/server/domain/admin/audit.ts";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { restoreSession } from "@/server/domain/sessions/sessions.ts";
import { setSetting } from "@/server/domain/settings/settings.ts";
import { isAppError } from "@/server/errors.ts";
import { handlers, type JobContext } from "@/server/jobs/handlers.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { purgeChatData } from "./purge-chat-data.ts";
import { purgeDeletedSessionsAndAgents } from "./purge-deleted.ts";
import { purgeEndedTurnEvents } from "./purge-turn-events.ts";

const t = databaseForThisFile();
const DAY = 86_400_000;
const now = new Date("2026-06-15T12:00:00Z");
const daysAgo = (days: number, plusMs = 0) => new Date(now.getTime() - days * DAY + plusMs);

let userId: string;
beforeAll(async () => {
  userId = (await ensureUserByEmail(t.db, `retention-${randomUUID()}@example.com`)).id;
});

async function newSession() {
  const room = await t.db.room.create({ data: { userId, name: "Retention" } });
  return t.db.chatSession.create({ data: { userId, roomId: room.id } });
}

let seq = 0;
/** An ended turn: its user message, answer, tool trace, step, events, tool call and ledger row, all at `at`. */
async function endedTurn(sessionId: string, at: Date, status: "completed" | "running" = "completed") {
  const turn = await t.db.turn.create({
    data: {
      sessionId, userId, index: ++seq, mode: "manual", userInput: "question", status, rosterSnapshot: [], clientRequestId: randomUUID(),
      createdAt: at, startedAt: at, finishedAt: status === "completed" ? at : null,
    },
  });
  const step = await t.db.turnStep.create({ data: { turnId: turn.id, index: 1, kind: "agent", modelAlias: "local", status: "succeeded", output: "answer", createdAt: at } });
  for (const role of ["user", "tool", "assistant"] as const) {
    await t.db.message.create({ data: { sessionId, turnId: turn.id, stepId: role === "user" ? null : step.id, seq: ++seq, role, content: `${role} text`, createdAt: at } });
  }
  await t.db.turnEvent.createMany({ data: [0, 1].map(() => ({ sessionId, turnId: turn.id, type: "step_delta", payload: {}, createdAt: at })) });
  const toolCall = await t.db.toolCallEvent.create({
    data: {
      key: `${turn.id}:1:1:0`, userId, turnId: turn.id, stepId: step.id, attempt: 1, callIndex: 0, toolCallId: "call-1", tool: "search",
      arguments: { query: "private question" }, status: "succeeded", result: "private result", summary: "Searched: private question",
      sources: [{ url: "https://example.com" }], resultBytes: 14, latencyMs: 5, credits: "0.05", startedAt: at, finishedAt: at,
    },
  });
  const ledger = await t.db.llmCallEvent.create({
    data: {
      userId, sessionId, turnId: turn.id, stepId: step.id, callPurpose: "agent_reply", mode: "manual", provider: "local", modelAlias: "local", providerModel: "local",
      inputTokensFresh: 1, inputTokensCached: 0, outputTokens: 1, totalTokens: 2, usageSource: "provider", oeTokens: "1.35", multiplier: "0.5", creditsBurned: "0.42",
      providerCostUsd: "0", pricingVersion: 1, status: "success", idempotencyKey: randomUUID(), startedAt: at, createdAt: at,
    },
  });
  return { turn, step, toolCall, ledger };
}

function expectAppError(error: unknown, code: string) {
  expect(isAppError(error) ? error.code : error).toBe(code);
}

describe("retention.chat", () => {
  it("removes exactly the chat data older than retention.chat_days and keeps the ledger, transactions, tool metering and audit", async () => {
    await setSetting(t.db, "retention.chat_days", 90);
    const session = await newSession();
    const old = await endedTurn(session.id, daysAgo(90, -60_000));
    const recent = await endedTurn(session.id, daysAgo(90, 60_000));
    await t.db.sessionSummary.createMany({
      data: [
        { sessionId: session.id, text: "old", throughSeq: 1, createdAt: daysAgo(90, -60_000) },
        { sessionId: session.id, text: "recent", throughSeq: 2, createdAt: daysAgo(90, 60_000) },
      ],
    });
    await t.db.file.createMany({
      data: [daysAgo(91), daysAgo(89)].map((createdAt, i) => ({ userId, roomId: session.roomId, name: `f${i}.txt`, kind: "txt", mimeType: "text/plain", sizeBytes: 1, sha256: "x", createdAt })),
    });
    await t.db.creditTransaction.create({ data: { userId, kind: "grant", amount: "10", balanceAfter: "10", createdAt: daysAgo(400) } });
    await t.db.$transaction((tx) => recordAudit(tx, { id: null, label: "cli" }, { action: "setting.update", targetType: "setting", targetId: "x" }));
    await t.db.adminAuditLog.updateMany({ data: { createdAt: daysAgo(400) } });
    const counts = async () => ({
      ledger: await t.db.llmCallEvent.count(),
      transactions: await t.db.creditTransaction.count(),
      audit: await t.db.adminAuditLog.count(),
      toolCalls: await t.db.toolCallEvent.count(),
      sessions: await t.db.chatSession.count(),
    });
    const kept = await counts();

    const report = await purgeChatData(t.db, now);
    expect(report).toEqual({ chatDays: 90, cutoff: daysAgo(90).toISOString(), messages: 3, summaries: 1, turnEvents: 2, turns: 1, files: 1, toolResultsCleared: 1 });

    expect(await t.db.turn.findMany({ select: { id: true } })).toEqual([{ id: recent.turn.id }]);
    expect(await t.db.turnStep.count({ where: { turnId: old.turn.id } })).toBe(0);
    expect((await t.db.message.findMany({ where: { sessionId: session.id } })).map((m) => m.turnId)).toEqual([recent.turn.id, recent.turn.id, recent.turn.id]);
    expect((await t.db.sessionSummary.findMany()).map((s) => s.text)).toEqual(["recent"]);
    expect(await t.db.turnEvent.count({ where: { turnId: old.turn.id } })).toBe(0);
    expect(await t.db.turnEvent.count({ where: { turnId: recent.turn.id } })).toBe(2);
    expect((await t.db.file.findMany()).map((f) => f.name)).toEqual(["f1.txt"]);
    // The ledger keeps its row (its turn and step are gone); the tool call keeps its metering.
    expect(await counts()).toEqual(kept);
    expect(await t.db.llmCallEvent.findUniqueOrThrow({ where: { id: old.ledger.id } })).toMatchObject({ turnId: null, stepId: null, sessionId: session.id });
    const oldCall = await t.db.toolCallEvent.findUniqueOrThrow({ where: { id: old.toolCall.id } });
    expect(oldCall).toMatchObject({ turnId: null, result: null, arguments: {}, summary: "", sources: [], tool: "search", status: "succeeded", resultBytes: 14 });
    expect(oldCall.credits.toFixed()).toBe("0.05");
    expect(await t.db.toolCallEvent.findUniqueOrThrow({ where: { id: recent.toolCall.id } })).toMatchObject({ result: "private result", summary: "Searched: private question" });

    // Nothing is left to remove on a second run.
    expect(await purgeChatData(t.db, now)).toMatchObject({ messages: 0, summaries: 0, turnEvents: 0, turns: 0, files: 0, toolResultsCleared: 0 });
  });

  it("keeps everything with retention.chat_days = 0, and the job returns the report", async () => {
    await setSetting(t.db, "retention.chat_days", 0);
    const session = await newSession();
    await endedTurn(session.id, daysAgo(5000));
    const messages = await t.db.message.count();
    expect(await purgeChatData(t.db, now)).toEqual({ chatDays: 0, cutoff: null, messages: 0, summaries: 0, turnEvents: 0, turns: 0, files: 0, toolResultsCleared: 0 });
    const ctx = { db: t.db } as unknown as JobContext;
    expect(await handlers.retentionChat({}, ctx)).toMatchObject({ chatDays: 0, cutoff: null, messages: 0 });
    expect(await t.db.message.count()).toBe(messages);
  });
});

describe("retention.events", () => {
  it("removes the events of turns that ended more than retention.events_days ago, and only theirs", async () => {
    await setSetting(t.db, "retention.chat_days", 0);
    await setSetting(t.db, "retention.events_days", 7);
    await t.db.turnEvent.deleteMany();
    const session = await newSession();
    const old = await endedTurn(session.id, daysAgo(7, -60_000));
    const recent = await endedTurn(session.id, daysAgo(7, 60_000));
    // Still running (a stuck turn is the sweep's business): its events stay, however old.
    const running = await endedTurn(session.id, daysAgo(30), "running");

    expect(await purgeEndedTurnEvents(t.db, now)).toEqual({ eventsDays: 7, cutoff: daysAgo(7).toISOString(), turnEvents: 2 });
    expect(await t.db.turnEvent.count({ where: { turnId: old.turn.id } })).toBe(0);
    expect(await t.db.turnEvent.count({ where: { turnId: recent.turn.id } })).toBe(2);
    expect(await t.db.turnEvent.count({ where: { turnId: running.turn.id } })).toBe(2);
    // The messages keep the content.
    expect(await t.db.message.count({ where: { turnId: old.turn.id } })).toBe(3);
  });
});

describe("sessions and agents: 7-day restore, then purge", () => {
  it("restores a session deleted 6 days ago, refuses one deleted 8 days ago, and the purge removes only that one (the ledger stays)", async () => {
    const fresh = await newSession();
    const stale = await newSession();
    const { ledger } = await endedTurn(stale.id, daysAgo(9));
    await t.db.chatSession.update({ where: { id: fresh.id }, data: { deletedAt: new Date(Date.now() - 6 * DAY) } });
    await t.db.chatSession.update({ where: { id: stale.id }, data: { deletedAt: new Date(Date.now() - 8 * DAY) } });

    expect((await restoreSession(t.db, userId, fresh.id)).deletedAt).toBeNull();
    expectAppError(await restoreSession(t.db, userId, stale.id).catch((e: unknown) => e), "restore_window_expired");
    expectAppError(await restoreSession(t.db, userId, fresh.id).catch((e: unknown) => e), "not_found");
    const other = (await ensureUserByEmail(t.db, `other-${randomUUID()}@example.com`)).id;
    expectAppError(await restoreSession(t.db, other, stale.id).catch((e: unknown) => e), "not_found");

    const report = await purgeDeletedSessionsAndAgents(t.db);
    expect(report).toMatchObject({ sessions: 1, agents: 0 });
    expect(await t.db.chatSession.findUnique({ where: { id: stale.id } })).toBeNull();
    expect(await t.db.chatSession.findUnique({ where: { id: fresh.id } })).not.toBeNull();
    expect(await t.db.llmCallEvent.findUniqueOrThrow({ where: { id: ledger.id } })).toMatchObject({ sessionId: null, turnId: null });
  });

  it("restores an agent inside 7 days (unless its @key was taken), refuses after, and the purge removes it with its direct chats", async () => {
    const agent = (key: string, deletedDaysAgo: number) =>
      t.db.agent.create({ data: { userId, key, name: key, modelAlias: "local", deletedAt: new Date(Date.now() - deletedDaysAgo * DAY) } });
    const fresh = await agent("fresh", 6);
    const stale = await agent("stale", 8);
    const taken = await agent("taken", 1);
    await t.db.agent.create({ data: { userId, key: "taken", name: "Taken again", modelAlias: "local" } });
    const chat = await t.db.chatSession.create({ data: { userId, agentId: stale.id } });
    const { ledger } = await endedTurn(chat.id, daysAgo(9));

    expect((await restoreAgent(t.db, userId, fresh.id)).deletedAt).toBeNull();
    expectAppError(await restoreAgent(t.db, userId, stale.id).catch((e: unknown) => e), "restore_window_expired");
    expectAppError(await restoreAgent(t.db, userId, taken.id).catch((e: unknown) => e), "conflict");

    expect(await handlers.retentionDeleted({}, { db: t.db } as unknown as JobContext)).toMatchObject({ sessions: 0, agents: 1 });
    expect(await t.db.agent.findUnique({ where: { id: stale.id } })).toBeNull();
    expect(await t.db.chatSession.findUnique({ where: { id: chat.id } })).toBeNull();
    expect(await t.db.agent.findUnique({ where: { id: fresh.id } })).not.toBeNull();
    expect(await t.db.llmCallEvent.findUniqueOrThrow({ where: { id: ledger.id } })).toMatchObject({ sessionId: null });
  });
});

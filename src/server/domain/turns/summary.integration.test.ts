/**
 * Session summaries (PRODUCT.md 5.2): `summarizeSession` condenses the messages up to the end of a
 * turn into a `session_summaries` row with `through_seq`, as a metered `summary` step; later contexts
 * hold the summary and only the messages after `through_seq`. A finished turn schedules the summary
 * job every `summary.every_turns` turns, or when the history reaches 70% of a budget.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { databaseForThisFile } from "@/test/database.ts";
import { roleOf, type FakeRequest } from "@/test/fake-openai.ts";
import { roomWorld, sendAndRun, turnEngineForThisFile } from "@/test/turns.ts";
import { queues } from "@/server/jobs/queues.ts";
import { countTextTokens } from "@/server/llm/tokenizer.ts";
import { defaultSettings, setSetting } from "../settings/settings.ts";
import { contextBudget, SUMMARY_THRESHOLD } from "./context.ts";
import { summarizeSession } from "./summarize-session.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t);
let summaries = 0;
beforeEach(async () => {
  engine.fake.reset();
  summaries = 0;
  await setSetting(t.db, "summary.model", "llama");
  engine.fake.script((r) =>
    isSummary(r)
      ? JSON.stringify({ summary: `SUMMARY-${++summaries}: the launch is on Tuesday.`, key_facts: ["launch Tuesday"], decisions: ["ship it"], open_questions: [], action_items: ["book the room"] })
      : `${roleOf(r)} Reply to: ${r.conversation.findLast((m) => m.role === "user")?.content}`,
  );
});
afterEach(async () => {
  await setSetting(t.db, "summary.every_turns", defaultSettings()["summary.every_turns"]);
});

const isSummary = (r: FakeRequest) => r.system.includes("key_facts");
const never = new AbortController().signal;

it("writes a summary through the turn's last message; the next context has the summary and only later messages", async () => {
  const w = await roomWorld(t.db, "roundtable", [{ key: "sage", name: "Sage", modelAlias: "llama" }]);
  await sendAndRun(engine.deps, w.user.id, w.session.id, "Old message one.");
  const second = await sendAndRun(engine.deps, w.user.id, w.session.id, "Old message two.");
  engine.fake.reset();

  expect(await summarizeSession(engine.deps, { sessionId: w.session.id, turnId: second.id }, never)).toEqual({ summarized: true, throughSeq: "4" });
  const row = await t.db.sessionSummary.findFirstOrThrow({ where: { sessionId: w.session.id } });
  expect(row).toMatchObject({ throughSeq: 4n, turnId: second.id, text: "SUMMARY-1: the launch is on Tuesday." });
  expect(row.facts).toEqual({ key_facts: ["launch Tuesday"], decisions: ["ship it"], open_questions: [], action_items: ["book the room"] });
  // The summarizer read the whole range, and it was a metered step of that turn.
  expect(engine.fake.requests).toHaveLength(1);
  expect(engine.fake.requests[0]!.conversation.map((m) => m.content)).toEqual([
    "Old message one.",
    "[Sage]: You are Sage. Reply to: Old message one.",
    "Old message two.",
    "[Sage]: You are Sage. Reply to: Old message two.",
  ]);
  const step = await t.db.turnStep.findFirstOrThrow({ where: { turnId: second.id, kind: "summary" } });
  expect(step).toMatchObject({ status: "succeeded", index: 2, inputTokens: expect.any(Number), metadata: { throughSeq: "4" } });

  engine.fake.reset();
  await sendAndRun(engine.deps, w.user.id, w.session.id, "New question.");
  const request = engine.fake.requests[0]!;
  expect(request.system).toContain("SUMMARY-1: the launch is on Tuesday.");
  expect(request.conversation).toEqual([{ role: "user", content: "New question." }]);
  expect(JSON.stringify(request.messages)).not.toContain("Old message");

  // Later turns: the summary plus the messages after its range.
  engine.fake.reset();
  await sendAndRun(engine.deps, w.user.id, w.session.id, "Another one.");
  expect(engine.fake.requests[0]!.conversation.map((m) => m.content)).toEqual(["New question.", "You are Sage. Reply to: New question.", "Another one."]);
  expect(engine.fake.requests[0]!.system).toContain("SUMMARY-1");
});

it("is idempotent for a turn, and a later summary folds in the previous one and replaces it", async () => {
  const w = await roomWorld(t.db, "roundtable", [{ key: "sage", name: "Sage", modelAlias: "llama" }]);
  const first = await sendAndRun(engine.deps, w.user.id, w.session.id, "First.");
  await summarizeSession(engine.deps, { sessionId: w.session.id, turnId: first.id }, never);
  engine.fake.reset();
  expect(await summarizeSession(engine.deps, { sessionId: w.session.id, turnId: first.id }, never)).toMatchObject({ summarized: false });
  expect(engine.fake.requests).toHaveLength(0);
  expect(await t.db.sessionSummary.count({ where: { sessionId: w.session.id } })).toBe(1);

  const second = await sendAndRun(engine.deps, w.user.id, w.session.id, "Second.");
  engine.fake.reset();
  expect(await summarizeSession(engine.deps, { sessionId: w.session.id, turnId: second.id }, never)).toEqual({ summarized: true, throughSeq: "4" });
  // Only the messages after the first summary, with that summary to fold in.
  expect(engine.fake.requests[0]!.system).toContain("SUMMARY-1");
  expect(engine.fake.requests[0]!.conversation.map((m) => m.content)).toEqual(["Second.", "[Sage]: You are Sage. Reply to: Second."]);

  engine.fake.reset();
  await sendAndRun(engine.deps, w.user.id, w.session.id, "Third.");
  expect(engine.fake.requests[0]!.system).toContain("SUMMARY-2");
  expect(engine.fake.requests[0]!.system).not.toContain("SUMMARY-1");
  expect(engine.fake.requests[0]!.conversation).toEqual([{ role: "user", content: "Third." }]);
});

it("a finished turn schedules the summary job every summary.every_turns turns", async () => {
  await setSetting(t.db, "summary.every_turns", 2);
  const w = await roomWorld(t.db, "roundtable", [{ key: "sage", name: "Sage", modelAlias: "llama" }]);
  const jobs = async () => (await engine.boss.findJobs(queues.sessionSummarize.name, { data: { sessionId: w.session.id } })).map((j) => j.data);
  await sendAndRun(engine.deps, w.user.id, w.session.id, "One.");
  expect(await jobs()).toEqual([]);
  const second = await sendAndRun(engine.deps, w.user.id, w.session.id, "Two.");
  expect(await jobs()).toEqual([{ sessionId: w.session.id, turnId: second.id }]);
});

it("a finished turn schedules the summary job when the history reaches 70% of an agent's budget", async () => {
  // The offline model's 8192-token window: the user's message alone takes most of the budget.
  const w = await roomWorld(t.db, "roundtable", [{ key: "sage", name: "Sage" }]);
  const budget = contextBudget(8192, defaultSettings()["turns.max_output_tokens"]);
  const words: string[] = [];
  for (let i = 0; countTextTokens(words.join(" ")) < budget.input * SUMMARY_THRESHOLD; i++) words.push(`w${(i * 7919) % 100_003}`);
  const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, words.join(" "));
  expect(turn.status).toBe("completed");
  const jobs = await engine.boss.findJobs(queues.sessionSummarize.name, { data: { sessionId: w.session.id } });
  expect(jobs.map((j) => j.data)).toEqual([{ sessionId: w.session.id, turnId: turn.id }]);
});

it("never loses a message: each one is either in the summary or after its range", async () => {
  // The offline model (8192 tokens) cannot read this whole session in one call.
  await setSetting(t.db, "summary.model", "local");
  const w = await roomWorld(t.db, "roundtable", [{ key: "sage", name: "Sage" }]);
  const filler = (n: number) => Array.from({ length: n }, (_, i) => `w${(i * 7919) % 100_003}`).join(" ");
  let last;
  for (let i = 1; i <= 5; i++) last = await sendAndRun(engine.deps, w.user.id, w.session.id, `TOPIC${i} ${filler(600)}`);
  expect(await summarizeSession(engine.deps, { sessionId: w.session.id, turnId: last!.id }, never)).toMatchObject({ summarized: true });

  const summary = await t.db.sessionSummary.findFirstOrThrow({ where: { sessionId: w.session.id } });
  const users = await t.db.message.findMany({ where: { sessionId: w.session.id, role: "user" }, orderBy: { seq: "asc" } });
  for (const [i, m] of users.entries()) {
    // The offline summarizer quotes the start of every user message it was given.
    const covered = summary.text.includes(`TOPIC${i + 1} `);
    const later = m.seq > summary.throughSeq;
    expect([`TOPIC${i + 1}`, covered || later]).toEqual([`TOPIC${i + 1}`, true]);
  }
});

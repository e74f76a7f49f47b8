/**
 * Automatic session titles (title.ts): the first turn schedules `session.title`; the job asks the
 * summary model with the "Write a short title" prompt, stores the cleaned answer with a
 * `session_title` event, and bills one `title` ledger row, once however often it runs. A rename
 * before or during the call wins; a failed call leaves the title empty. On the fake OpenAI server
 * (as a real provider) and on the offline model; the job itself also runs in a real worker.
 */
import { randomUUID } from "node:crypto";
import { beforeEach, expect, it } from "vitest";
import { databaseForThisFile } from "@/test/database.ts";
import { roleOf, type FakeRequest } from "@/test/fake-openai.ts";
import { roomWorld, sendAndRun, turnEngineForThisFile } from "@/test/turns.ts";
import { startWorker } from "@/test/worker-process.ts";
import { waitFor } from "@/test/wait-for.ts";
import { queues } from "@/server/jobs/queues.ts";
import { setSetting } from "../settings/settings.ts";
import { sendTurn } from "../turns/send-turn.ts";
import { renameSession } from "./sessions.ts";
import { writeSessionTitle } from "./title.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t);
const never = new AbortController().signal;
const isTitle = (r: FakeRequest) => r.system.startsWith("Write a short title");

beforeEach(async () => {
  engine.fake.reset();
  await setSetting(t.db, "summary.model", "llama");
  await setSetting(t.db, "sessions.auto_title", true);
  engine.fake.script((r) => (isTitle(r) ? '"Launch plan for Tuesday."' : `${roleOf(r)} My view.`));
});

async function firstTurn(message = "We need to plan the product launch for Tuesday, who does what?") {
  const w = await roomWorld(t.db, "roundtable", [{ key: "sage", name: "Sage", modelAlias: "llama" }]);
  const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, message);
  return { ...w, turn };
}

const titleRows = (sessionId: string) => t.db.llmCallEvent.findMany({ where: { sessionId, callPurpose: "title" } });
const debitsOf = (sessionId: string) => t.db.creditTransaction.count({ where: { kind: "debit", referenceId: `title:${sessionId}` } });

it("the first turn schedules one title job; later turns do not", async () => {
  const w = await firstTurn();
  const jobs = async () => (await engine.boss.findJobs(queues.sessionTitle.name, { data: { sessionId: w.session.id } })).length;
  expect(await jobs()).toBe(1);
  await sendAndRun(engine.deps, w.user.id, w.session.id, "And the budget?");
  expect(await jobs()).toBe(1);
});

it("with automatic titles off, a first turn queues no job, a job queued before the switch does nothing, and switching back on titles the next session", async () => {
  const jobsOf = async (sessionId: string) => (await engine.boss.findJobs(queues.sessionTitle.name, { data: { sessionId } })).length;
  // Queued while titles were on, run after they were switched off.
  const queuedBefore = await firstTurn();
  expect(await jobsOf(queuedBefore.session.id)).toBe(1);
  await setSetting(t.db, "sessions.auto_title", false);
  const off = await firstTurn();
  expect(await jobsOf(off.session.id)).toBe(0);
  engine.fake.reset();
  for (const w of [queuedBefore, off]) {
    expect(await writeSessionTitle(engine.deps, { sessionId: w.session.id, turnId: w.turn.id }, never)).toEqual({ titled: false, reason: "titles off" });
    expect((await t.db.chatSession.findUniqueOrThrow({ where: { id: w.session.id } })).title).toBe("");
    expect(await titleRows(w.session.id)).toEqual([]);
    expect(await debitsOf(w.session.id)).toBe(0);
  }
  expect(engine.fake.requests.filter(isTitle)).toEqual([]);

  await setSetting(t.db, "sessions.auto_title", true);
  const on = await firstTurn();
  expect(await jobsOf(on.session.id)).toBe(1);
  expect(await writeSessionTitle(engine.deps, { sessionId: on.session.id, turnId: on.turn.id }, never)).toEqual({ titled: true, title: "Launch plan for Tuesday" });
  expect((await titleRows(on.session.id)).map((r) => r.status)).toEqual(["success"]);
});

it("stores the cleaned title with an event and bills one title call, once however often the job runs", async () => {
  const w = await firstTurn();
  const before = await t.db.creditWallet.findUniqueOrThrow({ where: { userId: w.user.id } });
  engine.fake.reset();
  expect(await writeSessionTitle(engine.deps, { sessionId: w.session.id, turnId: w.turn.id }, never)).toEqual({ titled: true, title: "Launch plan for Tuesday" });
  expect(engine.fake.requests).toHaveLength(1);
  expect(engine.fake.requests[0]!.conversation).toEqual([{ role: "user", content: "We need to plan the product launch for Tuesday, who does what?" }]);
  expect((await t.db.chatSession.findUniqueOrThrow({ where: { id: w.session.id } })).title).toBe("Launch plan for Tuesday");
  const events = await t.db.turnEvent.findMany({ where: { sessionId: w.session.id, type: "session_title" } });
  expect(events.map((e) => e.payload)).toEqual([{ type: "session_title", sessionId: w.session.id, title: "Launch plan for Tuesday" }]);

  const [row, ...more] = await titleRows(w.session.id);
  expect(more).toEqual([]);
  // On the session and room, not on the turn: the turn's credits stay what its steps cost.
  expect(row).toMatchObject({ idempotencyKey: `title:${w.session.id}`, sessionId: w.session.id, roomId: w.room.id, turnId: null, stepId: null, status: "success", modelAlias: "llama", provider: "openrouter" });
  expect(row!.creditsBurned.toNumber()).toBeGreaterThan(0);
  expect(await debitsOf(w.session.id)).toBe(1);
  const after = await t.db.creditWallet.findUniqueOrThrow({ where: { userId: w.user.id } });
  expect(before.balance.minus(after.balance).toString()).toBe(row!.creditsBurned.toString());
  expect(after.reserved.toString()).toBe("0");

  // Again (a retried job): nothing called, nothing billed.
  await t.db.chatSession.update({ where: { id: w.session.id }, data: { title: "" } });
  expect(await writeSessionTitle(engine.deps, { sessionId: w.session.id, turnId: w.turn.id }, never)).toEqual({ titled: false, reason: "already asked" });
  expect(engine.fake.requests).toHaveLength(1);
  expect(await titleRows(w.session.id)).toHaveLength(1);
  expect(await debitsOf(w.session.id)).toBe(1);
});

it("a rename before the job, or while its call runs, keeps the user's title", async () => {
  const early = await firstTurn();
  await renameSession(t.db, early.user.id, { id: early.session.id, title: "My launch" });
  engine.fake.reset();
  expect(await writeSessionTitle(engine.deps, { sessionId: early.session.id, turnId: early.turn.id }, never)).toEqual({ titled: false, reason: "already titled" });
  expect(engine.fake.requests).toHaveLength(0);

  const during = await firstTurn();
  engine.fake.script(async (r) => {
    if (isTitle(r)) await renameSession(t.db, during.user.id, { id: during.session.id, title: "Renamed while asking" });
    return "Model title";
  });
  expect(await writeSessionTitle(engine.deps, { sessionId: during.session.id, turnId: during.turn.id }, never)).toEqual({ titled: false, reason: "renamed meanwhile" });
  expect((await t.db.chatSession.findUniqueOrThrow({ where: { id: during.session.id } })).title).toBe("Renamed while asking");
  // The call was made, so it is billed, once.
  expect(await titleRows(during.session.id)).toHaveLength(1);
  expect(await debitsOf(during.session.id)).toBe(1);
});

it("a failed call leaves the title empty, with its ledger row, and the turn as it was", async () => {
  const w = await firstTurn();
  engine.fake.script((r) => (isTitle(r) ? { status: 400, message: "no titles today" } : "ok"));
  expect(await writeSessionTitle(engine.deps, { sessionId: w.session.id, turnId: w.turn.id }, never)).toEqual({ titled: false, reason: "call failed: provider" });
  expect((await t.db.chatSession.findUniqueOrThrow({ where: { id: w.session.id } })).title).toBe("");
  expect((await titleRows(w.session.id)).map((r) => r.status)).toEqual(["error"]);
  expect((await t.db.turn.findUniqueOrThrow({ where: { id: w.turn.id } })).status).toBe("completed");
  expect((await t.db.creditWallet.findUniqueOrThrow({ where: { userId: w.user.id } })).reserved.toString()).toBe("0");
});

it("the offline model writes a short title, also when no summary model is chosen and a real one is usable", async () => {
  await setSetting(t.db, "summary.model", null);
  const w = await firstTurn("How do I bake sourdough bread at home with a starter?");
  engine.fake.reset();
  const outcome = await writeSessionTitle(engine.deps, { sessionId: w.session.id, turnId: w.turn.id }, never);
  expect(outcome.titled).toBe(true);
  expect(engine.fake.requests).toHaveLength(0);
  const { title } = await t.db.chatSession.findUniqueOrThrow({ where: { id: w.session.id } });
  expect(title.length).toBeGreaterThan(0);
  expect(title.length).toBeLessThanOrEqual(80);
  expect(title).not.toMatch(/^["'“]|[."'”]$/);
  expect((await titleRows(w.session.id)).map((r) => [r.modelAlias, r.status])).toEqual([["local", "success"]]);
});

it("a real worker runs the title job after the first turn", { timeout: 60_000 }, async () => {
  await setSetting(t.db, "summary.model", null);
  const w = await roomWorld(t.db, "roundtable", [{ key: "sage", name: "Sage" }]);
  const worker = await startWorker(t.url, t.db);
  try {
    await sendTurn(engine.deps, w.user.id, { sessionId: w.session.id, message: "Compare two database indexes for text search", clientRequestId: randomUUID() });
    const title = await waitFor("the session's title", async () => (await t.db.chatSession.findUniqueOrThrow({ where: { id: w.session.id } })).title || null, 45_000);
    expect(title.length).toBeGreaterThan(0);
    expect(await titleRows(w.session.id)).toHaveLength(1);
  } finally {
    worker.child.kill("SIGTERM");
    await worker.exited;
  }
});

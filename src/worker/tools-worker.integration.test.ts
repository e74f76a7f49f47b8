/**
 * The tool loop with the real worker process, SIGKILLed in the middle of it (PRODUCT.md 8: "crash
 * resume and cancel hold inside the loop"). The agent is on alias `llama` (a fake OpenAI-compatible
 * server) and searches through a fake Tavily server. Killed after its search ended, the next worker
 * replays the search's stored result and never searches again; killed during the search, the next
 * worker runs that same call again under its own row. Either way: one tool row per call, one debit
 * for it, one ledger row per model request, nothing held. Recovery takes 10–25 s (pg-boss notices
 * the missed heartbeat; see turns-worker.integration.test.ts).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { sendTurn } from "@/server/domain/turns/send-turn.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { roleOf, type FakeRequest } from "@/test/fake-openai.ts";
import { startFakeTavily, type FakeSearch } from "@/test/fake-search.ts";
import { roomWorld, turnEngineForThisFile } from "@/test/turns.ts";
import { waitFor } from "@/test/wait-for.ts";
import { startWorker, type WorkerProcess } from "@/test/worker-process.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t);
let tavily: FakeSearch;

beforeAll(async () => {
  tavily = await startFakeTavily([{ title: "Launch checklist", url: "https://example.com/launch", content: "Test the rollback before the launch." }]);
});
afterAll(() => tavily.close());
beforeEach(() => {
  engine.fake.reset();
  tavily.reset();
  tavily.answer();
});

const workerEnv = () => ({ OPENROUTER_API_KEY: "x", LLM_BASE_URL: engine.fake.baseURL, TAVILY_API_KEY: "tvly-test", TAVILY_BASE_URL: tavily.baseURL, LOG_LEVEL: "warn" });
const toolResults = (r: FakeRequest) => r.messages.filter((m) => m.role === "tool");

/** Asks for one search, then answers once it has the result. */
function searchThenAnswer(r: FakeRequest) {
  return toolResults(r).length === 0 ? { toolCalls: [{ name: "search", arguments: { query: "launch checklist" } }] } : `${roleOf(r)} Checked.`;
}

async function scoutWorld() {
  const world = await roomWorld(t.db, "roundtable", [{ key: "scout", modelAlias: "llama" }]);
  await t.db.agent.update({ where: { id: world.agents[0]!.id }, data: { toolPermissions: ["search"] } });
  const turn = await sendTurn(engine.deps, world.user.id, { sessionId: world.session.id, message: "Look up a launch checklist.", clientRequestId: randomUUID() });
  return { world, turn };
}

function waitForEnd(turnId: string) {
  return waitFor(`turn ${turnId} to end`, async () => {
    const turn = await t.db.turn.findUniqueOrThrow({ where: { id: turnId }, include: { steps: true } });
    return ["completed", "partial", "failed", "cancelled"].includes(turn.status) ? turn : null;
  }, 60_000, 100);
}

async function killed(worker: WorkerProcess) {
  worker.child.kill("SIGKILL");
  await worker.exited;
}

/** One tool row, succeeded and debited once; one ledger row per model request; nothing held. */
async function expectBooks(turnId: string, userId: string) {
  const calls = await t.db.toolCallEvent.findMany({ where: { turnId } });
  expect(calls.map((c) => [c.tool, c.status])).toEqual([["search", "succeeded"]]);
  const debits = await t.db.creditTransaction.findMany({ where: { userId, referenceId: calls[0]!.key } });
  expect(debits.map((d) => d.amount.toFixed())).toEqual(["-0.05"]);
  const ledger = await t.db.llmCallEvent.findMany({ where: { turnId } });
  expect(new Set(ledger.map((r) => r.idempotencyKey)).size).toBe(ledger.length);
  // The session's first turn also gets its title (a `title` call of its own, sessions/title.ts): let it settle.
  await waitFor("the session title call", () => t.db.llmCallEvent.findFirst({ where: { userId, callPurpose: "title" } }), 20_000);
  expect(await t.db.walletReservation.count({ where: { userId } })).toBe(0);
  expect((await t.db.creditWallet.findUniqueOrThrow({ where: { userId } })).reserved.toFixed()).toBe("0");
  return ledger;
}

it("killed after the search ended: the next worker replays its result and does not search again", async () => {
  // The answer after the search hangs, so the worker is killed with the search done.
  engine.fake.script((r) => (toolResults(r).length ? { hang: true } : searchThenAnswer(r)));
  const first = await startWorker(t.url, t.db, workerEnv());
  let second: WorkerProcess | undefined;
  try {
    const { world, turn } = await scoutWorld();
    await engine.fake.waitForRequests(2);
    expect(await t.db.toolCallEvent.count({ where: { turnId: turn.id, status: "succeeded" } })).toBe(1);
    await killed(first);

    engine.fake.script(searchThenAnswer);
    second = await startWorker(t.url, t.db, workerEnv());
    const ended = await waitForEnd(turn.id);
    expect(ended.status).toBe("completed");
    expect(tavily.requests).toHaveLength(1);

    // The last request carried the search's stored result, as the first loop had it.
    const last = engine.fake.requests.at(-1)!;
    expect(toolResults(last)).toHaveLength(1);
    expect(toolResults(last)[0]!.content).toContain("https://example.com/launch");
    expect(toolResults(engine.fake.requests[1]!)[0]!.content).toBe(toolResults(last)[0]!.content);

    const ledger = await expectBooks(turn.id, world.user.id);
    // The search round, the lost call (estimated, worker_lost), the answer.
    expect(ledger.map((r) => [r.idempotencyKey.split(":").slice(1).join(":"), r.status, r.errorCode]).sort()).toEqual([
      ["1:1", "success", null],
      ["1:2", "error", "worker_lost"],
      ["1:3", "success", null],
    ]);
    expect(engine.fake.requests).toHaveLength(3);
  } finally {
    if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill("SIGKILL");
    second?.child.kill("SIGTERM");
    await second?.exited;
  }
});

it("killed during the search: the next worker runs that call again under its own row, paid for once", async () => {
  engine.fake.script(searchThenAnswer);
  tavily.hang();
  const first = await startWorker(t.url, t.db, workerEnv());
  let second: WorkerProcess | undefined;
  try {
    const { world, turn } = await scoutWorld();
    await tavily.waitForRequests(1);
    const running = await t.db.toolCallEvent.findMany({ where: { turnId: turn.id } });
    expect(running.map((c) => c.status)).toEqual(["running"]);
    // Its credits are held while it runs.
    expect(await t.db.walletReservation.count({ where: { key: running[0]!.key } })).toBe(1);
    await killed(first);

    tavily.answer();
    second = await startWorker(t.url, t.db, workerEnv());
    const ended = await waitForEnd(turn.id);
    expect(ended.status).toBe("completed");
    expect(tavily.requests).toHaveLength(2);
    const ledger = await expectBooks(turn.id, world.user.id);
    expect((await t.db.toolCallEvent.findFirstOrThrow({ where: { turnId: turn.id } })).id).toBe(running[0]!.id);
    // The round that asked (its row was written before the search), then the answer.
    expect(ledger.map((r) => r.status)).toEqual(["success", "success"]);
    expect(engine.fake.requests).toHaveLength(2);
  } finally {
    if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill("SIGKILL");
    second?.child.kill("SIGTERM");
    await second?.exited;
  }
});

/**
 * Per-user credit caps (PRODUCT.md 9). With a daily cap of 1 credit and a wallet that could pay for
 * far more, 40 concurrent turns of one user (in 40 sessions, run at once in this process) never
 * burn past the cap: each call's reservation checks the cap under the wallet row's lock, counting
 * what was burned today and what the other calls in flight hold. Also the send preflight's refusal
 * and its details, and the monthly cap.
 */
import { randomUUID } from "node:crypto";
import { Decimal } from "decimal.js";
import { beforeAll, describe, expect, it } from "vitest";
import { createSession } from "@/server/domain/sessions/sessions.ts";
import { setSetting } from "@/server/domain/settings/settings.ts";
import { runTurn } from "@/server/domain/turns/run-turn.ts";
import { sendTurn } from "@/server/domain/turns/send-turn.ts";
import { getWallet } from "@/server/domain/metering/wallet.ts";
import { AppError, isAppError } from "@/server/errors.ts";
import { countMessageTokens } from "@/server/llm/tokenizer.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { roleOf } from "@/test/fake-openai.ts";
import { roomWorld, turnEngineForThisFile } from "@/test/turns.ts";
import { capRefusal, capWindows, readCapUsage } from "./user-caps.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t);

const TURNS = 40;
const CAP = "1";

beforeAll(async () => {
  await setSetting(t.db, "turns.rate_limit_per_minute", 10_000);
  await setSetting(t.db, "turns.rate_limit_per_hour", 10_000);
});

const dec = (v: { toString(): string }) => new Decimal(v.toString());

describe("capWindows and capRefusal", () => {
  it("reset at the next UTC midnight and the first of the next UTC month", () => {
    const w = capWindows(new Date("2026-12-31T23:59:59.999Z"));
    expect(w.dayStart.toISOString()).toBe("2026-12-31T00:00:00.000Z");
    expect(w.dayResetsAt.toISOString()).toBe("2027-01-01T00:00:00.000Z");
    expect(w.monthStart.toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(w.monthResetsAt.toISOString()).toBe("2027-01-01T00:00:00.000Z");
  });

  it("count the held credits and the next call's worst case; exactly at the cap passes", () => {
    const usage = { dailyCap: "1", monthlyCap: "5", burnedToday: "0.6", burnedThisMonth: "4.5", held: "0.2", windows: capWindows(new Date("2026-12-02T10:00:00Z")) };
    expect(capRefusal(usage, "0.2")).toBeNull();
    expect(capRefusal(usage, "0.200001")).toEqual({ cap: "daily", limit: "1", used: "0.8", needed: "0.200001", resetsAt: "2026-12-03T00:00:00.000Z" });
    expect(capRefusal({ ...usage, dailyCap: null }, "0.4")).toEqual({ cap: "monthly", limit: "5", used: "4.7", needed: "0.4", resetsAt: "2027-01-01T00:00:00.000Z" });
    expect(capRefusal({ ...usage, dailyCap: null, monthlyCap: null }, "1000")).toBeNull();
  });
});

it(`${TURNS} concurrent turns of a user with a daily cap of ${CAP} credit never burn past it`, async () => {
  const w = await roomWorld(t.db, "roundtable", [
    { key: "alice", name: "Alice", modelAlias: "llama" },
    { key: "bob", name: "Bob", modelAlias: "llama" },
  ]);
  const sessions = [w.session.id];
  for (let i = 1; i < TURNS; i++) sessions.push((await createSession(t.db, w.user.id, { roomId: w.room.id })).id);
  // Every call spends nearly its worst case (~0.1 credit): all of its input, and max_tokens less a little.
  engine.fake.script((r) => ({ text: `${roleOf(r)} Answer.`, usage: { prompt_tokens: countMessageTokens(r.messages), completion_tokens: (r.body.max_tokens ?? 1024) - 24 } }));

  await getWallet(t.db, w.user.id);
  // The wallet is not the limit: the cap is.
  await t.db.creditWallet.update({ where: { userId: w.user.id }, data: { balance: "1000" } });
  await t.db.userCreditCaps.create({ data: { userId: w.user.id, dailyCap: CAP } });

  // A monitor: burned today plus what calls in flight hold never passes the cap.
  let running = true;
  const samples: Decimal[] = [];
  const monitor = (async () => {
    while (running) {
      const usage = await readCapUsage(t.db, w.user.id);
      samples.push(dec(usage.burnedToday).plus(usage.held));
    }
  })();

  const outcomes = await Promise.all(
    sessions.map(async (sessionId) => {
      let turnId: string;
      try {
        turnId = (await sendTurn(engine.deps, w.user.id, { sessionId, message: "Plan the launch.", clientRequestId: randomUUID() })).id;
      } catch (error) {
        if (isAppError(error) && error.code === "user_cap_reached") return { refused: error };
        throw error;
      }
      await runTurn(engine.deps, turnId, new AbortController().signal);
      return { turn: await t.db.turn.findUniqueOrThrow({ where: { id: turnId }, include: { steps: { orderBy: { index: "asc" } } } }) };
    }),
  );
  running = false;
  await monitor;

  const turns = outcomes.flatMap((o) => (o.turn ? [o.turn] : []));
  const refused = outcomes.flatMap((o) => (o.refused ? [o.refused] : []));
  const byStatus = (status: string) => turns.filter((turn) => turn.status === status);
  console.info(`${TURNS} capped turns: ${byStatus("completed").length} completed, ${byStatus("partial").length} partial, ${byStatus("failed").length} failed, ${refused.length} refused at send`);

  expect(turns.length + refused.length).toBe(TURNS);
  for (const turn of turns) {
    if (turn.status !== "completed") expect(turn.errorCode, `turn ${turn.id} ${turn.status}`).toBe("user_cap_reached");
  }
  // The cap really was the limit.
  expect(byStatus("partial").length + byStatus("failed").length + refused.length).toBeGreaterThan(0);
  for (const error of refused) {
    expect(error).toBeInstanceOf(AppError);
    expect(error.details).toMatchObject({ cap: "daily", limit: "1", resetsAt: capWindows(new Date()).dayResetsAt.toISOString() });
  }

  expect(samples.length).toBeGreaterThan(0);
  for (const s of samples) expect(s.lte(CAP), `sample ${s.toString()}`).toBe(true);

  const rows = await t.db.llmCallEvent.findMany({ where: { userId: w.user.id } });
  const burned = rows.reduce((acc, r) => acc.plus(dec(r.creditsBurned)), new Decimal(0));
  expect(burned.lte(CAP)).toBe(true);
  // ... and used: at least as many calls ran as fit under the cap one after another, less one.
  expect(burned.gt(new Decimal(CAP).minus("0.25"))).toBe(true);
  const wallet = await t.db.creditWallet.findUniqueOrThrow({ where: { userId: w.user.id } });
  expect(wallet.reserved.toString()).toBe("0");
  expect(dec(wallet.balance).toString()).toBe(new Decimal(1000).minus(burned).toString());
});

it("the send preflight refuses a capped user with user_cap_reached and the facts; a monthly cap too; no caps or enforcement off: no limit", async () => {
  const w = await roomWorld(t.db, "roundtable", [{ key: "alice", name: "Alice", modelAlias: "llama" }]);
  engine.fake.script((r) => ({ text: `${roleOf(r)} Answer.`, usage: { prompt_tokens: countMessageTokens(r.messages), completion_tokens: 100 } }));
  await getWallet(t.db, w.user.id);
  // Yesterday's calls do not count against today's cap, but count against this month's.
  const send = () => sendTurn(engine.deps, w.user.id, { sessionId: w.session.id, message: "Hello", clientRequestId: randomUUID() });
  await t.db.userCreditCaps.create({ data: { userId: w.user.id, dailyCap: "0.01" } });
  const daily = await send().catch((e: unknown) => e);
  expect(daily).toMatchObject({ code: "user_cap_reached", details: { cap: "daily", limit: "0.01", used: "0", resetsAt: capWindows(new Date()).dayResetsAt.toISOString() } });
  expect((daily as AppError).message).toMatch(/daily credit cap of 0\.01/);
  expect(await t.db.turn.count({ where: { userId: w.user.id } })).toBe(0);

  await t.db.userCreditCaps.update({ where: { userId: w.user.id }, data: { dailyCap: null, monthlyCap: "0.01" } });
  expect(await send().catch((e: unknown) => e)).toMatchObject({ code: "user_cap_reached", details: { cap: "monthly", limit: "0.01" } });

  await setSetting(t.db, "credits.enforcement", false);
  try {
    const turn = await send();
    await runTurn(engine.deps, turn.id, new AbortController().signal);
    expect((await t.db.turn.findUniqueOrThrow({ where: { id: turn.id } })).status).toBe("completed");
  } finally {
    await setSetting(t.db, "credits.enforcement", true);
  }
  await t.db.userCreditCaps.delete({ where: { userId: w.user.id } });
  const turn = await send();
  await runTurn(engine.deps, turn.id, new AbortController().signal);
  expect((await t.db.turn.findUniqueOrThrow({ where: { id: turn.id } })).status).toBe("completed");
});

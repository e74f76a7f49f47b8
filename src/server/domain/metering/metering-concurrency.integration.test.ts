/**
 * Any number of concurrent turns never overspend (PRODUCT.md 7.4): 50 turns of one user, in 50
 * sessions (one turn at a time per session), sent and run at once in this process, against a wallet
 * that covers only a few calls. Reservations are a conditional update on `balance - reserved`, so
 * however the calls interleave the wallet is never overcommitted, never below zero, and what was
 * debited is exactly what the ledger says was burned.
 */
import { randomUUID } from "node:crypto";
import { Decimal } from "decimal.js";
import { beforeAll, expect, it } from "vitest";
import { createSession } from "@/server/domain/sessions/sessions.ts";
import { setSetting } from "@/server/domain/settings/settings.ts";
import { runTurn } from "@/server/domain/turns/run-turn.ts";
import { sendTurn } from "@/server/domain/turns/send-turn.ts";
import { isAppError } from "@/server/errors.ts";
import { countMessageTokens } from "@/server/llm/tokenizer.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { roleOf } from "@/test/fake-openai.ts";
import { roomWorld, turnEngineForThisFile } from "@/test/turns.ts";
import { worstCaseCredits } from "./formula.ts";
import { getWallet } from "./wallet.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t);

const TURNS = 50;
// About five calls' worth: each call may hold ~0.105 and spends ~0.1 (see the script below).
const BALANCE = "0.55";

beforeAll(async () => {
  await setSetting(t.db, "turns.rate_limit_per_minute", 10_000);
  await setSetting(t.db, "turns.rate_limit_per_hour", 10_000);
});

const dec = (v: { toString(): string }) => new Decimal(v.toString());

it(`${TURNS} concurrent turns of one user never overspend a wallet that covers a few calls`, async () => {
  const w = await roomWorld(t.db, "roundtable", [
    { key: "alice", name: "Alice", modelAlias: "llama" },
    { key: "bob", name: "Bob", modelAlias: "llama" },
  ]);
  const sessions = [w.session.id];
  for (let i = 1; i < TURNS; i++) sessions.push((await createSession(t.db, w.user.id, { roomId: w.room.id })).id);
  // Every call spends nearly its worst case: all of its input, and max_tokens less a little.
  engine.fake.script((r) => ({ text: `${roleOf(r)} Answer.`, usage: { prompt_tokens: countMessageTokens(r.messages), completion_tokens: (r.body.max_tokens ?? 1024) - 24 } }));

  await getWallet(t.db, w.user.id);
  await t.db.creditWallet.update({ where: { userId: w.user.id }, data: { balance: BALANCE } });
  // The database itself refuses a negative balance, so a settle that overspent would throw (and fail the run below).
  await expect(t.db.creditWallet.update({ where: { userId: w.user.id }, data: { balance: "-0.000001" } })).rejects.toThrow(/credit_wallets_balance_nonnegative/);

  // A monitor reading the wallet while the turns run: never below zero, never more held than there is.
  let running = true;
  const samples: { balance: Decimal; reserved: Decimal }[] = [];
  const monitor = (async () => {
    while (running) {
      const wallet = await t.db.creditWallet.findUniqueOrThrow({ where: { userId: w.user.id } });
      samples.push({ balance: dec(wallet.balance), reserved: dec(wallet.reserved) });
    }
  })();

  const started = performance.now();
  const outcomes = await Promise.all(
    sessions.map(async (sessionId) => {
      let turnId: string;
      try {
        turnId = (await sendTurn(engine.deps, w.user.id, { sessionId, message: "Plan the launch.", clientRequestId: randomUUID() })).id;
      } catch (error) {
        if (isAppError(error) && error.code === "insufficient_credits") return { refused: true as const };
        throw error;
      }
      await runTurn(engine.deps, turnId, new AbortController().signal);
      return { refused: false as const, turn: await t.db.turn.findUniqueOrThrow({ where: { id: turnId }, include: { steps: { orderBy: { index: "asc" } } } }) };
    }),
  );
  running = false;
  await monitor;
  const elapsedMs = performance.now() - started;

  const turns = outcomes.flatMap((o) => (o.refused ? [] : [o.turn]));
  const refused = outcomes.filter((o) => o.refused).length;
  const byStatus = (status: string) => turns.filter((turn) => turn.status === status);
  console.info(
    `${TURNS} concurrent turns in ${elapsedMs.toFixed(0)} ms: ${byStatus("completed").length} completed, ${byStatus("partial").length} partial, ` +
      `${byStatus("failed").length} failed, ${refused} refused at send; ${samples.length} wallet samples`,
  );

  // Every turn ended: completed with both answers, or cut short for lack of credits, or refused at send.
  expect(turns.length + refused).toBe(TURNS);
  for (const turn of turns) {
    expect(["completed", "partial", "failed"]).toContain(turn.status);
    if (turn.status === "completed") expect(turn.steps.map((s) => [s.agentKey, s.status])).toEqual([["alice", "succeeded"], ["bob", "succeeded"]]);
    // partial: alice answered and bob could not reserve; failed: not even alice could (the send's
    // preflight passed, but concurrent turns had reserved the rest by the time it ran).
    else expect(turn.errorCode, `turn ${turn.id} ${turn.status}`).toBe("insufficient_credits");
    if (turn.status === "partial") expect(turn.steps.map((s) => [s.agentKey, s.status])).toEqual([["alice", "succeeded"]]);
    if (turn.status === "failed") expect(turn.steps).toEqual([]);
  }
  // The wallet really was the limit: some turns did not get all their calls.
  expect(byStatus("partial").length + byStatus("failed").length + refused).toBeGreaterThan(0);

  // No overcommitment at any moment the monitor looked, and none at the end.
  expect(samples.length).toBeGreaterThan(0);
  for (const s of samples) {
    expect(s.balance.gte(0)).toBe(true);
    expect(s.balance.minus(s.reserved).gte(0)).toBe(true);
  }
  const wallet = await t.db.creditWallet.findUniqueOrThrow({ where: { userId: w.user.id } });
  expect(wallet.reserved.toString()).toBe("0");
  expect(await t.db.walletReservation.count({ where: { userId: w.user.id } })).toBe(0);
  expect(dec(wallet.balance).gte(0)).toBe(true);

  // One row per call that reached the provider, each debited exactly once for exactly its credits.
  const rows = await t.db.llmCallEvent.findMany({ where: { userId: w.user.id } });
  expect(rows).toHaveLength(engine.fake.requests.length);
  expect(rows.every((r) => r.status === "success")).toBe(true);
  expect(rows.length).toBe(turns.reduce((n, turn) => n + turn.steps.length, 0));
  // ... and the wallet was used: at least as many calls ran as their worst cases fit in it at once.
  const largestWorstCase = Decimal.max(...engine.fake.requests.map((r) => worstCaseCredits(countMessageTokens(r.messages), 1024, 1)));
  expect(rows.length).toBeGreaterThanOrEqual(new Decimal(BALANCE).dividedToIntegerBy(largestWorstCase).toNumber());
  const debits = await t.db.creditTransaction.findMany({ where: { userId: w.user.id, kind: "debit" } });
  expect(debits.map((d) => d.referenceId).sort()).toEqual(rows.map((r) => r.idempotencyKey).sort());
  const burned = rows.reduce((acc, r) => acc.plus(dec(r.creditsBurned)), new Decimal(0));
  const debited = debits.reduce((acc, d) => acc.minus(dec(d.amount)), new Decimal(0));
  expect(debited.toString()).toBe(burned.toString());
  expect(burned.lte(BALANCE)).toBe(true);
  expect(dec(wallet.balance).toString()).toBe(new Decimal(BALANCE).minus(burned).toString());
});

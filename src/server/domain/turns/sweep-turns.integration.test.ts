/**
 * Turns whose job ended without them (a worker killed on the last retry, a job removed) are ended by
 * the sweep, so their session is not blocked for good; live turns are left alone.
 */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { env } from "@/server/env.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { roomWorld, turnEngineForThisFile } from "@/test/turns.ts";
import { sendTurn } from "./send-turn.ts";
import { sweepLostTurns } from "./sweep-turns.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t, { fakeOpenAI: false });

async function queued() {
  const world = await roomWorld(t.db, "roundtable", [{ key: "alice" }]);
  const turn = await sendTurn(engine.deps, world.user.id, { sessionId: world.session.id, message: "Hello", clientRequestId: randomUUID() });
  return { world, turn };
}

/** Makes a turn look sent `seconds` ago, past the sweep's grace period. */
const age = (turnId: string, seconds: number) => t.db.$executeRaw`UPDATE turns SET created_at = now() - make_interval(secs => ${seconds}) WHERE id = ${turnId}::uuid`;
const setJobState = (turnId: string, state: string) =>
  t.db.$executeRawUnsafe(`UPDATE ${env.PGBOSS_SCHEMA}.job SET state = $1::${env.PGBOSS_SCHEMA}.job_state WHERE id = $2::uuid`, state, turnId);

it("fails a running turn whose job failed for good, cancels one whose owner had asked, and leaves live ones alone", async () => {
  const failed = await queued();
  await t.db.turn.update({ where: { id: failed.turn.id }, data: { status: "running", startedAt: new Date() } });
  await setJobState(failed.turn.id, "failed");
  await age(failed.turn.id, 120);

  const cancelled = await queued();
  await t.db.turn.update({ where: { id: cancelled.turn.id }, data: { status: "running", cancelRequestedAt: new Date() } });
  await t.db.$executeRawUnsafe(`DELETE FROM ${env.PGBOSS_SCHEMA}.job WHERE id = $1::uuid`, cancelled.turn.id);
  await age(cancelled.turn.id, 120);

  // Still queued with its job waiting: a worker will take it.
  const waiting = await queued();
  await age(waiting.turn.id, 120);
  // Its job failed, but it was sent moments ago: inside the grace period.
  const fresh = await queued();
  await setJobState(fresh.turn.id, "failed");

  expect(await sweepLostTurns(t.db)).toBe(2);
  const status = async (id: string) => (await t.db.turn.findUniqueOrThrow({ where: { id } })).status;
  expect(await status(failed.turn.id)).toBe("failed");
  expect((await t.db.turn.findUniqueOrThrow({ where: { id: failed.turn.id } })).errorCode).toBe("worker_lost");
  expect(await status(cancelled.turn.id)).toBe("cancelled");
  expect(await status(waiting.turn.id)).toBe("queued");
  expect(await status(fresh.turn.id)).toBe("queued");
  // Each ended turn told its session's stream, once.
  expect(await t.db.turnEvent.count({ where: { turnId: failed.turn.id, type: "turn_failed" } })).toBe(1);
  expect(await t.db.turnEvent.count({ where: { turnId: cancelled.turn.id, type: "turn_cancelled" } })).toBe(1);
  // A second sweep finds nothing more.
  expect(await sweepLostTurns(t.db)).toBe(0);
  // And the session takes a new turn again.
  await expect(sendTurn(engine.deps, failed.world.user.id, { sessionId: failed.world.session.id, message: "Again", clientRequestId: randomUUID() })).resolves.toMatchObject({ status: "queued" });
});

it("settles the call in flight of a turn given up: a worker_lost ledger row, and its credits no longer held", async () => {
  const { world, turn } = await queued();
  // As a worker would have left it: step 1 running with its reservation, then killed for good.
  const step = await t.db.turnStep.create({
    data: { turnId: turn.id, index: 1, kind: "agent", agentKey: "alice", agentName: "alice", modelAlias: "local", status: "running", attempt: 1, startedAt: new Date() },
  });
  await t.db.$executeRaw`UPDATE credit_wallets SET reserved = reserved + 0.5 WHERE user_id = ${world.user.id}::uuid`;
  await t.db.walletReservation.create({ data: { userId: world.user.id, key: `${turn.id}:1:1`, amount: "0.5", inputTokens: 400 } });
  await t.db.turn.update({ where: { id: turn.id }, data: { status: "running" } });
  await setJobState(turn.id, "failed");
  await age(turn.id, 120);

  expect(await sweepLostTurns(t.db)).toBe(1);
  const rows = await t.db.llmCallEvent.findMany({ where: { turnId: turn.id } });
  expect(rows.map((r) => [r.stepId, r.status, r.errorCode, r.usageSource, r.inputTokensFresh, r.idempotencyKey])).toEqual([
    [step.id, "error", "worker_lost", "estimated", 400, `${turn.id}:1:1`],
  ]);
  const wallet = await t.db.creditWallet.findUniqueOrThrow({ where: { userId: world.user.id } });
  expect(wallet.reserved.toString()).toBe("0");
  expect(await t.db.walletReservation.count({ where: { userId: world.user.id } })).toBe(0);
  // Debited exactly what the ledger says.
  const debits = await t.db.creditTransaction.findMany({ where: { userId: world.user.id, kind: "debit" } });
  expect(debits.map((d) => d.amount.negated().toString())).toEqual([rows[0]!.creditsBurned.toString()]);
});

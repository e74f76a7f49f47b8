/**
 * Metering around every LLM call (PRODUCT.md 7.1, 7.4): reserve the worst case before the call,
 * then settle in the transaction that ends the step — the ledger row (idempotency key
 * `turn:step:attempt`), the wallet debit and the release of the reservation commit together with
 * the step's completion and its message. Balances never go below zero: reservations are a
 * conditional update on `balance - reserved`, and a debit never takes more than is there.
 */
import { Decimal } from "decimal.js";
import type { Db } from "../../db.ts";
import type { Prisma } from "@/generated/prisma/client.ts";
import { AppError } from "../../errors.ts";
import { findModel } from "../../llm/catalog.ts";
import type { Settings } from "../settings/settings.ts";
import { creditsFor, oeTokens, providerCostUsd, splitUsage, worstCaseCredits } from "./formula.ts";
import { ensureWallet } from "./wallet.ts";

type Tx = Prisma.TransactionClient;

export type CallPurpose = "agent_reply" | "route" | "evaluate" | "synthesis" | "summary";
export type CallStatus = "success" | "error" | "timeout" | "cancelled" | "rate_limited";

/** Who and what a call is for: everything the ledger row is attributed to. */
export interface CallAttribution {
  userId: string;
  roomId: string | null;
  sessionId: string;
  turnId: string;
  stepId: string;
  agentId: string | null;
  agentKey: string | null;
  purpose: CallPurpose;
  mode: string;
  modelAlias: string;
}

export function idempotencyKey(turnId: string, stepIndex: number, attempt: number): string {
  return `${turnId}:${stepIndex}:${attempt}`;
}

/** The active pricing of a model (read from the database each time: several processes share it). */
export async function activePricing(db: Pick<Db, "modelPricing">, modelAlias: string) {
  const row = await db.modelPricing.findFirst({ where: { modelAlias, version: { active: true } } });
  if (!row) throw new Error(`no active pricing for model ${modelAlias}`);
  return row;
}

/**
 * Holds the call's worst case in the user's wallet (with enforcement off, records the call in flight
 * without holding anything). Throws `insufficient_credits` when `balance - reserved` cannot cover it.
 */
export async function reserveCall(tx: Tx, args: { userId: string; key: string; modelAlias: string; inputTokens: number; maxOutputTokens: number; settings: Settings }) {
  await ensureWallet(tx, args.userId, args.settings);
  const pricing = await activePricing(tx, args.modelAlias);
  const amount = args.settings["credits.enforcement"] ? worstCaseCredits(args.inputTokens, args.maxOutputTokens, pricing.multiplier.toString()) : new Decimal(0);
  if (amount.gt(0)) {
    const held = await tx.$executeRaw`
      UPDATE credit_wallets SET reserved = reserved + ${amount.toString()}::numeric, updated_at = now()
      WHERE user_id = ${args.userId}::uuid AND balance - reserved >= ${amount.toString()}::numeric`;
    if (held === 0) throw new AppError("insufficient_credits", "Not enough credits for this call.", { needed: amount.toString() });
  }
  await tx.walletReservation.create({ data: { userId: args.userId, key: args.key, amount: amount.toString(), inputTokens: args.inputTokens } });
  return amount;
}

export interface CallOutcome {
  status: CallStatus;
  errorCode: string | null;
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  usageSource: string;
  requestId: string | null;
  latencyMs: number | null;
  ttftMs: number | null;
  startedAt: Date;
}

/**
 * Settles a reserved call inside the caller's transaction: one ledger row, the debit, the
 * reservation released. Settling the same key twice changes nothing (the ledger's unique key).
 */
export async function settleCall(tx: Tx, call: CallAttribution, key: string, outcome: CallOutcome): Promise<{ credits: Decimal; settled: boolean }> {
  const model = findModel(call.modelAlias);
  const pricing = await activePricing(tx, call.modelAlias);
  const usage = splitUsage(outcome);
  const oe = oeTokens(usage);
  const credits = creditsFor(oe, pricing.multiplier.toString());
  const cost = providerCostUsd(usage, { input: pricing.inputUsdPerToken.toString(), cachedInput: pricing.cachedInputUsdPerToken.toString(), output: pricing.outputUsdPerToken.toString() });

  const inserted = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO llm_call_events (
      id, user_id, room_id, session_id, turn_id, step_id, agent_id, agent_key, call_purpose, mode,
      provider, model_alias, provider_model, request_id,
      input_tokens_fresh, input_tokens_cached, output_tokens, total_tokens, usage_source,
      oe_tokens, multiplier, credits_burned, provider_cost_usd, pricing_version,
      status, error_code, latency_ms, ttft_ms, idempotency_key, started_at)
    VALUES (
      gen_random_uuid(), ${call.userId}::uuid, ${call.roomId}::uuid, ${call.sessionId}::uuid, ${call.turnId}::uuid, ${call.stepId}::uuid,
      ${call.agentId}::uuid, ${call.agentKey}, ${call.purpose}::call_purpose, ${call.mode},
      ${model?.provider ?? "unknown"}, ${call.modelAlias}, ${model?.providerModel ?? call.modelAlias},
      -- A provider that repeats a request id must not lose the call's row: the id is dropped instead.
      (SELECT ${outcome.requestId}::text WHERE NOT EXISTS (SELECT 1 FROM llm_call_events WHERE request_id = ${outcome.requestId}::text)),
      ${usage.fresh}, ${usage.cached}, ${usage.output}, ${usage.fresh + usage.cached + usage.output}, ${outcome.usageSource},
      ${oe.toString()}::numeric, ${pricing.multiplier.toString()}::numeric, ${credits.toString()}::numeric, ${cost.toString()}::numeric, ${pricing.pricingVersion},
      ${outcome.status}::call_status, ${outcome.errorCode}, ${outcome.latencyMs}, ${outcome.ttftMs}, ${key}, ${outcome.startedAt})
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id`;
  if (inserted.length === 0) return { credits, settled: false };

  const [reservation] = await tx.$queryRaw<{ amount: string }[]>`DELETE FROM wallet_reservations WHERE key = ${key} RETURNING amount::text`;
  const held = new Decimal(reservation?.amount ?? 0);
  // What is there to take: the balance less what other calls in flight hold. The reservation
  // covered the worst case, so this only bites if a provider reports more than was reserved.
  const [wallet] = await tx.$queryRaw<{ balance: string; reserved: string }[]>`
    SELECT balance::text, reserved::text FROM credit_wallets WHERE user_id = ${call.userId}::uuid FOR UPDATE`;
  if (!wallet) return { credits, settled: true };
  const available = Decimal.max(0, new Decimal(wallet.balance).minus(new Decimal(wallet.reserved).minus(held)));
  const debit = Decimal.min(credits, available);
  const balanceAfter = new Decimal(wallet.balance).minus(debit);
  await tx.$executeRaw`
    UPDATE credit_wallets SET balance = ${balanceAfter.toString()}::numeric, reserved = GREATEST(0, reserved - ${held.toString()}::numeric), updated_at = now()
    WHERE user_id = ${call.userId}::uuid`;
  if (debit.gt(0)) {
    await tx.creditTransaction.create({
      data: { userId: call.userId, kind: "debit", amount: debit.negated().toString(), balanceAfter: balanceAfter.toString(), referenceId: key, note: `${call.purpose} ${call.modelAlias}` },
    });
  }
  return { credits, settled: true };
}

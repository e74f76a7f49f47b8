/**
 * Metering around every LLM call (PRODUCT.md 7.1, 7.4): reserve the worst case before the call,
 * then settle in the transaction that ends the step — the ledger row (idempotency key
 * `turn:step:attempt`), the wallet debit and the release of the reservation commit together with
 * the step's completion and its message. Balances never go below zero: reservations are a
 * conditional update on `balance - reserved`, and a debit never takes more than is there.
 */
import { Decimal } from "decimal.js";
import type { Db } from "../../db.ts";
import { Prisma } from "@/generated/prisma/client.ts";
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

export interface Pricing {
  pricingVersion: number;
  multiplier: string;
  inputUsdPerToken: string;
  cachedInputUsdPerToken: string;
  outputUsdPerToken: string;
}

const pricingColumns = Prisma.sql`pricing_version AS "pricingVersion", multiplier::text AS multiplier, input_usd_per_token::text AS "inputUsdPerToken",
  cached_input_usd_per_token::text AS "cachedInputUsdPerToken", output_usd_per_token::text AS "outputUsdPerToken"`;

/** The active pricing of a model (read from the database each time: several processes share it). */
export async function activePricing(db: Pick<Db, "$queryRaw">, modelAlias: string): Promise<Pricing> {
  const [row] = await db.$queryRaw<Pricing[]>`
    SELECT ${pricingColumns} FROM model_pricing
    WHERE model_alias = ${modelAlias} AND pricing_version = (SELECT version FROM pricing_versions WHERE active LIMIT 1)`;
  if (!row) throw new Error(`no active pricing for model ${modelAlias}`);
  return row;
}

/**
 * Holds the call's worst case in the user's wallet (with enforcement off, records the call in flight
 * without holding anything), at the active pricing, which the call's settlement then bills at.
 * Throws `insufficient_credits` when `balance - reserved` cannot cover it. Callers run it last in
 * their transaction, so the wallet row stays locked only until the commit right after.
 */
export async function reserveCall(tx: Tx, args: { userId: string; key: string; modelAlias: string; inputTokens: number; maxOutputTokens: number; settings: Settings }) {
  const pricing = await activePricing(tx, args.modelAlias);
  const amount = args.settings["credits.enforcement"] ? worstCaseCredits(args.inputTokens, args.maxOutputTokens, pricing.multiplier) : new Decimal(0);
  // The hold and the reservation row in one statement; no row back means the wallet could not cover it.
  const hold = () => tx.$queryRaw<{ id: string }[]>`
    WITH held AS (
      UPDATE credit_wallets SET reserved = reserved + ${amount.toString()}::numeric, updated_at = now()
      WHERE user_id = ${args.userId}::uuid AND balance - reserved >= ${amount.toString()}::numeric
      RETURNING user_id)
    INSERT INTO wallet_reservations (id, user_id, key, amount, input_tokens, pricing_version)
    SELECT gen_random_uuid(), user_id, ${args.key}, ${amount.toString()}::numeric, ${args.inputTokens}, ${pricing.pricingVersion} FROM held
    RETURNING id`;
  let held = await hold();
  if (held.length === 0) {
    // The send's preflight creates the wallet; a call of a user who has none yet (an operator's
    // script, a test) gets it with the signup grant, once.
    if (await ensureWallet(tx, args.userId, args.settings)) held = await hold();
    if (held.length === 0) throw new AppError("insufficient_credits", "Not enough credits for this call.", { needed: amount.toString() });
  }
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

/** A call's ledger row is written; its debit is still to be taken (`debitCall`). */
export interface RecordedCall {
  credits: Decimal;
  /** False when the key was settled before: nothing to debit then. */
  settled: boolean;
  /** What its reservation held. */
  held: Decimal;
}

/**
 * Settles a reserved call inside the caller's transaction: one ledger row, the reservation released,
 * the debit. Settling the same key twice changes nothing (the ledger's unique key).
 */
export async function settleCall(tx: Tx, call: CallAttribution, key: string, outcome: CallOutcome): Promise<{ credits: Decimal; settled: boolean }> {
  const recorded = await recordCall(tx, call, key, outcome);
  await debitCall(tx, call, key, recorded);
  return recorded;
}

/**
 * The first half of settling: the reservation released and the ledger row written. The caller
 * writes the rest of its transaction, then calls `debitCall` last, so the user's wallet row (which
 * every call of that user waits on) stays locked only until the commit right after.
 */
export async function recordCall(tx: Tx, call: CallAttribution, key: string, outcome: CallOutcome): Promise<RecordedCall> {
  // The reservation, with the pricing it was made at, is released first (its row goes with the call).
  const [reservation] = await tx.$queryRaw<(Partial<Pricing> & { amount: string })[]>`
    WITH released AS (DELETE FROM wallet_reservations WHERE key = ${key} RETURNING amount, pricing_version)
    SELECT released.amount::text AS amount, p."pricingVersion", p.multiplier, p."inputUsdPerToken", p."cachedInputUsdPerToken", p."outputUsdPerToken"
    FROM released LEFT JOIN LATERAL (SELECT ${pricingColumns} FROM model_pricing
      WHERE model_alias = ${call.modelAlias} AND pricing_version = released.pricing_version) p ON true`;
  const pricing = reservation?.pricingVersion != null ? (reservation as Pricing) : await activePricing(tx, call.modelAlias);
  const model = findModel(call.modelAlias);
  const usage = splitUsage(outcome);
  const oe = oeTokens(usage);
  const credits = creditsFor(oe, pricing.multiplier);
  const cost = providerCostUsd(usage, { input: pricing.inputUsdPerToken, cachedInput: pricing.cachedInputUsdPerToken, output: pricing.outputUsdPerToken });

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
      ${oe.toString()}::numeric, ${pricing.multiplier}::numeric, ${credits.toString()}::numeric, ${cost.toString()}::numeric, ${pricing.pricingVersion},
      ${outcome.status}::call_status, ${outcome.errorCode}, ${outcome.latencyMs}, ${outcome.ttftMs}, ${key}, ${outcome.startedAt})
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id`;
  return { credits, settled: inserted.length > 0, held: new Decimal(reservation?.amount ?? 0) };
}

/**
 * The second half of settling: takes the call's credits and releases what it held, never below
 * zero, with its transaction row, in one statement. The debit is what there is to take: the
 * balance less what other calls in flight hold (the reservation covered the worst case, so this only
 * bites if a provider reports more than was reserved). `wallet` locks the row first; a wait for it
 * reads the row as the call before left it, and the update applies to that same version.
 */
export async function debitCall(tx: Tx, call: CallAttribution, key: string, { credits, settled, held }: RecordedCall) {
  if (!settled) return;
  await tx.$executeRaw`
    WITH wallet AS (
      SELECT balance, reserved FROM credit_wallets WHERE user_id = ${call.userId}::uuid FOR UPDATE),
    debit AS (
      SELECT LEAST(${credits.toString()}::numeric, GREATEST(0, balance - GREATEST(0, reserved - ${held.toString()}::numeric))) AS amount FROM wallet),
    debited AS (
      UPDATE credit_wallets SET balance = balance - debit.amount, reserved = GREATEST(0, reserved - ${held.toString()}::numeric), updated_at = now()
      FROM debit WHERE user_id = ${call.userId}::uuid
      RETURNING credit_wallets.user_id, credit_wallets.balance, debit.amount)
    INSERT INTO credit_transactions (id, user_id, kind, amount, balance_after, reference_id, note)
    SELECT gen_random_uuid(), user_id, 'debit', -amount, balance, ${key}, ${`${call.purpose} ${call.modelAlias}`}
    FROM debited WHERE amount > 0`;
}

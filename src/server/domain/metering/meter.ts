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
import { assertWithinCaps } from "../admin/user-caps.ts";
import type { Settings } from "../settings/settings.ts";
import { creditsFor, oeTokens, providerCostUsd, splitUsage, worstCaseCredits, type TokenUsage } from "./formula.ts";
import { ensureWallet } from "./wallet.ts";

type Tx = Prisma.TransactionClient;

export type CallPurpose = "agent_reply" | "route" | "evaluate" | "synthesis" | "summary" | "title";
export type CallStatus = "success" | "error" | "timeout" | "cancelled" | "rate_limited";

/** Who and what a call is for: everything the ledger row is attributed to. */
export interface CallAttribution {
  userId: string;
  roomId: string | null;
  sessionId: string;
  /** Both null for a call that is not a turn's step (a session's title, sessions/title.ts). */
  turnId: string | null;
  stepId: string | null;
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

/** The active pricing version, as SQL (one home for "which version is active"). */
export const activePricingVersion = Prisma.sql`(SELECT version FROM pricing_versions WHERE active LIMIT 1)`;

/** The active pricing of a model (read from the database each time: several processes share it). */
export async function activePricing(db: Pick<Db, "$queryRaw">, modelAlias: string): Promise<Pricing> {
  const [row] = await db.$queryRaw<Pricing[]>`
    SELECT ${pricingColumns} FROM model_pricing
    WHERE model_alias = ${modelAlias} AND pricing_version = ${activePricingVersion}`;
  if (!row) throw new AppError("model_unpriced", `The model ${modelAlias} has no price in the active pricing version.`, { model: modelAlias });
  return row;
}

/**
 * Holds the call's worst case in the user's wallet (with enforcement off, records the call in flight
 * without holding anything), at the active pricing, which the call's settlement then bills at.
 * Throws `insufficient_credits` when `balance - reserved` cannot cover it, `user_cap_reached` when it
 * would take the user past a daily or monthly cap (src/server/domain/admin/user-caps.ts). Callers run it last in
 * their transaction, so the wallet row stays locked only until the commit right after.
 */
export async function reserveCall(tx: Tx, args: { userId: string; key: string; modelAlias: string; inputTokens: number; maxOutputTokens: number; settings: Settings }) {
  const pricing = await activePricing(tx, args.modelAlias);
  const amount = args.settings["credits.enforcement"] ? worstCaseCredits(args.inputTokens, args.maxOutputTokens, pricing.multiplier) : new Decimal(0);
  // The user's daily and monthly caps (PRODUCT.md 9), under the wallet row's lock so concurrent
  // calls of one user take turns: `user_cap_reached` when this call's worst case would pass one.
  if (args.settings["credits.enforcement"]) await assertWithinCaps(tx, args.userId, amount, { lockWallet: true });
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
  return { amount, pricing };
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
  /** Who served the call (as routed); when left out, read from the model's current provider. */
  provider?: string;
  providerModel?: string;
  /** The alias the call was meant for, when the model's fallback served it. */
  fallbackFrom?: string | null;
}

/** What a call costs at a pricing: computed before its settlement, so an event can carry it. */
export interface PricedCall {
  pricing: Pricing;
  usage: TokenUsage;
  oe: Decimal;
  credits: Decimal;
  costUsd: Decimal;
}

export function priceCall(pricing: Pricing, outcome: Pick<CallOutcome, "inputTokens" | "cachedTokens" | "outputTokens">): PricedCall {
  const usage = splitUsage(outcome);
  const oe = oeTokens(usage);
  return {
    pricing,
    usage,
    oe,
    credits: creditsFor(oe, pricing.multiplier),
    costUsd: providerCostUsd(usage, { input: pricing.inputUsdPerToken, cachedInput: pricing.cachedInputUsdPerToken, output: pricing.outputUsdPerToken }),
  };
}

/** The pricing a reservation was made at (the active one for a reservation from before it was recorded, or none). */
async function reservedPricing(tx: Tx, key: string, modelAlias: string): Promise<Pricing> {
  const [row] = await tx.$queryRaw<Pricing[]>`
    SELECT ${pricingColumns} FROM model_pricing
    WHERE model_alias = ${modelAlias}
      AND pricing_version = COALESCE((SELECT pricing_version FROM wallet_reservations WHERE key = ${key}), ${activePricingVersion})`;
  if (!row) throw new Error(`no pricing for model ${modelAlias}`);
  return row;
}

/**
 * The wallet half of a settlement, as CTEs that follow a `released` CTE (the hold it releases):
 * when `when` holds, `wallet` locks the row, `debit` takes `credits` but never more than the balance
 * less what other calls in flight hold, `debited` applies it and releases the hold, `logged` writes
 * the `debit` transaction referencing `key`. One text for LLM calls and tool calls.
 */
function walletDebit(args: { userId: string; credits: Decimal; key: string; note: string; when: Prisma.Sql }): Prisma.Sql {
  return Prisma.sql`
    wallet AS (
      SELECT balance, reserved FROM credit_wallets
      WHERE user_id = ${args.userId}::uuid AND ${args.when} FOR UPDATE),
    debit AS (
      SELECT LEAST(${args.credits.toString()}::numeric, GREATEST(0, wallet.balance - GREATEST(0, wallet.reserved - held.amount))) AS amount, held.amount AS held
      FROM wallet, (SELECT COALESCE(sum(amount), 0) AS amount FROM released) AS held),
    debited AS (
      UPDATE credit_wallets SET balance = balance - debit.amount, reserved = GREATEST(0, reserved - debit.held), updated_at = now()
      FROM debit WHERE user_id = ${args.userId}::uuid
      RETURNING credit_wallets.user_id, credit_wallets.balance, debit.amount),
    logged AS (
      INSERT INTO credit_transactions (id, user_id, kind, amount, balance_after, reference_id, note)
      SELECT gen_random_uuid(), user_id, 'debit', -amount, balance, ${args.key}, ${args.note}
      FROM debited WHERE amount > 0)`;
}

/**
 * Settles a reserved call inside the caller's transaction, in one statement: the reservation
 * released, one ledger row, and — only if that row is new — the debit with its transaction row.
 * Settling the same key twice changes nothing (the ledger's unique key). `priced` is the call at the
 * pricing it was reserved at (`reserveCall` returns it); without it, that pricing is read.
 * Callers run it last in their transaction: it takes the user's wallet row, which every call of
 * that user waits on, so the row stays locked only until the commit right after. The debit is what
 * there is to take: the balance less what other calls in flight hold (the reservation covered the
 * worst case, so this only bites if a provider reports more than was reserved). `wallet` locks the
 * row first; a wait for it reads the row as the call before left it, and the update applies to it.
 */
export async function settleCall(tx: Tx, call: CallAttribution, key: string, outcome: CallOutcome, priced?: PricedCall): Promise<{ credits: Decimal; settled: boolean }> {
  const { pricing, usage, oe, credits, costUsd } = priced ?? priceCall(await reservedPricing(tx, key, call.modelAlias), outcome);
  const [row] = await tx.$queryRaw<{ settled: number }[]>`
    WITH released AS (
      -- Only with the row it settles: a key settled before keeps nothing to release.
      DELETE FROM wallet_reservations WHERE key = ${key}
        AND NOT EXISTS (SELECT 1 FROM llm_call_events WHERE idempotency_key = ${key})
      RETURNING amount),
    inserted AS (
      INSERT INTO llm_call_events (
        id, user_id, room_id, session_id, turn_id, step_id, agent_id, agent_key, call_purpose, mode,
        provider, model_alias, provider_model, request_id,
        input_tokens_fresh, input_tokens_cached, output_tokens, total_tokens, usage_source,
        oe_tokens, multiplier, credits_burned, provider_cost_usd, pricing_version,
        status, error_code, latency_ms, ttft_ms, idempotency_key, started_at, fallback_from)
      VALUES (
        gen_random_uuid(), ${call.userId}::uuid, ${call.roomId}::uuid, ${call.sessionId}::uuid, ${call.turnId}::uuid, ${call.stepId}::uuid,
        ${call.agentId}::uuid, ${call.agentKey}, ${call.purpose}::call_purpose, ${call.mode},
        COALESCE(${outcome.provider ?? null}::text,
          (SELECT p.key FROM llm_models m JOIN llm_providers p ON p.id = m.provider_id WHERE m.alias = ${call.modelAlias}), 'unknown'),
        ${call.modelAlias},
        COALESCE(${outcome.providerModel ?? null}::text, (SELECT provider_model FROM llm_models WHERE alias = ${call.modelAlias}), ${call.modelAlias}),
        -- A provider that repeats a request id must not lose the call's row: the id is dropped instead.
        (SELECT ${outcome.requestId}::text WHERE NOT EXISTS (SELECT 1 FROM llm_call_events WHERE request_id = ${outcome.requestId}::text)),
        ${usage.fresh}, ${usage.cached}, ${usage.output}, ${usage.fresh + usage.cached + usage.output}, ${outcome.usageSource},
        ${oe.toString()}::numeric, ${pricing.multiplier}::numeric, ${credits.toString()}::numeric, ${costUsd.toString()}::numeric, ${pricing.pricingVersion},
        ${outcome.status}::call_status, ${outcome.errorCode}, ${outcome.latencyMs}, ${outcome.ttftMs}, ${key}, ${outcome.startedAt}, ${outcome.fallbackFrom ?? null})
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING id),
    ${walletDebit({ userId: call.userId, credits, key, note: `${call.purpose} ${call.modelAlias}`, when: Prisma.sql`EXISTS (SELECT 1 FROM inserted)` })}
    SELECT count(*)::int AS settled FROM inserted`;
  return { credits, settled: (row?.settled ?? 0) > 0 };
}

/**
 * Holds `amount` credits for a metered call that is not an LLM call (a tool call: PRODUCT.md 8)
 * under `key`, unless a hold with that key exists already (a resumed call keeps its hold). Returns
 * false, holding nothing, when the wallet cannot cover it. Never throws for want of credits: the
 * caller records the refusal instead.
 */
export async function holdCredits(tx: Tx, args: { userId: string; key: string; amount: Decimal }): Promise<boolean> {
  const rows = await tx.$queryRaw<{ held: boolean }[]>`
    WITH existing AS (SELECT 1 FROM wallet_reservations WHERE key = ${args.key}),
    held AS (
      UPDATE credit_wallets SET reserved = reserved + ${args.amount.toString()}::numeric, updated_at = now()
      WHERE user_id = ${args.userId}::uuid AND balance - reserved >= ${args.amount.toString()}::numeric AND NOT EXISTS (SELECT 1 FROM existing)
      RETURNING user_id),
    inserted AS (
      INSERT INTO wallet_reservations (id, user_id, key, amount, input_tokens, pricing_version)
      SELECT gen_random_uuid(), user_id, ${args.key}, ${args.amount.toString()}::numeric, 0, NULL FROM held
      RETURNING id)
    SELECT EXISTS (SELECT 1 FROM existing) OR EXISTS (SELECT 1 FROM inserted) AS held`;
  return rows[0]?.held ?? false;
}

/**
 * Settles a hold made with `holdCredits`, in the caller's transaction: the hold released and
 * `credits` debited (at most what the wallet has beyond other holds), with a `debit` transaction
 * referencing `key` (unique per kind: a second settlement fails and rolls back). The caller guards
 * against one with its own row (a tool call's status). Returns what was debited.
 */
export async function settleHeldCredits(tx: Tx, args: { userId: string; key: string; credits: Decimal; note: string }): Promise<Decimal> {
  const [row] = await tx.$queryRaw<{ amount: string }[]>`
    WITH released AS (DELETE FROM wallet_reservations WHERE key = ${args.key} RETURNING amount),
    ${walletDebit({ ...args, when: Prisma.sql`TRUE` })}
    SELECT amount::text FROM debited`;
  return new Decimal(row?.amount ?? 0);
}

/**
 * The credit formulas (PRODUCT.md 7.2), exact decimals throughout: no float ever touches money.
 * - OE = fresh × 0.35 + cached × 0.10 + output (negatives clamp to 0)
 * - credits = OE × max(multiplier, 0.5) / 10 000 (0.5 is the billing floor)
 * - provider cost = fresh × input price + cached × cached price + output × output price
 */
import { Decimal } from "decimal.js";

export type DecimalLike = Decimal | string | number;

export const BILLING_FLOOR = new Decimal("0.5");
const FRESH_WEIGHT = new Decimal("0.35");
const CACHED_WEIGHT = new Decimal("0.10");
const CREDITS_PER_OE = new Decimal(10_000);
/** Scale of credit amounts in the database (numeric(20, 6)). */
export const CREDIT_DECIMALS = 6;

export interface TokenUsage {
  fresh: number;
  cached: number;
  output: number;
}

const clamp = (n: number) => new Decimal(Math.max(0, n));

export function oeTokens(usage: TokenUsage): Decimal {
  return clamp(usage.fresh).times(FRESH_WEIGHT).plus(clamp(usage.cached).times(CACHED_WEIGHT)).plus(clamp(usage.output));
}

/** Credits for `oe` at `multiplier`, rounded up to the credit scale so a call is never under-billed. */
export function creditsFor(oe: DecimalLike, multiplier: DecimalLike): Decimal {
  const m = Decimal.max(new Decimal(multiplier), BILLING_FLOOR);
  return new Decimal(oe).times(m).dividedBy(CREDITS_PER_OE).toDecimalPlaces(CREDIT_DECIMALS, Decimal.ROUND_UP);
}

export interface ProviderPrices {
  input: DecimalLike;
  cachedInput: DecimalLike;
  output: DecimalLike;
}

export function providerCostUsd(usage: TokenUsage, prices: ProviderPrices): Decimal {
  return clamp(usage.fresh)
    .times(prices.input)
    .plus(clamp(usage.cached).times(prices.cachedInput))
    .plus(clamp(usage.output).times(prices.output))
    .toDecimalPlaces(10, Decimal.ROUND_HALF_UP);
}

/** The most a call can cost: all input fresh and every allowed output token used. */
export function worstCaseCredits(inputTokens: number, maxOutputTokens: number, multiplier: DecimalLike): Decimal {
  return creditsFor(oeTokens({ fresh: inputTokens, cached: 0, output: maxOutputTokens }), multiplier);
}

/** Provider usage split into fresh and cached input (no cached count: all input is fresh). */
export function splitUsage(usage: { inputTokens: number; cachedTokens?: number | null; outputTokens: number }): TokenUsage {
  const cached = Math.min(Math.max(0, usage.cachedTokens ?? 0), Math.max(0, usage.inputTokens));
  return { fresh: Math.max(0, usage.inputTokens) - cached, cached, output: Math.max(0, usage.outputTokens) };
}

/** What a wallet can still spend: its balance less what calls in flight hold (never below 0). */
export function availableCredits(wallet: { balance: DecimalLike; reserved: DecimalLike }): Decimal {
  return Decimal.max(0, new Decimal(wallet.balance).minus(new Decimal(wallet.reserved)));
}

/** PRODUCT.md 7.4: the balance is low below the threshold (a setting, default 5). */
export function isLowBalance(balance: DecimalLike, threshold: DecimalLike): boolean {
  return new Decimal(balance).lt(threshold);
}

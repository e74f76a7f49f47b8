/**
 * Model prices (PRODUCT.md 7.2, 13). A change never edits a version: it makes a new one — the
 * active version's rows with the changes applied — and makes it active, in one transaction. Calls
 * reserved before it keep the version they reserved at (the ledger records it); calls started after
 * it use the new one. Owners enter prices in USD per million tokens; the table keeps USD per token.
 */
import { Decimal } from "decimal.js";
import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client.ts";
import { AppError } from "../../errors.ts";
import { recordAudit, type AuditActor } from "../admin/audit.ts";
import { activePricingVersion } from "../metering/meter.ts";

type Tx = Prisma.TransactionClient;

const usd = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .refine((v) => /^\d+(\.\d+)?$/.test(v) && new Decimal(v).lte(1_000_000), "A price is a non-negative number of USD per million tokens")
  .transform((v) => new Decimal(v).toString());

export const modelPriceInput = z.object({
  /** Credits = OE × max(multiplier, 0.5) / 10 000 (the 0.5 floor applies at billing). */
  multiplier: z.union([z.string(), z.number()]).transform((v) => String(v).trim()).refine((v) => /^\d+(\.\d{1,4})?$/.test(v) && new Decimal(v).lte(1000), "The multiplier is a number from 0 to 1000, with at most 4 decimals"),
  inputPerMTokUsd: usd,
  /** Defaults to the input price (no cache discount). */
  cachedInputPerMTokUsd: usd.optional(),
  outputPerMTokUsd: usd,
});
export type ModelPriceInput = z.input<typeof modelPriceInput>;
export type ModelPrice = z.output<typeof modelPriceInput>;

const perToken = (perMillion: string) => new Decimal(perMillion).div(1_000_000).toFixed(12);
const perMillion = (perTokenUsd: string) => new Decimal(perTokenUsd).mul(1_000_000).toString();

/** A stored price as owners read it (USD per million tokens). */
export function priceView(p: { multiplier: string; inputUsdPerToken: string; cachedInputUsdPerToken: string; outputUsdPerToken: string }) {
  return {
    multiplier: new Decimal(p.multiplier).toString(),
    inputPerMTokUsd: perMillion(p.inputUsdPerToken),
    cachedInputPerMTokUsd: perMillion(p.cachedInputUsdPerToken),
    outputPerMTokUsd: perMillion(p.outputUsdPerToken),
  };
}

/** From a provider's published per-token prices (discovery) to an owner's per-million form. */
export function perMillionFromPerToken(prices: { inputUsdPerToken: string; cachedInputUsdPerToken: string; outputUsdPerToken: string }) {
  return { inputPerMTokUsd: perMillion(prices.inputUsdPerToken), cachedInputPerMTokUsd: perMillion(prices.cachedInputUsdPerToken), outputPerMTokUsd: perMillion(prices.outputUsdPerToken) };
}

/**
 * Makes a new active pricing version with `changes` applied; returns its number. Runs inside the
 * caller's transaction (with the write that needs it, e.g. importing models).
 */
export async function applyPriceChanges(tx: Tx, actor: AuditActor, changes: { alias: string; price: ModelPrice }[], note: string): Promise<number> {
  if (changes.length === 0) throw new AppError("invalid_input", "No price to change.");
  // One change at a time: the active version's row is locked until this one commits.
  const [active] = await tx.$queryRaw<{ version: number }[]>`SELECT version FROM pricing_versions WHERE active FOR UPDATE`;
  if (!active) throw new Error("no active pricing version");
  const [{ next }] = (await tx.$queryRaw<{ next: number }[]>`SELECT max(version) + 1 AS next FROM pricing_versions`) as [{ next: number }];
  const aliases = changes.map((c) => c.alias);
  const before = await tx.modelPricing.findMany({ where: { pricingVersion: active.version, modelAlias: { in: aliases } } });
  await tx.$executeRaw`INSERT INTO pricing_versions (version, note, active) VALUES (${next}, ${note}, false)`;
  await tx.$executeRaw`
    INSERT INTO model_pricing (pricing_version, model_alias, multiplier, input_usd_per_token, cached_input_usd_per_token, output_usd_per_token)
    SELECT ${next}, model_alias, multiplier, input_usd_per_token, cached_input_usd_per_token, output_usd_per_token
    FROM model_pricing WHERE pricing_version = ${active.version} AND NOT (model_alias = ANY(${aliases}::text[]))`;
  await tx.modelPricing.createMany({
    data: changes.map(({ alias, price }) => ({
      pricingVersion: next,
      modelAlias: alias,
      multiplier: price.multiplier,
      inputUsdPerToken: perToken(price.inputPerMTokUsd),
      cachedInputUsdPerToken: perToken(price.cachedInputPerMTokUsd ?? price.inputPerMTokUsd),
      outputUsdPerToken: perToken(price.outputPerMTokUsd),
    })),
  });
  // Two statements: the one-active index is checked row by row.
  await tx.$executeRaw`UPDATE pricing_versions SET active = false WHERE version = ${active.version}`;
  await tx.$executeRaw`UPDATE pricing_versions SET active = true WHERE version = ${next}`;
  await recordAudit(tx, actor, {
    action: "pricing.create_version",
    targetType: "pricing_version",
    targetId: String(next),
    before: { version: active.version, prices: Object.fromEntries(before.map((r) => [r.modelAlias, priceView({ multiplier: r.multiplier.toString(), inputUsdPerToken: r.inputUsdPerToken.toString(), cachedInputUsdPerToken: r.cachedInputUsdPerToken.toString(), outputUsdPerToken: r.outputUsdPerToken.toString() })])) },
    after: { version: next, note, prices: Object.fromEntries(changes.map((c) => [c.alias, c.price])) },
  });
  return next;
}

/** Whether `alias` has a price in the active version (inside the caller's transaction). */
export async function hasActivePrice(tx: Tx, alias: string): Promise<boolean> {
  const [row] = await tx.$queryRaw<{ priced: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM model_pricing WHERE model_alias = ${alias} AND pricing_version = ${activePricingVersion}) AS priced`;
  return !!row?.priced;
}

/**
 * The model catalog (PRODUCT.md 13), read from `llm_models` and `llm_providers` with each model's
 * price in the active pricing version, in one query. It is read when it is needed (a send, a turn, a
 * page), never cached in a process, so a change applies everywhere at the next read.
 */
import { Decimal } from "decimal.js";
import { Prisma } from "@/generated/prisma/client.ts";
import type { Db } from "../../db.ts";
import { presetById } from "../../llm/presets.ts";
import { activePricingVersion } from "../metering/meter.ts";

export const LOCAL_MODEL_ALIAS = "local";

export interface ModelPrice {
  pricingVersion: number;
  multiplier: string;
  inputUsdPerToken: string;
  cachedInputUsdPerToken: string;
  outputUsdPerToken: string;
}

export interface CatalogModel {
  alias: string;
  label: string;
  providerModel: string;
  contextWindow: number;
  maxOutput: number | null;
  capabilities: string[];
  enabled: boolean;
  builtin: boolean;
  fallbackAlias: string | null;
  provider: { id: string; key: string; name: string; kind: string; preset: string; enabled: boolean; configured: boolean };
  /** The built-in offline model. */
  offline: boolean;
  price: ModelPrice | null;
  /** Why agents cannot use it now (null: they can). */
  unavailableReason: string | null;
}

export type Catalog = ReadonlyMap<string, CatalogModel>;

/** Whether a provider has what its calls need: a key when its preset requires one. */
export function providerConfigured(p: { kind: string; preset: string; apiKeyCiphertext: string | null; apiKeyEnv: string | null }): boolean {
  if (p.kind === "local" || p.apiKeyCiphertext) return true;
  if (p.apiKeyEnv && process.env[p.apiKeyEnv]) return true;
  return !(presetById(p.preset)?.keyRequired ?? false);
}

/**
 * Why a model cannot be called now; null when it can. The one place for these reasons: the catalog
 * (agents, send) and the gateway's routing (model-routes.ts, where `priced` is left to the
 * reservation, which reads the price anyway).
 */
export function unavailableReason(m: { enabled: boolean; provider: { name: string; enabled: boolean; configured: boolean } }, priced = true): string | null {
  if (!m.provider.enabled) return `its provider ${m.provider.name} is disabled`;
  if (!m.provider.configured) return `its provider ${m.provider.name} has no API key`;
  if (!m.enabled) return "it is disabled";
  if (!priced) return "it has no price in the active pricing version";
  return null;
}

type Row = Omit<CatalogModel, "provider" | "offline" | "price" | "unavailableReason"> & {
  providerId: string;
  providerKey: string;
  providerName: string;
  providerKind: string;
  providerPreset: string;
  providerEnabled: boolean;
  apiKeyCiphertext: string | null;
  apiKeyEnv: string | null;
} & { [K in keyof ModelPrice]: ModelPrice[K] | null };

/** A numeric column's text without its scale's trailing zeros ("2.0000" → "2"). */
const exact = (value: string) => new Decimal(value).toFixed();

/** Every model, offline first, then by provider and label. `where` narrows it (one alias). */
export async function loadCatalog(db: Pick<Db, "$queryRaw">, where: Prisma.Sql = Prisma.sql`TRUE`): Promise<Catalog> {
  const rows = await db.$queryRaw<Row[]>`
    SELECT m.alias, m.label, m.provider_model AS "providerModel", m.context_window AS "contextWindow", m.max_output AS "maxOutput",
           m.capabilities, m.enabled, m.builtin, m.fallback_alias AS "fallbackAlias",
           p.id AS "providerId", p.key AS "providerKey", p.name AS "providerName", p.kind AS "providerKind", p.preset AS "providerPreset",
           p.enabled AS "providerEnabled", p.api_key_ciphertext AS "apiKeyCiphertext", p.api_key_env AS "apiKeyEnv",
           mp.pricing_version AS "pricingVersion", mp.multiplier::text AS multiplier, mp.input_usd_per_token::text AS "inputUsdPerToken",
           mp.cached_input_usd_per_token::text AS "cachedInputUsdPerToken", mp.output_usd_per_token::text AS "outputUsdPerToken"
    FROM llm_models m
    JOIN llm_providers p ON p.id = m.provider_id
    LEFT JOIN model_pricing mp ON mp.model_alias = m.alias AND mp.pricing_version = ${activePricingVersion}
    WHERE ${where}
    ORDER BY p.builtin DESC, p.name, m.label, m.alias`;
  return new Map(
    rows.map((r) => {
      const model: Omit<CatalogModel, "unavailableReason"> = {
        alias: r.alias,
        label: r.label,
        providerModel: r.providerModel,
        contextWindow: r.contextWindow,
        maxOutput: r.maxOutput,
        capabilities: r.capabilities,
        enabled: r.enabled,
        builtin: r.builtin,
        fallbackAlias: r.fallbackAlias,
        provider: {
          id: r.providerId,
          key: r.providerKey,
          name: r.providerName,
          kind: r.providerKind,
          preset: r.providerPreset,
          enabled: r.providerEnabled,
          configured: providerConfigured({ kind: r.providerKind, preset: r.providerPreset, apiKeyCiphertext: r.apiKeyCiphertext, apiKeyEnv: r.apiKeyEnv }),
        },
        offline: r.providerKind === "local",
        price:
          r.pricingVersion === null
            ? null
            : {
                pricingVersion: r.pricingVersion,
                multiplier: exact(r.multiplier!),
                inputUsdPerToken: exact(r.inputUsdPerToken!),
                cachedInputUsdPerToken: exact(r.cachedInputUsdPerToken!),
                outputUsdPerToken: exact(r.outputUsdPerToken!),
              },
      };
      return [r.alias, { ...model, unavailableReason: unavailableReason(model, model.price !== null) }];
    }),
  );
}

/** Why agents cannot use `model` now; null when they can. */
export function whyUnusable(model: CatalogModel | undefined): string | null {
  return model ? model.unavailableReason : "it no longer exists";
}

export function isUsable(model: CatalogModel | undefined): model is CatalogModel {
  return whyUnusable(model) === null;
}

/** Enabled models with no price in the active version: start-up and health report them. */
export function unpricedEnabled(catalog: Catalog): string[] {
  return [...catalog.values()].filter((m) => m.enabled && !m.price).map((m) => m.alias);
}

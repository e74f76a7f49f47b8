/**
 * Providers from the environment, applied when the worker starts (PRODUCT.md 13), so setups from
 * before providers were data keep working: OPENROUTER_API_KEY (with LLM_BASE_URL) enables the
 * OpenRouter provider with the old catalog's aliases, OPENAI_API_KEY and OLLAMA_BASE_URL create or
 * update their presets (their models are imported in the app or the CLI). The key stays in the
 * environment: the row records the variable's name. Then the catalog is checked: an enabled model
 * with no price is reported by name.
 */
import type { Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import { presetById } from "../../llm/presets.ts";
import { logger } from "../../logger.ts";
import { recordAudit, type AuditActor } from "../admin/audit.ts";
import { activePricingVersion } from "../metering/meter.ts";
import { loadCatalog, unpricedEnabled } from "./catalog.ts";
import { providerAuditView } from "./providers.ts";

const envActor: AuditActor = { id: null, label: "env" };

/** The aliases the constant catalog had; the migration creates them under `openrouter`. */
const openRouterModels = [
  { alias: "free", providerModel: "meta-llama/llama-3.3-70b-instruct:free", label: "Free tier (Llama 3.3 70B)", contextWindow: 131072 },
  { alias: "llama", providerModel: "meta-llama/llama-3.3-70b-instruct", label: "Llama 3.3 70B", contextWindow: 131072 },
  { alias: "qwen", providerModel: "qwen/qwen-2.5-72b-instruct", label: "Qwen 2.5 72B", contextWindow: 32768 },
  { alias: "deepseek", providerModel: "deepseek/deepseek-chat", label: "DeepSeek V3", contextWindow: 65536 },
  { alias: "gpt_oss", providerModel: "openai/gpt-oss-120b", label: "GPT-OSS 120B", contextWindow: 131072 },
  { alias: "premium", providerModel: "anthropic/claude-sonnet-4", label: "Claude Sonnet (premium)", contextWindow: 200000 },
];

interface EnvProvider {
  key: string;
  preset: "openrouter" | "openai" | "ollama";
  baseUrl: string;
  apiKeyEnv: string | null;
}

export function providersFromEnv(source: Pick<Env, "OPENROUTER_API_KEY" | "LLM_BASE_URL" | "OPENAI_API_KEY" | "OLLAMA_BASE_URL">): EnvProvider[] {
  const found: EnvProvider[] = [];
  if (source.OPENROUTER_API_KEY) found.push({ key: "openrouter", preset: "openrouter", baseUrl: source.LLM_BASE_URL ?? presetById("openrouter").defaultBaseUrl!, apiKeyEnv: "OPENROUTER_API_KEY" });
  if (source.OPENAI_API_KEY) found.push({ key: "openai", preset: "openai", baseUrl: presetById("openai").defaultBaseUrl!, apiKeyEnv: "OPENAI_API_KEY" });
  if (source.OLLAMA_BASE_URL) found.push({ key: "ollama", preset: "ollama", baseUrl: source.OLLAMA_BASE_URL.replace(/\/+$/, ""), apiKeyEnv: null });
  return found;
}

async function applyProvider(db: Db, wanted: EnvProvider): Promise<void> {
  await db.$transaction(async (tx) => {
    // Serialises two processes starting at once.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended('provider-bootstrap', 0))`;
    const before = await tx.llmProvider.findUnique({ where: { key: wanted.key } });
    const same = before && before.enabled && before.baseUrl === wanted.baseUrl && before.apiKeyEnv === wanted.apiKeyEnv && before.preset === wanted.preset;
    if (same) return;
    const data = { preset: wanted.preset, baseUrl: wanted.baseUrl, apiKeyEnv: wanted.apiKeyEnv, enabled: true };
    const row = before
      ? await tx.llmProvider.update({ where: { id: before.id }, data })
      : await tx.llmProvider.create({ data: { ...data, key: wanted.key, name: presetById(wanted.preset).label, kind: "openai_compatible" } });
    if (wanted.key === "openrouter") {
      // Kept if they exist (an owner may have edited them); enabled only where they are priced.
      for (const m of openRouterModels) {
        await tx.$executeRaw`
          INSERT INTO llm_models (alias, provider_id, provider_model, label, context_window, capabilities, enabled)
          VALUES (${m.alias}, ${row.id}::uuid, ${m.providerModel}, ${m.label}, ${m.contextWindow}, ARRAY['usage_in_stream', 'tools'],
            EXISTS (SELECT 1 FROM model_pricing WHERE model_alias = ${m.alias} AND pricing_version = ${activePricingVersion}))
          ON CONFLICT (alias) DO NOTHING`;
      }
    }
    await recordAudit(tx, envActor, {
      action: before ? "provider.update" : "provider.create",
      targetType: "provider",
      targetId: row.id,
      before: before ? providerAuditView(before) : undefined,
      after: providerAuditView(row),
    });
  });
}

/** Applies the env providers, then reports enabled models with no price. Never throws. */
export async function bootstrapModels(db: Db, source: Parameters<typeof providersFromEnv>[0]): Promise<{ unpriced: string[] }> {
  for (const wanted of providersFromEnv(source)) {
    try {
      await applyProvider(db, wanted);
    } catch (err) {
      logger.error({ err, provider: wanted.key }, "could not apply a provider from the environment");
    }
  }
  const unpriced = unpricedEnabled(await loadCatalog(db).catch(() => new Map()));
  if (unpriced.length) {
    logger.error({ models: unpriced }, `enabled models with no price in the active pricing version (calls to them fail): ${unpriced.join(", ")}. Price them in Models & providers or with \`npm run pantheon -- models price\`.`);
  }
  return { unpriced };
}

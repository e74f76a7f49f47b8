/**
 * The models agents can use. `local` is the built-in offline model, always available; the others
 * are the reference's OpenRouter aliases, available when OPENROUTER_API_KEY is set (the providers
 * that serve them come with the turn engine).
 */
import { z } from "zod";

export interface CatalogModel {
  alias: string;
  label: string;
  provider: "local" | "openrouter";
  providerModel: string;
  contextWindow: number;
  offline: boolean;
}

export const catalog: readonly CatalogModel[] = [
  { alias: "local", label: "Offline model (built in)", provider: "local", providerModel: "pantheon-local", contextWindow: 8192, offline: true },
  { alias: "free", label: "Free tier (Llama 3.3 70B)", provider: "openrouter", providerModel: "meta-llama/llama-3.3-70b-instruct:free", contextWindow: 131072, offline: false },
  { alias: "llama", label: "Llama 3.3 70B", provider: "openrouter", providerModel: "meta-llama/llama-3.3-70b-instruct", contextWindow: 131072, offline: false },
  { alias: "qwen", label: "Qwen 2.5 72B", provider: "openrouter", providerModel: "qwen/qwen-2.5-72b-instruct", contextWindow: 32768, offline: false },
  { alias: "deepseek", label: "DeepSeek V3", provider: "openrouter", providerModel: "deepseek/deepseek-chat", contextWindow: 65536, offline: false },
  { alias: "gpt_oss", label: "GPT-OSS 120B", provider: "openrouter", providerModel: "openai/gpt-oss-120b", contextWindow: 131072, offline: false },
  { alias: "premium", label: "Claude Sonnet (premium)", provider: "openrouter", providerModel: "anthropic/claude-sonnet-4", contextWindow: 200000, offline: false },
];

export const DEFAULT_MODEL_ALIAS = "local";

export const modelAlias = z.string().refine((a) => catalog.some((m) => m.alias === a), { message: "Unknown model" });

export function isAvailable(model: CatalogModel, keys: { openrouter: boolean }): boolean {
  return model.offline || (model.provider === "openrouter" && keys.openrouter);
}

/** The catalog as `agents.models` serves it. */
export function listModels(keys: { openrouter: boolean }) {
  return catalog.map((m) => ({ alias: m.alias, label: m.label, provider: m.provider, contextWindow: m.contextWindow, available: isAvailable(m, keys), offline: m.offline }));
}

export function findModel(alias: string): CatalogModel | undefined {
  return catalog.find((m) => m.alias === alias);
}

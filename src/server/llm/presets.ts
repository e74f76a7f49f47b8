/**
 * The provider presets (PRODUCT.md §13): every provider is of kind `openai_compatible`, and a preset
 * only prefills the form — a default base URL, whether a key is needed, and whether the provider's
 * `GET /models` publishes prices (so discovery can prefill them). `custom` is any other
 * OpenAI-compatible endpoint, with the URL left to the admin.
 *
 * Browser-safe on purpose (zod only, no node imports): the provider form imports it.
 */
import { z } from "zod";

const presetIds = ["openrouter", "openai", "ollama", "vllm", "lmstudio", "groq", "together", "mistral", "deepseek", "custom"] as const;

/** The id a provider row records as its preset. */
export const providerPreset = z.enum(presetIds);
export type ProviderPresetId = z.infer<typeof providerPreset>;

export interface ProviderPreset {
  id: ProviderPresetId;
  label: string;
  /** Prefilled in the form; null for `custom`, where only the admin knows it. */
  defaultBaseUrl: string | null;
  /** False also for servers where a key is optional (vLLM started with `--api-key`): saving without one is allowed. */
  keyRequired: boolean;
  /** Its `GET /models` carries per-token USD prices that discovery can prefill. */
  publishesPrices: boolean;
}

// A record keyed by id, so leaving a preset out (or adding an id without details) fails to compile.
const details: Record<ProviderPresetId, Omit<ProviderPreset, "id">> = {
  openrouter: { label: "OpenRouter", defaultBaseUrl: "https://openrouter.ai/api/v1", keyRequired: true, publishesPrices: true },
  openai: { label: "OpenAI", defaultBaseUrl: "https://api.openai.com/v1", keyRequired: true, publishesPrices: false },
  ollama: { label: "Ollama", defaultBaseUrl: "http://localhost:11434/v1", keyRequired: false, publishesPrices: false },
  vllm: { label: "vLLM", defaultBaseUrl: "http://localhost:8000/v1", keyRequired: false, publishesPrices: false },
  lmstudio: { label: "LM Studio", defaultBaseUrl: "http://localhost:1234/v1", keyRequired: false, publishesPrices: false },
  groq: { label: "Groq", defaultBaseUrl: "https://api.groq.com/openai/v1", keyRequired: true, publishesPrices: false },
  together: { label: "Together AI", defaultBaseUrl: "https://api.together.xyz/v1", keyRequired: true, publishesPrices: false },
  mistral: { label: "Mistral", defaultBaseUrl: "https://api.mistral.ai/v1", keyRequired: true, publishesPrices: false },
  deepseek: { label: "DeepSeek", defaultBaseUrl: "https://api.deepseek.com/v1", keyRequired: true, publishesPrices: false },
  custom: { label: "Custom (OpenAI-compatible)", defaultBaseUrl: null, keyRequired: false, publishesPrices: false },
};

/** In display order. */
export const providerPresets: readonly ProviderPreset[] = presetIds.map((id) => ({ id, ...details[id] }));

/** The preset for an id; undefined for an id that is not one (e.g. read from an old row). */
export function presetById(id: ProviderPresetId): ProviderPreset;
export function presetById(id: string): ProviderPreset | undefined;
export function presetById(id: string): ProviderPreset | undefined {
  return providerPresets.find((p) => p.id === id);
}

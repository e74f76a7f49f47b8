/**
 * Every LLM call goes through here: the catalog picks the provider; each call streams, has a
 * timeout, one retry on transient errors (only before any text has streamed, so nothing is shown
 * twice), and honours the caller's AbortSignal. Usage comes from the provider when it reports it,
 * otherwise it is counted with the tokenizer and marked `estimated`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { env } from "../env.ts";
import { findModel, type CatalogModel } from "./catalog.ts";
import { LocalProvider } from "./providers/local.ts";
import type { ManagerContract } from "./protocol.ts";
import { OpenAICompatibleProvider } from "./providers/openai-compatible.ts";
import { countMessageTokens, countTextTokens } from "./tokenizer.ts";
import { LlmError, type ChatMessage, type Provider, type Usage } from "./types.ts";

export interface CallOptions {
  modelAlias: string;
  messages: ChatMessage[];
  maxOutputTokens?: number;
  signal?: AbortSignal;
  onDelta?: (text: string) => void;
  /** Passed to the provider unchanged (see ProviderRequest). */
  contract?: ManagerContract;
}

export interface CallResult {
  model: CatalogModel;
  text: string;
  usage: Usage;
  requestId: string | null;
  latencyMs: number;
  ttftMs: number | null;
  attempts: number;
}

export interface GatewayConfig {
  providers: Partial<Record<CatalogModel["provider"], Provider>>;
  timeoutMs: number;
  retryDelayMs: number;
  defaultMaxOutputTokens: number;
}

export class Gateway {
  constructor(private readonly config: GatewayConfig) {}

  async call(options: CallOptions): Promise<CallResult> {
    const model = findModel(options.modelAlias);
    if (!model) throw new LlmError("provider", `Unknown model ${options.modelAlias}`, false);
    const provider = this.config.providers[model.provider];
    if (!provider) throw new LlmError("provider", `Model ${model.alias} is not available: its provider is not configured`, false);
    const maxOutputTokens = options.maxOutputTokens ?? this.config.defaultMaxOutputTokens;
    const started = performance.now();

    for (let attempt = 1; ; attempt++) {
      const timeout = AbortSignal.timeout(this.config.timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      let ttftMs: number | null = null;
      let streamed = false;
      try {
        const result = await provider.stream({
          providerModel: model.providerModel,
          messages: options.messages,
          maxOutputTokens,
          signal,
          contract: options.contract,
          onDelta: (text) => {
            ttftMs ??= Math.round(performance.now() - started);
            streamed = true;
            options.onDelta?.(text);
          },
        });
        const usage: Usage = result.usage
          ? { ...result.usage, source: "provider" }
          : { inputTokens: countMessageTokens(options.messages), cachedTokens: 0, outputTokens: countTextTokens(result.text), source: "estimated" };
        return { model, text: result.text, usage, requestId: result.requestId, latencyMs: Math.round(performance.now() - started), ttftMs, attempts: attempt };
      } catch (caught) {
        const error = caught instanceof LlmError ? caught : new LlmError("provider", String(caught), false, "", { cause: caught });
        if (options.signal?.aborted) throw new LlmError("cancelled", "The call was cancelled.", false, error.partialText, { cause: error });
        if (timeout.aborted) {
          throw new LlmError("timeout", `No complete answer within ${this.config.timeoutMs / 1000} s.`, false, error.partialText, { cause: error });
        }
        if (!error.transient || streamed || attempt >= 2) throw error;
        await sleep(this.config.retryDelayMs, undefined, { signal: options.signal }).catch(() => undefined);
      }
    }
  }
}

const OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1";

/** The process's gateway, from the settings. */
export function createGatewayFromEnv(): Gateway {
  const providers: GatewayConfig["providers"] = { local: new LocalProvider(env.LOCAL_MODEL_TOKEN_MS) };
  if (env.OPENROUTER_API_KEY) {
    providers.openrouter = new OpenAICompatibleProvider({ baseURL: env.LLM_BASE_URL ?? OPENROUTER_BASE_URL, apiKey: env.OPENROUTER_API_KEY });
  }
  return new Gateway({ providers, timeoutMs: env.LLM_TIMEOUT_SECONDS * 1000, retryDelayMs: 500, defaultMaxOutputTokens: 1024 });
}

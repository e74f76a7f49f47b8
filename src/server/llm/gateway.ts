/**
 * Every LLM call goes through here. `route` resolves a model alias to its provider at call time (the
 * database in production: a change applies to the next call in every process); each call is one
 * HTTP attempt that streams, has a timeout and honours the caller's AbortSignal. Retries and
 * fallbacks are the step runner's (retry-policy.ts), because each attempt is its own ledger row.
 * Usage comes from the provider when it reports it, otherwise it is counted with the tokenizer and
 * marked `estimated`.
 */
import { countMessageTokens, countTextTokens } from "./tokenizer.ts";
import type { ManagerContract } from "./protocol.ts";
import { LlmError, type ChatMessage, type Provider, type ToolCallRequest, type ToolDefinition, type Usage } from "./types.ts";

/** A model alias resolved to what calling it takes. */
export interface RoutedModel {
  alias: string;
  /** The provider's stable key (the ledger's `provider`). */
  providerKey: string;
  /** For the provider's health (null: nothing to record, e.g. the offline model). */
  providerId: string | null;
  providerModel: string;
  fallbackAlias: string | null;
  /** Whether to ask for usage in the stream's last chunk (`stream_options.include_usage`). */
  usageInStream: boolean;
  /** Whether it can be offered tools (the `tools` capability): function calling. */
  tools: boolean;
  /** Why it cannot be called now (disabled, no key, gone); null when it can. */
  unavailableReason: string | null;
  provider: Provider;
}

export interface CallOptions {
  messages: ChatMessage[];
  maxOutputTokens?: number;
  signal?: AbortSignal;
  onDelta?: (text: string) => void;
  /** Passed to the provider unchanged (see ProviderRequest). */
  contract?: ManagerContract;
  /** Tools the model may call (the caller offers them only to models with the `tools` capability). */
  tools?: ToolDefinition[];
}

export interface CallResult {
  model: RoutedModel;
  text: string;
  /** The tools the model asked to call; empty when it answered. */
  toolCalls: ToolCallRequest[];
  usage: Usage;
  requestId: string | null;
  latencyMs: number;
  ttftMs: number | null;
}

/** How one call ended, for the provider's health. */
export type CallEnd = { ok: true; latencyMs: number } | { ok: false; latencyMs: number; error: LlmError };

export interface GatewayConfig {
  /** Resolves an alias; throws LlmError `unavailable` when the model cannot be called now. */
  route(alias: string): Promise<RoutedModel>;
  timeoutMs: number;
  /** The pause before a retry (the step runner's). */
  retryDelayMs: number;
  defaultMaxOutputTokens: number;
  /** Told how each call that reached for its provider ended (never throws into the call). */
  onCallEnd?(model: RoutedModel, end: CallEnd): void;
}

export class Gateway {
  constructor(private readonly config: GatewayConfig) {}

  get retryDelayMs(): number {
    return this.config.retryDelayMs;
  }

  route(alias: string): Promise<RoutedModel> {
    return this.config.route(alias);
  }

  /** Resolves `modelAlias` and makes one attempt. */
  async call(options: CallOptions & { modelAlias: string }): Promise<CallResult> {
    return this.callModel(await this.route(options.modelAlias), options);
  }

  /** One attempt on a routed model. */
  async callModel(model: RoutedModel, options: CallOptions): Promise<CallResult> {
    if (model.unavailableReason) throw new LlmError("unavailable", `The model ${model.alias} cannot be used: ${model.unavailableReason}.`, false);
    const maxOutputTokens = options.maxOutputTokens ?? this.config.defaultMaxOutputTokens;
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const timeout = AbortSignal.timeout(this.config.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let ttftMs: number | null = null;
    try {
      const result = await model.provider.stream({
        providerModel: model.providerModel,
        messages: options.messages,
        maxOutputTokens,
        signal,
        contract: options.contract,
        // Never offered to a model without function calling: it would refuse the request or ignore them.
        tools: model.tools ? options.tools : undefined,
        usageInStream: model.usageInStream,
        onDelta: (text) => {
          ttftMs ??= elapsed();
          options.onDelta?.(text);
        },
      });
      const usage: Usage = result.usage
        ? { ...result.usage, source: "provider" }
        : { inputTokens: countMessageTokens(options.messages), cachedTokens: 0, outputTokens: countTextTokens(result.text), source: "estimated" };
      const latencyMs = elapsed();
      this.config.onCallEnd?.(model, { ok: true, latencyMs });
      return { model, text: result.text, toolCalls: result.toolCalls ?? [], usage, requestId: result.requestId, latencyMs, ttftMs };
    } catch (caught) {
      const error = caught instanceof LlmError ? caught : new LlmError("provider", String(caught), false, "", { cause: caught });
      if (options.signal?.aborted) throw new LlmError("cancelled", "The call was cancelled.", false, error.partialText, { cause: error });
      const ended = timeout.aborted
        ? new LlmError("timeout", `No complete answer within ${this.config.timeoutMs / 1000} s.`, false, error.partialText, { cause: error })
        : error;
      this.config.onCallEnd?.(model, { ok: false, latencyMs: elapsed(), error: ended });
      throw ended;
    }
  }
}

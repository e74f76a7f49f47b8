/** The gateway's vocabulary: what a caller asks for, and what a call produces. */
import type { ManagerContract } from "./protocol.ts";

/**
 * One message of a call's context. An assistant message may ask for tool calls; a `tool` message
 * answers one of them (by its id) inside a step's tool loop (PRODUCT.md 8).
 */
export type ChatMessage =
  | { role: "system" | "user"; content: string }
  | { role: "assistant"; content: string; toolCalls?: ToolCallRequest[] }
  | { role: "tool"; toolCallId: string; content: string };

/** A model's request to call a tool: `arguments` is the JSON text it wrote (not yet validated). */
export interface ToolCallRequest {
  id: string;
  name: string;
  arguments: string;
}

/** A tool as a model is offered it (OpenAI's function-calling shape). */
export interface ToolDefinition {
  type: "function";
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export interface Usage {
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  /** `provider` when the provider reported it; `estimated` when counted with the tokenizer. */
  source: "provider" | "estimated";
}

export interface ProviderRequest {
  providerModel: string;
  messages: ChatMessage[];
  maxOutputTokens: number;
  signal: AbortSignal;
  onDelta: (text: string) => void;
  /** The manager's JSON contract, when the call is one of its structured calls. The offline model
   * answers from it; a real model reads the prompt, so other providers ignore it. */
  contract?: ManagerContract;
  /** Ask for usage in the stream's last chunk (some servers reject `stream_options`). Default true. */
  usageInStream?: boolean;
  /** Tools the model may call (only for models with the `tools` capability); none: a plain answer. */
  tools?: ToolDefinition[];
}

export interface ProviderResult {
  text: string;
  /** The tools the model asked to call (empty when it answered). */
  toolCalls?: ToolCallRequest[];
  usage: Omit<Usage, "source"> | null;
  requestId: string | null;
}

export interface Provider {
  stream(request: ProviderRequest): Promise<ProviderResult>;
}

/** `unavailable`: the provider could not be reached or is not usable (nothing was sent to a model). */
export type LlmErrorKind = "timeout" | "cancelled" | "rate_limited" | "provider" | "unavailable";

/** A failed call. `partialText` is what streamed before it failed (kept and billed by callers). */
export class LlmError extends Error {
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    readonly transient: boolean,
    readonly partialText = "",
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "LlmError";
  }
}

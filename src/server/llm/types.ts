/** The gateway's vocabulary: what a caller asks for, and what a call produces. */
import type { ManagerContract } from "./protocol.ts";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
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
}

export interface ProviderResult {
  text: string;
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

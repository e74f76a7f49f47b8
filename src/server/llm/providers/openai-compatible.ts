/**
 * Any OpenAI-compatible chat endpoint (OpenRouter, OpenAI, vLLM, Ollama, LM Studio) through the
 * OpenAI SDK, streaming, with usage asked for in the last chunk (`stream_options.include_usage`).
 * Retries and timeouts are the gateway's, so the SDK's own are off.
 */
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { LlmError, type ChatMessage, type Provider, type ProviderRequest, type ProviderResult, type ToolCallRequest } from "../types.ts";

/** Our messages in the Chat Completions wire format (tool calls and their answers included). */
function toWire(message: ChatMessage): ChatCompletionMessageParam {
  if (message.role === "tool") return { role: "tool", tool_call_id: message.toolCallId, content: message.content };
  if (message.role === "assistant" && message.toolCalls?.length) {
    return {
      role: "assistant",
      content: message.content || null,
      tool_calls: message.toolCalls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } })),
    };
  }
  return { role: message.role, content: message.content };
}

export class OpenAICompatibleProvider implements Provider {
  private readonly client: OpenAI;

  constructor(options: { baseURL: string; apiKey: string; headers?: Record<string, string> }) {
    this.client = new OpenAI({
      baseURL: options.baseURL,
      apiKey: options.apiKey,
      // OPENAI_ORG_ID / OPENAI_PROJECT_ID in the environment must not travel to other providers.
      organization: null,
      project: null,
      maxRetries: 0,
      timeout: 10 * 60_000,
      defaultHeaders: options.headers,
    });
  }

  async stream(request: ProviderRequest): Promise<ProviderResult> {
    let text = "";
    try {
      const { data: stream, response } = await this.client.chat.completions
        .create(
          {
            model: request.providerModel,
            messages: request.messages.map(toWire),
            ...(request.tools?.length ? { tools: request.tools } : {}),
            max_tokens: request.maxOutputTokens,
            stream: true,
            ...(request.usageInStream === false ? {} : { stream_options: { include_usage: true } }),
          },
          { signal: request.signal },
        )
        .withResponse();
      let requestId = response.headers.get("x-request-id");
      let usage: ProviderResult["usage"] = null;
      // Tool calls stream in pieces: the first piece of each (by index) has its id and name, the
      // rest append to its arguments.
      const toolCalls: ToolCallRequest[] = [];
      for await (const chunk of stream) {
        requestId ??= chunk.id ?? null;
        const delta = chunk.choices[0]?.delta;
        if (delta?.content) {
          text += delta.content;
          request.onDelta(delta.content);
        }
        for (const piece of delta?.tool_calls ?? []) {
          const call = (toolCalls[piece.index] ??= { id: "", name: "", arguments: "" });
          if (piece.id) call.id = piece.id;
          if (piece.function?.name) call.name += piece.function.name;
          if (piece.function?.arguments) call.arguments += piece.function.arguments;
        }
        if (chunk.usage) {
          usage = {
            inputTokens: chunk.usage.prompt_tokens,
            cachedTokens: chunk.usage.prompt_tokens_details?.cached_tokens ?? 0,
            outputTokens: chunk.usage.completion_tokens,
          };
        }
      }
      // An aborted stream can end quietly instead of throwing: a cut-short answer is not a result.
      if (request.signal.aborted) throw new LlmError("cancelled", "The call was cancelled.", false, text);
      // A provider that sends no id for a call still needs one to be answered.
      const calls = toolCalls.filter(Boolean).map((call, i) => ({ ...call, id: call.id || `call_${i}` }));
      return { text, usage, requestId, toolCalls: calls };
    } catch (error) {
      throw toLlmError(error, text, request.signal);
    }
  }
}

function toLlmError(error: unknown, partialText: string, signal: AbortSignal): LlmError {
  if (error instanceof LlmError) return error;
  if (signal.aborted || error instanceof APIUserAbortError) {
    return new LlmError("cancelled", "The call was cancelled.", false, partialText, { cause: error });
  }
  // Refused, unknown host, reset before an answer: the request never reached a model.
  if (error instanceof APIConnectionError) return new LlmError("unavailable", `Provider unreachable: ${error.message}`, true, partialText, { cause: error });
  if (error instanceof APIError) {
    if (error.status === 429) return new LlmError("rate_limited", "The provider is rate limiting.", true, partialText, { cause: error });
    const transient = error.status === undefined || error.status >= 500;
    return new LlmError("provider", `Provider error ${error.status ?? ""}: ${error.message}`.trim(), transient, partialText, { cause: error });
  }
  return new LlmError("provider", error instanceof Error ? error.message : String(error), false, partialText, { cause: error });
}

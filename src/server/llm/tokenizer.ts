/** Token counts from a real tokenizer (o200k, as current OpenAI models), never chars/4. */
import { countTokens } from "gpt-tokenizer";
import type { ChatMessage } from "./types.ts";

/** Per-message framing overhead, as chat formats add role markers around each message. */
const PER_MESSAGE_OVERHEAD = 4;

/**
 * Counts of recent texts. A session's history is counted for every call of every turn (context
 * assembly, the send's preflight, the summary check), so the same messages are tokenized again and
 * again; a bounded least-recently-used map keeps that to once. Short texts are cheap to count and
 * are not kept; the total size kept is bounded.
 */
const MIN_CACHED_CHARS = 256;
const MAX_CACHED_CHARS = 16_000_000;
const cache = new Map<string, number>();
let cachedChars = 0;

export function countTextTokens(text: string): number {
  if (text.length < MIN_CACHED_CHARS) return countTokens(text);
  const hit = cache.get(text);
  if (hit !== undefined) {
    // Most recently used last: Map keeps insertion order.
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const count = countTokens(text);
  if (text.length <= MAX_CACHED_CHARS / 16) {
    cache.set(text, count);
    cachedChars += text.length;
    for (const [oldest] of cache) {
      if (cachedChars <= MAX_CACHED_CHARS) break;
      cache.delete(oldest);
      cachedChars -= oldest.length;
    }
  }
  return count;
}

function toolCallTokens(message: ChatMessage): number {
  if (message.role !== "assistant" || !message.toolCalls) return 0;
  return message.toolCalls.reduce((n, call) => n + PER_MESSAGE_OVERHEAD + countTextTokens(call.name) + countTextTokens(call.arguments), 0);
}

export function countMessageTokens(messages: ChatMessage[]): number {
  return messages.reduce((n, m) => n + PER_MESSAGE_OVERHEAD + countTextTokens(m.content) + toolCallTokens(m), 2);
}

/** Token counts from a real tokenizer (o200k, as current OpenAI models), never chars/4. */
import { countTokens } from "gpt-tokenizer";
import type { ChatMessage } from "./types.ts";

/** Per-message framing overhead, as chat formats add role markers around each message. */
const PER_MESSAGE_OVERHEAD = 4;

export function countTextTokens(text: string): number {
  return countTokens(text);
}

export function countMessageTokens(messages: ChatMessage[]): number {
  return messages.reduce((n, m) => n + PER_MESSAGE_OVERHEAD + countTokens(m.content), 2);
}

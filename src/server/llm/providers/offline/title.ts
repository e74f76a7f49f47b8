/**
 * Conversation titles from the offline model: a request whose first system message starts with
 * "Write a short title" gets 2–6 words in Title Case for the conversation's first user message, no
 * quotes and no trailing period.
 */
import type { ChatMessage } from "../../types.ts";
import { subjectOf, termsOf } from "./topic.ts";

export const TITLE_PROMPT_START = "Write a short title";

export function asksForTitle(messages: ChatMessage[]): boolean {
  const system = messages.find((m) => m.role === "system");
  return !!system && system.content.trimStart().startsWith(TITLE_PROMPT_START);
}

const SMALL = new Set("a an the and or but of to in on at by for with from as vs via".split(" "));

function titleCase(words: string[]): string {
  return words
    .map((w, i) => {
      // The rest of a word keeps its spelling (SQL, GitHub, report.pdf); small words stay small inside.
      if (i > 0 && i < words.length - 1 && SMALL.has(w.toLowerCase())) return w.toLowerCase();
      return w[0]!.toUpperCase() + w.slice(1);
    })
    .join(" ");
}

export function titleFor(messages: ChatMessage[]): string {
  const first = messages.find((m) => m.role === "user")?.content ?? "";
  let words = subjectOf(first)
    .split(/\s+/)
    // No quotes: none around words, no double quotes inside them (an apostrophe in "don't" stays).
    .map((w) => w.replace(/["“”«»]/g, "").replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ""))
    .filter(Boolean)
    .slice(0, 6);
  while (words.length && SMALL.has(words.at(-1)!.toLowerCase())) words.pop();
  if (words.length === 0) words = termsOf(first).slice(0, 4);
  if (words.length === 0) return "New Conversation";
  if (words.length === 1) words.push(/^(hi|hello|hey|thanks|thank)$/i.test(words[0]!) ? "Chat" : "Questions");
  return titleCase(words);
}

/**
 * The offline model never repeats a prompt: no line of a system message (the role prompt, the
 * room's setting, the manager's instructions) may appear in its answer. The answers are built from
 * the user's words and single focus words, so this only bites when the user's own message repeats a
 * prompt line (a question that copies the room goal, say); then the line is elided.
 */
import type { ChatMessage } from "../../types.ts";

/** Lines shorter than this are words, not prompt text ("Be brief."). */
export const MIN_PROMPT_LINE = 12;

export function promptLines(messages: ChatMessage[]): string[] {
  return messages
    .filter((m) => m.role === "system")
    .flatMap((m) => m.content.split("\n"))
    .map((l) => l.trim())
    .filter((l) => l.length >= MIN_PROMPT_LINE);
}

export function withoutPromptLines(answer: string, messages: ChatMessage[]): string {
  let out = answer;
  // Longest first, so a line that contains a shorter one is removed whole.
  for (const line of promptLines(messages).sort((a, b) => b.length - a.length)) {
    while (out.includes(line)) out = out.replace(line, "…");
  }
  return out;
}

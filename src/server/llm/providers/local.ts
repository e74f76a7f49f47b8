/**
 * The built-in offline model: deterministic, streaming, and honest about usage (tokenizer counts).
 * Its reply is built from the agent's role and the conversation so a timeline reads sensibly, and
 * it answers the orchestrator's routing and evaluation prompts with valid JSON.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { encode, decode } from "gpt-tokenizer";
import { countMessageTokens, countTextTokens } from "../tokenizer.ts";
import { LlmError, type ChatMessage, type Provider, type ProviderRequest, type ProviderResult } from "../types.ts";

/** Prompts that ask for these JSON shapes get them (see the orchestrator's prompts). */
export const ROUTING_MARKER = "selected_agent_keys";
export const EVALUATION_MARKER = '"continue"';
export const SUMMARY_MARKER = "key_facts";

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

function lastUser(messages: ChatMessage[]): string {
  return [...messages].reverse().find((m) => m.role === "user")?.content.trim() ?? "";
}

function excerpt(text: string, words = 18): string {
  const parts = text.replace(/\s+/g, " ").trim().split(" ");
  return parts.slice(0, words).join(" ") + (parts.length > words ? " …" : "");
}

function keysIn(text: string): string[] {
  return [...new Set([...text.matchAll(/@([a-z0-9][a-z0-9_-]{0,63})/g)].map((m) => m[1]!))];
}

/** The keys on a "Not yet heard from: @a, @b" line of the manager's prompts. */
function notYetHeard(system: string): string[] {
  return keysIn(/^Not yet heard from: (.*)$/m.exec(system)?.[1] ?? "");
}

export function localReply(messages: ChatMessage[]): string {
  const system = messages.find((m) => m.role === "system")?.content ?? "";
  const question = lastUser(messages);
  if (system.includes(ROUTING_MARKER)) {
    // Round 1 picks one or two specialists; later rounds pick whoever has not spoken yet.
    const pending = notYetHeard(system);
    const keys = pending.length ? pending : keysIn(system);
    const count = pending.length ? Math.min(3, pending.length) : keys.length === 0 ? 0 : 1 + (hash(question) % Math.min(2, keys.length));
    return JSON.stringify({ selected_agent_keys: keys.slice(0, count) });
  }
  // Another round while someone has not been heard from, at most once.
  if (system.includes(EVALUATION_MARKER)) return JSON.stringify({ continue: /^Round: 1 of [2-9]/m.test(system) && notYetHeard(system).length > 0 });
  if (system.includes(SUMMARY_MARKER)) {
    const asked = messages.filter((m) => m.role === "user").map((m) => excerpt(m.content, 12));
    return JSON.stringify({
      summary: `The user asked about: ${asked.join("; ") || "nothing yet"}. ${messages.filter((m) => m.role === "assistant").length} answers were given.`,
      key_facts: asked.slice(-3),
      decisions: [],
      open_questions: [],
      action_items: [],
    });
  }

  const role = excerpt(system.split("\n")[0] ?? "", 14);
  const earlier = messages.filter((m) => m.role === "assistant").length;
  const openers = earlier ? ["Let me build on that.", "Adding to what was said.", "A different angle."] : ["Here is my take.", "A few thoughts.", "Short answer first."];
  const opener = openers[hash(question + system) % openers.length]!;
  return [
    opener,
    role ? `Speaking as: ${role}` : "",
    question ? `On “${excerpt(question)}”: the key point is to be concrete about goals, constraints and the next step.` : "There is no question yet.",
    earlier ? `I have read the ${earlier} earlier answer${earlier === 1 ? "" : "s"} and agree with the direction, with one caution: check the assumptions first.` : "",
    "(Offline model: a deterministic stand-in for a real LLM.)",
  ]
    .filter(Boolean)
    .join(" ");
}

export class LocalProvider implements Provider {
  constructor(private readonly tokenDelayMs: number) {}

  async stream(request: ProviderRequest): Promise<ProviderResult> {
    const tokens = encode(localReply(request.messages)).slice(0, request.maxOutputTokens);
    let text = "";
    for (const token of tokens) {
      if (request.signal.aborted) {
        throw new LlmError("cancelled", "The call was cancelled.", false, text, { cause: request.signal.reason });
      }
      if (this.tokenDelayMs > 0) await sleep(this.tokenDelayMs, undefined, { signal: request.signal }).catch(() => undefined);
      if (request.signal.aborted) continue;
      const piece = decode([token]);
      text += piece;
      request.onDelta(piece);
    }
    if (request.signal.aborted) throw new LlmError("cancelled", "The call was cancelled.", false, text);
    return {
      text,
      usage: { inputTokens: countMessageTokens(request.messages), cachedTokens: 0, outputTokens: countTextTokens(text) },
      requestId: null,
    };
  }
}

/**
 * The built-in offline model: deterministic, streaming, and honest about usage (tokenizer counts).
 * Its reply is built from the agent's role and the conversation so a timeline reads sensibly. A
 * manager call's contract (protocol.ts) it answers with valid JSON from the contract's fields alone:
 * it never reads the manager's prose, so rewording a prompt does not change what it answers.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { encode, decode } from "gpt-tokenizer";
import type { ManagerContract, RoutingAnswer, EvaluationAnswer, SummaryAnswer } from "../protocol.ts";
import { countMessageTokens, countTextTokens } from "../tokenizer.ts";
import { LlmError, type ChatMessage, type Provider, type ProviderRequest, type ProviderResult } from "../types.ts";

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

function answerContract(contract: ManagerContract, messages: ChatMessage[]): RoutingAnswer | EvaluationAnswer | SummaryAnswer {
  switch (contract.kind) {
    case "routing": {
      // Once some specialists have answered, those who have not; before that (round 1, or a round
      // after every answer failed), the first one or two, chosen by the question.
      const { candidates, notYetHeard, maxKeys } = contract;
      if (notYetHeard.length > 0 && notYetHeard.length < candidates.length) return { selected_agent_keys: notYetHeard.slice(0, maxKeys) };
      const count = candidates.length === 0 ? 0 : 1 + (hash(lastUser(messages)) % Math.min(2, candidates.length));
      return { selected_agent_keys: candidates.slice(0, Math.min(count, maxKeys)) };
    }
    case "evaluation":
      // Another round while someone has not been heard from, at most once.
      return { continue: contract.round === 1 && contract.maxRounds >= 2 && contract.notYetHeard.length > 0 };
    case "summary": {
      const asked = messages.filter((m) => m.role === "user").map((m) => excerpt(m.content, 12));
      return {
        summary: `The user asked about: ${asked.join("; ") || "nothing yet"}. ${messages.filter((m) => m.role === "assistant").length} answers were given.`,
        key_facts: asked.slice(-3),
        decisions: [],
        open_questions: [],
        action_items: [],
      };
    }
  }
}

/** The offline model's answer: JSON for a manager contract, otherwise a reply in the agent's role. */
export function localReply(messages: ChatMessage[], contract?: ManagerContract): string {
  if (contract) return JSON.stringify(answerContract(contract, messages));
  const system = messages.find((m) => m.role === "system")?.content ?? "";
  const question = lastUser(messages);
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
    const tokens = encode(localReply(request.messages, request.contract)).slice(0, request.maxOutputTokens);
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

/**
 * The built-in offline model: deterministic, streaming, and honest about usage (tokenizer counts).
 * It answers in the agent's voice (offline/: a persona read from the role prompt, markdown built from
 * the question and the earlier answers) and never repeats a line of a prompt. A
 * manager call's contract (protocol.ts) it answers with valid JSON from the contract's fields alone:
 * it never reads the manager's prose, so rewording a prompt does not change what it answers.
 *
 * Tools, when offered (PRODUCT.md 8), it uses by a fixed rule, once per step (`localToolCalls`):
 * - `file_read` on every listed file whose name the user's message contains;
 * - else `file_search` when the message mentions files or documents;
 * - else `search` when the message asks to search, look something up or find out.
 * With the results back, its answer quotes the passage that best matches the question and names
 * what it searched.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { encode, decode } from "gpt-tokenizer";
import type { ManagerContract, RoutingAnswer, EvaluationAnswer, SummaryAnswer } from "../protocol.ts";
import { countMessageTokens, countTextTokens } from "../tokenizer.ts";
import { parseFencedResults, type FencedResult } from "../../domain/tools/fence.ts";
import { listedFiles } from "../../domain/tools/files-prompt.ts";
import { composeAnswer, offlineSignature, sceneOf } from "./offline/compose.ts";
import { withoutPromptLines } from "./offline/no-echo.ts";
import { excerpt, hash } from "./offline/seed.ts";
import { asksForTitle, titleFor } from "./offline/title.ts";
import { LlmError, type ChatMessage, type Provider, type ProviderRequest, type ProviderResult, type ToolCallRequest, type ToolDefinition } from "../types.ts";

function lastUser(messages: ChatMessage[]): string {
  return [...messages].reverse().find((m) => m.role === "user")?.content.trim() ?? "";
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

/** The messages after the user's: this step's tool calls and results so far. */
function afterLastUser(messages: ChatMessage[]): ChatMessage[] {
  const last = messages.findLastIndex((m) => m.role === "user");
  return messages.slice(last + 1);
}

const MENTIONS_FILES = /\b(files?|documents?|uploads?|attachments?|pdfs?)\b/i;
const ASKS_TO_SEARCH = /\b(search|look(?:\s+\w+)?\s+up|lookup|find out|on the web|online|latest)\b/i;

/** The tool calls the offline model makes for this context (none: it answers). Deterministic. */
export function localToolCalls(messages: ChatMessage[], tools: ToolDefinition[] | undefined): ToolCallRequest[] {
  const offered = new Set((tools ?? []).map((t) => t.function.name));
  if (offered.size === 0 || afterLastUser(messages).some((m) => m.role === "tool")) return [];
  const question = lastUser(messages);
  const system = messages.find((m) => m.role === "system")?.content ?? "";
  const call = (name: string, args: Record<string, unknown>, i = 0): ToolCallRequest => ({
    id: `call_${hash(`${name}${JSON.stringify(args)}${question}`).toString(36)}_${i}`,
    name,
    arguments: JSON.stringify(args),
  });
  if (offered.has("file_read")) {
    const named = listedFiles(system).filter((f) => question.toLowerCase().includes(f.name.toLowerCase()));
    if (named.length) return named.slice(0, 3).map((f, i) => call("file_read", { file_id: f.id }, i));
  }
  if (offered.has("file_search") && MENTIONS_FILES.test(question)) return [call("file_search", { query: question })];
  if (offered.has("search") && ASKS_TO_SEARCH.test(question)) {
    const query = question.replace(/@[\w-]+/g, "").replace(/^\W*(please\s+)?(search( the web)?( for)?|look up|find out)\s*/i, "").trim();
    return [call("search", { query: query || question })];
  }
  return [];
}

function words(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? []);
}

/** Words that say nothing about what a question is after. */
const QUESTION_WORDS = new Set(["what", "does", "did", "say", "says", "about", "the", "this", "that", "with", "for", "and", "are", "how", "which", "from", "into", "please", "tell", "file", "document", "there", "can", "you", "our", "its"]);

/** The sentence of `text` that shares the most telling words with the question (not the file's own name). */
function bestSentence(text: string, question: string, ignore = ""): string {
  const ignored = words(ignore);
  const wanted = new Set([...words(question)].filter((w) => !QUESTION_WORDS.has(w) && !ignored.has(w)));
  // Markers such as "[p. 2]" or "[End of file.]" are the tool's, not the document's.
  const sentences = text.replace(/\[[^\]\n]{0,60}\]/g, " ").replace(/\s+/g, " ").split(/(?<=[.!?])\s+/).filter((s) => s.trim().length > 0);
  let best = sentences[0] ?? "";
  let score = -1;
  for (const sentence of sentences) {
    const overlap = [...words(sentence)].filter((w) => wanted.has(w)).length;
    if (overlap > score) [best, score] = [sentence, overlap];
  }
  return excerpt(best, 60);
}

/** What the offline model says about one tool result. */
function fromResult(result: FencedResult, question: string): string {
  if (result.status !== "succeeded") return `I could not use ${result.tool}: ${excerpt(result.content, 30)}`;
  const where = result.summary.replace(/^\w+( files)?:\s*/, "");
  if (result.tool === "search") {
    const urls = result.content.match(/https?:\/\/\S+/g) ?? [];
    return `I searched the web for “${where}”: ${bestSentence(result.content.replace(/https?:\/\/\S+/g, ""), question)}${urls.length ? ` (${urls.length} source${urls.length === 1 ? "" : "s"} below)` : ""}.`;
  }
  // The file tools frame the text with lines of their own (which file, which chunks, where to go on).
  const text = result.content
    .split("\n")
    .filter((line) => !/\(file_id: |^\s*\[[^\]]*\]\s*$|^Passages matching|^No passage matches|^Read more with file_read/.test(line))
    .join("\n");
  return `From ${where}: “${bestSentence(text, question, where)}”`;
}

/** The offline model's answer: JSON for a manager contract, a title when asked for one, otherwise a reply in the agent's voice. */
export function localReply(messages: ChatMessage[], contract?: ManagerContract): string {
  if (contract) return JSON.stringify(answerContract(contract, messages));
  if (asksForTitle(messages)) return titleFor(messages);
  const scene = sceneOf(messages);
  const results = afterLastUser(messages).flatMap((m) => (m.role === "tool" ? parseFencedResults(m.content) : []));
  const reply = results.length ? [...results.map((r) => fromResult(r, scene.question)), offlineSignature(scene.voice)].join("\n\n") : composeAnswer(scene);
  return withoutPromptLines(reply, messages);
}

export class LocalProvider implements Provider {
  constructor(private readonly tokenDelayMs: number) {}

  async stream(request: ProviderRequest): Promise<ProviderResult> {
    const toolCalls = request.contract ? [] : localToolCalls(request.messages, request.tools);
    if (toolCalls.length) {
      if (this.tokenDelayMs > 0) await sleep(this.tokenDelayMs, undefined, { signal: request.signal }).catch(() => undefined);
      if (request.signal.aborted) throw new LlmError("cancelled", "The call was cancelled.", false, "");
      const output = toolCalls.reduce((n, c) => n + countTextTokens(c.name) + countTextTokens(c.arguments), 0);
      return { text: "", toolCalls, usage: { inputTokens: countMessageTokens(request.messages), cachedTokens: 0, outputTokens: output }, requestId: null };
    }
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

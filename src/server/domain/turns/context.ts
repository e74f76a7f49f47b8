/**
 * What one agent call sees (PRODUCT.md 5.2, "Context per agent call") and the token budget it must
 * fit. Pure: the turn runner loads the pieces, this assembles and trims them.
 *
 * Order: system (role prompt once, then the room, the roster and the session summary), history
 * after the summary (other agents' outputs labelled `[Name]:`), the user message, then same-turn
 * outputs where the mode allows.
 */
import { countMessageTokens, countTextTokens } from "../../llm/tokenizer.ts";
import type { ChatMessage } from "../../llm/types.ts";

export const DEFAULT_CONTEXT_WINDOW = 8192;
/** Share of the budget at which a session is summarized, and at which old answers are pruned. */
export const SUMMARY_THRESHOLD = 0.7;
export const PRUNE_THRESHOLD = 0.9;

export interface RosterEntry {
  id: string;
  key: string;
  name: string;
  model: string;
  role: string;
  /** Tool permissions (`search`, `file_read`). */
  tools?: string[];
}

export interface HistoryMessage {
  seq: bigint;
  role: "user" | "assistant" | "tool";
  agentKey: string | null;
  agentName: string | null;
  content: string;
  visibility?: "shared" | "private";
}

export interface Speaker {
  key: string | null;
  name: string;
  rolePrompt: string;
}

export interface ContextInput {
  speaker: Speaker;
  mode: string;
  room: { name: string; goal: string } | null;
  roster: RosterEntry[];
  summary: string | null;
  history: HistoryMessage[];
  userMessage: string;
  sameTurn: { agentName: string; content: string }[];
  /** Extra instructions appended to the system message (the manager's routing prompt, for example). */
  instructions?: string;
}

export interface Budget {
  contextWindow: number;
  outputReserve: number;
  overhead: number;
  /** Tokens the input may use. */
  input: number;
}

export function contextBudget(contextWindow: number | undefined, maxOutputTokens: number): Budget {
  const window = contextWindow ?? DEFAULT_CONTEXT_WINDOW;
  const outputReserve = Math.min(maxOutputTokens, Math.floor(window * 0.2));
  const overhead = Math.max(1024, Math.floor(window * 0.05));
  return { contextWindow: window, outputReserve, overhead, input: Math.max(0, window - outputReserve - overhead) };
}

function firstLine(text: string, max = 120): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function systemMessage(input: Pick<ContextInput, "speaker" | "mode" | "room" | "roster" | "summary" | "instructions">): ChatMessage {
  const parts = [input.speaker.rolePrompt.trim() || `You are ${input.speaker.name}.`];
  const setting: string[] = [];
  if (input.room) {
    setting.push(`You are ${input.speaker.name} in the room “${input.room.name}” (mode: ${input.mode}).`);
    if (input.room.goal.trim()) setting.push(`Room goal: ${input.room.goal.trim()}`);
    if (input.roster.length) {
      setting.push("Present in the room (stay focused on the user's task; do not answer for others):");
      for (const a of input.roster) setting.push(`- @${a.key} — ${a.name}${a.role ? `: ${firstLine(a.role)}` : ""}`);
    }
  }
  if (input.summary) setting.push(`Summary of the conversation so far:\n${input.summary}`);
  if (setting.length) parts.push(setting.join("\n"));
  if (input.instructions) parts.push(input.instructions);
  return { role: "system", content: parts.join("\n\n") };
}

function historyMessage(m: HistoryMessage, speakerKey: string | null): ChatMessage {
  if (m.role === "user") return { role: "user", content: m.content };
  // The speaker's own tool traces (private: no one else gets them), already fenced and labelled.
  if (m.role === "tool") return { role: "assistant", content: m.content };
  // The speaker's own earlier answers are its own; everyone else's are labelled.
  if (m.agentKey !== null && m.agentKey === speakerKey) return { role: "assistant", content: m.content };
  return { role: "assistant", content: `[${m.agentName ?? "Assistant"}]: ${m.content}` };
}

/** The part of a context that cannot be trimmed: system, summary and the user message. */
export function irreducibleTokens(input: ContextInput): number {
  return countMessageTokens([systemMessage(input), { role: "user", content: input.userMessage }]);
}

/** Tokens the session's history (after its summary) takes for this speaker. */
export function historyTokens(input: Pick<ContextInput, "history" | "speaker">): number {
  return countMessageTokens(input.history.map((m) => historyMessage(m, input.speaker.key))) - 2;
}

export interface AssembledContext {
  messages: ChatMessage[];
  tokens: number;
  /** History messages left out to fit the budget. */
  pruned: number;
  /** Same-turn outputs shortened or left out to fit. */
  trimmedSameTurn: number;
}

/**
 * Builds the messages for one call. At ≥90% of the input budget the oldest assistant messages are
 * pruned (then, if that is not enough, the oldest of everything), and as a last resort the oldest
 * same-turn outputs are shortened, so a turn never fails on context after the send preflight passed.
 */
export function assembleContext(input: ContextInput, budget: Budget): AssembledContext {
  const system = systemMessage(input);
  const user: ChatMessage = { role: "user", content: input.userMessage };
  let history = input.history.map((m) => ({ source: m, message: historyMessage(m, input.speaker.key) }));
  let sameTurn: ChatMessage[] = input.sameTurn.map((o) => ({ role: "assistant", content: `[${o.agentName}]: ${o.content}` }));
  const total = () => countMessageTokens([system, ...history.map((h) => h.message), user, ...sameTurn]);
  const limit = Math.floor(budget.input * PRUNE_THRESHOLD);

  let pruned = 0;
  let tokens = total();
  // Fix: PRODUCT.md 5.2 prunes at ≥90% (this compared with `>`, so exactly 90% was not pruned).
  if (tokens >= limit) {
    // Oldest assistant answers first: the user's own words carry the thread best.
    for (let i = 0; tokens >= limit && i < history.length; ) {
      if (history[i]!.source.role !== "user") {
        tokens -= countMessageTokens([history[i]!.message]) - 2;
        history = history.filter((_, j) => j !== i);
        pruned++;
      } else i++;
    }
    while (tokens >= limit && history.length) {
      tokens -= countMessageTokens([history[0]!.message]) - 2;
      history = history.slice(1);
      pruned++;
    }
  }
  let trimmedSameTurn = 0;
  for (let i = 0; tokens > budget.input && i < sameTurn.length; i++) {
    // Fix: the cut is in proportion to characters, but tokens per character vary along a text, so
    // one cut could leave the context over budget (the call then overflowed the model's window).
    // Cut again, always shorter, until it fits or nothing is left of this output.
    const original = sameTurn[i]!.content;
    let chars = original.length;
    while (tokens > budget.input && chars > 0) {
      const over = tokens - budget.input;
      const own = countTextTokens(sameTurn[i]!.content);
      const keep = Math.max(0, own - over - 8);
      chars = keep > 0 ? Math.min(chars - 1, Math.floor((chars * keep) / own)) : 0;
      sameTurn[i] = { role: "assistant", content: chars > 0 ? `${original.slice(0, chars)} …[shortened]` : "" };
      tokens = total();
    }
    trimmedSameTurn++;
  }
  sameTurn = sameTurn.filter((m) => m.content);
  const messages = [system, ...history.map((h) => h.message), user, ...sameTurn];
  return { messages, tokens: countMessageTokens(messages), pruned, trimmedSameTurn };
}

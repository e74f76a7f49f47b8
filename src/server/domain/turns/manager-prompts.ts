/**
 * The orchestrator's manager (PRODUCT.md 5.2): its prompts, each with the contract its answer
 * follows (protocol.ts), and the zod-validated parsing of its structured answers. Pure, so the
 * rules (at most 3 keys, mapped to the roster; invalid → retry → fallback) are tested without a model.
 */
import {
  evaluationAnswer,
  evaluationAnswerExample,
  MAX_SELECTED_PER_ROUND,
  routingAnswer,
  routingAnswerExample,
  summaryAnswer,
  summaryAnswerExample,
  type ManagerContract,
  type SummaryAnswer,
} from "../../llm/protocol.ts";
import type { RosterEntry } from "./context.ts";

export { MAX_SELECTED_PER_ROUND };
/** Routing and evaluation answers are a line of JSON. */
export const MANAGER_MAX_OUTPUT_TOKENS = 256;

export const MANAGER_ROLE =
  "You are the manager of a team of specialist agents. You decide who answers, judge whether the answers cover the user's request, and integrate them.";

export type SummaryFacts = SummaryAnswer;

export interface Covered {
  agentKey: string;
  agentName: string;
}

/** A manager call: the prose a model reads, and the contract its answer follows (protocol.ts). */
export interface ManagerCall {
  instructions: string;
  contract: ManagerContract;
}

function heardFrom(roster: RosterEntry[], covered: Covered[]): { heard: string[]; notYet: string[] } {
  const keys = new Set(covered.map((c) => c.agentKey));
  return { heard: roster.filter((a) => keys.has(a.key)).map((a) => a.key), notYet: roster.filter((a) => !keys.has(a.key)).map((a) => a.key) };
}

const mentions = (keys: string[]) => keys.map((k) => `@${k}`).join(", ");

export function routingCall(args: { round: number; maxRounds: number; roster: RosterEntry[]; covered: Covered[]; remainingInvocations: number }): ManagerCall {
  const { heard, notYet } = heardFrom(args.roster, args.covered);
  const maxKeys = Math.max(0, Math.min(MAX_SELECTED_PER_ROUND, args.remainingInvocations));
  const instructions = [
    `Round: ${args.round} of ${args.maxRounds}. Choose which specialists should answer the user's message next (at most ${maxKeys}).`,
    "Specialists:",
    ...args.roster.map((a) => `- @${a.key} — ${a.name}${a.role ? `: ${a.role.split("\n")[0]}` : ""}`),
    args.covered.length ? `Already heard from: ${mentions(heard)}. Their answers are below; choose who adds something new.` : "",
    args.covered.length && notYet.length ? `Not yet heard from: ${mentions(notYet)}` : "",
    `Reply with JSON only, no prose: ${routingAnswerExample} using keys from the list above.`,
  ]
    .filter(Boolean)
    .join("\n");
  return {
    instructions,
    contract: { kind: "routing", round: args.round, maxRounds: args.maxRounds, candidates: args.roster.map((a) => a.key), notYetHeard: notYet, maxKeys },
  };
}

export function evaluationCall(args: { round: number; maxRounds: number; roster: RosterEntry[]; covered: Covered[] }): ManagerCall {
  const { notYet } = heardFrom(args.roster, args.covered);
  const instructions = [
    `Round: ${args.round} of ${args.maxRounds}. The specialists' answers so far are below.`,
    notYet.length ? `Not yet heard from: ${mentions(notYet)}` : "Every specialist has answered.",
    `Does another round add something the user needs? Reply with JSON only: ${evaluationAnswerExample}.`,
  ].join("\n");
  return { instructions, contract: { kind: "evaluation", round: args.round, maxRounds: args.maxRounds, notYetHeard: notYet } };
}

export const SYNTHESIS_INSTRUCTIONS =
  "Write the final answer for the user: integrate the specialists' answers below into one clear response. Keep what they agree on, resolve or flag disagreements, and end with the next step.";

export function summaryCall(previous: string | null): ManagerCall {
  const instructions = [
    "Summarize the conversation below for the team, so it can continue without the full history.",
    previous ? `The summary so far (fold it in):\n${previous}` : "",
    `Reply with JSON only: ${summaryAnswerExample}`,
  ]
    .filter(Boolean)
    .join("\n");
  return { instructions, contract: { kind: "summary" } };
}

/** Models often wrap JSON in a code fence or a sentence; take the outermost object. */
function extractJson(text: string): unknown {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
}

export type RoutingParse = { ok: true; keys: string[]; unknown: string[] } | { ok: false; reason: string };

/** Valid routing names at least one roster key; unknown keys are dropped (and reported). */
export function parseRouting(text: string, roster: RosterEntry[]): RoutingParse {
  const parsed = routingAnswer.safeParse(extractJson(text));
  if (!parsed.success) return { ok: false, reason: `not ${routingAnswerExample} with at most ${MAX_SELECTED_PER_ROUND} keys` };
  const known = new Set(roster.map((a) => a.key));
  const normalized = [...new Set(parsed.data.selected_agent_keys.map((k) => k.trim().replace(/^@/, "").toLowerCase()))];
  const keys = normalized.filter((k) => known.has(k));
  const unknown = normalized.filter((k) => !known.has(k));
  if (keys.length === 0) return { ok: false, reason: unknown.length ? `no roster agent among ${unknown.join(", ")}` : "no agent selected" };
  return { ok: true, keys, unknown };
}

export function parseEvaluation(text: string): { ok: true; continue: boolean } | { ok: false } {
  const parsed = evaluationAnswer.safeParse(extractJson(text));
  return parsed.success ? { ok: true, continue: parsed.data.continue } : { ok: false };
}

export function parseSummary(text: string): SummaryFacts {
  const parsed = summaryAnswer.safeParse(extractJson(text));
  if (parsed.success) return parsed.data;
  return { summary: text.trim(), key_facts: [], decisions: [], open_questions: [], action_items: [] };
}

/**
 * The orchestrator's manager (PRODUCT.md 5.2): its prompts, and the zod-validated parsing of its
 * structured answers. Pure, so the rules (at most 3 keys, mapped to the roster; invalid → retry →
 * fallback) are tested without a model.
 */
import { z } from "zod";
import { EVALUATION_MARKER, ROUTING_MARKER, SUMMARY_MARKER } from "../../llm/providers/local.ts";
import type { RosterEntry } from "./context.ts";

export const MAX_SELECTED_PER_ROUND = 3;
/** Routing and evaluation answers are a line of JSON. */
export const MANAGER_MAX_OUTPUT_TOKENS = 256;

export const MANAGER_ROLE =
  "You are the manager of a team of specialist agents. You decide who answers, judge whether the answers cover the user's request, and integrate them.";

const routingSchema = z.object({ selected_agent_keys: z.array(z.string()).max(MAX_SELECTED_PER_ROUND) });
const evaluationSchema = z.object({ continue: z.boolean() });

export const summarySchema = z.object({
  summary: z.string().min(1),
  key_facts: z.array(z.string()).default([]),
  decisions: z.array(z.string()).default([]),
  open_questions: z.array(z.string()).default([]),
  action_items: z.array(z.string()).default([]),
});
export type SummaryFacts = z.infer<typeof summarySchema>;

export interface Covered {
  agentKey: string;
  agentName: string;
}

function heardFrom(roster: RosterEntry[], covered: Covered[]): { heard: string[]; notYet: string[] } {
  const keys = new Set(covered.map((c) => c.agentKey));
  return { heard: roster.filter((a) => keys.has(a.key)).map((a) => `@${a.key}`), notYet: roster.filter((a) => !keys.has(a.key)).map((a) => `@${a.key}`) };
}

export function routingInstructions(args: { round: number; maxRounds: number; roster: RosterEntry[]; covered: Covered[]; remainingInvocations: number }): string {
  const { heard, notYet } = heardFrom(args.roster, args.covered);
  return [
    `Round: ${args.round} of ${args.maxRounds}. Choose which specialists should answer the user's message next (at most ${Math.min(MAX_SELECTED_PER_ROUND, args.remainingInvocations)}).`,
    "Specialists:",
    ...args.roster.map((a) => `- @${a.key} — ${a.name}${a.role ? `: ${a.role.split("\n")[0]}` : ""}`),
    args.covered.length ? `Already heard from: ${heard.join(", ")}. Their answers are below; choose who adds something new.` : "",
    args.covered.length && notYet.length ? `Not yet heard from: ${notYet.join(", ")}` : "",
    `Reply with JSON only, no prose: {"${ROUTING_MARKER}": ["key", ...]} using keys from the list above.`,
  ]
    .filter(Boolean)
    .join("\n");
}

export function evaluationInstructions(args: { round: number; maxRounds: number; roster: RosterEntry[]; covered: Covered[] }): string {
  const { notYet } = heardFrom(args.roster, args.covered);
  return [
    `Round: ${args.round} of ${args.maxRounds}. The specialists' answers so far are below.`,
    notYet.length ? `Not yet heard from: ${notYet.join(", ")}` : "Every specialist has answered.",
    `Does another round add something the user needs? Reply with JSON only: {${EVALUATION_MARKER}: true} or {${EVALUATION_MARKER}: false}.`,
  ].join("\n");
}

export const SYNTHESIS_INSTRUCTIONS =
  "Write the final answer for the user: integrate the specialists' answers below into one clear response. Keep what they agree on, resolve or flag disagreements, and end with the next step.";

export function summaryInstructions(previous: string | null): string {
  return [
    "Summarize the conversation below for the team, so it can continue without the full history.",
    previous ? `The summary so far (fold it in):\n${previous}` : "",
    `Reply with JSON only: {"summary": "...", "${SUMMARY_MARKER}": [], "decisions": [], "open_questions": [], "action_items": []}`,
  ]
    .filter(Boolean)
    .join("\n");
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
  const parsed = routingSchema.safeParse(extractJson(text));
  if (!parsed.success) return { ok: false, reason: `not {"selected_agent_keys": [...]} with at most ${MAX_SELECTED_PER_ROUND} keys` };
  const known = new Set(roster.map((a) => a.key));
  const normalized = [...new Set(parsed.data.selected_agent_keys.map((k) => k.trim().replace(/^@/, "").toLowerCase()))];
  const keys = normalized.filter((k) => known.has(k));
  const unknown = normalized.filter((k) => !known.has(k));
  if (keys.length === 0) return { ok: false, reason: unknown.length ? `no roster agent among ${unknown.join(", ")}` : "no agent selected" };
  return { ok: true, keys, unknown };
}

export function parseEvaluation(text: string): { ok: true; continue: boolean } | { ok: false } {
  const parsed = evaluationSchema.safeParse(extractJson(text));
  return parsed.success ? { ok: true, continue: parsed.data.continue } : { ok: false };
}

export function parseSummary(text: string): SummaryFacts {
  const parsed = summarySchema.safeParse(extractJson(text));
  if (parsed.success) return parsed.data;
  return { summary: text.trim(), key_facts: [], decisions: [], open_questions: [], action_items: [] };
}

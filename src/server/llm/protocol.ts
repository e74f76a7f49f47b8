/**
 * The orchestrator manager's JSON contracts (PRODUCT.md 5.2), between its prompts and the models
 * that answer them. A manager call carries its contract as data next to the prose prompt: the
 * prompts show the answer examples below, the engine parses answers with the answer schemas, and
 * the offline model answers from the contract's fields, so rewording a prompt changes nothing but
 * the prose a real model reads. Pure: zod only.
 */
import { z } from "zod";

/** A routing answer names at most this many specialists. */
export const MAX_SELECTED_PER_ROUND = 3;

const round = z.number().int().min(1);
/** Roster keys, without the `@`. */
const agentKeys = z.array(z.string());

/** What a manager call asks for, with the facts its prompt states (keys without the `@`). */
export const managerContract = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("routing"),
    round,
    maxRounds: round,
    /** Every specialist the answer may name, in roster order. */
    candidates: agentKeys,
    /** The candidates without a successful answer in this turn yet, in roster order. */
    notYetHeard: agentKeys,
    /** How many keys the answer may name: the per-round cap, or fewer when invocations run out. */
    maxKeys: z.number().int().min(0),
  }),
  z.object({ kind: z.literal("evaluation"), round, maxRounds: round, notYetHeard: agentKeys }),
  z.object({ kind: z.literal("summary") }),
]);
export type ManagerContract = z.infer<typeof managerContract>;

export const routingAnswer = z.object({ selected_agent_keys: z.array(z.string()).max(MAX_SELECTED_PER_ROUND) });
export type RoutingAnswer = z.infer<typeof routingAnswer>;

export const evaluationAnswer = z.object({ continue: z.boolean() });
export type EvaluationAnswer = z.infer<typeof evaluationAnswer>;

export const summaryAnswer = z.object({
  summary: z.string().min(1),
  key_facts: z.array(z.string()).default([]),
  decisions: z.array(z.string()).default([]),
  open_questions: z.array(z.string()).default([]),
  action_items: z.array(z.string()).default([]),
});
/** A parsed summary: the lists are always there (missing ones default to empty). */
export type SummaryAnswer = z.output<typeof summaryAnswer>;

/** The answer shapes as the prompts show them ("Reply with JSON only: …"). */
export const routingAnswerExample = '{"selected_agent_keys": ["key", ...]}';
export const evaluationAnswerExample = '{"continue": true} or {"continue": false}';
export const summaryAnswerExample = '{"summary": "...", "key_facts": [], "decisions": [], "open_questions": [], "action_items": []}';

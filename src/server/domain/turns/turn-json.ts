/**
 * The JSON columns of turns and steps, as zod schemas: written by `turns.send` and the worker,
 * read by the API and the browser. Parsed on the way out, never cast. Browser-safe (zod only).
 */
import { z } from "zod";

export const rosterEntry = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  model: z.string(),
  role: z.string(),
  /** The agent's tool permissions when the turn was sent: what the tool loop may offer it (none on older turns). */
  tools: z.array(z.string()).optional(),
});

/** `turns.roster_snapshot`: the roster when the turn was sent, and whom it was resolved to. */
export const rosterSnapshot = z.object({
  roster: z.array(rosterEntry),
  /** Keys of the agents the turn was resolved to (tag order in manual mode). */
  selected: z.array(z.string()),
});
export type RosterSnapshot = z.infer<typeof rosterSnapshot>;

/** The settings that shape a turn's plan, fixed at send so a resumed turn replays the same plan. */
export const planSettings = z.object({
  "turns.max_output_tokens": z.number(),
  "orchestrator.max_rounds": z.number(),
  "orchestrator.max_invocations": z.number(),
  "orchestrator.manager_model": z.string(),
});
export type PlanSettings = z.infer<typeof planSettings>;

/** `turns.metadata`. */
export const turnMetadata = z.object({
  settings: planSettings.partial().optional(),
  /** Manual mode: tags that matched no roster agent, kept rather than dropped. */
  unknownTags: z.array(z.string()).optional(),
});
export type TurnMetadata = z.infer<typeof turnMetadata>;

/**
 * `turn_steps.metadata`: only facts that have no column (agent, round, tokens… have theirs).
 * Routing: whom the manager chose, keys it named that are not on the roster, why its answer was
 * invalid, and whether the first roster agent ran as the fallback. Evaluation: its verdict.
 * Summary: the range it covers. Any step: the model it was meant for, when a fallback answered.
 */
export const stepMetadata = z.object({
  routedTo: z.array(z.string()).optional(),
  unknownKeys: z.array(z.string()).optional(),
  retryOfInvalidRouting: z.boolean().optional(),
  fallback: z.boolean().optional(),
  invalid: z.union([z.string(), z.boolean()]).optional(),
  continue: z.boolean().optional(),
  throughSeq: z.string().optional(),
  messages: z.number().optional(),
  /** The alias the step was meant for, when its model's fallback answered (PRODUCT.md 13). */
  fallbackFrom: z.string().optional(),
});
export type StepMetadata = z.infer<typeof stepMetadata>;

/** Parses a JSON column; a value written by an older version that no longer fits reads as empty. */
export function parseJsonColumn<S extends z.ZodType>(schema: S, value: unknown, fallback: z.output<S>): z.output<S> {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : fallback;
}

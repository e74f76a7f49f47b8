/**
 * What a step does after a failed attempt (PRODUCT.md 13). Each attempt is its own ledger row, so
 * the decision is the step runner's, not hidden inside one gateway call:
 * - nothing is retried once text has streamed (it would be shown twice), nor after a cancel, a
 *   timeout (it already took the whole budget) or a client error;
 * - a transient provider error (5xx, 429) is retried once on the same model;
 * - a provider that cannot be reached, or still fails after its retry, hands the call to the
 *   model's `fallback_alias` when it has one (one hop: a fallback's own fallback is not followed).
 */
import type { LlmError } from "./types.ts";

export const TRIES_PER_MODEL = 2;

export interface AttemptState {
  /** Attempts made on the current model so far (this one included). */
  triesOnModel: number;
  /** Whether the failed attempt had streamed any text. */
  streamed: boolean;
  /** The current model's fallback, and whether the current model already is one. */
  fallbackAlias: string | null;
  onFallback: boolean;
}

export type NextAttempt = { kind: "retry" } | { kind: "fallback"; alias: string } | null;

export function nextAttempt(error: Pick<LlmError, "kind" | "transient">, state: AttemptState): NextAttempt {
  if (state.streamed || error.kind === "cancelled" || error.kind === "timeout") return null;
  const fallback: NextAttempt = state.fallbackAlias && !state.onFallback ? { kind: "fallback", alias: state.fallbackAlias } : null;
  if (error.kind === "unavailable") return fallback;
  if (!error.transient) return null;
  return state.triesOnModel < TRIES_PER_MODEL ? { kind: "retry" } : fallback;
}

/** The step's (and the ledger row's) error code for a failed attempt. */
export function errorCodeOf(error: Pick<LlmError, "kind">): string {
  switch (error.kind) {
    case "unavailable":
      return "provider_unavailable";
    case "provider":
      return "provider_error";
    default:
      return error.kind;
  }
}

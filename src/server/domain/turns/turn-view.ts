/** The shape a turn has in the API (`turns.send`, `byId`, `list`): the turn with its steps. */
import type { Turn, TurnStep } from "@/generated/prisma/client.ts";
import type { RosterEntry } from "./context.ts";

export interface RosterSnapshot {
  roster: RosterEntry[];
  /** Keys of the agents the turn was resolved to (tag order in manual mode). */
  selected: string[];
}

/**
 * What each step and each turn cost: the sums of their ledger rows' credits_burned (a step that
 * was retried has a row per attempt), as exact decimal strings.
 */
export interface TurnCredits {
  steps: ReadonlyMap<string, string>;
  turns: ReadonlyMap<string, string>;
}

export const noCredits: TurnCredits = { steps: new Map(), turns: new Map() };

export function toStepView(step: TurnStep, credits: TurnCredits = noCredits) {
  return {
    id: step.id,
    index: step.index,
    kind: step.kind,
    round: step.round,
    status: step.status,
    attempt: step.attempt,
    agent: { id: step.agentId, key: step.agentKey, name: step.agentName ?? "", model: step.modelAlias },
    output: step.output,
    error: step.errorCode ? { code: step.errorCode, message: step.errorMessage ?? "" } : null,
    usage: step.inputTokens === null ? null : { inputTokens: step.inputTokens, cachedTokens: step.cachedTokens ?? 0, outputTokens: step.outputTokens ?? 0, source: step.usageSource },
    /** Null until the step's call is in the ledger (it is still running, or never started one). */
    credits: credits.steps.get(step.id) ?? null,
    latencyMs: step.latencyMs,
    ttftMs: step.ttftMs,
    metadata: step.metadata as Record<string, unknown>,
    startedAt: step.startedAt,
    finishedAt: step.finishedAt,
  };
}

export function toTurnView(turn: Turn & { steps: TurnStep[] }, credits: TurnCredits = noCredits) {
  const snapshot = turn.rosterSnapshot as unknown as RosterSnapshot;
  return {
    id: turn.id,
    sessionId: turn.sessionId,
    index: turn.index,
    mode: turn.mode,
    status: turn.status,
    userInput: turn.userInput,
    roster: snapshot.roster.map(({ id, key, name, model }) => ({ id, key, name, model })),
    selectedKeys: snapshot.selected,
    metadata: turn.metadata as { unknownTags?: string[] },
    error: turn.errorCode ? { code: turn.errorCode, message: turn.errorMessage ?? "" } : null,
    clientRequestId: turn.clientRequestId,
    /** Every ledger row of the turn so far ("0" before its first call ends). */
    credits: credits.turns.get(turn.id) ?? "0",
    createdAt: turn.createdAt,
    startedAt: turn.startedAt,
    finishedAt: turn.finishedAt,
    steps: [...turn.steps].sort((a, b) => a.index - b.index).map((step) => toStepView(step, credits)),
  };
}

export type TurnView = ReturnType<typeof toTurnView>;

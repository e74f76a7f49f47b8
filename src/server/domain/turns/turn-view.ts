/** The shape a turn has in the API (`turns.send`, `byId`, `list`): the turn with its steps. */
import type { ToolCallEvent, Turn, TurnStep } from "@/generated/prisma/client.ts";
import type { ToolSource } from "../../realtime/turn-event-schema.ts";
import { parseJsonColumn, rosterSnapshot, stepMetadata, turnMetadata } from "./turn-json.ts";


/**
 * What each step and each turn cost: the sums of their ledger rows' credits_burned (a step that
 * was retried has a row per attempt), as exact decimal strings.
 */
export interface TurnCredits {
  steps: ReadonlyMap<string, string>;
  turns: ReadonlyMap<string, string>;
}

export const noCredits: TurnCredits = { steps: new Map(), turns: new Map() };

/** A tool call as the API shows it (its result stays with the agent: only the summary and sources). */
export function toToolCallView(call: ToolCallEvent) {
  return {
    id: call.id,
    tool: call.tool,
    status: call.status,
    input: (call.arguments ?? {}) as Record<string, unknown>,
    summary: call.summary,
    sources: (Array.isArray(call.sources) ? call.sources : []) as ToolSource[],
    latencyMs: call.latencyMs,
    credits: call.credits.toFixed(),
    error: call.error,
  };
}

export function toStepView(step: TurnStep & { toolCalls?: ToolCallEvent[] }, credits: TurnCredits = noCredits) {
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
    metadata: parseJsonColumn(stepMetadata, step.metadata, {}),
    startedAt: step.startedAt,
    finishedAt: step.finishedAt,
    toolCalls: (step.toolCalls ?? []).map(toToolCallView),
  };
}

/** The turn's metadata as the API shows it: only the tags that matched no agent, when there were any. */
function unknownTagsOf(metadata: unknown): { unknownTags?: string[] } {
  const { unknownTags } = parseJsonColumn(turnMetadata, metadata, {});
  return unknownTags ? { unknownTags } : {};
}

export function toTurnView(turn: Turn & { steps: (TurnStep & { toolCalls?: ToolCallEvent[] })[] }, credits: TurnCredits = noCredits) {
  const snapshot = rosterSnapshot.parse(turn.rosterSnapshot);
  return {
    id: turn.id,
    sessionId: turn.sessionId,
    index: turn.index,
    mode: turn.mode,
    status: turn.status,
    userInput: turn.userInput,
    /**
     * How the turn was asked for (message-actions.ts): `send`, or `retry` / `regenerate` / `edit`
     * of `sourceTurnId`. A turn is shown as edited when a newer turn has `action: 'edit'` and
     * `sourceTurnId` = its id; retry and regenerate turns have no user message of their own.
     */
    action: turn.action,
    sourceTurnId: turn.sourceTurnId,
    roster: snapshot.roster.map(({ id, key, name, model }) => ({ id, key, name, model })),
    selectedKeys: snapshot.selected,
    metadata: unknownTagsOf(turn.metadata),
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

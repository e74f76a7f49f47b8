/**
 * The live side of a session's timeline. `turns.list` is the authority for every step that ended;
 * a running step's text exists only in `step_delta` events until it ends, so the events are folded
 * into a small overlay (text per step, and statuses heard before the list is refetched), and the
 * two are merged for display. Events are applied once each, in id order.
 */
import { Decimal } from "decimal.js";
import type { TurnView } from "@/server/domain/turns/turn-view.ts";
import type { TurnEvent } from "@/server/realtime/turn-event-schema.ts";

export type StepView = TurnView["steps"][number];
type StepStatus = StepView["status"];
type TurnStatus = TurnView["status"];

interface LiveStep {
  id: string;
  turnId: string | null;
  index: number | null;
  kind: StepView["kind"] | null;
  round: number;
  attempt: number;
  agent: StepView["agent"] | null;
  text: string;
  status: StepStatus;
  error: StepView["error"];
  usage: { inputTokens: number; cachedTokens: number; outputTokens: number } | null;
  /** What this attempt's call cost (from `step_completed`). */
  credits: string | null;
  latencyMs: number | null;
}

export interface LiveState {
  sessionId: string | null;
  lastEventId: bigint;
  steps: ReadonlyMap<string, LiveStep>;
  turns: ReadonlyMap<string, { status: TurnStatus; error: TurnView["error"]; credits?: string | null }>;
}

export function emptyLive(sessionId: string | null): LiveState {
  return { sessionId, lastEventId: -1n, steps: new Map(), turns: new Map() };
}

const endedTurn = new Set<string>(["completed", "partial", "failed", "cancelled"]);
const endedStep = new Set<string>(["succeeded", "failed", "cancelled"]);

export const isStepEnded = (status: string) => endedStep.has(status);

/** The state after one event; an event already applied (id not after the last one) changes nothing. */
export function applyEvent(state: LiveState, tracked: TurnEvent): LiveState {
  const id = BigInt(tracked.id);
  if (id <= state.lastEventId) return state;
  const next: LiveState = { ...state, lastEventId: id };
  const event = tracked.event;
  const setStep = (step: LiveStep) => {
    next.steps = new Map(state.steps).set(step.id, step);
  };
  const setTurn = (turnId: string, status: TurnStatus, error: TurnView["error"] = null, credits: string | null = null) => {
    next.turns = new Map(state.turns).set(turnId, { status, error, credits });
  };
  switch (event.type) {
    case "turn_started":
      setTurn(event.turnId, "running");
      break;
    case "step_started":
      // A new attempt (the worker restarted the step) starts its text over.
      setStep({
        id: event.stepId,
        turnId: event.turnId,
        index: event.index,
        kind: event.kind,
        round: event.round,
        attempt: event.attempt,
        agent: { id: event.agent.id, key: event.agent.key, name: event.agent.name, model: event.agent.model },
        text: "",
        status: "running",
        error: null,
        usage: null,
        credits: null,
        latencyMs: null,
      });
      break;
    case "step_delta": {
      const step = state.steps.get(event.stepId) ?? blankStep(event.stepId, tracked.turnId);
      setStep({ ...step, text: step.text + event.text });
      break;
    }
    case "step_completed": {
      const step = state.steps.get(event.stepId) ?? blankStep(event.stepId, tracked.turnId);
      const { inputTokens, cachedTokens, outputTokens } = event.usage;
      setStep({
        ...step,
        status: event.status,
        error: event.error,
        usage: { inputTokens, cachedTokens, outputTokens },
        credits: event.usage.credits,
        latencyMs: event.latencyMs,
      });
      break;
    }
    case "turn_completed":
      setTurn(event.turnId, event.status, null, event.credits);
      break;
    case "turn_failed":
      setTurn(event.turnId, "failed", { code: event.code, message: event.message });
      break;
    case "turn_cancelled":
      setTurn(event.turnId, "cancelled");
      break;
    case "mode_applied":
      break;
  }
  return next;
}

function blankStep(id: string, turnId: string | null): LiveStep {
  return { id, turnId, index: null, kind: null, round: 1, attempt: 1, agent: null, text: "", status: "running", error: null, usage: null, credits: null, latencyMs: null };
}

export interface DisplayStep extends StepView {
  /** What to show: the output once the step ended, the streamed text while it runs. */
  text: string;
}

export interface DisplayTurn extends Omit<TurnView, "steps"> {
  steps: DisplayStep[];
}

/** The turns to show, oldest first: the list's data, brought up to date by the events since. */
export function mergeTurns(items: readonly TurnView[], live: LiveState): DisplayTurn[] {
  return [...items]
    .sort((a, b) => a.index - b.index)
    .map((turn) => {
      const heard = live.turns.get(turn.id);
      let status = turn.status;
      if (!endedTurn.has(turn.status) && heard && (endedTurn.has(heard.status) || turn.status === "queued")) status = heard.status;
      const known = new Set(turn.steps.map((s) => s.id));
      const steps: DisplayStep[] = turn.steps.map((step) => overlayStep(step, live.steps.get(step.id)));
      for (const step of live.steps.values()) {
        if (step.turnId === turn.id && !known.has(step.id) && step.index !== null && step.kind && step.agent) {
          steps.push({
            id: step.id,
            index: step.index,
            kind: step.kind,
            round: step.round,
            status: step.status,
            attempt: step.attempt,
            agent: step.agent,
            output: "",
            text: step.text,
            error: step.error,
            usage: step.usage ? { ...step.usage, source: null } : null,
            credits: step.credits,
            latencyMs: step.latencyMs,
            ttftMs: null,
            metadata: {},
            startedAt: null,
            finishedAt: null,
          });
        }
      }
      // Heard that the turn ended before the list caught up: nothing of it is still writing.
      const shown = endedTurn.has(status)
        ? steps.map((s) => (isStepEnded(s.status) ? s : { ...s, status: (status === "cancelled" ? "cancelled" : "failed") as StepStatus }))
        : steps;
      return { ...turn, status, error: turn.error ?? heard?.error ?? null, credits: turnCredits(turn, status, heard?.credits ?? null, shown), steps: shown.sort((a, b) => a.index - b.index) };
    });
}

/**
 * The turn's credits: the list's figure once it has seen the turn end; before that, what
 * `turn_completed` said, or while it runs, the sum of its steps so far (exact, with decimal.js).
 */
function turnCredits(turn: TurnView, status: TurnStatus, heard: string | null, steps: DisplayStep[]): string {
  if (endedTurn.has(turn.status)) return turn.credits;
  if (endedTurn.has(status) && heard !== null) return heard;
  const sum = steps.reduce((total, s) => (s.credits === null ? total : total.plus(s.credits)), new Decimal(0));
  return Decimal.max(sum, turn.credits).toFixed();
}

function overlayStep(step: StepView, live: LiveStep | undefined): DisplayStep {
  if (isStepEnded(step.status) || !live || live.attempt < step.attempt) return { ...step, text: step.output };
  return {
    ...step,
    status: live.status,
    attempt: live.attempt,
    text: live.text,
    error: live.error ?? step.error,
    usage: live.usage ? { ...live.usage, source: step.usage?.source ?? null } : step.usage,
    // The list's figure has the earlier attempts only: this attempt's row commits with the step's end.
    credits: live.credits === null ? step.credits : new Decimal(step.credits ?? 0).plus(live.credits).toFixed(),
    latencyMs: live.latencyMs ?? step.latencyMs,
  };
}

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

type ListedToolCall = StepView["toolCalls"][number];
export type ToolCallStatus = ListedToolCall["status"];

/**
 * One tool call of a step, as `turns.list` gives it (`toolCalls`, in call order) and as the
 * events build it: its summary is empty and its credits null while it runs.
 */
export interface ToolCallView extends Omit<ListedToolCall, "credits"> {
  credits: string | null;
}

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
  /** In the order they started; kept across attempts (a finished call is never run again). */
  toolCalls: readonly ToolCallView[];
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
      // A new attempt (the worker restarted the step) starts its text over; its tool calls stay.
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
        toolCalls: state.steps.get(event.stepId)?.toolCalls ?? [],
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
    case "tool_started": {
      const step = state.steps.get(event.stepId) ?? blankStep(event.stepId, tracked.turnId);
      if (step.toolCalls.some((c) => c.id === event.toolCallId)) break;
      const call: ToolCallView = { id: event.toolCallId, tool: event.tool, status: "running", input: event.input, summary: "", sources: [], latencyMs: null, credits: null, error: null };
      // The model call that asked for it ended there; the step's answer is the next call's text.
      setStep({ ...step, text: "", toolCalls: [...step.toolCalls, call] });
      break;
    }
    case "tool_completed": {
      const step = state.steps.get(event.stepId) ?? blankStep(event.stepId, tracked.turnId);
      const known = step.toolCalls.find((c) => c.id === event.toolCallId);
      // A start not heard (the page subscribed later): the call is still worth showing, without its arguments.
      const before: ToolCallView = known ?? { id: event.toolCallId, tool: "", status: "running", input: {}, summary: "", sources: [], latencyMs: null, credits: null, error: null };
      const ended: ToolCallView = { ...before, status: event.status, summary: event.summary, sources: event.sources ?? [], latencyMs: event.latencyMs, credits: event.credits };
      setStep({ ...step, toolCalls: known ? step.toolCalls.map((c) => (c.id === ended.id ? ended : c)) : [...step.toolCalls, ended] });
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
    case "file_status":
      break;
  }
  return next;
}

function blankStep(id: string, turnId: string | null): LiveStep {
  return { id, turnId, index: null, kind: null, round: 1, attempt: 1, agent: null, text: "", status: "running", error: null, usage: null, credits: null, latencyMs: null, toolCalls: [] };
}

export interface DisplayStep extends Omit<StepView, "toolCalls"> {
  /** What to show: the output once the step ended, the streamed text while it runs. */
  text: string;
  /** Its tool calls in call order: the list's, brought up to date by the events. */
  toolCalls: ToolCallView[];
  /** The links its tools found (http and https only, each once), to show under the answer. */
  sources: { title: string; url: string }[];
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
            toolCalls: [...step.toolCalls],
            sources: [],
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
      const shown = (endedTurn.has(status) ? steps.map((s) => (isStepEnded(s.status) ? s : { ...s, status: (status === "cancelled" ? "cancelled" : "failed") as StepStatus })) : steps).map(
        withToolEnds,
      );
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

/**
 * A step's tool calls with its sources: a call still "running" in a step that ended was cut off
 * (shown cancelled); sources are the calls' links, http(s) only and each URL once.
 */
function withToolEnds(step: DisplayStep): DisplayStep {
  const toolCalls = isStepEnded(step.status) ? step.toolCalls.map((c) => (c.status === "running" ? { ...c, status: "cancelled" as const } : c)) : step.toolCalls;
  const seen = new Set<string>();
  const sources = toolCalls.flatMap((c) => c.sources).filter((s) => isWebUrl(s.url) && !seen.has(s.url) && !!seen.add(s.url));
  return { ...step, toolCalls, sources };
}

/** Only http and https links are ever rendered (a tool's result is untrusted). */
export function isWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

/**
 * The list's tool calls, with the ones the events know better: a call the list has not seen yet
 * is added after them, and a call the list still has running takes the event's end.
 */
export function mergeToolCalls(listed: readonly ToolCallView[], live: readonly ToolCallView[]): ToolCallView[] {
  const heard = new Map(live.map((c) => [c.id, c]));
  const merged = listed.map((c) => {
    const event = heard.get(c.id);
    return c.status === "running" && event && event.status !== "running" ? { ...c, ...event, tool: event.tool || c.tool, input: Object.keys(event.input).length ? event.input : c.input } : c;
  });
  const known = new Set(listed.map((c) => c.id));
  return [...merged, ...live.filter((c) => !known.has(c.id))];
}

/**
 * A step as the list has it, brought up to date by its events. The list's attempt can be ahead of
 * the events' in two ways: the step was restarted (its `step_started` is on its way, and the list's
 * text is the newer one), or its tool loop made its next model call, which is an attempt with no
 * `step_started` of its own (then the events' text is the one being written).
 */
function overlayStep(step: StepView, live: LiveStep | undefined): DisplayStep {
  const listed = step.toolCalls;
  const base = { ...step, toolCalls: listed, sources: [] };
  if (isStepEnded(step.status) || !live || (live.attempt < step.attempt && live.toolCalls.length === 0))
    return { ...base, text: step.output, toolCalls: live ? mergeToolCalls(listed, live.toolCalls) : listed };
  return {
    ...base,
    toolCalls: mergeToolCalls(listed, live.toolCalls),
    status: live.status,
    attempt: Math.max(live.attempt, step.attempt),
    text: live.text,
    error: live.error ?? step.error,
    usage: live.usage ? { ...live.usage, source: step.usage?.source ?? null } : step.usage,
    // The list's figure has the earlier attempts only: this attempt's row commits with the step's end.
    credits: live.credits === null ? step.credits : new Decimal(step.credits ?? 0).plus(live.credits).toFixed(),
    latencyMs: live.latencyMs ?? step.latencyMs,
  };
}

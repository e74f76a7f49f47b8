"use client";

import { useLayoutEffect, useRef, type ReactNode } from "react";
import { creditsText } from "@/components/usage/credits.ts";
import { modeNames, turnStatusNames } from "./labels.ts";
import type { DisplayStep, DisplayTurn } from "./live-turns.ts";
import { SourceList, ToolCallList } from "./tool-calls.tsx";

/**
 * A session's timeline: each turn is the user's message, then one message per step. Orchestrator
 * turns are grouped by round, with the manager's routing and evaluation as short notes, and the
 * synthesis as its own message. A running step shows "writing…" and is `aria-busy`; what a screen
 * reader hears when a message ends is announced by the parent, not by every token here. A step's
 * tool calls are compact lines above its answer, and the links they found are listed under it.
 */
export function Timeline(props: {
  turns: DisplayTurn[];
  empty: ReactNode;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
  onOpenDetails: (turnId: string, opener: HTMLElement) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  // Follow the bottom while the reader is there; a new turn (they just sent it) always brings it into view.
  const pinnedToBottom = useRef(true);
  const lastTurnId = useRef<string | undefined>(undefined);
  const last = props.turns.at(-1);
  // What grows at the bottom: a new turn, a new step, a tool call, more streamed text.
  const lastStep = last?.steps.at(-1);
  const tail = last ? `${last.id}:${last.status}:${last.steps.length}:${lastStep?.toolCalls.length ?? 0}:${lastStep?.sources.length ?? 0}:${lastStep?.text.length ?? 0}` : "";

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (last?.id !== lastTurnId.current) pinnedToBottom.current = true;
    lastTurnId.current = last?.id;
    if (pinnedToBottom.current) el.scrollTop = el.scrollHeight;
  }, [tail, last?.id]);

  return (
    <div
      ref={scroller}
      className="timeline-scroll"
      tabIndex={0}
      role="region"
      aria-label="Conversation"
      onScroll={(e) => {
        const el = e.currentTarget;
        pinnedToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
      }}
    >
      {props.hasMore && (
        <div className="timeline-more">
          <button type="button" className="button secondary small" onClick={props.onLoadMore} disabled={props.loadingMore}>
            {props.loadingMore ? "Loading…" : "Show earlier turns"}
          </button>
        </div>
      )}
      {props.turns.length === 0 ? (
        <div className="timeline-empty">{props.empty}</div>
      ) : (
        <ol className="timeline" aria-label="Turns">
          {props.turns.map((turn) => (
            <TurnItem key={turn.id} turn={turn} onOpenDetails={props.onOpenDetails} />
          ))}
        </ol>
      )}
    </div>
  );
}

function TurnItem(props: { turn: DisplayTurn; onOpenDetails: (turnId: string, opener: HTMLElement) => void }) {
  const { turn } = props;
  const titleId = `turn-${turn.id}-title`;
  const mode = modeNames[turn.mode] ?? turn.mode;
  const visible = turn.steps.filter((s) => s.kind !== "summary");
  const unknownTags = turn.metadata.unknownTags ?? [];

  return (
    <li className="turn" aria-labelledby={titleId} data-testid="turn" data-status={turn.status}>
      <div className="turn-head">
        <h3 id={titleId} className="turn-title">
          Turn {turn.index} <span className="muted">· {mode}</span>
        </h3>
        <span className="status-badge" data-status={turn.status} data-testid="turn-status">
          {turnStatusNames[turn.status] ?? turn.status}
        </span>
        <button type="button" className="button secondary small" aria-label={`Details of turn ${turn.index}`} onClick={(e) => props.onOpenDetails(turn.id, e.currentTarget)}>
          Details
        </button>
      </div>

      <article className="msg user" aria-label="Your message">
        <div className="msg-meta">
          <strong>You</strong>
        </div>
        <div className="msg-body">{turn.userInput}</div>
      </article>
      {unknownTags.length > 0 && (
        <p className="turn-note">
          Not on the roster, so not asked: {unknownTags.map((k) => `@${k}`).join(", ")}
        </p>
      )}

      {turn.mode === "orchestrator" ? <OrchestratorSteps turn={turn} steps={visible} /> : visible.map((step) => <StepMessage key={step.id} step={step} mode={mode} />)}

      {turn.status === "queued" && visible.length === 0 && <p className="turn-note">Waiting for a worker to pick this turn up…</p>}
      {turn.status !== "queued" && turn.status !== "running" && (
        <div className="turn-end">
          <TurnOutcome turn={turn} />
          <p className="turn-credits" data-testid="turn-credits">
            {creditsText(turn.credits)}
          </p>
        </div>
      )}
    </li>
  );
}

function OrchestratorSteps(props: { turn: DisplayTurn; steps: DisplayStep[] }) {
  const mode = modeNames.orchestrator!;
  const synthesis = props.steps.filter((s) => s.kind === "synthesis");
  const rounds = new Map<number, DisplayStep[]>();
  for (const step of props.steps) {
    if (step.kind === "synthesis") continue;
    rounds.set(step.round, [...(rounds.get(step.round) ?? []), step]);
  }
  return (
    <>
      {[...rounds.entries()].map(([round, steps]) => {
        const headingId = `turn-${props.turn.id}-round-${round}`;
        return (
          <section key={round} className="round" aria-labelledby={headingId}>
            <h4 id={headingId} className="round-heading">
              Round {round}
            </h4>
            {steps.map((step) =>
              step.kind === "manager_route" ? (
                <RouteNote
                  key={step.id}
                  step={step}
                  retried={steps.some((s) => s.kind === "manager_route" && s.index > step.index)}
                  answered={steps.filter((s) => s.kind === "agent").map((s) => s.agent.key ?? "")}
                />
              ) : step.kind === "manager_evaluate" ? (
                <EvaluationNote key={step.id} step={step} />
              ) : (
                <StepMessage key={step.id} step={step} mode={mode} />
              ),
            )}
          </section>
        );
      })}
      {synthesis.map((step) => (
        <StepMessage key={step.id} step={step} mode={mode} />
      ))}
    </>
  );
}

function keysText(keys: unknown): string {
  return Array.isArray(keys) ? keys.map((k) => `@${String(k)}`).join(", ") : "";
}

/**
 * The manager's routing. Its choice is added to the step's metadata just after the step ends, so
 * until the list has it, the agents already answering in the round say who was chosen; a routing
 * step followed by another one in the same round was an invalid answer that was asked again.
 */
function RouteNote(props: { step: DisplayStep; retried: boolean; answered: string[] }) {
  const { step } = props;
  const meta = step.metadata;
  let text: string;
  if (step.status === "running" || step.status === "pending") text = "Manager is choosing who answers…";
  else if (meta.fallback) text = `Manager's routing was invalid twice (${meta.invalid ?? "unreadable"}); fell back to ${keysText(meta.routedTo)}`;
  else if (meta.routedTo) text = `Manager routed to ${keysText(meta.routedTo)}`;
  else if (step.status === "failed") text = `Routing failed: ${step.error?.message ?? "error"}${props.retried ? "; asking again" : ""}`;
  else if (meta.invalid || props.retried) text = `Manager's routing was invalid${meta.invalid ? ` (${meta.invalid})` : ""}; asking again`;
  else if (step.status === "cancelled") text = "Routing was cancelled";
  else if (props.answered.length) text = `Manager routed to ${keysText(props.answered)}`;
  else text = "Manager routed";
  return (
    <p className="step-note" data-kind="route" data-status={step.status} data-testid="route-note" aria-busy={step.status === "running"}>
      <span className="step-note-label">Routing</span> {text}
      {meta.unknownKeys && meta.unknownKeys.length > 0 && <span className="muted"> (ignored, not on the roster: {keysText(meta.unknownKeys)})</span>}
    </p>
  );
}

function EvaluationNote(props: { step: DisplayStep }) {
  const { step } = props;
  let text: string;
  if (step.status === "running" || step.status === "pending") text = "Manager is checking whether another round is needed…";
  else if (step.status === "failed") text = `Evaluation failed: ${step.error?.message ?? "error"}; moving on`;
  else if (step.status === "cancelled") text = "Evaluation was cancelled";
  else {
    // The worker records its reading of the answer on the step (the same parser that decided).
    const meta = step.metadata;
    if (meta.invalid) text = "Manager's evaluation was unreadable; moving on";
    else if (meta.continue === undefined) text = "Manager has evaluated the round"; // until the list catches up with the event
    else text = meta.continue ? "Manager: another round is needed" : "Manager: covered; on to the synthesis";
  }
  return (
    <p className="step-note" data-kind="evaluate" data-status={step.status} aria-busy={step.status === "running"}>
      <span className="step-note-label">Evaluation</span> {text}
    </p>
  );
}

function StepMessage(props: { step: DisplayStep; mode: string }) {
  const { step } = props;
  const running = step.status === "running" || step.status === "pending";
  const synthesis = step.kind === "synthesis";
  const metaId = `step-${step.id}-meta`;
  return (
    <article
      className={`msg agent${synthesis ? " synthesis" : ""}`}
      aria-labelledby={metaId}
      aria-busy={running}
      data-testid={synthesis ? "synthesis-message" : "step-message"}
      data-status={step.status}
    >
      <header className="msg-meta" id={metaId}>
        {/* Spaces between the parts, so the article's accessible name reads as words. */}
        {synthesis && <span className="kind-badge">Synthesis</span>}
        {synthesis && " "}
        <strong>{synthesis ? "Manager" : step.agent.name}</strong>{" "}
        {step.agent.key && <span className="msg-key">@{step.agent.key}</span>}{" "}
        <span className="msg-sub">
          {step.agent.model} · {props.mode}
          {/* A tool loop's model calls count as attempts too: only a step without tools was retried. */}
          {step.attempt > 1 && step.toolCalls.length === 0 ? ` · attempt ${step.attempt}` : ""}
        </span>{" "}
        {running && (
          <span className="writing" data-testid="writing">
            writing…
          </span>
        )}
        {step.status === "failed" && (
          <span className="status-badge" data-status="failed">
            Failed
          </span>
        )}
        {step.status === "cancelled" && (
          <span className="status-badge" data-status="cancelled">
            Cancelled
          </span>
        )}
      </header>
      <ToolCallList calls={step.toolCalls} agentName={synthesis ? "the synthesis" : step.agent.name} />
      {(step.text || !running) && <div className="msg-body">{step.text || <span className="muted">(no text)</span>}</div>}
      <SourceList sources={step.sources} />
      {step.status === "failed" && step.error && (
        <p className="step-error">
          {step.error.message || "The call failed."} <span className="muted">({step.error.code})</span>
        </p>
      )}
    </article>
  );
}

function TurnOutcome(props: { turn: DisplayTurn }) {
  const { turn } = props;
  if (turn.status === "completed")
    return (
      <p className="turn-outcome" data-status="completed">
        Completed{turn.startedAt && turn.finishedAt ? ` in ${((turn.finishedAt.getTime() - turn.startedAt.getTime()) / 1000).toFixed(1)} s` : ""}.
      </p>
    );
  if (turn.status === "failed")
    return (
      <p className="turn-outcome" data-status="failed">
        The turn failed{turn.error ? `: ${turn.error.message}` : "."}
      </p>
    );
  if (turn.status === "partial")
    return (
      <p className="turn-outcome" data-status="partial">
        The turn ended, but some steps failed; their errors are shown above.
      </p>
    );
  if (turn.status === "cancelled")
    return (
      <p className="turn-outcome" data-status="cancelled">
        Cancelled. What was written before the cancel is kept.
      </p>
    );
  return null;
}

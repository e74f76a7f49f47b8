"use client";

import { createContext, memo, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { CopyButton } from "@/components/markdown/copy-button.tsx";
import { Markdown } from "@/components/markdown/markdown.tsx";
import { creditsExactText, creditsText } from "@/components/usage/credits.ts";
import { modeNames, turnStatusNames } from "./labels.ts";
import type { DisplayStep, DisplayTurn } from "./live-turns.ts";
import { messageActionKey, type MessageAction } from "./message-actions.ts";
import { sameDisplayTurn } from "./same-turn.ts";
import { SourceList, ToolCallList } from "./tool-calls.tsx";

/** What the message actions need from the conversation: run one, and what is in flight or failed. */
export interface TimelineActions {
  /** Runs the action; resolves true when the new turn was accepted. */
  run: (action: MessageAction) => Promise<boolean>;
  /** The key (`messageActionKey`) of the action in flight, or null. */
  pending: string | null;
  /** A turn runs in the session: actions would be refused until it ends. */
  blocked: boolean;
  /** The last action's refusal, shown next to its button. */
  error: { key: string; text: ReactNode } | null;
}

interface TimelineContext {
  actions: TimelineActions;
  /** Message seq by `u:<turnId>` (the user's message) and `s:<stepId>` (a step's answer): the `#m-<seq>` anchors. */
  seqs: ReadonlyMap<string, string>;
}

const Context = createContext<TimelineContext | null>(null);
const useTimeline = () => useContext(Context)!;

/**
 * A session's timeline: each turn is the user's message, then one message per step. Orchestrator
 * turns are grouped by round, with the manager's routing and evaluation as short notes, and the
 * synthesis as its own message. Answers are rendered Markdown. A running step shows "writing…" and
 * is `aria-busy`; what a screen reader hears when a message ends is announced by the parent, not by
 * every token here. A step's tool calls are compact lines above its answer, and the links they
 * found are listed under it.
 *
 * Long sessions: the newest page comes first; older pages load when the reader scrolls near the
 * top (the position is kept), and turns off screen skip layout and paint (`content-visibility`),
 * while a turn's rendering is memoized so a streamed token re-renders only the running turn.
 */
export function Timeline(props: {
  turns: DisplayTurn[];
  empty: ReactNode;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
  onOpenDetails: (turnId: string, opener: HTMLElement) => void;
  actions: TimelineActions;
  seqs: ReadonlyMap<string, string>;
  /** A turn runs: "Jump to latest" shows when the reader has scrolled up. */
  live: boolean;
  /** A message to bring into view once it is rendered (a search result's `#m-<seq>`). */
  target: string | null;
  onTargetShown: () => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  // Follow the bottom while the reader is there; a new turn (they just sent it) always brings it into view.
  const pinnedToBottom = useRef(true);
  const [atBottom, setAtBottom] = useState(true);
  const lastTurnId = useRef<string | undefined>(undefined);
  // The turn at the top of the view before an older page was put above it, and where it was, to
  // keep it there (whether or not the browser's own scroll anchoring already did).
  const anchor = useRef<{ turnId: string; top: number } | null>(null);
  const { turns, hasMore, loadingMore, onLoadMore } = props;
  const first = turns[0];
  const last = turns.at(-1);
  // What grows at the bottom: a new turn, a new step, a tool call, more streamed text.
  const lastStep = last?.steps.at(-1);
  const tail = last ? `${last.id}:${last.status}:${last.steps.length}:${lastStep?.toolCalls.length ?? 0}:${lastStep?.sources.length ?? 0}:${lastStep?.text.length ?? 0}` : "";

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (last?.id !== lastTurnId.current && lastTurnId.current !== undefined) pinnedToBottom.current = true;
    lastTurnId.current = last?.id;
    if (pinnedToBottom.current) el.scrollTop = el.scrollHeight;
  }, [tail, last?.id]);

  // Turns are laid out lazily (content-visibility) and answers can change height after they render:
  // while the reader is at the bottom, any change of the list's height keeps them there.
  const list = useRef<HTMLOListElement>(null);
  const hasTurns = turns.length > 0;
  useEffect(() => {
    const el = scroller.current;
    const watched = list.current;
    if (!el || !watched) return;
    const observer = new ResizeObserver(() => {
      if (pinnedToBottom.current) el.scrollTop = el.scrollHeight;
    });
    observer.observe(watched);
    return () => observer.disconnect();
  }, [hasTurns]);

  useLayoutEffect(() => {
    const el = scroller.current;
    const kept = anchor.current;
    if (!el || !kept) return;
    anchor.current = null;
    const turn = el.querySelector<HTMLElement>(`[data-turn-id="${kept.turnId}"]`);
    if (turn) el.scrollTop += turn.getBoundingClientRect().top - kept.top;
  }, [first?.id]);

  const loadOlder = useCallback(() => {
    const el = scroller.current;
    if (!hasMore || loadingMore) return;
    if (el) {
      const top = el.getBoundingClientRect().top;
      const visible = [...el.querySelectorAll<HTMLElement>("[data-turn-id]")].find((t) => t.getBoundingClientRect().bottom > top);
      anchor.current = visible ? { turnId: visible.dataset.turnId!, top: visible.getBoundingClientRect().top } : null;
    }
    onLoadMore();
  }, [hasMore, loadingMore, onLoadMore]);

  useEffect(() => {
    const root = scroller.current;
    const watched = sentinel.current;
    if (!root || !watched || !hasMore || loadingMore) return;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && loadOlder(), { root, rootMargin: "600px 0px 0px 0px" });
    observer.observe(watched);
    return () => observer.disconnect();
  }, [hasMore, loadingMore, loadOlder]);

  const { target, onTargetShown } = props;
  useEffect(() => {
    if (!target) return;
    const el = document.getElementById(`m-${target}`);
    if (!el) return;
    // Stay on it: the scroll this causes updates "at bottom" (and "Jump to latest").
    pinnedToBottom.current = false;
    el.scrollIntoView({ block: "center" });
    el.focus({ preventScroll: true });
    onTargetShown();
  }, [target, onTargetShown, props.seqs, turns]);

  const jumpToLatest = () => {
    const el = scroller.current;
    if (!el) return;
    // An instant jump: a smooth scroll passes turns that are laid out for real on the way (their
    // heights change), so it would stop short of the bottom; the resize observer keeps it there.
    pinnedToBottom.current = true;
    setAtBottom(true);
    el.scrollTop = el.scrollHeight;
  };

  // Derived once per render, handed to each turn as plain values so unchanged turns skip rendering.
  const byId = new Map(turns.map((t) => [t.id, t]));
  const editedBy = new Map<string, number>();
  const retried = new Map<string, string[]>();
  for (const t of turns) {
    if (!t.sourceTurnId) continue;
    if (t.action === "edit") editedBy.set(t.sourceTurnId, t.index);
    // A retry runs the one agent it was asked for: its selected key.
    if (t.action === "retry") retried.set(t.sourceTurnId, [...(retried.get(t.sourceTurnId) ?? []), ...t.selectedKeys]);
  }

  const context = useMemo(() => ({ actions: props.actions, seqs: props.seqs }), [props.actions, props.seqs]);

  return (
    <Context.Provider value={context}>
      <div className="timeline-frame">
        <div
          ref={scroller}
          className="timeline-scroll"
          tabIndex={0}
          role="region"
          aria-label="Conversation"
          data-testid="timeline"
          onScroll={(e) => {
            const el = e.currentTarget;
            const bottom = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
            pinnedToBottom.current = bottom;
            if (bottom !== atBottom) setAtBottom(bottom);
          }}
        >
          <div ref={sentinel} aria-hidden="true" />
          {hasMore && (
            <div className="timeline-more">
              <button type="button" className="button secondary small" onClick={loadOlder} disabled={loadingMore}>
                {loadingMore ? "Loading…" : "Show earlier turns"}
              </button>
            </div>
          )}
          {turns.length === 0 ? (
            <div className="timeline-empty">{props.empty}</div>
          ) : (
            <ol ref={list} className="timeline" aria-label="Turns">
              {turns.map((turn) => (
                <TurnItem
                  key={turn.id}
                  turn={turn}
                  isLast={turn === last}
                  editedBy={editedBy.get(turn.id) ?? null}
                  sourceIndex={turn.sourceTurnId ? (byId.get(turn.sourceTurnId)?.index ?? null) : null}
                  retriedAgents={(retried.get(turn.id) ?? []).join(" ")}
                  onOpenDetails={props.onOpenDetails}
                />
              ))}
            </ol>
          )}
        </div>
        {props.live && !atBottom && (
          <button type="button" className="button jump-latest" onClick={jumpToLatest}>
            Jump to latest <span aria-hidden="true">↓</span>
          </button>
        )}
      </div>
    </Context.Provider>
  );
}

interface TurnItemProps {
  turn: DisplayTurn;
  isLast: boolean;
  /** The index of the turn that edited and resent this one, if any. */
  editedBy: number | null;
  /** The index of the turn this one retries, regenerates or edits (when loaded). */
  sourceIndex: number | null;
  /** Agent keys already retried from this turn (space-separated): their Retry is done. */
  retriedAgents: string;
  onOpenDetails: (turnId: string, opener: HTMLElement) => void;
}

const TurnItem = memo(function TurnItem(props: TurnItemProps) {
  const { turn } = props;
  const { actions } = useTimeline();
  const titleId = `turn-${turn.id}-title`;
  const mode = modeNames[turn.mode] ?? turn.mode;
  const visible = turn.steps.filter((s) => s.kind !== "summary");
  const unknownTags = turn.metadata.unknownTags ?? [];
  const ended = turn.status !== "queued" && turn.status !== "running";
  const regenerateKey = messageActionKey({ kind: "regenerate", turnId: turn.id });
  const retriedAgents = new Set(props.retriedAgents.split(" "));
  const renderStep = (step: DisplayStep) => (
    <StepMessage key={step.id} step={step} mode={mode} canRetry={ended && step.kind === "agent" && (step.status === "failed" || step.status === "cancelled") && !retriedAgents.has(step.agent.key ?? "")} />
  );

  return (
    <li className="turn" aria-labelledby={titleId} data-testid="turn" data-turn-id={turn.id} data-status={turn.status} data-action={turn.action}>
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

      {turn.action === "retry" || turn.action === "regenerate" ? (
        <RepeatNote turn={turn} sourceIndex={props.sourceIndex} editedBy={props.editedBy} canEdit={props.isLast && ended} />
      ) : (
        <UserMessage turn={turn} editedBy={props.editedBy} sourceIndex={props.sourceIndex} canEdit={props.isLast && ended} />
      )}
      {unknownTags.length > 0 && (
        <p className="turn-note">
          Not on the roster, so not asked: {unknownTags.map((k) => `@${k}`).join(", ")}
        </p>
      )}

      {turn.mode === "orchestrator" ? <OrchestratorSteps turn={turn} steps={visible} renderStep={renderStep} /> : visible.map(renderStep)}

      {turn.status === "queued" && visible.length === 0 && <p className="turn-note">Waiting for a worker to pick this turn up…</p>}
      {ended && (
        <div className="turn-end">
          <TurnOutcome turn={turn} />
          <div className="turn-end-actions">
            {props.isLast && (
              <button
                type="button"
                className="button secondary small"
                data-testid="regenerate"
                disabled={actions.pending !== null || actions.blocked}
                onClick={() => void actions.run({ kind: "regenerate", turnId: turn.id })}
              >
                {actions.pending === regenerateKey ? "Regenerating…" : "Regenerate"}
              </button>
            )}
            <p className="turn-credits" data-testid="turn-credits" title={creditsExactText(turn.credits)}>
              {creditsText(turn.credits)}
            </p>
          </div>
          <ActionError actionKey={regenerateKey} />
        </div>
      )}
    </li>
  );
}, (a, b) => a.isLast === b.isLast && a.editedBy === b.editedBy && a.sourceIndex === b.sourceIndex && a.retriedAgents === b.retriedAgents && a.onOpenDetails === b.onOpenDetails && sameDisplayTurn(a.turn, b.turn));

function ActionError(props: { actionKey: string }) {
  const { actions } = useTimeline();
  if (actions.error?.key !== props.actionKey) return null;
  return (
    <p className="alert error action-error" role="alert" data-testid="action-error">
      {actions.error.text}
    </p>
  );
}

function clip(text: string, max = 140): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A retry or regenerate turn has no message of its own: it says what it repeats. */
function RepeatNote(props: { turn: DisplayTurn; sourceIndex: number | null; editedBy: number | null; canEdit: boolean }) {
  const { turn } = props;
  const of = props.sourceIndex !== null ? `turn ${props.sourceIndex}` : "an earlier turn";
  const who = turn.selectedKeys.map((k) => `@${k}`).join(", ");
  return (
    <div className="repeat-note">
      <p className="turn-note" data-testid="repeat-note">
        <span aria-hidden="true">↻ </span>
        {turn.action === "retry" ? `Retry of ${who ? `${who} in ` : ""}${of}` : `Regenerated answer to ${of}`}: <q>{clip(turn.userInput)}</q>
        {props.editedBy !== null && (
          <>
            {" "}
            <span className="edited-badge" data-testid="edited-badge">
              Edited · resent as turn {props.editedBy}
            </span>
          </>
        )}
      </p>
      {props.canEdit && <EditControl turn={turn} />}
    </div>
  );
}

function UserMessage(props: { turn: DisplayTurn; editedBy: number | null; sourceIndex: number | null; canEdit: boolean }) {
  const { turn } = props;
  const { seqs } = useTimeline();
  const seq = seqs.get(`u:${turn.id}`);
  return (
    <article className="msg user" aria-label="Your message" id={seq ? `m-${seq}` : undefined} tabIndex={seq ? -1 : undefined} data-edited={props.editedBy !== null || undefined}>
      <div className="msg-meta">
        <strong>You</strong>
        {turn.action === "edit" && <span className="msg-sub">edit of {props.sourceIndex !== null ? `turn ${props.sourceIndex}` : "an earlier message"}</span>}
        {props.editedBy !== null && (
          <span className="edited-badge" data-testid="edited-badge">
            Edited · resent as turn {props.editedBy}
          </span>
        )}
      </div>
      <div className="msg-body">{turn.userInput}</div>
      <div className="msg-actions">
        <CopyButton text={() => turn.userInput} label="Copy your message as Markdown" className="button secondary small msg-action" />
        {props.canEdit && <EditControl turn={turn} />}
      </div>
    </article>
  );
}

/** Edit and resend the last message: an inline text area (Enter sends, Shift+Enter a new line, Escape cancels). */
function EditControl(props: { turn: DisplayTurn }) {
  const { actions } = useTimeline();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(props.turn.userInput);
  const opener = useRef<HTMLButtonElement>(null);
  const key = messageActionKey({ kind: "edit", turnId: props.turn.id });
  const pending = actions.pending === key;
  const id = `edit-${props.turn.id}`;

  const close = () => {
    setEditing(false);
    requestAnimationFrame(() => opener.current?.focus());
  };
  const submit = async () => {
    const message = draft.trim();
    if (!message || actions.pending !== null || actions.blocked) return;
    if (await actions.run({ kind: "edit", turnId: props.turn.id, message })) setEditing(false);
  };

  if (!editing)
    return (
      <>
        <button
          ref={opener}
          type="button"
          className="button secondary small msg-action"
          data-testid="edit-message"
          disabled={actions.pending !== null || actions.blocked}
          onClick={() => {
            setDraft(props.turn.userInput);
            setEditing(true);
          }}
        >
          Edit
        </button>
        <ActionError actionKey={key} />
      </>
    );
  return (
    <form
      className="edit-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label htmlFor={id} className="visually-hidden">
        Edit your message
      </label>
      <textarea
        id={id}
        className="edit-input"
        value={draft}
        rows={3}
        autoFocus
        aria-describedby={`${id}-hint`}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.nativeEvent.isComposing) return;
          if (e.key === "Escape") {
            e.preventDefault();
            close();
          } else if (e.key === "Enter" && !e.shiftKey) {
            e.preventDefault();
            void submit();
          }
        }}
      />
      <p id={`${id}-hint`} className="field-hint">
        Enter sends as a new turn, Escape cancels. The original stays in the history.
      </p>
      <div className="row">
        <button type="submit" className="button small" disabled={pending || actions.pending !== null || actions.blocked || !draft.trim()} data-testid="send-edit">
          {pending ? "Sending…" : "Send edit"}
        </button>
        <button type="button" className="button secondary small" onClick={close} disabled={pending}>
          Cancel
        </button>
      </div>
      <ActionError actionKey={key} />
    </form>
  );
}

function OrchestratorSteps(props: { turn: DisplayTurn; steps: DisplayStep[]; renderStep: (step: DisplayStep) => ReactNode }) {
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
                props.renderStep(step)
              ),
            )}
          </section>
        );
      })}
      {synthesis.map((step) => props.renderStep(step))}
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

function StepMessage(props: { step: DisplayStep; mode: string; canRetry: boolean }) {
  const { step } = props;
  const { actions, seqs } = useTimeline();
  const running = step.status === "running" || step.status === "pending";
  const synthesis = step.kind === "synthesis";
  const metaId = `step-${step.id}-meta`;
  const seq = seqs.get(`s:${step.id}`);
  const retryKey = messageActionKey({ kind: "retry", stepId: step.id });
  return (
    <article
      className={`msg agent${synthesis ? " synthesis" : ""}`}
      aria-labelledby={metaId}
      aria-busy={running}
      data-testid={synthesis ? "synthesis-message" : "step-message"}
      data-status={step.status}
      id={seq ? `m-${seq}` : undefined}
      tabIndex={seq ? -1 : undefined}
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
      {step.text ? (
        <div className="msg-body msg-md">
          <Markdown text={step.text} />
        </div>
      ) : (
        !running && (
          <div className="msg-body">
            <span className="muted">(no text)</span>
          </div>
        )
      )}
      <SourceList sources={step.sources} />
      {step.status === "failed" && step.error && (
        <p className="step-error">
          {step.error.message || "The call failed."} <span className="muted">({step.error.code})</span>
        </p>
      )}
      {!running && (
        <div className="msg-actions">
          {step.text && <CopyButton text={() => step.text} label={`Copy ${synthesis ? "the synthesis" : `${step.agent.name}'s answer`} as Markdown`} className="button secondary small msg-action" />}
          {props.canRetry && (
            <button
              type="button"
              className="button secondary small msg-action"
              data-testid="retry-step"
              disabled={actions.pending !== null || actions.blocked}
              onClick={() => void actions.run({ kind: "retry", stepId: step.id })}
            >
              {actions.pending === retryKey ? "Retrying…" : `Retry ${step.agent.key ? `@${step.agent.key}` : "this step"}`}
            </button>
          )}
        </div>
      )}
      <ActionError actionKey={retryKey} />
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

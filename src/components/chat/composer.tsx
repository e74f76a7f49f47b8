"use client";

import { useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import { useHydrated } from "../use-hydrated.ts";
import { applyMention, matchAgents, mentionAt } from "./mention.ts";

export interface ComposerAgent {
  key: string;
  name: string;
  model: string;
}

/**
 * The message box. Enter sends and Shift+Enter starts a new line. Typing `@` and a prefix opens a
 * list of matching roster agents (arrows move, Enter or Tab picks, Escape closes), announced as
 * an autocomplete list of the textbox.
 * Send is disabled with the reason shown beside it when the server would refuse the send.
 */
export function Composer(props: {
  value: string;
  onChange: (value: string) => void;
  roster: readonly ComposerAgent[];
  blockReason: string | null;
  sending: boolean;
  onSend: () => void;
  error: ReactNode;
  /** The running turn, when there is one: a Cancel button is shown. */
  activeTurn: { id: string; status: string } | null;
  cancelling: boolean;
  onCancel: () => void;
  placeholder: string;
  /** Focus the message box on mount. */
  autoFocus?: boolean;
}) {
  const hydrated = useHydrated();
  const id = useId();
  const textarea = useRef<HTMLTextAreaElement>(null);
  const pendingCaret = useRef<number | null>(null);
  const [caret, setCaret] = useState(0);
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  const [highlight, setHighlight] = useState<{ at: string; index: number }>({ at: "", index: 0 });

  const mention = props.roster.length ? mentionAt(props.value, caret) : null;
  const options = mention ? matchAgents(props.roster, mention.query) : [];
  const open = !!mention && options.length > 0 && dismissedAt !== mention.start;
  const mentionKey = mention ? `${mention.start}:${mention.query}` : "";
  const active = open ? Math.min(highlight.at === mentionKey ? highlight.index : 0, options.length - 1) : -1;
  const listboxId = `${id}-agents`;
  const optionId = (key: string) => `${id}-agent-${key}`;

  const { autoFocus } = props;
  useEffect(() => {
    if (autoFocus) textarea.current?.focus();
  }, [autoFocus]);

  useLayoutEffect(() => {
    if (pendingCaret.current === null || !textarea.current) return;
    textarea.current.setSelectionRange(pendingCaret.current, pendingCaret.current);
    pendingCaret.current = null;
  });

  const pick = (key: string) => {
    if (!mention) return;
    const next = applyMention(props.value, mention, key);
    pendingCaret.current = next.caret;
    setCaret(next.caret);
    props.onChange(next.text);
  };

  const canSend = hydrated && !props.sending && !props.blockReason && props.value.trim().length > 0;
  const hintId = `${id}-hint`;
  const reasonId = `${id}-reason`;

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        if (canSend) props.onSend();
      }}
    >
      <label htmlFor={`${id}-message`} className="visually-hidden">
        Message
      </label>
      <div className="composer-input">
        <textarea
          ref={textarea}
          id={`${id}-message`}
          name="message"
          data-composer-input
          rows={3}
          value={props.value}
          placeholder={props.placeholder}
          // A textarea may not take role=combobox (axe: aria-allowed-role), nor aria-expanded; as a
          // textbox it owns the list through aria-controls, and aria-activedescendant names the
          // highlighted option while the list is open.
          aria-autocomplete="list"
          aria-controls={open ? listboxId : undefined}
          aria-activedescendant={open ? optionId(options[active]!.key) : undefined}
          aria-describedby={props.blockReason ? `${reasonId} ${hintId}` : hintId}
          onChange={(e) => {
            setCaret(e.target.selectionStart);
            // An Escape closes the list for that one tag; a new tag opens it again.
            if (dismissedAt !== null && mentionAt(e.target.value, e.target.selectionStart)?.start !== dismissedAt) setDismissedAt(null);
            props.onChange(e.target.value);
          }}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onKeyDown={(e) => {
            if (e.nativeEvent.isComposing) return;
            if (open) {
              if (e.key === "ArrowDown" || e.key === "ArrowUp") {
                e.preventDefault();
                const step = e.key === "ArrowDown" ? 1 : -1;
                setHighlight({ at: mentionKey, index: (active + step + options.length) % options.length });
                return;
              }
              if ((e.key === "Enter" && !e.shiftKey) || e.key === "Tab") {
                e.preventDefault();
                pick(options[active]!.key);
                return;
              }
              if (e.key === "Escape") {
                e.preventDefault();
                e.stopPropagation();
                setDismissedAt(mention!.start);
                return;
              }
            }
            if (e.key === "Enter" && !e.shiftKey) {
              e.preventDefault();
              if (canSend) props.onSend();
            }
          }}
          onBlur={() => mention && setDismissedAt(mention.start)}
          onFocus={() => setDismissedAt(null)}
        />
        <ul id={listboxId} role="listbox" aria-label="Agents on the roster" className="mention-list" hidden={!open}>
          {open &&
            options.map((agent, i) => (
              <li
                key={agent.key}
                id={optionId(agent.key)}
                role="option"
                aria-selected={i === active}
                className="mention-option"
                // Keep the focus (and the caret) in the textarea.
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => pick(agent.key)}
              >
                <span className="mention-key">@{agent.key}</span> <span className="muted">{agent.name}</span>
              </li>
            ))}
        </ul>
      </div>
      <p id={hintId} className="field-hint composer-hint">
        Enter sends, Shift+Enter adds a line{props.roster.length ? ", @ tags an agent" : ""}.
      </p>
      {props.blockReason && (
        <p id={reasonId} className="send-block" data-testid="send-block-reason">
          {props.blockReason}
        </p>
      )}
      {props.error}
      <div className="row composer-actions">
        <button type="submit" className="button" disabled={!canSend} aria-describedby={props.blockReason ? reasonId : undefined}>
          {props.sending ? "Sending…" : "Send"}
        </button>
        {props.activeTurn && (
          <button type="button" className="button danger" onClick={props.onCancel} disabled={props.cancelling}>
            {props.cancelling ? "Cancelling…" : "Cancel turn"}
          </button>
        )}
      </div>
    </form>
  );
}

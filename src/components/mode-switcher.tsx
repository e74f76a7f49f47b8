"use client";

import { useState } from "react";
import { allowedEvents, modes, transition, type Mode } from "@/server/domain/modes/machine.ts";
import { api } from "@/trpc/react.tsx";

export const modeLabels: Record<Mode, { name: string; hint: string }> = {
  manual: { name: "Manual", hint: "only the @tagged agents answer" },
  roundtable: { name: "Roundtable", hint: "every agent answers in turn and sees the earlier answers" },
  orchestrator: { name: "Orchestrator", hint: "a manager routes to specialists, then writes a synthesis" },
};

/**
 * The room's mode: current, and the pending one that applies on the next send. Changes are shown
 * at once (computed with the same state machine the server uses) and rolled back if refused.
 */
export function ModeSwitcher(props: { roomId: string; compact?: boolean }) {
  const utils = api.useUtils();
  const mode = api.mode.get.useQuery({ roomId: props.roomId });
  // The control follows the click at once, before the cached state is updated below.
  const [choice, setChoice] = useState<Mode | null>(null);
  const set = api.mode.set.useMutation({
    onMutate: async ({ mode: next }) => {
      await utils.mode.get.cancel({ roomId: props.roomId });
      const previous = utils.mode.get.getData({ roomId: props.roomId });
      if (previous) {
        const { state } = transition({ current: previous.currentMode, pending: previous.pendingMode, version: previous.version }, { type: "set", mode: next });
        utils.mode.get.setData({ roomId: props.roomId }, { currentMode: state.current, pendingMode: state.pending, version: state.version, allowedEvents: allowedEvents(state) });
      }
      return { previous };
    },
    onError: (_error, _input, context) => {
      if (context?.previous) utils.mode.get.setData({ roomId: props.roomId }, context.previous);
    },
    onSettled: async () => {
      await utils.mode.get.invalidate({ roomId: props.roomId });
      setChoice(null);
    },
  });

  if (!mode.data) return <p className="field-hint">{mode.error ? `Could not load the mode: ${mode.error.message}` : "Loading mode…"}</p>;
  const { currentMode, pendingMode } = mode.data;
  const selected = choice ?? pendingMode ?? currentMode;
  const hintId = `mode-hint-${props.roomId}`;

  // One control at both places (room header and setup): segments of the same size, radios
  // underneath (arrow keys move between them). The header shows the short status, setup the hints.
  return (
    <fieldset className={`mode-switcher${props.compact ? " compact" : ""}`} aria-describedby={hintId}>
      <legend className={props.compact ? "visually-hidden" : undefined}>Mode</legend>
      <div className="segmented mode-segments">
        {modes.map((m) => (
          <label key={m} data-selected={m === selected} data-current={m === currentMode || undefined} title={`${modeLabels[m].name}: ${modeLabels[m].hint}`}>
            <input
              type="radio"
              name={`mode-${props.roomId}`}
              value={m}
              checked={m === selected}
              onChange={() => {
                setChoice(m);
                // No expectedVersion: arrow keys move through the radios one change at a time, and
                // each should land on top of the previous one, not be refused as a conflict.
                set.mutate({ roomId: props.roomId, mode: m });
              }}
            />
            {modeLabels[m].name}
            {pendingMode && m === currentMode && <span className="visually-hidden"> (current)</span>}
          </label>
        ))}
      </div>
      {!props.compact && (
        <ul className="mode-hints">
          {modes.map((m) => (
            <li key={m}>
              <strong>{modeLabels[m].name}</strong>: {modeLabels[m].hint}
              {m === currentMode && <span className="badge">current</span>}
              {m === pendingMode && <span className="badge pending">pending</span>}
            </li>
          ))}
        </ul>
      )}
      <p id={hintId} className="field-hint mode-status" role="status" aria-live="polite" data-testid="mode-status">
        {props.compact
          ? pendingMode
            ? `${modeLabels[pendingMode].name} applies on next send`
            : "A change applies on next send"
          : pendingMode
            ? `Current: ${modeLabels[currentMode].name}. ${modeLabels[pendingMode].name} is pending and applies on next send.`
            : `Current: ${modeLabels[currentMode].name}. A change applies on next send.`}
      </p>
      {set.error && (
        <p className="field-error" role="alert">
          {set.error.data?.appCode === "conflict" ? "The mode was changed elsewhere; showing the latest." : `Could not change the mode: ${set.error.message}`}
        </p>
      )}
    </fieldset>
  );
}

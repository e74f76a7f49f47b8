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
export function ModeSwitcher(props: { roomId: string }) {
  const utils = api.useUtils();
  const mode = api.mode.get.useQuery({ roomId: props.roomId });
  // The radio follows the click at once, before the cached state is updated below.
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

  if (!mode.data) return <p>{mode.error ? `Could not load the mode: ${mode.error.message}` : "Loading mode…"}</p>;
  const { currentMode, pendingMode } = mode.data;
  const selected = choice ?? pendingMode ?? currentMode;

  return (
    <fieldset className="mode-switcher">
      <legend>Mode</legend>
      <div className="mode-options" role="radiogroup" aria-label="Room mode">
        {modes.map((m) => (
          <label key={m} className="mode-option" data-selected={m === selected}>
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
            <span>
              <strong>{modeLabels[m].name}</strong>
              {m === currentMode && <span className="badge">current</span>}
              {m === pendingMode && <span className="badge pending">pending</span>}
              <span className="mode-hint">{modeLabels[m].hint}</span>
            </span>
          </label>
        ))}
      </div>
      <p className="field-hint" role="status" aria-live="polite" data-testid="mode-status">
        {pendingMode
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

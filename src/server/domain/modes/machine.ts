/**
 * The room mode state machine (PRODUCT.md section 4), as a pure transition table.
 *
 * | event                | effect                                   | audit     |
 * | set(m), m != current | pending = m                              | requested |
 * | set(m), m == current | pending = null                           | cleared   |
 * | send, pending set    | current = pending, pending = null        | applied   |
 * | send, no pending     | nothing                                  | (none)    |
 *
 * An event that would change nothing (setting the mode that is already pending, or clearing when
 * nothing is pending) is a no-op: no version bump, no audit row. Every real change bumps the version.
 */
export const modes = ["manual", "roundtable", "orchestrator"] as const;
export type Mode = (typeof modes)[number];

export interface ModeState {
  current: Mode;
  pending: Mode | null;
  version: number;
}

export type ModeEvent = { type: "set"; mode: Mode } | { type: "send" };

export interface ModeAudit {
  kind: "requested" | "cleared" | "applied";
  from: Mode | null;
  to: Mode | null;
}

export interface Transition {
  state: ModeState;
  /** null for a no-op. */
  audit: ModeAudit | null;
}

export function transition(state: ModeState, event: ModeEvent): Transition {
  if (event.type === "send") {
    if (!state.pending) return { state, audit: null };
    return {
      state: { current: state.pending, pending: null, version: state.version + 1 },
      audit: { kind: "applied", from: state.current, to: state.pending },
    };
  }
  if (event.mode === state.current) {
    if (!state.pending) return { state, audit: null };
    return { state: { ...state, pending: null, version: state.version + 1 }, audit: { kind: "cleared", from: state.pending, to: null } };
  }
  if (event.mode === state.pending) return { state, audit: null };
  return {
    state: { ...state, pending: event.mode, version: state.version + 1 },
    audit: { kind: "requested", from: state.pending ?? state.current, to: event.mode },
  };
}

/** The events that would change this state: what the mode switcher offers. */
export function allowedEvents(state: ModeState): ModeEvent[] {
  const all: ModeEvent[] = [...modes.map((mode) => ({ type: "set" as const, mode })), { type: "send" }];
  return all.filter((event) => transition(state, event).audit !== null);
}

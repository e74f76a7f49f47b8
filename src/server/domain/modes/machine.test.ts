import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allowedEvents, modes, transition, type ModeEvent, type ModeState } from "./machine.ts";

const start: ModeState = { current: "orchestrator", pending: null, version: 0 };

describe("mode machine", () => {
  it("follows the table", () => {
    const requested = transition(start, { type: "set", mode: "manual" });
    expect(requested).toEqual({ state: { current: "orchestrator", pending: "manual", version: 1 }, audit: { kind: "requested", from: "orchestrator", to: "manual" } });
    const cleared = transition(requested.state, { type: "set", mode: "orchestrator" });
    expect(cleared).toEqual({ state: { current: "orchestrator", pending: null, version: 2 }, audit: { kind: "cleared", from: "manual", to: null } });
    const again = transition(cleared.state, { type: "set", mode: "roundtable" });
    const applied = transition(again.state, { type: "send" });
    expect(applied).toEqual({ state: { current: "roundtable", pending: null, version: 4 }, audit: { kind: "applied", from: "orchestrator", to: "roundtable" } });
    expect(transition(applied.state, { type: "send" })).toEqual({ state: applied.state, audit: null });
  });

  it("offers only events that change something", () => {
    expect(allowedEvents(start)).toEqual([
      { type: "set", mode: "manual" },
      { type: "set", mode: "roundtable" },
    ]);
    const pending = transition(start, { type: "set", mode: "manual" }).state;
    expect(allowedEvents(pending)).toEqual([
      { type: "set", mode: "roundtable" },
      { type: "set", mode: "orchestrator" },
      { type: "send" },
    ]);
  });

  it("keeps its invariants over random event sequences", () => {
    const event = fc.oneof(
      fc.constantFrom(...modes).map((mode): ModeEvent => ({ type: "set", mode })),
      fc.constant<ModeEvent>({ type: "send" }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...modes), fc.array(event, { maxLength: 60 }), (initial, events) => {
        let state: ModeState = { current: initial, pending: null, version: 0 };
        const audits = [];
        for (const e of events) {
          const before = state;
          const result = transition(state, e);
          state = result.state;
          // Pending never equals current.
          expect(state.pending).not.toBe(state.current);
          // Every change bumps the version by one, and only a change does; it is audited.
          const changed = before.current !== state.current || before.pending !== state.pending;
          expect(state.version).toBe(before.version + (changed ? 1 : 0));
          expect(result.audit !== null).toBe(changed);
          // allowedEvents says exactly whether an event changes the state.
          expect(allowedEvents(before).some((a) => JSON.stringify(a) === JSON.stringify(e))).toBe(changed);
          if (result.audit) audits.push(result.audit);
        }
        // The audit accounts for every version.
        expect(audits).toHaveLength(state.version);
        // Replaying the audit rebuilds the state.
        let replay: { current: string; pending: string | null } = { current: initial, pending: null };
        for (const a of audits) {
          if (a.kind === "requested") replay = { ...replay, pending: a.to };
          if (a.kind === "cleared") replay = { ...replay, pending: null };
          if (a.kind === "applied") replay = { current: a.to!, pending: null };
        }
        expect(replay).toEqual({ current: state.current, pending: state.pending });
      }),
      { numRuns: 500 },
    );
  });
});

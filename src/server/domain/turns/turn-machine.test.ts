/** The turn and step state machines (PRODUCT.md 5.2) and how a turn's status follows from its steps. */
import { describe, expect, it } from "vitest";
import {
  canTransitionStep,
  canTransitionTurn,
  finalTurnStatus,
  isStepFinished,
  isTurnFinished,
  stepSourcesOf,
  stepStatuses,
  turnSourcesOf,
  turnStatuses,
  type StepStatus,
  type TurnStatus,
} from "./turn-machine.ts";

const allowedTurn: [TurnStatus, TurnStatus][] = [
  ["queued", "running"],
  ["queued", "cancelled"],
  ["queued", "failed"],
  ["running", "completed"],
  ["running", "partial"],
  ["running", "failed"],
  ["running", "cancelled"],
];
const allowedStep: [StepStatus, StepStatus][] = [
  ["pending", "running"],
  ["pending", "cancelled"],
  // A crashed attempt restarting.
  ["running", "running"],
  ["running", "succeeded"],
  ["running", "failed"],
  ["running", "cancelled"],
];

describe("turn states", () => {
  it("allows exactly queued → running → completed | partial | failed | cancelled (and a queued turn cancelled or failed)", () => {
    for (const from of turnStatuses) {
      for (const to of turnStatuses) {
        expect([from, to, canTransitionTurn(from, to)]).toEqual([from, to, allowedTurn.some(([f, t]) => f === from && t === to)]);
      }
    }
  });

  it("ends in completed, partial, failed and cancelled, and nothing leaves them", () => {
    expect(turnStatuses.filter(isTurnFinished)).toEqual(["completed", "partial", "failed", "cancelled"]);
    for (const from of ["completed", "partial", "failed", "cancelled"] as const) for (const to of turnStatuses) expect(canTransitionTurn(from, to)).toBe(false);
  });

  it("gives the compare-and-set sources of each target", () => {
    expect(turnSourcesOf("running")).toEqual(["queued"]);
    expect(turnSourcesOf("completed")).toEqual(["running"]);
    expect(turnSourcesOf("partial")).toEqual(["running"]);
    expect(turnSourcesOf("cancelled")).toEqual(["queued", "running"]);
    expect(turnSourcesOf("failed")).toEqual(["queued", "running"]);
    expect(turnSourcesOf("queued")).toEqual([]);
  });
});

describe("step states", () => {
  it("allows exactly pending → running → succeeded | failed | cancelled, and running again for a new attempt", () => {
    for (const from of stepStatuses) {
      for (const to of stepStatuses) {
        expect([from, to, canTransitionStep(from, to)]).toEqual([from, to, allowedStep.some(([f, t]) => f === from && t === to)]);
      }
    }
    expect(stepStatuses.filter(isStepFinished)).toEqual(["succeeded", "failed", "cancelled"]);
    expect(stepSourcesOf("succeeded")).toEqual(["running"]);
    expect(stepSourcesOf("cancelled")).toEqual(["pending", "running"]);
    expect(stepSourcesOf("running")).toEqual(["pending", "running"]);
  });
});

describe("finalTurnStatus", () => {
  it.each([
    ["roundtable", ["succeeded", "succeeded"], "completed"],
    ["roundtable", ["succeeded", "failed", "succeeded"], "partial"],
    ["roundtable", ["failed", "failed"], "failed"],
    ["manual", ["failed"], "failed"],
    ["manual", ["cancelled", "succeeded"], "partial"],
    ["direct", ["succeeded"], "completed"],
    ["direct", ["failed"], "failed"],
    // Orchestrator: every specialist failed (no synthesis) is partial, not failed.
    ["orchestrator", ["failed", "failed"], "partial"],
    ["orchestrator", ["succeeded", "failed", "succeeded"], "partial"],
    ["orchestrator", ["succeeded", "succeeded"], "completed"],
  ] as const)("%s with %j → %s", (mode, outcomes, expected) => {
    expect(finalTurnStatus(mode, [...outcomes])).toBe(expected);
  });
});

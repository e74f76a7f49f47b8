/**
 * The turn and step state machines (PRODUCT.md 5.2) as typed transition tables. Every status write
 * in the turn engine is a compare-and-set from a state this table allows, so an illegal move (a
 * cancelled turn completing, a finished step running again) cannot happen even under races.
 */
export const turnStatuses = ["queued", "running", "completed", "partial", "failed", "cancelled"] as const;
export type TurnStatus = (typeof turnStatuses)[number];

/** A turn still to run or running: one per session at a time, and what a page keeps following. */
export const activeTurnStatuses = ["queued", "running"] as const satisfies readonly TurnStatus[];

export function isTurnActive(status: string): status is (typeof activeTurnStatuses)[number] {
  return (activeTurnStatuses as readonly string[]).includes(status);
}

export const stepStatuses = ["pending", "running", "succeeded", "failed", "cancelled"] as const;
export type StepStatus = (typeof stepStatuses)[number];

const turnTable: { [S in TurnStatus]: readonly TurnStatus[] } = {
  queued: ["running", "cancelled", "failed"],
  running: ["completed", "partial", "failed", "cancelled"],
  completed: [],
  partial: [],
  failed: [],
  cancelled: [],
};

// running → running is a crashed attempt restarting.
const stepTable: { [S in StepStatus]: readonly StepStatus[] } = {
  pending: ["running", "cancelled"],
  running: ["running", "succeeded", "failed", "cancelled"],
  succeeded: [],
  failed: [],
  cancelled: [],
};

export function canTransitionTurn(from: TurnStatus, to: TurnStatus): boolean {
  return turnTable[from].includes(to);
}

export function canTransitionStep(from: StepStatus, to: StepStatus): boolean {
  return stepTable[from].includes(to);
}

/** The statuses a turn may move to `to` from: the `where` of its compare-and-set update. */
export function turnSourcesOf(to: TurnStatus): TurnStatus[] {
  return turnStatuses.filter((from) => canTransitionTurn(from, to));
}

export function stepSourcesOf(to: StepStatus): StepStatus[] {
  return stepStatuses.filter((from) => canTransitionStep(from, to));
}

export function isTurnFinished(status: TurnStatus): boolean {
  return turnTable[status].length === 0;
}

export function isStepFinished(status: StepStatus): boolean {
  return stepTable[status].length === 0;
}

/**
 * How a turn ends, from its agent-like steps (agents and synthesis). Any failure makes it `partial`;
 * a turn where nothing succeeded is `failed`, except in orchestrator mode, where PRODUCT.md 5.2 calls
 * "every specialist failed" `partial` (the manager's steps still ran).
 */
export function finalTurnStatus(mode: string, outcomes: StepStatus[]): "completed" | "partial" | "failed" {
  const failed = outcomes.filter((s) => s === "failed" || s === "cancelled").length;
  if (failed === 0) return "completed";
  if (failed === outcomes.length && mode !== "orchestrator") return "failed";
  return "partial";
}

/**
 * Whether a turn would render the same as before. `mergeTurns` builds new turn and step objects
 * on every event, so identity says nothing; the fields are compared one level deep instead (the
 * query's data keeps its references between refetches, dates are compared by time), which lets
 * every turn but the streaming one skip rendering on each token.
 */
import type { DisplayStep, DisplayTurn } from "./live-turns.ts";

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return false;
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function sameStep(a: DisplayStep, b: DisplayStep): boolean {
  for (const key of Object.keys(a) as (keyof DisplayStep)[]) {
    if (key === "toolCalls" || key === "sources") {
      if (!sameList(a[key], b[key])) return false;
    } else if (key === "usage" || key === "error" || key === "agent" || key === "metadata") {
      if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) return false;
    } else if (!sameValue(a[key], b[key])) return false;
  }
  return Object.keys(a).length === Object.keys(b).length;
}

export function sameDisplayTurn(a: DisplayTurn, b: DisplayTurn): boolean {
  if (a === b) return true;
  for (const key of Object.keys(a) as (keyof DisplayTurn)[]) {
    if (key === "steps") {
      if (a.steps.length !== b.steps.length || !a.steps.every((s, i) => sameStep(s, b.steps[i]!))) return false;
    } else if (key === "roster" || key === "selectedKeys" || key === "metadata" || key === "error") {
      if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) return false;
    } else if (!sameValue(a[key], b[key])) return false;
  }
  return Object.keys(a).length === Object.keys(b).length;
}

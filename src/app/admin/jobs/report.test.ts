import { expect, it } from "vitest";
import { reportEntries } from "./report.ts";

it("reads a purge report as labelled values", () => {
  expect(reportEntries({ chatDays: 90, cutoff: null, turnEvents: 40, toolResultsCleared: 2 })).toEqual([
    ["Chat days", "90"],
    ["Cutoff", "—"],
    ["Turn events", "40"],
    ["Tool results cleared", "2"],
  ]);
  expect(reportEntries({ purged: 3 })).toEqual([["Purged", "3"]]);
  expect(reportEntries(null)).toEqual([]);
});

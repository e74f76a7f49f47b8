/** The turn JSON columns are parsed, never cast; values from older versions still read. */
import { describe, expect, it } from "vitest";
import { parseJsonColumn, rosterSnapshot, stepMetadata, turnMetadata } from "./turn-json.ts";

describe("turn JSON columns", () => {
  it("reads a roster snapshot and refuses one without its roster", () => {
    const snapshot = { roster: [{ id: "a1", key: "alice", name: "Alice", model: "local", role: "You plan." }], selected: ["alice"] };
    expect(rosterSnapshot.parse(snapshot)).toEqual(snapshot);
    expect(() => rosterSnapshot.parse({ selected: ["alice"] })).toThrow();
  });

  it("keeps step facts that have no column and drops what a column holds (older rows carried agent and round)", () => {
    const older = { agentName: "Alice", agentKey: "alice", round: 2, routedTo: ["bob"], fallback: true, invalid: "not JSON" };
    expect(parseJsonColumn(stepMetadata, older, {})).toEqual({ routedTo: ["bob"], fallback: true, invalid: "not JSON" });
  });

  it("reads a value that no longer fits as the fallback", () => {
    expect(parseJsonColumn(turnMetadata, { unknownTags: "ghost" }, {})).toEqual({});
    expect(parseJsonColumn(turnMetadata, null, {})).toEqual({});
    expect(parseJsonColumn(turnMetadata, { unknownTags: ["ghost"], settings: { "orchestrator.max_rounds": 2 } }, {})).toEqual({
      unknownTags: ["ghost"],
      settings: { "orchestrator.max_rounds": 2 },
    });
  });
});

import { describe, expect, it } from "vitest";
import { parseTags, resolveTags } from "./tags.ts";

describe("parseTags", () => {
  it.each([
    ["@alice what do you think?", ["alice"]],
    ["ask @code-reviewer and @data_analyst", ["code-reviewer", "data_analyst"]],
    ["@Alice and @ALICE and @alice", ["alice"]],
    ["@bob then @alice then @bob", ["bob", "alice"]],
    ["mail bob@example.com or x.y@corp-mail.org", []],
    ["mail bob@example.com and ask @critic", ["critic"]],
    ["(@critic), @writer. @planner!", ["critic", "writer", "planner"]],
    ["no tags here", []],
    ["@ alone and @-bad", []],
    ["@" + "a".repeat(65), []],
    ["@" + "a".repeat(64), ["a".repeat(64)]],
    ["line one\n@researcher: go", ["researcher"]],
    ["@Code-Reviewer then @code-reviewer", ["code-reviewer"]],
    ["@code-reviewer-2, and @code", ["code-reviewer-2", "code"]],
    ["x@alice and me@alice.com and first.last@alice-corp.io", []],
    ["a+tag@alice.com, 50%@alice", []],
    ["\"@alice\" [@bob] {@carol}", ["alice", "bob", "carol"]],
    ["@alice's idea", ["alice"]],
  ])("%j → %j", (message, expected) => {
    expect(parseTags(message)).toEqual(expected);
  });
});

describe("resolveTags", () => {
  it("keeps tag order and lists unknown keys instead of dropping them", () => {
    const roster = [{ key: "a" }, { key: "b" }, { key: "c" }];
    expect(resolveTags(["c", "x", "a"], roster)).toEqual({ selected: [{ key: "c" }, { key: "a" }], unknown: ["x"] });
  });
});

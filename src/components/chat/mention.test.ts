import { describe, expect, it } from "vitest";
import { applyMention, matchAgents, mentionAt } from "./mention.ts";

const roster = [
  { key: "editor", name: "Editor" },
  { key: "fact-checker", name: "Fact-checker" },
  { key: "devils-advocate", name: "Devil's advocate" },
];

describe("mentionAt", () => {
  it("finds the tag being typed at the caret", () => {
    expect(mentionAt("hi @ed", 6)).toEqual({ start: 3, end: 6, query: "ed" });
    expect(mentionAt("@", 1)).toEqual({ start: 0, end: 1, query: "" });
    expect(mentionAt("(@Fa", 4)).toEqual({ start: 1, end: 4, query: "fa" });
  });
  it("takes in the rest of a tag the caret is inside of", () => {
    expect(mentionAt("@edi and", 2)).toEqual({ start: 0, end: 4, query: "e" });
  });
  it("ignores e-mail addresses, finished words and text away from the caret", () => {
    expect(mentionAt("bob@example", 11)).toBeNull();
    expect(mentionAt("@editor done", 12)).toBeNull();
    expect(mentionAt("no tag", 6)).toBeNull();
  });
});

describe("matchAgents", () => {
  it("matches keys first, then words of names", () => {
    expect(matchAgents(roster, "").map((a) => a.key)).toEqual(["editor", "fact-checker", "devils-advocate"]);
    expect(matchAgents(roster, "ch").map((a) => a.key)).toEqual(["fact-checker"]);
    expect(matchAgents(roster, "d").map((a) => a.key)).toEqual(["devils-advocate"]);
    expect(matchAgents(roster, "zz")).toEqual([]);
  });
});

describe("applyMention", () => {
  it("replaces the tag and puts the caret after one space", () => {
    expect(applyMention("hi @ed", { start: 3, end: 6, query: "ed" }, "editor")).toEqual({ text: "hi @editor ", caret: 11 });
    expect(applyMention("@ed please", { start: 0, end: 3, query: "ed" }, "editor")).toEqual({ text: "@editor please", caret: 8 });
  });
});

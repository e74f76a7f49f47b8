/** The pure text helpers of sessions: titles from a model's answer, search snippets, export file names. */
import { describe, expect, it } from "vitest";
import { slug } from "./export.ts";
import { snippetOf } from "./search.ts";
import { cleanTitle } from "./title.ts";

describe("cleanTitle", () => {
  it.each([
    ['"Launch Plan for Tuesday."', "Launch Plan for Tuesday"],
    ["Title: Sourdough at Home", "Sourdough at Home"],
    ["**Budget review**\n\nHere is why…", "Budget review"],
    ["\n\n  “Quoted”  ", "Quoted"],
    ["", ""],
  ])("%j → %j", (answer, title) => expect(cleanTitle(answer)).toBe(title));

  it("keeps at most 80 characters, cut at a word", () => {
    const title = cleanTitle("word ".repeat(40));
    expect(title.length).toBeLessThanOrEqual(80);
    expect(title.endsWith("word")).toBe(true);
  });
});

describe("snippetOf", () => {
  it("turns the headline's markers into offsets into plain text, collapsing whitespace", () => {
    const { snippet, highlights } = snippetOf("  The \u0001zeppelin\u0002\n\nvendor and \u0001zeppelins\u0002 ");
    expect(snippet).toBe("The zeppelin vendor and zeppelins");
    expect(highlights.map(([a, b]) => snippet.slice(a, b))).toEqual(["zeppelin", "zeppelins"]);
  });

  it("has no highlight for an empty match and keeps text without markers", () => {
    expect(snippetOf("plain <b>text</b>")).toEqual({ snippet: "plain <b>text</b>", highlights: [] });
    expect(snippetOf("a\u0001\u0002b").highlights).toEqual([]);
  });
});

describe("slug", () => {
  it.each([
    ["Launch: plan & dates", "launch-plan-dates"],
    ["Crème brûlée", "creme-brulee"],
    ["!!!", "session"],
    ["日本語", "session"],
  ])("%j → %j", (title, expected) => expect(slug(title)).toBe(expected));
});

import { describe, expect, it } from "vitest";
import { splitBlocks } from "./blocks.ts";

describe("splitBlocks", () => {
  it("splits at blank lines", () => {
    expect(splitBlocks("# Title\n\nA paragraph\nstill it.\n\n\n- a\n- b\n")).toEqual(["# Title", "A paragraph\nstill it.", "- a\n- b"]);
  });

  it("keeps a fenced block whole, blank lines included, with ``` or ~~~ and longer fences", () => {
    const text = "Intro\n\n```js\nlet a;\n\nlet b;\n```\n\n~~~~\nx\n\n~~~\ny\n~~~~\n\nAfter";
    expect(splitBlocks(text)).toEqual(["Intro", "```js\nlet a;\n\nlet b;\n```", "~~~~\nx\n\n~~~\ny\n~~~~", "After"]);
  });

  it("keeps an unterminated fence (a streaming answer) in the last block", () => {
    expect(splitBlocks("Intro\n\n```py\nx = 1\n\ny")).toEqual(["Intro", "```py\nx = 1\n\ny"]);
  });

  it("keeps indented continuations with the block before (a list item's next paragraph, a nested list)", () => {
    expect(splitBlocks("1. one\n\n   more of one\n\n2. two\n\nEnd")).toEqual(["1. one\n\n   more of one", "2. two", "End"]);
  });

  it("gives the same completed blocks as text is appended, so they are not parsed again", () => {
    const full = "Para one.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```\n\n- x\n- y";
    let previous: string[] = [];
    for (let i = 1; i <= full.length; i++) {
      const blocks = splitBlocks(full.slice(0, i));
      // Every block but the last of the previous split is unchanged.
      for (let j = 0; j < previous.length - 1; j++) expect(blocks[j]).toBe(previous[j]);
      previous = blocks;
    }
    expect(previous).toHaveLength(4);
  });

  it("has no block for empty text", () => {
    expect(splitBlocks("")).toEqual([]);
    expect(splitBlocks("\n\n")).toEqual([]);
  });
});

/** Conversation titles from the offline model: 2–6 words in Title Case for the first user message. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../types.ts";
import { localReply } from "../local.ts";
import { subjectOf } from "./topic.ts";

const TITLE_PROMPT = "Write a short title (2–6 words) for this conversation. Reply with the title only.";
const titleOf = (...users: string[]): string => localReply([{ role: "system", content: TITLE_PROMPT }, ...users.map((content): ChatMessage => ({ role: "user", content }))]);

function expectTitle(title: string): void {
  const words = title.split(" ");
  expect(words.length, title).toBeGreaterThanOrEqual(2);
  expect(words.length, title).toBeLessThanOrEqual(6);
  // No quotes (an apostrophe inside a word, as in "don't", is not one).
  expect(title).not.toMatch(/["“”«»]|(^|\s)['‘’]|['‘’](\s|$)/);
  expect(title).not.toMatch(/[.!?,:;]$/);
  expect(title).not.toContain("\n");
  // Title Case: the first and last words are capitalized (or keep an acronym's or a file name's spelling).
  expect(words[0]![0], title).toMatch(/[\p{Lu}\p{N}]/u);
  expect(words.at(-1)![0], title).toMatch(/[\p{Lu}\p{N}]/u);
}

describe("titles", () => {
  it("names the conversation's first user message in a few Title Case words", () => {
    expect(titleOf("How should we launch the beta?")).toBe("Launching the Beta");
    expect(titleOf("Is this SQL query safe?")).toBe("SQL Query");
    expect(titleOf("Plan the launch timeline and the risks.")).toBe("Launch Timeline and the Risks");
    expect(titleOf("@planner what should our pricing page say about the free plan?")).toBe("Pricing Page");
    // The first message decides, not a later one.
    expect(titleOf("Is a Friday launch a good idea?", "And what about Monday?")).toBe("Friday Launch");
    expect(titleOf("hello")).toBe("New Conversation");
  });

  it("answers only when the first system message asks for a title", () => {
    const plain = localReply([{ role: "system", content: "You are Sage." }, { role: "user", content: "How should we launch the beta?" }]);
    expect(plain).not.toBe("Launching the Beta");
    expect(plain.split("\n").length).toBeGreaterThan(3);
  });

  it("always gives 2–6 words in Title Case with no quotes or trailing period, whatever the message", () => {
    const word = fc.constantFrom("launch", "the", "\"beta\"", "pricing", "API", "of", "how", "should", "we", "risks.", "Friday", "script", "?", "@alice", "naïve", "2026", "—", "report.pdf", "'quoted'", "and");
    fc.assert(
      fc.property(fc.oneof(fc.array(word, { minLength: 0, maxLength: 14 }).map((w) => w.join(" ")), fc.string({ maxLength: 60 })), (message) => expectTitle(titleOf(message))),
      { numRuns: 300 },
    );
  });
});

describe("the subject of a question", () => {
  it("is its key phrase, without the opening words or the judgement", () => {
    expect(subjectOf("Is a Friday launch a good idea?")).toBe("Friday launch");
    expect(subjectOf("Can you tell me how to structure the onboarding emails?")).toBe("structuring the onboarding emails");
    expect(subjectOf("Give me an opening line.")).toBe("opening line");
  });
});

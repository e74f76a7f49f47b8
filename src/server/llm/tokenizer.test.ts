/** Token counts: the same as the tokenizer's, whether a text was counted before or not. */
import fc from "fast-check";
import { countTokens } from "gpt-tokenizer";
import { describe, expect, it } from "vitest";
import { countMessageTokens, countTextTokens } from "./tokenizer.ts";

describe("countTextTokens", () => {
  it("matches the tokenizer for short and long texts, the first time and again (property)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 2000 }), (text) => {
        expect(countTextTokens(text)).toBe(countTokens(text));
        expect(countTextTokens(text)).toBe(countTokens(text));
      }),
      { numRuns: 200 },
    );
  });

  it("still counts right after many long texts have pushed older ones out", () => {
    const texts = Array.from({ length: 40 }, (_, i) => `${i} `.repeat(60_000));
    for (const text of texts) countTextTokens(text);
    for (const text of [texts[0]!, texts[39]!]) expect(countTextTokens(text)).toBe(countTokens(text));
  });
});

it("countMessageTokens adds the framing of each message", () => {
  const messages = [
    { role: "system" as const, content: "You are brief." },
    { role: "user" as const, content: "Hello there. ".repeat(100) },
  ];
  expect(countMessageTokens(messages)).toBe(2 + 4 + countTokens(messages[0]!.content) + 4 + countTokens(messages[1]!.content));
});

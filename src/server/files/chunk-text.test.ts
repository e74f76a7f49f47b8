import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { chunkSections, joinSections, type Section } from "./chunk-text.ts";
import { longText } from "@/test/file-fixtures.ts";

function expectExactSlices(sections: Section[]) {
  const full = joinSections(sections);
  const chunks = chunkSections(sections);
  for (const c of chunks) expect(full.slice(c.charStart, c.charStart + c.text.length)).toBe(c.text);
  expect(chunks.map((c) => c.position)).toEqual(chunks.map((_, i) => i));
  return { full, chunks };
}

describe("chunkSections", () => {
  it("cuts prose at paragraph breaks into 1,500–2,000 character chunks that are exact slices", () => {
    const { full, chunks } = expectExactSlices([{ page: null, text: longText(20_000, "budget") }]);
    expect(chunks.length).toBeGreaterThanOrEqual(10);
    for (const c of chunks.slice(0, -1)) {
      expect(c.text.length).toBeGreaterThanOrEqual(1400);
      expect(c.text.length).toBeLessThanOrEqual(2000);
      // Ends where a paragraph ends.
      expect(full.slice(c.charStart + c.text.length, c.charStart + c.text.length + 2)).toBe("\n\n");
    }
    expect(chunks.at(-1)!.text).toContain("budget was approved");
  });

  it("falls back to sentence ends, then spaces, then a hard cut", () => {
    const sentences = "A short sentence here. ".repeat(200);
    const bySentence = chunkSections([{ page: null, text: sentences }]);
    for (const c of bySentence) expect(c.text.endsWith(".")).toBe(true);
    const word = "x".repeat(5000);
    const hard = chunkSections([{ page: null, text: word }]);
    expect(hard.map((c) => c.text.length)).toEqual([2000, 2000, 1000]);
  });

  it("never crosses a page, numbers pages, and skips empty ones", () => {
    const sections = [
      { page: 1, text: "Page one text." },
      { page: 2, text: "   " },
      { page: 3, text: longText(3000, "appendix") },
    ];
    const { chunks } = expectExactSlices(sections);
    expect(chunks[0]).toMatchObject({ page: 1, charStart: 0, text: "Page one text." });
    expect(chunks.slice(1).every((c) => c.page === 3)).toBe(true);
    expect(chunks[1]!.charStart).toBe("Page one text.".length + 2 + 3 + 2);
  });

  it("never splits a surrogate pair on a hard cut", () => {
    const text = "a" + "😀".repeat(1500);
    for (const c of chunkSections([{ page: null, text }])) expect(c.text).not.toMatch(/[\ud800-\udbff]$/);
  });

  it("every chunk is an exact slice, whatever the text", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 5000, unit: fc.constantFrom("a", "b", " ", "\n", ".", "é") }), { maxLength: 4 }), (texts) => {
        expectExactSlices(texts.map((text, i) => ({ page: i + 1, text })));
      }),
      { numRuns: 50 },
    );
  });
});

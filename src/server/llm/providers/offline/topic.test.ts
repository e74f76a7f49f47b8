/** What the offline model takes to be a question's subject: words of the question, never a built-in name. */
import { describe, expect, it } from "vitest";
import { subjectOf, topicOf } from "./topic.ts";

describe("subjectOf", () => {
  it("turns an opening verb into its -ing form after a modal", () => {
    expect(subjectOf("Should we launch the beta next week?")).toMatch(/^launching the beta/);
  });

  it("treats the names of object properties as plain words", () => {
    for (const word of ["constructor", "toString", "hasOwnProperty", "__proto__", "valueOf"]) {
      const subject = subjectOf(`Should we ${word} the beta?`);
      expect(subject).not.toMatch(/native code|\[object|function/);
      expect(subject.toLowerCase()).toContain(word.replace(/_/g, "").toLowerCase());
      expect(topicOf(`Can you ${word} the release plan?`).subject).not.toMatch(/native code|\[object/);
    }
  });
});

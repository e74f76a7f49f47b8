/** Conversation titles from the offline model: a few Title Case words for the first user message. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../types.ts";
import { localReply } from "../local.ts";
import { subjectOf } from "./topic.ts";
import { SPELLING } from "./title-words.ts";

const TITLE_PROMPT = "Write a short title (2–6 words) for this conversation. Reply with the title only.";
const titleOf = (...users: string[]): string => localReply([{ role: "system", content: TITLE_PROMPT }, ...users.map((content): ChatMessage => ({ role: "user", content }))]);

const spelled = new Set(Object.values(SPELLING));

/** The shape every title has, whatever the message. */
function expectShape(title: string): void {
  expect(title.length, title).toBeGreaterThanOrEqual(1);
  expect(title.length, title).toBeLessThanOrEqual(60);
  expect(title).not.toMatch(/[\n\r]/);
  expect(title).toBe(title.trim());
  expect(title.split(" ").length, title).toBeLessThanOrEqual(6);
  // No quotes (an apostrophe inside a word, as in "don't", is not one) and no trailing period.
  expect(title).not.toMatch(/["“”«»]|(^|\s)['‘’]|['‘’](\s|$)/);
  expect(title).not.toMatch(/[.!?,:;]$/);
}

/** Title Case: the first and last words start with a capital or a digit, unless spelled otherwise (iOS) or in a script without case. */
function expectTitleCase(title: string): void {
  const words = title.split(" ");
  for (const w of [words[0]!, words.at(-1)!]) if (!spelled.has(w) && /^\p{Script=Latin}/u.test(w)) expect(w[0], title).toMatch(/[\p{Lu}\p{N}]/u);
}

describe("titles", () => {
  // Real-looking first messages and what a person would call the conversation.
  const table: [kind: string, message: string, title: string][] = [
    ["code", "Write a Python function that adds two numbers and returns the sum", "Python Function to Add Two Numbers"],
    ["code", "Can you write a SQL query to find the top 5 customers by revenue?", "SQL Query for Top 5 Customers"],
    ["code", "please write a react component that shows a list of todos", "React Component for List of Todos"],
    ["code", "I need a bash script to back up my home directory every night", "Bash Script Backing Up Home Directory"],
    ["code", "write a regex to validate email addresses", "Regex to Validate Email Addresses"],
    ["code", "Write unit tests for the checkout service in TypeScript", "TypeScript Unit Tests for Checkout Service"],
    ["code", "Write a function in Python that reverses a string", "Python Function to Reverse String"],
    ["code", "Hi team! Can you write a SQL query that counts orders per month?", "SQL Query to Count Orders"],
    ["code", "Help me debug this React hook that loops forever", "Debugging React Hook That Loops Forever"],
    ["code", "Is this SQL query safe?", "SQL Query Safety"],
    ["code, lower case", "how do i reverse a linked list in java", "Reversing a Linked List in Java"],
    ["code, lower case", "how do i center a div in css", "Centering a Div in CSS"],
    ["question, lower case", "what is the difference between tcp and udp", "Difference Between TCP and UDP"],
    ["question", "How should we launch the beta?", "Launching the Beta"],
    ["question", "Is a Friday launch a good idea?", "Friday Launch Pros and Cons"],
    ["question", "@planner what should our pricing page say about the free plan?", "Pricing Page Wording"],
    ["question, lower case", "what's the best way to learn rust as a javascript developer", "Best Way to Learn Rust"],
    ["writing", "Draft an email to my landlord about the broken heater", "Email to Landlord About Broken Heater"],
    ["writing", "Write a short story about a lighthouse keeper who befriends a seagull", "Short Story About a Lighthouse Keeper"],
    ["writing", "can you help me write a cover letter for a junior data analyst position at a bank", "Cover Letter for Junior Data Analyst"],
    ["writing", "Summarize this article about climate change", "Article About Climate Change"],
    ["planning", "Plan a 3-day trip to Lisbon", "3-day Trip to Lisbon"],
    ["planning", "Plan the launch timeline and the risks.", "Launch Timeline and the Risks"],
    ["planning", "🎉 Plan my sister's birthday party 🎂", "Sister's Birthday Party Plan"],
    ["planning", "Compare Postgres and MySQL for a small SaaS app", "Postgres and MySQL Comparison"],
    ["ideas", "give me 10 blog post ideas for a coffee shop", "10 Blog Post Ideas"],
    ["code, after a vague first sentence", "Can you help me? I need a Python script that parses nginx logs.", "Python Script to Parse Nginx Logs"],
    ["writing, short", "Write me a poem", "Writing a Poem"],
    ["short", "Explain recursion", "Recursion Explained"],
    ["short", "kubernetes", "Kubernetes Questions"],
    ["a word that is also an object's property", "constructor", "Constructor Questions"],
    ["greeting only", "hello", "New Conversation"],
    ["thanks only", "Thanks!", "New Conversation"],
    ["emoji only", "🚀🚀🚀", "New Conversation"],
    [
      "very long",
      "Help me write a TypeScript type for a deeply nested config object with optional keys, and explain generics, and also conditional types, mapped types and template literal types in detail please",
      "TypeScript Type for Deeply Nested Config",
    ],
    ["non-English", "¿Cómo puedo aprender a programar en Python?", "Aprender a Programar en Python"],
    ["non-English", "Wie kann ich meine Datenbank sichern?", "Meine Datenbank Sichern"],
    ["non-English", "如何用Python写一个排序函数？", "如何用Python写一个排序函数"],
    ["only a code block", "```python\ndef add_numbers(a, b):\n    return a + b\n```", "Python Add Numbers Function"],
    ["only a code block", "```\nSELECT name, total FROM public.orders WHERE total > 100;\n```", "SQL Query on Orders"],
    ["only code, no fence", "def f(x):\n    return x + 1", "Python Function"],
    ["only a code block", '```\n{"retries": 3}\n```', "JSON Code Snippet"],
    ["code with a vague question", "Why does this fail?\n```ts\nconst parseDate = (s: string) => new Date(s);\n```", "TypeScript Parse Date Function"],
    ["code with a vague request", "fix this\n```js\nfunction fetchUser(id) { return fetch(id) }\n```", "Fixing JavaScript Fetch User Function"],
  ];

  it.each(table)("%s: %j → %j", (_kind, message, expected) => {
    const title = titleOf(message);
    expect(title).toBe(expected);
    expectShape(title);
    expectTitleCase(title);
  });

  it("names a code request by its technology and object, never by its filler verbs or the prompt", () => {
    for (const message of ["Write a Python function that adds two numbers and returns the sum", "please can you write me a python function that adds two numbers"]) {
      const title = titleOf(message);
      expect(title).toMatch(/^Python Function\b/);
      expect(title).not.toMatch(/\b(Write|Please|Can|You|Me)\b/);
      expect(title).not.toMatch(/short title|conversation/i);
    }
    // The technology keeps its spelling wherever it was written and however it was typed.
    expect(titleOf("write a query in postgresql that lists tables")).toBe("PostgreSQL Query for Tables");
    expect(titleOf("Write a C++ class for a ring buffer")).toBe("C++ Class for Ring Buffer");
  });

  it("names the conversation by its first user message, not a later one", () => {
    expect(titleOf("Is a Friday launch a good idea?", "And what about Monday?")).toBe("Friday Launch Pros and Cons");
  });

  it("answers only when the first system message asks for a title", () => {
    const plain = localReply([{ role: "system", content: "You are Sage." }, { role: "user", content: "How should we launch the beta?" }]);
    expect(plain).not.toBe("Launching the Beta");
    expect(plain.split("\n").length).toBeGreaterThan(3);
  });

  it("is 1–60 characters on one line, never empty, for any non-empty message", () => {
    const word = fc.constantFrom("write", "a", "Python", "function", "that", "adds", "the", "\"beta\"", "SQL", "query", "of", "how", "should", "we", "risks.", "c++", "?", "@alice", "naïve", "2026", "—", "report.pdf", "'quoted'", "and", "🚀", "排序函数", "\n", "```", "def", "x_y(a):");
    const message = fc.oneof(
      fc.array(word, { minLength: 1, maxLength: 40 }).map((w) => w.join(" ")),
      fc.string({ minLength: 1, maxLength: 400, unit: "binary" }),
      fc.string({ minLength: 1, maxLength: 80, unit: "grapheme" }).map((body) => `\`\`\`\n${body}\n\`\`\``),
      fc.string({ minLength: 61, maxLength: 300, unit: fc.constantFrom("a", "é", "字", "b") }),
    );
    fc.assert(
      fc.property(message, (m) => {
        const title = titleOf(m);
        expect(title.length).toBeGreaterThanOrEqual(1);
        expect(Array.from(title).length).toBeLessThanOrEqual(60);
        expect(title.trim()).not.toBe("");
        expect(title).not.toMatch(/[\n\r\u2028\u2029]/);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps the shape of a title for messages made of everyday words", () => {
    const word = fc.constantFrom("launch", "the", "\"beta\"", "pricing", "API", "of", "how", "should", "we", "risks.", "Friday", "script", "?", "@alice", "naïve", "2026", "—", "report.pdf", "'quoted'", "and", "write", "function", "python");
    fc.assert(
      fc.property(fc.array(word, { minLength: 0, maxLength: 14 }).map((w) => w.join(" ")), (message) => expectShape(titleOf(message))),
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

/**
 * The context of one call and its budget (PRODUCT.md 5.2): the budget formula, the order and labels
 * of what an agent sees, and trimming — pruning the oldest assistant messages first at ≥90%, and
 * shortening same-turn outputs only as a last resort, so an assembled context always fits.
 */
import { describe, expect, it } from "vitest";
import { countMessageTokens, countTextTokens } from "@/server/llm/tokenizer.ts";
import { assembleContext, contextBudget, historyTokens, irreducibleTokens, systemMessage, type Budget, type ContextInput, type HistoryMessage } from "./context.ts";

describe("contextBudget", () => {
  it.each([
    // window, maxOutput → reserve = min(maxOutput, 20%), overhead = max(1024, 5%)
    [8192, 1024, { contextWindow: 8192, outputReserve: 1024, overhead: 1024, input: 6144 }],
    [8192, 4096, { contextWindow: 8192, outputReserve: 1638, overhead: 1024, input: 5530 }],
    [8192, 256, { contextWindow: 8192, outputReserve: 256, overhead: 1024, input: 6912 }],
    [32768, 1024, { contextWindow: 32768, outputReserve: 1024, overhead: 1638, input: 30106 }],
    [131072, 1024, { contextWindow: 131072, outputReserve: 1024, overhead: 6553, input: 123495 }],
    [200000, 8192, { contextWindow: 200000, outputReserve: 8192, overhead: 10000, input: 181808 }],
    [1000, 1024, { contextWindow: 1000, outputReserve: 200, overhead: 1024, input: 0 }],
  ])("window %i, max output %i → %o", (window, maxOutput, expected) => {
    expect(contextBudget(window, maxOutput)).toEqual(expected);
  });

  it("uses 8192 when the model's window is unknown", () => {
    expect(contextBudget(undefined, 1024)).toEqual(contextBudget(8192, 1024));
  });
});

const alice = { key: "alice", name: "Alice", rolePrompt: "You are Alice, a careful planner.\nSecond line of the role." };
const roster = [
  { id: "1", key: "alice", name: "Alice", model: "local", role: "You are Alice, a careful planner.\nSecond line of the role." },
  { id: "2", key: "bob-b", name: "Bob", model: "local", role: "You are Bob, a critic." },
];

function input(overrides: Partial<ContextInput> = {}): ContextInput {
  return { speaker: alice, mode: "roundtable", room: { name: "Launch", goal: "Ship by May" }, roster, summary: null, history: [], userMessage: "What now?", sameTurn: [], ...overrides };
}

let seq = 0n;
const user = (content: string): HistoryMessage => ({ seq: ++seq, role: "user", agentKey: null, agentName: null, content, visibility: "shared" });
const said = (agentKey: string, agentName: string, content: string): HistoryMessage => ({ seq: ++seq, role: "assistant", agentKey, agentName, content, visibility: "shared" });
const budgetOf = (input: number): Budget => ({ contextWindow: input, outputReserve: 0, overhead: 0, input });

describe("systemMessage", () => {
  it("holds the role prompt once, then the room, its mode and goal, the roster with one-line roles, and the summary", () => {
    const { role, content } = systemMessage(input({ summary: "They chose Tuesday." }));
    expect(role).toBe("system");
    expect(content).toBe(
      [
        "You are Alice, a careful planner.\nSecond line of the role.",
        [
          "You are Alice in the room “Launch” (mode: roundtable).",
          "Room goal: Ship by May",
          "Present in the room (stay focused on the user's task; do not answer for others):",
          "- @alice — Alice: You are Alice, a careful planner.",
          "- @bob-b — Bob: You are Bob, a critic.",
          "Summary of the conversation so far:\nThey chose Tuesday.",
        ].join("\n"),
      ].join("\n\n"),
    );
  });

  it("gives a speaker with no role prompt a default one, and a direct chat no room", () => {
    expect(systemMessage(input({ speaker: { key: "x", name: "Xena", rolePrompt: "  " }, room: null, roster: [] })).content).toBe("You are Xena.");
  });

  it("appends instructions last", () => {
    expect(systemMessage(input({ instructions: "Reply with JSON." })).content.endsWith("\n\nReply with JSON.")).toBe(true);
  });
});

describe("assembleContext", () => {
  it("orders system, history (others labelled [Name]:, own unlabelled), the user message, then same-turn outputs", () => {
    const history = [user("First question"), said("bob-b", "Bob", "Bob's answer"), said("alice", "Alice", "My own answer"), user("Second question")];
    const { messages, pruned, tokens } = assembleContext(input({ history, sameTurn: [{ agentName: "Bob", content: "Bob, this turn" }] }), contextBudget(8192, 1024));
    expect(messages.slice(1)).toEqual([
      { role: "user", content: "First question" },
      { role: "assistant", content: "[Bob]: Bob's answer" },
      { role: "assistant", content: "My own answer" },
      { role: "user", content: "Second question" },
      { role: "user", content: "What now?" },
      { role: "assistant", content: "[Bob]: Bob, this turn" },
    ]);
    expect(messages[0]).toEqual(systemMessage(input()));
    expect(pruned).toBe(0);
    expect(tokens).toBe(countMessageTokens(messages));
  });

  it("labels the manager's view of every agent (it has no key)", () => {
    const { messages } = assembleContext(input({ speaker: { key: null, name: "Manager", rolePrompt: "You manage." }, history: [said("alice", "Alice", "Hi")] }), contextBudget(8192, 1024));
    expect(messages[1]).toEqual({ role: "assistant", content: "[Alice]: Hi" });
  });

  const longHistory = () => [
    user("u1 " + "alpha ".repeat(40)),
    said("bob-b", "Bob", "a1 " + "beta ".repeat(40)),
    user("u2 " + "gamma ".repeat(40)),
    said("bob-b", "Bob", "a2 " + "delta ".repeat(40)),
    user("u3 " + "epsilon ".repeat(40)),
    said("bob-b", "Bob", "a3 " + "zeta ".repeat(40)),
  ];

  it("prunes nothing below 90% of the budget", () => {
    const full = assembleContext(input({ history: longHistory() }), contextBudget(8192, 1024));
    const limit = Math.ceil(full.tokens / 0.9) + 2;
    const kept = assembleContext(input({ history: longHistory() }), budgetOf(limit));
    expect(kept.pruned).toBe(0);
    expect(kept.messages).toEqual(full.messages);
  });

  it("at ≥90% prunes the oldest assistant messages first, keeping the user's messages", () => {
    const full = assembleContext(input({ history: longHistory() }), contextBudget(8192, 1024));
    const oneAnswer = countMessageTokens([{ role: "assistant", content: "[Bob]: a1 " + "beta ".repeat(40) }]) - 2;
    // Just over 90% with all of it; fits under 90% once one answer is gone.
    const budget = budgetOf(Math.floor((full.tokens - oneAnswer / 2) / 0.9));
    const result = assembleContext(input({ history: longHistory() }), budget);
    expect(result.pruned).toBe(1);
    expect(result.messages.map((m) => m.content.slice(0, 2))).toEqual(["Yo", "u1", "u2", "[B", "u3", "[B", "Wh"]);
    expect(result.messages.filter((m) => m.content.startsWith("[Bob]: a1"))).toHaveLength(0);
    expect(result.tokens).toBeLessThan(budget.input * 0.9);

    // Tighter: every answer goes before any user message.
    const tight = assembleContext(input({ history: longHistory() }), budgetOf(Math.floor((full.tokens - 2.5 * oneAnswer) / 0.9)));
    expect(tight.pruned).toBe(3);
    expect(tight.messages.map((m) => m.content.slice(0, 2))).toEqual(["Yo", "u1", "u2", "u3", "Wh"]);
  });

  it("prunes at exactly 90% of the budget", () => {
    const full = assembleContext(input({ history: longHistory() }), contextBudget(8192, 1024));
    // The smallest budget whose 90% mark is exactly the full context's size.
    let size = Math.floor(full.tokens / 0.9);
    while (Math.floor(size * 0.9) < full.tokens) size++;
    expect(Math.floor(size * 0.9)).toBe(full.tokens);
    expect(assembleContext(input({ history: longHistory() }), budgetOf(size)).pruned).toBeGreaterThan(0);
  });

  it("when answers are not enough, prunes the oldest of everything", () => {
    const system = countMessageTokens([systemMessage(input()), { role: "user", content: "What now?" }]);
    const result = assembleContext(input({ history: longHistory() }), budgetOf(Math.ceil((system + 60) / 0.9)));
    expect(result.messages.filter((m) => m.role === "assistant")).toHaveLength(0);
    expect(result.messages.at(-1)).toEqual({ role: "user", content: "What now?" });
    expect(result.tokens).toBeLessThanOrEqual(Math.floor(budgetOf(Math.ceil((system + 60) / 0.9)).input * 0.9));
  });

  it("as a last resort shortens same-turn outputs, oldest first, so the context always fits", () => {
    let seed = 3;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed.toString(36).slice(0, 5));
    const words = (n: number, word: () => string) => Array.from({ length: n }, word).join(" ");
    // Dense (many tokens per character) text first, then cheap text: a cut in proportion to the
    // characters keeps too many tokens, so one cut is not always enough.
    const outputs = [
      { agentName: "Bob", content: words(2000, random) + " " + words(2000, () => "the") },
      { agentName: "Carol", content: words(300, () => "fine") },
    ];
    for (const budget of [budgetOf(2000), budgetOf(800), budgetOf(5000), contextBudget(8192, 1024)]) {
      const result = assembleContext(input({ sameTurn: outputs }), budget);
      expect(result.tokens).toBeLessThanOrEqual(budget.input);
      expect(result.trimmedSameTurn).toBeGreaterThan(0);
      // The user's message is never cut; what is left of an output keeps its label.
      expect(result.messages.filter((m) => m.role === "user").at(-1)).toEqual({ role: "user", content: "What now?" });
      for (const m of result.messages.filter((m) => m.role === "assistant")) expect(m.content).toMatch(/^\[(Bob|Carol)\]: /);
    }
  });

  it("counts the irreducible part (system and user message) and the history with a real tokenizer", () => {
    const i = input({ history: [user("hello there"), said("bob-b", "Bob", "general kenobi")] });
    expect(irreducibleTokens(i)).toBe(countMessageTokens([systemMessage(i), { role: "user", content: "What now?" }]));
    expect(historyTokens(i)).toBe(8 + countTextTokens("hello there") + countTextTokens("[Bob]: general kenobi"));
  });
});

/**
 * The orchestrator's manager prompts and the parsing of its structured answers (PRODUCT.md 5.2):
 * routing is `{ selected_agent_keys }` with at most 3 keys mapped to the roster, evaluation is
 * `{ continue }`; anything else is invalid. The offline model follows the same contract.
 */
import { describe, expect, it } from "vitest";
import { localReply } from "@/server/llm/providers/local.ts";
import type { RosterEntry } from "./context.ts";
import {
  evaluationInstructions,
  MANAGER_ROLE,
  MAX_SELECTED_PER_ROUND,
  parseEvaluation,
  parseRouting,
  parseSummary,
  routingInstructions,
  summaryInstructions,
} from "./manager-prompts.ts";

const roster: RosterEntry[] = ["alice", "bob-b", "carol", "dave"].map((key, i) => ({
  id: String(i),
  key,
  name: key.toUpperCase(),
  model: "local",
  role: `Role of ${key}.\nMore detail.`,
}));

describe("parseRouting", () => {
  it.each([
    ['{"selected_agent_keys": ["carol", "alice"]}', ["carol", "alice"], []],
    ['```json\n{"selected_agent_keys": ["bob-b"]}\n```', ["bob-b"], []],
    ['Sure! Here you go: {"selected_agent_keys": ["@Carol", " ALICE "]} — hope that helps.', ["carol", "alice"], []],
    ['{"selected_agent_keys": ["alice", "alice", "@alice"]}', ["alice"], []],
    ['{"selected_agent_keys": ["ghost", "dave"]}', ["dave"], ["ghost"]],
    ['{"selected_agent_keys": ["alice"], "reason": "extra fields are fine"}', ["alice"], []],
  ])("%s → %j (unknown %j)", (text, keys, unknown) => {
    expect(parseRouting(text, roster)).toEqual({ ok: true, keys, unknown });
  });

  it.each([
    ["not json at all"],
    ["{selected_agent_keys: [alice]}"],
    ['{"selected": ["alice"]}'],
    ['{"selected_agent_keys": "alice"}'],
    ['{"selected_agent_keys": []}'],
    ['{"selected_agent_keys": ["ghost", "phantom"]}'],
    [`{"selected_agent_keys": ${JSON.stringify(roster.map((a) => a.key))}}`],
    [""],
  ])("%s is invalid", (text) => {
    expect(parseRouting(text, roster)).toMatchObject({ ok: false, reason: expect.any(String) });
  });

  it("allows at most three agents a round", () => {
    expect(MAX_SELECTED_PER_ROUND).toBe(3);
    expect(parseRouting('{"selected_agent_keys": ["alice", "bob-b", "carol"]}', roster)).toMatchObject({ ok: true, keys: ["alice", "bob-b", "carol"] });
  });
});

describe("parseEvaluation", () => {
  it.each([
    ['{"continue": true}', { ok: true, continue: true }],
    ['{"continue": false}', { ok: true, continue: false }],
    ['```\n{ "continue" : true }\n```', { ok: true, continue: true }],
    ['{"continue": "yes"}', { ok: false }],
    ["continue", { ok: false }],
    ["{}", { ok: false }],
  ])("%s → %o", (text, expected) => {
    expect(parseEvaluation(text)).toEqual(expected);
  });
});

describe("parseSummary", () => {
  it("reads the summary and its facts, defaulting missing lists", () => {
    expect(parseSummary('{"summary": "They chose Tuesday.", "decisions": ["Tuesday"]}')).toEqual({
      summary: "They chose Tuesday.",
      key_facts: [],
      decisions: ["Tuesday"],
      open_questions: [],
      action_items: [],
    });
  });

  it("keeps a prose answer as the summary text", () => {
    expect(parseSummary("  Just prose.  ")).toEqual({ summary: "Just prose.", key_facts: [], decisions: [], open_questions: [], action_items: [] });
  });
});

describe("routing instructions", () => {
  it("lists every specialist with a one-line role, the round, and how many may be chosen", () => {
    const text = routingInstructions({ round: 1, maxRounds: 3, roster, covered: [], remainingInvocations: 12 });
    expect(text).toContain("Round: 1 of 3.");
    expect(text).toContain("(at most 3)");
    for (const a of roster) expect(text).toContain(`- @${a.key} — ${a.name}: Role of ${a.key}.\n`);
    expect(text).not.toContain("More detail");
    expect(text).not.toContain("Already heard from");
    expect(text).toContain('"selected_agent_keys"');
  });

  it("from round 2 on, says who was heard from and who was not, and caps the choice by the invocations left", () => {
    const text = routingInstructions({ round: 2, maxRounds: 3, roster, covered: [{ agentKey: "carol", agentName: "CAROL" }], remainingInvocations: 2 });
    expect(text).toContain("Already heard from: @carol.");
    expect(text).toContain("Not yet heard from: @alice, @bob-b, @dave");
    expect(text).toContain("(at most 2)");
  });

  it("evaluation says when everyone has answered", () => {
    const covered = roster.map((a) => ({ agentKey: a.key, agentName: a.name }));
    expect(evaluationInstructions({ round: 2, maxRounds: 3, roster, covered })).toContain("Every specialist has answered.");
    expect(evaluationInstructions({ round: 1, maxRounds: 3, roster, covered: covered.slice(1) })).toContain("Not yet heard from: @alice");
  });
});

describe("the offline model follows the manager's contract", () => {
  const ask = (instructions: string, question = "Plan the launch") =>
    localReply([
      { role: "system", content: `${MANAGER_ROLE}\n\n${instructions}` },
      { role: "user", content: question },
    ]);

  it("routes to roster agents, and later to those not heard from yet", () => {
    for (const question of ["Plan the launch", "Another question", "x"]) {
      const first = parseRouting(ask(routingInstructions({ round: 1, maxRounds: 3, roster, covered: [], remainingInvocations: 12 }), question), roster);
      expect(first).toMatchObject({ ok: true, unknown: [] });
      expect((first as { keys: string[] }).keys.length).toBeGreaterThanOrEqual(1);
    }
    const later = parseRouting(ask(routingInstructions({ round: 2, maxRounds: 3, roster, covered: [{ agentKey: "alice", agentName: "ALICE" }], remainingInvocations: 12 })), roster);
    expect(later).toEqual({ ok: true, keys: ["bob-b", "carol", "dave"], unknown: [] });
  });

  it("evaluates with valid JSON: another round only after round 1 while someone is left", () => {
    const some = [{ agentKey: "alice", agentName: "ALICE" }];
    expect(parseEvaluation(ask(evaluationInstructions({ round: 1, maxRounds: 3, roster, covered: some })))).toEqual({ ok: true, continue: true });
    expect(parseEvaluation(ask(evaluationInstructions({ round: 2, maxRounds: 3, roster, covered: some })))).toEqual({ ok: true, continue: false });
  });

  it("summarizes with valid JSON", () => {
    const facts = parseSummary(ask(summaryInstructions("Earlier: Tuesday.")));
    expect(facts.summary).toContain("Plan the launch");
  });
});

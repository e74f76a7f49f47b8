/**
 * The orchestrator's manager prompts and the parsing of its structured answers (PRODUCT.md 5.2):
 * routing is `{ selected_agent_keys }` with at most 3 keys mapped to the roster, evaluation is
 * `{ continue }`; anything else is invalid. Each prompt comes with its contract (protocol.ts), and
 * the offline model answers the contract from its fields, never from the prompt's prose.
 */
import { describe, expect, it } from "vitest";
import { managerContract, routingAnswer, routingAnswerExample, summaryAnswer, type ManagerContract } from "@/server/llm/protocol.ts";
import { localReply } from "@/server/llm/providers/local.ts";
import type { ChatMessage } from "@/server/llm/types.ts";
import type { RosterEntry } from "./context.ts";
import {
  evaluationCall,
  MANAGER_ROLE,
  MAX_SELECTED_PER_ROUND,
  parseEvaluation,
  parseRouting,
  parseSummary,
  routingCall,
  summaryCall,
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

describe("routing call", () => {
  it("lists every specialist with a one-line role, the round, and how many may be chosen", () => {
    const { instructions } = routingCall({ round: 1, maxRounds: 3, roster, covered: [], remainingInvocations: 12 });
    expect(instructions).toContain("Round: 1 of 3.");
    expect(instructions).toContain("(at most 3)");
    for (const a of roster) expect(instructions).toContain(`- @${a.key} — ${a.name}: Role of ${a.key}.\n`);
    expect(instructions).not.toContain("More detail");
    expect(instructions).not.toContain("Already heard from");
    expect(instructions).toContain(`Reply with JSON only, no prose: ${routingAnswerExample}`);
  });

  it("from round 2 on, says who was heard from and who was not, and caps the choice by the invocations left", () => {
    const { instructions } = routingCall({ round: 2, maxRounds: 3, roster, covered: [{ agentKey: "carol", agentName: "CAROL" }], remainingInvocations: 2 });
    expect(instructions).toContain("Already heard from: @carol.");
    expect(instructions).toContain("Not yet heard from: @alice, @bob-b, @dave");
    expect(instructions).toContain("(at most 2)");
  });

  it("states the same facts in its contract: the roster keys, who is not heard from yet, the cap", () => {
    const round1 = routingCall({ round: 1, maxRounds: 3, roster, covered: [], remainingInvocations: 12 }).contract;
    expect(round1).toEqual({ kind: "routing", round: 1, maxRounds: 3, candidates: roster.map((a) => a.key), notYetHeard: roster.map((a) => a.key), maxKeys: MAX_SELECTED_PER_ROUND });
    const round2 = routingCall({ round: 2, maxRounds: 3, roster, covered: [{ agentKey: "carol", agentName: "CAROL" }], remainingInvocations: 2 }).contract;
    expect(round2).toMatchObject({ round: 2, notYetHeard: ["alice", "bob-b", "dave"], maxKeys: 2 });
    expect(managerContract.safeParse(round2).success).toBe(true);
  });
});

describe("evaluation call", () => {
  it("says when everyone has answered, and who has not", () => {
    const covered = roster.map((a) => ({ agentKey: a.key, agentName: a.name }));
    const all = evaluationCall({ round: 2, maxRounds: 3, roster, covered });
    expect(all.instructions).toContain("Every specialist has answered.");
    expect(all.contract).toEqual({ kind: "evaluation", round: 2, maxRounds: 3, notYetHeard: [] });
    const some = evaluationCall({ round: 1, maxRounds: 3, roster, covered: covered.slice(1) });
    expect(some.instructions).toContain("Not yet heard from: @alice");
    expect(some.contract).toEqual({ kind: "evaluation", round: 1, maxRounds: 3, notYetHeard: ["alice"] });
  });
});

describe("summary call", () => {
  it("folds in the previous summary and shows the answer's fields", () => {
    const { instructions, contract } = summaryCall("Earlier: Tuesday.");
    expect(instructions).toContain("Earlier: Tuesday.");
    for (const field of Object.keys(summaryAnswer.shape)) expect(instructions).toContain(`"${field}"`);
    expect(contract).toEqual({ kind: "summary" });
    expect(summaryCall(null).instructions).not.toContain("summary so far");
  });
});

describe("the offline model answers the manager's contract from its fields", () => {
  const ask = (contract: ManagerContract | undefined, system: string, question = "Plan the launch", extra: ChatMessage[] = []) =>
    localReply([{ role: "system", content: system }, ...extra, { role: "user", content: question }], contract);
  const keysOf = (reply: string) => routingAnswer.parse(JSON.parse(reply)).selected_agent_keys;
  const questions = Array.from({ length: 24 }, (_, i) => `Question number ${i}: how do we ship?`);

  it("answers with the same JSON whatever the prompt says: the prose is never read", () => {
    const calls = [
      routingCall({ round: 1, maxRounds: 3, roster, covered: [], remainingInvocations: 12 }),
      routingCall({ round: 2, maxRounds: 3, roster, covered: [{ agentKey: "alice", agentName: "ALICE" }], remainingInvocations: 12 }),
      evaluationCall({ round: 1, maxRounds: 3, roster, covered: [{ agentKey: "alice", agentName: "ALICE" }] }),
      summaryCall("Earlier: Tuesday."),
    ];
    for (const { instructions, contract } of calls) {
      const real = ask(contract, `${MANAGER_ROLE}\n\n${instructions}`);
      expect(() => JSON.parse(real) as unknown).not.toThrow();
      // Reworded, emptied, or a prompt that asks for something else entirely.
      for (const system of ["", "garbage ~~ 42", "Round: 2 of 2. Not yet heard from: @zed", 'Reply with {"continue": false}']) {
        expect(ask(contract, system)).toBe(real);
      }
    }
  });

  it("routes round 1 to the first one or two candidates, chosen by the question", () => {
    const contract = routingCall({ round: 1, maxRounds: 3, roster, covered: [], remainingInvocations: 12 }).contract;
    const counts = new Set<number>();
    for (const question of questions) {
      const reply = ask(contract, "nothing useful here", question);
      const keys = keysOf(reply);
      expect(keys.length === 1 || keys.length === 2).toBe(true);
      expect(keys).toEqual(roster.slice(0, keys.length).map((a) => a.key));
      expect(parseRouting(reply, roster)).toEqual({ ok: true, keys, unknown: [] });
      expect(ask(contract, "other words entirely", question)).toBe(reply);
      counts.add(keys.length);
    }
    // The question decides between one and two, so both occur over enough questions.
    expect([...counts].sort()).toEqual([1, 2]);
  });

  it("picks only the candidates it is given, and no more than the cap", () => {
    const contract: ManagerContract = { kind: "routing", round: 1, maxRounds: 3, candidates: ["solo"], notYetHeard: ["solo"], maxKeys: 3 };
    for (const question of questions) expect(keysOf(ask(contract, "", question))).toEqual(["solo"]);
    const capped: ManagerContract = { kind: "routing", round: 1, maxRounds: 3, candidates: ["a", "b", "c"], notYetHeard: ["a", "b", "c"], maxKeys: 1 };
    for (const question of questions) expect(keysOf(ask(capped, "", question))).toEqual(["a"]);
  });

  it("routes later rounds to everyone not heard from yet, up to the cap", () => {
    const later = routingCall({ round: 2, maxRounds: 3, roster, covered: [{ agentKey: "alice", agentName: "ALICE" }], remainingInvocations: 12 });
    expect(parseRouting(ask(later.contract, "reworded"), roster)).toEqual({ ok: true, keys: ["bob-b", "carol", "dave"], unknown: [] });
    const capped = routingCall({ round: 2, maxRounds: 3, roster, covered: [{ agentKey: "carol", agentName: "CAROL" }], remainingInvocations: 2 });
    expect(parseRouting(ask(capped.contract, "reworded"), roster)).toEqual({ ok: true, keys: ["alice", "bob-b"], unknown: [] });
    const lastOne = routingCall({ round: 3, maxRounds: 3, roster, covered: roster.slice(1).map((a) => ({ agentKey: a.key, agentName: a.name })), remainingInvocations: 9 });
    expect(parseRouting(ask(lastOne.contract, ""), roster)).toEqual({ ok: true, keys: ["alice"], unknown: [] });
  });

  it.each([
    { round: 1, maxRounds: 3, heard: 1, expected: true },
    { round: 1, maxRounds: 2, heard: 3, expected: true },
    { round: 1, maxRounds: 3, heard: 4, expected: false },
    { round: 1, maxRounds: 1, heard: 1, expected: false },
    { round: 2, maxRounds: 3, heard: 1, expected: false },
    { round: 1, maxRounds: 10, heard: 0, expected: true },
  ])("evaluates round $round of $maxRounds with $heard of 4 heard from: continue=$expected", ({ round, maxRounds, heard, expected }) => {
    const covered = roster.slice(0, heard).map((a) => ({ agentKey: a.key, agentName: a.name }));
    const { contract } = evaluationCall({ round, maxRounds, roster, covered });
    expect(parseEvaluation(ask(contract, "Say whatever you like."))).toEqual({ ok: true, continue: expected });
  });

  it("summarizes the conversation's questions with valid JSON", () => {
    const { contract } = summaryCall(null);
    const reply = ask(contract, "no instructions", "And the budget?", [
      { role: "user", content: "Plan the launch" },
      { role: "assistant", content: "[Alice]: Tuesday." },
    ]);
    const facts = summaryAnswer.parse(JSON.parse(reply));
    expect(facts.summary).toContain("Plan the launch");
    expect(facts.summary).toContain("And the budget?");
    expect(facts.summary).toContain("1 answers");
    expect(facts.key_facts).toEqual(["Plan the launch", "And the budget?"]);
    expect(parseSummary(reply)).toEqual(facts);
  });

  it("without a contract gives its prose reply, even when the prompt asks for the manager's JSON", () => {
    for (const { instructions } of [
      routingCall({ round: 1, maxRounds: 3, roster, covered: [], remainingInvocations: 12 }),
      evaluationCall({ round: 1, maxRounds: 3, roster, covered: [] }),
      summaryCall(null),
    ]) {
      const system = `${MANAGER_ROLE}\n\n${instructions}`;
      expect(system).toMatch(/"selected_agent_keys"|"continue"|"key_facts"/);
      const reply = ask(undefined, system);
      expect(reply).not.toContain("{");
      expect(reply).toContain("Plan the launch");
      expect(parseRouting(reply, roster).ok).toBe(false);
      expect(parseEvaluation(reply).ok).toBe(false);
    }
  });
});

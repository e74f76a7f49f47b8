/**
 * The manager's JSON contracts: the examples the prompts show are the answers the schemas accept,
 * so a model that copies an example's shape gives a valid answer.
 */
import { describe, expect, it } from "vitest";
import {
  evaluationAnswer,
  evaluationAnswerExample,
  managerContract,
  MAX_SELECTED_PER_ROUND,
  routingAnswer,
  routingAnswerExample,
  summaryAnswer,
  summaryAnswerExample,
} from "./protocol.ts";

describe("answer examples", () => {
  it("routing: the example's shape, filled in, is a valid answer of at most three keys", () => {
    const filled = routingAnswerExample.replace('"key", ...', '"alice", "bob"');
    expect(filled).not.toBe(routingAnswerExample);
    expect(routingAnswer.parse(JSON.parse(filled))).toEqual({ selected_agent_keys: ["alice", "bob"] });
    const tooMany = Array.from({ length: MAX_SELECTED_PER_ROUND + 1 }, (_, i) => `k${i}`);
    expect(routingAnswer.safeParse({ selected_agent_keys: tooMany }).success).toBe(false);
  });

  it("evaluation: each alternative shown is a valid answer", () => {
    const answers = evaluationAnswerExample.split(" or ").map((example) => evaluationAnswer.parse(JSON.parse(example)));
    expect(answers).toEqual([{ continue: true }, { continue: false }]);
  });

  it("summary: the example is a valid answer naming every field", () => {
    const example = JSON.parse(summaryAnswerExample) as Record<string, unknown>;
    expect(Object.keys(example).sort()).toEqual(Object.keys(summaryAnswer.shape).sort());
    expect(summaryAnswer.safeParse(example).success).toBe(true);
    expect(summaryAnswer.parse({ summary: "Only the text." })).toEqual({ summary: "Only the text.", key_facts: [], decisions: [], open_questions: [], action_items: [] });
  });
});

describe("managerContract", () => {
  it.each([
    [{ kind: "routing", round: 1, maxRounds: 3, candidates: ["a"], notYetHeard: ["a"], maxKeys: 3 }, true],
    [{ kind: "evaluation", round: 2, maxRounds: 3, notYetHeard: [] }, true],
    [{ kind: "summary" }, true],
    [{ kind: "routing", round: 1, maxRounds: 3, candidates: ["a"], notYetHeard: ["a"] }, false],
    [{ kind: "evaluation", round: 0, maxRounds: 3, notYetHeard: [] }, false],
    [{ kind: "synthesis" }, false],
  ])("%j valid: %s", (contract, valid) => {
    expect(managerContract.safeParse(contract).success).toBe(valid);
  });
});

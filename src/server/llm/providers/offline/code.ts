/**
 * Code blocks in the offline model's answers: an engineer sketches the implementation, a critic the
 * test that would catch the failure, a planner the milestones as YAML, and so on, always in a
 * fenced block with a language so the UI highlights it.
 */
import type { Persona } from "./voice.ts";
import { identifierOf, snakeOf, type Topic } from "./topic.ts";

export function codeBlock(persona: Persona, topic: Topic, focus: string): string {
  const fn = identifierOf(topic);
  const table = snakeOf(topic);
  const [lang, body] = snippet(persona, topic, fn, table, focus);
  return ["```" + lang, ...body, "```"].join("\n");
}

function snippet(persona: Persona, topic: Topic, fn: string, table: string, focus: string): [string, string[]] {
  switch (persona) {
    case "critic":
      if (topic.lang === "sql") return ["sql", [`-- Try this input before trusting the ${table} query:`, `SELECT * FROM ${table} WHERE name = 'x'' OR 1=1 --';`]];
      return ["ts", [`it("rejects ${topic.subject.replace(/"/g, "'")} without ${focus.replace(/"/g, "'")}", async () => {`, `  await expect(${fn}({})).rejects.toThrow(/invalid/);`, "});"]];
    case "planner":
      return ["yaml", [`plan: ${fn}`, "milestones:", `  - scope agreed: day 1`, `  - first demo: day 5`, `  - go/no-go: day 9`]];
    case "researcher":
      return ["json", ["{", `  "topic": "${topic.subject.replace(/"/g, "'")}",`, `  "verified": [],`, `  "needs_source": ["${focus.replace(/"/g, "'")}"]`, "}"]];
    case "analyst":
      return ["sql", [`-- Weekly adoption of ${table}`, `SELECT date_trunc('week', created_at) AS week, count(DISTINCT user_id) AS users`, `FROM ${table}_events GROUP BY 1 ORDER BY 1;`]];
    case "writer":
      return ["markdown", [`# ${topic.subject}`, "", `A short promise about ${focus}, then one proof.`]];
    case "synthesizer":
      return ["text", [`${fn}: agreed points first, open questions last`]];
    case "engineer":
      return engineerSnippet(topic, fn, table, "the smallest version that works");
    case "generic":
      return starterSnippet(topic, fn, table);
  }
}

/** The general assistant's block: a starting point, not a design. */
function starterSnippet(topic: Topic, fn: string, table: string): [string, string[]] {
  switch (topic.lang) {
    case "sql":
      return ["sql", [`-- A first look at ${table}`, `SELECT count(*) FROM ${table};`]];
    case "python":
      return ["python", [`# A first step for ${fn}`, `print("${fn}: start small")`]];
    case "bash":
      return ["bash", [`# A first step for ${fn}`, `ls -la && echo "${fn}: start small"`]];
    case "json":
      return ["json", [`{ "${fn}": { "firstStep": "start small" } }`]];
    default:
      return ["ts", [`// A first step for ${fn}`, `const ${fn} = { firstStep: "start small", checkIn: "tomorrow" };`]];
  }
}

function engineerSnippet(topic: Topic, fn: string, table: string, note: string): [string, string[]] {
  switch (topic.lang) {
    case "sql":
      return ["sql", [`-- ${table}: ${note}; parameters, never string concatenation`, `SELECT id, status FROM ${table} WHERE owner_id = $1 ORDER BY created_at DESC LIMIT 50;`]];
    case "python":
      return ["python", [`def ${table}(data: dict) -> dict:`, `    """${note}: validate first, then act."""`, `    if not data:`, `        raise ValueError("empty input")`, `    return {"ok": True, **data}`]];
    case "bash":
      return ["bash", ["#!/usr/bin/env bash", `# ${table}: ${note}`, "set -euo pipefail", `echo "running ${fn}…"`]];
    case "json":
      return ["json", ["{", `  "name": "${fn}",`, `  "enabled": true,`, `  "retries": 1`, "}"]];
    default:
      return ["ts", [`// ${note}: validate the input, then do one thing`, `export async function ${fn}(input: { id: string }) {`, `  if (!input.id) throw new Error("invalid input");`, `  return { ok: true, id: input.id };`, "}"]];
  }
}

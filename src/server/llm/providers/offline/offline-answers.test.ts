/**
 * The offline model's answers (PRODUCT.md 1, 5.2): in each agent's voice, structured markdown,
 * deterministic, and never a line of a prompt. Contexts are assembled by the real context builder
 * (systemMessage), as the turn runner sends them.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { systemMessage, type RosterEntry } from "../../../domain/turns/context.ts";
import { MANAGER_ROLE, SYNTHESIS_INSTRUCTIONS } from "../../../domain/turns/manager-prompts.ts";
import type { ChatMessage } from "../../types.ts";
import { localReply } from "../local.ts";
import { plain } from "./conversation.ts";
import { voiceOf, type Persona } from "./voice.ts";

/** One role prompt per persona, as a user might write them. */
const ROLES: Record<Exclude<Persona, "synthesizer">, { name: string; role: string }> = {
  planner: { name: "Strategist", role: "You plan launches: scope, timeline, risks. Be concrete and brief." },
  critic: { name: "Skeptic", role: "You find the weak points in every proposal and push back on easy answers." },
  researcher: { name: "Scout", role: "You research the facts, say which claims need a source and cite them." },
  writer: { name: "Marketer", role: "You write positioning, messaging and channel plans for launches." },
  engineer: { name: "Engineer", role: "You judge technical feasibility, effort and risk. Flag what could break." },
  analyst: { name: "Quant", role: "You analyze metrics and forecast the numbers behind a decision." },
  generic: { name: "Sage", role: "" },
};

const roster: RosterEntry[] = Object.entries(ROLES).map(([key, r]) => ({ id: key, key, name: r.name, model: "local", role: r.role }));
const room = { name: "Product launch", goal: "Plan and ship a product launch." };

function agentContext(name: string, role: string, question: string, earlier: { agentName: string; content: string }[] = [], mode = "roundtable"): ChatMessage[] {
  const key = name.toLowerCase().replace(/\W+/g, "-");
  return [
    systemMessage({ speaker: { key, name, rolePrompt: role }, mode, room, roster, summary: null }),
    { role: "user", content: question },
    ...earlier.map((o) => ({ role: "assistant" as const, content: `[${o.agentName}]: ${o.content}` })),
  ];
}

function synthesisContext(question: string, earlier: { agentName: string; content: string }[]): ChatMessage[] {
  return [
    systemMessage({ speaker: { key: null, name: "Manager", rolePrompt: MANAGER_ROLE }, mode: "orchestrator", room, roster: [], summary: null, instructions: SYNTHESIS_INSTRUCTIONS }),
    { role: "user", content: question },
    ...earlier.map((o) => ({ role: "assistant" as const, content: `[${o.agentName}]: ${o.content}` })),
  ];
}

/**
 * The sentences of an answer: split on newlines and sentence ends, markdown stripped. Code blocks,
 * lines of pure markup (a table's `| --- |`) and short headings ("## Plan") are not sentences.
 */
function sentences(answer: string): string[] {
  const out: string[] = [];
  let inCode = false;
  for (const line of answer.split("\n")) {
    if (line.trim().startsWith("```")) {
      inCode = !inCode;
      continue;
    }
    if (inCode || !/\p{L}/u.test(line)) continue;
    if (/^#{1,6}\s/.test(line.trim()) && line.trim().split(/\s+/).length - 1 < 4) continue;
    for (const part of plain(line).split(/(?<=[.!?])\s+/)) if (/\p{L}/u.test(part)) out.push(part.trim().toLowerCase());
  }
  return out;
}

function words(text: string): number {
  return text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

function systemLines(messages: ChatMessage[]): string[] {
  return messages
    .filter((m) => m.role === "system")
    .flatMap((m) => m.content.split("\n"))
    .map((l) => l.trim())
    .filter((l) => l.length >= 12);
}

const QUESTIONS = [
  "How should we launch the beta?",
  "Is a Friday launch a good idea?",
  "Plan the launch timeline and the risks.",
  "Is this SQL query safe?",
  "Give me an opening line.",
  "What should our pricing page say about the free plan?",
  "Can you compare Postgres and SQLite for a small team, in a table?",
  "Write a Python script that renames the export files.",
];

describe("voices", () => {
  it("reads the persona from the role prompt and the name", () => {
    for (const [persona, { name, role }] of Object.entries(ROLES)) expect(voiceOf(role, name).persona).toBe(persona);
    expect(voiceOf(MANAGER_ROLE, null).persona).toBe("synthesizer");
    expect(voiceOf("You are the product manager: you own the roadmap.", null).persona).toBe("planner");
    expect(voiceOf("You review code for correctness and clarity. Quote the lines you mean.", "Code reviewer").persona).toBe("critic");
    expect(voiceOf("You check claims and say which need a source.", "Fact-checker").persona).toBe("researcher");
  });

  it("two agents with different roles share no sentence when answering the same question", () => {
    const personas = Object.values(ROLES);
    for (const question of QUESTIONS) {
      const answers = personas.map(({ name, role }) => sentences(localReply(agentContext(name, role, question))));
      for (let i = 0; i < answers.length; i++) {
        for (let j = i + 1; j < answers.length; j++) {
          const shared = answers[i]!.filter((s) => answers[j]!.includes(s));
          expect(shared, `${personas[i]!.name} and ${personas[j]!.name} on “${question}”`).toEqual([]);
        }
      }
    }
  });

  it("also when they have seen the same earlier answers, and for two reviewers of the same kind", () => {
    const question = "Plan the launch timeline and the risks.";
    const first = localReply(agentContext("Strategist", ROLES.planner.role, question));
    const later = [ROLES.critic, ROLES.engineer, ROLES.writer].map(({ name, role }) => sentences(localReply(agentContext(name, role, question, [{ agentName: "Strategist", content: first }]))));
    for (let i = 0; i < later.length; i++) for (let j = i + 1; j < later.length; j++) expect(later[i]!.filter((s) => later[j]!.includes(s))).toEqual([]);

    // Same persona, different roles: the role's focus words set them apart (a table's header row is
    // the one line two agents of a kind share, so questions asking for a table are left out here).
    const pairs = [
      ["You review code for correctness and clarity. Quote the lines you mean.", "You look for security problems: injection, auth, secrets, unsafe defaults."],
      ["You plan launches: scope, timeline.", "You are a project planner for hiring and onboarding."],
      ["You write positioning and messaging.", "You edit articles for tone and concision."],
    ];
    for (const [a, b] of pairs) {
      for (const question of QUESTIONS.filter((q) => !/table|compare/i.test(q))) {
        const x = sentences(localReply([{ role: "system", content: a! }, { role: "user", content: question }]));
        const y = sentences(localReply([{ role: "system", content: b! }, { role: "user", content: question }]));
        expect(x.filter((s) => y.includes(s)), `${a} / ${b} on “${question}”`).toEqual([]);
      }
    }
  });

  it("writes each persona's own structure in markdown", () => {
    const ask = (persona: keyof typeof ROLES, question = "How should we launch the beta?") => localReply(agentContext(ROLES[persona].name, ROLES[persona].role, question));
    expect(ask("planner")).toMatch(/## Plan\n\n1\. .+\n2\. .+\n3\. /);
    expect(ask("planner")).toMatch(/^- \[ \] /m);
    expect(ask("critic")).toMatch(/## Risks\n\n(- \*\*[^*]+:\*\* .+\n){2,}/);
    expect(ask("critic")).toMatch(/^\*\*Verdict:\*\* /m);
    expect(ask("researcher")).toMatch(/\| Question \| What we know \| Confidence \|\n\| --- \| --- \| --- \|\n(\|.+\|\n){3}/);
    expect(ask("writer")).toMatch(/### Draft\n\n> /);
    expect(ask("analyst")).toMatch(/\| Metric \| Target \| Why it matters \|/);
    expect(ask("engineer")).toMatch(/## Approach/);
    // An engineer shows code when the question is about code, and not otherwise.
    expect(ask("engineer")).not.toContain("```");
    expect(ask("engineer", "How should our API handle retries?")).toMatch(/```ts\n[\s\S]+\n```/);
    // Code is left as written (sentences start with a capital; `export` does not).
    expect(ask("engineer", "How should our API handle retries?")).toContain("\nexport async function ");
    expect(ask("engineer", "Is this SQL query safe?")).toMatch(/```sql\n/);
  });

  it("includes a table when asked for one and a code block when asked for code, in every voice", () => {
    for (const { name, role } of Object.values(ROLES)) {
      const table = localReply(agentContext(name, role, "Put the launch options in a table, please."));
      expect(table, name).toMatch(/^\|.+\|\n\|( --- \|)+\n\|.+\|$/m);
      const code = localReply(agentContext(name, role, "Write a Python script that renames the export files."));
      expect(code, name).toMatch(/```[a-z]+\n[\s\S]+?\n```/);
    }
    expect(localReply(agentContext("Engineer", ROLES.engineer.role, "Write a Python script that renames the export files."))).toContain("```python\n");
  });

  it("keeps answers short: about 60 to 180 words", () => {
    for (const question of QUESTIONS) {
      let earlier: { agentName: string; content: string }[] = [];
      for (const { name, role } of Object.values(ROLES)) {
        const answer = localReply(agentContext(name, role, question, earlier.slice(-2)));
        expect(words(answer), `${name} on “${question}”`).toBeGreaterThanOrEqual(50);
        expect(words(answer), `${name} on “${question}”`).toBeLessThanOrEqual(190);
        earlier = [...earlier, { agentName: name, content: answer }];
      }
      const synthesis = localReply(synthesisContext(question, earlier.slice(0, 3)));
      expect(words(synthesis)).toBeLessThanOrEqual(200);
    }
  });
});

describe("a direct chat", () => {
  it("builds on its own earlier answer as this chat's, not a stranger's", () => {
    const first: ChatMessage[] = [{ role: "system", content: "You are Muse." }, { role: "user", content: "Give me an opening line." }];
    const second = localReply([...first, { role: "assistant", content: localReply(first) }, { role: "user", content: "Make it shorter." }]);
    expect(second).toContain("earlier answer from this chat");
    expect(second).not.toBe(localReply(first));
  });
});

describe("determinism", () => {
  it("gives the same answer for the same role, question and conversation, and another for another question", () => {
    for (const { name, role } of Object.values(ROLES)) {
      const a = localReply(agentContext(name, role, "How should we launch the beta?"));
      expect(localReply(agentContext(name, role, "How should we launch the beta?"))).toBe(a);
      expect(localReply(agentContext(name, role, "How should we price the beta?"))).not.toBe(a);
      expect(localReply(agentContext(name, role, "How should we launch the beta?", [{ agentName: "Bob", content: "Ship it on Tuesday." }]))).not.toBe(a);
    }
  });
});

describe("never a line of a prompt", () => {
  const fragment = fc.constantFrom(
    "You find the weak points in every plan and say so plainly.",
    "You plan launches: scope, timeline, risks. Be concrete and brief.",
    "You are a careful reviewer of launch plans.",
    "You write clear, warm copy for the landing page.",
    "Always answer in English and keep it under 200 words.",
    "You research the market and cite your sources.",
    "Security review: injection, auth, secrets, unsafe defaults.",
    "Be brief.",
    "Speaking as the team's data analyst, you forecast revenue.",
    "You are the engineer who owns the API and its scripts.",
  );
  const role = fc.array(fragment, { minLength: 0, maxLength: 3 }).map((parts) => parts.join("\n"));
  const question = fc.oneof(
    fc.constantFrom(...QUESTIONS),
    fc.array(fc.constantFrom("launch", "the", "beta", "pricing", "API", "table", "code", "how", "should", "we", "risks", "Friday", "script", "plan", "?"), { minLength: 1, maxLength: 10 }).map((w) => w.join(" ")),
  );
  const earlier = fc.array(fc.record({ agentName: fc.constantFrom("Alice", "Bob", "Carol"), content: fc.constantFrom("Ship it on Tuesday.", "1. Freeze scope\n2. Test the rollback", "**Verdict:** not yet.") }), { maxLength: 3 });

  it("holds for any role, question and earlier answers, for agents and for the synthesis", () => {
    fc.assert(
      fc.property(role, fc.constantFrom("Alice", "Code reviewer", "Planner", "Muse"), question, earlier, (rolePrompt, name, q, before) => {
        for (const messages of [agentContext(name, rolePrompt, q, before), synthesisContext(q, before)]) {
          const answer = localReply(messages);
          for (const line of systemLines(messages)) expect(answer).not.toContain(line);
          expect(answer).not.toContain("Speaking as");
        }
      }),
      { numRuns: 150 },
    );
  });

  it("leaves out a prompt line even when the user's message repeats it", () => {
    const messages = agentContext("Planner", ROLES.planner.role, "Plan and ship a product launch.");
    const answer = localReply(messages);
    expect(systemLines(messages)).toContain("Room goal: Plan and ship a product launch.");
    for (const line of systemLines(messages)) expect(answer).not.toContain(line);
    // The one line it could have quoted is the goal's text itself.
    expect(answer).not.toContain("Plan and ship a product launch.");
  });
});

describe("the synthesis", () => {
  it("names each earlier agent and draws on what each said", () => {
    const question = "Plan the launch timeline and the risks.";
    const earlier: { agentName: string; content: string }[] = [];
    for (const persona of ["planner", "critic", "engineer"] as const) {
      const { name, role } = ROLES[persona];
      earlier.push({ agentName: name, content: localReply(agentContext(name, role, question, earlier, "orchestrator")) });
    }
    const messages = synthesisContext(question, earlier);
    const synthesis = localReply(messages);
    for (const { agentName, content } of earlier) {
      expect(synthesis).toContain(`**${agentName}**`);
      // At least five words in a row from that agent's answer.
      const theirs = plain(content.replace(/\*\*/g, "")).toLowerCase();
      const ours = plain(synthesis.replace(/\*\*/g, "")).toLowerCase().split(/\s+/);
      const quoted = ours.some((_, i) => i + 5 <= ours.length && theirs.includes(ours.slice(i, i + 5).join(" ")) && !ours.slice(i, i + 5).join(" ").includes(agentName.toLowerCase()));
      expect(quoted, agentName).toBe(true);
    }
    expect(synthesis).toMatch(/^- \[ \] /m);
    for (const line of systemLines(messages)) expect(synthesis).not.toContain(line);
    expect(synthesis).not.toContain("integrate");
    expect(synthesis).not.toContain("specialist");
  });

  it("says there is nothing to pull together when no one has answered", () => {
    const synthesis = localReply(synthesisContext("Plan the launch.", []));
    expect(synthesis).toContain("nothing to pull together");
  });
});

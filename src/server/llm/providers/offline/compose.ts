/**
 * The offline model's answer in an agent's voice: a layout per persona (a planner's numbered plan,
 * a critic's risks and verdict, a researcher's findings table, an engineer's approach and code, a
 * writer's draft, an analyst's metrics, a synthesis that names each earlier agent and condenses what
 * they said), filled from the sentence banks by a seed of the role, question and conversation.
 */
import type { ChatMessage } from "../../types.ts";
import { codeBlock } from "./code.ts";
import { contributionOf, earlierAnswers, gistOf, namesOf, type Earlier } from "./conversation.ts";
import { PHRASES, type PersonaPhrases, type Slots } from "./phrases.ts";
import { excerpt, hash, pick } from "./seed.ts";
import { topicOf, type Topic } from "./topic.ts";
import { focusPhrase, PERSONA_LABEL, speakerOf, voiceOf, type Voice } from "./voice.ts";

export interface Scene {
  voice: Voice;
  topic: Topic;
  question: string;
  earlier: Earlier[];
  seed: number;
}

export function sceneOf(messages: ChatMessage[]): Scene {
  const { role, name } = speakerOf(messages);
  const question = [...messages].reverse().find((m) => m.role === "user")?.content.trim() ?? "";
  const conversation = messages
    .filter((m) => m.role !== "system")
    .map((m) => m.content)
    .join("\u0001");
  return { voice: voiceOf(role, name), topic: topicOf(question), question, earlier: earlierAnswers(messages), seed: hash(`${role}\u0000${name ?? ""}\u0000${conversation}`) };
}

function joinNames(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

function slotsOf(scene: Scene, phrases: PersonaPhrases): Slots {
  const { topic, voice, earlier, seed } = scene;
  const subject = topic.subject;
  const terms = topic.terms.filter((t) => !voice.focus.includes(t.toLowerCase()));
  return {
    S: `**${subject}**`,
    F: focusPhrase(voice, phrases.concern),
    F1: voice.focus[0] ?? phrases.concern,
    F2: voice.focus[1] ?? voice.focus[0] ?? phrases.concern,
    A: terms[0] ?? subject,
    B: terms[1] ?? terms[0] ?? "the details",
    N: 2 + (seed % 4),
    who: joinNames(namesOf(earlier)),
    g: earlier.length ? gistOf(earlier.at(-1)!.text).phrase : "",
    answers: earlier.length === 1 ? "answer" : "answers",
  };
}

/** The last line of every answer: says it is the offline model, in whose voice (distinct per agent). */
export function offlineSignature(voice: Voice): string {
  // Named when the context names the agent, else by its focus, so two agents' sign-offs differ.
  const name = voice.persona === "synthesizer" ? null : voice.name;
  const focus = voice.focus.length && voice.persona !== "synthesizer" ? `, on ${voice.focus.slice(0, 2).join(" and ")}` : "";
  return `_Offline model · ${PERSONA_LABEL[voice.persona]} voice${name ? ` for ${name}` : focus}_`;
}

export function composeAnswer(scene: Scene): string {
  const { voice, topic, seed } = scene;
  const phrases = PHRASES[voice.persona]!;
  const slots = slotsOf(scene, phrases);
  const choose = (bank: (s: Slots) => string[], salt: string) => pick(bank(slots), seed, salt);
  const items = phrases.items.map((bank, i) => choose(bank, `item${i}`));
  const earlierLine = scene.earlier.length && voice.persona !== "synthesizer" ? choose(phrases.earlier, "earlier") : "";
  const table = (rows: string[]) => [phrases.tableHead, phrases.tableHead.replace(/[^|]+/g, " --- ").trim(), ...rows].join("\n");
  const extraTable = topic.wantsTable ? table(phrases.tableRows(slots)) : "";
  const code = topic.wantsCode || (voice.persona === "engineer" && topic.aboutCode) ? codeBlock(voice.persona, topic, slots.F) : "";
  const opener = choose(phrases.opener, "opener");
  const closing = choose(phrases.closing, "closing");

  let blocks: string[];
  switch (voice.persona) {
    case "planner":
      blocks = [opener, earlierLine, `## Plan`, items.map((item, i) => `${i + 1}. ${item}`).join("\n"), extraTable, code, `- [ ] ${closing}`];
      break;
    case "critic":
      blocks = [opener, earlierLine, "## Risks", items.map((item) => `- ${item}`).join("\n"), extraTable, code, closing];
      break;
    case "researcher":
      blocks = [opener, earlierLine, "## Findings", table(items), code, closing];
      break;
    case "engineer":
      blocks = [opener, earlierLine, "## Approach", items.map((item) => `- ${item}`).join("\n"), code, extraTable, closing];
      break;
    case "writer":
      blocks = [opener, earlierLine, "### Draft", items[0]!, "### Why it works", items.slice(1).join("\n"), extraTable, code, closing];
      break;
    case "analyst":
      blocks = [opener, earlierLine, "## What to measure", table(items), code, closing];
      break;
    case "synthesizer":
      blocks = synthesis(scene, slots, phrases, extraTable, code);
      break;
    case "generic":
      blocks = ["## Short answer", opener, earlierLine, "## Key points", items.join("\n"), extraTable, code, "## Next step", closing];
      break;
  }
  // A sentence (or a table's first cell) may open with the subject or focus: it starts with a capital.
  // Code blocks are left as they are.
  return [...blocks.filter(Boolean), offlineSignature(voice)]
    .map((block) => (block.startsWith("```") ? block : block.replace(/^(\*\*|> |\| )?(\p{Ll})/gmu, (_m, mark: string | undefined, letter: string) => `${mark ?? ""}${letter.toUpperCase()}`)))
    .join("\n\n");
}

/** What one earlier answer did, in a clause: "lays out 4 steps, starting with “…”". */
function describe(earlier: Earlier): string {
  const gist = gistOf(earlier.text);
  const quoted = `“${excerpt(gist.phrase, 10)}”`;
  if (gist.quote) return `drafts ${quoted}`;
  if (gist.steps > 1) return `lays out ${gist.steps} steps, starting with ${quoted}`;
  if (gist.verdict && gist.bullets > 1) return `raises ${gist.bullets} concerns, first ${quoted}, and concludes “${excerpt(gist.verdict, 8)}”`;
  if (gist.verdict) return `sets out ${gist.table ? "a table of findings" : "its reasoning"} and concludes “${excerpt(gist.verdict, 12)}”`;
  if (gist.code) return `sketches it in code and says ${quoted}`;
  if (gist.table) return `puts it in a table, led by ${quoted}`;
  if (gist.bullets > 1) return `lists ${gist.bullets} points, starting with ${quoted}`;
  return `says ${quoted}`;
}

/** The next step a synthesis draws from each answer, by what it brings. */
const TASK: Record<string, string> = {
  "the order of work": "Take the first step from",
  "the wording": "Review the draft from",
  "the risks": "Answer the first concern from",
  "the build": "Try the sketch from",
  "the evidence": "Check the findings from",
  "the practical points": "Act on the first point from",
};

/** The synthesis: who said what, where they meet or differ, and the next steps as a task list. */
function synthesis(scene: Scene, slots: Slots, phrases: PersonaPhrases, extraTable: string, code: string): string[] {
  const { earlier, seed } = scene;
  if (earlier.length === 0) {
    return ["## Summary", `Nothing has been said yet about “${excerpt(scene.question, 16)}”, so there is nothing to pull together.`, `- [ ] Ask one of the agents about ${slots.S} first.`];
  }
  const people = earlier.map((e) => ({ name: e.name ?? "My earlier answer", gist: gistOf(e.text), line: describe(e) }));
  const names = people.map((p) => p.name);
  const cautious = people.find((p) => p.gist.verdict && p.gist.bullets > 1);
  const forward = people.find((p) => p !== cautious);
  const meeting =
    cautious && forward
      ? `**Where they differ:** ${forward.name} is ready to move, while ${cautious.name} wants “${excerpt(cautious.gist.verdict!, 10)}” settled first; do that before committing.`
      : people.length > 1
        ? `**Where they agree:** ${slots.S} is worth doing; ${joinNames(people.map((p) => `${p.name} brings ${contributionOf(p.gist)}`))}.`
        : `**Taken on its own:** one view so far, from ${names[0]}; worth a second opinion before acting on it.`;
  const tasks = people.slice(0, 3).map((p) => `- [ ] ${TASK[contributionOf(p.gist)] ?? "Follow up with"} ${p.name}: “${excerpt(p.gist.phrase, 6)}”`);
  return [
    "## Summary",
    pick(phrases.opener(slots), seed, "opener"),
    // Who said what: a table when the user asked for one, else a list.
    extraTable
      ? [phrases.tableHead, "| --- | --- |", ...people.map((p) => `| **${p.name}** | ${p.line.replace(/\|/g, "/")} |`)].join("\n")
      : people.map((p) => `- **${p.name}** ${p.line}.`).join("\n"),
    meeting,
    code,
    "### Next steps",
    tasks.join("\n"),
    pick(phrases.closing(slots), seed, "closing"),
  ];
}

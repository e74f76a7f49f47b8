/**
 * Whose voice the offline model answers in: a persona detected from keywords of the agent's role
 * prompt and name, and the focus words that set one role apart from another of the same persona
 * ("correctness, clarity" for a code reviewer, "injection, auth" for a security reviewer).
 *
 * The role prompt is read, never repeated: only single focus words reach the answer.
 */
import type { ChatMessage } from "../../types.ts";
import { termsOf } from "./topic.ts";

export type Persona = "planner" | "critic" | "researcher" | "writer" | "engineer" | "analyst" | "synthesizer" | "generic";

export interface Voice {
  persona: Persona;
  /** The agent's name when the context says it (a room's roster line, or the default "You are X."). */
  name: string | null;
  /** Up to three words of the role that say what this agent cares about. */
  focus: string[];
  /** The role text the persona was read from (for the seed; never quoted). */
  role: string;
}

/** Word stems per persona; the persona with most hits wins, ties go to the earlier one in this list. */
const STEMS: [Persona, RegExp][] = [
  ["synthesizer", /\b(synthes\w*|summar\w*|integrat\w*|recap\w*|consolidat\w*|sum up|condens\w*|wrap\w* up)/gi],
  ["critic", /\b(critic\w*|critique\w*|skeptic\w*|sceptic\w*|review\w*|weak\w*|flaw\w*|challeng\w*|devil\w*|security|audit\w*|poke holes|push back|objection\w*|stress-test\w*|red team\w*|attack\w*|vulnerab\w*)/gi],
  ["planner", /\b(plan\b|plans\b|planner\w*|planning|strateg\w*|roadmap\w*|timeline\w*|schedul\w*|scope\w*|milestone\w*|(?:project|product|program) manag\w*|sequenc\w*|priorit\w*)/gi],
  ["researcher", /\b(research\w*|fact\w*|evidence|sources?\b|cite\w*|citation\w*|investigat\w*|claims?\b|literature|verif\w*|study|studies|look up)/gi],
  ["analyst", /\b(analy\w*|metric\w*|numbers?\b|data\b|quantif\w*|forecast\w*|statistic\w*|markets?\b|kpis?\b|pricing|financ\w*|budget\w*|trend\w*)/gi],
  ["engineer", /\b(engineer\w*|technical\w*|feasib\w*|implement\w*|architect\w*|developer\w*|backend|frontend|software|devops|infrastructure|code\b|coding|programm\w*|api\b|scripts?\b|debug\w*)/gi],
  ["writer", /\b(writ\w*|copy\w*|messag\w*|positioning|tone|edit\w*|prose|story\w*|draft\w*|marketer\w*|content|blog\w*|article\w*|poet\w*|narrat\w*|wording|voice|headline\w*)/gi],
];

export const PERSONA_LABEL: Record<Persona, string> = {
  planner: "planner",
  critic: "critic",
  researcher: "researcher",
  writer: "writer",
  engineer: "engineer",
  analyst: "analyst",
  synthesizer: "synthesis",
  generic: "assistant",
};

/** Words of a role that say nothing about its focus. */
const BLAND = new Set(
  "you your are act acting role job agent assistant expert specialist team user users always never keep short brief concrete clear answer answers answering question questions help helpful what which where flag say says point points mean lines line quote things thing ones good well give make sure problems issues careful thorough concise friendly honest critical precise practical pragmatic senior experienced creative detailed rigorous skeptical sceptical kind direct blunt calm own owns use uses make makes take takes helps wants needs love loves prefer prefers believe cares every proposal proposals idea ideas judge look looks check find write edit suggest show focus care think ask keep stay work know want need like bring handle spot catch could would should break then also only each every them their they this that with into behind before after around about over under across within without between through other others some many much more less most least best better".split(" "),
);

/** The role prompt (the first block of the system message) and the agent's name, if the context says it. */
export function speakerOf(messages: ChatMessage[]): { role: string; name: string | null } {
  const system = messages.find((m) => m.role === "system")?.content ?? "";
  const role = system.split(/\n\s*\n/)[0]?.trim() ?? "";
  const inRoom = /^You are (.{1,80}?) in the room “/m.exec(system)?.[1];
  // The default prompt of an agent without one ("You are Sage."): a name, not a description.
  const byDefault = /^You are (\p{Lu}[^.\n]{0,40})\.$/u.exec(role)?.[1];
  return { role, name: inRoom ?? byDefault ?? null };
}

export function voiceOf(role: string, name: string | null): Voice {
  const text = `${role}\n${name ?? ""}`;
  let best: Persona = "generic";
  let score = 0;
  for (const [persona, stems] of STEMS) {
    const hits = text.match(stems)?.length ?? 0;
    // A name that says the job ("Code reviewer", "Planner") counts double.
    const named = name ? (name.match(stems)?.length ?? 0) : 0;
    if (hits + named > score) [best, score] = [persona, hits + named];
  }
  const nameWords = new Set(termsOf(name ?? "").map((w) => w.toLowerCase()));
  // The persona's own words ("review", "plan") say nothing more; the rest is what this role is about.
  const own = new RegExp(STEMS.find(([p]) => p === best)?.[1].source ?? "^$", "i");
  // Lower case in the middle of a sentence, except acronyms (API, SQL).
  const focus = termsOf(role)
    .map((w) => (/^[\p{Lu}\d]{2,}$/u.test(w) ? w : w.toLowerCase()))
    .filter((w) => !BLAND.has(w) && !nameWords.has(w.toLowerCase()) && w.length >= 4 && !own.test(w))
    .slice(0, 3);
  return { persona: best, name, focus, role };
}

/** The focus as a phrase: "correctness and clarity". */
export function focusPhrase(voice: Voice, fallback: string): string {
  const f = voice.focus.slice(0, 2);
  return f.length === 2 ? `${f[0]} and ${f[1]}` : (f[0] ?? fallback);
}

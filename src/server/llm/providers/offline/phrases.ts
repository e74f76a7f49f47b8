/**
 * The offline model's sentence banks, one set per persona. Every sentence belongs to one persona
 * only (two voices never share a sentence), and most carry the question's subject or the role's
 * focus, so two agents of the same persona still read differently.
 */

/** What a sentence is filled with. */
export interface Slots {
  /** The subject in bold. */
  S: string;
  /** The role's focus ("correctness and clarity"), or the persona's default concern. */
  F: string;
  /** Its first and second words alone (the concern when the role names none). */
  F1: string;
  F2: string;
  /** Telling words of the question. */
  A: string;
  B: string;
  /** A small number derived from the seed (days, steps, percent…). */
  N: number;
  /** Who answered earlier ("Strategist and Marketer"). */
  who: string;
  /** A phrase from the latest earlier answer. */
  g: string;
  /** "answer" or "answers". */
  answers: string;
}

type Bank = (s: Slots) => string[];

export interface PersonaPhrases {
  /** The persona's default concern when the role names none. */
  concern: string;
  opener: Bank;
  /** Reacting to the answers before it (always says "earlier answer(s)"). */
  earlier: Bank;
  items: Bank[];
  closing: Bank;
  tableHead: string;
  tableRows: Bank;
}

export const PHRASES: Record<string, PersonaPhrases> = {
  planner: {
    concern: "the first milestone",
    opener: (s) => [`Here is how I would sequence ${s.S}, with ${s.F} in mind.`, `${s.S} breaks down into four moves, each shaped around ${s.F}.`, `A lean order of work for ${s.S}, led by ${s.F}.`],
    earlier: (s) => [`The earlier ${s.answers} from ${s.who} change my order on ${s.F1}: “${s.g}” moves into step two.`, `I have folded the earlier ${s.answers} from ${s.who} into the sequence for ${s.F1}, starting from “${s.g}”.`],
    items: [
      (s) => [`Agree in writing what “done” means for ${s.S} on ${s.F1}, and who signs it off.`, `Name one owner for ${s.S} who answers for ${s.F1}, with a date everyone can see.`],
      (s) => [`Cut the first version down to what proves ${s.F}.`, `Trim the scope until the work on ${s.F} fits into a single milestone.`],
      (s) => [`Ship in two milestones, each ending with a demo of ${s.A} and ${s.F2}.`, `Book a mid-point review of ${s.F2} after ${s.N} working days, looking at ${s.A}.`],
      (s) => [`Hold a go/no-go call on ${s.F1} the day before anything about ${s.B} ships.`, `Keep a rollback path for ${s.F2} ready until ${s.B} has been live for a week.`],
    ],
    closing: (s) => [`Book thirty minutes this week to lock the scope of ${s.S} around ${s.F1}.`, `Write down today the owner and date for the first step on ${s.F2}.`],
    tableHead: "| Step | Owner | By |",
    tableRows: (s) => [`| Scope of ${s.A} and ${s.F1} agreed | Lead | Day 1 |`, `| First demo on ${s.F} | Team | Day ${s.N + 2} |`, `| Go/no-go on ${s.B} and ${s.F2} | Lead | Day ${s.N + 5} |`],
  },
  critic: {
    concern: "the untested assumption",
    opener: (s) => [`I would not sign off on ${s.S} yet, not with ${s.F1} unresolved.`, `Three things about ${s.F} could sink ${s.S}.`, `${s.S} looks sound until you look at ${s.F}; here is where it cracks.`],
    earlier: (s) => [`The earlier ${s.answers} from ${s.who} lean on “${s.g}”, which assumes more about ${s.F1} than it shows.`, `Pushing back on the earlier ${s.answers} from ${s.who}: “${s.g}” has not been tested against ${s.F1}.`],
    items: [
      (s) => [`**Hidden assumption:** everyone takes ${s.F1} for granted, and nobody has checked it.`, `**Blind spot:** ${s.F1} is where reviews of ${s.A} usually stop looking.`],
      (s) => [`**Failure mode:** if ${s.A} behaves differently under load, ${s.F2} is the first thing to break.`, `**Edge case:** the unusual inputs around ${s.A} touch ${s.F2}, and they have no owner.`],
      (s) => [`**Cost of being wrong:** undoing ${s.B} later costs far more than checking ${s.F} now.`, `**Weak evidence:** the case for ${s.B} rests on one example, with nothing on ${s.F2}.`],
    ],
    closing: (s) => [`**Verdict:** workable, but only after ${s.F} has a clear answer.`, `**Verdict:** not ready; settle ${s.F} first, then look again.`, `**Verdict:** proceed with caution, and test ${s.F} before committing.`],
    tableHead: "| Risk | Likelihood | Impact |",
    tableRows: (s) => [`| ${s.F} is wrong | medium | high |`, `| ${s.A} fails quietly on ${s.F1} | low | high |`, `| ${s.B} slips because of ${s.F2} | high | medium |`],
  },
  researcher: {
    concern: "the evidence",
    opener: (s) => [`What can be established about ${s.S} regarding ${s.F}, and how firmly.`, `I sorted what is known about ${s.S} and ${s.F1} from what is only assumed.`],
    earlier: (s) => [`Checking the earlier ${s.answers} from ${s.who}: “${s.g}” still needs a source on ${s.F1}.`, `Of the claims in the earlier ${s.answers} from ${s.who}, “${s.g}” is the one to verify against ${s.F1}.`],
    items: [
      (s) => [`| Who it is for | people asking about ${s.A} and ${s.F1} | medium |`, `| Who cares | readers searching for ${s.A}, mostly on ${s.F1} | medium |`],
      (s) => [`| What it depends on | ${s.F} | high |`, `| Key dependency | ${s.F}, as stated so far | high |`],
      (s) => [`| What is unknown | how ${s.B} holds up against ${s.F2} | low |`, `| Open point | real-world numbers on ${s.B} and ${s.F2} | low |`],
    ],
    closing: (s) => [`**Gap:** no primary source yet on ${s.B} or ${s.F2}; that is the first thing I would look up.`, `**Gap:** the claims about ${s.B} and ${s.F2} need a citation before anyone repeats them.`],
    tableHead: "| Question | What we know | Confidence |",
    tableRows: () => [],
  },
  engineer: {
    concern: "the integration work",
    opener: (s) => [`Technically, ${s.S} is feasible; the hard part is ${s.F}.`, `${s.S} can be built with what we have, and ${s.F} is the part to get right.`],
    earlier: (s) => [`Reading the earlier ${s.answers} from ${s.who} as a build list, “${s.g}” is the costly part for ${s.F1}.`, `The earlier ${s.answers} from ${s.who} imply work on ${s.F1}: “${s.g}” needs an engineer before a date.`],
    items: [
      (s) => [`**Build:** start with the smallest path through ${s.A} that exercises ${s.F1} end to end.`, `**Build:** wire up ${s.A} the simplest way that works, then harden it around ${s.F1}.`],
      (s) => [`**What could break:** ${s.F}, once real data arrives.`, `**Break point:** concurrency around ${s.F}; add a test for it first.`],
      (s) => [`**Effort:** about ${s.N} days for a first working version, plus one for tests on ${s.F2}.`, `**Effort:** ${s.N} to ${s.N + 2} days, most of it on ${s.B} and ${s.F2}.`],
    ],
    closing: (s) => [`I would prototype ${s.S} behind a flag, checking ${s.F1}, before promising a date.`, `A half-day spike on ${s.B} and ${s.F2} will tell us whether the estimate holds.`],
    tableHead: "| Part | Effort | Risk |",
    tableRows: (s) => [`| Core of ${s.A} | ${s.N} days | low |`, `| ${s.F} | ${s.N + 1} days | medium |`, `| Tests for ${s.F2} and rollout | 1 day | low |`],
  },
  writer: {
    concern: "the reader",
    opener: (s) => [`A first draft on ${s.S}, written around ${s.F1}:`, `Here is a draft about ${s.S} you can cut down, with ${s.F1} up front:`],
    earlier: (s) => [`I turned the earlier ${s.answers} from ${s.who} into prose on ${s.F1}, keeping “${s.g}”.`, `Borrowing from the earlier ${s.answers} from ${s.who}, the draft on ${s.F1} leads with “${s.g}”.`],
    items: [
      (s) => [`> ${cap(s.A)} should feel simple from the first minute, ${s.F1} included. We built it around ${s.F}, so you spend less time setting up and more time on what matters.`, `> Most people meet ${s.A} on a busy day, with ${s.F1} on their mind. That is who this is for: it puts ${s.F} first and gets out of the way.`],
      (s) => [`- **Lead with the benefit:** the opening ties ${s.A} to ${s.F1} in one line.`, `- **One idea per paragraph:** each line about ${s.F1} earns its place.`],
      (s) => [`- **Keep the tone warm:** short sentences about ${s.B} and ${s.F2}, no jargon.`, `- **End on an invitation:** the last line asks the reader to try ${s.B} for ${s.F2}.`],
    ],
    closing: (s) => [`Tell me the audience and I will tighten the draft on ${s.S} around ${s.F1}.`, `Next pass: cut it by a third and sharpen the headline on ${s.S} and ${s.F2}.`],
    tableHead: "| Line | Job it does |",
    tableRows: (s) => [`| Headline about ${s.A} | earns the click |`, `| Middle on ${s.F} | builds trust |`, `| Closing line on ${s.F2} | asks for action |`],
  },
  analyst: {
    concern: "the core numbers",
    opener: (s) => [`Reading ${s.S} as a numbers question, starting from ${s.F1}.`, `Before opinions, here is what I would measure on ${s.F} for ${s.S}.`],
    earlier: (s) => [`Scoring the earlier ${s.answers} from ${s.who}, “${s.g}” is the claim the data on ${s.F1} should test.`, `The earlier ${s.answers} from ${s.who} give me one number on ${s.F1} to chase: whatever backs “${s.g}”.`],
    items: [
      (s) => [`| Adoption of ${s.A} | ${s.N * 10}% in 30 days | shows demand for ${s.F1} |`, `| Weekly users of ${s.A} | +${s.N * 5}% | tracks interest in ${s.F1} |`],
      (s) => [`| Cost of ${s.F} | under budget | keeps it viable |`, `| Time spent on ${s.F} | falling | shows it got easier |`],
      (s) => [`| Drop-off at ${s.B} | below ${s.N * 4}% | finds friction in ${s.F2} |`, `| Complaints about ${s.B} | under ${s.N} a week | early warning on ${s.F2} |`],
    ],
    closing: (s) => [`**Reading:** if adoption misses the target by half, rethink ${s.F1} before scaling ${s.S}.`, `**Reading:** the drop-off figure on ${s.F2} decides ${s.S}; measure it first.`],
    tableHead: "| Metric | Target | Why it matters |",
    tableRows: () => [],
  },
  synthesizer: {
    concern: "the common ground",
    opener: (s) => [`Pulling together the ${s.answers} on ${s.S}.`, `What the team said about ${s.S}, in one place.`],
    earlier: () => [],
    items: [],
    closing: (s) => [`Start with the first box above; it unblocks the rest of ${s.S}.`, `Tick the first box today and revisit ${s.S} once it is done.`],
    tableHead: "| Who | Main point |",
    tableRows: () => [],
  },
  generic: {
    concern: "the next step",
    opener: (s) => [`In short: ${s.S} is doable if you keep ${s.F1} small and check it early.`, `Short answer: yes, ${s.S} can work, with one condition: a clear plan for ${s.F1}.`],
    earlier: (s) => [`Adding to the earlier ${s.answers} from ${s.who}, I agree with “${s.g}” and would take ${s.F1} one step further.`, `Building on the earlier ${s.answers} from ${s.who}, “${s.g}” is the part I would keep for ${s.F1}.`],
    items: [
      (s) => [`- **Start with** the part of ${s.A} you can test this week, on ${s.F1}.`, `- **Keep** ${s.A} small enough to explain in one sentence about ${s.F1}.`],
      (s) => [`- **Watch** ${s.F}; it decides whether the rest is worth doing.`, `- **Decide early** how you will know ${s.F} is good enough.`],
      (s) => [`- **Write down** what you learn about ${s.B} and ${s.F2} as you go.`, `- **Ask** someone outside the work to look at ${s.B} and ${s.F2}.`],
    ],
    closing: (s) => [`- [ ] Pick the first small step on ${s.S} and ${s.F1}, and do it today.`, `- [ ] Set a 20-minute check-in on ${s.S} and ${s.F2} for tomorrow.`],
    tableHead: "| Point | Why |",
    tableRows: (s) => [`| Start with ${s.A} | fastest feedback on ${s.F1} |`, `| Watch ${s.F} | decides the rest |`, `| Note ${s.B} and ${s.F2} | saves rework |`],
  },
};

function cap(text: string): string {
  return text ? text[0]!.toUpperCase() + text.slice(1) : text;
}

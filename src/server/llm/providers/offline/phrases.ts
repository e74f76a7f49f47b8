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
    opener: (s) => [`Here is how I would sequence ${s.S}.`, `${s.S} breaks down into four moves, each small enough to finish in a week.`, `A workable order of battle for ${s.S}, kept deliberately lean.`],
    earlier: (s) => [`The earlier ${s.answers} from ${s.who} change the order: “${s.g}” moves into step two.`, `I have folded the earlier ${s.answers} from ${s.who} into the sequence, starting from “${s.g}”.`],
    items: [
      (s) => [`Agree in writing what “done” means for ${s.S} and who signs it off.`, `Name one owner for ${s.S} and a date the whole team can see.`],
      (s) => [`Cut the first version down to what proves ${s.F}.`, `Trim the scope until the work on ${s.F} fits into a single milestone.`],
      (s) => [`Ship in two milestones, each ending with a demo about ${s.A}.`, `Book a mid-point review after ${s.N} working days to look at ${s.A}.`],
      (s) => [`Hold a go/no-go call the day before anything about ${s.B} ships.`, `Keep a rollback path ready until ${s.B} has been live for a week.`],
    ],
    closing: (s) => [`Book thirty minutes this week to lock the scope of ${s.S}.`, `Write down the owner and date for step one of ${s.S} today.`],
    tableHead: "| Step | Owner | By |",
    tableRows: (s) => [`| Scope of ${s.A} agreed | Lead | Day 1 |`, `| First demo on ${s.F} | Team | Day ${s.N + 2} |`, `| Go/no-go for ${s.B} | Lead | Day ${s.N + 5} |`],
  },
  critic: {
    concern: "the untested assumption",
    opener: (s) => [`I would not sign off on ${s.S} yet.`, `Three things could sink ${s.S}, and none of them is obvious.`, `${s.S} looks sound on the surface; here is where it cracks.`],
    earlier: (s) => [`The earlier ${s.answers} from ${s.who} lean on “${s.g}”, which assumes more than it shows.`, `Pushing back on the earlier ${s.answers} from ${s.who}: “${s.g}” has not been tested yet.`],
    items: [
      (s) => [`**Hidden assumption:** everyone takes ${s.F} for granted, and nobody has checked it.`, `**Blind spot:** ${s.F} is where reviews usually stop looking.`],
      (s) => [`**Failure mode:** if ${s.A} behaves differently under load, the rest falls over with it.`, `**Edge case:** the unusual inputs around ${s.A} have no owner.`],
      (s) => [`**Cost of being wrong:** undoing ${s.B} later costs far more than checking it now.`, `**Weak evidence:** the case for ${s.B} rests on one example.`],
    ],
    closing: (s) => [`**Verdict:** workable, but only after ${s.F} has a clear answer.`, `**Verdict:** not ready; settle ${s.F} first, then look again.`, `**Verdict:** proceed with caution, and test ${s.F} before committing.`],
    tableHead: "| Risk | Likelihood | Impact |",
    tableRows: (s) => [`| ${s.F} is wrong | medium | high |`, `| ${s.A} fails quietly | low | high |`, `| ${s.B} slips | high | medium |`],
  },
  researcher: {
    concern: "what the evidence shows",
    opener: (s) => [`What can be established about ${s.S}, and how firmly.`, `I sorted what is known about ${s.S} from what is only assumed.`],
    earlier: (s) => [`Checking the earlier ${s.answers} from ${s.who}: “${s.g}” still needs a source.`, `Of the claims in the earlier ${s.answers} from ${s.who}, “${s.g}” is the one to verify first.`],
    items: [
      (s) => [`| Who it is for | the people asking about ${s.A} | medium |`, `| Who cares | readers already searching for ${s.A} | medium |`],
      (s) => [`| What it depends on | ${s.F} | high |`, `| Key dependency | ${s.F}, as stated so far | high |`],
      (s) => [`| What is unknown | how ${s.B} holds up in practice | low |`, `| Open point | real-world numbers for ${s.B} | low |`],
    ],
    closing: (s) => [`**Gap:** no primary source yet on ${s.B}; that is the first thing I would look up.`, `**Gap:** the claims about ${s.B} need a citation before anyone repeats them.`],
    tableHead: "| Question | What we know | Confidence |",
    tableRows: () => [],
  },
  engineer: {
    concern: "the integration work",
    opener: (s) => [`Technically, ${s.S} is feasible; the hard part is ${s.F}.`, `${s.S} can be built with what we have, and ${s.F} is the part to get right.`],
    earlier: (s) => [`Reading the earlier ${s.answers} from ${s.who} as a build list, “${s.g}” is the costly part.`, `The earlier ${s.answers} from ${s.who} imply work: “${s.g}” needs an engineer before a date.`],
    items: [
      (s) => [`**Build:** start with the smallest path through ${s.A} that runs end to end.`, `**Build:** put ${s.A} behind one function with typed input, then grow it.`],
      (s) => [`**What could break:** ${s.F}, once real data arrives.`, `**Break point:** concurrency around ${s.F}; add a test for it first.`],
      (s) => [`**Effort:** about ${s.N} days for a first working version, plus one for tests.`, `**Effort:** ${s.N} to ${s.N + 2} days, most of it on ${s.B}.`],
    ],
    closing: (s) => [`I would prototype ${s.S} behind a flag before promising a date.`, `A spike of half a day on ${s.B} will tell us whether the estimate holds.`],
    tableHead: "| Part | Effort | Risk |",
    tableRows: (s) => [`| Core of ${s.A} | ${s.N} days | low |`, `| ${s.F} | ${s.N + 1} days | medium |`, `| Tests and rollout | 1 day | low |`],
  },
  writer: {
    concern: "a clear promise",
    opener: (s) => [`A first draft on ${s.S}, in plain words:`, `Here is a draft you can cut down, about ${s.S}:`],
    earlier: (s) => [`I turned the earlier ${s.answers} from ${s.who} into prose, keeping “${s.g}”.`, `Borrowing from the earlier ${s.answers} from ${s.who}, the draft leads with “${s.g}”.`],
    items: [
      (s) => [`> ${cap(s.A)} should feel simple from the first minute. We built it around ${s.F}, so you spend less time setting up and more time on what matters.`, `> Most people meet ${s.A} on a busy day. That is who this is for: it puts ${s.F} first and gets out of the way.`],
      (s) => [`- **Lead with the benefit:** the opening says what ${s.A} changes for the reader.`, `- **One idea per paragraph:** each line about ${s.F} earns its place.`],
      (s) => [`- **Keep the tone warm:** short sentences about ${s.B}, no jargon.`, `- **End on an invitation:** the last line asks the reader to try ${s.B}.`],
    ],
    closing: (s) => [`Tell me the audience and I will tighten the draft on ${s.S} to fit.`, `Next pass: cut it by a third and sharpen the headline on ${s.S}.`],
    tableHead: "| Line | Job it does |",
    tableRows: (s) => [`| Headline about ${s.A} | earns the click |`, `| Middle on ${s.F} | builds trust |`, `| Closing line | asks for action |`],
  },
  analyst: {
    concern: "the numbers that decide it",
    opener: (s) => [`Reading ${s.S} as a numbers question first.`, `Before opinions, here is what I would measure for ${s.S}.`],
    earlier: (s) => [`Scoring the earlier ${s.answers} from ${s.who}, “${s.g}” is the claim the data should test.`, `The earlier ${s.answers} from ${s.who} give me one number to chase: whatever backs “${s.g}”.`],
    items: [
      (s) => [`| Adoption of ${s.A} | ${s.N * 10}% in 30 days | shows real demand |`, `| Weekly users of ${s.A} | +${s.N * 5}% | tracks interest |`],
      (s) => [`| Cost of ${s.F} | under budget | keeps it viable |`, `| Time spent on ${s.F} | falling | shows it got easier |`],
      (s) => [`| Drop-off at ${s.B} | below ${s.N * 4}% | finds the friction |`, `| Complaints about ${s.B} | under ${s.N} a week | early warning |`],
    ],
    closing: (s) => [`**Reading:** if adoption misses the target by half, rethink ${s.S} before scaling it.`, `**Reading:** the drop-off figure decides ${s.S}; measure it first.`],
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
    opener: (s) => [`In short: ${s.S} is doable if you keep it small and check it early.`, `Short answer: yes, ${s.S} can work, with one condition: a clear first step.`],
    earlier: (s) => [`Adding to the earlier ${s.answers} from ${s.who}, I agree with “${s.g}” and would go one step further.`, `Building on the earlier ${s.answers} from ${s.who}, “${s.g}” is the part I would keep.`],
    items: [
      (s) => [`- **Start with** the part of ${s.A} you can test this week.`, `- **Keep** ${s.A} small enough to explain in one sentence.`],
      (s) => [`- **Watch** ${s.F}; it decides whether the rest is worth doing.`, `- **Decide early** how you will know ${s.F} is good enough.`],
      (s) => [`- **Write down** what you learn about ${s.B} as you go.`, `- **Ask** someone outside the work to look at ${s.B}.`],
    ],
    closing: (s) => [`- [ ] Pick the first small step on ${s.S} and do it today.`, `- [ ] Set a 20-minute check-in on ${s.S} for tomorrow.`],
    tableHead: "| Point | Why |",
    tableRows: (s) => [`| Start with ${s.A} | fastest feedback |`, `| Watch ${s.F} | decides the rest |`, `| Note ${s.B} | saves rework |`],
  },
};

function cap(text: string): string {
  return text ? text[0]!.toUpperCase() + text.slice(1) : text;
}

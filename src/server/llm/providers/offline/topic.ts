/**
 * What a user's message is about, for the offline model: the subject (the key noun phrase it can
 * name back), the telling words, and whether it asks for a table or for code. Pure string work on
 * the user's words only (never on a prompt), so it is safe to quote.
 */

export type CodeLang = "ts" | "sql" | "python" | "bash" | "json";

export interface Topic {
  /** The key phrase of the question, e.g. "Friday launch" for "Is a Friday launch a good idea?". */
  subject: string;
  /** Telling words of the question, in order, as written. */
  terms: string[];
  wantsTable: boolean;
  /** The message asks for code (a snippet, a script, a function…). */
  wantsCode: boolean;
  /** The message is about code, an API, a query or a script (an engineer answers with code). */
  aboutCode: boolean;
  lang: CodeLang;
}

/** Words that open a request without saying what it is about ("how should we", "can you tell me"…). */
const LEADING = new Set(
  (
    "please pls hey hi hello ok okay so and but now also then quick question can could would will shall should must may might " +
    "do does did is are was were am be how what what's whats which why when where who whom whose i we you me us my our your it its " +
    "there let's lets let help tell give show walk through explain describe summarize summarise review list compare plan write draft " +
    "make create build design outline propose suggest check analyze analyse estimate fix debug implement find think about to need want " +
    "get go put some any"
  ).split(" "),
);

/** Determiners and glue that neither start nor end a subject. */
const EDGE = new Set("a an the this that these those our my your their some any of for to with and or in on at by from about as into".split(" "));

/** Judgements that end a subject: "Is a Friday launch a good idea?" is about the Friday launch. */
const JUDGEMENT = new Set(
  "good bad safe unsafe idea ok okay worth possible right wrong best better worse ready enough fine sensible wise smart viable say says said mean means look looks".split(" "),
);

/** Words after which the next word is a verb ("should we raise prices"). */
const MODAL = new Set("should could can would will shall must might may do does did to".split(" "));

/** Verbs that often open a request's subject, and their -ing form (a Map: "constructor" is not a verb). */
const GERUND: ReadonlyMap<string, string> = new Map(
  (
    "launch:launching ship:shipping build:building migrate:migrating deploy:deploying release:releasing hire:hiring grow:growing " +
    "price:pricing reduce:reducing improve:improving test:testing move:moving scale:scaling sell:selling start:starting run:running " +
    "set:setting add:adding remove:removing handle:handling choose:choosing pick:picking use:using name:naming organize:organizing " +
    "structure:structuring rename:renaming refactor:refactoring split:splitting merge:merging cut:cutting raise:raising learn:learning " +
    "switch:switching replace:replacing upgrade:upgrading store:storing cache:caching secure:securing announce:announcing " +
    "onboard:onboarding support:supporting speed:speeding automate:automating rewrite:rewriting host:hosting translate:translating " +
    "measure:measuring track:tracking prepare:preparing organise:organising prioritize:prioritizing delay:delaying open:opening " +
    "tighten:tightening shorten:shortening simplify:simplifying clean:cleaning polish:polishing update:updating fund:funding " +
    "close:closing lower:lowering reach:reaching win:winning reorganize:reorganizing negotiate:negotiating"
  )
    .split(" ")
    .map((pair) => pair.split(":") as [string, string]),
);

/** Words too common to tell what a question is after. */
const STOP = new Set([...LEADING, ...EDGE, ...JUDGEMENT, ..."than not no yes all more most very just really also too one two function functions script scripts code snippet program".split(" ")]);

const TABLE = /\b(tables?|tabular|matrix|grid|comparison|compare|versus|vs\.?)\b/i;
const ASKS_FOR_CODE = /```|\b(code|snippets?|scripts?|functions?|regex(?:es)?|implement\w*|program|class|endpoint handler)\b/i;
const ABOUT_CODE = /\b(api|apis|endpoints?|sql|quer(?:y|ies)|database|schema|bugs?|deploy\w*|server|cli|json|yaml|http|library|sdk|typescript|javascript|node|python|bash|shell|migration|tests?)\b/i;

function langOf(text: string): CodeLang {
  if (/\b(sql|quer(?:y|ies)|database|postgres\w*|schema|table join)\b/i.test(text)) return "sql";
  if (/\bpython\b/i.test(text)) return "python";
  if (/\b(bash|shell|cli|command line|terminal|cron)\b/i.test(text)) return "bash";
  if (/\bjson\b/i.test(text)) return "json";
  return "ts";
}

/** The message's own words: no @mentions, code, links or markdown. */
function plainWords(text: string): string[] {
  return text
    .replace(/```[\s\S]*?(```|$)/g, " ")
    .replace(/https?:\/\/\S+/g, " ")
    .replace(/(^|\s)@[\w-]+/g, " ")
    .replace(/[*_`#>|[\]{}()“”"«»]/g, " ")
    .split(/\s+/)
    .map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}.]+$/gu, "").replace(/\.+$/, ""))
    .filter(Boolean);
}

function firstSentence(text: string): string {
  const cleaned = text.replace(/```[\s\S]*?(```|$)/g, " ").trim();
  const match = /^[\s\S]*?[?!.](?=\s|$)|^[\s\S]+$/.exec(cleaned);
  return (match?.[0] ?? cleaned).split("\n").find((l) => /[\p{L}\p{N}]/u.test(l)) ?? "";
}

/** The key phrase: the first sentence without its opening words, cut at a judgement, at most six words. */
export function subjectOf(question: string): string {
  // A clause after a comma or colon is an aside ("…, in a table").
  const sentence = firstSentence(question);
  const clause = sentence.split(/[,;:(–—]\s/)[0]!;
  const words = plainWords(plainWords(clause).length >= 2 ? clause : sentence);
  let start = 0;
  let asked = false;
  while (start < words.length && (LEADING.has(words[start]!.toLowerCase()) || EDGE.has(words[start]!.toLowerCase()))) {
    asked ||= MODAL.has(words[start]!.toLowerCase());
    start++;
  }
  const kept: string[] = [];
  let cut = false;
  for (const word of words.slice(start)) {
    if (JUDGEMENT.has(word.toLowerCase()) && kept.length) break;
    if (kept.length === 6) {
      cut = true;
      break;
    }
    kept.push(word);
  }
  // Cut short mid-phrase ("Postgres and SQLite for a small"): end before the last little word.
  const glue = kept.findLastIndex((w, i) => i >= 2 && EDGE.has(w.toLowerCase()));
  if (cut && glue > 0) kept.length = glue;
  while (kept.length && EDGE.has(kept.at(-1)!.toLowerCase())) kept.pop();
  while (kept.length && EDGE.has(kept[0]!.toLowerCase())) kept.shift();
  // "launch the beta" reads as a subject once it is "launching the beta": a verb after "should we"
  // or before "the" (not "launch timeline", where it is a noun).
  const gerund = kept.length > 1 ? GERUND.get(kept[0]!.toLowerCase()) : undefined;
  if (gerund && (asked || (kept.length > 2 && EDGE.has(kept[1]!.toLowerCase())))) kept[0] = gerund;
  if (kept.length) return kept.join(" ");
  const terms = termsOf(question);
  return terms.length ? terms.slice(0, 3).join(" ") : "";
}

/** Telling words, each once, as first written ("Friday", "SQL", "pricing"). */
export function termsOf(text: string): string[] {
  const seen = new Map<string, string>();
  for (const word of plainWords(text)) {
    const w = word.toLowerCase();
    if (w.length >= 3 && !STOP.has(w) && /\p{L}/u.test(w) && !seen.has(w)) seen.set(w, word);
  }
  return [...seen.values()];
}

export function topicOf(question: string): Topic {
  const wantsCode = ASKS_FOR_CODE.test(question);
  const subject = subjectOf(question);
  // The verb of "raising prices" is not a thing to talk about.
  const verb = [...GERUND].find(([, ing]) => subject.toLowerCase().startsWith(`${ing} `))?.[0];
  return {
    subject: subject || "your question",
    terms: termsOf(question)
      .filter((t) => t.toLowerCase() !== verb)
      .slice(0, 6),
    wantsTable: TABLE.test(question),
    wantsCode,
    aboutCode: wantsCode || ABOUT_CODE.test(question),
    lang: langOf(question),
  };
}

/** Words that name the kind of code asked for, not what it does ("a function that retries…"). */
const CODE_NOUN = new Set("function functions script scripts code snippet class query program that which who".split(" "));

/** An identifier for code sketches: "launch the beta" → launchBeta. */
export function identifierOf(topic: Topic): string {
  const parts = topic.subject
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w && !EDGE.has(w.toLowerCase()) && !CODE_NOUN.has(w.toLowerCase()) && !/^\d/.test(w))
    .slice(0, 3)
    .map((w) => w.toLowerCase());
  if (!parts.length) return "handleRequest";
  return parts.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join("");
}

export function snakeOf(topic: Topic): string {
  return identifierOf(topic).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Conversation titles from the offline model: a request whose first system message starts with
 * "Write a short title" gets a few words in Title Case (three to six when the message says that
 * much, at most 60 characters) for the conversation's first user message, with no quotes and no
 * trailing period. Deterministic string work on the user's words only, never on a prompt line.
 *
 * A request for code is named by what is asked for: its technology, the kind of code and what it
 * does ("Write a Python function that adds two numbers" → Python Function to Add Two Numbers). A
 * message that is only code is named from the code (its language and first definition). Anything
 * else is named by its key phrase, without the opening words ("can you help me write") and cut
 * before its judgement or a clause, with a word for what the conversation is when that phrase is
 * short (Plan, Comparison, Safety…). Technologies and acronyms keep their spelling (SQL, TypeScript).
 */
import type { ChatMessage } from "../../types.ts";
import { termsOf } from "./topic.ts";
import {
  BLAND,
  CODE_NOUN,
  CUT_AT,
  DETERMINER,
  FENCE_LANG,
  GREETING,
  JUDGEMENT_NOUN,
  KIND,
  OBJECT_END,
  OPENING,
  PARTICLE,
  PRODUCE,
  REPAIR,
  SMALL,
  SPELLING,
  WEAK_VERB,
  protectNames,
} from "./title-words.ts";

export const TITLE_PROMPT_START = "Write a short title";

const MAX_WORDS = 6;
const MAX_CHARS = 60;
const FALLBACK = "New Conversation";

export function asksForTitle(messages: ChatMessage[]): boolean {
  const system = messages.find((m) => m.role === "system");
  return !!system && system.content.trimStart().startsWith(TITLE_PROMPT_START);
}

export function titleFor(messages: ChatMessage[]): string {
  return titleOfMessage(messages.find((m) => m.role === "user")?.content ?? "");
}

/** One word of a sentence: as written (edge punctuation gone), and whether a clause ended after it. */
interface Token {
  word: string;
  lower: string;
  ends: boolean;
}

const lower = (w: string) => w.toLowerCase();

function tokens(sentence: string): Token[] {
  return sentence
    .split(/\s+/)
    .map((raw) => {
      const word = raw.replace(/["“”«»]/g, "").replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
      return { word, lower: lower(word), ends: /[,;:.!?)\]]["'”’]?$/.test(raw) };
    })
    .filter((t) => t.word);
}

interface CodeBlock {
  lang: string;
  body: string;
}

/** Fenced blocks, and a whole message that is plainly code pasted without a fence. */
function codeBlocks(text: string): { prose: string; blocks: CodeBlock[] } {
  const blocks: CodeBlock[] = [];
  const prose = text.replace(/```([^\n`]*)\n?([\s\S]*?)(?:```|$)/g, (_, info: string, body: string) => {
    blocks.push({ lang: info.trim().split(/\s+/)[0] ?? "", body });
    return "\n";
  });
  const firstLine = prose.trim().split("\n")[0] ?? "";
  const looksLikeCode =
    /^\s*(def|class|function|const|let|var|import|from|select|insert|update|delete|create|#include|package|public|fn|func|with)\b/i.test(firstLine) &&
    /[(){};=*]|:\s*$/.test(firstLine) &&
    !/[?]\s*$/.test(firstLine);
  if (!blocks.length && looksLikeCode) return { prose: "", blocks: [{ lang: "", body: prose }] };
  return { prose, blocks };
}

/** The message's sentences in order, without code, links, mentions or markdown. */
function sentencesOf(prose: string): string[] {
  const cleaned = protectNames(prose)
    .replace(/`([^`\n]*)`/g, "$1")
    .replace(/https?:\/\/\S+/g, " ")
    .replace(/(^|\s)@[\w-]+/g, " ")
    .replace(/[*_#>|[\]{}()]/g, " ");
  return cleaned
    .split(/\n+|(?<=[?!.。？！])\s+/)
    .map((s) => s.trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s));
}

const isGreeting = (sentence: string) => tokens(sentence).every((t) => GREETING.has(t.lower) || OPENING.has(t.lower));

export function titleOfMessage(message: string): string {
  const { prose, blocks } = codeBlocks(message);
  const sentence = sentencesOf(prose).find((s) => !isGreeting(s));
  const fromCode = blocks.length ? codeTitle(blocks[0]!) : null;
  // Nothing but greetings (or nothing but code): the code names it, or nothing does.
  if (!sentence) return finish(fromCode ?? []);

  const words = tokens(sentence);
  let start = 0;
  let verb: string | null = null;
  while (start < words.length) {
    const w = words[start]!.lower;
    if (!verb && (PRODUCE.has(w) || KIND.has(w) || REPAIR.has(w))) verb = w;
    // After the verb, "good morning" is what to translate, not a greeting.
    else if (!OPENING.has(w) && (verb || !GREETING.has(w))) break;
    start++;
  }
  const rest = words.slice(start);
  // After "how do I", "should we", "how to" comes a verb: the phrase reads as doing it.
  const [twoBack, oneBack] = [words[start - 2]?.lower ?? "", words[start - 1]?.lower ?? ""];
  const verbFirst = !verb && (oneBack === "to" || (/^(i|we|you)$/.test(oneBack) && /^(do|does|should|could|can|would|will|shall|must|might|may)$/.test(twoBack)));
  const question = /\?\s*$/.test(sentence) || /^(is|are|was|were|do|does|did|should|could|can|would|will|how|what|what's|why|when|where|which|who)$/.test(words[0]?.lower ?? "");

  // "Fix this" under a pasted function: the code says what it is about.
  const deictic = rest.every((t) => DETERMINER.has(t.lower) || /^(code|error|bug|it|work|working|wrong|broken|fail|fails|failing|help|happening)$/.test(t.lower));
  if (fromCode && deictic) return finish(withKind(fromCode, verb));

  // A question about a piece of code ("Is this SQL query safe?") is not a request for one.
  if ((verb && PRODUCE.has(verb)) || (!verb && !question)) {
    const code = codeRequest(rest);
    if (code) return finish(code);
  }
  return finish(generalTitle(sentence, rest, verb, verbFirst));
}

/** "a Python function that adds two numbers and returns the sum" → Python Function to Add Two Numbers. */
function codeRequest(rest: Token[]): string[] | null {
  const nounAt = rest.slice(0, 4).findIndex((t) => CODE_NOUN.has(t.lower));
  if (nounAt < 0) return null;
  // Before the noun only what says which code it is ("React", "unit"), not "a simple".
  const before = rest.slice(0, nounAt).filter((t) => !DETERMINER.has(t.lower) && !BLAND.has(t.lower) && !OPENING.has(t.lower));
  if (before.some((t) => t.ends)) return null;
  const techs: string[] = before.filter((t) => SPELLING.has(t.lower)).map((t) => t.word);
  const head = [...before.filter((t) => !SPELLING.has(t.lower)).map((t) => t.word), rest[nounAt]!.word];

  let i = nounAt + 1;
  let connector: "to" | "for" | null = null;
  let verbWord: string | null = null;
  const object: string[] = [];
  // "in Python", "using pandas": the technology goes first; anything else after a preposition is the object.
  const takeTech = () => {
    while (/^(in|using|with|for|on)$/.test(rest[i]?.lower ?? "") && rest[i + 1] && SPELLING.has(rest[i + 1]!.lower) && !rest[i]!.ends) {
      techs.push(rest[i + 1]!.word);
      i += 2;
    }
  };
  if (!rest[nounAt]!.ends) {
    takeTech();
    const link = rest[i]?.lower;
    if (link && /^(that|which|to|who)$/.test(link) && !rest[i]!.ends) {
      i++;
      while (/^(will|should|can|could|would|must|automatically)$/.test(rest[i]?.lower ?? "")) i++;
      const v = rest[i];
      if (v && !DETERMINER.has(v.lower) && !OPENING.has(v.lower) && /^\p{L}+$/u.test(v.word)) {
        verbWord = baseOf(v.lower);
        connector = WEAK_VERB.has(verbWord) ? "for" : "to";
        if (connector === "for") verbWord = null;
        i++;
        if (verbWord && !v.ends && PARTICLE.has(rest[i]?.lower ?? "")) verbWord += ` ${rest[i++]!.lower}`;
        if (v.ends) i = rest.length;
      }
    } else if (link && /^(for|about|of|on|from|in)$/.test(link) && !rest[i]!.ends) {
      connector = "for";
      i++;
    }
    if (connector) {
      for (; i < rest.length; i++) {
        const t = rest[i]!;
        if (OBJECT_END.has(t.lower)) break;
        if (/^(in|using|with)$/.test(t.lower) && rest[i + 1] && SPELLING.has(rest[i + 1]!.lower)) {
          techs.push(rest[i + 1]!.word);
          break;
        }
        if (!DETERMINER.has(t.lower)) object.push(t.word);
        if (t.ends || object.length >= MAX_WORDS) break;
      }
    }
  }

  const lead = [...new Map(techs.map((t) => [lower(t), t])).values()].slice(0, 2);
  const base = [...lead, ...head];
  if (base.length >= MAX_WORDS) return base.slice(0, MAX_WORDS);
  if (!connector || (!object.length && !verbWord)) return base;
  const room = MAX_WORDS - base.length;
  const verbWords = verbWord ? verbWord.split(" ") : [];
  // The clearest form that fits: "to Add Two Numbers", then "Backing Up Home Directory", then
  // "for Home Directory", each with the object cut at a preposition when that makes it fit.
  const objects = [object, ...cutsOf(object)];
  const forms: string[][] = [];
  if (verbWords.length) {
    for (const o of objects) forms.push(["to", ...verbWords, ...o]);
    for (const o of objects) forms.push([gerundOf(verbWords[0]!), ...verbWords.slice(1), ...o]);
  }
  for (const o of objects) if (o.length) forms.push(["for", ...o]);
  const fits = forms.find((f) => f.length <= room && f.length > 1);
  if (fits) return [...base, ...fits];
  const cut = (forms[0] ?? []).slice(0, room);
  while (cut.length && SMALL.has(lower(cut.at(-1)!))) cut.pop();
  return cut.length > 1 ? [...base, ...cut] : base;
}

/** Shorter objects, each ending before a preposition: "Top 5 Customers by Revenue" → "Top 5 Customers". */
function cutsOf(object: string[]): string[][] {
  const cuts: string[][] = [];
  for (let i = object.length - 1; i > 0; i--) if (CUT_AT.has(lower(object[i]!))) cuts.push(object.slice(0, i));
  return cuts;
}

/** "adds" → add, "fetches" → fetch, "copies" → copy, "parses" → parse. */
function baseOf(verb: string): string {
  if (verb.length <= 3 || !verb.endsWith("s") || verb.endsWith("ss")) return verb;
  if (verb.endsWith("ies")) return `${verb.slice(0, -3)}y`;
  if (/(ss|sh|ch|x|zz|o)es$/.test(verb)) return verb.slice(0, -2);
  return verb.slice(0, -1);
}

const NO_DOUBLE = new Set("open edit enter offer order color listen visit limit target budget".split(" "));

/** "add" → adding, "parse" → parsing, "plan" → planning. */
export function gerundOf(verb: string): string {
  if (verb.endsWith("ing")) return verb;
  if (/[^aeiou]e$/.test(verb) && verb !== "be") return `${verb.slice(0, -1)}ing`;
  if (verb.endsWith("ie")) return `${verb.slice(0, -2)}ying`;
  if (verb.length <= 4 && /(^|[^aeiou])[aeiou][bdgklmnprtz]$/.test(verb) && !NO_DOUBLE.has(verb)) return `${verb}${verb.at(-1)}ing`;
  return `${verb}ing`;
}

/** A message that is only code: its language, then what its first definition is called. */
function codeTitle(block: CodeBlock): string[] {
  const body = block.body;
  const lang = FENCE_LANG.get(lower(block.lang)) ?? langOfCode(body);
  const definition = /\b(def|function|fn|func|class|interface|struct|enum|type)\s+([A-Za-z_$][\w$]*)/.exec(body) ?? /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?(?:\([^)]*\)|\w+)\s*=>/.exec(body);
  const kinds: Record<string, string> = { def: "Function", function: "Function", fn: "Function", func: "Function", class: "Class", interface: "Type", type: "Type", struct: "Struct", enum: "Enum" };
  const words: string[] = lang ? [lang] : [];
  if (definition) {
    const [name, kind] = definition.length === 3 ? [definition[2]!, kinds[definition[1]!]!] : [definition[1]!, "Function"];
    const named = humanize(name);
    if (named.length) return [...words, ...named.slice(0, MAX_WORDS - words.length - 1), kind];
    return [...words, kind];
  }
  const table = /\b(?:from|into|update|table)\s+["`]?([A-Za-z_][\w.]*)/i.exec(body);
  if (lang === "SQL" && table) return ["SQL", "Query", "on", ...humanize(table[1]!.split(".").at(-1)!).slice(0, 3)];
  return [...words, "Code", "Snippet"];
}

function langOfCode(body: string): string | null {
  if (/^\s*(def |from \w+(\.\w+)* import |import \w+\s*$|class \w+(\(.*\))?:)/m.test(body)) return "Python";
  if (/\b(select|insert|update|delete)\b[\s\S]*\b(from|into|set)\b/i.test(body) || /\bcreate\s+table\b/i.test(body)) return "SQL";
  if (/^#!.*\b(ba|z)?sh\b|^\s*(echo|export|sudo|cd|ls|grep) /m.test(body)) return "Bash";
  if (/\b(interface|type)\s+\w+\s*[={]|:\s*(string|number|boolean)\b/.test(body)) return "TypeScript";
  if (/\b(const|let|function)\b|=>/.test(body)) return "JavaScript";
  if (/^\s*fn\s+\w+|\blet\s+mut\b/m.test(body)) return "Rust";
  if (/^\s*func\s+\w+|^package\s+\w+/m.test(body)) return "Go";
  try {
    JSON.parse(body);
    return "JSON";
  } catch {
    return null;
  }
}

/** add_numbers / addNumbers → Add Numbers; a one- or two-letter name says nothing. */
function humanize(identifier: string): string[] {
  const words = identifier
    .replace(/([a-z\d])([A-Z])/g, "$1 $2")
    .split(/[_\s$]+/)
    .filter(Boolean);
  return words.join("").length < 3 ? [] : words;
}

/** A short code title with what the conversation does to it ("Python Parse Date Function Fix"). */
function withKind(words: string[], verb: string | null): string[] {
  const repair = verb ? REPAIR.get(verb) : undefined;
  if (repair) return [repair, ...words].slice(0, MAX_WORDS);
  const kind = verb ? KIND.get(verb) : null;
  return kind && words.length < MAX_WORDS ? [...words, kind] : words;
}

/** Words that end the key phrase of a question: its judgement ("Is a Friday launch a good idea?"). */
const JUDGED = new Set([...JUDGEMENT_NOUN.keys(), ..."ok okay fine right wrong better worse enough possible normal".split(" ")]);
/** Words that start a clause about the phrase rather than the phrase ("a story about a keeper who…"). */
const CLAUSE = new Set("who which that because so if when while where since although though".split(" "));

/** Anything else: the key phrase, with a word for the kind of conversation when it is short. */
function generalTitle(sentence: string, rest: Token[], verb: string | null, verbFirst: boolean): string[] {
  const phrase: string[] = [];
  // What is broken is said in the clause: "Debugging React Hook That Loops Forever".
  const repair = verb ? REPAIR.get(verb) : undefined;
  let judgement: string | undefined;
  for (const t of rest) {
    if (phrase.length && JUDGED.has(t.lower)) {
      judgement = JUDGEMENT_NOUN.get(t.lower);
      break;
    }
    if (phrase.length && CLAUSE.has(t.lower) && !repair) break;
    phrase.push(t.word);
    if (t.ends) break;
  }
  while (phrase.length && (DETERMINER.has(lower(phrase.at(-1)!)) || SMALL.has(lower(phrase.at(-1)!)))) phrase.pop();
  let words = shorten(phrase);
  // "how do I reverse a linked list" is about reversing one.
  if (verbFirst && words.length > 1 && /^\p{Ll}+$/u.test(words[0]!) && !SPELLING.has(words[0]!)) words[0] = gerundOf(words[0]!);
  if (!words.length) words = termsOf(sentence).slice(0, 4);
  if (!words.length) return [];
  if (repair) return [repair, ...words];
  const kind = verb ? KIND.get(verb) : undefined;
  if (kind && words.length < 4) return [...words, kind];
  // "Is this SQL query safe?" is about its safety.
  if (judgement && words.length < 3) return [...words, ...judgement.split(" ")];
  // "Write me a poem": one word is not a title, "Writing a Poem" is.
  if (verb && PRODUCE.has(verb) && words.length === 1) return [gerundOf(verb), /^[aeiou]/i.test(words[0]!) ? "an" : "a", ...words];
  return words;
}

/**
 * At most six words: without articles and possessives inside when that is needed, then ending
 * before a preposition when that leaves three or more ("Best Way to Learn Rust as a JavaScript
 * Developer" → Best Way to Learn Rust), else the first six.
 */
function shorten(phrase: string[]): string[] {
  if (phrase.length <= MAX_WORDS) return phrase;
  const lean = phrase.filter((w, i) => i === 0 || !DETERMINER.has(lower(w)));
  if (lean.length <= MAX_WORDS) return lean;
  for (let i = MAX_WORDS; i >= 3; i--) if (CUT_AT.has(lower(lean[i]!)) || lower(lean[i]!) === "as") return lean.slice(0, i);
  const cut = lean.slice(0, MAX_WORDS);
  while (cut.length > 1 && SMALL.has(lower(cut.at(-1)!))) cut.pop();
  return cut;
}

/** Title Case, spelled technologies, the word and length limits, never empty. */
function finish(words: string[]): string {
  let out = words
    .map((w) => w.replace(/["“”«»]/g, "").replace(/^[^\p{L}\p{N}.]+|[^\p{L}\p{N}+#]+$/gu, ""))
    .filter(Boolean)
    .slice(0, MAX_WORDS);
  while (out.length > 1 && SMALL.has(lower(out.at(-1)!))) out.pop();
  if (out.length === 0) return FALLBACK;
  // One short word is not a title ("Kubernetes" → Kubernetes Questions); a phrase in a script
  // written without spaces is one already.
  if (out.length === 1 && Array.from(out[0]!).length <= 16 && /^[\p{Script=Latin}\p{N}'.+#-]+$/u.test(out[0]!)) out.push(/^(hi|hello|hey|thanks|thank)$/i.test(out[0]!) ? "Chat" : "Questions");
  out = out.map((w, i) => {
    const spelled = SPELLING.get(lower(w));
    if (spelled) return spelled;
    // The rest of a word keeps its spelling (GitHub, report.pdf); small words stay small inside.
    if (i > 0 && i < out.length - 1 && SMALL.has(lower(w))) return lower(w);
    return w[0]!.toUpperCase() + w.slice(1);
  });
  return fit(out);
}

/** At most 60 characters: whole words while they fit, and a very long single word (a script with no spaces) cut. */
function fit(words: string[]): string {
  const kept: string[] = [];
  for (const w of words) {
    const next = [...kept, w].join(" ");
    if (Array.from(next).length > MAX_CHARS) break;
    kept.push(w);
  }
  while (kept.length > 1 && SMALL.has(lower(kept.at(-1)!))) kept.pop();
  if (kept.length) return kept.join(" ");
  return Array.from(words[0]!).slice(0, MAX_CHARS).join("").trim() || FALLBACK;
}

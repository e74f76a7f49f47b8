/**
 * The earlier answers a call can see, and what each of them said in a phrase, so a later agent (and
 * above all the synthesis) can name who said what and draw on it.
 */
import { TRACE_PREFIX } from "../../../domain/tools/fence.ts";
import type { ChatMessage } from "../../types.ts";
import { excerpt } from "./seed.ts";

export interface Earlier {
  /** The agent's name from the `[Name]:` label; null for the speaker's own earlier answer. */
  name: string | null;
  text: string;
}

export interface Gist {
  /** A concrete phrase of the answer: its first list item, else its first sentence (plain text). */
  phrase: string;
  /** How the answer is built, to say what the agent did ("lays out 4 steps"). */
  steps: number;
  bullets: number;
  table: boolean;
  code: boolean;
  verdict: string | null;
  /** The phrase is a drafted passage (a blockquote), not a claim. */
  quote: boolean;
}

/**
 * Answers visible to this call. The synthesis and later roundtable agents get this turn's answers
 * after the user's message; without those, the answers of earlier turns count.
 */
export function earlierAnswers(messages: ChatMessage[]): Earlier[] {
  const lastUser = messages.findLastIndex((m) => m.role === "user");
  const parse = (m: ChatMessage): Earlier[] => {
    if (m.role !== "assistant" || !m.content.trim() || m.content.startsWith(TRACE_PREFIX)) return [];
    const labelled = /^\[([^\]\n]{1,80})\]:\s*([\s\S]*)$/.exec(m.content);
    return [labelled ? { name: labelled[1]!, text: labelled[2]! } : { name: null, text: m.content }];
  };
  const sameTurn = messages.slice(lastUser + 1).flatMap(parse);
  return sameTurn.length ? sameTurn : messages.slice(0, Math.max(0, lastUser)).flatMap(parse).slice(-4);
}

/** Markdown down to words. */
export function plain(line: string): string {
  return line
    .replace(/^\s*(?:[-*+]\s+(?:\[[ xX]\]\s+)?|\d+[.)]\s+|>\s*|#{1,6}\s+)/, "")
    .replace(/\*\*([^*]+)\*\*|__([^_]+)__|\*([^*]+)\*|_([^_]+)_|`([^`]+)`/g, (_m, a, b, c, d, e) => a ?? b ?? c ?? d ?? e ?? "")
    .replace(/[“”"]/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** What an answer brings, read from its shape: a plan brings the order of work, a verdict the risks… */
export function contributionOf(gist: Gist): string {
  if (gist.quote) return "the wording";
  if (gist.steps > 1) return "the order of work";
  if (gist.verdict && gist.bullets > 1) return "the risks";
  if (gist.code) return "the build";
  if (gist.table) return "the evidence";
  if (gist.bullets > 1) return "the practical points";
  return "a clear view";
}

export function gistOf(text: string): Gist {
  const lines = text.split("\n");
  const prose: string[] = [];
  const quotes: string[] = [];
  const items: string[] = [];
  let inCode = false;
  let code = false;
  let table = false;
  let steps = 0;
  let bullets = 0;
  let verdict: string | null = null;
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith("```")) {
      inCode = !inCode;
      code = true;
      continue;
    }
    // Headings, tables, the offline model's sign-off and lines with no words carry no claim.
    if (inCode || !line || line.startsWith("#") || !/\p{L}/u.test(line) || /^_?Offline model/i.test(line)) continue;
    if (line.startsWith("|")) {
      table = true;
      continue;
    }
    const v = /^\*\*(?:Verdict|Bottom line|Reading|Next step)s?:\*\*\s*(.+)$/i.exec(line);
    if (v && !verdict) verdict = plain(v[1]!);
    if (/^\d+[.)]\s/.test(line)) steps++;
    else if (/^[-*+]\s/.test(line)) bullets++;
    if (line.startsWith(">")) quotes.push(plain(line));
    else if (/^(\d+[.)]|[-*+])\s/.test(line)) items.push(plain(line));
    else prose.push(plain(line));
  }
  const firstSentence = (s: string) => /^.*?[.!?](?=\s|$)/.exec(s)?.[0] ?? s;
  // A drafted quote or a list item says something concrete; a "**Label:**" prefix is the answer's frame, not its content.
  const phrase = (quotes[0] ? firstSentence(quotes[0]) : (items[0] ?? firstSentence(prose[0] ?? text))).replace(/^[^:]{1,30}:\s+/, "");
  return { phrase: excerpt(phrase.replace(/[.!?]+$/, ""), 14), steps, bullets, table, code, verdict, quote: quotes.length > 0 };
}

/** Names in order of first answer ("this chat" for the speaker's own earlier answers, as in a direct chat). */
export function namesOf(earlier: Earlier[]): string[] {
  return [...new Set(earlier.map((e) => e.name ?? "this chat"))];
}

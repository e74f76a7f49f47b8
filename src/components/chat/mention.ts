/**
 * `@key` completion in the composer: which tag is being typed at the caret, which roster agents
 * match it, and the text once one is picked. The boundary rule is the server's (tags.ts): a tag
 * never starts inside a word or an e-mail address.
 */
const mentionBeforeCaret = /(?:^|[^\p{L}\p{N}._%+-])@([a-z0-9_-]{0,64})$/iu;
const keyChar = /[a-z0-9_-]/i;

export interface Mention {
  /** Index of the `@`. */
  start: number;
  /** Index just past the tag text (it may continue after the caret). */
  end: number;
  /** What has been typed after the `@`, lowercased. */
  query: string;
}

export function mentionAt(text: string, caret: number): Mention | null {
  const match = mentionBeforeCaret.exec(text.slice(0, caret));
  if (!match) return null;
  let end = caret;
  while (end < text.length && keyChar.test(text[end]!)) end++;
  return { start: caret - match[1]!.length - 1, end, query: match[1]!.toLowerCase() };
}

/** Agents whose key, or a word of whose name, starts with the query; keys first. */
export function matchAgents<A extends { key: string; name: string }>(roster: readonly A[], query: string, limit = 8): A[] {
  const byKey = roster.filter((a) => a.key.startsWith(query));
  const byName = roster.filter((a) => !byKey.includes(a) && a.name.toLowerCase().split(/[\s_-]+/).some((word) => word.startsWith(query)));
  return [...byKey, ...byName].slice(0, limit);
}

/** The text with the mention replaced by `@key ` and where the caret goes. */
export function applyMention(text: string, mention: Mention, key: string): { text: string; caret: number } {
  const after = text.slice(mention.end);
  const insert = `@${key}${after.startsWith(" ") ? "" : " "}`;
  return { text: text.slice(0, mention.start) + insert + after, caret: mention.start + insert.length + (after.startsWith(" ") ? 1 : 0) };
}

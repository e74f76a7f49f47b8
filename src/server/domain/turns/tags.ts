/**
 * `@key` tags in a message (PRODUCT.md 5.1): case-insensitive, hyphens allowed, never inside an
 * e-mail address (`bob@example.com` tags nobody), de-duplicated in order of first appearance.
 */
const tagPattern = /(?<![\p{L}\p{N}._%+-])@([a-z0-9][a-z0-9_-]{0,63})(?![a-z0-9_-])/giu;

export function parseTags(message: string): string[] {
  const keys = [...message.matchAll(tagPattern)].map((m) => m[1]!.toLowerCase());
  return [...new Set(keys)];
}

/** Splits tags into roster agents (in tag order) and keys that match nobody on the roster. */
export function resolveTags<A extends { key: string }>(tags: readonly string[], roster: readonly A[]): { selected: A[]; unknown: string[] } {
  const byKey = new Map(roster.map((a) => [a.key, a]));
  const selected: A[] = [];
  const unknown: string[] = [];
  for (const tag of tags) {
    const agent = byKey.get(tag);
    if (agent) selected.push(agent);
    else unknown.push(tag);
  }
  return { selected, unknown };
}

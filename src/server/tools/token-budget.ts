/**
 * Keeping a tool's result within its token budget (`ToolContext.maxResultTokens`). Tools stop at a
 * whole item (a search result, a chunk) when they can, and say so; `cutToTokens` is for the one item
 * that alone is larger than the budget.
 */
import { countTextTokens } from "../llm/tokenizer.ts";

export { countTextTokens };

/**
 * The longest prefix of `text` (cut at a word boundary when one is near) with at most `maxTokens`
 * tokens; the whole text when it fits.
 */
export function cutToTokens(text: string, maxTokens: number): string {
  if (maxTokens <= 0) return "";
  if (countTextTokens(text) <= maxTokens) return text;
  // Binary search on the length: token counts grow with the prefix (give or take one at the cut).
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (countTextTokens(text.slice(0, mid)) <= maxTokens) low = mid;
    else high = mid - 1;
  }
  const prefix = text.slice(0, low);
  const space = prefix.search(/\s\S*$/);
  return space > low * 0.8 ? prefix.slice(0, space) : prefix;
}

/**
 * As many whole entries as fit in `budget` tokens, in order; when not even the first fits, that one
 * cut short (at least `minTokens`) rather than nothing. Also says how many were left out.
 */
export function entriesWithin(entries: string[], budget: number, minTokens = 20): { kept: string[]; left: number } {
  let used = 0;
  const kept: string[] = [];
  for (const entry of entries) {
    const tokens = countTextTokens(entry) + 2;
    if (used + tokens <= budget) {
      kept.push(entry);
      used += tokens;
      continue;
    }
    if (kept.length === 0) kept.push(cutToTokens(entry, Math.max(budget - used, minTokens)));
    break;
  }
  return { kept, left: entries.length - kept.length };
}

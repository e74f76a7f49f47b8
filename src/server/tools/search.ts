/**
 * `search(query)`: the web, through the configured provider (search-providers.ts). The model gets
 * numbered results (title, URL, snippet) within its token budget; their http(s) links become the
 * answer's sources.
 */
import { Decimal } from "decimal.js";
import { z } from "zod";
import type { Env } from "../env.ts";
import { searchProviderFor, type SearchResult } from "./search-providers.ts";
import { countTextTokens, entriesWithin } from "./token-budget.ts";
import { ToolError, type Source, type Tool } from "./tool.ts";

/** How many results one search asks for. */
export const SEARCH_MAX_RESULTS = 5;

export const NO_SEARCH_PROVIDER = "No search provider is configured on this server: set TAVILY_API_KEY or SEARXNG_URL.";

export const searchArgs = z.object({
  query: z.string().trim().min(1).max(400).describe("What to look up on the web, as you would type it into a search engine."),
});
export type SearchArgs = z.infer<typeof searchArgs>;

export const searchTool: Tool<SearchArgs> = {
  name: "search",
  permission: "search",
  description:
    "Search the web. Returns numbered results with a title, URL and snippet. Use it for current events, facts you are unsure of, or anything you should cite; cite the URLs you rely on.",
  args: searchArgs,
  availability(env: Env) {
    return searchProviderFor(env) ? { available: true } : { available: false, reason: NO_SEARCH_PROVIDER };
  },
  credits(settings) {
    // toFixed, not String: a tiny price must not become "1e-7".
    return new Decimal(settings["tools.search_credits"]).toFixed();
  },
  describe(args) {
    return `Searching: ${args.query}`;
  },
  async run(args, context) {
    const provider = searchProviderFor(context.env);
    if (!provider) throw new ToolError(NO_SEARCH_PROVIDER);
    const results = await provider.search(args.query, { signal: context.signal, maxResults: SEARCH_MAX_RESULTS });
    return {
      content: formatResults(args.query, results, context.maxResultTokens),
      summary: `Searched: ${args.query}`,
      sources: sourcesOf(results),
    };
  },
};

/** The results as the model reads them, dropping the last ones (or cutting a snippet) to fit `maxTokens`. */
export function formatResults(query: string, results: SearchResult[], maxTokens: number): string {
  if (results.length === 0) return `No web results for "${query}".`;
  const header = `Web results for "${query}":`;
  const entries = results.map((r, i) => `${i + 1}. ${r.title}\n   URL: ${r.url}${r.snippet ? `\n   ${r.snippet}` : ""}`);
  const footerTokens = 30;
  const { kept, left } = entriesWithin(entries, maxTokens - countTextTokens(header) - footerTokens);
  const footer = left > 0 ? `\n\n(${left} more result${left === 1 ? "" : "s"} left out to stay within the size limit.)` : "";
  return `${header}\n\n${kept.join("\n\n")}${footer}`;
}

/** The results' links for people, http(s) only and each once. */
export function sourcesOf(results: SearchResult[]): Source[] {
  const seen = new Set<string>();
  const sources: Source[] = [];
  for (const r of results) {
    let url: URL;
    try {
      url = new URL(r.url);
    } catch {
      continue;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") continue;
    if (seen.has(url.href)) continue;
    seen.add(url.href);
    sources.push({ title: r.title, url: r.url });
  }
  return sources;
}

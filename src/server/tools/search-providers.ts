/**
 * Web search providers behind one interface (PRODUCT.md 8): Tavily's hosted API, or a self-hosted
 * SearXNG with its JSON format enabled. Tavily wins when both are configured. Every failure a model
 * should hear about (an HTTP error, a timeout, an answer that is not the expected JSON) is a
 * `ToolError` whose message never carries the API key; the caller's abort is rethrown as its reason.
 */
import { z } from "zod";
import type { Env } from "../env.ts";
import { ToolError } from "./tool.ts";

export interface SearchResult {
  title: string;
  url: string;
  snippet: string;
}

export interface SearchOptions {
  /** The tool call's signal (the turn cancelled, the worker stopping). */
  signal: AbortSignal;
  maxResults: number;
}

export interface SearchProvider {
  /** For people and error messages: "Tavily", "SearXNG". */
  readonly label: string;
  search(query: string, options: SearchOptions): Promise<SearchResult[]>;
}

/** The longest one search request may take, on top of the caller's own signal. */
export const SEARCH_TIMEOUT_MS = 15_000;
/** A snippet longer than this is cut (providers sometimes return whole paragraphs). */
const MAX_SNIPPET_CHARS = 600;

export type SearchEnv = Pick<Env, "TAVILY_API_KEY" | "TAVILY_BASE_URL" | "SEARXNG_URL">;

/** The provider this server is configured for, or null when it has none. */
export function searchProviderFor(env: SearchEnv, options: { timeoutMs?: number } = {}): SearchProvider | null {
  if (env.TAVILY_API_KEY) return tavilyProvider({ apiKey: env.TAVILY_API_KEY, baseUrl: env.TAVILY_BASE_URL, timeoutMs: options.timeoutMs });
  if (env.SEARXNG_URL) return searxngProvider({ baseUrl: env.SEARXNG_URL, timeoutMs: options.timeoutMs });
  return null;
}

// Both APIs answer `results: [{ title, url, content }]`; an item without a usable url is skipped
// rather than failing the whole search.
const resultItem = z.object({
  title: z.string().nullish(),
  url: z.string().min(1),
  content: z.string().nullish(),
});
const resultsBody = z.object({ results: z.array(z.unknown()) });

/** Tavily: `POST {baseUrl}/search` with the key as a bearer token (never in the body). */
export function tavilyProvider(options: { apiKey: string; baseUrl: string; timeoutMs?: number }): SearchProvider {
  const label = "Tavily";
  return {
    label,
    async search(query, { signal, maxResults }) {
      const response = await request(label, `${trimSlash(options.baseUrl)}/search`, {
        method: "POST",
        headers: { authorization: `Bearer ${options.apiKey}`, "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({
          query,
          max_results: Math.min(Math.max(maxResults, 1), 20),
          search_depth: "basic",
          include_answer: false,
          include_raw_content: false,
          include_images: false,
        }),
        signal,
        timeoutMs: options.timeoutMs,
        secret: options.apiKey,
      });
      return parseResults(label, response, maxResults);
    },
  };
}

/** SearXNG: `GET {baseUrl}/search?q=…&format=json` (the instance must allow the json format). */
export function searxngProvider(options: { baseUrl: string; timeoutMs?: number }): SearchProvider {
  const label = "SearXNG";
  return {
    label,
    async search(query, { signal, maxResults }) {
      const url = `${trimSlash(options.baseUrl)}/search?${new URLSearchParams({ q: query, format: "json" })}`;
      const response = await request(label, url, {
        method: "GET",
        headers: { accept: "application/json" },
        signal,
        timeoutMs: options.timeoutMs,
        hint403: " Is the json format enabled in its settings.yml (search.formats)?",
      });
      return parseResults(label, response, maxResults);
    },
  };
}

interface RequestOptions {
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  timeoutMs?: number;
  /** A value that must never appear in an error message (the API key). */
  secret?: string;
  /** Added to a 403's message. */
  hint403?: string;
}

/** One HTTP request, its body read as JSON; every failure but the caller's abort is a ToolError. */
async function request(label: string, url: string, options: RequestOptions): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? SEARCH_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  const redact = (text: string) => (options.secret ? text.split(options.secret).join("[redacted]") : text);
  const failed = (error: unknown): never => {
    // The caller's abort is not the provider's failure: let the loop see the turn's own reason.
    if (options.signal.aborted) throw options.signal.reason;
    if (timeout.aborted) throw new ToolError(`${label} did not answer within ${Number((timeoutMs / 1000).toFixed(1))} s; try again later.`);
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new ToolError(redact(`Could not reach ${label}: ${cause}`));
  };

  let response: Response;
  try {
    response = await fetch(url, { method: options.method, headers: options.headers, body: options.body, signal, redirect: "follow" });
  } catch (error) {
    return failed(error);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return failed(error);
  }
  if (!response.ok) {
    const detail = errorDetail(text);
    const hint = response.status === 403 ? (options.hint403 ?? "") : "";
    const message = `${label} answered HTTP ${response.status}${detail ? `: ${detail}` : ""}.${hint}`;
    throw new ToolError(redact(message));
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ToolError(`${label} answered with something that is not JSON.`);
  }
}

/** A short reason from an error body (`{ detail: { error } }`, `{ error }`, `{ message }`…), or "". */
function errorDetail(body: string): string {
  let detail: unknown = body;
  try {
    const json = JSON.parse(body) as unknown;
    detail = pick(json, ["detail", "error"]) ?? pick(json, ["detail"]) ?? pick(json, ["error", "message"]) ?? pick(json, ["error"]) ?? pick(json, ["message"]) ?? "";
  } catch {
    // Not JSON: an HTML error page says nothing useful.
    if (/^\s*</.test(body)) detail = "";
  }
  if (typeof detail !== "string") detail = JSON.stringify(detail);
  const oneLine = (detail as string).replace(/\s+/g, " ").trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 199)}…` : oneLine;
}

function pick(value: unknown, path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null || !(key in current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current ?? undefined;
}

function parseResults(label: string, json: unknown, maxResults: number): SearchResult[] {
  const body = resultsBody.safeParse(json);
  if (!body.success) throw new ToolError(`${label} answered JSON without a results list.`);
  const results: SearchResult[] = [];
  for (const item of body.data.results) {
    const parsed = resultItem.safeParse(item);
    if (!parsed.success) continue;
    const url = parsed.data.url.trim();
    results.push({ title: oneLine(parsed.data.title ?? "") || url, url, snippet: cut(oneLine(parsed.data.content ?? ""), MAX_SNIPPET_CHARS) });
    if (results.length >= maxResults) break;
  }
  return results;
}

const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();
const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const trimSlash = (url: string) => url.replace(/\/+$/, "");

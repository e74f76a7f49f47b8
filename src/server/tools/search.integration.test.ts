/**
 * Web search against real local HTTP servers imitating Tavily and SearXNG: what is sent (the key in
 * the Authorization header and never in the body, the query), how answers are read, and every
 * failure the model should hear about as a ToolError that never carries the key: HTTP errors,
 * answers that are not the expected JSON, timeouts, refused connections. A cancelled turn's abort
 * is not a ToolError: the call rejects with the turn's own reason, and the request is dropped.
 * Then `tools.available` through the API.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { env as processEnv, parseEnv, type Env } from "@/server/env.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { startFakeSearxng, startFakeTavily, type FakeSearch, type FakeSearchResult } from "@/test/fake-search.ts";
import { closedPortURL } from "@/test/fake-openai.ts";
import { callApi } from "@/test/trpc-http.ts";
import { searxngProvider, tavilyProvider } from "./search-providers.ts";
import { NO_SEARCH_PROVIDER, searchTool } from "./search.ts";
import { toolAvailability } from "./registry.ts";
import { ToolError, type ToolContext } from "./tool.ts";

const t = databaseForThisFile();

const API_KEY = "tvly-SECRET-0123456789abcdef";

const results: FakeSearchResult[] = [
  { title: "Solar panel efficiency", url: "https://energy.example/solar", content: "Modern panels convert   about 22 % of sunlight." },
  { title: "Panels at home", url: "http://home.example/panels", content: "What a roof can hold." },
  { title: "An FTP mirror", url: "ftp://mirror.example/solar.pdf", content: "Old files." },
];

let tavily: FakeSearch;
let searxng: FakeSearch;
beforeAll(async () => {
  [tavily, searxng] = await Promise.all([startFakeTavily(results), startFakeSearxng(results)]);
});
afterAll(async () => {
  await Promise.all([tavily?.close(), searxng?.close()]);
});
beforeEach(() => {
  tavily.results(results);
  searxng.results(results);
  tavily.reset();
  searxng.reset();
});

const tavilyEnv = () => parseEnv({ TAVILY_API_KEY: API_KEY, TAVILY_BASE_URL: tavily.baseURL });
const searxngEnv = () => parseEnv({ SEARXNG_URL: searxng.baseURL });

function contextFor(env: Env, options: { signal?: AbortSignal; maxResultTokens?: number } = {}): ToolContext {
  return {
    db: t.db,
    env,
    userId: randomUUID(),
    roomId: randomUUID(),
    sessionId: randomUUID(),
    signal: options.signal ?? new AbortController().signal,
    maxResultTokens: options.maxResultTokens ?? 1500,
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

async function toolError(promise: Promise<unknown>): Promise<ToolError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(ToolError);
  expect((error as Error).message).not.toContain(API_KEY);
  return error as ToolError;
}

describe("search through Tavily", () => {
  it("sends the key as a bearer token, never in the body, and the query with max_results", async () => {
    await searchTool.run({ query: "solar panels" }, contextFor(tavilyEnv()));
    expect(tavily.requests).toHaveLength(1);
    const [request] = tavily.requests;
    expect(request!.method).toBe("POST");
    expect(request!.path).toBe("/search");
    expect(request!.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request!.body).toMatchObject({ query: "solar panels", max_results: 5 });
    expect(request!.body).not.toHaveProperty("api_key");
    expect(JSON.stringify(request!.body)).not.toContain(API_KEY);
  });

  it("gives the model numbered results, people a summary, and http(s) links as sources", async () => {
    const result = await searchTool.run({ query: "solar panels" }, contextFor(tavilyEnv()));
    expect(result.summary).toBe("Searched: solar panels");
    expect(result.content).toContain("1. Solar panel efficiency\n   URL: https://energy.example/solar\n   Modern panels convert about 22 % of sunlight.");
    expect(result.content).toContain("2. Panels at home\n   URL: http://home.example/panels");
    expect(result.content).toContain("3. An FTP mirror");
    expect(result.sources).toEqual([
      { title: "Solar panel efficiency", url: "https://energy.example/solar" },
      { title: "Panels at home", url: "http://home.example/panels" },
    ]);
  });

  it("keeps at most five results, skips unusable ones, and says when there are none", async () => {
    tavily.results([
      { title: "", url: "https://untitled.example/", content: "no title" },
      { title: "no url", url: "", content: "dropped" },
      ...Array.from({ length: 8 }, (_, i) => ({ title: `R${i}`, url: `https://r.example/${i}`, content: `c${i}` })),
    ]);
    const result = await searchTool.run({ query: "many" }, contextFor(tavilyEnv()));
    expect(result.sources).toHaveLength(5);
    // A result without a title is shown by its URL.
    expect(result.sources![0]).toEqual({ title: "https://untitled.example/", url: "https://untitled.example/" });
    expect(result.content).not.toContain("dropped");

    tavily.results([]);
    const none = await searchTool.run({ query: "zzzz" }, contextFor(tavilyEnv()));
    expect(none.content).toBe('No web results for "zzzz".');
    expect(none.sources).toEqual([]);
  });

  it("turns an HTTP error into a ToolError without the key, even when the body echoes it", async () => {
    tavily.fail(401, { detail: { error: `Unauthorized: invalid API key ${API_KEY}` } });
    const error = await toolError(searchTool.run({ query: "solar" }, contextFor(tavilyEnv())));
    expect(error.message).toContain("Tavily answered HTTP 401: Unauthorized: invalid API key [redacted]");

    tavily.fail(500, "<html><body>Internal Server Error</body></html>");
    expect((await toolError(searchTool.run({ query: "solar" }, contextFor(tavilyEnv())))).message).toBe("Tavily answered HTTP 500.");

    tavily.fail(429, { detail: { error: "Rate limit exceeded" } });
    expect((await toolError(searchTool.run({ query: "solar" }, contextFor(tavilyEnv())))).message).toBe("Tavily answered HTTP 429: Rate limit exceeded.");
  });

  it("turns an answer that is not the expected JSON into a ToolError", async () => {
    tavily.respondRaw("this is not json");
    expect((await toolError(searchTool.run({ query: "solar" }, contextFor(tavilyEnv())))).message).toBe("Tavily answered with something that is not JSON.");
    tavily.respondRaw(JSON.stringify({ answer: "no results list" }));
    expect((await toolError(searchTool.run({ query: "solar" }, contextFor(tavilyEnv())))).message).toBe("Tavily answered JSON without a results list.");
  });

  it("gives up on a provider that does not answer in time", async () => {
    tavily.hang();
    const provider = tavilyProvider({ apiKey: API_KEY, baseUrl: tavily.baseURL, timeoutMs: 300 });
    const started = Date.now();
    const error = await toolError(provider.search("solar", { signal: new AbortController().signal, maxResults: 5 }));
    expect(error.message).toBe("Tavily did not answer within 0.3 s; try again later.");
    expect(Date.now() - started).toBeLessThan(5000);
    await tavily.waitForClientGone(1);
  });

  it("rejects with the turn's own reason when the call is aborted, and drops the request", async () => {
    tavily.hang();
    const controller = new AbortController();
    const call = searchTool.run({ query: "solar" }, contextFor(tavilyEnv(), { signal: controller.signal }));
    await tavily.waitForRequests(1);
    const reason = new Error("turn cancelled by its owner");
    controller.abort(reason);
    const error = await rejection(call);
    expect(error).toBe(reason);
    expect(error).not.toBeInstanceOf(ToolError);
    await tavily.waitForClientGone(1);
  });

  it("says it could not reach a provider that refuses connections", async () => {
    const env = parseEnv({ TAVILY_API_KEY: API_KEY, TAVILY_BASE_URL: (await closedPortURL()).replace(/\/v1$/, "") });
    const error = await toolError(searchTool.run({ query: "solar" }, contextFor(env)));
    expect(error.message).toMatch(/^Could not reach Tavily: /);
  });

  it("wins over SearXNG when both are configured", async () => {
    const both = parseEnv({ TAVILY_API_KEY: API_KEY, TAVILY_BASE_URL: `${tavily.baseURL}/`, SEARXNG_URL: searxng.baseURL });
    await searchTool.run({ query: "both" }, contextFor(both));
    expect(tavily.requests.map((r) => r.query)).toEqual(["both"]);
    expect(searxng.requests).toHaveLength(0);
  });
});

describe("search through SearXNG", () => {
  it("asks GET /search?q=…&format=json, with no key, and reads its results", async () => {
    const result = await searchTool.run({ query: "solar & panels?" }, contextFor(searxngEnv()));
    expect(searxng.requests).toHaveLength(1);
    const [request] = searxng.requests;
    expect(request!.method).toBe("GET");
    expect(request!.path).toBe("/search");
    expect(request!.params).toMatchObject({ q: "solar & panels?", format: "json" });
    expect(request!.authorization).toBeNull();
    expect(result.summary).toBe("Searched: solar & panels?");
    expect(result.sources).toEqual([
      { title: "Solar panel efficiency", url: "https://energy.example/solar" },
      { title: "Panels at home", url: "http://home.example/panels" },
    ]);
  });

  it("keeps a path in SEARXNG_URL", async () => {
    const provider = searxngProvider({ baseUrl: `${searxng.baseURL}/searx/` });
    // The fake answers 404 off /search: the request went to /searx/search.
    const error = await toolError(provider.search("x", { signal: new AbortController().signal, maxResults: 5 }));
    expect(error.message).toBe("SearXNG answered HTTP 404: Not Found.");
    expect(searxng.requests.at(-1)!.path).toBe("/searx/search");
  });

  it("hints at the json format on a 403", async () => {
    searxng.fail(403, "Forbidden");
    const error = await toolError(searchTool.run({ query: "solar" }, contextFor(searxngEnv())));
    expect(error.message).toBe("SearXNG answered HTTP 403: Forbidden. Is the json format enabled in its settings.yml (search.formats)?");
  });

  it("stops when the call is aborted", async () => {
    searxng.hang();
    const controller = new AbortController();
    const call = searchTool.run({ query: "solar" }, contextFor(searxngEnv(), { signal: controller.signal }));
    await searxng.waitForRequests(1);
    controller.abort(new Error("worker stopping"));
    expect(((await rejection(call)) as Error).message).toBe("worker stopping");
    await searxng.waitForClientGone(1);
  });
});

describe("without a provider", () => {
  it("is unavailable, and a call says why", async () => {
    const bare = parseEnv({});
    expect(searchTool.availability(bare)).toEqual({ available: false, reason: NO_SEARCH_PROVIDER });
    expect((await toolError(searchTool.run({ query: "solar" }, contextFor(bare)))).message).toBe(NO_SEARCH_PROVIDER);
  });
});

describe("tools.available", () => {
  it("answers any signed-in user with this server's tools, and nobody else", async () => {
    const user = await ensureUserByEmail(t.db, `tools-${randomUUID()}@example.com`);
    const { token } = await createApiToken(t.db, user.id, { name: "test" });
    const res = await callApi(t.db, "tools.available", { token });
    expect(res.error).toBeNull();
    expect(res.data).toEqual({ tools: toolAvailability(processEnv) });
    expect(res.data.tools.map((tool: { name: string }) => tool.name)).toEqual(["search", "file_search", "file_read"]);

    const anonymous = await callApi(t.db, "tools.available");
    expect(anonymous.error?.appCode).toBe("unauthorized");
  });
});

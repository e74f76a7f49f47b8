/**
 * The tool registry with no database: which tools an agent gets (permission AND availability),
 * why one is unavailable, the function definitions models are given, and the pure formatting of
 * results within a token budget.
 */
import { describe, expect, it } from "vitest";
import { parseEnv } from "../env.ts";
import { defaultSettings } from "../domain/settings/settings.ts";
import { fileReadArgs, pageRange } from "./file-read.ts";
import { formatPassages, type Passage } from "./file-search.ts";
import { searchProviderFor } from "./search-providers.ts";
import { formatResults, NO_SEARCH_PROVIDER, searchTool, sourcesOf } from "./search.ts";
import { countTextTokens, cutToTokens } from "./token-budget.ts";
import { toolAvailability, toolByName, toolDefinition, tools, toolsFor } from "./registry.ts";

const bare = parseEnv({});
const withTavily = parseEnv({ TAVILY_API_KEY: "tvly-test" });
const withSearxng = parseEnv({ SEARXNG_URL: "http://searx.local:8080" });

describe("the registry", () => {
  it("lists search, file_search and file_read, each found by name", () => {
    expect(tools.map((t) => t.name)).toEqual(["search", "file_search", "file_read"]);
    expect(toolByName("file_read")?.permission).toBe("file_read");
    expect(toolByName("search")?.permission).toBe("search");
    expect(toolByName("nope")).toBeUndefined();
  });

  it("gives an agent only the tools its permissions grant", () => {
    expect(toolsFor([], withTavily)).toEqual([]);
    expect(toolsFor(["search"], withTavily).map((t) => t.name)).toEqual(["search"]);
    expect(toolsFor(["file_read"], withTavily).map((t) => t.name)).toEqual(["file_search", "file_read"]);
    expect(toolsFor(["search", "file_read"], withTavily).map((t) => t.name)).toEqual(["search", "file_search", "file_read"]);
    expect(toolsFor(["unknown_permission"], withTavily)).toEqual([]);
  });

  it("leaves out a permitted tool this server cannot run", () => {
    expect(toolsFor(["search", "file_read"], bare).map((t) => t.name)).toEqual(["file_search", "file_read"]);
    expect(toolsFor(["search"], withSearxng).map((t) => t.name)).toEqual(["search"]);
  });

  it("says why search is unavailable without a provider", () => {
    expect(toolAvailability(bare)).toEqual([
      { name: "search", permission: "search", available: false, reason: NO_SEARCH_PROVIDER },
      { name: "file_search", permission: "file_read", available: true, reason: null },
      { name: "file_read", permission: "file_read", available: true, reason: null },
    ]);
    expect(NO_SEARCH_PROVIDER).toBe("No search provider is configured on this server: set TAVILY_API_KEY or SEARXNG_URL.");
    expect(toolAvailability(withTavily).every((t) => t.available && t.reason === null)).toBe(true);
    expect(toolAvailability(withSearxng).every((t) => t.available)).toBe(true);
  });

  it("prefers Tavily when both providers are configured", () => {
    const both = parseEnv({ TAVILY_API_KEY: "tvly-test", SEARXNG_URL: "http://searx.local:8080" });
    expect(searchProviderFor(both)?.label).toBe("Tavily");
    expect(searchProviderFor(withSearxng)?.label).toBe("SearXNG");
    expect(searchProviderFor(bare)).toBeNull();
  });
});

describe("function definitions", () => {
  it("are OpenAI function tools with a plain JSON schema (no $schema)", () => {
    for (const tool of tools) {
      const definition = toolDefinition(tool);
      expect(definition.type).toBe("function");
      expect(definition.function.name).toBe(tool.name);
      expect(definition.function.description.length).toBeGreaterThan(20);
      expect(definition.function.parameters).not.toHaveProperty("$schema");
      expect(definition.function.parameters.type).toBe("object");
      expect(JSON.parse(JSON.stringify(definition))).toEqual(definition);
    }
  });

  it("describe each tool's arguments", () => {
    expect(toolDefinition(searchTool).function.parameters).toMatchObject({
      type: "object",
      properties: { query: { type: "string", minLength: 1, maxLength: 400 } },
      required: ["query"],
      additionalProperties: false,
    });
    const read = toolDefinition(toolByName("file_read")!).function.parameters;
    expect(read).toMatchObject({
      type: "object",
      properties: { file_id: { type: "string" }, start: { type: "integer", minimum: 0 }, end: { type: "integer", minimum: 0 } },
      required: ["file_id"],
    });
  });

  it("match what the tools accept", () => {
    expect(searchTool.args.safeParse({ query: "  solar panels " })).toEqual({ success: true, data: { query: "solar panels" } });
    expect(searchTool.args.safeParse({ query: "   " }).success).toBe(false);
    expect(searchTool.args.safeParse({}).success).toBe(false);
    expect(fileReadArgs.safeParse({ file_id: "x", start: -1 }).success).toBe(false);
    expect(fileReadArgs.safeParse({ file_id: "x", start: 1.5 }).success).toBe(false);
    // A malformed id is valid input: the tool answers "No such file", like for any other id.
    expect(fileReadArgs.safeParse({ file_id: "not-a-uuid" }).success).toBe(true);
  });
});

describe("credits and descriptions", () => {
  it("search costs tools.search_credits as an exact decimal string; file tools are free", () => {
    const settings = defaultSettings();
    expect(searchTool.credits(settings)).toBe("0.05");
    expect(searchTool.credits({ ...settings, "tools.search_credits": 0.0000001 })).toBe("0.0000001");
    expect(toolByName("file_search")!.credits(settings)).toBe("0");
    expect(toolByName("file_read")!.credits(settings)).toBe("0");
  });

  it("describe a running call from its arguments", () => {
    expect(searchTool.describe({ query: "solar panels" })).toBe("Searching: solar panels");
    expect(toolByName("file_search")!.describe({ query: "budget" })).toBe("Searching files: budget");
    expect(toolByName("file_read")!.describe({ file_id: "x" })).toBe("Reading a file");
    expect(toolByName("file_read")!.describe({ file_id: "x", start: 3, end: 5 })).toBe("Reading a file (chunks 3–5)");
  });
});

describe("search results for the model", () => {
  const results = Array.from({ length: 5 }, (_, i) => ({ title: `Result ${i + 1}`, url: `https://example.com/${i + 1}`, snippet: `snippet ${i + 1} `.repeat(30) }));

  it("numbers each result with its title, URL and snippet", () => {
    const content = formatResults("solar", results.slice(0, 2), 1500);
    expect(content).toContain('Web results for "solar"');
    expect(content).toContain("1. Result 1\n   URL: https://example.com/1\n   snippet 1");
    expect(content).toContain("2. Result 2\n   URL: https://example.com/2");
    expect(content).not.toContain("left out");
  });

  it("stays within the token budget, saying how many results were left out", () => {
    const content = formatResults("solar", results, 250);
    expect(countTextTokens(content)).toBeLessThanOrEqual(250);
    expect(content).toContain("1. Result 1");
    expect(content).toMatch(/\d more results? left out/);
  });

  it("says so when nothing was found", () => {
    expect(formatResults("zzzz", [], 1500)).toBe('No web results for "zzzz".');
  });

  it("keeps only http(s) links as sources, each once", () => {
    expect(
      sourcesOf([
        { title: "A", url: "https://a.example/x", snippet: "" },
        { title: "B", url: "javascript:alert(1)", snippet: "" },
        { title: "C", url: "ftp://c.example/", snippet: "" },
        { title: "D", url: "not a url", snippet: "" },
        { title: "A again", url: "https://a.example/x", snippet: "" },
        { title: "E", url: "http://e.example/", snippet: "" },
      ]),
    ).toEqual([
      { title: "A", url: "https://a.example/x" },
      { title: "E", url: "http://e.example/" },
    ]);
  });
});

describe("file passages for the model", () => {
  const passage = (i: number, page: number | null): Passage => ({ fileId: `id-${i}`, fileName: `f${i}.pdf`, position: i, page, rank: 1 / (i + 1), excerpt: `the **budget** passage ${i} `.repeat(20) });

  it("name the file, its id, the chunk and the page", () => {
    const content = formatPassages("budget", [passage(0, 3), passage(1, null)], true, 1500);
    expect(content).toContain("[1] f0.pdf (file_id: id-0, chunk 0, p. 3)");
    expect(content).toContain("[2] f1.pdf (file_id: id-1, chunk 1)\n");
    expect(content).toContain("file_read");
  });

  it("say when only some of the words matched, and when nothing did", () => {
    expect(formatPassages("budget draft", [passage(0, null)], false, 1500)).toContain('No passage matches all of "budget draft"');
    expect(formatPassages("budget", [], true, 1500)).toBe('No matching passages for "budget" in this conversation\'s files.');
  });

  it("stay within the token budget", () => {
    const content = formatPassages("budget", [0, 1, 2, 3, 4].map((i) => passage(i, i + 1)), true, 300);
    expect(countTextTokens(content)).toBeLessThanOrEqual(300);
    expect(content).toContain("[1] f0.pdf");
    expect(content).toMatch(/more passages? left out/);
  });
});

describe("helpers", () => {
  it("pageRange gives p. 3 or p. 3–4", () => {
    expect(pageRange([3, 3], " ")).toBe(" p. 3");
    expect(pageRange([3, 4, 4], " ")).toBe(" p. 3–4");
    expect(pageRange([], " ")).toBe("");
  });

  it("cutToTokens keeps a prefix within the budget", () => {
    const text = "word ".repeat(500);
    const cut = cutToTokens(text, 50);
    expect(countTextTokens(cut)).toBeLessThanOrEqual(50);
    expect(countTextTokens(cut)).toBeGreaterThan(40);
    expect(text.startsWith(cut)).toBe(true);
    expect(cutToTokens("short", 50)).toBe("short");
    expect(cutToTokens("anything", 0)).toBe("");
  });
});

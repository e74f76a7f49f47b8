import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedPortURL, type FakeModel, type FakeOpenAI, startFakeOpenAI } from "@/test/fake-openai.ts";
import { DiscoveryError, discoverModels } from "./discovery.ts";
import { presetById, providerPreset, providerPresets } from "./presets.ts";

const KEY = "sk-or-v1-secret-discovery-key-0123456789";

/** A one-route server answering every request with a fixed status, content type and body. */
async function rawServer(status: number, contentType: string, body: string): Promise<{ baseURL: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => res.writeHead(status, { "content-type": contentType }).end(body));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The DiscoveryError a call fails with (fails the test if it resolves or throws something else). */
async function failure(call: Promise<unknown>): Promise<DiscoveryError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiscoveryError);
  return error as DiscoveryError;
}

describe("discoverModels", () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());

  it("reads an OpenRouter-shaped list: names, context, max output and prices as exact decimal strings", async () => {
    fake.models([
      {
        id: "qwen/qwen-2.5-72b-instruct",
        name: "Qwen2.5 72B Instruct",
        context_length: 32768,
        top_provider: { context_length: 32768, max_completion_tokens: 16384 },
        pricing: { prompt: "0.00000012", completion: "0.00000039", request: "0", image: "0" },
      },
      {
        id: "anthropic/claude-sonnet-4",
        name: "Anthropic: Claude Sonnet 4",
        context_length: 200000,
        top_provider: { max_completion_tokens: 64000 },
        pricing: { prompt: "0.000003", completion: "0.000015", input_cache_read: "0.0000003" },
      },
      { id: "openrouter/auto", name: "Auto Router", context_length: 2000000, top_provider: { max_completion_tokens: null }, pricing: { prompt: "-1", completion: "-1" } },
      { id: "meta-llama/llama-3.3-70b-instruct:free", name: "Llama 3.3 70B (free)", context_length: 131072, pricing: { prompt: "0", completion: "0" } },
    ]);
    const models = await discoverModels({ baseURL: fake.baseURL, apiKey: KEY });
    expect(models).toEqual([
      {
        providerModel: "anthropic/claude-sonnet-4",
        label: "Anthropic: Claude Sonnet 4",
        contextWindow: 200000,
        maxOutput: 64000,
        prices: { inputUsdPerToken: "0.000003", cachedInputUsdPerToken: "0.0000003", outputUsdPerToken: "0.000015" },
      },
      {
        providerModel: "meta-llama/llama-3.3-70b-instruct:free",
        label: "Llama 3.3 70B (free)",
        contextWindow: 131072,
        maxOutput: null,
        prices: { inputUsdPerToken: "0", cachedInputUsdPerToken: "0", outputUsdPerToken: "0" },
      },
      // A variable-price router publishes "-1": no price rather than a wrong one.
      { providerModel: "openrouter/auto", label: "Auto Router", contextWindow: 2000000, maxOutput: null, prices: null },
      {
        providerModel: "qwen/qwen-2.5-72b-instruct",
        label: "Qwen2.5 72B Instruct",
        contextWindow: 32768,
        maxOutput: 16384,
        // No cache-read price published: cached input costs the prompt price.
        prices: { inputUsdPerToken: "0.00000012", cachedInputUsdPerToken: "0.00000012", outputUsdPerToken: "0.00000039" },
      },
    ]);
  });

  it("reads an Ollama-shaped list (ids only) as nulls, and vLLM's / Groq's context fields", async () => {
    fake.models([
      { id: "llama3.2:latest", object: "model", created: 1735000000, owned_by: "library" },
      { id: "Qwen/Qwen2.5-7B-Instruct", object: "model", owned_by: "vllm", max_model_len: 32768 },
      { id: "llama-3.3-70b-versatile", object: "model", owned_by: "Meta", context_window: 131072, max_completion_tokens: 32768 },
      { object: "model" } as unknown as FakeModel, // no id: skipped, not fatal
    ]);
    const models = await discoverModels({ baseURL: fake.baseURL });
    expect(models).toEqual([
      { providerModel: "Qwen/Qwen2.5-7B-Instruct", label: "Qwen/Qwen2.5-7B-Instruct", contextWindow: 32768, maxOutput: null, prices: null },
      { providerModel: "llama-3.3-70b-versatile", label: "llama-3.3-70b-versatile", contextWindow: 131072, maxOutput: 32768, prices: null },
      { providerModel: "llama3.2:latest", label: "llama3.2:latest", contextWindow: null, maxOutput: null, prices: null },
    ]);
  });

  it("sends the key as a Bearer token", async () => {
    fake.models([{ id: "fake-model" }]);
    fake.reset();
    await discoverModels({ baseURL: fake.baseURL, apiKey: KEY, headers: { "HTTP-Referer": "https://pantheon.test" } });
    expect(fake.modelListRequests).toEqual([{ authorization: `Bearer ${KEY}` }]);
  });

  it("fails unreachable when nothing listens", async () => {
    const baseURL = await closedPortURL();
    const error = await failure(discoverModels({ baseURL, apiKey: KEY }));
    expect(error.reason).toBe("unreachable");
    expect(error.message).toContain(baseURL);
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("fails unreachable when the server does not answer in time", async () => {
    const server = http.createServer(() => {}); // accepts, never answers
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const error = await failure(discoverModels({ baseURL, timeoutMs: 200 }));
      expect(error.reason).toBe("unreachable");
      expect(error.message).toContain("did not answer within");
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("fails unauthorized on a 401, naming the URL and status, without the key even when the server echoes it", async () => {
    const server = await rawServer(401, "application/json", JSON.stringify({ error: { message: `Invalid API key: ${KEY}`, code: 401 } }));
    try {
      const error = await failure(discoverModels({ baseURL: server.baseURL, apiKey: KEY }));
      expect(error.reason).toBe("unauthorized");
      expect(error.status).toBe(401);
      expect(error.message).toContain(server.baseURL);
      expect(error.message).toContain("401");
      expect(error.message).not.toContain(KEY);
      expect(error.message).toContain("Invalid API key: [key]");
    } finally {
      await server.close();
    }
  });

  it("fails http_error on another status", async () => {
    const server = await rawServer(500, "text/plain", "upstream exploded");
    try {
      const error = await failure(discoverModels({ baseURL: server.baseURL, apiKey: KEY }));
      expect(error.reason).toBe("http_error");
      expect(error.message).toContain("500");
      expect(error.message).toContain("upstream exploded");
    } finally {
      await server.close();
    }
  });

  it("fails bad_response on a non-JSON page, invalid JSON, or JSON without a list", async () => {
    const bodies = [
      ["text/html", "<!doctype html><html><body>Welcome</body></html>"],
      ["application/json", "{not json"],
      ["application/json", JSON.stringify({ object: "list", data: { id: "x" } })],
    ] as const;
    for (const [type, body] of bodies) {
      const server = await rawServer(200, type, body);
      try {
        const error = await failure(discoverModels({ baseURL: server.baseURL, apiKey: KEY }));
        expect(error.reason, body).toBe("bad_response");
        expect(error.message).toContain(server.baseURL);
        expect(error.message).not.toContain(KEY);
      } finally {
        await server.close();
      }
    }
  });

  it("never puts the key in a message, even one built from the URL", async () => {
    const baseURL = `http://user:${KEY}@127.0.0.1:${new URL(await closedPortURL()).port}/v1?key=${KEY}`;
    const error = await failure(discoverModels({ baseURL, apiKey: KEY }));
    expect(error.reason).toBe("unreachable");
    expect(error.message).not.toContain(KEY);
    const notURL = await failure(discoverModels({ baseURL: `ftp://${KEY}`, apiKey: KEY }));
    expect(notURL.message).not.toContain(KEY);
  });
});

describe("provider presets", () => {
  it("has unique ids matching the enum, and only custom without a URL", () => {
    const ids = providerPresets.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(providerPreset.options);
    expect(providerPresets.filter((p) => p.defaultBaseUrl === null).map((p) => p.id)).toEqual(["custom"]);
    expect(presetById("custom")).toMatchObject({ defaultBaseUrl: null });
    expect(presetById("openrouter")).toMatchObject({ keyRequired: true, publishesPrices: true });
    expect(presetById("ollama")).toMatchObject({ defaultBaseUrl: "http://localhost:11434/v1", keyRequired: false });
    expect(presetById("nope")).toBeUndefined();
    for (const p of providerPresets) if (p.defaultBaseUrl) expect(new URL(p.defaultBaseUrl).pathname).toMatch(/\/v1$/);
  });
});

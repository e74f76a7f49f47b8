/**
 * The gateway against the offline model and against a local fake OpenAI-compatible HTTP server:
 * streamed chunks, usage in the last chunk, a 500 then success, a hang past the timeout, no usage,
 * and cancellation; a manager call's contract reaches the provider unchanged, the offline model
 * answers it, and the OpenAI-compatible provider sends the same request with or without it.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Gateway, type RoutedModel } from "./gateway.ts";
import { evaluationAnswer, routingAnswer, routingAnswerExample, type ManagerContract } from "./protocol.ts";
import { LocalProvider, localReply } from "./providers/local.ts";
import { OpenAICompatibleProvider } from "./providers/openai-compatible.ts";
import { countMessageTokens, countTextTokens } from "./tokenizer.ts";
import { LlmError, type ChatMessage, type Provider, type ProviderRequest } from "./types.ts";

/** Routes every alias to `provider` (the database does this in production: model-routes.ts). */
const routeTo =
  (provider: Provider, overrides: Partial<RoutedModel> = {}) =>
  (alias: string): Promise<RoutedModel> =>
    Promise.resolve({
      alias,
      providerKey: "test",
      providerId: null,
      providerModel: alias === "llama" ? "meta-llama/llama-3.3-70b-instruct" : "pantheon-local",
      fallbackAlias: null,
      usageInStream: true,
      tools: true,
      unavailableReason: null,
      provider,
      ...overrides,
    });

const messages: ChatMessage[] = [
  { role: "system", content: "You are a careful reviewer of launch plans." },
  { role: "user", content: "Is a Friday launch a good idea?" },
];

describe("offline model", () => {
  const gateway = new Gateway({ route: routeTo(new LocalProvider(0)), timeoutMs: 5000, retryDelayMs: 0, defaultMaxOutputTokens: 512 });

  it("streams a deterministic reply built from the role and the question, with tokenizer usage", async () => {
    const deltas: string[] = [];
    const a = await gateway.call({ modelAlias: "local", messages, onDelta: (d) => deltas.push(d) });
    const b = await gateway.call({ modelAlias: "local", messages });
    expect(a.text).toBe(b.text);
    expect(deltas.length).toBeGreaterThan(10);
    expect(deltas.join("")).toBe(a.text);
    expect(a.text).toContain("Friday launch");
    // A reviewer's voice (risks and a verdict), read from the role and never quoting it.
    expect(a.text).toContain("## Risks");
    expect(a.text).not.toContain("careful reviewer");
    expect(a.usage).toEqual({ inputTokens: countMessageTokens(messages), cachedTokens: 0, outputTokens: countTextTokens(a.text), source: "provider" });
    expect(a.ttftMs).not.toBeNull();
  });

  it("answers a manager contract passed through the call, whatever the prompt says", async () => {
    const prompt: ChatMessage[] = [
      { role: "system", content: "Prose that names no JSON shape at all." },
      { role: "user", content: "Plan the launch" },
    ];
    const candidates = ["market-analyst", "engineer", "writer"];
    const routing = await gateway.call({ modelAlias: "local", messages: prompt, contract: { kind: "routing", round: 1, maxRounds: 3, candidates, notYetHeard: candidates, maxKeys: 3 } });
    const { selected_agent_keys: keys } = routingAnswer.parse(JSON.parse(routing.text));
    expect(keys.length).toBeGreaterThanOrEqual(1);
    for (const key of keys) expect(candidates).toContain(key);
    expect(routing.text).toBe(localReply(prompt, { kind: "routing", round: 1, maxRounds: 3, candidates, notYetHeard: candidates, maxKeys: 3 }));

    const evaluation = await gateway.call({ modelAlias: "local", messages: prompt, contract: { kind: "evaluation", round: 1, maxRounds: 3, notYetHeard: [] } });
    expect(evaluationAnswer.parse(JSON.parse(evaluation.text))).toEqual({ continue: false });
    const another = await gateway.call({ modelAlias: "local", messages: prompt, contract: { kind: "evaluation", round: 1, maxRounds: 3, notYetHeard: ["writer"] } });
    expect(evaluationAnswer.parse(JSON.parse(another.text))).toEqual({ continue: true });

    // No contract: the plain reply, even when the prompt asks for the manager's JSON.
    const plain = await gateway.call({ modelAlias: "local", messages: [{ role: "system", content: `Answer as ${routingAnswerExample}.` }, prompt[1]!] });
    expect(() => JSON.parse(plain.text) as unknown).toThrow();
    expect(plain.text).toBe(localReply([{ role: "system", content: `Answer as ${routingAnswerExample}.` }, prompt[1]!]));
    expect(plain.text).toContain("**launch**");
  });

  it("passes the contract to the provider unchanged", async () => {
    const seen: ProviderRequest[] = [];
    const recording = new Gateway({
      route: routeTo({
        stream: async (request) => {
          seen.push(request);
          return { text: "ok", usage: null, requestId: null };
        },
      }),
      timeoutMs: 5000,
      retryDelayMs: 0,
      defaultMaxOutputTokens: 512,
    });
    const contract: ManagerContract = { kind: "evaluation", round: 2, maxRounds: 3, notYetHeard: ["writer"] };
    await recording.call({ modelAlias: "local", messages, contract });
    await recording.call({ modelAlias: "local", messages });
    expect(seen.map((r) => r.contract)).toEqual([contract, undefined]);
    expect(seen[0]!.contract).toBe(contract);
  });

  it("stops when cancelled, keeping the partial text", async () => {
    const slow = new Gateway({ route: routeTo(new LocalProvider(5)), timeoutMs: 5000, retryDelayMs: 0, defaultMaxOutputTokens: 512 });
    const controller = new AbortController();
    let seen = "";
    const call = slow.call({ modelAlias: "local", messages, signal: controller.signal, onDelta: (d) => ((seen += d), seen.length > 20 && controller.abort()) });
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect((error as LlmError).kind).toBe("cancelled");
    expect((error as LlmError).partialText).toBe(seen);
    expect(seen.length).toBeLessThan(localReply(messages).length);
  });

  it("refuses a model that cannot be used, with the reason, without calling its provider", async () => {
    const seen: ProviderRequest[] = [];
    const refusing = new Gateway({
      route: routeTo({ stream: (request) => (seen.push(request), Promise.resolve({ text: "", usage: null, requestId: null })) }, { unavailableReason: "its provider OpenRouter has no API key" }),
      timeoutMs: 5000,
      retryDelayMs: 0,
      defaultMaxOutputTokens: 512,
    });
    const error = (await refusing.call({ modelAlias: "premium", messages }).catch((e: unknown) => e)) as LlmError;
    expect(error).toMatchObject({ kind: "unavailable", transient: false });
    expect(error.message).toContain("has no API key");
    expect(seen).toHaveLength(0);
  });
});

describe("OpenAI-compatible provider against a fake server", () => {
  type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse, body: Record<string, unknown>) => void;
  let behaviours: Behaviour[] = [];
  const requests: Record<string, unknown>[] = [];
  let server: http.Server;
  let gateway: Gateway;

  const sse = (res: http.ServerResponse, chunks: unknown[]) => {
    res.writeHead(200, { "content-type": "text/event-stream", "x-request-id": "req-123" });
    for (const chunk of chunks) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    res.end("data: [DONE]\n\n");
  };
  const chunk = (content: string) => ({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: null }] });
  const usageChunk = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage: { prompt_tokens: 42, completion_tokens: 3, total_tokens: 45, prompt_tokens_details: { cached_tokens: 10 } } };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString()));
      req.on("end", () => {
        const body = JSON.parse(raw || "{}") as Record<string, unknown>;
        requests.push(body);
        const behave = behaviours.shift() ?? ((_q, r) => r.writeHead(500).end());
        behave(req, res, body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    gateway = new Gateway({
      route: routeTo(new OpenAICompatibleProvider({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: "test-key" })),
      timeoutMs: 1500,
      retryDelayMs: 0,
      defaultMaxOutputTokens: 256,
    });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    behaviours = [];
    requests.length = 0;
  });

  it("streams chunks and takes usage from the last chunk", async () => {
    behaviours.push((_q, res) => sse(res, [chunk("Hel"), chunk("lo"), chunk("!"), usageChunk]));
    const deltas: string[] = [];
    const result = await gateway.call({ modelAlias: "llama", messages, onDelta: (d) => deltas.push(d) });
    expect(deltas).toEqual(["Hel", "lo", "!"]);
    expect(result).toMatchObject({ text: "Hello!", requestId: "req-123", usage: { inputTokens: 42, cachedTokens: 10, outputTokens: 3, source: "provider" } });
    expect(requests[0]).toMatchObject({ model: "meta-llama/llama-3.3-70b-instruct", stream: true, stream_options: { include_usage: true }, max_tokens: 256 });
  });

  it("sends the same request with or without a manager contract (a real model reads the prompt)", async () => {
    behaviours.push((_q, res) => sse(res, [chunk("{}"), usageChunk]));
    behaviours.push((_q, res) => sse(res, [chunk("{}"), usageChunk]));
    await gateway.call({ modelAlias: "llama", messages });
    await gateway.call({ modelAlias: "llama", messages, contract: { kind: "summary" } });
    expect(requests).toHaveLength(2);
    expect(requests[1]).toEqual(requests[0]);
    expect(requests[1]).not.toHaveProperty("response_format");
  });

  it("makes one attempt: a 500 is a transient provider error for the step runner to retry", async () => {
    behaviours.push((_q, res) => res.writeHead(500, { "content-type": "application/json" }).end('{"error":{"message":"boom"}}'));
    await expect(gateway.call({ modelAlias: "llama", messages })).rejects.toMatchObject({ kind: "provider", transient: true });
    expect(requests).toHaveLength(1);
  });

  it("leaves out stream_options for a model without the usage_in_stream capability", async () => {
    const plain = new Gateway({ route: routeTo(new OpenAICompatibleProvider({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, apiKey: "k" }), { usageInStream: false }), timeoutMs: 1500, retryDelayMs: 0, defaultMaxOutputTokens: 64 });
    behaviours.push((_q, res) => sse(res, [chunk("ok")]));
    const result = await plain.call({ modelAlias: "llama", messages });
    expect(requests[0]).not.toHaveProperty("stream_options");
    expect(result.usage.source).toBe("estimated");
  });

  it("reports a refused connection as unavailable (nothing reached a model)", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const nowhere = new Gateway({ route: routeTo(new OpenAICompatibleProvider({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: "k" })), timeoutMs: 1500, retryDelayMs: 0, defaultMaxOutputTokens: 64 });
    await expect(nowhere.call({ modelAlias: "llama", messages })).rejects.toMatchObject({ kind: "unavailable" });
  });

  it("does not retry a client error", async () => {
    behaviours.push((_q, res) => res.writeHead(400, { "content-type": "application/json" }).end('{"error":{"message":"bad"}}'));
    await expect(gateway.call({ modelAlias: "llama", messages })).rejects.toMatchObject({ kind: "provider", transient: false });
    expect(requests).toHaveLength(1);
  });

  it("times out a hang, keeping what streamed", async () => {
    behaviours.push((_q, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify(chunk("partial"))}\n\n`);
      // ...and never finishes.
    });
    const started = performance.now();
    const error = (await gateway.call({ modelAlias: "llama", messages }).catch((e: unknown) => e)) as LlmError;
    expect(error).toBeInstanceOf(LlmError);
    expect(error.kind).toBe("timeout");
    expect(error.partialText).toBe("partial");
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(requests).toHaveLength(1);
  });

  it("estimates usage with the tokenizer when the provider sends none", async () => {
    behaviours.push((_q, res) => sse(res, [chunk("no usage here")]));
    const result = await gateway.call({ modelAlias: "llama", messages });
    expect(result.usage).toEqual({ inputTokens: countMessageTokens(messages), cachedTokens: 0, outputTokens: countTextTokens("no usage here"), source: "estimated" });
  });

  it("passes the caller's AbortSignal to the request", async () => {
    behaviours.push((_q, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify(chunk("start"))}\n\n`);
    });
    const controller = new AbortController();
    const call = gateway.call({ modelAlias: "llama", messages, signal: controller.signal, onDelta: () => controller.abort() });
    await expect(call).rejects.toMatchObject({ kind: "cancelled", partialText: "start" });
  });
});

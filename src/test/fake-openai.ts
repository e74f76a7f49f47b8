/**
 * A fake OpenAI-compatible chat server for tests, on a free local port. Each request is recorded
 * (its body, parsed) and answered by a script: a function from the request to a reply — text that is
 * streamed as SSE chunks with usage in the last chunk, an HTTP error status, or a hang (optionally
 * after some text) that only ends when the client goes away or the server closes.
 *
 * `GET /v1/models` answers a configurable model list, shaped however the test likes (OpenRouter's
 * `context_length` and `pricing`, or Ollama's bare `id`), for discovery tests. Every request's
 * `authorization` header is recorded, so a test can check which key was sent.
 *
 * Use it through `useFakeOpenRouter(db, fake.baseURL)` (turns.ts) with agents (or the manager model)
 * on an openrouter alias such as `llama`.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { freePort } from "@/test/free-port.ts";
import { OpenAICompatibleProvider } from "@/server/llm/providers/openai-compatible.ts";
import { countMessageTokens, countTextTokens } from "@/server/llm/tokenizer.ts";
import type { ChatMessage } from "@/server/llm/types.ts";

export interface FakeRequest {
  /** 1-based, in arrival order. */
  n: number;
  body: { model: string; messages: ChatMessage[]; max_tokens?: number; stream?: boolean; [key: string]: unknown };
  messages: ChatMessage[];
  /** The system message's content ("" when there is none). */
  system: string;
  /** The non-system messages, for asserting on what the model saw of the conversation. */
  conversation: ChatMessage[];
  /** The `x-request-id` it was answered with (null until answered, and for error statuses). */
  requestId: string | null;
  /** The `authorization` header as sent (e.g. "Bearer test-key"), null without one. */
  authorization: string | null;
}

/** One item of `GET /v1/models`' `data`: an id plus whatever fields the provider being imitated publishes. */
export interface FakeModel {
  id: string;
  [extra: string]: unknown;
}

export interface FakeOpenAIOptions {
  /** The list `GET /v1/models` answers (default: one `fake-model`, shaped like OpenAI's). */
  models?: FakeModel[];
}

const defaultModels: FakeModel[] = [{ id: "fake-model", object: "model", owned_by: "fake" }];

export type FakeReply =
  | string
  | { text: string; chunks?: string[]; usage?: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number } | null }
  | { status: number; message?: string }
  | { hang: true; partial?: string }
  /** Asks for tool calls (streamed in pieces, as providers do), after optional text. */
  | { toolCalls: { name: string; arguments: Record<string, unknown> | string; id?: string }[]; text?: string };

export type FakeScript = (request: FakeRequest) => FakeReply | Promise<FakeReply>;

export interface FakeOpenAI {
  baseURL: string;
  /** The chat requests (not the model lists). */
  requests: FakeRequest[];
  /** Each `GET /v1/models`, in arrival order. */
  modelListRequests: { authorization: string | null }[];
  /** Replaces the list `GET /v1/models` answers. */
  models(list: FakeModel[]): void;
  /** Replaces the script (requests already recorded stay). */
  script(fn: FakeScript): void;
  /** Forgets the recorded requests (chat and model list). */
  reset(): void;
  /** Resolves once `count` requests have arrived (at once if they already have). */
  waitForRequests(count: number): Promise<FakeRequest[]>;
  provider(): OpenAICompatibleProvider;
  close(): Promise<void>;
}

const chunk = (content: string) => ({ id: "chatcmpl-fake", object: "chat.completion.chunk", created: 1, model: "fake", choices: [{ index: 0, delta: { content }, finish_reason: null }] });

/** Splits text into a few pieces so the client sees a real stream. */
function piecesOf(text: string): string[] {
  const pieces = text.match(/\S+\s*|\s+/g) ?? [];
  return pieces.length ? pieces : [text];
}

export async function startFakeOpenAI(initial: FakeScript = () => "fake reply", options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  let script = initial;
  let modelList = options.models ?? defaultModels;
  const requests: FakeRequest[] = [];
  const modelListRequests: FakeOpenAI["modelListRequests"] = [];
  let waiters: { count: number; resolve: (r: FakeRequest[]) => void }[] = [];

  const answer = async (request: FakeRequest, res: http.ServerResponse) => {
    const reply = await script(request);
    if (typeof reply !== "string" && "status" in reply) {
      res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: reply.message ?? `fake error ${reply.status}` } }));
      return;
    }
    // Unique like a real provider's (the ledger keeps request ids unique).
    request.requestId = `fake-${randomUUID()}`;
    res.writeHead(200, { "content-type": "text/event-stream", "x-request-id": request.requestId });
    if (typeof reply !== "string" && "hang" in reply) {
      if (reply.partial) res.write(`data: ${JSON.stringify(chunk(reply.partial))}\n\n`);
      return; // never ends: the client aborts, or close() cuts it
    }
    if (typeof reply !== "string" && "toolCalls" in reply) {
      if (reply.text) res.write(`data: ${JSON.stringify(chunk(reply.text))}\n\n`);
      for (const [index, call] of reply.toolCalls.entries()) {
        const args = typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments);
        const half = Math.floor(args.length / 2);
        const id = call.id ?? `call_fake_${request.n}_${index}`;
        const first = { index, id, type: "function", function: { name: call.name, arguments: args.slice(0, half) } };
        const rest = { index, function: { arguments: args.slice(half) } };
        for (const piece of [first, rest]) {
          res.write(`data: ${JSON.stringify({ id: "chatcmpl-fake", object: "chat.completion.chunk", created: 1, model: "fake", choices: [{ index: 0, delta: { tool_calls: [piece] }, finish_reason: null }] })}\n\n`);
        }
      }
      const usage = { prompt_tokens: countMessageTokens(request.messages), completion_tokens: 12, total_tokens: countMessageTokens(request.messages) + 12 };
      res.write(`data: ${JSON.stringify({ id: "chatcmpl-fake", object: "chat.completion.chunk", created: 1, model: "fake", choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }], usage })}\n\n`);
      res.end("data: [DONE]\n\n");
      return;
    }
    const text = typeof reply === "string" ? reply : reply.text;
    const chunks = typeof reply === "string" ? piecesOf(text) : (reply.chunks ?? piecesOf(text));
    for (const piece of chunks) res.write(`data: ${JSON.stringify(chunk(piece))}\n\n`);
    const usage =
      typeof reply === "string" || reply.usage === undefined
        ? { prompt_tokens: countMessageTokens(request.messages), completion_tokens: countTextTokens(text), cached_tokens: 0 }
        : reply.usage;
    if (usage) {
      const total = usage.prompt_tokens + usage.completion_tokens;
      res.write(
        `data: ${JSON.stringify({ id: "chatcmpl-fake", object: "chat.completion.chunk", created: 1, model: "fake", choices: [], usage: { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, total_tokens: total, prompt_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 } } })}\n\n`,
      );
    }
    res.end("data: [DONE]\n\n");
  };

  const server = http.createServer((req, res) => {
    const authorization = req.headers.authorization ?? null;
    if (req.method === "GET" && new URL(req.url ?? "/", "http://fake").pathname === "/v1/models") {
      modelListRequests.push({ authorization });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: modelList }));
      return;
    }
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      const body = JSON.parse(raw || "{}") as FakeRequest["body"];
      // An assistant message that only asks for tools has `content: null` on the wire.
      const messages = (body.messages ?? []).map((m) => ({ ...m, content: m.content ?? "" }));
      const request: FakeRequest = {
        n: requests.length + 1,
        body,
        messages,
        system: messages.find((m) => m.role === "system")?.content ?? "",
        conversation: messages.filter((m) => m.role !== "system"),
        requestId: null,
        authorization,
      };
      requests.push(request);
      const ready = waiters.filter((w) => requests.length >= w.count);
      waiters = waiters.filter((w) => requests.length < w.count);
      for (const w of ready) w.resolve([...requests]);
      answer(request, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
        else res.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const baseURL = `http://127.0.0.1:${port}/v1`;

  return {
    baseURL,
    requests,
    modelListRequests,
    models(list) {
      modelList = list;
    },
    script(fn) {
      script = fn;
    },
    reset() {
      requests.length = 0;
      modelListRequests.length = 0;
    },
    waitForRequests(count) {
      if (requests.length >= count) return Promise.resolve([...requests]);
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    provider() {
      return new OpenAICompatibleProvider({ baseURL, apiKey: "test-key" });
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A base URL (`http://127.0.0.1:<port>/v1`) where nothing listens, for "the provider refuses connections". */
export async function closedPortURL(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}/v1`;
}

/** The first line of a system prompt: the agent's role prompt (or the manager's role). */
export function roleOf(request: FakeRequest): string {
  return request.system.split("\n")[0] ?? "";
}

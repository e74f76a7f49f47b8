/**
 * Calling the API as its clients do: through tRPC's fetch adapter (the handler behind /api/trpc)
 * with a bearer token, and reading `turns.events` as the SSE stream httpSubscriptionLink reads.
 *
 * The web process's singletons (`getWebBoss()` for turns.send/cancel, `getListener()` for
 * turns.events) resolve their database from `env.DATABASE_URL`, which env.ts parses once at import
 * time, before a per-file test database exists; so setting `process.env.DATABASE_URL` in a test is
 * too late. `bindWebSingletons` points them at the test database instead.
 */
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { afterAll, beforeAll } from "vitest";
import type { PgBoss } from "pg-boss";
import superjson from "superjson";
import { appRouter, type AppRouter } from "@/server/api/root.ts";
import type { Db } from "@/server/db.ts";
import { PgListener } from "@/server/realtime/listener.ts";
import { startSenderBoss } from "./turns.ts";

export type ProcedureType = "query" | "mutation" | "subscription";

export function procedureType(path: string): ProcedureType {
  const procedure = (appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcedureType } } | undefined>)[path];
  if (!procedure) throw new Error(`no procedure ${path}`);
  return procedure._def.type;
}

export interface RequestOptions {
  input?: unknown;
  token?: string;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** The raw `input` query parameter or POST body, to send malformed JSON. */
  rawInput?: string;
}

/** The Request a client sends for `path` (GET for queries and subscriptions, POST for mutations). */
export function apiRequest(path: string, options: RequestOptions = {}): Request {
  const headers = new Headers({ "content-type": "application/json", ...options.headers });
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  const json = options.rawInput ?? JSON.stringify(superjson.serialize(options.input ?? null));
  const url = `http://pantheon.test/api/trpc/${path}`;
  return procedureType(path) === "mutation"
    ? new Request(url, { method: "POST", headers, body: json, signal: options.signal })
    : new Request(`${url}?input=${encodeURIComponent(json)}`, { headers, signal: options.signal });
}

export function handle(db: Db, req: Request): Promise<Response> {
  return fetchRequestHandler({ endpoint: "/api/trpc", req, router: appRouter, createContext: () => ({ db, headers: req.headers }), onError: () => undefined });
}

export interface ApiError {
  message: string;
  /** tRPC's own code (`NOT_FOUND`, …). */
  code: string;
  /** The stable machine code (`not_found`, `turn_in_progress`, …). */
  appCode: string;
  httpStatus: number;
  details: Record<string, unknown> | null;
  zodError: unknown;
}

export interface ApiResult {
  /** The HTTP status of the response. */
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read results loosely
  data: any;
  error: ApiError | null;
}

function toApiError(shape: { message: string; data: { code: string; appCode: string; httpStatus: number; details?: Record<string, unknown> | null; zodError?: unknown } }): ApiError {
  const { code, appCode, httpStatus, details, zodError } = shape.data;
  return { message: shape.message, code, appCode, httpStatus, details: details ?? null, zodError: zodError ?? null };
}

/**
 * A real tRPC client (queries and mutations) whose requests go to `handle` instead of the network:
 * its errors are TRPCClientErrors with the `data` a browser or the CLI reads.
 */
export function trpcClient(db: Db, token?: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: "http://pantheon.test/api/trpc",
        transformer: superjson,
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
        fetch: (input, init) => handle(db, new Request(input, init as RequestInit)),
      }),
    ],
  });
}

/** The TRPCClientError a client call fails with (fails the test when it succeeds). */
export async function clientError<Router extends AnyTRPCRouter = AppRouter>(call: Promise<unknown>): Promise<TRPCClientError<Router>> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof TRPCClientError)) throw new Error(`expected a TRPCClientError, got ${String(error)}`);
  return error as TRPCClientError<Router>;
}

/** A query or mutation; the body is decoded with superjson as the tRPC client does. */
export async function callApi(db: Db, path: string, options: RequestOptions = {}): Promise<ApiResult> {
  const res = await handle(db, apiRequest(path, options));
  const body = (await res.json()) as { result?: { data: unknown }; error?: unknown };
  if (body.error) return { status: res.status, data: undefined, error: toApiError(superjson.deserialize(body.error as never)) };
  return { status: res.status, data: superjson.deserialize(body.result!.data as never), error: null };
}

export interface SseMessage {
  event: string | null;
  id: string | null;
  data: string;
}

/** An open SSE response, read message by message (the WHATWG event-stream format). */
export class SseStream {
  private readonly reader: ReadableStreamDefaultReader<string>;
  private buffer = "";
  private ended = false;

  constructor(
    readonly response: Response,
    private readonly abort: AbortController,
  ) {
    this.reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next message, or null once the server ended the stream. Fails after `timeoutMs`. */
  async next(timeoutMs = 15_000): Promise<SseMessage | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no SSE message within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.read(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async read(): Promise<SseMessage | null> {
    let message: SseMessage = { event: null, id: null, data: "" };
    let hasData = false;
    for (;;) {
      const newline = this.buffer.indexOf("\n");
      if (newline === -1) {
        if (this.ended) return null;
        const chunk = await this.reader.read();
        if (chunk.done) this.ended = true;
        else this.buffer += chunk.value;
        continue;
      }
      const line = this.buffer.slice(0, newline).replace(/\r$/, "");
      this.buffer = this.buffer.slice(newline + 1);
      if (line === "") {
        if (hasData || message.event) return message;
        message = { event: null, id: null, data: "" };
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "data") {
        message.data = hasData ? `${message.data}\n${value}` : value;
        hasData = true;
      } else if (field === "event") message.event = value;
      else if (field === "id") message.id = value;
    }
  }

  /** The client disconnects: the request is aborted and the body cancelled. */
  async close(): Promise<void> {
    this.abort.abort();
    await this.reader.cancel().catch(() => undefined);
  }
}

/** Opens a subscription over SSE; the response is already there (status, headers) when this resolves. */
export async function openSubscription(db: Db, path: string, options: Omit<RequestOptions, "signal"> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const res = await handle(db, apiRequest(path, { ...options, signal: abort.signal }));
  return new SseStream(res, abort);
}

/** A `serialized-error` message's error, decoded. */
export function sseError(message: SseMessage): ApiError {
  return toApiError(superjson.parse(message.data));
}

/**
 * What a subscription answers before its first event: the first message that is not `connected`
 * or a ping (the stream is closed after it). A refused subscription is still a 200 event stream in
 * tRPC 11: the error comes as a `serialized-error` event carrying its code and HTTP status.
 */
export async function firstSubscriptionMessage(db: Db, path: string, options: Omit<RequestOptions, "signal"> = {}) {
  const stream = await openSubscription(db, path, options);
  try {
    for (;;) {
      const message = await stream.next();
      if (message?.event === "connected" || message?.event === "ping") continue;
      return {
        status: stream.response.status,
        contentType: stream.response.headers.get("content-type"),
        message,
        error: message?.event === "serialized-error" ? sseError(message) : null,
        /** True when the server ended the stream right after this message. */
        ended: message?.event === "serialized-error" ? (await stream.next(5000)) === null : false,
      };
    }
  } finally {
    await stream.close();
  }
}

const globals = globalThis as unknown as { pantheonBoss?: Promise<PgBoss>; pantheonListener?: PgListener; pantheonSessionHub?: unknown };

/**
 * For this test file: `getWebBoss()` and `getListener()` use `url()`'s database. Call after
 * `databaseForThisFile()`, so its hooks run inside the database's lifetime.
 */
export function bindWebSingletons(url: () => string): void {
  beforeAll(async () => {
    if (globals.pantheonBoss || globals.pantheonListener) throw new Error("the web singletons were used before bindWebSingletons");
    globals.pantheonBoss = startSenderBoss(url());
    globals.pantheonListener = new PgListener(url());
    await globals.pantheonBoss;
  });
  afterAll(async () => {
    const boss = globals.pantheonBoss;
    const listener = globals.pantheonListener;
    delete globals.pantheonBoss;
    delete globals.pantheonListener;
    delete globals.pantheonSessionHub;
    await listener?.close();
    await (await boss)?.stop({ graceful: false });
  });
}

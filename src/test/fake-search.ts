/**
 * Fake web search servers for tests, on free local ports: Tavily (`POST /search`, JSON body) and
 * SearXNG (`GET /search?q=…&format=json`). Each request is recorded (method, path, query, the
 * `authorization` header, the parsed body) and answered with the configured results in the
 * provider's own shape, an HTTP error status (`fail`), a raw body (`respondRaw`, for bad JSON), or a
 * hang that only ends when the client goes away or the server closes (`hang`).
 *
 * Point the tools at one with an env: `{ TAVILY_API_KEY: "…", TAVILY_BASE_URL: fake.baseURL }` or
 * `{ SEARXNG_URL: fake.baseURL }`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** One result as the providers answer it (`content` is the snippet). */
export interface FakeSearchResult {
  title: string;
  url: string;
  content: string;
  [extra: string]: unknown;
}

export interface FakeSearchRequest {
  /** 1-based, in arrival order. */
  n: number;
  method: string;
  /** The path without the query string, e.g. "/search". */
  path: string;
  /** The query string's parameters. */
  params: Record<string, string>;
  /** The `authorization` header as sent, null without one. */
  authorization: string | null;
  /** The JSON body, parsed (null for a GET or an empty body). */
  body: Record<string, unknown> | null;
  /** The search query: Tavily's `body.query`, SearXNG's `q` parameter. */
  query: string | null;
}

type Behaviour = { kind: "answer" } | { kind: "fail"; status: number; body: string } | { kind: "hang" } | { kind: "raw"; status: number; body: string };

export interface FakeSearch {
  /** Where the fake listens, e.g. `http://127.0.0.1:PORT` (the provider adds `/search`). */
  baseURL: string;
  requests: FakeSearchRequest[];
  /** Replaces the results it answers with (and ends fail/hang/raw). */
  results(list: FakeSearchResult[]): void;
  /** Answers every request with this status and body (default: a JSON error). */
  fail(status: number, body?: string | Record<string, unknown>): void;
  /** Never answers: the client's abort or timeout ends the request (or close()). */
  hang(): void;
  /** Answers with this exact body (e.g. not JSON). */
  respondRaw(body: string, status?: number): void;
  /** Back to answering with the results. */
  answer(): void;
  /** Forgets the recorded requests and the count of dropped ones. */
  reset(): void;
  /** Resolves once `count` requests have arrived. */
  waitForRequests(count: number): Promise<FakeSearchRequest[]>;
  /** Resolves once `count` (default 1) hung requests' clients have gone away (they aborted). */
  waitForClientGone(count?: number): Promise<void>;
  close(): Promise<void>;
}

type Flavour = "tavily" | "searxng";

function startFake(flavour: Flavour, initial: FakeSearchResult[]): Promise<FakeSearch> {
  let list = initial;
  let behaviour: Behaviour = { kind: "answer" };
  const requests: FakeSearchRequest[] = [];
  let waiters: { count: number; resolve: (r: FakeSearchRequest[]) => void }[] = [];
  let gone = 0;
  let goneWaiters: { count: number; resolve: () => void }[] = [];

  const reply = (res: http.ServerResponse, request: FakeSearchRequest) => {
    switch (behaviour.kind) {
      case "fail":
      case "raw":
        res.writeHead(behaviour.status, { "content-type": behaviour.kind === "fail" ? "application/json" : "text/plain" }).end(behaviour.body);
        return;
      case "hang":
        // Nothing is written: the client gives up, or close() cuts the connection.
        res.on("close", () => {
          gone += 1;
          const ready = goneWaiters.filter((w) => gone >= w.count);
          goneWaiters = goneWaiters.filter((w) => gone < w.count);
          for (const w of ready) w.resolve();
        });
        return;
      case "answer": {
        const body =
          flavour === "tavily"
            ? { query: request.query, answer: null, images: [], results: list.map((r) => ({ score: 0.9, raw_content: null, ...r })), response_time: 0.01 }
            : { query: request.query, number_of_results: list.length, results: list.map((r) => ({ engine: "fake", engines: ["fake"], score: 1, ...r })), answers: [], suggestions: [] };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      }
    }
  };

  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake");
      let body: Record<string, unknown> | null = null;
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
      } catch {
        body = null;
      }
      const params = Object.fromEntries(url.searchParams);
      const request: FakeSearchRequest = {
        n: requests.length + 1,
        method: req.method ?? "GET",
        path: url.pathname,
        params,
        authorization: req.headers.authorization ?? null,
        body,
        query: flavour === "tavily" ? (typeof body?.query === "string" ? body.query : null) : (params.q ?? null),
      };
      requests.push(request);
      const ready = waiters.filter((w) => requests.length >= w.count);
      waiters = waiters.filter((w) => requests.length < w.count);
      for (const w of ready) w.resolve([...requests]);
      const expected = flavour === "tavily" ? req.method === "POST" : req.method === "GET";
      if (url.pathname !== "/search" || !expected) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ detail: "Not Found" }));
        return;
      }
      reply(res, request);
    });
  });

  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        baseURL: `http://127.0.0.1:${port}`,
        requests,
        results(next) {
          list = next;
          behaviour = { kind: "answer" };
        },
        fail(status, body) {
          const text = body === undefined ? JSON.stringify({ detail: { error: `fake error ${status}` } }) : typeof body === "string" ? body : JSON.stringify(body);
          behaviour = { kind: "fail", status, body: text };
        },
        hang() {
          behaviour = { kind: "hang" };
        },
        respondRaw(body, status = 200) {
          behaviour = { kind: "raw", status, body };
        },
        answer() {
          behaviour = { kind: "answer" };
        },
        reset() {
          requests.length = 0;
          gone = 0;
        },
        waitForRequests(count) {
          if (requests.length >= count) return Promise.resolve([...requests]);
          return new Promise((done) => waiters.push({ count, resolve: done }));
        },
        waitForClientGone(count = 1) {
          if (gone >= count) return Promise.resolve();
          return new Promise((done) => goneWaiters.push({ count, resolve: done }));
        },
        async close() {
          server.closeAllConnections();
          await new Promise((done) => server.close(done));
        },
      });
    });
  });
}

export function startFakeTavily(results: FakeSearchResult[] = []): Promise<FakeSearch> {
  return startFake("tavily", results);
}

export function startFakeSearxng(results: FakeSearchResult[] = []): Promise<FakeSearch> {
  return startFake("searxng", results);
}

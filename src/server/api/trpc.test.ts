/**
 * The error contract (PRODUCT.md section 10) through the real HTTP adapter and a real tRPC client:
 * `data.code` is tRPC's own code with its HTTP status; the machine code is `data.appCode`, with
 * `data.details` and, for bad input, a 400 with `data.zodError`; malformed requests never give a
 * 500. Route handlers outside tRPC answer with the same fields (errorResponse).
 */
import { createTRPCClient, httpLink } from "@trpc/client";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import superjson from "superjson";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { clientError as clientErrorOf } from "@/test/trpc-http.ts";
import type { Db } from "../db.ts";
import { AppError } from "../errors.ts";
import { logger } from "../logger.ts";
import { errorResponse } from "./error-shape.ts";
import { createTRPCRouter, protectedProcedure, publicProcedure } from "./trpc.ts";

const router = createTRPCRouter({
  missing: publicProcedure.query(() => {
    throw new AppError("not_found", "No such room.");
  }),
  limited: publicProcedure.mutation(() => {
    throw new AppError("rate_limited", "Slow down.", { retryAfterSeconds: 12 });
  }),
  broken: publicProcedure.query(() => {
    throw new Error("database exploded");
  }),
  echo: publicProcedure.input(z.object({ name: z.string().min(1), count: z.number().int() })).mutation(({ input }) => input),
  secret: protectedProcedure.query(() => "secret"),
});

function handle(req: Request) {
  return fetchRequestHandler({ endpoint: "/api/trpc", req, router, createContext: () => ({ db: {} as Db, headers: req.headers }), onError: () => undefined });
}

/** A client as the browser and the CLI build it, talking to the handler instead of the network. */
const client = createTRPCClient<typeof router>({
  links: [httpLink({ url: "http://test/api/trpc", transformer: superjson, fetch: (input, init) => handle(new Request(input, init as RequestInit)) })],
});

const clientError = (call: Promise<unknown>) => clientErrorOf<typeof router>(call);

async function call(path: string, init: RequestInit & { query?: string } = {}) {
  const res = await handle(new Request(`http://test/api/trpc/${path}${init.query ? `?${init.query}` : ""}`, init));
  return { status: res.status, body: (await res.json()) as { error?: { json: { message: string; data: Record<string, unknown> } } } };
}

describe("error mapping", () => {
  it("maps an AppError to its tRPC code and HTTP status, with the machine code in data.appCode", async () => {
    const error = await clientError(client.missing.query());
    expect(error.message).toBe("No such room.");
    expect(error.data).toMatchObject({ code: "NOT_FOUND", httpStatus: 404, appCode: "not_found", details: null, zodError: null });
    // On the wire too: the status line, and the default shape's JSON-RPC code beside data.
    const { status, body } = await call("missing");
    expect(status).toBe(404);
    expect(body.error?.json).toMatchObject({ code: -32004, data: { code: "NOT_FOUND", appCode: "not_found" } });
  });

  it("carries details such as retryAfterSeconds", async () => {
    const error = await clientError(client.limited.mutate());
    expect(error.data).toMatchObject({ code: "TOO_MANY_REQUESTS", httpStatus: 429, appCode: "rate_limited", details: { retryAfterSeconds: 12 } });
  });

  it("flattens zod errors into data.zodError: BAD_REQUEST, appCode invalid_input", async () => {
    const error = await clientError(client.echo.mutate({ name: "", count: 1.5 }));
    expect(error.data).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400, appCode: "invalid_input", details: null });
    expect(Object.keys(error.data?.zodError?.fieldErrors ?? {}).sort()).toEqual(["count", "name"]);
  });

  it("answers malformed JSON with a 400, not a 500", async () => {
    const { status, body } = await call("echo", { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    expect(status).toBe(400);
    expect(body.error?.json.data).toMatchObject({ code: "BAD_REQUEST", appCode: "bad_request", zodError: null });
  });

  it("answers an unknown procedure with a 404", async () => {
    const { status, body } = await call("nothing.here");
    expect(status).toBe(404);
    expect(body.error?.json.data).toMatchObject({ code: "NOT_FOUND", appCode: "not_found" });
  });

  it("rejects protected procedures without credentials: UNAUTHORIZED, appCode unauthorized", async () => {
    const error = await clientError(client.secret.query());
    expect(error.data).toMatchObject({ code: "UNAUTHORIZED", httpStatus: 401, appCode: "unauthorized" });
  });

  it("keeps unexpected errors as 500 without leaking them as a known code", async () => {
    const error = await clientError(client.broken.query());
    expect(error.data).toMatchObject({ code: "INTERNAL_SERVER_ERROR", httpStatus: 500, appCode: "internal_server_error", details: null });
  });
});

describe("errorResponse (route handlers)", () => {
  const read = async (res: Response) => ({ status: res.status, headers: res.headers, body: (await res.json()) as { error: { message: string; data: Record<string, unknown> } } });

  it("answers an AppError with its status and the fields of a tRPC error's data", async () => {
    const { status, headers, body } = await read(errorResponse(new AppError("unauthorized", "Sign in."), "test"));
    expect(status).toBe(401);
    expect(headers.get("cache-control")).toBe("no-store");
    expect(body).toEqual({ error: { message: "Sign in.", data: { code: "UNAUTHORIZED", httpStatus: 401, appCode: "unauthorized", details: null, zodError: null } } });
  });

  it("says when to retry a rate-limited request", async () => {
    const { status, headers, body } = await read(errorResponse(new AppError("rate_limited", "Slow down.", { retryAfterSeconds: 12 }), "test"));
    expect(status).toBe(429);
    expect(headers.get("retry-after")).toBe("12");
    expect(body.error.data).toMatchObject({ code: "TOO_MANY_REQUESTS", appCode: "rate_limited", details: { retryAfterSeconds: 12 } });
  });

  it("answers anything else as a 500, and logs it", async () => {
    const logged = vi.spyOn(logger, "error").mockImplementation(() => undefined);
    const cause = new Error("database exploded");
    const { status, body } = await read(errorResponse(cause, "test"));
    expect(status).toBe(500);
    expect(body.error.data).toMatchObject({ code: "INTERNAL_SERVER_ERROR", appCode: "internal_server_error" });
    expect(logged).toHaveBeenCalledWith({ err: cause, route: "test" }, "route failed");
    logged.mockRestore();
  });
});

/**
 * The error contract (PRODUCT.md section 10) through the real HTTP adapter: AppError codes become
 * the right tRPC code and HTTP status with `data.code`; bad input is a 400 with the zod details;
 * malformed requests never give a 500.
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Db } from "../db.ts";
import { AppError } from "../errors.ts";
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

async function call(path: string, init: RequestInit & { query?: string } = {}) {
  const url = `http://test/api/trpc/${path}${init.query ? `?${init.query}` : ""}`;
  const res = await fetchRequestHandler({
    endpoint: "/api/trpc",
    req: new Request(url, init),
    router,
    createContext: () => ({ db: {} as Db, headers: new Headers() }),
    onError: () => undefined,
  });
  return { status: res.status, body: (await res.json()) as { error?: { json: { message: string; data: Record<string, unknown> } } } };
}

const post = (json: unknown) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json }) });

describe("error mapping", () => {
  it("maps an AppError to its tRPC code, HTTP status and stable data.code", async () => {
    const { status, body } = await call("missing");
    expect(status).toBe(404);
    expect(body.error?.json.data).toMatchObject({ code: "not_found", httpStatus: 404 });
    expect(body.error?.json.message).toBe("No such room.");
  });

  it("carries details such as retryAfterSeconds", async () => {
    const { status, body } = await call("limited", post(null));
    expect(status).toBe(429);
    expect(body.error?.json.data).toMatchObject({ code: "rate_limited", details: { retryAfterSeconds: 12 } });
  });

  it("flattens zod errors into data.zodError with code invalid_input", async () => {
    const { status, body } = await call("echo", post({ name: "", count: 1.5 }));
    expect(status).toBe(400);
    const data = body.error?.json.data as { code: string; zodError: { fieldErrors: Record<string, string[]> } };
    expect(data.code).toBe("invalid_input");
    expect(Object.keys(data.zodError.fieldErrors).sort()).toEqual(["count", "name"]);
  });

  it("answers malformed JSON with a 400, not a 500", async () => {
    const { status } = await call("echo", { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    expect(status).toBe(400);
  });

  it("answers an unknown procedure with a 404", async () => {
    expect((await call("nothing.here")).status).toBe(404);
  });

  it("rejects protected procedures without credentials", async () => {
    const { status, body } = await call("secret");
    expect(status).toBe(401);
    expect(body.error?.json.data.code).toBe("unauthorized");
  });

  it("keeps unexpected errors as 500 without leaking them as a known code", async () => {
    const { status, body } = await call("broken");
    expect(status).toBe(500);
    expect(body.error?.json.data.code).toBe("internal_server_error");
  });
});

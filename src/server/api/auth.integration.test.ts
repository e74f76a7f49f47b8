/**
 * Authentication and authorization through the real tRPC HTTP adapter and a real database: every
 * non-public procedure refuses anonymous callers; tokens work until revoked or expired; suspended
 * users are refused on both paths; cookie mutations need a trusted Origin; CORS for listed origins.
 */
import { randomUUID } from "node:crypto";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/test/database.ts";

vi.hoisted(() => {
  process.env.CORS_ORIGINS = "https://allowed.example";
  process.env.NEXTAUTH_URL = "http://pantheon.test";
});

const { appRouter, publicProcedurePaths } = await import("./root.ts");
const { createApiToken, hashToken } = await import("../domain/auth/api-tokens.ts");
const { ensureUserByEmail, setUserStatusByEmail } = await import("../domain/auth/users.ts");
const route = await import("../../app/api/trpc/[trpc]/route.ts");
const { clientError, firstSubscriptionMessage, trpcClient } = await import("@/test/trpc-http.ts");

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

interface CallOptions {
  input?: unknown;
  token?: string;
  cookie?: string;
  origin?: string;
}

async function call(path: string, type: "query" | "mutation" | "subscription", options: CallOptions = {}) {
  const headers = new Headers({ "content-type": "application/json", host: "pantheon.test" });
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  if (options.cookie) headers.set("cookie", options.cookie);
  if (options.origin) headers.set("origin", options.origin);
  const json = JSON.stringify({ json: options.input ?? null });
  const url = `http://pantheon.test/api/trpc/${path}`;
  const req =
    type === "mutation"
      ? new Request(url, { method: "POST", headers, body: json })
      : new Request(`${url}?input=${encodeURIComponent(json)}`, { method: "GET", headers });
  const res = await fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () => ({ db: t.db, headers: req.headers }),
    onError: () => undefined,
  });
  const text = await res.text();
  const body = type === "subscription" ? null : (JSON.parse(text) as { result?: { data: { json: unknown } }; error?: { json: { data: { code: string; appCode: string; zodError: unknown } } } });
  return { status: res.status, body, text };
}

async function userWithToken(email = `u-${randomUUID()}@example.com`) {
  const user = await ensureUserByEmail(t.db, email);
  const { token, id } = await createApiToken(t.db, user.id, { name: "test" });
  return { user, token, tokenId: id };
}

const APP = "http://pantheon.test";

async function sessionCookie(userId: string) {
  const sessionToken = randomUUID();
  await t.db.session.create({ data: { sessionToken, userId, expires: new Date(Date.now() + 3600_000) } });
  return `next-auth.session-token=${sessionToken}`;
}

describe("procedure access", () => {
  const procedures = Object.entries(appRouter._def.procedures as Record<string, unknown>) as [string, { _def: { type: "query" | "mutation" | "subscription" } }][];

  it("knows its public procedures", () => {
    const paths = procedures.map(([path]) => path);
    for (const path of publicProcedurePaths) expect(paths).toContain(path);
  });

  it.each(procedures.filter(([path]) => !(publicProcedurePaths as readonly string[]).includes(path)))(
    "%s answers UNAUTHORIZED without credentials",
    async (path, procedure) => {
      if (procedure._def.type === "subscription") {
        // tRPC 11 answers a subscription with an event stream even when it refuses it: a 200 whose
        // first event after `connected` is a `serialized-error` carrying the code and HTTP status,
        // after which the stream ends (httpSubscriptionLink does not retry a 401).
        const first = await firstSubscriptionMessage(t.db, path, { input: { sessionId: randomUUID() } });
        expect(first.status).toBe(200);
        expect(first.contentType).toBe("text/event-stream");
        expect(first.message?.event).toBe("serialized-error");
        expect(first.error).toMatchObject({ code: "UNAUTHORIZED", appCode: "unauthorized", httpStatus: 401 });
        expect(first.ended).toBe(true);
        return;
      }
      const { status, body, text } = await call(path, procedure._def.type);
      expect(status, text).toBe(401);
      if (body) expect(body.error?.json.data).toMatchObject({ code: "UNAUTHORIZED", appCode: "unauthorized" });
    },
  );

  it("gives a tRPC client UNAUTHORIZED in data.code and unauthorized in data.appCode, signed out or with a bad token", async () => {
    for (const token of [undefined, "pan_" + "x".repeat(43)]) {
      const error = await clientError(trpcClient(t.db, token).auth.me.query());
      expect(error.data).toMatchObject({ code: "UNAUTHORIZED", httpStatus: 401, appCode: "unauthorized", details: null, zodError: null });
      expect(error.message).toMatch(/Sign in/);
    }
  });
});

describe("API tokens", () => {
  it("work until revoked, and never after", async () => {
    const { user, token, tokenId } = await userWithToken();
    const me = await call("auth.me", "query", { token });
    expect(me.status).toBe(200);
    expect(me.body?.result?.data.json).toMatchObject({ id: user.id, email: user.email, role: "user", status: "active" });

    const cookie = await sessionCookie(user.id);
    const revoked = await call("auth.tokens.revoke", "mutation", { cookie, origin: APP, input: { id: tokenId } });
    expect(revoked.status).toBe(200);
    expect((await call("auth.me", "query", { token })).status).toBe(401);
  });

  it("stop working when they expire", async () => {
    const { token, tokenId } = await userWithToken();
    expect((await call("auth.me", "query", { token })).status).toBe(200);
    await t.db.apiToken.update({ where: { id: tokenId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await call("auth.me", "query", { token })).status).toBe(401);
  });

  it("refuse unknown tokens, even with a valid cookie beside them", async () => {
    const { user } = await userWithToken();
    const cookie = await sessionCookie(user.id);
    expect((await call("auth.me", "query", { token: "pan_" + "x".repeat(43) })).status).toBe(401);
    expect((await call("auth.me", "query", { token: "pan_short", cookie })).status).toBe(401);
  });

  it("leave other Authorization headers (a proxy's Basic auth) to the cookie", async () => {
    const { user } = await userWithToken();
    const cookie = await sessionCookie(user.id);
    const headers = new Headers({ authorization: "Basic dXNlcjpwYXNz", cookie, host: "pantheon.test" });
    const req = new Request("http://pantheon.test/api/trpc/auth.me", { headers });
    const res = await fetchRequestHandler({ endpoint: "/api/trpc", req, router: appRouter, createContext: () => ({ db: t.db, headers: req.headers }), onError: () => undefined });
    expect(res.status).toBe(200);
  });

  it("cannot manage tokens: a leaked token must not mint its own successor", async () => {
    const { token, tokenId } = await userWithToken();
    const created = await call("auth.tokens.create", "mutation", { token, input: { name: "successor" } });
    expect(created.status).toBe(403);
    expect(created.body?.error?.json.data).toMatchObject({ code: "FORBIDDEN", appCode: "session_required" });
    expect((await call("auth.tokens.revoke", "mutation", { token, input: { id: tokenId } })).status).toBe(403);
  });

  it("are created shown once, listed without their secret, and record when they were used", async () => {
    const { user, token } = await userWithToken();
    await call("auth.me", "query", { token }); // marks "test" as used
    const cookie = await sessionCookie(user.id);
    const created = await call("auth.tokens.create", "mutation", { cookie, origin: APP, input: { name: "ci", expiresInDays: 30 } });
    expect(created.status).toBe(200);
    const fresh = created.body?.result?.data.json as { token: string; prefix: string; expiresAt: string };
    expect(fresh.token).toMatch(/^pan_/);
    expect(fresh.token.startsWith(fresh.prefix)).toBe(true);

    const list = await call("auth.tokens.list", "query", { cookie });
    expect(list.text).not.toContain(fresh.token);
    expect(list.text).not.toContain("tokenHash");
    const rows = list.body?.result?.data.json as { name: string; lastUsedAt: string | null }[];
    expect(rows.map((r) => r.name).sort()).toEqual(["ci", "test"]);
    expect(rows.find((r) => r.name === "test")?.lastUsedAt).not.toBeNull();
    expect(rows.find((r) => r.name === "ci")?.lastUsedAt).toBeNull();

    const stored = await t.db.apiToken.findFirstOrThrow({ where: { prefix: fresh.prefix } });
    expect(stored.tokenHash).toBe(hashToken(fresh.token));
    expect(stored.tokenHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("of another user cannot be revoked: NOT_FOUND, as if they did not exist", async () => {
    const a = await userWithToken();
    const b = await userWithToken();
    const cookie = await sessionCookie(b.user.id);
    const res = await call("auth.tokens.revoke", "mutation", { cookie, origin: APP, input: { id: a.tokenId } });
    expect(res.status).toBe(404);
    expect((await call("auth.me", "query", { token: a.token })).status).toBe(200);
  });

  it("validate input with field errors", async () => {
    const { user } = await userWithToken();
    const cookie = await sessionCookie(user.id);
    const res = await call("auth.tokens.create", "mutation", { cookie, origin: APP, input: { name: "  ", expiresInDays: 0 } });
    expect(res.status).toBe(400);
    expect(res.body?.error?.json.data).toMatchObject({ code: "BAD_REQUEST", appCode: "invalid_input" });
    expect(res.body?.error?.json.data.zodError).toMatchObject({ fieldErrors: { name: expect.any(Array), expiresInDays: expect.any(Array) } });
  });
});

describe("suspended users", () => {
  it("are refused with account_suspended on the token path and the cookie path", async () => {
    const { user, token } = await userWithToken();
    const cookie = await sessionCookie(user.id);
    expect((await call("auth.me", "query", { cookie })).status).toBe(200);

    await setUserStatusByEmail(t.db, user.email!, "suspended");
    for (const credentials of [{ token }, { cookie }]) {
      const res = await call("auth.me", "query", credentials);
      expect(res.status).toBe(403);
      expect(res.body?.error?.json.data).toMatchObject({ code: "FORBIDDEN", appCode: "account_suspended" });
    }
  });
});

describe("cookie sessions", () => {
  it("stop working once the session row is gone (signed out) or expired", async () => {
    const { user } = await userWithToken();
    const cookie = await sessionCookie(user.id);
    expect((await call("auth.me", "query", { cookie })).status).toBe(200);
    await t.db.session.deleteMany({ where: { userId: user.id } });
    expect((await call("auth.me", "query", { cookie })).status).toBe(401);

    const expiredToken = randomUUID();
    await t.db.session.create({ data: { sessionToken: expiredToken, userId: user.id, expires: new Date(Date.now() - 1000) } });
    expect((await call("auth.me", "query", { cookie: `next-auth.session-token=${expiredToken}` })).status).toBe(401);
  });

  it("ignore the https-only cookie name on an http site, and malformed cookies", async () => {
    const { user } = await userWithToken();
    const value = (await sessionCookie(user.id)).split("=")[1];
    expect((await call("auth.me", "query", { cookie: `__Secure-next-auth.session-token=${value}` })).status).toBe(401);
    expect((await call("auth.me", "query", { cookie: "next-auth.session-token=%E0%A4%A" })).status).toBe(401);
  });

  it("may change things only from the app's origin or a listed one", async () => {
    const { user } = await userWithToken();
    const cookie = await sessionCookie(user.id);
    const create = (opts: CallOptions) => call("auth.tokens.create", "mutation", { ...opts, input: { name: "x" } });

    const foreign = await create({ cookie, origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(foreign.body?.error?.json.data).toMatchObject({ code: "FORBIDDEN", appCode: "origin_not_allowed" });
    expect((await create({ cookie })).status).toBe(403);

    expect((await create({ cookie, origin: "http://pantheon.test" })).status).toBe(200);
    expect((await create({ cookie, origin: "https://allowed.example" })).status).toBe(200);
    // Reads need no Origin check.
    expect((await call("auth.me", "query", { cookie, origin: "https://evil.example" })).status).toBe(200);
  });
});

describe("CORS on /api/trpc", () => {
  const preflight = (origin: string) =>
    route.OPTIONS(
      new Request("http://pantheon.test/api/trpc/auth.me", {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
      }),
    );

  it("answers a preflight from a listed origin with allow headers", async () => {
    const res = preflight("https://allowed.example");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://allowed.example");
    expect(res.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
  });

  it("gives any other origin no allow headers", async () => {
    const res = preflight("https://evil.example");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("access-control-allow-headers")).toBeNull();
  });

  it("adds the allow-origin header to real responses for listed origins only", async () => {
    const get = (origin: string) => route.GET(new Request("http://pantheon.test/api/trpc/no.such.procedure", { headers: { origin } }));
    expect((await get("https://allowed.example")).headers.get("access-control-allow-origin")).toBe("https://allowed.example");
    expect((await get("https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("ownerProcedure", () => {
  it("lets owners through and refuses everyone else with FORBIDDEN", async () => {
    const { ownerProcedure: adminProcedure, createTRPCRouter } = await import("./trpc.ts");
    const { setUserRole } = await import("../domain/auth/users.ts");
    const router = createTRPCRouter({ secret: adminProcedure.query(() => "admin only") });
    const ask = async (token: string) => {
      const req = new Request("http://pantheon.test/api/trpc/secret", { headers: { authorization: `Bearer ${token}` } });
      const res = await fetchRequestHandler({ endpoint: "/api/trpc", req, router, createContext: () => ({ db: t.db, headers: req.headers }), onError: () => undefined });
      return res.status;
    };
    const { user, token } = await userWithToken();
    expect(await ask(token)).toBe(403);
    await setUserRole(t.db, user.email!, "analyst");
    expect(await ask(token)).toBe(403);
    await setUserRole(t.db, user.email!, "owner");
    expect(await ask(token)).toBe(200);
  });
});

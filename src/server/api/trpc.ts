/**
 * tRPC foundations, in three parts: the context, the instance (transformer and error formatting),
 * and the procedures routers build on.
 */
import { initTRPC } from "@trpc/server";
import superjson from "superjson";
import { getDb, type Db } from "../db.ts";
import { resolveActor } from "../domain/auth/resolve-actor.ts";
import { AppError, isAppError } from "../errors.ts";
import { isTrustedOrigin } from "../http/origins.ts";
import { logger } from "../logger.ts";
import { describeError, toTRPCError } from "./error-shape.ts";

// 1. Context ---------------------------------------------------------------------------------

export interface Context {
  db: Db;
  headers: Headers;
}

export async function createTRPCContext(opts: { headers: Headers }): Promise<Context> {
  return {
    // Resolved on first use, so procedures that need no database (health) still answer when it is
    // not configured.
    get db() {
      return getDb();
    },
    headers: opts.headers,
  };
}

// 2. Instance --------------------------------------------------------------------------------

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  sse: {
    // Keeps idle turn streams alive through proxies; a client that hears nothing reconnects
    // (with its lastEventId) instead of waiting forever on a dead connection.
    ping: { enabled: true, intervalMs: 15_000 },
    client: { reconnectAfterInactivityMs: 40_000 },
  },
  errorFormatter({ shape, error }) {
    // data.code and data.httpStatus stay tRPC's own; the machine code and its facts are added
    // beside them (PRODUCT.md section 10, error-shape.ts).
    const { message, appCode, details, zodError } = describeError(error);
    return { ...shape, message, data: { ...shape.data, appCode, details, zodError } };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

// 3. Procedures ------------------------------------------------------------------------------

/** Domain code throws AppError; this turns it into the tRPC error its code maps to. */
const appErrors = t.middleware(async ({ next, path, type }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (isAppError(cause)) throw toTRPCError(cause);
    if (result.error.code === "INTERNAL_SERVER_ERROR") {
      logger.error({ err: cause ?? result.error, path, type }, "procedure failed");
    }
  }
  return result;
});

export const publicProcedure = t.procedure.use(appErrors);

/**
 * Signed in, by session cookie or API token; the user is active; and a cookie-authenticated
 * mutation comes from the app's own origin or one listed in CORS_ORIGINS.
 */
export const protectedProcedure = publicProcedure.use(async ({ ctx, next, type }) => {
  const actor = await resolveActor(ctx.db, ctx.headers);
  if (!actor) throw new AppError("unauthorized", "Sign in, or send a valid API token as `Authorization: Bearer …`.");
  if (actor.user.status === "suspended") throw new AppError("account_suspended", "This account is suspended.");
  if (actor.method === "cookie" && type === "mutation" && !isTrustedOrigin(ctx.headers)) {
    throw new AppError("origin_not_allowed", "Cookie-authenticated changes must come from Pantheon's own origin.");
  }
  return next({ ctx: { ...ctx, user: actor.user, authMethod: actor.method } });
});

/**
 * Signed in through the browser (a session cookie), not a token: for managing tokens, so a leaked
 * token cannot mint itself a successor that outlives its expiry or revocation.
 */
export const sessionProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.authMethod !== "cookie") throw new AppError("session_required", "Manage API tokens from the Account page while signed in.");
  return next();
});

/**
 * The admin console's readers (PRODUCT.md 9): owners and analysts. An analyst reads everything and
 * changes nothing; a `user` is refused with `admin_only`.
 */
export const staffProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== "owner" && ctx.user.role !== "analyst") throw new AppError("admin_only", "This is for administrators.");
  return next();
});

/** The admin console's writers: owners only (an analyst gets `owner_only`, a user `admin_only`). */
export const ownerProcedure = staffProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== "owner") throw new AppError("owner_only", "Only owners can change this; analysts have read-only access.");
  return next();
});


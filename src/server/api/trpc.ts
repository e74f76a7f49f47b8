/**
 * tRPC foundations, in three parts: the context, the instance (transformer and error formatting),
 * and the procedures routers build on.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { z, ZodError } from "zod";
import { getDb, type Db } from "../db.ts";
import { isAppError } from "../errors.ts";
import { logger } from "../logger.ts";

// 1. Context ---------------------------------------------------------------------------------

export interface SessionUser {
  id: string;
}

export interface Context {
  db: Db;
  headers: Headers;
  /** Set by sign-in (cookie session or API token); until the accounts work lands it is always null. */
  user: SessionUser | null;
}

export async function createTRPCContext(opts: { headers: Headers }): Promise<Context> {
  return {
    // Resolved on first use, so procedures that need no database (health) still answer when it is
    // not configured.
    get db() {
      return getDb();
    },
    headers: opts.headers,
    user: null,
  };
}

// 2. Instance --------------------------------------------------------------------------------

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    // Only input errors are the caller's to fix; a ZodError from `.output()` is our bug (a 500).
    const zodError = error.code === "BAD_REQUEST" && cause instanceof ZodError ? z.flattenError(cause) : null;
    const internal = error.code === "INTERNAL_SERVER_ERROR";
    return {
      ...shape,
      // Internal error text (driver or SQL messages) stays in the server log in production.
      message: internal && process.env.NODE_ENV === "production" ? "Internal server error" : shape.message,
      data: {
        ...shape.data,
        // The stable machine code scripts rely on (PRODUCT.md section 10).
        code: isAppError(cause) ? cause.code : zodError ? "invalid_input" : error.code.toLowerCase(),
        details: isAppError(cause) ? (cause.details ?? null) : null,
        zodError,
      },
    };
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
    if (isAppError(cause)) {
      throw new TRPCError({ code: cause.trpcCode, message: cause.message, cause });
    }
    if (result.error.code === "INTERNAL_SERVER_ERROR") {
      logger.error({ err: cause ?? result.error, path, type }, "procedure failed");
    }
  }
  return result;
});

export const publicProcedure = t.procedure.use(appErrors);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in or send an API token." });
  return next({ ctx: { ...ctx, user: ctx.user } });
});

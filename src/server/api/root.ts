import { authRouter } from "./routers/auth.ts";
import { healthRouter } from "./routers/health.ts";
import { createCallerFactory, createTRPCRouter } from "./trpc.ts";

export const appRouter = createTRPCRouter({
  health: healthRouter,
  auth: authRouter,
});

export type AppRouter = typeof appRouter;

/** Procedures anyone may call without signing in; every other one must answer UNAUTHORIZED. */
export const publicProcedurePaths = ["health.check"] as const;

/** Server-side caller, for RSC and tests: `createCaller(ctx).health.check()`. */
export const createCaller = createCallerFactory(appRouter);

import { healthRouter } from "./routers/health.ts";
import { createCallerFactory, createTRPCRouter } from "./trpc.ts";

export const appRouter = createTRPCRouter({
  health: healthRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side caller, for RSC and tests: `createCaller(ctx).health.check()`. */
export const createCaller = createCallerFactory(appRouter);

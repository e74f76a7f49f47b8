import { adminRouter } from "./routers/admin/index.ts";
import { agentsRouter } from "./routers/agents.ts";
import { authRouter } from "./routers/auth.ts";
import { billingRouter } from "./routers/billing.ts";
import { filesRouter } from "./routers/files.ts";
import { healthRouter } from "./routers/health.ts";
import { modeRouter } from "./routers/mode.ts";
import { modelsRouter } from "./routers/models.ts";
import { roomsRouter } from "./routers/rooms.ts";
import { sessionsRouter } from "./routers/sessions.ts";
import { toolsRouter } from "./routers/tools.ts";
import { turnsRouter } from "./routers/turns.ts";
import { usageRouter } from "./routers/usage.ts";
import { createCallerFactory, createTRPCRouter } from "./trpc.ts";

export const appRouter = createTRPCRouter({
  health: healthRouter,
  auth: authRouter,
  agents: agentsRouter,
  rooms: roomsRouter,
  mode: modeRouter,
  sessions: sessionsRouter,
  turns: turnsRouter,
  usage: usageRouter,
  models: modelsRouter,
  admin: adminRouter,
  files: filesRouter,
  tools: toolsRouter,
  billing: billingRouter,
});

export type AppRouter = typeof appRouter;

/** Procedures anyone may call without signing in; every other one must answer UNAUTHORIZED. */
export const publicProcedurePaths = ["health.check"] as const;

/** Server-side caller, for RSC and tests: `createCaller(ctx).health.check()`. */
export const createCaller = createCallerFactory(appRouter);

import { env } from "../../env.ts";
import { toolAvailability } from "../../tools/registry.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

/** The tools this server can run, and why one cannot (PRODUCT.md 8; the agent editor shows it). */
export const toolsRouter = createTRPCRouter({
  available: protectedProcedure.query(() => ({ tools: toolAvailability(env) })),
});

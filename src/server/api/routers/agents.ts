import { z } from "zod";
import { createAgent, createAgentInput, deleteAgent, getAgent, listAgents, listAgentsInput, restoreAgent, updateAgent, updateAgentInput } from "../../domain/agents/agents.ts";
import { listModelsForUser } from "../../domain/billing/plan-models.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

const byId = z.object({ id: z.uuid() });

export const agentsRouter = createTRPCRouter({
  list: protectedProcedure.input(listAgentsInput).query(({ ctx, input }) => listAgents(ctx.db, ctx.user.id, input)),
  byId: protectedProcedure.input(byId).query(({ ctx, input }) => getAgent(ctx.db, ctx.user.id, input.id)),
  create: protectedProcedure.input(createAgentInput).mutation(({ ctx, input }) => createAgent(ctx.db, ctx.user.id, input)),
  update: protectedProcedure.input(updateAgentInput).mutation(({ ctx, input }) => updateAgent(ctx.db, ctx.user.id, input)),
  delete: protectedProcedure.input(byId).mutation(({ ctx, input }) => deleteAgent(ctx.db, ctx.user.id, input.id)),
  /** Within 7 days of `delete` (not back on rosters); then `restore_window_expired`. */
  restore: protectedProcedure.input(byId).mutation(({ ctx, input }) => restoreAgent(ctx.db, ctx.user.id, input.id)),
  /** The same list as `models.list` (kept for scripts that read it here), with `inPlan` for the caller. */
  models: protectedProcedure.query(({ ctx }) => listModelsForUser(ctx.db, ctx.user.id)),
});

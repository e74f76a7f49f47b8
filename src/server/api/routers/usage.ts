import { getWallet, listTransactions, listTransactionsInput, listUsageEvents, listUsageEventsInput, summarizeUsage, usageSummaryInput } from "../../domain/metering/usage.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

/** The signed-in user's credits and metering (PRODUCT.md 7.5); every procedure sees only their own. */
export const usageRouter = createTRPCRouter({
  wallet: protectedProcedure.query(({ ctx }) => getWallet(ctx.db, ctx.user.id)),
  transactions: protectedProcedure.input(listTransactionsInput).query(({ ctx, input }) => listTransactions(ctx.db, ctx.user.id, input)),
  summary: protectedProcedure.input(usageSummaryInput).query(({ ctx, input }) => summarizeUsage(ctx.db, ctx.user.id, input)),
  events: protectedProcedure.input(listUsageEventsInput).query(({ ctx, input }) => listUsageEvents(ctx.db, ctx.user.id, input)),
});

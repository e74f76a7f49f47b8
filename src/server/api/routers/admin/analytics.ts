/** `admin.analytics.*` (PRODUCT.md 9): reads only, for owners and analysts (staffProcedure). */
import {
  analyticsActiveUsers,
  analyticsBreakdown,
  analyticsBreakdownInput,
  analyticsModels,
  analyticsRangeInput,
  analyticsOverview,
  analyticsOverviewInput,
  analyticsPeriodInput,
  analyticsTurns,
} from "../../../domain/admin/analytics.ts";
import { createTRPCRouter, staffProcedure } from "../../trpc.ts";

export const analyticsRouter = createTRPCRouter({
  overview: staffProcedure.input(analyticsOverviewInput).query(({ ctx, input }) => analyticsOverview(ctx.db, input)),
  activeUsers: staffProcedure.input(analyticsRangeInput).query(({ ctx, input }) => analyticsActiveUsers(ctx.db, input)),
  breakdown: staffProcedure.input(analyticsBreakdownInput).query(({ ctx, input }) => analyticsBreakdown(ctx.db, input)),
  models: staffProcedure.input(analyticsRangeInput).query(({ ctx, input }) => analyticsModels(ctx.db, input)),
  turns: staffProcedure.input(analyticsPeriodInput).query(({ ctx, input }) => analyticsTurns(ctx.db, input)),
});

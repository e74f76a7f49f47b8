/** `admin.stripe.*`: the Stripe webhook events received and what became of each (staff read). */
import { z } from "zod";
import { listStripeEvents, stripeEventStatuses } from "../../../domain/billing/stripe-events.ts";
import { createTRPCRouter, staffProcedure } from "../../trpc.ts";

export const stripeAdminRouter = createTRPCRouter({
  /** `{ counts: { received, applied, ignored, unmatched, failed }, items }`, newest first. */
  events: staffProcedure
    .input(z.object({ status: z.enum(stripeEventStatuses).optional(), limit: z.number().int().min(1).max(200).optional() }).optional())
    .query(({ ctx, input }) => listStripeEvents(ctx.db, input ?? {})),
});

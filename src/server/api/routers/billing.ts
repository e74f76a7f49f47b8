/**
 * `billing.*` (PRODUCT.md 10, 14) for every signed-in user: the plans on offer and the caller's own
 * plan. Without Stripe keys both still answer (`paymentsConfigured: false`, nothing purchasable):
 * owners assign plans by hand in the console.
 */
import { paymentsConfigured } from "../../billing/payments-config.ts";
import { listPlans, publicPlanView, subscriptionForUser } from "../../domain/billing/plans.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";
import { billingStripeProcedures } from "./billing-stripe.ts";

export const billingRouter = createTRPCRouter({
  /** Active plans, in display order: `{ id, key, name, monthlyCredits, priceCents, currency, allowedModels, rateLimitPerMinute, rateLimitPerHour, isDefault, purchasable }[]`. */
  plans: protectedProcedure.query(async ({ ctx }) => {
    const payments = paymentsConfigured();
    return (await listPlans(ctx.db)).map((plan) => publicPlanView(plan, payments));
  }),
  /** The caller's plan: `{ plan, source: 'default' | 'manual' | 'stripe', status, currentPeriodStart, currentPeriodEnd, cancelAtPeriodEnd, paymentsConfigured }`. */
  subscription: protectedProcedure.query(({ ctx }) => subscriptionForUser(ctx.db, ctx.user.id, paymentsConfigured())),

  // Stripe's procedures (checkout, portal, invoices) are spread here from ./billing-stripe.ts.
  ...billingStripeProcedures,
});

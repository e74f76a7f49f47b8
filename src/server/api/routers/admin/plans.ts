/**
 * `admin.plans.*` (PRODUCT.md 9, 14): owners and analysts read every plan (inactive ones too) and
 * the credit packs on sale; owners create, edit, move the default, assign a plan to a user by hand
 * and replace the credit packs. Each write is audited in its own transaction
 * (domain/billing/plan-admin.ts, manual-plans.ts, credit-packs.ts).
 */
import { z } from "zod";
import { actorOf } from "../../../domain/admin/audit.ts";
import { createPlan, createPlanInput, setDefaultPlan, setDefaultPlanInput, updatePlan, updatePlanInput } from "../../../domain/billing/plan-admin.ts";
import { creditPacksWithSource, replaceCreditPacks, setCreditPacksInput } from "../../../domain/billing/credit-packs.ts";
import { assignPlan } from "../../../domain/billing/manual-plans.ts";
import { listPlansWithSubscribers, subscriptionForUser } from "../../../domain/billing/plans.ts";
import { paymentsConfigured } from "../../../billing/payments-config.ts";
import { AppError } from "../../../errors.ts";
import { createTRPCRouter, ownerProcedure, staffProcedure } from "../../trpc.ts";

export const plansRouter = createTRPCRouter({
  /** Every plan, active or not, in display order, with its subscribers (users a subscription puts on it), and whether payments are configured here. */
  list: staffProcedure.query(async ({ ctx }) => ({ plans: await listPlansWithSubscribers(ctx.db), paymentsConfigured: paymentsConfigured() })),
  /** `{ userId }` → the user's plan, source, status and period (for the user page's Plan control). */
  forUser: staffProcedure.input(z.object({ userId: z.uuid() })).query(async ({ ctx, input }) => {
    const user = await ctx.db.user.findUnique({ where: { id: input.userId }, select: { id: true } });
    if (!user) throw new AppError("not_found", "No such user.");
    return subscriptionForUser(ctx.db, user.id, paymentsConfigured());
  }),
  create: ownerProcedure.input(createPlanInput).mutation(({ ctx, input }) => createPlan(ctx.db, actorOf(ctx.user), input)),
  /** `{ planId, …fields to change }`; the key never changes. */
  update: ownerProcedure.input(updatePlanInput).mutation(({ ctx, input }) => updatePlan(ctx.db, actorOf(ctx.user), input)),
  setDefault: ownerProcedure.input(setDefaultPlanInput).mutation(({ ctx, input }) => setDefaultPlan(ctx.db, actorOf(ctx.user), input)),
  /** `{ userId, planId }`: a manual subscription with its first period granted now; the default plan ends it. */
  assign: ownerProcedure.input(z.object({ userId: z.uuid(), planId: z.uuid() })).mutation(({ ctx, input }) => assignPlan(ctx.db, actorOf(ctx.user), input)),
  /** The credit packs on sale (what `billing.creditPacks` shows users), and whether they are still the built-in defaults. */
  creditPacks: staffProcedure.query(({ ctx }) => creditPacksWithSource(ctx.db)),
  /** `{ packs }` replaces the whole list; packs that do not fit are BAD_REQUEST with `details.fields` ("1.credits": "…") and change nothing. */
  setCreditPacks: ownerProcedure.input(setCreditPacksInput).mutation(({ ctx, input }) => replaceCreditPacks(ctx.db, actorOf(ctx.user), input.packs)),
});

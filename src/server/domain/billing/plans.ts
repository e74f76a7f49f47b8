/**
 * Plans (PRODUCT.md 14): what a user's monthly grant, allowed models and rate limits are. Every user
 * is on the default plan until a subscription (assigned by an owner, or bought through Stripe) puts
 * them on another. The router, the send preflight, the jobs, the CLI and the Stripe code all read
 * plans through these functions.
 */
import type { Db } from "../../db.ts";
import type { Plan, Prisma, Subscription } from "@/generated/prisma/client.ts";
import { AppError } from "../../errors.ts";

type Tx = Prisma.TransactionClient;
type Reader = Db | Tx;

/** Statuses under which a subscription still gives its plan (past_due: Stripe is still retrying). */
export const planGivingStatuses = ["active", "past_due"] as const;

/** A plan as the API shows it: credits as an exact decimal string, never a float. */
export interface PlanView {
  id: string;
  key: string;
  name: string;
  monthlyCredits: string;
  priceCents: number;
  currency: string;
  stripePriceId: string | null;
  allowedModels: string[];
  rateLimitPerMinute: number | null;
  rateLimitPerHour: number | null;
  active: boolean;
  isDefault: boolean;
  position: number;
}

export function planView(plan: Plan): PlanView {
  return {
    id: plan.id,
    key: plan.key,
    name: plan.name,
    monthlyCredits: plan.monthlyCredits.toString(),
    priceCents: plan.priceCents,
    currency: plan.currency,
    stripePriceId: plan.stripePriceId,
    allowedModels: [...plan.allowedModels],
    rateLimitPerMinute: plan.rateLimitPerMinute,
    rateLimitPerHour: plan.rateLimitPerHour,
    active: plan.active,
    isDefault: plan.isDefault,
    position: plan.position,
  };
}

export async function listPlans(db: Reader, options: { includeInactive?: boolean } = {}): Promise<Plan[]> {
  return db.plan.findMany({
    where: options.includeInactive ? {} : { active: true },
    orderBy: [{ position: "asc" }, { priceCents: "asc" }, { key: "asc" }],
  });
}

/** The plan every user without a plan-giving subscription is on (exactly one; a unique index). */
export async function defaultPlan(db: Reader): Promise<Plan> {
  const plan = await db.plan.findFirst({ where: { isDefault: true } });
  // The migration seeds one and setDefault only moves it: a missing one is a broken install.
  if (!plan) throw new AppError("internal", "No default plan is configured.");
  return plan;
}

export async function findPlan(db: Reader, ref: { planId?: string; planKey?: string }): Promise<Plan> {
  const plan = ref.planId
    ? await db.plan.findUnique({ where: { id: ref.planId } })
    : ref.planKey
      ? await db.plan.findUnique({ where: { key: ref.planKey } })
      : null;
  if (!plan) throw new AppError("not_found", ref.planKey ? `No plan with key "${ref.planKey}".` : "Plan not found.");
  return plan;
}

/** The plan a Stripe price buys (for checkout and webhooks); null when no plan has that price. */
export async function findPlanByStripePrice(db: Reader, priceId: string): Promise<Plan | null> {
  return db.plan.findUnique({ where: { stripePriceId: priceId } });
}

export function subscriptionGivesPlan(subscription: Pick<Subscription, "status" | "endedAt"> | null): boolean {
  return !!subscription && subscription.endedAt === null && (planGivingStatuses as readonly string[]).includes(subscription.status);
}

/**
 * The plan the user is on now: an active or past-due subscription that has not ended gives its
 * plan (even one an owner since deactivated: a deactivated plan is no longer offered, but whoever
 * has it keeps it); otherwise the default plan. `subscription` is the user's row whatever its state.
 */
export async function planForUser(db: Reader, userId: string): Promise<{ plan: Plan; subscription: (Subscription & { plan: Plan }) | null }> {
  const subscription = await db.subscription.findUnique({ where: { userId }, include: { plan: true } });
  if (subscriptionGivesPlan(subscription)) return { plan: subscription!.plan, subscription };
  return { plan: await defaultPlan(db), subscription };
}

/** Whether a plan lets its users call `alias`; the built-in offline model is always allowed. */
export function planAllowsModel(plan: Pick<Plan, "allowedModels">, alias: string): boolean {
  return alias === OFFLINE_MODEL_ALIAS || plan.allowedModels.length === 0 || plan.allowedModels.includes(alias);
}

/** The built-in offline model: costs nothing, so no plan takes it away. */
export const OFFLINE_MODEL_ALIAS = "local";

/** A plan as users see it on the billing page: `purchasable` when Checkout can sell it here. */
export function publicPlanView(plan: Plan, payments: boolean) {
  const { id, key, name, monthlyCredits, priceCents, currency, allowedModels, rateLimitPerMinute, rateLimitPerHour, isDefault } = planView(plan);
  return { id, key, name, monthlyCredits, priceCents, currency, allowedModels, rateLimitPerMinute, rateLimitPerHour, isDefault, purchasable: payments && !!plan.stripePriceId };
}

/** The user's plan and where it comes from, for the billing page and the agent editor. */
export async function subscriptionForUser(db: Reader, userId: string, payments: boolean) {
  const { plan, subscription } = await planForUser(db, userId);
  const live = subscriptionGivesPlan(subscription) ? subscription : null;
  return {
    plan: publicPlanView(plan, payments),
    source: (live?.source ?? "default") as "default" | "manual" | "stripe",
    status: (live?.status ?? "active") as "active" | "past_due" | "canceled",
    currentPeriodStart: live?.currentPeriodStart.toISOString() ?? null,
    currentPeriodEnd: live?.currentPeriodEnd.toISOString() ?? null,
    cancelAtPeriodEnd: live?.cancelAtPeriodEnd ?? false,
    paymentsConfigured: payments,
  };
}

/** Every plan (inactive ones too) with how many users a subscription puts on it now, for the console. */
export async function listPlansWithSubscribers(db: Reader) {
  const [plans, counts] = await Promise.all([
    listPlans(db, { includeInactive: true }),
    db.subscription.groupBy({ by: ["planId"], where: { status: { in: [...planGivingStatuses] }, endedAt: null }, _count: { _all: true } }),
  ]);
  const byPlan = new Map(counts.map((c) => [c.planId, c._count._all]));
  return plans.map((plan) => ({ ...planView(plan), subscribers: byPlan.get(plan.id) ?? 0 }));
}

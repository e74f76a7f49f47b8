/**
 * Plans assigned by hand (PRODUCT.md 14, the no-Stripe path): an owner puts a user on a plan from
 * the console or the CLI. The subscription is `manual`, its first period [now, now + 1 month) is
 * granted at once, and the scheduled job (plan-grants.ts) grants each later one. Assigning the
 * default plan ends the subscription. Audited in the same transaction.
 */
import { z } from "zod";
import type { Db } from "../../db.ts";
import type { Plan, Subscription } from "@/generated/prisma/client.ts";
import { paymentsConfigured } from "../../billing/payments-config.ts";
import { AppError } from "../../errors.ts";
import { recordAudit, type AuditActor } from "../admin/audit.ts";
import { grantPlanPeriod, manualGrantReference, type PlanGrantResult } from "./plan-grant.ts";
import { addMonthsUtc } from "./plan-periods.ts";
import { findPlan, subscriptionGivesPlan } from "./plans.ts";

export const assignPlanInput = z
  .object({ userId: z.uuid(), planId: z.uuid().optional(), planKey: z.string().trim().min(1).max(40).optional() })
  .refine((v) => !!v.planId !== !!v.planKey, { message: "Give either planId or planKey", path: ["planId"] });

function subscriptionAudit(subscription: (Subscription & { plan: Pick<Plan, "key"> }) | null) {
  if (!subscription) return { plan: null, subscription: null };
  return {
    plan: subscription.plan.key,
    subscription: {
      id: subscription.id,
      source: subscription.source,
      status: subscription.status,
      currentPeriodStart: subscription.currentPeriodStart.toISOString(),
      currentPeriodEnd: subscription.currentPeriodEnd.toISOString(),
      endedAt: subscription.endedAt?.toISOString() ?? null,
    },
  };
}

export interface AssignPlanResult {
  userId: string;
  plan: { id: string; key: string; name: string };
  /** False when the user was already on this plan by hand (nothing changed, nothing granted). */
  changed: boolean;
  subscription: { id: string; source: string; status: string; currentPeriodStart: string; currentPeriodEnd: string } | null;
  grant: PlanGrantResult | null;
}

export async function assignPlan(
  db: Db,
  actor: AuditActor,
  rawInput: z.input<typeof assignPlanInput>,
  /** `paymentsConfigured` defaults to this server's env (a parameter so tests can take both paths). */
  options: { now?: Date; paymentsConfigured?: boolean } = {},
): Promise<AssignPlanResult> {
  const input = assignPlanInput.parse(rawInput);
  const now = options.now ?? new Date();
  const stripeManages = options.paymentsConfigured ?? paymentsConfigured();
  return db.$transaction(async (tx) => {
    // The user row, locked: two owners assigning at once take turns (the subscription may not exist yet).
    const [user] = await tx.$queryRaw<{ id: string; email: string | null }[]>`SELECT id, email FROM users WHERE id = ${input.userId}::uuid FOR UPDATE`;
    if (!user) throw new AppError("not_found", "No such user.");
    const plan = await findPlan(tx, input);
    const existing = await tx.subscription.findUnique({ where: { userId: user.id }, include: { plan: true } });
    const live = subscriptionGivesPlan(existing) ? existing : null;
    if (live?.source === "stripe" && stripeManages) {
      throw new AppError("conflict", "This user's plan is managed by Stripe: they change or cancel it in the billing portal.", { reason: "managed_by_stripe" });
    }
    const summary = (s: Subscription | null) =>
      s && { id: s.id, source: s.source, status: s.status, currentPeriodStart: s.currentPeriodStart.toISOString(), currentPeriodEnd: s.currentPeriodEnd.toISOString() };
    const result = (changed: boolean, subscription: Subscription | null, grant: PlanGrantResult | null): AssignPlanResult => ({
      userId: user.id,
      plan: { id: plan.id, key: plan.key, name: plan.name },
      changed,
      subscription: summary(subscription),
      grant,
    });

    // Recorded even when nothing changes: the owner's action is what the log keeps.
    const unchanged = async (subscription: Subscription | null) => {
      await recordAudit(tx, actor, { action: "plan.assign", targetType: "user", targetId: user.id, before: subscriptionAudit(existing), after: { ...subscriptionAudit(existing), plan: plan.key, unchanged: true } });
      return result(false, subscription, null);
    };
    if (plan.isDefault) {
      if (!live) return unchanged(null);
      const ended = await tx.subscription.update({ where: { id: live.id }, data: { status: "canceled", endedAt: now, cancelAtPeriodEnd: false }, include: { plan: true } });
      await recordAudit(tx, actor, { action: "plan.assign", targetType: "user", targetId: user.id, before: subscriptionAudit(live), after: { ...subscriptionAudit(ended), plan: plan.key } });
      return result(true, null, null);
    }
    if (!plan.active) throw new AppError("unprocessable", `The plan "${plan.name}" is inactive: activate it before assigning it.`, { field: "planId" });
    // Already on this plan by hand: a second click must not start a new period and grant it again.
    if (live && live.source === "manual" && live.planId === plan.id) return unchanged(live);

    const period = { currentPeriodStart: now, currentPeriodEnd: addMonthsUtc(now, 1) };
    const fields = { planId: plan.id, source: "manual", status: "active", ...period, cancelAtPeriodEnd: false, endedAt: null, stripeSubscriptionId: null, stripeEventAt: null };
    const subscription = await tx.subscription.upsert({ where: { userId: user.id }, create: { userId: user.id, ...fields }, update: fields, include: { plan: true } });
    const grant = await grantPlanPeriod(tx, {
      userId: user.id,
      plan,
      referenceId: manualGrantReference(subscription.id, period.currentPeriodStart),
      initiatedBy: actor.label,
      note: `${plan.name} plan: credits for the period from ${period.currentPeriodStart.toISOString().slice(0, 10)}`,
    });
    await recordAudit(tx, actor, {
      action: "plan.assign",
      targetType: "user",
      targetId: user.id,
      before: subscriptionAudit(existing),
      after: { ...subscriptionAudit(subscription), grant: grant.granted ? { transactionId: grant.transactionId, amount: grant.amount } : null },
    });
    return result(true, subscription, grant);
  });
}
